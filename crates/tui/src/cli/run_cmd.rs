//! `vtcode run` (a program in the sandbox with every server's SDK, no LLM)
//! and `vtcode sandbox status | warm | build-image | prune`.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use vtcode_core::config::LoadedConfig;
use vtcode_core::runtime::{
    CatalogSearch, CodeModeService, Runtime, SkillSavingHost, sandbox_settings,
};
use vtcode_core::sandbox::{ExecStatus, Language, OutputLine, ToolHost};

use super::args::{LangArg, RunArgs, SandboxCommand};
use super::context::ready_runtime;

fn language(args: &RunArgs) -> Language {
    match args.lang {
        Some(LangArg::Python) => Language::Python,
        Some(LangArg::Javascript) => Language::Javascript,
        None => match args
            .file
            .as_deref()
            .and_then(Path::extension)
            .and_then(|e| e.to_str())
        {
            Some("js" | "mjs" | "cjs") => Language::Javascript,
            _ => Language::Python,
        },
    }
}

fn source(args: &RunArgs) -> Result<String> {
    match (&args.code, &args.file) {
        (Some(code), _) => Ok(code.clone()),
        (None, Some(file)) if file.as_os_str() == "-" => {
            let mut code = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut code)
                .context("reading the program from standard input")?;
            Ok(code)
        }
        (None, Some(file)) => std::fs::read_to_string(file)
            .with_context(|| format!("cannot read the program {}", file.display())),
        (None, None) => anyhow::bail!("give a program file or --code CODE"),
    }
}

pub async fn run(loaded: LoadedConfig, args: RunArgs) -> Result<ExitCode> {
    let code = source(&args)?;
    let language = language(&args);
    let settings = sandbox_settings(&loaded);
    let runtime: Runtime = ready_runtime(loaded).await?;
    // Programs import the skills as they are on disk now.
    if let Err(e) = runtime.skills.refresh() {
        eprintln!("warning: {e}");
    }
    let selected = vtcode_core::sandbox::select_backend(settings.clone()).await?;
    if let Some(notice) = &selected.notice {
        eprintln!("note: {notice}");
    }
    let json = args.json;
    // Lines reach the terminal while the program runs; --json prints the
    // whole result at the end instead.
    let sink: Option<vtcode_core::sandbox::OutputSink> = (!json).then(|| {
        Arc::new(|line: OutputLine| match line {
            OutputLine::Stdout(text) => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            OutputLine::Stderr(text) => eprintln!("{text}"),
        }) as vtcode_core::sandbox::OutputSink
    });
    let host: Arc<dyn ToolHost> = Arc::new(SkillSavingHost::new(
        runtime.tool_host.clone(),
        Arc::clone(&runtime.skills),
    ));
    let shape = vtcode_core::metrics::program_shape(&code);
    let result = selected
        .sandbox
        .execute(settings.request(language, code), host, sink)
        .await;
    if let Ok(result) = &result {
        runtime.metrics.record_execution(
            language.as_str(),
            selected.sandbox.backend(),
            shape,
            result,
        );
    }
    selected.sandbox.shutdown().await;
    runtime.shutdown().await;
    let result = result?;
    if json {
        let mut value = serde_json::to_value(&result)?;
        if let Some(object) = value.as_object_mut() {
            object.insert("backend".into(), selected.sandbox.backend().into());
        }
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else if let Some(value) = result.result.as_ref().filter(|v| !v.is_null()) {
        println!("{}", serde_json::to_string_pretty(value)?);
    }
    let calls = result.tool_calls.len();
    eprintln!(
        "[{} sandbox: {} in {} ms, {calls} tool call{}]",
        selected.sandbox.backend(),
        status_word(result.status),
        result.duration.as_millis(),
        if calls == 1 { "" } else { "s" }
    );
    Ok(if result.status == ExecStatus::Ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn status_word(status: ExecStatus) -> &'static str {
    match status {
        ExecStatus::Ok => "ok",
        ExecStatus::Error => "error",
        ExecStatus::Timeout => "timed out",
        ExecStatus::Memory => "out of memory",
        ExecStatus::OutputLimit => "output limit reached",
        ExecStatus::Killed => "killed",
    }
}

/// `vtcode mcp serve`: stdout belongs to the protocol, so notices go to
/// stderr and the log.
pub async fn serve(loaded: LoadedConfig) -> Result<ExitCode> {
    let settings = sandbox_settings(&loaded);
    let runtime = ready_runtime(loaded).await?;
    let selected = vtcode_core::sandbox::select_backend(settings.clone()).await?;
    if let Some(notice) = &selected.notice {
        eprintln!("note: {notice}");
    }
    let mut service = CodeModeService::new(
        CatalogSearch::new(runtime.catalog.clone())
            .with_skills(Arc::clone(&runtime.skills))
            .with_semantic(runtime.semantic.clone()),
        selected.sandbox.clone(),
        settings,
        runtime.tool_host.clone(),
        runtime.loaded.config.sandbox.max_running as usize,
        runtime.tool_gate.clone(),
        runtime.loaded.config.agent.approval,
    );
    // The client is another agent's model: it reads tokens, as ours does.
    if let Some(setup) = runtime.pii_setup() {
        service = service.with_pii(&setup, runtime.metrics.clone())?;
    }
    let served = vtcode_core::mcp::serve::serve_stdio(Arc::new(service)).await;
    selected.sandbox.shutdown().await;
    runtime.shutdown().await;
    served?;
    Ok(ExitCode::SUCCESS)
}

pub async fn sandbox(loaded: LoadedConfig, command: SandboxCommand) -> Result<ExitCode> {
    let settings = sandbox_settings(&loaded);
    match command {
        SandboxCommand::Status => {
            let status = vtcode_core::sandbox::sandbox_status(&settings, None).await;
            println!("backend: {}", status.backend);
            if let Some(engine) = &status.engine {
                println!("engine:  {}", engine.describe());
            }
            if let Some(error) = &status.docker_error {
                println!("docker:  not used: {error}");
            }
            if let Some(image) = &status.image {
                match (&image.present, &image.hash) {
                    (true, Some(hash)) => {
                        println!("image:   {} (content hash {hash})", image.image)
                    }
                    (true, None) => println!("image:   {}", image.image),
                    (false, _) => println!(
                        "image:   {} is missing; run `vtcode sandbox build-image`",
                        image.image
                    ),
                }
            }
            println!(
                "pool:    {} warm runner(s) when vtcode runs (sandbox.pool_size)",
                settings.pool_size
            );
        }
        SandboxCommand::Warm => {
            let selected = vtcode_core::sandbox::select_backend(settings).await?;
            if let Some(notice) = &selected.notice {
                eprintln!("note: {notice}");
            }
            let started = std::time::Instant::now();
            let pool = selected.sandbox.warm().await?;
            match pool {
                Some(pool) => println!(
                    "{} pool warm: {} ready of {} in {} ms",
                    selected.sandbox.backend(),
                    pool.ready,
                    pool.target,
                    started.elapsed().as_millis()
                ),
                None => println!("{} sandbox ready", selected.sandbox.backend()),
            }
        }
        SandboxCommand::BuildImage => {
            vtcode_core::sandbox::build_image(&settings, &|line: &str| eprintln!("{line}")).await?;
            println!("image {} is ready", settings.image);
        }
        SandboxCommand::Prune => {
            let removed = vtcode_core::sandbox::prune(&settings, None).await?;
            println!("removed {removed} sandbox container(s)");
        }
    }
    Ok(ExitCode::SUCCESS)
}
