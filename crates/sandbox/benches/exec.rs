//! Sandbox latency: warm round trip, first execution including the runner's
//! start, and the tool bridge, on both backends. Prints one markdown section.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use vtcode_sandbox::{
    Backend, DockerSandbox, ExecRequest, Language, Limits, Mounts, ProcessSandbox, Sandbox,
    SandboxSettings, ToolCallError, ToolHost,
};

struct Echo;

#[async_trait::async_trait]
impl ToolHost for Echo {
    async fn call_tool(
        &self,
        _: &str,
        _: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolCallError> {
        Ok(args)
    }
}

const BRIDGE: &str = "import time, _vtcode\nlat = []\nt0 = time.perf_counter()\nfor i in range(1000):\n    s = time.perf_counter()\n    _vtcode.call_tool('bench', 'echo', {'i': i})\n    lat.append(time.perf_counter() - s)\ntotal = time.perf_counter() - t0\nlat.sort()\nresult = {'p50_ms': lat[500] * 1000, 'total_ms': total * 1000}";

fn settings(backend: Backend, pool_size: usize) -> SandboxSettings {
    SandboxSettings {
        backend,
        pool_size,
        project: Some("vtcode-sandbox-bench".into()),
        ..SandboxSettings::default()
    }
}

fn request(code: &str) -> ExecRequest {
    ExecRequest {
        language: Language::Python,
        code: code.into(),
        timeout: Duration::from_secs(30),
        limits: Limits::default(),
        mounts: Mounts::default(),
    }
}

async fn start(backend: Backend, pool_size: usize) -> Arc<dyn Sandbox> {
    match backend {
        Backend::Docker => Arc::new(
            DockerSandbox::start(settings(backend, pool_size))
                .await
                .expect("docker sandbox"),
        ),
        _ => {
            Arc::new(ProcessSandbox::start(settings(backend, pool_size)).expect("process sandbox"))
        }
    }
}

async fn exec(sandbox: &Arc<dyn Sandbox>, code: &str) -> vtcode_sandbox::ExecResult {
    let result = sandbox
        .execute(request(code), Arc::new(Echo), None)
        .await
        .expect("execution");
    assert_eq!(result.status, vtcode_sandbox::ExecStatus::Ok, "{result:?}");
    result
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

struct Figures {
    first_ms: f64,
    warm_p50: f64,
    warm_p99: f64,
    call_p50: f64,
    calls_total: f64,
}

async fn measure(backend: Backend) -> Figures {
    // First execution: no warm runner, so it includes starting one.
    let cold = start(backend, 0).await;
    let t = Instant::now();
    exec(&cold, "print(1)").await;
    let first_ms = t.elapsed().as_secs_f64() * 1000.0;
    cold.shutdown().await;

    let sandbox = start(backend, 1).await;
    sandbox.warm().await.expect("warm pool");
    for _ in 0..20 {
        exec(&sandbox, "print(1)").await;
    }
    let mut warm: Vec<f64> = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        exec(&sandbox, "print(1)").await;
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    warm.sort_by(f64::total_cmp);
    let bridge = exec(&sandbox, BRIDGE).await.result.expect("bridge figures");
    sandbox.shutdown().await;
    Figures {
        first_ms,
        warm_p50: percentile(&warm, 0.5),
        warm_p99: percentile(&warm, 0.99),
        call_p50: bridge["p50_ms"].as_f64().unwrap(),
        calls_total: bridge["total_ms"].as_f64().unwrap(),
    }
}

fn row(what: &str, value: f64, budget: Option<f64>) -> String {
    let (budget_text, met) = match budget {
        Some(b) => (format!("≤ {b} ms"), if value <= b { "yes" } else { "no" }),
        None => ("—".to_string(), "—"),
    };
    format!("| {what} | {value:.2} ms | {budget_text} | {met} |")
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        vtcode_sandbox::build_image(vtcode_sandbox::DEFAULT_IMAGE, &|_| {})
            .await
            .expect("sandbox image");
        let docker = measure(Backend::Docker).await;
        let process = measure(Backend::Process).await;
        println!("### Sandbox execution\n");
        println!("| what | measured | budget | met |");
        println!("|---|---|---|---|");
        for (name, f, budgeted) in [("Docker", &docker, true), ("process", &process, false)] {
            let b = |v: f64| budgeted.then_some(v);
            println!(
                "{}",
                row(
                    &format!("{name}: warm `print(1)` round trip p50"),
                    f.warm_p50,
                    b(15.0)
                )
            );
            println!(
                "{}",
                row(
                    &format!("{name}: warm `print(1)` round trip p99"),
                    f.warm_p99,
                    b(50.0)
                )
            );
            println!(
                "{}",
                row(
                    &format!("{name}: first execution incl. runner start"),
                    f.first_ms,
                    b(1500.0)
                )
            );
            println!(
                "{}",
                row(
                    &format!("{name}: one bridge call to a local echo tool p50"),
                    f.call_p50,
                    Some(1.0)
                )
            );
            println!(
                "{}",
                row(
                    &format!("{name}: 1,000 sequential bridge calls from one program"),
                    f.calls_total,
                    Some(1500.0)
                )
            );
        }
        println!("\nWarm figures: 300 executions after 20 warm-up runs on a pool of one runner.");
    });
}
