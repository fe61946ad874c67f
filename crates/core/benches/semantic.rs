//! Semantic tool search: retrieval quality of the lexical, semantic and
//! fused rankings, and the budgets of the semantic leg over 1,000 tools
//! (embedding time, query latency with the query's embedding, resident
//! memory the model adds). Prints one markdown section.
//!
//! Recall is measured on the committed paraphrase set and, when
//! `VTCODE_BFCL_SET` names the file `scripts/bfcl-retrieval-set.py` writes,
//! on the public BFCL benchmark.
//!
//! Needs the model where the test setup installs it
//! (`scripts/setup-model.sh`; `VTCODE_TEST_MODEL_DIR` overrides).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use vtcode_core::catalog::{DetailLevel, Ranking, SemanticSearch, ToolCatalog};
use vtcode_core::config::SearchConfig;

use support::{generated_catalog, ms, percentile};

const RANKINGS: [(Ranking, &str); 3] = [
    (Ranking::Lexical, "lexical"),
    (Ranking::Semantic, "semantic"),
    (Ranking::Fused, "fused"),
];

/// Queries for the 1,000-tool latency run: paraphrases, not tool names.
const QUERIES: &[&str] = &[
    "open a pull request for my branch",
    "tell the team the deploy is done",
    "will it rain tomorrow in Paris",
    "give the customer their money back",
    "what did the nginx container print before it crashed",
    "book a meeting with Ana on Friday",
    "which alerts fired overnight",
    "archive last year's invoices",
];

/// A retrieval set: the catalog, and per task its query and the tools
/// (`server.name`) it needs.
struct RetrievalSet {
    catalog: ToolCatalog,
    tasks: Vec<(String, Vec<String>)>,
}

