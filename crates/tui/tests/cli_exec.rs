//! `vtcode exec` end to end: the real binary, a scripted OpenAI-compatible
//! server on 127.0.0.1, and the real mcp-server-time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::{Project, repo_root, stderr, stdout, venv_bin};
use serde_json::{Value, json};

struct ScriptedLlm {
    child: Child,
    port: u16,
}

impl ScriptedLlm {
    // The child is reaped by `Drop` once it is inside `Self`.
    #[allow(clippy::zombie_processes)]
    fn start(project: &Project, script: Value) -> Self {
        let script_path = project.path().join("script.json");
        let port_file = project.path().join("llm.port");
        std::fs::write(&script_path, script.to_string()).unwrap();
        let mut child = Command::new(venv_bin().join("python"))
            .arg(repo_root().join("tests/fixtures/llm/scripted_llm.py"))
            .args(["--script", script_path.to_str().unwrap(), "--port", "0"])
            .args(["--port-file", port_file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(text) = std::fs::read_to_string(&port_file)
                && let Ok(port) = text.trim().parse()
            {
                return Self { child, port };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the scripted LLM server did not start within 20 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }
}

impl Drop for ScriptedLlm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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
