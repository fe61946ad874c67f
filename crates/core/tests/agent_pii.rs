#![allow(clippy::unwrap_used, clippy::expect_used)]
//! PII at the model boundary, end to end: the scripted model, a real MCP
//! server holding customer records (tests/fixtures/mcp/customers_server.py)
//! and a real SQLite store. The model must only ever see tokens; the tool
//! it calls with a token must get the real value; a resumed session keeps
//! its tokens; nothing in clear lands in the database.

mod agent_support;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::Arc;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentDeps, AgentSession, ApprovalMode, PiiSetup, SessionMode, ToolMode};
use vtcode_core::approval::ToolPolicy;
use vtcode_core::events::AgentEvent;
use vtcode_core::pii::{BUILTIN_KINDS, DetectorSettings};
use vtcode_core::runtime::{CatalogGate, CatalogSearch, HubDirectTools, HubToolHost, LiveCatalog};
use vtcode_core::store::Store;
use vtcode_mcp::{McpHub, ServerSpec};

const EMAILS: [&str; 3] = [
    "ann.lee@example.org",
    "bob.stone@corp.example.com",
    "chloe@martin.example.net",
];
const PHONES: [&str; 3] = ["+1 415 555 0132", "(212) 555-0147", "+44 20 7946 0958"];

async fn customers_hub(dir: &Path) -> Arc<McpHub> {
    let script = repo_root().join("tests/fixtures/mcp/customers_server.py");
    let spec = ServerSpec::stdio(
        "customers",
        python(),
        vec![
            script.to_string_lossy().into_owned(),
            dir.join("invoices.log").to_string_lossy().into_owned(),
        ],
    );
    start_hub(vec![spec], &dir.join("logs")).await
}

/// Every built-in kind, the vault and key under the test's directory, the
/// audit trail in its database.
fn pii_setup(env: &Env) -> PiiSetup {
    PiiSetup {
        detector: DetectorSettings {
            kinds: BUILTIN_KINDS.iter().map(|k| (*k).to_owned()).collect(),
            ..DetectorSettings::default()
        },
        scan_files: false,
        vault_dir: env.dir.path().join("pii"),
        key_file: env.dir.path().join("user-data/pii.key"),
        audit: Some(Arc::new(
            Store::open(env.dir.path().join("vtcode.db")).unwrap(),
        )),
    }
}

/// What each tool call of a turn returned to the model, in order.
fn outputs(events: &[AgentEvent]) -> Vec<String> {
    tool_results(events)
        .into_iter()
        .map(|(_, o, _)| o)
        .collect()
}

fn deps(env: &Env, hub: &Arc<McpHub>) -> AgentDeps {
    let catalog = LiveCatalog::new(hub.clone(), None, None);
    let mut deps = env.deps(ToolMode::Direct, ApprovalMode::Auto);
    deps.direct_tools = Arc::new(HubDirectTools::new(hub.clone(), catalog.clone()));
    deps.search = Arc::new(CatalogSearch::new(catalog.clone()));
    let gate = Arc::new(CatalogGate::new(catalog.clone(), ToolPolicy::default()));
    deps.tool_host = Arc::new(HubToolHost::new(
        hub.clone(),
        catalog,
        gate.clone(),
        ApprovalMode::Auto,
    ));
    deps.tool_gate = Some(gate);
    deps.pii = Some(pii_setup(env));
    deps
}

fn list_output(events: &[AgentEvent]) -> String {
    tool_results(events)
        .into_iter()
        .find(|(name, _, _)| name == "customers__list_customers")
        .map(|(_, output, _)| output)
        .expect("list_customers ran")
}

#[tokio::test]
async fn the_model_sees_tokens_tools_get_values_and_resume_keeps_tokens() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "l1", "name": "customers__list_customers", "arguments": {}}]},
        {"tool_calls": [{"id": "i1", "name": "customers__send_invoice", "arguments": {"email": "<<EMAIL_1>>", "amount": 12.5}}]},
        {"text": "Invoice sent to <<EMAIL_1>> (phone <<PHONE_1>>)."},
        {"tool_calls": [{"id": "l2", "name": "customers__list_customers", "arguments": {}}]},
        {"tool_calls": [{"id": "i2", "name": "customers__send_invoice", "arguments": {"email": "<<EMAIL_2>>", "amount": 3}}]},
        {"text": "Done."}
    ]))
    .await;
    let hub = customers_hub(env.dir.path()).await;
    // Control: the server really hands out the values in clear.
    let raw = hub
        .call_tool("customers", "list_customers", json!({}))
        .await
        .unwrap()
        .text();
    for value in EMAILS.iter().chain(&PHONES) {
        assert!(raw.contains(value), "fixture lacks {value}");
    }

    let mut session = AgentSession::new(deps(&env, &hub), SessionMode::New).unwrap();
    let id = session.id().to_owned();
    let (result, events) = turn(&mut session, "Invoice the first customer").await;
    let outcome = result.unwrap();
    let first_list = list_output(&events);
    assert!(first_list.contains("<<EMAIL_1>>") && first_list.contains("<<PHONE_3>>"));
    // The user is shown the real values, and told which are protected.
    assert_eq!(
        outcome.final_text,
        "Invoice sent to ann.lee@example.org (phone +1 415 555 0132)."
    );
    let protected: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::ProtectedValues { values } => Some(values.clone()),
            _ => None,
        })
        .flatten()
        .map(|v| v.token)
        .collect();
    assert_eq!(protected, ["<<EMAIL_1>>", "<<PHONE_1>>"]);
    drop(session);

    let mut resumed = AgentSession::new(deps(&env, &hub), SessionMode::Resume(id.clone())).unwrap();
    let (result, events) = turn(&mut resumed, "Now the second one").await;
    result.unwrap();
    assert_eq!(list_output(&events), first_list, "same values, same tokens");

    let invoiced = std::fs::read_to_string(env.dir.path().join("invoices.log")).unwrap();
    assert_eq!(invoiced, format!("{}\n{}\n", EMAILS[0], EMAILS[1]));

    let requests = serde_json::to_string(&bodies(&env.server)).unwrap();
    assert!(
        requests.contains("<<EMAIL_3>>"),
        "the model saw the records"
    );
    for value in EMAILS.iter().chain(&PHONES) {
        let escaped = serde_json::to_string(value).unwrap();
        assert!(
            !requests.contains(escaped.trim_matches('"')),
            "{value} reached the model"
        );
    }

    let store = Store::open(env.dir.path().join("vtcode.db")).unwrap();
    let audit = store.pii_audit(Some(&id)).unwrap();
    assert!(
        audit
            .iter()
            .any(|r| r.source == "customers__list_customers" && r.kind == "email"),
        "{audit:?}"
    );
    drop(store);
    for file in ["vtcode.db", "vtcode.db-wal"] {
        let bytes = std::fs::read(env.dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for value in EMAILS.iter().chain(&PHONES) {
            assert!(!text.contains(value), "{value} is in {file}");
        }
    }
    let vault = env.dir.path().join(format!("pii/{id}.vault"));
    let sealed = std::fs::read(&vault).unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains(EMAILS[0]));
    let mode = std::fs::metadata(&vault).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    env.store.delete(&id, &env.dir.path().join("pii")).unwrap();
    assert!(!vault.exists(), "deleting the session deletes its vault");
    hub.shutdown().await;
}

