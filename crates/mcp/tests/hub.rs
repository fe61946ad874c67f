//! The hub against real servers that behave: the PyPI reference servers and
//! fixture servers exercising pagination, list_changed, HTTP and filters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use tokio::io::AsyncBufReadExt;
use vtcode_mcp::{HubEvent, McpError, ServerSpec, ServerState};

#[tokio::test]
async fn time_server_lists_and_answers_calls() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![time_spec("time")]).await;

        let st = status(&hub, "time");
        assert_eq!(st.state, ServerState::Ready);
        assert_eq!(st.tool_count, 2);
        assert!(st.server_info.is_some());
        assert!(st.transport_summary.contains("mcp_server_time"));

        let names: Vec<String> = hub.tools().into_iter().map(|t| t.name).collect();
        assert!(names.contains(&"get_current_time".to_owned()), "{names:?}");
        assert!(names.contains(&"convert_time".to_owned()), "{names:?}");
        let convert = hub
            .tools()
            .into_iter()
            .find(|t| t.name == "convert_time")
            .unwrap();
        assert_eq!(convert.server, "time");
        assert!(convert.input_schema["properties"]["target_timezone"].is_object());

        let now = hub
            .call_tool("time", "get_current_time", json!({"timezone": "UTC"}))
            .await
            .unwrap();
        assert!(!now.is_error);
        let parsed: Value = serde_json::from_str(&now.text()).unwrap();
        assert_eq!(parsed["timezone"], "UTC");

        let converted = hub
            .call_tool(
                "time",
                "convert_time",
                json!({"source_timezone": "UTC", "time": "12:00", "target_timezone": "Asia/Tokyo"}),
            )
            .await
            .unwrap();
        let parsed: Value = serde_json::from_str(&converted.text()).unwrap();
        let target = parsed["target"]["datetime"].as_str().unwrap();
        assert!(target.contains("T21:00"), "{parsed}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn unknown_server_and_tool_names_get_helpful_errors() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![time_spec("time")]).await;

        let err = hub
            .call_tool("tiem", "get_current_time", json!({}))
            .await
            .unwrap_err();
        assert!(matches!(err, McpError::UnknownServer { .. }));
        let msg = err.to_string();
        assert!(msg.contains("'tiem'") && msg.contains("time"), "{msg}");

        let err = hub
            .call_tool("time", "get_curent_time", json!({}))
            .await
            .unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("did you mean 'get_current_time'"), "{msg}");

        let err = hub
            .call_tool("time", "get_current_time", json!([1]))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("must be a JSON object"), "{err}");

        // The tool's own rejection of bad arguments comes back as a tool error.
        let bad = hub
            .call_tool(
                "time",
                "get_current_time",
                json!({"timezone": "Mars/Olympus"}),
            )
            .await;
        match bad {
            Ok(out) => assert!(out.is_error, "{out:?}"),
            Err(e) => assert!(e.to_string().contains("get_current_time"), "{e}"),
        }
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn enabled_and_disabled_tools_filter_the_catalog_and_calls() {
    bounded(async {
        let mut spec = time_spec("time");
        spec.disabled_tools = vec!["convert_time".into()];
        let (hub, _logs) = start_ready(vec![spec]).await;

        let names: Vec<String> = hub.tools().into_iter().map(|t| t.name).collect();
        assert_eq!(names, vec!["get_current_time".to_owned()]);
        assert_eq!(status(&hub, "time").tool_count, 1);
        let err = hub
            .call_tool("time", "convert_time", json!({}))
            .await
            .unwrap_err();
        assert!(matches!(err, McpError::ToolDisabled { .. }), "{err}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn git_server_works_on_a_real_repository() {
    bounded(async {
        let repo = tempfile::tempdir().unwrap();
        let init = std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(repo.path())
            .status()
            .expect("git must be installed for the mcp-server-git test");
        assert!(init.success());
        std::fs::write(repo.path().join("hello.txt"), "hi\n").unwrap();
        let repo_path = repo.path().to_string_lossy().into_owned();
        let spec = ServerSpec::stdio(
            "git",
            python(),
            vec![
                "-m".into(),
                "mcp_server_git".into(),
                "--repository".into(),
                repo_path.clone(),
            ],
        );
        let (hub, _logs) = start_ready(vec![spec]).await;
        assert!(hub.tools().iter().any(|t| t.name == "git_status"));
        let out = call_text(&hub, "git", "git_status", json!({"repo_path": repo_path})).await;
        assert!(out.contains("hello.txt"), "{out}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn a_thousand_tools_are_listed_across_pages() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![fixture_spec(
            "many",
            "many_tools.py",
            &["--page-size", "37"],
        )])
        .await;

        let tools = hub.tools();
        assert_eq!(tools.len(), 1000);
        let unique: std::collections::HashSet<_> = tools.iter().map(|t| &t.name).collect();
        assert_eq!(unique.len(), 1000);
        assert_eq!(tools[0].name, "tool_0000");
        assert_eq!(tools[999].name, "tool_0999");
        let out = call_text(&hub, "many", "tool_0999", json!({"value": "x"})).await;
        assert_eq!(out, "tool_0999:x");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn endless_pagination_fails_that_server_only() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![
            fixture_spec(
                "endless",
                "many_tools.py",
                &["--endless", "--count", "5", "--page-size", "5"],
            ),
            fixture_spec("fine", "many_tools.py", &["--count", "3"]),
        ])
        .await;

        let err = failure(&status(&hub, "endless").state).to_owned();
        assert!(
            err.contains("'endless'") && err.contains("never ends"),
            "{err}"
        );
        assert!(hub.tools().iter().all(|t| t.server == "fine"));
        assert_eq!(status(&hub, "fine").state, ServerState::Ready);
        assert_eq!(
            call_text(&hub, "fine", "tool_0002", json!({"value": "ok"})).await,
            "tool_0002:ok"
        );
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn list_changed_refreshes_the_tool_list() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![fixture_spec("dyn", "dynamic_tools.py", &[])]).await;
        assert_eq!(hub.tools().len(), 1);

        let mut events = hub.subscribe();
        hub.call_tool("dyn", "add_tool", json!({"name": "fresh_tool"}))
            .await
            .unwrap();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(20), events.recv())
                .await
                .expect("no ToolsChanged event after list_changed")
                .unwrap();
            if event
                == (HubEvent::ToolsChanged {
                    server: "dyn".into(),
                })
            {
                break;
            }
        }
        let names: Vec<String> = hub.tools().into_iter().map(|t| t.name).collect();
        assert!(names.contains(&"fresh_tool".to_owned()), "{names:?}");
        assert_eq!(
            call_text(&hub, "dyn", "fresh_tool", json!({})).await,
            "fresh_tool ran"
        );
        hub.shutdown().await;
    })
    .await;
}

