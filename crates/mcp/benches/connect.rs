//! How long the hub takes to connect ten stdio servers at once, compared with
//! the slowest of the same servers connected alone. Prints one markdown
//! section for the benchmark report.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, Instant};

use vtcode_mcp::{HubOptions, McpHub, ServerSpec, ServerState};

const SERVERS: usize = 10;
const ROUNDS: usize = 3;
const WAIT: Duration = Duration::from_secs(300);

fn python() -> String {
    if let Ok(python) = std::env::var("VTCODE_TEST_PYTHON") {
        return python;
    }
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        python.exists(),
        "Python venv not found at {}; run scripts/setup-venv.sh (or set VTCODE_TEST_PYTHON)",
        python.display()
    );
    python.to_string_lossy().into_owned()
}

fn spec(i: usize) -> ServerSpec {
    let mut spec = ServerSpec::stdio(
        format!("time{i}"),
        python(),
        vec!["-m".into(), "mcp_server_time".into()],
    );
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
    assert!(
        hub.statuses().iter().all(|s| s.state == ServerState::Ready),
        "{:?}",
        hub.statuses()
    );
    hub.shutdown().await;
    elapsed
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // Warm the interpreter's file cache so the first sample is not an outlier.
        connect(vec![spec(0)]).await;
        let mut slowest_single = Vec::new();
        let mut sums = Vec::new();
        let mut concurrent = Vec::new();
        for _ in 0..ROUNDS {
            let mut singles = Vec::new();
            for i in 0..SERVERS {
                singles.push(connect(vec![spec(i)]).await);
            }
            slowest_single.push(*singles.iter().max().unwrap());
            sums.push(singles.iter().sum());
            concurrent.push(connect((0..SERVERS).map(spec).collect()).await);
        }
        let slowest = median(slowest_single);
        let sum = median(sums);
        let together = median(concurrent);
        let ratio = together.as_secs_f64() / slowest.as_secs_f64();
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let met = ratio <= 2.0;
        println!("### MCP hub: connecting {SERVERS} stdio servers");
        println!();
        println!(
            "Server: `mcp-server-time` (Python), handshake plus full tools/list, median of {ROUNDS} rounds, {cores} CPU cores."
        );
        println!();
        println!("| measure | time |");
        println!("|---|---|");
        println!("| slowest single server, connected alone | {} |", ms(slowest));
        println!("| {SERVERS} servers one after another (sum) | {} |", ms(sum));
        println!("| {SERVERS} servers through the hub at once | {} |", ms(together));
        println!();
        println!(
            "Budget: {SERVERS} at once take about as long as the slowest one (≤ 2×), not their sum. Ratio: {ratio:.2}× the slowest, {:.2}× the sum: {}.",
            together.as_secs_f64() / sum.as_secs_f64(),
            if met { "met" } else { "not met (server start-up is CPU-bound; with fewer cores than servers the interpreters queue for CPU)" }
        );
    });
}
