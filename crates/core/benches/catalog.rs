//! Search latency over a 1,000-tool catalog and SDK generation time for it.
//! Prints one markdown section (figures, budgets, whether they are met).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use vtcode_core::catalog::DetailLevel;
use vtcode_core::sdk::{self, SdkLanguage};

use support::{generated_catalog, ms, percentile};

const QUERIES: &[&str] = &[
    "create a pull request",
    "send a message to a channel",
    "list open issues",
    "convert timezone",
    "refund a payment",
    "get_customer",
    "github.merge_branch",
    "deleteInvoiceLine",
    "schedule meeting",
    "comit",
    "deplyment status",
    "arch",
    "export spreadsheet rows",
    "what alerts fired",
    "restore a deleted document",
    "tags filter limit",
];

fn main() {
    let started = Instant::now();
    let catalog = generated_catalog(1000);
    let build = started.elapsed();

    let mut search = Vec::new();
    for round in 0..60 {
        for (i, query) in QUERIES.iter().enumerate() {
            let detail = [
                DetailLevel::Name,
                DetailLevel::Description,
                DetailLevel::Full,
            ][(round + i) % 3];
            let t = Instant::now();
            let hits = catalog.search(query, detail, 10).unwrap();
            search.push(t.elapsed());
            assert!(!hits.is_empty(), "no hits for {query}");
        }
    }
    search.sort();
    let (search_p50, search_p99) = (percentile(&search, 0.5), percentile(&search, 0.99));

    // Generation is measured on a memory file system when there is one, so
    // the figure is the generator's and not the disk's; the cold cache row
    // below writes to the default temporary directory.
    let shm = std::path::Path::new("/dev/shm");
    let (gen_root, gen_place) = if shm.is_dir() {
        (shm.to_path_buf(), "tmpfs")
    } else {
        (std::env::temp_dir(), "temp dir")
    };
    let mut rows = Vec::new();
    for lang in SdkLanguage::ALL {
        let mut runs = Vec::new();
        for _ in 0..7 {
            let dir = tempfile::tempdir_in(&gen_root).unwrap();
            let t = Instant::now();
            sdk::generate(&catalog, lang, dir.path()).unwrap();
            runs.push(t.elapsed());
        }
        runs.sort();
        rows.push((lang, percentile(&runs, 0.5), runs[runs.len() - 1]));
    }
    let cache = tempfile::tempdir().unwrap();
    let t = Instant::now();
    sdk::ensure_cached(&catalog, cache.path()).unwrap();
    let cold = t.elapsed();
    let t = Instant::now();
    sdk::ensure_cached(&catalog, cache.path()).unwrap();
    let warm = t.elapsed();

    let met = |ok: bool| if ok { "yes" } else { "**no**" };
    println!("### Tool catalog: search and SDK generation (1,000 tools)\n");
    println!("| what | p50 | p99 / max | budget | met |");
    println!("|---|---|---|---|---|");
    println!(
        "| `search_tools`, {} queries x 60 rounds | {} | {} | p50 ≤ 1 ms | {} |",
        QUERIES.len(),
        ms(search_p50),
        ms(search_p99),
        met(search_p50 <= Duration::from_millis(1))
    );
    for (lang, p50, max) in &rows {
        println!(
            "| SDK generation, {lang}, output on {gen_place} (7 runs) | {} | {} | ≤ 50 ms | {} |",
            ms(*p50),
            ms(*max),
            met(*p50 <= Duration::from_millis(50))
        );
    }
    println!(
        "| SDK cache, both languages, cold | {} | - | - | - |",
        ms(cold)
    );
    println!("| SDK cache, reuse | {} | - | - | - |", ms(warm));
    println!(
        "| catalog construction (validation + index) | {} | - | - | - |",
        ms(build)
    );
}
