//! Context tokens of the data-heavy task, code mode versus direct mode.
//!
//! One task, one scripted model, one real MCP server (records_server.py:
//! 5,000 records, about 1 MB of JSON), the same settings. In direct mode the
//! model calls the tool and reads the raw result; in code mode it finds the
//! tool with search_tools and sends a program that filters and aggregates
//! the records in the Docker sandbox. The figure is every prompt token sent
//! to the model over the whole task, counted locally with the model's
//! vocabulary (system prompt, tool specs and messages of each request); the
//! scripted server's own estimate (request bytes / 4) is shown beside it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/agent_support/mod.rs"]
mod agent_support;

use agent_support::*;
use vtcode_core::agent::{
    AgentSession, ApprovalMode, SessionMode, StopReason, ToolMode, TurnOutcome,
};
use vtcode_sandbox::Backend;

/// Budget: code mode sends at least this much less, in percent.
const BUDGET_PERCENT: f64 = 95.0;

async fn run(mode: ToolMode) -> TurnOutcome {
    let env = Env::new(records_task_script(mode)).await;
    let sandbox = match mode {
        ToolMode::Code => env.sandbox(Backend::Docker).await,
        ToolMode::Direct => std::sync::Arc::new(NoSandbox),
    };
    let mut deps = env.deps_with(mode, ApprovalMode::Auto, sandbox.clone());
    // Room for the raw result, so direct mode is measured uncut.
    deps.context_window = 1_000_000;
    deps.tool_output_bytes = 2 * 1024 * 1024;
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, _) = turn(&mut session, RECORDS_TASK).await;
    let outcome = result.unwrap();
    assert_eq!(outcome.stop, StopReason::Completed);
    assert_eq!(outcome.final_text, RECORDS_ANSWER);
    sandbox.shutdown().await;
    outcome
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (code, direct) =
        runtime.block_on(async { (run(ToolMode::Code).await, run(ToolMode::Direct).await) });
    let fewer = 100.0 * (1.0 - code.context_tokens as f64 / direct.context_tokens as f64);
    let met = if fewer >= BUDGET_PERCENT {
        "met"
    } else {
        "NOT met"
    };
    println!("### Context tokens: data-heavy task, code mode vs direct mode");
    println!();
    println!(
        "5,000 records (about 1 MB of JSON) from a real MCP server, filtered and aggregated; same scripted model, same settings."
    );
    println!();
    println!("| mode | model calls | prompt tokens (counted) | prompt tokens (server estimate) |");
    println!("|---|---:|---:|---:|");
    for (name, o) in [("code", &code), ("direct", &direct)] {
        println!(
            "| {name} | {} | {} | {} |",
            o.model_calls, o.context_tokens, o.prompt_tokens
        );
    }
    println!();
    println!(
        "Code mode sends {fewer:.2} % fewer prompt tokens (budget ≥ {BUDGET_PERCENT:.0} %): **{met}**."
    );
}
