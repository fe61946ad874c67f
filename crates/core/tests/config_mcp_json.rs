#![allow(clippy::unwrap_used, clippy::expect_used)]
//! A Claude-style `.mcp.json` beside `vtcode.toml`.

mod config_support;

use config_support::Project;
use vtcode_core::config::{Origin, ServerTransport};

const BOTH_SHAPES: &str = r#"{
  "mcpServers": {
    "time": {
      "command": "python3",
      "args": ["-m", "mcp_server_time", "--local-timezone", "UTC"],
      "env": {"TZ": "UTC"},
      "cwd": "tools"
    },
    "remote": {
      "type": "http",
      "url": "http://127.0.0.1:8123/mcp",
      "headers": {"Authorization": "Bearer secret-token"}
    },
    "legacy": {"type": "sse", "url": "http://127.0.0.1:8124/sse"}
  }
}
"#;

#[test]
fn stdio_and_http_servers_are_read_with_their_origin() {
    let project = Project::new();
    let json = project.write(".mcp.json", BOTH_SHAPES);
    let loaded = project.load(&project.options());
    let servers = &loaded.config.mcp.servers;
    assert_eq!(
        servers["time"].transport,
        ServerTransport::Stdio {
            command: "python3".into(),
            args: ["-m", "mcp_server_time", "--local-timezone", "UTC"]
                .map(String::from)
                .to_vec(),
            env: [("TZ".to_owned(), "UTC".to_owned())].into(),
            cwd: Some(project.root().join("tools")),
            env_vars: Vec::new(),
        }
    );
    assert!(servers["time"].enabled);
    assert_eq!(
        servers["remote"].transport,
        ServerTransport::Http {
            url: "http://127.0.0.1:8123/mcp".into(),
            headers: [("Authorization".to_owned(), "Bearer secret-token".to_owned())].into(),
        }
    );
    assert!(matches!(
        servers["legacy"].transport,
        ServerTransport::Http { .. }
    ));
    assert_eq!(
        loaded.origins["mcp.servers.time.command"],
        Origin::McpJson(json.clone())
    );
    assert_eq!(
        loaded.origins["mcp.servers.remote.url"],
        Origin::McpJson(json)
    );
    assert_eq!(loaded.origins["mcp.servers.time.enabled"], Origin::Default);
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert!(
        loaded.warnings[0].contains("`legacy`"),
        "{:?}",
        loaded.warnings
    );
    assert!(!loaded.render_show().contains("secret-token"));
}

#[test]
fn vtcode_toml_wins_for_a_server_defined_in_both() {
    let project = Project::new();
    project.write(".mcp.json", BOTH_SHAPES);
    let toml = project.write(
        "vtcode.toml",
        "[mcp.servers.time]\ncommand = \"uvx\"\nargs = [\"mcp-server-time\"]\ntool_timeout_s = 5\n",
    );
    let loaded = project.load(&project.options());
    let time = &loaded.config.mcp.servers["time"];
    let ServerTransport::Stdio {
        command,
        args,
        env,
        cwd,
        ..
    } = &time.transport
    else {
        panic!("time should be stdio");
    };
    assert_eq!(command, "uvx");
    assert_eq!(args, &["mcp-server-time"]);
    assert!(
        env.is_empty(),
        "nothing of the .mcp.json entry may leak in: {env:?}"
    );
    assert_eq!(cwd, &None);
    assert_eq!(time.tool_timeout_s, 5);
    assert_eq!(
        loaded.origins["mcp.servers.time.command"],
        Origin::ProjectFile(toml)
    );
    assert!(loaded.config.mcp.servers.contains_key("remote"));
}

#[test]
fn broken_json_is_a_warning_with_position_and_the_rest_still_loads() {
    let project = Project::new();
    project.write(
        ".mcp.json",
        "{\n  \"mcpServers\": {\n    \"time\": {\"command\": \"x\",}\n  }\n}\n",
    );
    project.write("vtcode.toml", "[mcp.servers.git]\ncommand = \"git-mcp\"\n");
    let loaded = project.load(&project.options());
    assert_eq!(
        loaded.config.mcp.servers.keys().collect::<Vec<_>>(),
        ["git"]
    );
    assert_eq!(loaded.warnings.len(), 1);
    let warning = &loaded.warnings[0];
    assert!(
        warning.starts_with(".mcp.json:3:29: invalid JSON: trailing comma;"),
        "{warning}"
    );
    assert!(
        warning.contains("not loaded until it is fixed"),
        "{warning}"
    );
}

#[test]
fn malformed_servers_are_skipped_with_a_warning_each() {
    let project = Project::new();
    project.write(
        ".mcp.json",
        r#"{"mcpServers": {
            "both": {"command": "x", "url": "http://127.0.0.1:1/mcp"},
            "neither": {"args": ["a"]},
            "badargs": {"command": "x", "args": "not-a-list"},
            "mixed": {"url": "http://127.0.0.1:1/mcp", "env": {"A": "b"}},
            "good": {"command": "ok", "disabled": false}
        }}"#,
    );
    let loaded = project.load(&project.options());
    assert_eq!(
        loaded.config.mcp.servers.keys().collect::<Vec<_>>(),
        ["good"]
    );
    let all = loaded.warnings.join("\n");
    for expected in [
        "server `both` skipped: it has both `command` and `url`",
        "server `neither` skipped: it needs `command` (stdio) or `url` (http)",
        "server `badargs` skipped: `args` must be an array of strings",
        "server `mixed` skipped: `args`, `env` and `cwd` only apply to stdio servers",
        "server `good`: field `disabled` is not used by vtcode and was ignored",
    ] {
        assert!(all.contains(expected), "missing `{expected}` in:\n{all}");
    }
}

#[test]
fn variables_in_server_strings_are_expanded_and_unset_ones_warned_about() {
    let project = Project::new();
    let var = "VTCODE_CONFIG_TEST_TOKEN_91c2";
    // SAFETY: the variable name is unique to this test; nothing else reads it.
    unsafe { std::env::set_var(var, "tok-123") };
    project.write(
        ".mcp.json",
        &format!(
            r#"{{"mcpServers": {{
                "remote": {{"url": "${{VTCODE_CONFIG_TEST_HOST_91c2:-http://127.0.0.1:9}}/mcp",
                            "headers": {{"Authorization": "Bearer ${{{var}}}"}}}},
                "local": {{"command": "srv", "args": ["--key", "${{VTCODE_CONFIG_TEST_UNSET_91c2}}"]}}
            }}}}"#
        ),
    );
    let loaded = project.load(&project.options());
    unsafe { std::env::remove_var(var) };
    let servers = &loaded.config.mcp.servers;
    assert_eq!(
        servers["remote"].transport,
        ServerTransport::Http {
            url: "http://127.0.0.1:9/mcp".into(),
            headers: [("Authorization".to_owned(), "Bearer tok-123".to_owned())].into(),
        }
    );
    let ServerTransport::Stdio { args, .. } = &servers["local"].transport else {
        panic!("local should be stdio");
    };
    assert_eq!(args, &["--key", ""]);
    assert_eq!(
        loaded.warnings,
        [
            ".mcp.json: `mcp.servers.local.args` refers to unset environment variable \
          VTCODE_CONFIG_TEST_UNSET_91c2; it was replaced by nothing"
        ]
    );
    assert!(!loaded.render_show().contains("tok-123"));
}
