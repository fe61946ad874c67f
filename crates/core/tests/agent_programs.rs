//! Programs through the agent loop with the scripted model: tool calls made
//! from Python threads and coroutines overlap (by the MCP server's own
//! clock), and programs that outlive their `execute_code` call are waited
//! for, cancelled, capped and still stopped by the sandbox timeout, with
//! `exec --json` reporting each step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::time::Duration;

use agent_support::*;
use serde_json::{Value, json};
use vtcode_core::agent::{AgentSession, ApprovalMode, SessionMode, ToolMode};
use vtcode_core::events::AgentEvent;
use vtcode_core::exec::ExecOptions;
use vtcode_core::programs::Programs;
use vtcode_sandbox::Backend;

const PARALLEL: &str = r#"import asyncio, concurrent.futures, _vtcode
from servers.slow import wait
with concurrent.futures.ThreadPoolExecutor(10) as pool:
    threads = list(pool.map(lambda _: wait(ms=200), range(10)))
async def gathered():
    return await asyncio.gather(*[_vtcode.call_tool_async("slow", "wait", {"ms": 200}) for _ in range(10)])
result = {"threads": threads, "gathered": asyncio.run(gathered())}
"#;

/// Whether all `calls` were in flight at one moment: the last to start
/// started before the first to end ended (server-side timestamps).
fn all_overlap(calls: &Value) -> bool {
    let calls = calls.as_array().unwrap();
    assert_eq!(calls.len(), 10, "{calls:?}");
    let last_start = calls
        .iter()
        .map(|c| c["start"].as_f64().unwrap())
        .fold(f64::MIN, f64::max);
    let first_end = calls
        .iter()
        .map(|c| c["end"].as_f64().unwrap())
        .fold(f64::MAX, f64::min);
    last_start < first_end
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_from_python_threads_and_coroutines_run_concurrently() {
    for backend in [Backend::Process, Backend::Docker] {
        let env = Env::with_fixture(
            json!([
                {"tool_calls": [{"id": "e1", "name": "execute_code", "arguments": {"code": PARALLEL}}]},
                {"text": "twenty calls made"}
            ]),
            "slow",
            "slow_server.py",
        )
        .await;
        let sandbox = env.sandbox(backend).await;
        let deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox.clone());
        let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
        let (result, events) = turn(&mut session, "call the slow tool twenty times").await;
        assert_eq!(result.unwrap().final_text, "twenty calls made");
        let details = events
            .iter()
            .find_map(|e| match e {
                AgentEvent::ToolCallFinished { details, .. } => details.clone(),
                _ => None,
            })
            .unwrap();
        assert_eq!(details["status"], "ok", "{backend:?}: {details}");
        assert_eq!(details["tool_calls"].as_array().unwrap().len(), 20);
        let result = &details["result"];
        assert!(
            all_overlap(&result["threads"]),
            "{backend:?}: thread calls ran one after another: {result}"
        );
        assert!(
            all_overlap(&result["gathered"]),
            "{backend:?}: gathered calls ran one after another: {result}"
        );
        sandbox.shutdown().await;
    }
}

const TICKS: &str = "import time\nfor i in range(4):\n    print('tick', i, flush=True)\n    time.sleep(0.7)\nresult = 'done'\n";
const SLEEPER: &str = "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n";

