//! Approvals for MCP tools called by programs in the sandbox, against the
//! real guarded fixture server (which counts the calls that reached it), the
//! process sandbox and the scripted model: a destructive call asks; `n`
//! leaves the tool uncalled and the program reads the reason; `y` calls it
//! once; `a` asks once per session; the program's timeout does not run while
//! it waits; `exec` refuses unless the tool is pre-approved; direct-mode
//! calls are validated and approved the same way.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use agent_support::*;
use serde_json::{Value, json};
use vtcode_core::agent::{AgentSession, ApprovalHandler, ApprovalMode, SessionMode, ToolMode};
use vtcode_core::approval::ToolPolicy;
use vtcode_core::config::{McpConfig, ServerConfig, ServerTransport};
use vtcode_core::events::{
    AgentEvent, ApprovalDecider, ApprovalDecision, ApprovalKind, ApprovalOutcome,
};
use vtcode_core::exec::{EXEC_DENIAL, ExecOptions};
use vtcode_core::runtime::{CatalogGate, HubToolHost};
use vtcode_sandbox::Backend;

/// Deletes twice; prints what each call returned or the ToolError.
const PROGRAM: &str = "from servers.guarded import delete_records
from _vtcode import ToolError
for region in ['emea', 'apac']:
    try:
        print('result:', delete_records(region=region))
    except ToolError as e:
        print('tool error:', e)
";

fn script(program: &str) -> Value {
    json!([
        {"tool_calls": [{"id": "e1", "name": "execute_code", "arguments": {"language": "python", "code": program}}]},
        {"text": "done"}
    ])
}

struct Guarded {
    env: Env,
    calls: PathBuf,
}

impl Guarded {
    async fn start(turns: Value) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let calls = dir.path().join("calls.txt");
        let spec = fixture_spec("guarded", "guarded_server.py", &[calls.to_str().unwrap()]);
        let env = Env::with_hub(dir, turns, vec![spec]).await;
        Self { env, calls }
    }

    /// The regions the server really deleted, in call order.
    fn calls(&self) -> Vec<String> {
        read_calls(&self.calls)
    }
}

fn read_calls(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

async fn run(
    g: &Guarded,
    approvals: Arc<dyn ApprovalHandler>,
    timeout: Duration,
) -> Vec<AgentEvent> {
    let sandbox = g.env.sandbox(Backend::Process).await;
    let mut deps = g
        .env
        .deps_with(ToolMode::Code, ApprovalMode::AskWrites, sandbox);
    deps.exec_timeout = timeout;
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn_with(&mut session, "clean up", control(approvals)).await;
    result.unwrap();
    events
}

fn program_output(events: &[AgentEvent]) -> String {
    tool_results(events)
        .into_iter()
        .find(|(name, _, _)| name == "execute_code")
        .map(|(_, output, _)| output)
        .unwrap()
}

#[tokio::test]
async fn no_leaves_the_tool_uncalled_and_the_program_reads_the_reason() {
    let g = Guarded::start(script(PROGRAM)).await;
    let answer = Answer::new(ApprovalDecision::Deny {
        reason: Some("not on a Friday".into()),
    });
    let events = run(&g, answer.clone(), Duration::from_secs(10)).await;
    assert!(
        g.calls().is_empty(),
        "the server was called: {:?}",
        g.calls()
    );
    let output = program_output(&events);
    assert!(
        output.contains("tool error: denied by the user: not on a Friday"),
        "{output}"
    );
    let asked = answer.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert_eq!(asked[0].0, ApprovalKind::Tool);
    assert!(
        asked[0]
            .1
            .starts_with("guarded.delete_records (writes, destructive"),
        "{asked:?}"
    );
    let resolved: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            AgentEvent::ApprovalResolved {
                subject,
                outcome,
                decided_by,
                ..
            } => Some((subject.clone(), *outcome, *decided_by)),
            _ => None,
        })
        .collect();
    assert_eq!(
        resolved[0],
        (
            "guarded.delete_records".to_string(),
            ApprovalOutcome::Denied,
            ApprovalDecider::User
        )
    );
}

#[tokio::test]
async fn yes_calls_each_approved_call_exactly_once_and_always_asks_once() {
    let g = Guarded::start(script(PROGRAM)).await;
    let once = Answer::new(ApprovalDecision::Once);
    let events = run(&g, once.clone(), Duration::from_secs(10)).await;
    assert_eq!(g.calls(), ["emea", "apac"]);
    assert_eq!(once.asks(), 2);
    assert!(program_output(&events).contains("result: deleted the emea records"));

    let g = Guarded::start(script(PROGRAM)).await;
    let always = Answer::new(ApprovalDecision::Always);
    run(&g, always.clone(), Duration::from_secs(10)).await;
    assert_eq!(g.calls(), ["emea", "apac"]);
    assert_eq!(always.asks(), 1, "an `always` answer covers the session");
}

/// Answers yes after a wait longer than the program's whole timeout.
struct SlowYes(Duration);

#[async_trait::async_trait]
impl ApprovalHandler for SlowYes {
    async fn decide(&self, _: &str, _: ApprovalKind, _: &str, _: &str) -> ApprovalDecision {
        tokio::time::sleep(self.0).await;
        ApprovalDecision::Once
    }
}

