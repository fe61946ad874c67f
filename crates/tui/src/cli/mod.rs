//! The `vtcode` binary's command line: parse, load the project's config,
//! dispatch to a thin command module. Errors end here as one line on stderr
//! (`error: ...`) and a non-zero exit status, never a backtrace.

mod args;
mod code_run;
mod config_cmd;
mod context;
mod doctor;
mod exec_cmd;
mod interactive;
mod metrics_cmd;
mod pii_cmd;
mod run_cmd;
mod skills_cmd;
mod tools_cmd;

use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;

pub use args::Cli;
use args::{Command, ConfigCommand, McpCommand, PiiCommand, SdkCommand, SessionsCommand};

pub fn main() -> ExitCode {
    exit_quietly_when_stdout_closes();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let code = match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    };
    // Background tasks (server supervisors, pool fillers) must not keep a
    // finished command alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    code
}

/// `vtcode tools list | head` closes stdout before the listing ends, and
/// `println!` then panics. The reader chose to stop reading: end as a
/// program killed by SIGPIPE would (status 141), without a panic message.
/// SIGPIPE itself stays ignored, so a server or runner that dies under a
/// pipe vtcode writes to is an error to handle, not vtcode's death.
fn exit_quietly_when_stdout_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map_or("", String::as_str);
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// The error and its causes on one line, outermost first, without repeats.
fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}

async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let global = &cli.global;
    if let Some(Command::Doctor) = &cli.command {
        return doctor::doctor(context::load_options(global)?).await;
    }
    let loaded = context::load_config(global)?;
    context::init_logging(&loaded);
    let command = match cli.command {
        Some(Command::Config(ConfigCommand::Show)) => return Ok(config_cmd::show(&loaded)),
        Some(Command::Config(ConfigCommand::Check)) => return Ok(config_cmd::check(&loaded)),
        other => other,
    };
    context::report_warnings(&loaded);
    match command {
        Some(Command::Tools(command)) => tools_cmd::tools(loaded, command).await,
        Some(Command::Sdk(SdkCommand::Generate { out, lang, catalog })) => {
            tools_cmd::sdk_generate(loaded, &out, lang, catalog.as_deref()).await
        }
        Some(Command::Servers(args)) => tools_cmd::servers(loaded, args.json).await,
        Some(Command::Run(args)) => run_cmd::run(loaded, args).await,
        Some(Command::Mcp(McpCommand::Serve)) => run_cmd::serve(loaded).await,
        Some(Command::Sandbox(command)) => run_cmd::sandbox(loaded, command).await,
        Some(Command::Sessions(SessionsCommand::List { json })) => {
            exec_cmd::sessions_list(&loaded, json)
        }
        Some(Command::Sessions(SessionsCommand::Rm { id })) => pii_cmd::sessions_rm(&loaded, &id),
        Some(Command::Pii(PiiCommand::Audit { session, json })) => {
            pii_cmd::audit(&loaded, session.as_deref(), json)
        }
        Some(Command::Pii(PiiCommand::Redact { file, json })) => {
            pii_cmd::redact(&loaded, file.as_deref(), json)
        }
        Some(Command::Exec(args)) => exec_cmd::exec(loaded, args).await,
        Some(Command::Skills(command)) => skills_cmd::skills(loaded, command).await,
        Some(Command::Metrics(command)) => metrics_cmd::metrics(&loaded, command).await,
        Some(Command::Insights(args)) => metrics_cmd::insights(&loaded, args.json),
        None => interactive::run(loaded, cli.resume).await,
        Some(Command::Doctor | Command::Config(_)) => Ok(ExitCode::SUCCESS),
    }
}
