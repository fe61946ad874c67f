//! PII detection and tokenization of 1 MB of mixed JSON, with and without
//! personal data in it, on one core (criterion). Budget: ≤ 10 ms per MB;
//! a text with nothing to replace should cost little more than one scan.
//!
//! Criterion prints its own report; the markdown section for
//! docs/benchmarks.md follows it, read from criterion's estimates.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion};
use vtcode_core::pii::{BUILTIN_KINDS, Detector, DetectorSettings, Scope, Tokenizer};

const TARGET_BYTES: usize = 1 << 20;
const BUDGET_MS: f64 = 10.0;

/// Records like a tool's JSON output: ids, timestamps, prices, UUID-like
/// refs and versions everywhere; emails, phones and cards only `with_pii`.
fn corpus(with_pii: bool) -> String {
    let mut out = String::from("[");
    let mut i: u64 = 0;
    while out.len() < TARGET_BYTES {
        i += 1;
        let contact = if with_pii {
            format!(
                "\"email\": \"buyer{i:05}@example.com\", \"phone\": \"+1 415 555 {:04}\", \"card\": \"4111 1111 1111 1111\"",
                i % 10_000
            )
        } else {
            format!("\"email\": \"hidden\", \"phone\": \"n/a\", \"card\": \"ORD-2026-{i:08}\"")
        };
        let _ = writeln!(
            out,
            "{{\"id\": {i}, \"customer\": \"Customer {:04}\", {contact}, \"total\": {}.{:02}, \"created_at\": \"2026-11-{:02}T10:{:02}:00Z\", \"ts\": 17330500{:05}, \"ref\": \"{:08x}-1f2e-4d3c-9b8a-{:012x}\", \"sdk\": \"v1.{}.{}\"}},",
            i % 800,
            i % 997,
            i % 100,
            1 + i % 28,
            i % 60,
            i % 100_000,
            i * 2_654_435_761 % 0xffff_ffff,
            i * 40_503,
            i % 30,
            i % 7
        );
    }
    out.push(']');
    out
}

fn tokenizer() -> Tokenizer {
    let settings = DetectorSettings {
        kinds: BUILTIN_KINDS.iter().map(|k| (*k).to_owned()).collect(),
        env: std::env::vars().collect(),
        ..DetectorSettings::default()
    };
    Tokenizer::new(Detector::new(&settings).unwrap())
}

const CASES: [(&str, bool); 2] = [("with_pii", true), ("no_pii", false)];

fn mean_ms(dir: &Path, id: &str) -> f64 {
    let path = dir.join("pii_1mb").join(id).join("new/estimates.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let estimates: serde_json::Value = serde_json::from_str(&text).unwrap();
    estimates["mean"]["point_estimate"].as_f64().unwrap() / 1e6
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let mut criterion = Criterion::default()
        .output_directory(dir.path())
        .without_plots()
        .sample_size(30)
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let texts: Vec<(String, usize)> = CASES
        .iter()
        .map(|(_, pii)| {
            let text = corpus(*pii);
            let found = tokenizer().tokenize(&text, Scope::All).placed.len();
            (text, found)
        })
        .collect();
    {
        let mut group = criterion.benchmark_group("pii_1mb");
        for ((id, _), (text, _)) in CASES.iter().zip(&texts) {
            let fresh = tokenizer();
            group.bench_function(*id, |b| {
                b.iter_batched(
                    || fresh.clone(),
                    |mut t| t.tokenize(text, Scope::All).text.len(),
                    BatchSize::LargeInput,
                );
            });
        }
        group.finish();
    }
    criterion.final_summary();

    println!("### PII detection and tokenization, 1 MB of JSON");
    println!();
    println!(
        "Mixed JSON records (ids, timestamps, prices, UUID-like refs, versions), one core, a fresh session each run (every value gets a new token); criterion mean."
    );
    println!();
    println!("| input | bytes | values replaced | mean | budget |");
    println!("|---|---|---|---|---|");
    for ((id, _), (text, found)) in CASES.iter().zip(&texts) {
        let ms = mean_ms(dir.path(), id);
        let met = if ms <= BUDGET_MS { "met" } else { "NOT met" };
        println!(
            "| {id} | {} | {found} | {ms:.2} ms | ≤ {BUDGET_MS:.0} ms: {met} |",
            text.len()
        );
    }
}
