//! `vtcode mcp serve` driven by the Python MCP SDK's client: another agent
//! sees search_tools, execute_code, wait_code and cancel_code, and code
//! reaches the project's servers.
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
    assert_eq!(
        report["tools"],
        json!(["search_tools", "execute_code", "wait_code", "cancel_code"])
    );
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

/// A program that outlives its `execute_code` call over MCP: a handle and
/// the output so far, then `wait_code` for the rest, `cancel_code` to stop
/// another.
#[test]
fn programs_that_outlive_their_call_are_served_over_mcp() {
    let project = Project::with_time_server();
    let calls = json!([
        ["execute_code", {"code": "import time\nprint('tick', flush=True)\ntime.sleep(3)\nprint('tock')\nresult = 7", "yield_after_s": 1.5}],
        ["wait_code", {"handle": "p1", "timeout_s": 30}],
        ["execute_code", {"code": "import time\ntime.sleep(60)", "yield_after_s": 0.3}],
        ["cancel_code", {"handle": "p2"}],
        ["wait_code", {"handle": "p2"}]
    ]);
    let report = serve_report(&project, &calls, &[]);
    let calls = report["calls"].as_array().unwrap();
    let text = |i: usize| calls[i]["text"].as_str().unwrap_or_default().to_string();
    assert!(
        text(0).starts_with("status: running (handle p1,") && text(0).contains("tick"),
        "{report}"
    );
    assert!(
        text(1).starts_with("program p1 ended\nstatus: ok")
            && text(1).contains("tock")
            && !text(1).contains("tick")
            && text(1).contains("result: 7"),
        "{report}"
    );
    assert!(text(2).contains("handle p2"), "{report}");
    assert!(
        text(3).starts_with("status: cancelled (handle p2"),
        "{report}"
    );
    assert_eq!(calls[4]["is_error"], true, "{report}");
    assert!(
        text(4).contains("no running program has handle `p2`"),
        "{report}"
    );
}
