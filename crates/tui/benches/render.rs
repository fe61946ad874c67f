//! Rendering cost of the TUI: redraws of a long transcript, and the cost of a
//! streamed chunk as the transcript and the message grow. Prints one
//! markdown section.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use vtcode_core::events::AgentEvent;
use vtcode_tui::app::App;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;
const REDRAW_BUDGET: Duration = Duration::from_millis(16);

fn message(i: usize) -> String {
    format!(
        "Message {i}: the **loader** reads `vtcode.toml`, merges the layers and reports \
         unknown keys with file, line and column.\n\n```python\nprint({i})\n```\n"
    )
}

/// An app whose transcript holds `entries` entries: answers and tool cards.
fn filled(entries: usize) -> App {
    let backend = support::FixedBackend::new();
    let (mut app, _rx) = support::app(&backend);
    for i in 0..entries {
        if i % 2 == 0 {
            app.agent_event(AgentEvent::TextDelta { text: message(i) });
            app.agent_event(AgentEvent::TurnCompleted {
                final_text: String::new(),
            });
        } else {
            let call_id = format!("c{i}");
            app.agent_event(AgentEvent::ToolCallStarted {
                call_id: call_id.clone(),
                name: "read_file".to_string(),
                arguments: json!({ "path": "src/main.rs" }),
            });
            app.agent_event(AgentEvent::ToolCallFinished {
                call_id,
                name: "read_file".to_string(),
                output: "fn main() {}\n".to_string(),
                is_error: false,
                duration_ms: 1,
                details: None,
            });
        }
    }
    app
}

fn terminal(width: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(width, HEIGHT)).unwrap()
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

struct Row {
    what: String,
    p50: Duration,
    p99: Duration,
    budget: String,
    met: bool,
}

fn measure(mut step: impl FnMut(), iterations: usize) -> (Duration, Duration) {
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let start = Instant::now();
        step();
        samples.push(start.elapsed());
    }
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.99),
    )
}

/// Per-chunk cost (apply a ~15-char delta, then redraw) with a transcript of
/// `entries` entries and a streaming message already `prefill` chunks long;
/// with `in_code`, the message is one growing Python code block.
fn chunk_cost(entries: usize, prefill: usize, in_code: bool) -> (Duration, Duration) {
    let mut app = filled(entries);
    let mut term = terminal(WIDTH);
    if in_code {
        app.agent_event(AgentEvent::TextDelta {
            text: "```python\n".to_string(),
        });
    }
    let chunk = |n: usize| match (in_code, n % 40) {
        (true, 39) => "return n  # ok\n".to_string(),
        (true, _) if n % 4 == 3 => format!("v{:04} = n * 2\n", n % 10_000),
        (false, 39) => "end of para.\n\n".to_string(),
        _ => format!("word{:04} more ", n % 10_000),
    };
    for n in 0..prefill {
        app.agent_event(AgentEvent::TextDelta { text: chunk(n) });
    }
    term.draw(|f| app.draw(f)).unwrap();
    let mut n = prefill;
    measure(
        || {
            app.agent_event(AgentEvent::TextDelta { text: chunk(n) });
            term.draw(|f| app.draw(f)).unwrap();
            n += 1;
        },
        400,
    )
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let _guard = runtime.enter();
    let mut rows = Vec::new();

    let start = Instant::now();
    let backend = support::FixedBackend::new();
    let (mut app, _rx) = support::app(&backend);
    terminal(WIDTH).draw(|f| app.draw(f)).unwrap();
    let first_frame = start.elapsed();
    rows.push(Row {
        what: "UI construction + first frame (no terminal I/O)".to_string(),
        p50: first_frame,
        p99: first_frame,
        budget: "≤ 150 ms".to_string(),
        met: first_frame <= Duration::from_millis(150),
    });

    let mut app = filled(10_000);
    let mut term = terminal(WIDTH);
    term.draw(|f| app.draw(f)).unwrap();
    let (p50, p99) = measure(
        || {
            term.draw(|f| app.draw(f)).unwrap();
        },
        500,
    );
    rows.push(Row {
        what: "redraw, 10,000-entry transcript".to_string(),
        p50,
        p99,
        budget: "≤ 16 ms".to_string(),
        met: p99 <= REDRAW_BUDGET,
    });

    let mut width = WIDTH;
    let (p50, p99) = measure(
        || {
            width = if width == WIDTH { WIDTH - 1 } else { WIDTH };
            terminal(width).draw(|f| app.draw(f)).unwrap();
        },
        200,
    );
    rows.push(Row {
        what: "first redraw after a resize, 10,000 entries".to_string(),
        p50,
        p99,
        budget: "≤ 16 ms".to_string(),
        met: p99 <= REDRAW_BUDGET,
    });

    let base = chunk_cost(100, 0, false);
    let cases = [
        (100, 0, false),
        (1_000, 0, false),
        (10_000, 0, false),
        (10_000, 4_000, false),
        (10_000, 4_000, true),
    ];
    for (entries, prefill, in_code) in cases {
        let (p50, p99) = if (entries, prefill, in_code) == (100, 0, false) {
            base
        } else {
            chunk_cost(entries, prefill, in_code)
        };
        let flat = p50.as_secs_f64() <= base.0.as_secs_f64() * 2.0 + 0.000_05;
        rows.push(Row {
            what: format!(
                "streamed chunk + redraw, {entries} entries, {} from {} chars",
                if in_code { "code block" } else { "message" },
                prefill * 15
            ),
            p50,
            p99,
            budget: "p50 ≤ 2× the 100-entry case".to_string(),
            met: flat && p99 <= REDRAW_BUDGET,
        });
    }

    println!("### TUI rendering\n");
    println!(
        "Terminal {WIDTH}x{HEIGHT} (ratatui TestBackend); each redraw builds the full frame.\n"
    );
    println!("| measurement | p50 | p99 | budget | met |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!(
            "| {} | {} | {} | {} | {} |",
            row.what,
            ms(row.p50),
            ms(row.p99),
            row.budget,
            if row.met { "yes" } else { "no" }
        );
    }
}