#[tokio::test]
async fn programs_that_outlive_their_call_are_waited_for_cancelled_capped_and_timed_out() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "c1", "name": "execute_code", "arguments": {"code": TICKS, "yield_after_s": 1.2}}]},
        {"tool_calls": [{"id": "c2", "name": "wait_code", "arguments": {"handle": "p1", "timeout_s": 20}}]},
        {"tool_calls": [{"id": "c3", "name": "execute_code", "arguments": {"code": SLEEPER, "yield_after_s": 0.3}}]},
        {"tool_calls": [{"id": "c4", "name": "execute_code", "arguments": {"code": SLEEPER, "yield_after_s": 0.3}}]},
        {"tool_calls": [{"id": "c5", "name": "execute_code", "arguments": {"code": "print(1)"}}]},
        {"tool_calls": [{"id": "c6", "name": "cancel_code", "arguments": {"handle": "p2"}}]},
        {"tool_calls": [{"id": "c7", "name": "wait_code", "arguments": {"handle": "p3", "timeout_s": 20}}]},
        {"tool_calls": [{"id": "c8", "name": "wait_code", "arguments": {"handle": "p2"}}]},
        {"text": "finished"}
    ]))
    .await;
    let sandbox = env.sandbox(Backend::Process).await;
    sandbox.warm().await.unwrap();
    let mut deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox.clone());
    deps.exec_timeout = Duration::from_secs(8);
    deps.programs = Programs::new(2);
    let options = ExecOptions {
        prompt: "run the long programs".into(),
        json: true,
        max_turns: Some(20),
        ..ExecOptions::default()
    };
    let (result, out, err) = exec(deps, options).await;
    assert!(result.unwrap().succeeded(), "{err}");
    let events: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outputs: Vec<(String, bool)> = events
        .iter()
        .filter(|e| e["type"] == "tool_call_finished")
        .map(|e| {
            (
                e["output"].as_str().unwrap().to_string(),
                e["is_error"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(outputs.len(), 8, "{out}");

    // Still running at 1.2 s: a handle and what it printed so far.
    let (yielded, is_error) = &outputs[0];
    assert!(
        yielded.starts_with("status: running (handle p1,") && !is_error,
        "{yielded}"
    );
    assert!(yielded.contains("tick 0"), "{yielded}");
    assert!(yielded.contains("wait_code(handle=\"p1\")"), "{yielded}");
    // The wait brings the rest and the end, not the lines already seen.
    let (ended, is_error) = &outputs[1];
    assert!(ended.starts_with("program p1 ended\nstatus: ok"), "{ended}");
    assert!(
        ended.contains("tick 3") && !ended.contains("tick 0"),
        "{ended}"
    );
    assert!(ended.contains("result: \"done\"") && !is_error, "{ended}");
    // Two run at once; a third is refused and told what to do.
    assert!(outputs[2].0.contains("handle p2"), "{}", outputs[2].0);
    assert!(outputs[3].0.contains("handle p3"), "{}", outputs[3].0);
    let (refused, is_error) = &outputs[4];
    assert!(*is_error, "{refused}");
    assert!(
        refused.contains("2 programs are already running (the limit is 2")
            && refused.contains("p2, p3"),
        "{refused}"
    );
    let (cancelled, _) = &outputs[5];
    assert!(
        cancelled.starts_with("status: cancelled (handle p2"),
        "{cancelled}"
    );
    // The sandbox timeout (8 s) still ends a program nobody cancelled.
    let (timed_out, is_error) = &outputs[6];
    assert!(
        timed_out.starts_with("program p3 ended\nstatus: timeout") && *is_error,
        "{timed_out}"
    );
    let (gone, is_error) = &outputs[7];
    assert!(
        *is_error && gone.contains("no running program has handle `p2`"),
        "{gone}"
    );

    let program_events: Vec<(String, String, String)> = events
        .iter()
        .filter(|e| e["type"].as_str().unwrap().starts_with("program_"))
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["handle"].as_str().unwrap().to_string(),
                e["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String, String)> = [
        ("program_yielded", "p1", ""),
        ("program_ended", "p1", "ok"),
        ("program_yielded", "p2", ""),
        ("program_yielded", "p3", ""),
        ("program_ended", "p2", "cancelled"),
        ("program_ended", "p3", "timeout"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(program_events, expected, "{out}");
    sandbox.shutdown().await;
}

#[tokio::test]
async fn ending_the_session_kills_its_running_programs() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "c1", "name": "execute_code", "arguments": {"code": "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(60)", "yield_after_s": 2}}]},
        {"text": "left it running"}
    ]))
    .await;
    let sandbox = env.sandbox(Backend::Process).await;
    sandbox.warm().await.unwrap();
    let deps = env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox.clone());
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "start something long").await;
    assert_eq!(result.unwrap().final_text, "left it running");
    assert_eq!(session.programs().running().len(), 1);
    let (_, output, _) = &tool_results(&events)[0];
    let pid: i32 = output
        .lines()
        .find_map(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("no pid in {output}"));
    let alive = |pid: i32| std::path::Path::new(&format!("/proc/{pid}")).exists();
    assert!(alive(pid), "the program is not running: {output}");
    drop(session);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while alive(pid) {
        assert!(
            std::time::Instant::now() < deadline,
            "program {pid} outlived its session"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    sandbox.shutdown().await;
}
