//! `vtcode tools history` through the real binary: a real fixture server
//! started at two releases by `vtcode tools list`, then its history read
//! back as JSON and text.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, repo_root, stderr, stdout, venv_bin};
use serde_json::Value;

/// Points the project's `versioned` server at `release` of the fixture.
fn configure_release(project: &Project, release: u8) {
    let script = repo_root().join("tests/fixtures/mcp/versioned_tools.py");
    std::fs::write(
        project.path().join("vtcode.toml"),
        format!(
            "[mcp.servers.versioned]\ncommand = {:?}\nargs = [{:?}]\nenv = {{ FIXTURE_RELEASE = \"{release}\" }}\n",
            venv_bin().join("python").display().to_string(),
            script.display().to_string()
        ),
    )
    .unwrap();
}

/// A project whose server has been seen at release 1, then release 2.
fn project_after_two_releases() -> Project {
    let project = Project::with_config("");
    for release in [1, 2] {
        configure_release(&project, release);
        let out = project.vtcode(&["tools", "list"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    project
}

fn history_json(project: &Project, tool: &str) -> Value {
    let out = project.vtcode(&["tools", "history", tool, "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn history_json_lists_every_version_with_class_diff_and_server_version() {
    let project = project_after_two_releases();

    let renamed = history_json(&project, "versioned.renames_param");
    assert_eq!(renamed["server"], "versioned");
    assert_eq!(renamed["tool"], "renames_param");
    let versions = renamed["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2, "{renamed:#}");
    assert_eq!(versions[0]["change"], "added");
    assert_eq!(versions[0]["server_version"], "1.0.0");
    assert_eq!(versions[1]["change"], "changed");
    assert_eq!(versions[1]["class"], "incompatible");
    assert_eq!(versions[1]["server_version"], "2.0.0");
    assert_eq!(
        versions[1]["diff"][0]["description"],
        "parameter `query` renamed to `q`"
    );
    // Each version carries the whole tool, so any two can be compared.
    assert_eq!(
        versions[0]["definition"]["inputSchema"]["required"][0],
        "query"
    );
    assert!(
        versions[1]["first_seen"].as_str().unwrap() >= versions[0]["last_seen"].as_str().unwrap()
    );

    // A bare name works when one server has it; a removal is a version.
    let gone = history_json(&project, "goes_away");
    let versions = gone["versions"].as_array().unwrap();
    assert_eq!(versions[1]["change"], "removed");
    assert_eq!(versions[1]["class"], "incompatible");
    let narrowed = history_json(&project, "versioned.drops_enum_value");
    assert_eq!(narrowed["versions"][1]["class"], "migration_needed");
    let steady = history_json(&project, "versioned.steady");
    assert_eq!(steady["versions"].as_array().unwrap().len(), 1);
}

#[test]
fn history_text_shows_the_class_and_what_changed() {
    let project = project_after_two_releases();
    let out = project.vtcode(&["tools", "history", "versioned.drops_enum_value"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("versioned.drops_enum_value: 2 versions"),
        "{text}"
    );
    assert!(
        text.contains("2. changed: migration needed  server 2.0.0"),
        "{text}"
    );
    assert!(
        text.contains("- parameter `unit` no longer accepts \"kelvin\" (migration needed)"),
        "{text}"
    );
}

#[test]
fn an_unknown_tool_gets_a_suggestion_and_no_history_says_how_to_get_one() {
    let fresh = Project::with_config("");
    let out = fresh.vtcode(&["tools", "history", "time.convert_time"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("no tool history yet"),
        "{}",
        stderr(&out)
    );
    assert!(
        !fresh.path().join(".vtcode/vtcode.db").exists(),
        "reading history must not create a database"
    );

    let project = project_after_two_releases();
    let out = project.vtcode(&["tools", "history", "versioned.renames_parm"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("did you mean `versioned.renames_param`?"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}
