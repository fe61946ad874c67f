//! The generated Python SDK, imported and called by the test Python with a
//! recording `_vtcode` bridge in place of the sandbox's.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use std::path::Path;

use serde_json::{Value, json};
use vtcode_core::catalog::{CatalogTool, ToolCatalog};
use vtcode_core::sdk::{self, SdkLanguage};

/// A `_vtcode` module that records calls and echoes them back.
const BRIDGE: &str = r#"
class ToolError(Exception):
    pass

def call_tool(server, tool, args):
    return {"server": server, "tool": tool, "args": args}
"#;

fn generate(catalog: &ToolCatalog, dir: &Path) -> sdk::SdkReport {
    std::fs::write(dir.join("_vtcode.py"), BRIDGE).unwrap();
    sdk::generate(catalog, SdkLanguage::Python, dir).unwrap()
}

/// Runs `body` after `import json, inspect, typing, sys` with the SDK on the path.
fn python(dir: &Path, body: &str) -> Value {
    let script = format!(
        "import json, inspect, typing, sys, importlib\nsys.path.insert(0, {:?})\n{body}",
        dir.to_str().unwrap()
    );
    let out = catalog_support::run_python(&script, dir);
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn git_sdk_signatures_match_the_schemas_and_calls_omit_unset_optionals() {
    let catalog = catalog_support::reference_catalog();
    let dir = tempfile::tempdir().unwrap();
    let report = generate(&catalog, dir.path());
    assert_eq!(report.servers, 2);
    assert!(
        report.renamed.is_empty() && report.untyped.is_empty(),
        "{report:?}"
    );

    let git: Vec<&CatalogTool> = catalog
        .tools()
        .iter()
        .filter(|t| t.server == "git")
        .collect();
    let names: Vec<&str> = git.iter().map(|t| t.name.as_str()).collect();
    // For each function: its parameters (name, kind, default) and the call
    // made with dummy values for the required parameters only.
    let result = python(
        dir.path(),
        &format!(
            r#"
import servers.git as git
out = {{}}
for name in {names:?}:
    fn = getattr(git, name)
    sig = inspect.signature(fn)
    params = [[p.name, p.kind.name, None if p.default is inspect.Parameter.empty else repr(p.default)]
              for p in sig.parameters.values()]
    required = {{p.name: "x" for p in sig.parameters.values() if p.default is inspect.Parameter.empty}}
    out[name] = {{"params": params, "call": fn(**required), "doc": fn.__doc__}}
print(json.dumps(out))
"#
        ),
    );

    for tool in git {
        let got = &result[&tool.name];
        let schema = &tool.input_schema;
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let properties = schema["properties"].as_object().unwrap();
        let mut expected_params = Vec::new();
        let mut expected_args = serde_json::Map::new();
        for (name, _) in properties
            .iter()
            .filter(|(n, _)| required.contains(&n.as_str()))
        {
            expected_params.push(json!([name, "POSITIONAL_OR_KEYWORD", null]));
            expected_args.insert(name.clone(), json!("x"));
        }
        for (name, property) in properties
            .iter()
            .filter(|(n, _)| !required.contains(&n.as_str()))
        {
            let default = property.get("default").cloned().unwrap_or(Value::Null);
            let repr = match &default {
                Value::Null => "None".to_string(),
                other => other.to_string(),
            };
            expected_params.push(json!([name, "KEYWORD_ONLY", repr]));
            if !default.is_null() {
                expected_args.insert(name.clone(), default);
            }
        }
        assert_eq!(
            got["params"],
            Value::Array(expected_params),
            "{}",
            tool.name
        );
        assert_eq!(
            got["call"],
            json!({"server": "git", "tool": tool.name, "args": expected_args}),
            "{}",
            tool.name
        );
        let description = tool.description.as_deref().unwrap();
        assert!(
            got["doc"].as_str().unwrap().starts_with(description),
            "{}",
            got["doc"]
        );
    }

    // Parameter descriptions reach the docstring.
    let doc = result["git_branch"]["doc"].as_str().unwrap();
    assert!(
        doc.contains("contains: The commit sha that branch should contain."),
        "{doc}"
    );
    let readme = std::fs::read_to_string(dir.path().join("servers/git/README.md")).unwrap();
    assert_eq!(
        readme.lines().filter(|l| l.starts_with("- `git_")).count(),
        names.len()
    );
    assert!(readme.contains("- `git_log(repo_path, max_count=..., start_timestamp=..., end_timestamp=...)`: Shows the commit logs"), "{readme}");
}

#[test]
fn return_types_come_from_output_schemas() {
    let catalog = catalog_support::reference_catalog();
    let dir = tempfile::tempdir().unwrap();
    generate(&catalog, dir.path());
    let result = python(
        dir.path(),
        r#"
from servers.time import get_current_time, convert_time
import servers.time.convert_time as convert_module
hints = typing.get_type_hints(get_current_time)
result = hints["return"]
conv = typing.get_type_hints(convert_time)["return"]
source = typing.get_type_hints(conv)["source"]
print(json.dumps({
    "current": [result.__name__, sorted(result.__required_keys__), typing.get_type_hints(result)["is_dst"].__name__],
    "convert": [conv.__name__, sorted(conv.__required_keys__), source.__name__, sorted(source.__required_keys__)],
    "timezone": typing.get_type_hints(get_current_time)["timezone"].__name__,
}))
"#,
    );
    assert_eq!(
        result["current"],
        json!([
            "GetCurrentTimeResult",
            ["datetime", "day_of_week", "is_dst", "timezone"],
            "bool"
        ])
    );
    assert_eq!(result["convert"][0], "ConvertTimeResult");
    assert_eq!(
        result["convert"][1],
        json!(["source", "target", "time_difference"])
    );
    assert_eq!(result["convert"][2], "TimeResult");
    assert_eq!(result["timezone"], "str");
}

fn odd_tool(name: &str, input_schema: Value, output_schema: Option<Value>) -> CatalogTool {
    CatalogTool {
        server: "my-server".into(),
        name: name.into(),
        title: None,
        description: Some(format!(
            "Tool \"{name}\" with a \\ backslash and \"\"\" quotes */"
        )),
        input_schema,
        output_schema,
        annotations: None,
        builtin: false,
    }
}

/// Tool and parameter names that are not identifiers, plus a builtin tool,
/// an invalid schema and a wrapped result.
pub fn odd_catalog() -> ToolCatalog {
    let object = json!({"type": "object", "properties": {}});
    let mut tools: Vec<CatalogTool> = [
        "class", "import", "get-time", "get_time", "1st", "a.b", "天气", "delete", "Any", "index",
    ]
    .iter()
    .map(|n| odd_tool(n, object.clone(), None))
    .collect();
    tools.push(odd_tool(
        "params",
        json!({
            "type": "object",
            "properties": {
                "from": {"type": "string"},
                "my-param": {"type": "integer", "default": 3},
                "my_param": {"type": "integer"},
                "_args": {"type": "array", "items": {"enum": ["a", "b"]}},
                "flag": {"type": ["boolean", "null"], "default": false}
            },
            "required": ["from"]
        }),
        Some(json!({"type": "object", "properties": {"result": {"type": "integer"}}, "required": ["result"], "title": "paramsOutput"})),
    ));
    tools.push(odd_tool("loose", json!({"type": "strnig"}), None));
    let mut grep = odd_tool("grep", object, None);
    grep.builtin = true;
    tools.push(grep);
    ToolCatalog::new(tools)
}

#[test]
fn unsafe_names_become_unique_identifiers_and_calls_keep_the_original_names() {
    let catalog = odd_catalog();
    let dir = tempfile::tempdir().unwrap();
    let report = generate(&catalog, dir.path());
    assert_eq!(report.skipped_builtin, 1);
    assert_eq!(report.untyped, ["my-server.loose"]);
    let sdk_names: Vec<(&str, &str)> = report
        .renamed
        .iter()
        .map(|r| (r.tool.as_str(), r.sdk_name.as_str()))
        .collect();
    for expected in [
        ("class", "my_server.class_"),
        ("import", "my_server.import_"),
        ("get-time", "my_server.get_time_2"),
        ("1st", "my_server._1st"),
        ("a.b", "my_server.a_b"),
        ("delete", "my_server.delete_"),
        ("Any", "my_server.Any_2"),
        ("index", "my_server.index_2"),
    ] {
        assert!(
            sdk_names.contains(&expected),
            "{expected:?} not in {sdk_names:?}"
        );
    }
    assert!(!dir.path().join("servers/my_server/grep.py").exists());

    let calls: Vec<String> = report
        .renamed
        .iter()
        .map(|r| r.sdk_name.trim_start_matches("my_server.").to_string())
        .chain(["get_time".to_string()])
        .collect();
    let result = python(
        dir.path(),
        &format!(
            r#"
import servers.my_server as s
calls = {{name: getattr(s, name)()["tool"] for name in {calls:?} if name not in ("params", "loose")}}
sig = inspect.signature(s.params)
print(json.dumps({{
    "calls": calls,
    "params": list(sig.parameters),
    "call": s.params("v", my_param_2=None, my_param=1)["args"],
    "return": s.params.__annotations__["return"],
    "loose": s.loose(a=1, b=None)["args"],
    "all": sorted(s.__all__),
}}))
"#
        ),
    );
    for renamed in &report.renamed {
        let ident = renamed.sdk_name.trim_start_matches("my_server.");
        if ident != "params" && ident != "loose" {
            assert_eq!(result["calls"][ident], renamed.tool, "{ident}");
        }
    }
    assert_eq!(result["calls"]["get_time"], "get_time");
    // Required first; `my_param` is already safe so it keeps its name and
    // `my-param` gets a suffix; `_args` is taken by the function body.
    assert_eq!(
        result["params"],
        json!(["from_", "my_param_2", "my_param", "_args_2", "flag"])
    );
    assert_eq!(
        result["call"],
        json!({"from": "v", "my_param": 1, "flag": false})
    );
    assert_eq!(result["return"], "int");
    assert_eq!(result["loose"], json!({"a": 1}));
    assert!(!result["all"].as_array().unwrap().contains(&json!("grep")));
}
