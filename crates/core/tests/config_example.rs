#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The repository's own `vtcode.toml` is a valid, complete example, and
//! docs/config.md documents every key the loader knows.

mod config_support;

use std::path::PathBuf;

use config_support::Project;
use vtcode_core::config::{Origin, ServerTransport};

fn repo_file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(name)
}

#[test]
fn repository_example_config_loads_and_sets_every_section() {
    let project = Project::new();
    let text = std::fs::read_to_string(repo_file("vtcode.toml")).unwrap();
    let path = project.write("vtcode.toml", &text);
    let loaded = project.load(&project.options());
    let servers = &loaded.config.mcp.servers;
    assert_eq!(
        servers.keys().collect::<Vec<_>>(),
        ["docs", "git", "ledger", "time"]
    );
    let ServerTransport::Stdio { command, .. } = &servers["time"].transport else {
        panic!("time should be a stdio server");
    };
    assert_eq!(
        PathBuf::from(command),
        project.root().join(".venv/bin/python")
    );
    assert!(!servers["docs"].enabled);
    for key in [
        "llm.provider",
        "sandbox.backend",
        "agent.tool_mode",
        "pii.enabled",
        "metrics.enabled",
        "skills.save_dir",
    ] {
        assert_eq!(
            loaded.origins[key],
            Origin::ProjectFile(path.clone()),
            "{key}"
        );
    }
}

#[test]
fn docs_describe_every_key_that_config_show_lists() {
    let docs = std::fs::read_to_string(repo_file("docs/config.md")).unwrap();
    let project = Project::new();
    project.write(
        "vtcode.toml",
        "[mcp.servers.a]\ncommand = \"a\"\n[mcp.servers.b]\nurl = \"http://127.0.0.1:1/mcp\"\n",
    );
    let shown = project.load(&project.options()).render_show();
    let mut checked = 0;
    for line in shown.lines() {
        let key = line
            .strip_prefix("# ")
            .and_then(|rest| rest.strip_suffix(" is not set"))
            .or_else(|| line.split_once(" = ").map(|(key, _)| key));
        if let Some(key) = key {
            assert!(
                docs.contains(&format!("| `{key}` |")),
                "docs/config.md lacks `{key}`"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "only {checked} keys found in:\n{shown}");
}
