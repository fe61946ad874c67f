//! Content hashes. A tool's hash covers what code calling it depends on
//! (name, description, schemas); the catalog hash covers every tool and is
//! independent of the order tools were listed in. Both hash a canonical JSON
//! form (object keys sorted) so key order in a server's schema never matters.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::CatalogTool;

/// Sha256 (hex) of one tool's name, description and schemas.
pub fn tool_schema_hash(tool: &CatalogTool) -> String {
    let mut text = String::new();
    canonical(&Value::String(tool.name.clone()), &mut text);
    text.push('\n');
    if let Some(description) = &tool.description {
        canonical(&Value::String(description.clone()), &mut text);
    }
    text.push('\n');
    canonical(&tool.input_schema, &mut text);
    text.push('\n');
    if let Some(output) = &tool.output_schema {
        canonical(output, &mut text);
    }
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Sha256 (hex) over the sorted tools: server, name, builtin flag and schema hash.
pub(super) fn catalog_hash(sorted: &[CatalogTool], schema_hashes: &[String]) -> String {
    let mut hasher = Sha256::new();
    for (tool, schema_hash) in sorted.iter().zip(schema_hashes) {
        let mut line = String::new();
        canonical(&Value::String(tool.server.clone()), &mut line);
        line.push(' ');
        canonical(&Value::String(tool.name.clone()), &mut line);
        line.push_str(if tool.builtin { " builtin " } else { " mcp " });
        line.push_str(schema_hash);
        line.push('\n');
        hasher.update(line.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// Compact JSON with object keys in sorted order.
fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(&Value::String(key.clone()), out);
                out.push(':');
                if let Some(v) = map.get(key) {
                    canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
