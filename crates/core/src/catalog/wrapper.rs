//! The single-`result` wrapper. MCP requires structured tool output to be a
//! JSON object, so Python MCP servers wrap any other return type (a string,
//! a list, an int) as `{"result": value}` and advertise an outputSchema of the
//! shape `{"type": "object", "properties": {"result": T}, "required":
//! ["result"], "title": "<function>Output"}` (mcp 2.x `MCPServer`, and FastMCP
//! before it). FastMCP 2 additionally marks it with `x-fastmcp-wrap-result`.
//! The host unwraps such results so code sees `T`, and the SDK types the
//! return as `T`.

use serde_json::Value;

/// True when `output_schema` is the `{"result": T}` wrapper described above.
///
/// A tool whose real return type is an object with a single `result` field
/// looks the same on the wire; the title tells them apart (the wrapper's is
/// `<function>Output`, a user model keeps its own class name).
pub fn is_result_wrapper(output_schema: &Value) -> bool {
    let Some(schema) = output_schema.as_object() else {
        return false;
    };
    if schema.get("x-fastmcp-wrap-result") == Some(&Value::Bool(true)) {
        return true;
    }
    if schema.get("type").and_then(Value::as_str) != Some("object") {
        return false;
    }
    let only_result_property = schema
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| p.len() == 1 && p.contains_key("result"));
    let requires_result = schema
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.len() == 1 && r[0] == "result");
    let generated_title = match schema.get("title") {
        None => true,
        Some(title) => title.as_str().is_some_and(|t| t.ends_with("Output")),
    };
    only_result_property && requires_result && generated_title
}

/// The value code should see: `value["result"]` for a wrapper schema whose
/// value has that field, otherwise `value` unchanged.
pub fn unwrap_result(output_schema: &Value, value: Value) -> Value {
    if !is_result_wrapper(output_schema) {
        return value;
    }
    match value {
        Value::Object(mut map) if map.len() == 1 && map.contains_key("result") => {
            map.remove("result").unwrap_or(Value::Null)
        }
        other => other,
    }
}

/// The schema of the unwrapped value (`T`), or `output_schema` itself when it
/// is not a wrapper.
pub fn unwrapped_schema(output_schema: &Value) -> &Value {
    if is_result_wrapper(output_schema)
        && let Some(inner) = output_schema.pointer("/properties/result")
    {
        return inner;
    }
    output_schema
}
