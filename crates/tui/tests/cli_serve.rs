//! `vtcode mcp serve` driven by the Python MCP SDK's client: another agent
//! sees search_tools and execute_code, and code reaches the project's servers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, serve_report};
use serde_json::json;

#[test]
fn code_mode_is_served_over_mcp() {
    let project = Project::with_time_server();
    let calls = json!([
        ["search_tools", {"query": "convert a time between timezones", "detail_level": "name", "limit": 1}],
        ["execute_code", {"code": "from servers.time import convert_time\nconvert_time(source_timezone='UTC', time='12:00', target_timezone='Asia/Tokyo')['target']['datetime'][11:16]"}],
        ["execute_code", {"code": "raise SystemExit(3)"}]
    ]);
    let report = serve_report(&project, &calls, &[]);
    assert_eq!(report["tools"], json!(["search_tools", "execute_code"]));
    let calls = report["calls"].as_array().unwrap();
    assert!(
        calls[0]["text"].as_str().unwrap().contains("convert_time"),
        "{report}"
    );
    assert_eq!(calls[1]["is_error"], false, "{report}");
    assert!(
        calls[1]["text"]
            .as_str()
            .unwrap()
            .contains("result: \"21:00\""),
        "{report}"
    );
    assert_eq!(calls[2]["is_error"], true, "{report}");
}
