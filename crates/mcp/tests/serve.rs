//! `vtcode mcp serve`: the Python SDK's client talks to our server over stdio.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use common::*;
use serde_json::{Map, Value, json};
use tokio::io::AsyncReadExt;
use vtcode_mcp::ToolOutput;
use vtcode_mcp::serve::{CodeModeHandler, ServedTool, serve_io};

/// A small stand-in for core's code mode: searches a fixed catalog by
/// substring and refuses empty programs.
struct Catalog;

#[async_trait::async_trait]
impl CodeModeHandler for Catalog {
    fn tools(&self) -> Vec<ServedTool> {
        vec![
            ServedTool {
                name: "search_tools".into(),
                description: "Find tools by keyword.".into(),
                input_schema: json!({
                    "type": "object",
                    "properties": {"query": {"type": "string"}},
                    "required": ["query"]
                }),
            },
            ServedTool {
                name: "execute_code".into(),
                description: "Run a program.".into(),
                input_schema: json!({
                    "type": "object",
                    "properties": {"code": {"type": "string"}, "language": {"type": "string"}},
                    "required": ["code"]
                }),
            },
        ]
    }

    async fn call(
        &self,
        tool: &str,
        args: Map<String, Value>,
        _client: vtcode_mcp::serve::ClientPrompt,
    ) -> Result<ToolOutput, String> {
        match tool {
            "search_tools" => {
                let query = args
                    .get("query")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let hits: Vec<&str> = [
                    "time.convert_time",
                    "time.get_current_time",
                    "git.git_status",
                ]
                .into_iter()
                .filter(|name| name.contains(query))
                .collect();
                Ok(ToolOutput {
                    content: vec![json!({"type": "text", "text": hits.join("\n")})],
                    structured: Some(json!({"matches": hits})),
                    is_error: false,
                })
            }
            _ => {
                let code = args.get("code").and_then(Value::as_str).unwrap_or_default();
                if code.trim().is_empty() {
                    return Err("execute_code needs a non-empty `code` argument".into());
                }
                Ok(ToolOutput {
                    content: vec![
                        json!({"type": "text", "text": format!("ran {} bytes", code.len())}),
                    ],
                    structured: None,
                    is_error: false,
                })
            }
        }
    }
}

#[tokio::test]
async fn python_client_lists_and_calls_code_mode_tools() {
    tokio::time::timeout(TEST_TIMEOUT, async {
        let calls = json!([
            ["search_tools", {"query": "time"}],
            ["execute_code", {"code": "print(1)"}],
            ["execute_code", {"code": "  "}],
            ["no_such_tool", {}]
        ]);
        let mut child = tokio::process::Command::new(python())
            .arg(fixture("code_mode_client.py"))
            .arg(calls.to_string())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let to_client = child.stdin.take().unwrap();
        let from_client = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        serve_io(Arc::new(Catalog), from_client, to_client)
            .await
            .unwrap();
        let status = child.wait().await.unwrap();
        let mut err = String::new();
        stderr.read_to_string(&mut err).await.unwrap();
        assert!(status.success(), "client failed: {err}");
        let report: Value = serde_json::from_str(err.lines().last().unwrap()).unwrap();

        assert_eq!(report["server"], "vtcode");
        let names: Vec<&str> = report["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["search_tools", "execute_code"]);
        assert_eq!(report["tools"][0]["schema"]["required"], json!(["query"]));

        let calls = &report["calls"];
        assert_eq!(calls[0]["text"], "time.convert_time\ntime.get_current_time");
        assert_eq!(
            calls[0]["structured"]["matches"][1],
            "time.get_current_time"
        );
        assert_eq!(calls[1]["text"], "ran 8 bytes");
        assert_eq!(calls[1]["is_error"], false);
        assert_eq!(calls[2]["is_error"], true);
        assert!(calls[2]["text"].as_str().unwrap().contains("non-empty"));
        let unknown = calls[3].to_string();
        assert!(
            unknown.contains("no_such_tool") && unknown.contains("search_tools"),
            "{unknown}"
        );
    })
    .await
    .unwrap();
}
