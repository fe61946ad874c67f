//! `vtcode tools list | search | show | history`, `vtcode sdk generate` and
//! `vtcode servers`: the catalog as a user sees it, from the live servers or
//! from a JSON file (`--catalog`), so search works with no server running;
//! `history` reads what earlier runs recorded, without starting servers.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use vtcode_core::catalog::{DetailLevel, ToolCatalog};
use vtcode_core::config::LoadedConfig;
use vtcode_core::runtime::ServerState;
use vtcode_core::sdk::{self, SdkLanguage};
use vtcode_core::store::{Store, ToolVersion, VersionChange};
use vtcode_core::versioning::history::tool_history;

use super::args::{DetailArg, LangArg, ToolsCommand};
use super::context::ready_runtime;

/// The catalog a command works on; the runtime (when live) is kept so the
/// servers stay up while the command runs.
struct CatalogSource {
    catalog: Arc<ToolCatalog>,
    runtime: Option<vtcode_core::runtime::Runtime>,
}

impl CatalogSource {
    async fn open(loaded: LoadedConfig, file: Option<&Path>) -> Result<Self> {
        if let Some(file) = file {
            let catalog = ToolCatalog::from_json_file(file).map_err(|e| anyhow::anyhow!("{e}"))?;
            return Ok(Self {
                catalog: Arc::new(catalog),
                runtime: None,
            });
        }
        if loaded.config.mcp.servers.is_empty() {
            bail!(
                "no MCP servers are configured; add one under [mcp.servers.NAME] in vtcode.toml \
                 (see docs/config.md) or pass --catalog FILE"
            );
        }
        let runtime = ready_runtime(loaded).await?;
        Ok(Self {
            catalog: runtime.catalog.current(),
            runtime: Some(runtime),
        })
    }

    async fn close(self) {
        if let Some(runtime) = self.runtime {
            runtime.shutdown().await;
        }
    }
}

pub async fn tools(loaded: LoadedConfig, command: ToolsCommand) -> Result<ExitCode> {
    match command {
        ToolsCommand::List {
            server,
            json,
            catalog,
        } => with_catalog(loaded, catalog, |c| list(c, server.as_deref(), json)).await,
        ToolsCommand::Search {
            query,
            detail,
            limit,
            json,
            catalog,
        } => with_catalog(loaded, catalog, |c| search(c, &query, detail, limit, json)).await,
        ToolsCommand::Show {
            tool,
            json,
            catalog,
        } => with_catalog(loaded, catalog, |c| show(c, &tool, json)).await,
        ToolsCommand::History { tool, json } => history(&loaded, &tool, json),
    }
}

async fn with_catalog(
    loaded: LoadedConfig,
    file: Option<PathBuf>,
    run: impl FnOnce(&ToolCatalog) -> Result<ExitCode>,
) -> Result<ExitCode> {
    let source = CatalogSource::open(loaded, file.as_deref()).await?;
    let result = run(&source.catalog);
    source.close().await;
    result
}

