//! Semantic tool search with the real embedding model: fusion against the
//! lexical ranking on paraphrased queries, the cache in a real SQLite
//! database, the background embedding, and the lexical fallback when the
//! model files are missing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use vtcode_core::catalog::{
    CatalogTool, DetailLevel, Ranking, SemanticSearch, SemanticStatus, ToolCatalog,
};
use vtcode_core::config::SearchConfig;
use vtcode_core::store::Store;
use vtcode_embed::locate_test_model;

fn paraphrase_catalog() -> ToolCatalog {
    let text =
        std::fs::read_to_string(catalog_support::fixture("catalogs/paraphrase.json")).unwrap();
    ToolCatalog::new(serde_json::from_str(&text).unwrap())
}

fn paraphrase_queries() -> Vec<(String, String)> {
    let path = catalog_support::fixture("catalogs/paraphrase_queries.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    cases
        .iter()
        .map(|case| {
            (
                case["query"].as_str().unwrap().to_string(),
                case["tool"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn semantic(model: Option<PathBuf>, store: Option<Arc<Store>>) -> SemanticSearch {
    SemanticSearch::new(
        &SearchConfig {
            semantic: true,
            model_path: model,
        },
        store,
    )
}

/// How many queries find their tool in the top `k`.
fn found(search: &SemanticSearch, catalog: &ToolCatalog, ranking: Ranking, k: usize) -> usize {
    paraphrase_queries()
        .iter()
        .filter(|(query, tool)| {
            search
                .search_with(catalog, query, DetailLevel::Name, k, ranking)
                .unwrap()
                .iter()
                .any(|hit| format!("{}.{}", hit.server, hit.name) == *tool)
        })
        .count()
}

#[test]
fn the_paraphrased_queries_share_no_word_with_their_tools_name() {
    let catalog = paraphrase_catalog();
    for (query, tool) in paraphrase_queries() {
        let found = catalog.lookup(&tool).unwrap();
        let shared: Vec<String> = words(&query)
            .intersection(&words(&found.name.replace('_', " ")))
            .cloned()
            .collect();
        assert!(shared.is_empty(), "{query:?} shares {shared:?} with {tool}");
    }
}

#[test]
fn fusion_finds_more_paraphrased_tools_than_words_alone() {
    let Some(model) = locate_test_model() else {
        return;
    };
    let catalog = paraphrase_catalog();
    let search = semantic(Some(model), None);
    let report = search.embed_catalog(&catalog).unwrap();
    assert_eq!(report.embedded, catalog.len());
    assert!(search.status(&catalog).is_ready());
    let total = paraphrase_queries().len();
    let lexical = found(&search, &catalog, Ranking::Lexical, 3);
    let fused = found(&search, &catalog, Ranking::Fused, 3);
    eprintln!("top 3 of {total}: lexical {lexical}, fused {fused}");
    assert!(fused > lexical, "fused {fused} vs lexical {lexical}");
    assert!(fused * 4 >= total * 3, "fused {fused} of {total}");
    // The default ranking is the fused one once the catalog is embedded.
    let hits = search
        .search(
            &catalog,
            "will it rain tomorrow in Paris",
            DetailLevel::Name,
            3,
        )
        .unwrap();
    assert_eq!(hits[0].name, "get_weather");
    // A query naming a tool outright still puts that tool first.
    let hits = search
        .search(&catalog, "fetch", DetailLevel::Name, 3)
        .unwrap();
    assert_eq!(
        (hits[0].server.as_str(), hits[0].name.as_str()),
        ("fetch", "fetch")
    );
}

#[test]
fn a_catalog_change_re_embeds_only_the_changed_tools() {
    let Some(model) = locate_test_model() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("vtcode.db");
    let catalog = paraphrase_catalog();
    let first = semantic(
        Some(model.clone()),
        Some(Arc::new(Store::open(&db).unwrap())),
    );
    let report = first.embed_catalog(&catalog).unwrap();
    assert_eq!((report.embedded, report.cached), (catalog.len(), 0));
    drop(first);

    // A later run reads every vector back from the database.
    let store = Arc::new(Store::open(&db).unwrap());
    let again = semantic(Some(model), Some(Arc::clone(&store)));
    let report = again.embed_catalog(&catalog).unwrap();
    assert_eq!((report.embedded, report.cached), (0, catalog.len()));

    // One tool's description changes and one tool is added.
    let mut tools: Vec<CatalogTool> = catalog.tools().to_vec();
    let weather = tools.iter_mut().find(|t| t.name == "get_weather").unwrap();
    weather.description = Some("Weather now and the next days' forecast.".into());
    let mut added = tools[0].clone();
    added.name = "get_uv_index".into();
    added.description = Some("Ultraviolet index for a location.".into());
    tools.push(added);
    let changed = ToolCatalog::new(tools);
    let report = again.embed_catalog(&changed).unwrap();
    assert_eq!((report.embedded, report.cached), (2, catalog.len() - 1));
    let hits = again
        .search(&changed, "sunburn risk today", DetailLevel::Name, 3)
        .unwrap();
    assert!(hits.iter().any(|h| h.name == "get_uv_index"), "{hits:?}");
}

#[test]
fn embedding_runs_in_the_background_and_search_answers_lexically_meanwhile() {
    let Some(model) = locate_test_model() else {
        return;
    };
    let catalog = Arc::new(paraphrase_catalog());
    let search = semantic(Some(model), None);
    let query = "will it rain tomorrow in Paris";
    let lexical = catalog.search(query, DetailLevel::Name, 5).unwrap();
    search.prepare(Arc::clone(&catalog));
    // Not embedded yet (the model alone takes longer than this to load).
    assert!(!search.status(&catalog).is_ready());
    assert_eq!(
        search
            .search(&catalog, query, DetailLevel::Name, 5)
            .unwrap(),
        lexical
    );
    let deadline = Instant::now() + Duration::from_secs(120);
    while !search.status(&catalog).is_ready() {
        assert!(Instant::now() < deadline, "{}", search.status(&catalog));
        std::thread::sleep(Duration::from_millis(20));
    }
    let fused = search
        .search(&catalog, query, DetailLevel::Name, 5)
        .unwrap();
    assert_eq!(fused[0].name, "get_weather");
    assert_ne!(fused, lexical);
}

#[test]
fn without_model_files_search_is_lexical_and_says_how_to_install_the_model() {
    let empty = tempfile::tempdir().unwrap();
    let catalog = Arc::new(paraphrase_catalog());
    let search = semantic(Some(empty.path().to_path_buf()), None);
    search.prepare(Arc::clone(&catalog));
    let status = search.status(&catalog);
    assert!(
        matches!(&status, SemanticStatus::NoModel { missing, .. } if missing.len() == 3),
        "{status:?}"
    );
    let line = status.to_string();
    assert!(!line.contains('\n'));
    assert!(line.contains("lexical"), "{line}");
    assert!(line.contains("scripts/setup-model.sh"), "{line}");
    assert!(line.contains(&empty.path().display().to_string()), "{line}");
    for query in ["convert time between zones", "git log", "fetch"] {
        assert_eq!(
            search
                .search(&catalog, query, DetailLevel::Description, 5)
                .unwrap(),
            catalog.search(query, DetailLevel::Description, 5).unwrap(),
        );
    }
    let err = search.embed_catalog(&catalog).unwrap_err().to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("setup-model.sh"),
        "{err}"
    );

    let off = SemanticSearch::new(
        &SearchConfig {
            semantic: false,
            model_path: None,
        },
        None,
    );
    assert_eq!(off.status(&catalog), SemanticStatus::Disabled);
    assert!(
        off.status(&catalog)
            .to_string()
            .contains("semantic = false")
    );
}
