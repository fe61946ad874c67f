//! `vtcode tools`, `sdk`, `servers` and `config` against real MCP servers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, stderr, stdout};
use serde_json::Value;

#[test]
fn search_ranks_convert_time_first_for_a_timezone_conversion() {
    let project = Project::with_time_server();
    let out = project.vtcode(&["tools", "search", "convert a time between timezones"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = stdout(&out).lines().next().unwrap_or_default().to_string();
    assert!(first.starts_with("time.convert_time"), "{}", stdout(&out));
}

#[test]
fn search_json_has_server_name_score_and_detail_fields() {
    let project = Project::with_time_server();
    let out = project.vtcode(&[
        "tools",
        "search",
        "current time",
        "--json",
        "--detail",
        "full",
        "--limit",
        "1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let hits: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit["server"], "time");
    assert_eq!(hit["name"], "get_current_time");
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    assert!(hit["description"].is_string());
    assert_eq!(hit["input_schema"]["type"], "object");
}

#[test]
fn unknown_tool_suggests_the_closest_name() {
    let project = Project::with_time_server();
    let out = project.vtcode(&["tools", "show", "time.convert_tim"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("did you mean `time.convert_time`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_server_whose_command_does_not_exist_is_named_and_the_others_work() {
    let time = cli_support::venv_bin().join("mcp-server-time");
    let project = Project::with_config(&format!(
        "[mcp.servers.time]\ncommand = {:?}\n\n[mcp.servers.ghost]\ncommand = \"/nonexistent/mcp-ghost\"\n",
        time.display().to_string()
    ));
    let out = project.vtcode(&["tools", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("convert_time"));
    let err = stderr(&out);
    assert!(
        err.contains("ghost") && err.contains("/nonexistent/mcp-ghost"),
        "{err}"
    );

    let out = project.vtcode(&["servers"]);
    assert!(
        !out.status.success(),
        "a failed server makes `servers` exit non-zero"
    );
    let text = stdout(&out);
    assert!(text.contains("time") && text.contains("ready"), "{text}");
    assert!(text.contains("ghost") && text.contains("failed"), "{text}");
}

#[test]
fn search_works_from_a_catalog_file_with_no_server() {
    let project = Project::with_config("");
    let catalog = project.path().join("catalog.json");
    std::fs::write(
        &catalog,
        r#"{"github": {"tools": [
            {"name": "create_pull_request", "description": "Open a new pull request", "inputSchema": {"type": "object", "properties": {"title": {"type": "string"}}}},
            {"name": "list_issues", "description": "List issues of a repository", "inputSchema": {"type": "object"}}
        ]}}"#,
    )
    .unwrap();
    let out = project.vtcode(&[
        "tools",
        "search",
        "open a pull request",
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("github.create_pull_request"),
        "{}",
        stdout(&out)
    );
}

/// A catalog where "will it rain tomorrow in Paris" shares no word with
/// the tool it wants.
fn weather_catalog(project: &Project) -> String {
    let catalog = project.path().join("catalog.json");
    std::fs::write(
        &catalog,
        r#"{"weather": {"tools": [
            {"name": "get_weather", "description": "Get current weather and forecast for a location", "inputSchema": {"type": "object", "properties": {"location": {"type": "string"}}}}
        ]}, "files": {"tools": [
            {"name": "read_file", "description": "Read a file from disk", "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}}},
            {"name": "list_directory", "description": "List the entries of a directory", "inputSchema": {"type": "object", "properties": {"path": {"type": "string"}}}}
        ]}}"#,
    )
    .unwrap();
    catalog.to_str().unwrap().to_string()
}

#[test]
fn without_the_model_search_is_lexical_and_says_in_one_line_how_to_install_it() {
    let project = Project::with_config("");
    let catalog = weather_catalog(&project);
    let query = "will it rain tomorrow in Paris";
    let out = project.vtcode(&["tools", "search", query, "--catalog", &catalog]);
    assert!(out.status.success(), "{}", stderr(&out));
    let notes: Vec<String> = stderr(&out)
        .lines()
        .filter(|line| line.contains("semantic search"))
        .map(str::to_string)
        .collect();
    assert_eq!(notes.len(), 1, "{}", stderr(&out));
    assert!(notes[0].contains("lexical only") && notes[0].contains("scripts/setup-model.sh"));
    assert!(
        !stdout(&out).contains("weather.get_weather"),
        "{}",
        stdout(&out)
    );

    let out = project.vtcode(&["doctor"]);
    let report = stdout(&out);
    let line = report
        .lines()
        .find(|line| line.contains("search:"))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(
        line.starts_with("  warn") && line.contains("scripts/setup-model.sh"),
        "{line}"
    );

    // Control: with the model configured, the same query finds the tool.
    let Some(model) = vtcode_embed::locate_test_model() else {
        return;
    };
    let out = project
        .command(&["tools", "search", query, "--catalog", &catalog])
        .env("VTCODE_SEARCH_MODEL_PATH", &model)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("semantic search"),
        "{}",
        stderr(&out)
    );
    assert!(
        stdout(&out).starts_with("weather.get_weather"),
        "{}",
        stdout(&out)
    );
    let out = project
        .command(&["doctor"])
        .env("VTCODE_SEARCH_MODEL_PATH", &model)
        .output()
        .unwrap();
    assert!(
        stdout(&out).contains("ok    search: semantic search ready"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_broken_mcp_json_is_reported_with_its_position_and_vtcode_toml_servers_still_work() {
    let project = Project::with_time_server();
    std::fs::write(
        project.path().join(".mcp.json"),
        "{\"mcpServers\": {\n  \"x\": }\n}",
    )
    .unwrap();
    let out = project.vtcode(&["tools", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("get_current_time"));
    assert!(stderr(&out).contains(".mcp.json:2:"), "{}", stderr(&out));
}

#[test]
fn config_errors_name_file_line_and_column() {
    let project = Project::with_config("[sandbox]\npool_sise = 4\n");
    let out = project.vtcode(&["config", "check"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("vtcode.toml:2:1") && err.contains("pool_size"),
        "{err}"
    );
}

#[test]
fn config_show_says_where_each_value_came_from() {
    let project = Project::with_config("[sandbox]\npool_size = 3\n");
    let out = project.vtcode(&["config", "show", "--model", "m-from-flag"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("pool_size = 3  # from: project config"),
        "{text}"
    );
    assert!(
        text.contains("model = \"m-from-flag\"  # from: command line"),
        "{text}"
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_output_without_a_panic() {
    let project = Project::with_time_server();
    let mut child = project
        .command(&["config", "show"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // As `| head` does once it has read enough: nothing reads any more.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
    assert_eq!(out.status.code(), Some(141));
}
