//! `vtcode doctor`: every check a user would otherwise do by hand, each
//! with a verdict and, when it fails, what to do.

use std::process::ExitCode;

use anyhow::Result;
use vtcode_core::catalog::{SemanticSearch, SemanticStatus, ToolCatalog};
use vtcode_core::config::{Config, LoadOptions, LoadedConfig};
use vtcode_core::runtime::{Runtime, ServerState, build_provider, sandbox_settings};

struct Report {
    failures: usize,
}

impl Report {
    fn ok(&self, what: &str, detail: impl AsRef<str>) {
        println!("  ok    {what}: {}", detail.as_ref());
    }

    fn warn(&self, what: &str, detail: impl AsRef<str>) {
        println!("  warn  {what}: {}", detail.as_ref());
    }

    fn fail(&mut self, what: &str, detail: impl AsRef<str>) {
        self.failures += 1;
        println!("  FAIL  {what}: {}", detail.as_ref());
    }
}

/// Runs even when the config does not load, so it can say so.
pub async fn doctor(options: LoadOptions) -> Result<ExitCode> {
    let mut report = Report { failures: 0 };
    println!("vtcode doctor");
    let loaded = match Config::load(&options) {
        Ok(loaded) => {
            report.ok("config", format!("project {}", loaded.paths.root.display()));
            for warning in &loaded.warnings {
                report.warn("config", warning);
            }
            loaded
        }
        Err(err) => {
            report.fail("config", err.to_string());
            println!("\n1 problem; fix the config first, then run `vtcode doctor` again.");
            return Ok(ExitCode::FAILURE);
        }
    };
    check_llm(&mut report, &loaded).await;
    check_sandbox(&mut report, &loaded).await;
    check_search(&mut report, &loaded);
    check_servers(&mut report, loaded).await;
    if report.failures == 0 {
        println!("\nall checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "\n{} problem(s); each FAIL line says what to do",
            report.failures
        );
        Ok(ExitCode::FAILURE)
    }
}

async fn check_llm(report: &mut Report, loaded: &LoadedConfig) {
    let llm = &loaded.config.llm;
    let what = "llm";
    match build_provider(llm) {
        Err(err) => report.fail(what, err.to_string()),
        Ok(provider) => match provider.list_models().await {
            Ok(models) if models.is_empty() || models.iter().any(|m| m == &llm.model) => report.ok(
                what,
                format!("{} model {} answers", provider.name(), llm.model),
            ),
            Ok(models) => report.fail(
                what,
                format!(
                    "the endpoint does not offer model `{}`; it offers: {}. Set llm.model",
                    llm.model,
                    models.join(", ")
                ),
            ),
            Err(err) => report.fail(what, err.to_string()),
        },
    }
}

async fn check_sandbox(report: &mut Report, loaded: &LoadedConfig) {
    let settings = sandbox_settings(loaded);
    let status = vtcode_core::sandbox::sandbox_status(&settings, None).await;
    match (&status.docker_error, &status.image) {
        (Some(error), _) if status.backend == "docker" => report.fail("sandbox", error),
        (Some(error), _) => report.warn(
            "sandbox",
            format!("process sandbox in use ({error}); start Docker for the container sandbox"),
        ),
        (None, Some(image)) if !image.present => report.fail(
            "sandbox",
            format!(
                "image {} is missing; run `vtcode sandbox build-image`",
                image.image
            ),
        ),
        _ => report.ok(
            "sandbox",
            match &status.engine {
                Some(engine) if status.backend == "docker" => {
                    format!("docker backend on {}", engine.describe())
                }
                _ => format!("{} backend", status.backend),
            },
        ),
    }
}

/// The semantic leg is optional: without it search is lexical, so a
/// missing model is a warning that says how to install it.
fn check_search(report: &mut Report, loaded: &LoadedConfig) {
    let semantic = SemanticSearch::new(&loaded.config.search, None);
    match semantic.status(&ToolCatalog::new(Vec::new())) {
        SemanticStatus::Disabled => report.ok("search", "lexical ([search] semantic = false)"),
        status @ (SemanticStatus::NoModel { .. } | SemanticStatus::Failed(_)) => {
            report.warn("search", status.to_string());
        }
        _ => match semantic.load_model() {
            Ok(()) => report.ok(
                "search",
                format!(
                    "semantic search ready (model in {})",
                    semantic
                        .model_dir()
                        .map_or_else(String::new, |d| d.display().to_string())
                ),
            ),
            Err(err) => report.warn("search", format!("{err}; search is lexical only")),
        },
    }
}

async fn check_servers(report: &mut Report, loaded: LoadedConfig) {
    if loaded.config.mcp.servers.is_empty() {
        report.warn(
            "mcp",
            "no servers configured; add [mcp.servers.NAME] to vtcode.toml",
        );
        return;
    }
    let runtime = match Runtime::start(loaded) {
        Ok(runtime) => runtime,
        Err(err) => {
            report.fail("mcp", err.to_string());
            return;
        }
    };
    let _ = runtime.wait_for_servers().await;
    for status in runtime.hub.statuses() {
        let what = format!("mcp server {}", status.name);
        match &status.state {
            ServerState::Ready => report.ok(&what, format!("{} tools", status.tool_count)),
            ServerState::Failed { error } => report.fail(&what, error),
            other => report.warn(&what, other.to_string()),
        }
        if !status.env_names.is_empty() {
            report.ok(
                &what,
                format!("environment: {}", status.env_names.join(" ")),
            );
        }
    }
    let catalog = runtime.catalog.current();
    for tool in catalog.tools() {
        let warnings = catalog.tool_warnings(&tool.server, &tool.name);
        if !warnings.is_empty() {
            report.warn(
                &format!("tool {}", tool.qualified_name()),
                format!(
                    "{}; its description reaches the model only as data",
                    warnings.join("; ")
                ),
            );
        }
    }
    runtime.shutdown().await;
}
