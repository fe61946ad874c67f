//! Loading catalogs (both file shapes, real servers' tools/list), the
//! problems a catalog reports, hashes, lookups and the result wrapper.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use serde_json::{Value, json};
use vtcode_core::catalog::{
    CatalogError, CatalogTool, CatalogWarning, LookupError, ToolCatalog, is_result_wrapper,
    unwrap_result,
};

fn tool(server: &str, name: &str, input_schema: Value) -> CatalogTool {
    CatalogTool {
        server: server.into(),
        name: name.into(),
        title: None,
        description: Some(format!("The {name} tool")),
        input_schema,
        output_schema: None,
        annotations: None,
        builtin: false,
    }
}

fn object_schema() -> Value {
    json!({"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]})
}

fn write(dir: &tempfile::TempDir, text: &str) -> std::path::PathBuf {
    let path = dir.path().join("catalog.json");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn real_servers_load_from_a_tools_list_catalog_file() {
    let catalog = catalog_support::reference_catalog();
    assert_eq!(catalog.servers(), ["git", "time"]);
    assert!(catalog.len() >= 14, "{} tools", catalog.len());
    let convert = catalog.get("time", "convert_time").unwrap();
    assert_eq!(
        convert.description.as_deref(),
        Some("Convert time between timezones")
    );
    assert!(convert.output_schema.is_some());
    assert_eq!(convert.annotations.as_ref().unwrap()["readOnlyHint"], true);
    assert!(catalog.warnings().is_empty(), "{:?}", catalog.warnings());
    assert!(catalog.has_valid_input_schema("git", "git_log"));
    // Sorted by (server, name).
    let names: Vec<String> = catalog.tools().iter().map(|t| t.qualified_name()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn array_file_loads_with_builtin_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        &dir,
        r#"[
          {"server": "files", "name": "read", "description": "Read a file", "inputSchema": {"type": "object"}},
          {"server": "vtcode", "name": "grep", "inputSchema": {"type": "object"}, "builtin": true,
           "outputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}}
        ]"#,
    );
    let catalog = ToolCatalog::from_json_file(&path).unwrap();
    assert_eq!(catalog.len(), 2);
    assert!(catalog.get("vtcode", "grep").unwrap().builtin);
    assert!(!catalog.get("files", "read").unwrap().builtin);
}

#[test]
fn file_errors_name_the_file_the_position_and_the_expected_shape() {
    let dir = tempfile::tempdir().unwrap();

    let path = write(
        &dir,
        "[\n  {\"server\": \"a\", \"name\": \"b\",\n  \"inputSchema\": {}\n  ,]\n",
    );
    let err = ToolCatalog::from_json_file(&path).unwrap_err();
    let CatalogError::Parse { line, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(*line, 4);
    let message = err.to_string();
    assert!(message.contains("catalog.json:4:"), "{message}");
    assert!(message.contains("expected an array of tools"), "{message}");

    let path = write(&dir, "[{\"server\": \"a\", \"name\": \"b\"}]");
    let message = ToolCatalog::from_json_file(&path).unwrap_err().to_string();
    assert!(message.contains("missing field `inputSchema`"), "{message}");
    assert!(message.contains(":1:"), "{message}");

    let path = write(&dir, "{\"time\": {\"tool\": []}}");
    let message = ToolCatalog::from_json_file(&path).unwrap_err().to_string();
    assert!(message.contains("missing field `tools`"), "{message}");
    assert!(message.contains("tools/list result"), "{message}");

    let path = write(&dir, "\n\n  \"just a string\"");
    let message = ToolCatalog::from_json_file(&path).unwrap_err().to_string();
    assert!(message.contains("catalog.json:3:3"), "{message}");

    let missing = dir.path().join("nope.json");
    let message = ToolCatalog::from_json_file(&missing)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("nope.json") && message.contains("cannot read"),
        "{message}"
    );
}

#[test]
fn invalid_schemas_and_shared_names_are_warnings_not_errors() {
    let catalog = ToolCatalog::new(vec![
        tool("a", "search", object_schema()),
        tool("b", "search", object_schema()),
        tool("b", "broken", json!({"type": "strnig"})),
        tool("b", "broken", object_schema()),
    ]);
    let warnings = catalog.warnings();
    assert!(warnings.contains(&CatalogWarning::SharedToolName {
        tool: "search".into(),
        servers: vec!["a".into(), "b".into()],
    }));
    assert!(warnings.contains(&CatalogWarning::DuplicateTool {
        server: "b".into(),
        tool: "broken".into()
    }));
    let invalid = warnings
        .iter()
        .find(|w| matches!(w, CatalogWarning::InvalidInputSchema { .. }))
        .expect("invalid schema warning");
    assert!(
        invalid
            .to_string()
            .contains("b.broken: inputSchema is not valid JSON Schema"),
        "{invalid}"
    );
    // The broken tool (first listed wins) stays searchable but untyped.
    assert!(!catalog.has_valid_input_schema("b", "broken"));
    let hits = catalog
        .search("broken", vtcode_core::catalog::DetailLevel::Name, 5)
        .unwrap();
    assert_eq!(hits[0].name, "broken");
    // Both `search` tools are reachable by their qualified names.
    assert!(catalog.lookup("a.search").is_ok() && catalog.lookup("b.search").is_ok());
    let ambiguous = catalog.lookup("search").unwrap_err();
    assert!(matches!(ambiguous, LookupError::Ambiguous { .. }));
    assert!(
        ambiguous.to_string().contains("a.search, b.search"),
        "{ambiguous}"
    );
}

#[test]
fn lookup_suggests_the_closest_name() {
    let catalog = catalog_support::reference_catalog();
    assert_eq!(
        catalog.lookup("time.convert_time").unwrap().name,
        "convert_time"
    );
    assert_eq!(catalog.lookup("git_status").unwrap().server, "git");
    assert_eq!(
        catalog.closest("time.convert_tme").as_deref(),
        Some("time.convert_time")
    );
    assert_eq!(
        catalog.closest("git_comit").as_deref(),
        Some("git.git_commit")
    );
    assert_eq!(catalog.closest("zzzzzzzz"), None);
    let err = catalog.lookup("git.git_stats").unwrap_err().to_string();
    assert!(err.contains("did you mean `git.git_status`"), "{err}");
}

#[test]
fn hashes_ignore_order_and_key_order_but_see_changes() {
    let a = tool("s", "a", object_schema());
    let b = tool("s", "b", object_schema());
    let one = ToolCatalog::new(vec![a.clone(), b.clone()]);
    let two = ToolCatalog::new(vec![b.clone(), a.clone()]);
    assert_eq!(one.hash(), two.hash());
    assert_eq!(one.hash().len(), 64);

    let reordered = tool(
        "s",
        "a",
        serde_json::from_str(r#"{"required": ["path"], "properties": {"path": {"type": "string"}}, "type": "object"}"#)
            .unwrap(),
    );
    assert_eq!(one.tool_schema_hash(&a), one.tool_schema_hash(&reordered));

    let mut changed = a.clone();
    changed.description = Some("Something else".into());
    assert_ne!(one.tool_schema_hash(&a), one.tool_schema_hash(&changed));
    assert_ne!(one.hash(), ToolCatalog::new(vec![changed, b]).hash());
}

#[test]
fn result_wrapper_matches_what_the_python_sdk_emits() {
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
import asyncio, json
from typing import TypedDict
from mcp.server.mcpserver import MCPServer

class Answer(TypedDict):
    result: int

server = MCPServer("w")

@server.tool()
def count(n: int) -> int:
    return n

@server.tool()
def names() -> list[str]:
    return []

@server.tool()
def answer() -> Answer:
    return {"result": 1}

@server.tool()
def point() -> dict[str, int]:
    return {}

async def main():
    tools = await server.list_tools()
    print(json.dumps({t.name: t.output_schema for t in tools}))

asyncio.run(main())
"#;
    let out = catalog_support::run_python(script, dir.path());
    let schemas: Value = serde_json::from_str(&out).unwrap();
    assert!(is_result_wrapper(&schemas["count"]), "{}", schemas["count"]);
    assert!(is_result_wrapper(&schemas["names"]), "{}", schemas["names"]);
    assert!(
        !is_result_wrapper(&schemas["answer"]),
        "{}",
        schemas["answer"]
    );
    assert!(
        !is_result_wrapper(&schemas["point"]),
        "{}",
        schemas["point"]
    );

    assert_eq!(
        unwrap_result(&schemas["count"], json!({"result": 3})),
        json!(3)
    );
    assert_eq!(
        unwrap_result(&schemas["answer"], json!({"result": 3})),
        json!({"result": 3})
    );
    // The time server's object results are not wrappers.
    let catalog = catalog_support::reference_catalog();
    let time = catalog.get("time", "get_current_time").unwrap();
    assert!(!is_result_wrapper(time.output_schema.as_ref().unwrap()));
}
