//! `vtcode exec` end to end: the real binary, a scripted OpenAI-compatible
//! server on 127.0.0.1, and the real mcp-server-time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, ScriptedLlm, repo_root, stderr, stdout, venv_bin};
use serde_json::{Value, json};

fn project_with_model(llm_url: Option<&str>) -> Project {
    let time = venv_bin().join("mcp-server-time");
    let base = llm_url
        .map(|url| format!("base_url = {url:?}\n"))
        .unwrap_or_default();
    Project::with_config(&format!(
        "[llm]\nmodel = \"scripted-model\"\napi_key_env = \"VTCODE_TEST_KEY\"\n{base}\n\
         [sandbox]\nbackend = \"process\"\n\n[mcp.servers.time]\ncommand = {:?}\n",
        time.display().to_string()
    ))
}

#[test]
fn a_missing_api_key_is_one_line_that_says_what_to_set() {
    let project = project_with_model(None);
    let out = project
        .command(&["exec", "hello"])
        .env_remove("VTCODE_TEST_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("VTCODE_TEST_KEY"), "{err}");
}

#[test]
fn exec_searches_runs_code_against_a_real_server_and_prints_the_answer() {
    let project = project_with_model(None);
    let llm = ScriptedLlm::start(
        &project,
        json!([
            {"tool_calls": [{"name": "search_tools", "arguments": {"query": "convert time between timezones"}}]},
            {"tool_calls": [{"name": "execute_code", "arguments": {"language": "python", "code":
                "from servers.time import convert_time\nconvert_time(source_timezone='UTC', time='12:00', target_timezone='Asia/Tokyo')['target']['datetime'][11:16]"}}]},
            {"text": "Noon UTC is 21:00 in Tokyo."}
        ]),
    );
    let url = llm.base_url();
    let out = project
        .command(&[
            "-c",
            &format!("llm.base_url={url}"),
            "exec",
            "--json",
            "what time is noon UTC in Tokyo?",
        ])
        .env("VTCODE_TEST_KEY", "test-key")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let events: Vec<Value> = stdout(&out)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let finished: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "tool_call_finished")
        .collect();
    assert_eq!(finished.len(), 2, "{events:?}");
    assert!(
        finished[0]["output"]
            .as_str()
            .unwrap()
            .contains("convert_time")
    );
    assert!(
        finished[1]["output"]
            .as_str()
            .unwrap()
            .contains("\"21:00\""),
        "{:?}",
        finished[1]
    );
    assert_eq!(
        events.last().unwrap()["type"],
        "turn_completed",
        "{events:?}"
    );

    let out = project.vtcode(&["sessions", "list", "--json"]);
    let sessions: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        sessions[0]["first_prompt"],
        "what time is noon UTC in Tokyo?"
    );
}

#[test]
fn a_tool_changed_under_a_running_prompt_is_named_on_stderr_and_recorded() {
    let project = Project::with_config("");
    let llm = ScriptedLlm::start(
        &project,
        json!([
            // The first call makes the server rewrite the tool; the program
            // stays alive while the change is announced and recorded.
            {"tool_calls": [{"name": "execute_code", "arguments": {"language": "python", "code":
                "import time\nfrom servers.rug import lookup\nprint(lookup(word='apple'))\ntime.sleep(5)"}}]},
            {"text": "apple is a word."}
        ]),
    );
    std::fs::write(
        project.path().join("vtcode.toml"),
        format!(
            "[llm]\nmodel = \"scripted-model\"\napi_key_env = \"VTCODE_TEST_KEY\"\nbase_url = {:?}\n\n\
             [sandbox]\nbackend = \"process\"\n\n[mcp.servers.rug]\ncommand = {:?}\nargs = [{:?}]\n\
             # exec has no one to ask; the tool has no annotations, so it is pre-approved.\n\
             approve = [\"lookup\"]\n",
            llm.base_url(),
            venv_bin().join("python").display().to_string(),
            repo_root()
                .join("tests/fixtures/mcp/rug_pull.py")
                .display()
                .to_string()
        ),
    )
    .unwrap();
    let out = project
        .command(&["exec", "is apple a word?"])
        .env("VTCODE_TEST_KEY", "test-key")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let notes: Vec<&str> = err
        .lines()
        .filter(|line| line.starts_with("note: tool "))
        .collect();
    assert_eq!(
        notes,
        ["note: tool rug.lookup changed (compatible): description reworded"],
        "{err}"
    );

    let out = project.vtcode(&["tools", "history", "rug.lookup", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let history: Value = serde_json::from_slice(&out.stdout).unwrap();
    let versions = history["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{history:#}");
    assert_eq!(versions[1]["class"], "compatible");
    assert!(
        versions[1]["definition"]["description"]
            .as_str()
            .unwrap()
            .contains("<IMPORTANT>")
    );
}

#[test]
fn tools_changed_since_the_last_run_are_named_when_exec_starts() {
    let project = Project::with_config("");
    let llm = ScriptedLlm::start(&project, json!([{"text": "first"}, {"text": "second"}]));
    let configure = |release: u8| {
        std::fs::write(
            project.path().join("vtcode.toml"),
            format!(
                "[llm]\nmodel = \"scripted-model\"\napi_key_env = \"VTCODE_TEST_KEY\"\nbase_url = {:?}\n\n\
                 [sandbox]\nbackend = \"process\"\n\n[mcp.servers.versioned]\ncommand = {:?}\nargs = [{:?}]\n\
                 env = {{ FIXTURE_RELEASE = \"{release}\" }}\n",
                llm.base_url(),
                venv_bin().join("python").display().to_string(),
                repo_root()
                    .join("tests/fixtures/mcp/versioned_tools.py")
                    .display()
                    .to_string()
            ),
        )
        .unwrap();
    };
    let exec = || {
        let out = project
            .command(&["exec", "hello"])
            .env("VTCODE_TEST_KEY", "test-key")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    configure(1);
    let first = exec();
    assert!(
        !first.contains("note: tool "),
        "nothing changed yet: {first}"
    );
    configure(2);
    let second = exec();
    let notes: Vec<&str> = second
        .lines()
        .filter(|line| line.starts_with("note: tool "))
        .collect();
    assert_eq!(
        notes.len(),
        14,
        "one line per changed or removed tool: {second}"
    );
    for expected in [
        "note: tool versioned.renames_param changed (incompatible): parameter `query` renamed to `q`",
        "note: tool versioned.goes_away was removed (incompatible)",
        "note: tool versioned.drops_option changed (migration needed): optional parameter `verbose` removed",
    ] {
        assert!(
            notes.contains(&expected),
            "missing {expected:?} in {second}"
        );
    }
}
