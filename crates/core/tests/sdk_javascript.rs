//! The generated JavaScript SDK: every file passes `node --check`, and the
//! modules import and call a recording `_vtcode` bridge.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};
use vtcode_core::catalog::{CatalogTool, ToolCatalog};
use vtcode_core::sdk::{self, SdkLanguage};

fn node() -> PathBuf {
    let candidates = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("node"))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .expect("node not found on PATH: install Node.js to test the JavaScript SDK")
}

fn js_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            js_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "js") {
            out.push(path);
        }
    }
}

/// A resolvable `_vtcode` package whose call_tool echoes its arguments.
fn install_bridge(dir: &Path) {
    let package = dir.join("node_modules/_vtcode");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::write(
        package.join("package.json"),
        r#"{"name": "_vtcode", "type": "module", "main": "index.js"}"#,
    )
    .unwrap();
    std::fs::write(
        package.join("index.js"),
        "export class ToolError extends Error {}\nexport async function call_tool(server, tool, args) { return { server, tool, args }; }\n",
    )
    .unwrap();
}

fn run_node(dir: &Path, script: &str) -> Value {
    let path = dir.join("check.mjs");
    std::fs::write(&path, script).unwrap();
    let output = catalog_support::run_with_timeout(
        Command::new(node()).arg(&path).current_dir(dir),
        Duration::from_secs(30),
    );
    assert!(
        output.status.success(),
        "node failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn check_all(catalog: &ToolCatalog) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let report = sdk::generate(catalog, SdkLanguage::Javascript, dir.path()).unwrap();
    let mut files = Vec::new();
    js_files(dir.path(), &mut files);
    assert_eq!(
        files.len(),
        report.tools + report.servers,
        "one module per tool plus index.js"
    );
    for file in files {
        let output = catalog_support::run_with_timeout(
            Command::new(node()).arg("--check").arg(&file),
            Duration::from_secs(30),
        );
        assert!(
            output.status.success(),
            "node --check {}: {}",
            file.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    install_bridge(dir.path());
    dir
}

#[test]
fn reference_servers_sdk_passes_node_check_and_calls_the_bridge() {
    let catalog = catalog_support::reference_catalog();
    let dir = check_all(&catalog);
    let result = run_node(
        dir.path(),
        r#"
import * as git from "./servers/git/index.js";
import { convert_time } from "./servers/time/index.js";
const log = await git.git_log({ repo_path: "/repo", max_count: undefined, start_timestamp: "yesterday" });
const conv = await convert_time({ source_timezone: "UTC", time: "12:00", target_timezone: "Asia/Tokyo" });
console.log(JSON.stringify({ log, conv, exported: Object.keys(git).sort() }));
"#,
    );
    assert_eq!(
        result["log"],
        json!({"server": "git", "tool": "git_log", "args": {"repo_path": "/repo", "start_timestamp": "yesterday"}})
    );
    assert_eq!(result["conv"]["tool"], "convert_time");
    assert_eq!(result["exported"].as_array().unwrap().len(), 12);

    let dts =
        std::fs::read_to_string(dir.path().join("servers/time/get_current_time.d.ts")).unwrap();
    assert!(
        dts.contains("export interface GetCurrentTimeResult {"),
        "{dts}"
    );
    assert!(dts.contains("  is_dst: boolean;"), "{dts}");
    assert!(dts.contains("export declare function get_current_time(args: GetCurrentTimeArgs): Promise<GetCurrentTimeResult>;"), "{dts}");
    let index_dts = std::fs::read_to_string(dir.path().join("servers/time/index.d.ts")).unwrap();
    assert!(index_dts.contains("export { convert_time } from \"./convert_time.js\";"));
}

#[test]
fn unsafe_names_work_in_javascript() {
    let tool = |name: &str, input_schema: Value| CatalogTool {
        server: "odd".into(),
        name: name.into(),
        title: None,
        description: Some("Ends a comment */ and has `backticks` and ${template}".into()),
        input_schema,
        output_schema: Some(
            json!({"type": "object", "properties": {"result": {"type": "array", "items": {"type": "string"}}}, "required": ["result"], "title": "xOutput"}),
        ),
        annotations: None,
        builtin: false,
    };
    let empty = json!({"type": "object", "properties": {}});
    let catalog = ToolCatalog::new(vec![
        tool("delete", empty.clone()),
        tool("new", empty.clone()),
        tool("get-time", empty.clone()),
        tool("get_time", empty.clone()),
        tool("1st", empty.clone()),
        tool("a.b", empty.clone()),
        tool("日本", empty.clone()),
        tool(
            "keys",
            json!({"type": "object", "properties": {"my-key": {"type": "string"}, "class": {"type": "integer"}}, "required": ["my-key"]}),
        ),
        tool("loose", json!({"type": "strnig"})),
    ]);
    let dir = check_all(&catalog);
    let result = run_node(
        dir.path(),
        r#"
import * as odd from "./servers/odd/index.js";
const names = Object.keys(odd).sort();
const calls = {};
for (const name of names) calls[name] = (await odd[name]({})).tool;
const keys = await odd.keys({ "my-key": "v", class: 2 });
const loose = await odd.loose({ a: 1, b: undefined });
console.log(JSON.stringify({ names, calls, keys: keys.args, loose: loose.args }));
"#,
    );
    assert_eq!(
        result["calls"],
        json!({
            "_1st": "1st", "a_b": "a.b", "delete_": "delete", "get_time": "get_time",
            "get_time_2": "get-time", "keys": "keys", "loose": "loose", "new_": "new",
            "u65e5_u672c_": "日本"
        })
    );
    assert_eq!(result["keys"], json!({"my-key": "v", "class": 2}));
    assert_eq!(result["loose"], json!({"a": 1}));
    let dts = std::fs::read_to_string(dir.path().join("servers/odd/keys.d.ts")).unwrap();
    assert!(
        dts.contains("  \"my-key\": string;") && dts.contains("  class?: number;"),
        "{dts}"
    );
    assert!(
        dts.contains("Promise<Array<string>>"),
        "wrapper result is unwrapped: {dts}"
    );
}