fn list(catalog: &ToolCatalog, server: Option<&str>, json: bool) -> Result<ExitCode> {
    if let Some(server) = server
        && !catalog.servers().contains(&server)
    {
        bail!(
            "no server named `{server}`; servers with tools: {}",
            catalog.servers().join(", ")
        );
    }
    let tools: Vec<_> = catalog
        .tools()
        .iter()
        .filter(|t| server.is_none_or(|s| t.server == s))
        .collect();
    if json {
        println!("{}", serde_json::to_string_pretty(&tools)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut current = "";
    for tool in tools {
        if tool.server != current {
            current = &tool.server;
            println!("{current}");
        }
        println!("  {:<32} {}", tool.name, tool.summary().unwrap_or(""));
    }
    Ok(ExitCode::SUCCESS)
}

fn search(
    catalog: &ToolCatalog,
    query: &str,
    detail: DetailArg,
    limit: usize,
    json: bool,
) -> Result<ExitCode> {
    let detail = match detail {
        DetailArg::Name => DetailLevel::Name,
        DetailArg::Description => DetailLevel::Description,
        DetailArg::Full => DetailLevel::Full,
    };
    let hits = catalog.search(query, detail, limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&hits)?);
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        eprintln!(
            "no tool matches `{query}` among {} tools; try other words",
            catalog.len()
        );
        return Ok(ExitCode::SUCCESS);
    }
    for hit in hits {
        let name = format!("{}.{}", hit.server, hit.name);
        match &hit.description {
            Some(description) => println!("{name:<40} {:>6.2}  {description}", hit.score),
            None => println!("{name:<40} {:>6.2}", hit.score),
        }
        if let Some(schema) = &hit.input_schema {
            println!("    input:  {}", serde_json::to_string(schema)?);
        }
        if let Some(schema) = &hit.output_schema {
            println!("    output: {}", serde_json::to_string(schema)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(catalog: &ToolCatalog, reference: &str, json: bool) -> Result<ExitCode> {
    let tool = catalog.lookup(reference)?;
    if json {
        println!("{}", serde_json::to_string_pretty(tool)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}", tool.qualified_name());
    if let Some(title) = &tool.title {
        println!("title: {title}");
    }
    if let Some(description) = &tool.description {
        println!("\n{}\n", description.trim());
    }
    println!(
        "input schema:\n{}",
        serde_json::to_string_pretty(&tool.input_schema)?
    );
    if let Some(schema) = &tool.output_schema {
        println!("output schema:\n{}", serde_json::to_string_pretty(schema)?);
    }
    if let Some(annotations) = &tool.annotations {
        println!("annotations: {}", serde_json::to_string(annotations)?);
    }
    Ok(ExitCode::SUCCESS)
}

fn history(loaded: &LoadedConfig, reference: &str, json: bool) -> Result<ExitCode> {
    // No database yet means no history, and a read must not create one.
    let store = if loaded.paths.db.exists() {
        Store::open(&loaded.paths.db)?
    } else {
        Store::open_in_memory()?
    };
    let history = tool_history(&store, reference)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&history)?);
        return Ok(ExitCode::SUCCESS);
    }
    let count = history.versions.len();
    println!(
        "{}.{}: {count} version{}, oldest first",
        history.server,
        history.tool,
        if count == 1 { "" } else { "s" }
    );
    for (number, version) in history.versions.iter().enumerate() {
        print_version(number + 1, version);
    }
    Ok(ExitCode::SUCCESS)
}

const TIME_FORMAT: &str = "%Y-%m-%d %H:%M:%S UTC";

fn print_version(number: usize, version: &ToolVersion) {
    let verdict = match (version.change, version.class) {
        (VersionChange::Added, _) => "added".to_owned(),
        (change, Some(class)) => format!("{}: {class}", change.as_str()),
        (change, None) => format!(
            "{}: not classified (the version before was recorded without its definition)",
            change.as_str()
        ),
    };
    let server = version
        .server_version
        .as_deref()
        .map(|v| format!("  server {v}"))
        .unwrap_or_default();
    println!("\n{number}. {verdict}{server}");
    let first = version.first_seen.format(TIME_FORMAT).to_string();
    let last = version.last_seen.format(TIME_FORMAT).to_string();
    let seen = if first == last {
        first
    } else {
        format!("{first} to {last}")
    };
    match &version.schema_hash {
        Some(hash) => println!("   seen {seen}, schema {}", hash.get(..12).unwrap_or(hash)),
        None => println!("   seen {seen}"),
    }
    for change in &version.diff {
        println!("   - {} ({})", change.description, change.class);
    }
}

pub async fn sdk_generate(
    loaded: LoadedConfig,
    out: &Path,
    lang: Option<LangArg>,
    catalog_file: Option<&Path>,
) -> Result<ExitCode> {
    let source = CatalogSource::open(loaded, catalog_file).await?;
    let langs: Vec<SdkLanguage> = match lang {
        Some(LangArg::Python) => vec![SdkLanguage::Python],
        Some(LangArg::Javascript) => vec![SdkLanguage::Javascript],
        None => SdkLanguage::ALL.to_vec(),
    };
    let multiple = langs.len() > 1;
    let mut result = Ok(ExitCode::SUCCESS);
    for lang in langs {
        let dir = if multiple {
            sdk::language_dir(out, lang)
        } else {
            out.to_path_buf()
        };
        match sdk::generate(&source.catalog, lang, &dir)
            .with_context(|| format!("generating the {} SDK", lang.dir_name()))
        {
            Ok(report) => {
                println!(
                    "{}: {} tools of {} servers in {} ({} files)",
                    lang.dir_name(),
                    report.tools,
                    report.servers,
                    report.out_dir.join("servers").display(),
                    report.files
                );
                for renamed in &report.renamed {
                    println!(
                        "  {}.{} is {} (renamed to be a valid name)",
                        renamed.server, renamed.tool, renamed.sdk_name
                    );
                }
            }
            Err(err) => {
                result = Err(err);
                break;
            }
        }
    }
    source.close().await;
    result
}

pub async fn servers(loaded: LoadedConfig, json: bool) -> Result<ExitCode> {
    if loaded.config.mcp.servers.is_empty() {
        println!("no MCP servers are configured; add one under [mcp.servers.NAME] in vtcode.toml");
        return Ok(ExitCode::SUCCESS);
    }
    let disabled: Vec<String> = loaded
        .config
        .mcp
        .servers
        .iter()
        .filter(|(_, s)| !s.enabled)
        .map(|(name, _)| name.clone())
        .collect();
    let runtime = vtcode_core::runtime::Runtime::start(loaded)?;
    // A required server's failure is shown in its line, not as an error here.
    let _ = runtime.wait_for_servers().await;
    let statuses = runtime.hub.statuses();
    let all_ready = statuses.iter().all(|s| s.state == ServerState::Ready);
    if json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
    } else {
        for status in &statuses {
            let info = status
                .server_info
                .as_ref()
                .map(|(name, version)| format!(" ({name} {version})"))
                .unwrap_or_default();
            println!(
                "{:<16} {:<10} {:>4} tools  {}{info}",
                status.name,
                status.state.to_string().split(':').next().unwrap_or(""),
                status.tool_count,
                status.transport_summary
            );
            if let ServerState::Failed { error } = &status.state {
                println!("    {error}");
            }
        }
        for name in disabled {
            println!("{name:<16} disabled");
        }
    }
    runtime.shutdown().await;
    Ok(if all_ready {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
