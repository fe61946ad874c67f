//! Sandbox latency: warm round trip (Python and JavaScript), first
//! execution including the runner's start, and the tool bridge, on both
//! backends. Prints one markdown section.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{Echo, percentile, row};

use vtcode_sandbox::{
    Backend, DockerSandbox, ExecRequest, Language, Limits, Mounts, ProcessSandbox, Sandbox,
    SandboxSettings,
};

const BRIDGE: &str = "import time, _vtcode\nlat = []\nt0 = time.perf_counter()\nfor i in range(1000):\n    s = time.perf_counter()\n    _vtcode.call_tool('bench', 'echo', {'i': i})\n    lat.append(time.perf_counter() - s)\ntotal = time.perf_counter() - t0\nlat.sort()\nresult = {'p50_ms': lat[500] * 1000, 'total_ms': total * 1000}";

/// Timed JavaScript runs per backend, and the idle time before each.
const JS_RUNS: usize = 200;
const JS_PAUSE: Duration = Duration::from_millis(400);

fn settings(backend: Backend, pool_size: usize) -> SandboxSettings {
    SandboxSettings {
        backend,
        pool_size,
        project: Some("vtcode-sandbox-bench".into()),
        ..SandboxSettings::default()
    }
}

fn request(language: Language, code: &str) -> ExecRequest {
    ExecRequest {
        language,
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
    exec_in(sandbox, Language::Python, code).await
}

async fn exec_in(
    sandbox: &Arc<dyn Sandbox>,
    language: Language,
    code: &str,
) -> vtcode_sandbox::ExecResult {
    let result = sandbox
        .execute(request(language, code), Arc::new(Echo), None)
        .await
        .expect("execution");
    assert_eq!(result.status, vtcode_sandbox::ExecStatus::Ok, "{result:?}");
    result
}

async fn js_round_trip(sandbox: &Arc<dyn Sandbox>) -> f64 {
    let t = Instant::now();
    exec_in(sandbox, Language::Javascript, "console.log(1)").await;
    t.elapsed().as_secs_f64() * 1000.0
}

struct Figures {
    first_ms: f64,
    warm_p50: f64,
    warm_p99: f64,
    js_p50: f64,
    js_p99: f64,
    js_back_to_back_p50: f64,
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
    // JavaScript: each run takes the Node spare the runner booted after the
    // previous one. Runs are JS_PAUSE apart (a model takes seconds between
    // programs), so the spare is ready; back to back, a run waits for the
    // rest of its spare's boot, which is shown on its own row.
    for _ in 0..JS_RUNS / 10 {
        tokio::time::sleep(JS_PAUSE).await;
        js_round_trip(&sandbox).await;
    }
    let mut paced = Vec::new();
    for _ in 0..JS_RUNS {
        tokio::time::sleep(JS_PAUSE).await;
        paced.push(js_round_trip(&sandbox).await);
    }
    paced.sort_by(f64::total_cmp);
    let mut back_to_back = Vec::new();
    for _ in 0..JS_RUNS / 10 {
        back_to_back.push(js_round_trip(&sandbox).await);
    }
    back_to_back.sort_by(f64::total_cmp);
    sandbox.shutdown().await;
    Figures {
        first_ms,
        warm_p50: percentile(&warm, 0.5),
        warm_p99: percentile(&warm, 0.99),
        js_p50: percentile(&paced, 0.5),
        js_p99: percentile(&paced, 0.99),
        js_back_to_back_p50: percentile(&back_to_back, 0.5),
        call_p50: bridge["p50_ms"].as_f64().unwrap(),
        calls_total: bridge["total_ms"].as_f64().unwrap(),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        vtcode_sandbox::build_image(&vtcode_sandbox::SandboxSettings::default(), &|_| {})
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
                    &format!("{name}: warm JavaScript `console.log(1)` round trip p50"),
                    f.js_p50,
                    Some(15.0)
                )
            );
            println!(
                "{}",
                row(
                    &format!("{name}: warm JavaScript `console.log(1)` round trip p99"),
                    f.js_p99,
                    Some(40.0)
                )
            );
            println!(
                "{}",
                row(
                    &format!("{name}: JavaScript back to back (spare still booting) p50"),
                    f.js_back_to_back_p50,
                    None
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
        println!(
            "\nWarm figures, same run, pool of one runner: Python, 300 executions back to back after 20 warm-up runs; JavaScript, {JS_RUNS} executions {} ms apart after {} warm-up runs (each a fresh Node process, booted as the runner's spare after the previous run), then {} back to back.",
            JS_PAUSE.as_millis(),
            JS_RUNS / 10,
            JS_RUNS / 10
        );
    });
}
