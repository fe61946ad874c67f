//! What every command starts from: the effective config of the project the
//! user is in, with the command-line flags as its top layer, and a log file
//! under the project (never the terminal, which belongs to the output).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;
use vtcode_core::config::{Config, LoadOptions, LoadedConfig};
use vtcode_core::runtime::Runtime;

use super::args::GlobalArgs;

pub fn working_dir(global: &GlobalArgs) -> Result<PathBuf> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let dir = match &global.cwd {
        Some(dir) => cwd.join(dir),
        None => cwd,
    };
    if !dir.is_dir() {
        bail!("--cwd {} is not a directory", dir.display());
    }
    Ok(dir)
}

/// `-c key=value`, `--model`, `--tool-mode` and `--approval` as overrides.
fn overrides(global: &GlobalArgs) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for pair in &global.overrides {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("-c expects KEY=VALUE (e.g. -c sandbox.pool_size=4), got `{pair}`");
        };
        out.push((key.trim().to_string(), value.trim().to_string()));
    }
    let flags = [
        ("llm.model", &global.model),
        ("agent.tool_mode", &global.tool_mode),
        ("agent.approval", &global.approval),
    ];
    for (key, value) in flags {
        if let Some(value) = value {
            out.push((key.to_string(), value.clone()));
        }
    }
    Ok(out)
}

pub fn load_options(global: &GlobalArgs) -> Result<LoadOptions> {
    let mut options = LoadOptions::from_process(working_dir(global)?);
    options.cli_overrides = overrides(global)?;
    Ok(options)
}

pub fn load_config(global: &GlobalArgs) -> Result<LoadedConfig> {
    // The error already names the file, line and column.
    Config::load(&load_options(global)?).map_err(|err| anyhow::anyhow!("{err}"))
}

/// Prints config warnings once, on stderr, where they do not mix with output.
pub fn report_warnings(loaded: &LoadedConfig) {
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
}

/// Sends tracing output to `.vtcode/logs/vtcode.log`; `VTCODE_LOG` sets the
/// filter (default `info`). Logging is best effort: a read-only project
/// still works, just without a log.
pub fn init_logging(loaded: &LoadedConfig) {
    let logs = &loaded.paths.logs;
    if std::fs::create_dir_all(logs).is_err() {
        return;
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(logs.join("vtcode.log"))
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("VTCODE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}

/// Starts the runtime and waits for the servers, reporting each one that
/// failed (a failed `required` server is an error).
pub async fn ready_runtime(loaded: LoadedConfig) -> Result<Runtime> {
    let runtime = Runtime::start(loaded)?;
    wait_for_servers(&runtime).await?;
    Ok(runtime)
}

/// The waiting half of [`ready_runtime`], for a command that subscribes to
/// the runtime before its servers come up.
pub async fn wait_for_servers(runtime: &Runtime) -> Result<()> {
    runtime
        .wait_for_servers()
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    for problem in runtime.server_problems() {
        eprintln!("warning: {problem}");
    }
    Ok(())
}

/// Calls `show` with one line per tool a server changes or drops from now
/// on: while the command runs, and, when called before the servers are up,
/// since the last run (`vtcode tools history` has the details). Runs until
/// [`ToolChangeLines::stop`]; dropping the handle leaves it running.
pub fn on_tool_change(
    runtime: &Runtime,
    mut show: impl FnMut(String) + Send + 'static,
) -> ToolChangeLines {
    let mut changes = runtime.catalog.subscribe_changes();
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        loop {
            // Biased: what already arrived is shown before stopping.
            let received = tokio::select! {
                biased;
                received = changes.recv() => received,
                () = stopped.cancelled() => break,
            };
            match received {
                Ok(event) => show(event.to_string()),
                Err(RecvError::Lagged(missed)) => show(format!(
                    "{missed} more tool changes; `vtcode tools history SERVER.TOOL` shows them"
                )),
                Err(RecvError::Closed) => break,
            }
        }
    });
    ToolChangeLines { stop, task }
}

/// The task started by [`on_tool_change`].
pub struct ToolChangeLines {
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

impl ToolChangeLines {
    /// Shows the changes already announced, then stops.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}