/// Starts the HTTP fixture (optionally requiring a bearer token) and returns
/// it with its MCP endpoint.
async fn http_fixture(token: Option<&str>) -> (tokio::process::Child, String) {
    let mut cmd = tokio::process::Command::new(python());
    cmd.arg(fixture("http_server.py")).arg("0");
    if let Some(token) = token {
        cmd.arg(token);
    }
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    loop {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("http fixture exited");
        if let Some(port) = line.strip_prefix("PORT ") {
            return (child, format!("http://127.0.0.1:{}/mcp", port.trim()));
        }
    }
}

#[tokio::test]
async fn streamable_http_server() {
    bounded(async {
        let (mut child, url) = http_fixture(None).await;
        let (hub, _logs) = start_ready(vec![ServerSpec::http("web", url.clone())]).await;

        let st = status(&hub, "web");
        assert_eq!(st.state, ServerState::Ready, "{:?}", st.state);
        assert_eq!(st.transport_summary, format!("http: {url}"));
        assert_eq!(
            call_text(&hub, "web", "add", json!({"a": 2, "b": 40})).await,
            "42"
        );
        hub.shutdown().await;
        child.kill().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn http_headers_are_sent_and_a_refusal_is_reported() {
    bounded(async {
        let (mut child, url) = http_fixture(Some("s3cret")).await;
        let mut with_token = ServerSpec::http("authed", url.clone());
        if let vtcode_mcp::Transport::Http { headers, .. } = &mut with_token.transport {
            headers.insert("Authorization".into(), "Bearer s3cret".into());
        }
        let without = ServerSpec::http("anonymous", url.clone());
        let (hub, _logs) = start_ready(vec![with_token, without]).await;

        assert_eq!(
            call_text(&hub, "authed", "add", json!({"a": 1, "b": 1})).await,
            "2"
        );
        let err = failure(&status(&hub, "anonymous").state).to_owned();
        assert!(err.contains("'anonymous'") && err.contains(&url), "{err}");
        assert!(
            err.contains("HTTP 401") && err.contains("Authorization"),
            "{err}"
        );
        assert!(!err.contains("s3cret"), "secret leaked: {err}");
        hub.shutdown().await;
        child.kill().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn ten_servers_connect_concurrently() {
    // Ten Python interpreters starting at once on a busy CI machine can take
    // a while; this test checks they all come up, the bench measures speed.
    tokio::time::timeout(Duration::from_secs(240), async {
        let specs = (0..10)
            .map(|i| {
                let mut spec = time_spec(&format!("time{i}"));
                spec.startup_timeout = Duration::from_secs(200);
                spec
            })
            .collect();
        let (hub, _logs) = start(specs);
        hub.wait_ready(Duration::from_secs(220)).await.unwrap();
        let statuses = hub.statuses();
        assert_eq!(statuses.len(), 10);
        assert!(
            statuses.iter().all(|s| s.state == ServerState::Ready),
            "{statuses:?}"
        );
        assert_eq!(hub.tools().len(), 20);
        hub.shutdown().await;
    })
    .await
    .expect("test did not finish in time");
}
