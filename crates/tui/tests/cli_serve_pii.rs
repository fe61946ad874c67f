//! `vtcode mcp serve` under `[pii]`, driven by the Python MCP SDK's client
//! against the customers fixture server (names, emails, phones). The client
//! is another agent's model: everything it reads (program reports, errors,
//! approval questions) carries tokens, never the values; a token it sends
//! in code, or one a program builds while it runs, reaches the tool as the
//! real value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, repo_root, serve_report, venv_bin};
use serde_json::json;

const EMAILS: [&str; 3] = [
    "ann.lee@example.org",
    "bob.stone@corp.example.com",
    "chloe@martin.example.net",
];
const PHONES: [&str; 3] = ["+1 415 555 0132", "(212) 555-0147", "+44 20 7946 0958"];

#[test]
fn the_client_reads_tokens_and_its_tokens_reach_the_tool_as_values() {
    let fixture = repo_root().join("tests/fixtures/mcp/customers_server.py");
    let dir = tempfile::tempdir().unwrap();
    let invoices = dir.path().join("invoices.log");
    // send_invoice is not pre-approved: each call asks the client's user.
    let project = Project::with_config(&format!(
        "[mcp.servers.customers]\ncommand = {:?}\nargs = [{:?}, {:?}]\napprove = [\"list_customers\"]\n",
        venv_bin().join("python").display().to_string(),
        fixture.display().to_string(),
        invoices.display().to_string()
    ));
    let calls = json!([
        ["execute_code", {"code": "from servers.customers import list_customers\nlist_customers()['customers']"}],
        ["execute_code", {"code": "from servers.customers import send_invoice\nsend_invoice(email='<<EMAIL_2>>', amount=9)"}],
        ["execute_code", {"code": "from servers.customers import send_invoice\nlabel = 'EMAIL_' + str(1 + 2)\nsend_invoice(email='<<' + label + '>>', amount=4)"}],
        ["execute_code", {"code": "from servers.customers import list_customers\nraise ValueError('no invoice for ' + list_customers()['customers'][0]['email'])"}]
    ]);
    let report = serve_report(&project, &calls, &["--elicit", "accept"]);
    let calls = report["calls"].as_array().unwrap();
    let text = |i: usize| calls[i]["text"].as_str().unwrap_or_default().to_string();

    let records = text(0);
    assert!(
        records.contains("<<EMAIL_1>>")
            && records.contains("<<EMAIL_3>>")
            && records.contains("<<PHONE_2>>"),
        "{records}"
    );
    assert_eq!(calls[1]["is_error"], false, "{report}");
    assert!(text(1).contains("invoice of 9.00 sent"), "{report}");
    assert!(text(2).contains("invoice of 4.00 sent"), "{report}");
    assert_eq!(calls[3]["is_error"], true, "{report}");
    assert!(text(3).contains("no invoice for <<EMAIL_1>>"), "{report}");

    // The tool got the values: one from a token in the code, one from a
    // token the program put together at run time.
    let invoiced = std::fs::read_to_string(&invoices).unwrap();
    assert_eq!(invoiced, format!("{}\n{}\n", EMAILS[1], EMAILS[2]));

    // The questions travelled through the client: tokens there too.
    let asked = report["elicitations"].as_array().unwrap();
    assert_eq!(asked.len(), 2, "{report}");
    assert!(
        asked[0].as_str().unwrap().contains("<<EMAIL_2>>"),
        "{report}"
    );

    let everything = report.to_string();
    for value in EMAILS.iter().chain(&PHONES) {
        let escaped = serde_json::to_string(value).unwrap();
        assert!(
            !everything.contains(escaped.trim_matches('"')),
            "{value} reached the client: {report}"
        );
    }
}
