//! How long the hub takes to connect ten stdio servers at once, compared with
//! the slowest of the same servers connected alone and with connecting them
//! one after another. Two kinds of server: `mcp-server-time`, whose start-up
//! is mostly CPU (interpreter and imports), and a fixture that waits 2 s
//! before serving, whose start-up is mostly waiting. Prints one markdown
//! section for the benchmark report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vtcode_mcp::{HubOptions, McpHub, ServerSpec, ServerState};

const SERVERS: usize = 10;
const ROUNDS: usize = 3;
const WAIT: Duration = Duration::from_secs(300);

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn python() -> String {
    if let Ok(python) = std::env::var("VTCODE_TEST_PYTHON") {
        return python;
    }
    let python = root().join(".venv/bin/python");
    assert!(
        python.exists(),
        "Python venv not found at {}; run scripts/setup-venv.sh (or set VTCODE_TEST_PYTHON)",
        python.display()
    );
    python.to_string_lossy().into_owned()
}

fn time_server(i: usize) -> ServerSpec {
    let args = vec!["-m".into(), "mcp_server_time".into()];
    with_wait(ServerSpec::stdio(format!("time{i}"), python(), args))
}

fn slow_server(i: usize) -> ServerSpec {
    let script = root().join("tests/fixtures/mcp/slow_start.py");
    let args = vec![script.to_string_lossy().into_owned(), "2".into()];
    with_wait(ServerSpec::stdio(format!("slow{i}"), python(), args))
}

fn with_wait(mut spec: ServerSpec) -> ServerSpec {
    spec.startup_timeout = WAIT;
    spec
}

/// Wall time from `start` until every server is Ready.
async fn connect(specs: Vec<ServerSpec>) -> Duration {
    let logs = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let hub = McpHub::start(
        specs,
        HubOptions {
            log_dir: logs.path().to_path_buf(),
        },
    );
    hub.wait_ready(WAIT).await.unwrap();
    let elapsed = started.elapsed();
    let statuses = hub.statuses();
    assert!(
        statuses.iter().all(|s| s.state == ServerState::Ready),
        "{statuses:?}"
    );
    hub.shutdown().await;
    elapsed
}

struct Figures {
    slowest_single: Duration,
    sum: Duration,
    together: Duration,
}

/// Medians over the rounds of: the slowest server alone, all of them one
/// after another, and all of them at once.
async fn measure(spec: fn(usize) -> ServerSpec) -> Figures {
    // Warm the file cache so the first sample is not an outlier.
    connect(vec![spec(0)]).await;
    let (mut slowest, mut sums, mut together) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let mut singles = Vec::new();
        for i in 0..SERVERS {
            singles.push(connect(vec![spec(i)]).await);
        }
        slowest.push(*singles.iter().max().unwrap());
        sums.push(singles.iter().sum());
        together.push(connect((0..SERVERS).map(spec).collect()).await);
    }
    Figures {
        slowest_single: median(slowest),
        sum: median(sums),
        together: median(together),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn row(label: &str, f: &Figures) -> String {
    let ratio = f.together.as_secs_f64() / f.slowest_single.as_secs_f64();
    format!(
        "| {label} | {} | {} | {} | {ratio:.2}× | {} |",
        ms(f.slowest_single),
        ms(f.sum),
        ms(f.together),
        if ratio <= 2.0 { "met" } else { "not met" }
    )
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (time, slow) = runtime.block_on(async {
        let time = measure(time_server).await;
        let slow = measure(slow_server).await;
        (time, slow)
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("### MCP hub: connecting {SERVERS} stdio servers");
    println!();
    println!(
        "Handshake plus complete tools/list for every server; median of {ROUNDS} rounds on {cores} CPU cores. Budget: {SERVERS} servers at once take about as long as the slowest one alone (here: at most 2×), not their sum."
    );
    println!();
    println!(
        "| servers | slowest alone | {SERVERS} one after another | {SERVERS} at once (hub) | at once / slowest | budget |"
    );
    println!("|---|---|---|---|---|---|");
    println!("{}", row("`mcp-server-time` (start-up mostly CPU)", &time));
    println!("{}", row("fixture waiting 2 s before serving", &slow));
    println!();
    println!(
        "Servers whose start-up is waiting connect in parallel. Start-up that is CPU work (a Python interpreter importing the SDK) cannot overlap beyond the number of cores, so with fewer cores than servers it queues for CPU."
    );
}
