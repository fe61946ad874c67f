//! Tool versioning over 1,000 tools (10 servers of 100): classifying one
//! change, and recording whole catalogs in an on-disk database (first
//! sight, unchanged, every tool changed). Prints one markdown section.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::json;
use vtcode_core::catalog::CatalogTool;
use vtcode_core::store::Store;
use vtcode_core::versioning::classify;

const SERVERS: usize = 10;
const TOOLS_PER_SERVER: usize = 100;

/// A tool with a nested, typical schema; `release` 2 changes it in several
/// ways at once (a renamed parameter, a removed enum value, a new option).
fn tool(server: usize, index: usize, release: u8) -> CatalogTool {
    let units = if release == 1 {
        json!(["metric", "imperial", "kelvin"])
    } else {
        json!(["metric", "imperial"])
    };
    let id_name = if release == 1 { "id" } else { "record_id" };
    let mut properties = json!({
        id_name: {"type": "string", "description": "The record to read"},
        "units": {"type": "string", "enum": units},
        "limit": {"type": "integer", "minimum": 1, "maximum": 100},
        "filter": {"type": "object", "properties": {
            "since": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}}
        }}
    });
    if release == 2 {
        properties["verbose"] = json!({"type": "boolean"});
    }
    CatalogTool {
        server: format!("server{server}"),
        name: format!("tool_{index}"),
        title: None,
        description: Some(format!("Tool {index} reads records of server {server}.")),
        input_schema: json!({"type": "object", "properties": properties, "required": [id_name]}),
        output_schema: Some(json!({"type": "object", "properties": {"rows": {"type": "array"}}})),
        annotations: Some(json!({"readOnlyHint": true})),
        builtin: false,
    }
}

fn catalog(release: u8) -> Vec<Vec<CatalogTool>> {
    (0..SERVERS)
        .map(|s| (0..TOOLS_PER_SERVER).map(|i| tool(s, i, release)).collect())
        .collect()
}

/// Records every server's tools once; returns how long it took.
fn record_all(store: &Store, servers: &[Vec<CatalogTool>]) -> Duration {
    let t = Instant::now();
    for (index, tools) in servers.iter().enumerate() {
        store
            .record_catalog(&format!("server{index}"), Some("1.0.0"), tools)
            .unwrap();
    }
    t.elapsed()
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let old = tool(0, 0, 1);
    let new = tool(0, 0, 2);
    let rounds = 10_000;
    let t = Instant::now();
    for _ in 0..rounds {
        assert!(!classify(&old, Some(&new)).is_empty());
    }
    let per_classify = t.elapsed() / rounds;

    let first = catalog(1);
    let second = catalog(2);
    let mut added = Vec::new();
    let mut unchanged = Vec::new();
    let mut changed = Vec::new();
    for _ in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("vtcode.db")).unwrap();
        added.push(record_all(&store, &first));
        unchanged.push(record_all(&store, &first));
        changed.push(record_all(&store, &second));
    }

    println!("### Tool versioning (1,000 tools, 10 servers, SQLite on disk)\n");
    println!("| what | median of 5 | budget | met |");
    println!("|---|---|---|---|");
    println!(
        "| classify one changed tool (mean of {rounds}) | {:.1} µs | - | - |",
        per_classify.as_secs_f64() * 1e6
    );
    println!(
        "| record the catalog, first sight | {} | - | - |",
        ms(median(added))
    );
    println!(
        "| record the catalog, unchanged | {} | - | - |",
        ms(median(unchanged))
    );
    println!(
        "| record the catalog, every tool changed and classified | {} | - | - |",
        ms(median(changed))
    );
}
