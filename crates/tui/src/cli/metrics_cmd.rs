//! `vtcode metrics show|export|serve` and `vtcode insights`.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use vtcode_core::config::LoadedConfig;
use vtcode_core::insights::Insights;
use vtcode_core::metrics::{
    Summary, families, render_json, render_prometheus, render_text, serve, since_ms,
};
use vtcode_core::store::{Store, StoredEvent};

use super::args::{ExportFormat, MetricsCommand};

/// The project's store, or `None` when nothing was ever recorded here.
fn open_store(loaded: &LoadedConfig) -> Result<Option<Store>> {
    if !loaded.paths.db.exists() {
        return Ok(None);
    }
    Ok(Some(Store::open(&loaded.paths.db)?))
}

fn events(loaded: &LoadedConfig, since: Option<i64>) -> Result<Vec<StoredEvent>> {
    match open_store(loaded)? {
        Some(store) => Ok(store.metric_events(since)?),
        None => Ok(Vec::new()),
    }
}

fn window(since: &str) -> Result<Option<i64>> {
    since_ms(since).map_err(|message| anyhow!(message))
}

pub async fn metrics(loaded: &LoadedConfig, command: MetricsCommand) -> Result<ExitCode> {
    match command {
        MetricsCommand::Show { since, json } => {
            let start = window(&since)?;
            let summary = Summary::from_events(&events(loaded, start)?, start);
            if json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            } else {
                let label = if start.is_some() {
                    format!("last {since}")
                } else {
                    "all time".to_string()
                };
                print!("{}", render_text(&summary, &label));
            }
        }
        MetricsCommand::Export { format, since } => {
            let start = window(&since)?;
            let families = families(&events(loaded, start)?);
            match format {
                ExportFormat::Prometheus => print!("{}", render_prometheus(&families)),
                ExportFormat::Json => println!("{}", render_json(&families, start)?),
            }
        }
        MetricsCommand::Serve { listen } => {
            let store = Arc::new(Store::open(&loaded.paths.db)?);
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| {
                    format!("cannot listen on {listen}; pick another address with --listen")
                })?;
            let address = listener.local_addr()?;
            eprintln!("serving metrics at http://{address}/metrics (Ctrl+C stops)");
            tokio::select! {
                served = serve(listener, store) => served?,
                _ = tokio::signal::ctrl_c() => {}
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn insights(loaded: &LoadedConfig, json: bool) -> Result<ExitCode> {
    let insights = match open_store(loaded)? {
        Some(store) => Insights::from_store(&store, None)?,
        None => Insights::default(),
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&insights)?);
    } else {
        for line in insights.render_lines() {
            println!("{line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