#[tokio::test]
async fn the_program_timeout_does_not_run_while_a_person_decides() {
    let one_call =
        "from servers.guarded import delete_records\nprint(delete_records(region='emea'))";
    let g = Guarded::start(script(one_call)).await;
    let events = run(
        &g,
        Arc::new(SlowYes(Duration::from_secs(4))),
        Duration::from_secs(2),
    )
    .await;
    let output = program_output(&events);
    assert!(output.starts_with("status: ok"), "{output}");
    assert_eq!(g.calls(), ["emea"]);

    // Control: the same time spent by the program itself is a timeout.
    let sleeper = "import time\ntime.sleep(4)\nprint('woke')";
    let g = Guarded::start(script(sleeper)).await;
    let events = run(
        &g,
        Answer::new(ApprovalDecision::Once),
        Duration::from_secs(2),
    )
    .await;
    assert!(program_output(&events).starts_with("status: timeout"));
}

#[tokio::test]
async fn exec_refuses_a_destructive_call_unless_config_approves_it() {
    let g = Guarded::start(script(PROGRAM)).await;
    let sandbox = g.env.sandbox(Backend::Process).await;
    let deps = g
        .env
        .deps_with(ToolMode::Code, ApprovalMode::AskWrites, sandbox.clone());
    let options = ExecOptions {
        prompt: "clean up".into(),
        json: true,
        ..ExecOptions::default()
    };
    let (result, out, _) = exec(deps, options.clone()).await;
    result.unwrap();
    assert!(g.calls().is_empty());
    let denial = out
        .lines()
        .map(|l| serde_json::from_str::<AgentEvent>(l).unwrap())
        .find_map(|e| match e {
            AgentEvent::ApprovalResolved {
                subject,
                outcome: ApprovalOutcome::Denied,
                decided_by: ApprovalDecider::Unattended,
                reason,
                ..
            } => Some((subject, reason)),
            _ => None,
        });
    assert_eq!(
        denial,
        Some((
            "guarded.delete_records".to_string(),
            Some(EXEC_DENIAL.to_string())
        ))
    );
    assert!(out.contains("--approval auto"), "{out}");

    // Pre-approved in config: the same run calls the tool, asking no one.
    let g = Guarded::start(script(PROGRAM)).await;
    let mut deps = g
        .env
        .deps_with(ToolMode::Code, ApprovalMode::AskWrites, sandbox);
    deps.tool_gate = Some(Arc::new(CatalogGate::new(
        g.env.catalog.clone(),
        policy(&["delete_*"], &[]),
    )));
    let (result, _, _) = exec(deps, options).await;
    result.unwrap();
    assert_eq!(g.calls(), ["emea", "apac"]);
}

fn policy(approve: &[&str], deny: &[&str]) -> ToolPolicy {
    let server = ServerConfig {
        transport: ServerTransport::Http {
            url: "http://127.0.0.1:1/mcp".into(),
            headers: Default::default(),
        },
        enabled: true,
        required: false,
        startup_timeout_s: 30,
        tool_timeout_s: 60,
        enabled_tools: None,
        disabled_tools: Vec::new(),
        trust: None,
        approve: approve.iter().map(|s| s.to_string()).collect(),
        deny: deny.iter().map(|s| s.to_string()).collect(),
    };
    ToolPolicy::from_config(&McpConfig {
        servers: [("guarded".to_string(), server)].into(),
    })
    .unwrap()
}

#[tokio::test]
async fn a_program_without_a_person_gets_the_policy_and_a_message_saying_how_to_allow() {
    // The runtime's own host (`vtcode run`, `mcp serve`): nobody to ask.
    let g = Guarded::start(json!([])).await;
    let sandbox = g.env.sandbox(Backend::Process).await;
    let gate = Arc::new(CatalogGate::new(
        g.env.catalog.clone(),
        ToolPolicy::default(),
    ));
    let host = Arc::new(HubToolHost::new(
        g.env.hub.clone(),
        g.env.catalog.clone(),
        gate,
        ApprovalMode::AskWrites,
    ));
    let request = vtcode_sandbox::ExecRequest {
        language: vtcode_sandbox::Language::Python,
        code: format!(
            "{PROGRAM}\nfrom servers.guarded import count_records\nprint('count:', count_records(region='emea'))"
        ),
        timeout: Duration::from_secs(10),
        limits: Default::default(),
        mounts: g.env.mounts(),
    };
    let result = sandbox.execute(request, host, None).await.unwrap();
    assert!(g.calls().is_empty());
    assert!(
        result.stdout.contains("no one is here to give it")
            && result.stdout.contains("approve = [\"delete_records\"]"),
        "{}",
        result.stdout
    );
    assert!(
        result.stdout.contains("count: 400"),
        "read-only tools still run"
    );
}

#[tokio::test]
async fn direct_mode_calls_are_validated_and_approved_like_bridge_calls() {
    let turns = json!([
        {"tool_calls": [{"id": "d1", "name": "guarded__delete_records", "arguments": {"region": 7}}]},
        {"tool_calls": [{"id": "d2", "name": "guarded__delete_records", "arguments": {"region": "emea"}}]},
        {"text": "done"}
    ]);
    let g = Guarded::start(turns).await;
    let deps = g.env.deps(ToolMode::Direct, ApprovalMode::AskWrites);
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let answer = Answer::new(ApprovalDecision::Deny {
        reason: Some("keep them".into()),
    });
    let (result, events) = turn_with(&mut session, "clean up", control(answer.clone())).await;
    result.unwrap();
    let results = tool_results(&events);
    assert!(
        results[0]
            .1
            .contains("invalid arguments for guarded.delete_records")
            && results[0].1.contains("/region"),
        "{results:?}"
    );
    assert_eq!(results[1].1, "denied by the user: keep them");
    assert_eq!(answer.asks(), 1, "an invalid call is refused before asking");
    assert!(g.calls().is_empty());
}
