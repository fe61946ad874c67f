//! `vtcode exec PROMPT` and `vtcode sessions list`.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, Result};
use vtcode_core::config::LoadedConfig;
use vtcode_core::exec::{ExecOptions, run_exec};
use vtcode_core::runtime::{Runtime, build_provider, sandbox_settings};
use vtcode_core::session::SessionStore;

use super::args::ExecArgs;
use super::context::{on_tool_change, wait_for_servers};

fn prompt(args: &ExecArgs) -> Result<String> {
    if args.prompt != "-" {
        return Ok(args.prompt.clone());
    }
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading the prompt from standard input")?;
    if text.trim().is_empty() {
        anyhow::bail!("the prompt on standard input is empty");
    }
    Ok(text)
}

pub async fn exec(loaded: LoadedConfig, args: ExecArgs) -> Result<ExitCode> {
    let prompt = prompt(&args)?;
    // The key is checked before anything starts, so a missing one costs
    // nothing and says what to set.
    let provider = build_provider(&loaded.config.llm)?;
    let settings = sandbox_settings(&loaded);
    let max_turns = args.max_turns.or(Some(loaded.config.agent.max_turns));
    let runtime = Runtime::start(loaded)?;
    // A tool changed since the last run, or under the running prompt, is
    // named on stderr with its class.
    let tool_changes = on_tool_change(&runtime, |line| eprintln!("note: {line}"));
    wait_for_servers(&runtime).await?;
    let selected = vtcode_core::sandbox::select_backend(settings).await?;
    if let Some(notice) = &selected.notice {
        eprintln!("note: {notice}");
    }
    let sandbox = selected.sandbox;
    let deps = runtime.agent_deps(provider, sandbox.clone());
    let options = ExecOptions {
        prompt,
        resume: args.resume.map(|id| (!id.is_empty()).then_some(id)),
        max_turns,
        json: args.json,
    };
    let outcome = run_exec(deps, options, std::io::stdout(), std::io::stderr()).await;
    tool_changes.stop().await;
    sandbox.shutdown().await;
    runtime.shutdown().await;
    // run_exec has already reported a failure on stderr (or as a JSON event).
    Ok(match outcome {
        Ok(summary) if summary.succeeded() => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}

pub fn sessions_list(loaded: &LoadedConfig, json: bool) -> Result<ExitCode> {
    if !loaded.paths.db.exists() {
        println!("no sessions yet in {}", loaded.paths.root.display());
        return Ok(ExitCode::SUCCESS);
    }
    let store = SessionStore::open(&loaded.paths.db)?;
    let sessions = store.list()?;
    if json {
        println!("{}", serde_json::to_string_pretty(&sessions)?);
        return Ok(ExitCode::SUCCESS);
    }
    if sessions.is_empty() {
        println!("no sessions yet");
    }
    for s in sessions {
        let prompt = s.first_prompt.unwrap_or_default();
        let prompt: String = prompt
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(60)
            .collect();
        println!(
            "{}  {}  {:>3} turn(s)  {}",
            s.id, s.last_activity, s.turns, prompt
        );
    }
    Ok(ExitCode::SUCCESS)
}