#[tokio::test]
async fn program_output_is_tokenized_and_tokens_in_code_run_as_values() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "e1", "name": "execute_code", "arguments": {"language": "python", "code": "print('dana' + '@' + 'example.org', '+1 415 ' + '555 0199')"}}]},
        {"tool_calls": [{"id": "e2", "name": "execute_code", "arguments": {"language": "python", "code": "print('<<EMAIL_1>>' == 'dana' + '@example.org', len('<<PHONE_1>>'))"}}]},
        {"text": "Checked."}
    ]))
    .await;
    let sandbox = env.sandbox(vtcode_sandbox::Backend::Process).await;
    let mut deps = deps(&env, &env.hub);
    deps.tool_mode = ToolMode::Code;
    deps.sandbox = sandbox.clone();
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "Look up the contact").await;
    result.unwrap();
    let outputs = outputs(&events);
    assert!(
        outputs[0].contains("<<EMAIL_1>> <<PHONE_1>>"),
        "{}",
        outputs[0]
    );
    // The program got the real values: the comparison holds and the phone
    // has its real length, not the token's.
    assert!(outputs[1].contains("True 15"), "{}", outputs[1]);
    let requests = serde_json::to_string(&bodies(&env.server)).unwrap();
    // The model wrote only pieces of them; the whole values came from the
    // program and reached the model as tokens.
    assert!(requests.contains("<<PHONE_1>>"));
    assert!(!requests.contains("dana@example.org") && !requests.contains("+1 415 555 0199"));
    sandbox.shutdown().await;
}

/// A token that reaches the tool bridge only while the program runs (put
/// together from pieces, or read from a file an earlier step wrote) is sent
/// to the MCP server as the value, exactly like one in the program's code.
#[tokio::test]
async fn tokens_a_program_comes_by_at_run_time_reach_the_tool_as_values() {
    let dir = tempfile::tempdir().unwrap();
    let invoices = dir.path().join("invoices.log");
    let spec = fixture_spec(
        "customers",
        "customers_server.py",
        &[invoices.to_str().unwrap()],
    );
    let list = "from servers.customers import list_customers\nprint([c['email'] for c in list_customers()['customers']])";
    let send = "from servers.customers import send_invoice\nlabel = 'EMAIL_' + str(1 + 1)\nprint(send_invoice(email='<<' + label + '>>', amount=5))\nprint(send_invoice(email=open('to.txt').read().strip(), amount=7))";
    let env = Env::with_hub(
        dir,
        json!([
            {"tool_calls": [{"id": "e1", "name": "execute_code", "arguments": {"language": "python", "code": list}}]},
            {"tool_calls": [{"id": "e2", "name": "execute_code", "arguments": {"language": "python", "code": send}}]},
            {"text": "Invoiced."}
        ]),
        vec![spec],
    )
    .await;
    std::fs::write(env.workspace().join("to.txt"), "<<EMAIL_3>>\n").unwrap();
    let sandbox = env.sandbox(vtcode_sandbox::Backend::Process).await;
    let mut deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox.clone());
    deps.pii = Some(pii_setup(&env));
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "Invoice the others").await;
    result.unwrap();
    let outputs = outputs(&events);
    assert!(
        outputs[0].contains("['<<EMAIL_1>>', '<<EMAIL_2>>', '<<EMAIL_3>>']"),
        "{}",
        outputs[0]
    );
    assert!(
        outputs[1].contains("invoice of 5.00 sent") && outputs[1].contains("invoice of 7.00 sent"),
        "{}",
        outputs[1]
    );
    let invoiced = std::fs::read_to_string(&invoices).unwrap();
    assert_eq!(invoiced, format!("{}\n{}\n", EMAILS[1], EMAILS[2]));
    let requests = serde_json::to_string(&bodies(&env.server)).unwrap();
    for value in EMAILS {
        assert!(!requests.contains(value), "{value} reached the model");
    }
    sandbox.shutdown().await;
    env.hub.shutdown().await;
}