fn fixture(relative: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn paraphrase_set() -> RetrievalSet {
    let catalog =
        ToolCatalog::new(serde_json::from_str(&fixture("catalogs/paraphrase.json")).unwrap());
    let cases: Vec<Value> =
        serde_json::from_str(&fixture("catalogs/paraphrase_queries.json")).unwrap();
    let tasks = cases
        .iter()
        .map(|c| {
            (
                c["query"].as_str().unwrap().to_string(),
                vec![c["tool"].as_str().unwrap().to_string()],
            )
        })
        .collect();
    RetrievalSet { catalog, tasks }
}

/// Recall@5 and recall@10: the mean over tasks of the share of needed
/// tools in the top 5 and the top 10 (one search per task).
fn recall(search: &SemanticSearch, set: &RetrievalSet, ranking: Ranking) -> (f64, f64) {
    let mut at5 = 0.0;
    let mut at10 = 0.0;
    for (query, needed) in &set.tasks {
        let hits: Vec<String> = search
            .search_with(&set.catalog, query, DetailLevel::Name, 10, ranking)
            .unwrap()
            .iter()
            .map(|h| format!("{}.{}", h.server, h.name))
            .collect();
        let share = |k: usize| {
            let top = &hits[..k.min(hits.len())];
            needed.iter().filter(|tool| top.contains(tool)).count() as f64 / needed.len() as f64
        };
        at5 += share(5);
        at10 += share(10);
    }
    let n = set.tasks.len() as f64;
    (at5 / n, at10 / n)
}

/// The public set `scripts/bfcl-retrieval-set.py` writes from BFCL, when
/// `VTCODE_BFCL_SET` names it (`scripts/bench.sh` does).
fn bfcl_set() -> Option<(RetrievalSet, String)> {
    let path = std::env::var_os("VTCODE_BFCL_SET")?;
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", std::path::Path::new(&path).display()));
    let set: Value = serde_json::from_str(&text).unwrap();
    let catalog = ToolCatalog::new(serde_json::from_value(set["catalog"].clone()).unwrap());
    let tasks = set["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let tools = t["tools"].as_array().unwrap();
            (
                t["query"].as_str().unwrap().to_string(),
                tools
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    let source = set["source"].as_str().unwrap_or("BFCL").to_string();
    Some((RetrievalSet { catalog, tasks }, source))
}

/// Embeds the set's catalog and prints its recall table.
fn recall_table(config: &SearchConfig, set: &RetrievalSet) {
    let search = SemanticSearch::new(config, None);
    search.embed_catalog(&set.catalog).unwrap();
    println!("| ranking | recall@5 | recall@10 |");
    println!("|---|---|---|");
    for (ranking, name) in RANKINGS {
        let (at5, at10) = recall(&search, set, ranking);
        println!("| {name} | {at5:.3} | {at10:.3} |");
    }
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let model = vtcode_embed::locate_test_model()
        .expect("the embedding model is needed: run scripts/setup-model.sh");
    let config = SearchConfig {
        semantic: true,
        model_path: Some(model),
    };
    let met = |ok: bool| if ok { "yes" } else { "**no**" };

    let catalog = generated_catalog(1000);
    let search = SemanticSearch::new(&config, None);
    let before = rss_mib();
    let t = Instant::now();
    search.load_model().unwrap();
    let load = t.elapsed();
    let t = Instant::now();
    let report = search.embed_catalog(&catalog).unwrap();
    let embed = t.elapsed();
    assert_eq!(report.embedded, catalog.len());
    let extra_rss = rss_mib() - before;

    let mut fused = Vec::new();
    let mut lexical = Vec::new();
    for _ in 0..25 {
        for query in QUERIES {
            for (ranking, samples) in [
                (Ranking::Fused, &mut fused),
                (Ranking::Lexical, &mut lexical),
            ] {
                let t = Instant::now();
                search
                    .search_with(&catalog, query, DetailLevel::Description, 10, ranking)
                    .unwrap();
                samples.push(t.elapsed());
            }
        }
    }
    fused.sort();
    lexical.sort();

    println!("### Semantic tool search (all-MiniLM-L6-v2, in-process on the CPU)\n");
    println!("| what | figure | budget | met |");
    println!("|---|---|---|---|");
    println!(
        "| loading the model | {} | (lazy, off the start-up path) | - |",
        ms(load)
    );
    println!(
        "| embedding 1,000 tools (once per schema hash, in the background) | {:.1} s | ≤ 60 s | {} |",
        embed.as_secs_f64(),
        met(embed <= Duration::from_secs(60))
    );
    println!(
        "| fused query over 1,000 tools, query embedding included, p50 / p99 | {} / {} | p50 ≤ 10 ms | {} |",
        ms(percentile(&fused, 0.5)),
        ms(percentile(&fused, 0.99)),
        met(percentile(&fused, 0.5) <= Duration::from_millis(10))
    );
    println!(
        "| lexical query alone, p50 (for comparison) | {} | p50 ≤ 1 ms | {} |",
        ms(percentile(&lexical, 0.5)),
        met(percentile(&lexical, 0.5) <= Duration::from_millis(1))
    );
    println!(
        "| extra resident memory, model loaded and 1,000 tools embedded | {extra_rss:.0} MiB | ≤ 150 MB | {} |",
        met(extra_rss * 1.048_576 <= 150.0)
    );

    let set = paraphrase_set();
    println!(
        "\nRetrieval on the committed paraphrase set (`tests/fixtures/catalogs/paraphrase*.json`: {} tools, {} queries, none sharing a word with its tool's name):\n",
        set.catalog.len(),
        set.tasks.len()
    );
    recall_table(&config, &set);
    match bfcl_set() {
        Some((set, source)) => {
            println!(
                "\nRetrieval on a public benchmark, the Berkeley Function Calling Leaderboard ({source}; \
                 written by `scripts/bfcl-retrieval-set.py`): {} distinct functions as one catalog, {} tasks, \
                 each task's whole user text as the query, the functions its ground-truth answer calls as \
                 the tools it needs:\n",
                set.catalog.len(),
                set.tasks.len()
            );
            recall_table(&config, &set);
        }
        None => println!(
            "\nThe public benchmark (BFCL) was not measured: set VTCODE_BFCL_SET, as scripts/bench.sh does."
        ),
    }
}
