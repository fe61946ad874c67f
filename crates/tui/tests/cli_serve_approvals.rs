//! `vtcode mcp serve` asks the client's user before a program calls a
//! destructive tool, through MCP elicitation, and a client that cannot be
//! asked gets the policy's refusal with a message that says so. The guarded
//! fixture server records the calls that reach it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, repo_root, serve_report, venv_bin};
use serde_json::{Value, json};

fn serve_with(elicit: Option<&str>) -> (Value, usize) {
    let fixture = repo_root().join("tests/fixtures/mcp/guarded_server.py");
    let dir = tempfile::tempdir().unwrap();
    let calls_file = dir.path().join("calls.txt");
    let project = Project::with_config(&format!(
        "[mcp.servers.guarded]\ncommand = {:?}\nargs = [{:?}, {:?}]\n",
        venv_bin().join("python").display().to_string(),
        fixture.display().to_string(),
        calls_file.display().to_string()
    ));
    let program = "from servers.guarded import delete_records\nfrom _vtcode import ToolError\ntry:\n    print(delete_records(region='emea'))\nexcept ToolError as e:\n    print('tool error:', e)";
    let calls = json!([["execute_code", {"code": program}]]);
    let client_args: Vec<&str> = elicit.map(|a| vec!["--elicit", a]).unwrap_or_default();
    let report = serve_report(&project, &calls, &client_args);
    let made = std::fs::read_to_string(&calls_file)
        .unwrap_or_default()
        .lines()
        .count();
    (report, made)
}

fn text(report: &Value) -> String {
    report["calls"][0]["text"].as_str().unwrap().to_string()
}

#[test]
fn the_clients_user_is_asked_and_their_answer_is_obeyed() {
    let (report, made) = serve_with(Some("accept"));
    assert_eq!(made, 1, "{report}");
    assert!(
        text(&report).contains("deleted the emea records"),
        "{report}"
    );
    let asked = report["elicitations"].as_array().unwrap();
    assert_eq!(asked.len(), 1, "{report}");
    let question = asked[0].as_str().unwrap();
    assert!(
        question.contains("guarded.delete_records") && question.contains("destructive"),
        "{question}"
    );

    let (report, made) = serve_with(Some("decline"));
    assert_eq!(made, 0, "{report}");
    assert!(
        text(&report).contains("denied by the user: declined through the MCP client"),
        "{report}"
    );
}

#[test]
fn a_client_that_cannot_be_asked_gets_the_policy_and_is_told_so() {
    let (report, made) = serve_with(None);
    assert_eq!(made, 0, "{report}");
    assert!(
        text(&report).contains("does not support elicitation"),
        "{report}"
    );
    assert_eq!(report["elicitations"], json!([]));
}
