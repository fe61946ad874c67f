//! Search ranking against the real mcp-server-time and mcp-server-git tool
//! lists, and a multilingual fixture catalog.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use serde_json::json;
use vtcode_core::catalog::{CatalogTool, DetailLevel, SearchError, ToolCatalog};

fn top(catalog: &ToolCatalog, query: &str) -> String {
    let hits = catalog.search(query, DetailLevel::Name, 5).unwrap();
    let hit = hits
        .first()
        .unwrap_or_else(|| panic!("no hit for {query:?}"));
    format!("{}.{}", hit.server, hit.name)
}

fn multilingual() -> ToolCatalog {
    ToolCatalog::from_json_file(catalog_support::fixture("catalogs/multilingual.json")).unwrap()
}

#[test]
fn time_queries_rank_the_right_tool_first() {
    let catalog = catalog_support::reference_catalog();
    assert_eq!(
        top(&catalog, "convert a time between timezones"),
        "time.convert_time"
    );
    assert_eq!(
        top(&catalog, "current time in a timezone"),
        "time.get_current_time"
    );
}

#[test]
fn git_queries_rank_the_right_tool_first() {
    let catalog = catalog_support::reference_catalog();
    assert_eq!(top(&catalog, "git commit changes"), "git.git_commit");
    assert_eq!(
        top(&catalog, "show diff of staged files"),
        "git.git_diff_staged"
    );
    assert_eq!(
        top(&catalog, "create a new branch"),
        "git.git_create_branch"
    );
    assert_eq!(
        top(&catalog, "switch to another branch"),
        "git.git_checkout"
    );
}

#[test]
fn names_match_in_any_convention_and_with_typos() {
    let catalog = catalog_support::reference_catalog();
    // Exact, qualified, camelCase, kebab-case and partial names.
    assert_eq!(top(&catalog, "git_log"), "git.git_log");
    assert_eq!(top(&catalog, "time.convert_time"), "time.convert_time");
    assert_eq!(top(&catalog, "gitCreateBranch"), "git.git_create_branch");
    assert_eq!(top(&catalog, "git-diff-unstaged"), "git.git_diff_unstaged");
    assert_eq!(top(&catalog, "diff_unstaged"), "git.git_diff_unstaged");
    assert_eq!(top(&catalog, "checkout"), "git.git_checkout");
    // Typos and prefixes of vocabulary words.
    assert_eq!(top(&catalog, "comit"), "git.git_commit");
    assert_eq!(top(&catalog, "chekout branch"), "git.git_checkout");
    assert_eq!(top(&catalog, "conv timezone"), "time.convert_time");
    // A misspelt word whose stem differs from the real word's ("staging" stems to "stage").
    assert_eq!(top(&catalog, "stagng area"), "git.git_add");
    // Parameter names count too.
    assert_eq!(top(&catalog, "max_count"), "git.git_log");
}

#[test]
fn non_latin_descriptions_are_searchable() {
    let catalog = multilingual();
    assert_eq!(top(&catalog, "天气预报"), "weather-cn.get_forecast");
    assert_eq!(top(&catalog, "空气质量"), "weather-cn.air_quality");
    assert_eq!(top(&catalog, "北京的天气"), "weather-cn.get_forecast");
    assert_eq!(top(&catalog, "文書を検索"), "docs-ja.search_documents");
    assert_eq!(top(&catalog, "英語に翻訳"), "docs-ja.translate_text");
    assert_eq!(top(&catalog, "курс валют"), "finance-ru.exchange_rate");
    assert_eq!(top(&catalog, "read file"), "files.readFile");
    assert_eq!(top(&catalog, "list_directory"), "files.list-directory");
}

#[test]
fn detail_levels_return_only_what_was_asked() {
    let catalog = catalog_support::reference_catalog();
    let name = catalog.search("timezone", DetailLevel::Name, 1).unwrap();
    let value = serde_json::to_value(&name).unwrap();
    let keys: Vec<&String> = value[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["server", "name", "score"]);

    let described = catalog
        .search("convert time", DetailLevel::Description, 1)
        .unwrap();
    assert_eq!(
        described[0].description.as_deref(),
        Some("Convert time between timezones")
    );
    assert!(described[0].input_schema.is_none());

    let full = catalog
        .search("convert time", DetailLevel::Full, 1)
        .unwrap();
    let tool = catalog.get("time", "convert_time").unwrap();
    assert_eq!(full[0].input_schema.as_ref(), Some(&tool.input_schema));
    assert_eq!(full[0].output_schema, tool.output_schema);
    let value = serde_json::to_value(&full[0]).unwrap();
    assert!(value.get("input_schema").is_some() && value.get("output_schema").is_some());

    // A multi-line description is cut to its first line.
    let cn = multilingual()
        .search("天气预报", DetailLevel::Description, 1)
        .unwrap();
    assert_eq!(
        cn[0].description.as_deref(),
        Some("查询指定城市未来七天的天气预报")
    );
}

#[test]
fn limit_empty_queries_and_misses() {
    let catalog = catalog_support::reference_catalog();
    assert_eq!(
        catalog.search("git", DetailLevel::Name, 3).unwrap().len(),
        3
    );
    assert!(catalog.search("git", DetailLevel::Name, 100).unwrap().len() >= 12);
    assert_eq!(
        catalog.search("   ", DetailLevel::Name, 3),
        Err(SearchError::EmptyQuery)
    );
    assert_eq!(
        catalog.search("git", DetailLevel::Name, 0),
        Err(SearchError::ZeroLimit)
    );
    assert!(SearchError::EmptyQuery.to_string().contains("empty"));
    assert!(
        catalog
            .search("xylophone", DetailLevel::Name, 5)
            .unwrap()
            .is_empty()
    );
    assert_eq!("full".parse::<DetailLevel>(), Ok(DetailLevel::Full));
    assert!("everything".parse::<DetailLevel>().is_err());
}

#[test]
fn ranking_is_deterministic_and_ties_break_by_server_then_name() {
    let tool = |server: &str, name: &str| CatalogTool {
        server: server.into(),
        name: name.into(),
        title: None,
        description: Some("Fetch a web page".into()),
        input_schema: json!({"type": "object", "properties": {"url": {"type": "string"}}}),
        output_schema: None,
        annotations: None,
        builtin: false,
    };
    let catalog = ToolCatalog::new(vec![
        tool("zeta", "fetch"),
        tool("alpha", "fetch"),
        tool("mid", "fetch"),
    ]);
    let hits = catalog
        .search("fetch web page", DetailLevel::Name, 10)
        .unwrap();
    let order: Vec<&str> = hits.iter().map(|h| h.server.as_str()).collect();
    assert_eq!(order, ["alpha", "mid", "zeta"]);
    assert!(hits.windows(2).all(|w| w[0].score == w[1].score));

    let real = catalog_support::reference_catalog();
    let first = real.search("show changes", DetailLevel::Full, 20).unwrap();
    let again = real.search("show changes", DetailLevel::Full, 20).unwrap();
    assert_eq!(first, again);
    assert!(first.windows(2).all(|w| w[0].score >= w[1].score));
}
