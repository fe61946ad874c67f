//! What single JSON Schema keywords say, read the same way for both sides
//! of a comparison: the types a schema admits, its allowed values, its
//! required names, and the schema behind a `$ref` or a nullable wrapper.

use std::collections::BTreeSet;

use serde_json::Value;

/// Deeper than this, a schema is taken to be recursive and not walked on.
pub(super) const MAX_DEPTH: usize = 32;

/// Follows local `$ref`s (`#/$defs/Name`) to the schema they name.
pub(super) fn resolve<'v>(root: &'v Value, mut value: &'v Value) -> &'v Value {
    for _ in 0..MAX_DEPTH {
        let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer))
        else {
            break;
        };
        value = target;
    }
    value
}

/// The schema that describes the value when it is present: `X` for
/// `anyOf: [X, {type: null}]`, the schema itself otherwise.
pub(super) fn core<'v>(root: &'v Value, value: &'v Value) -> &'v Value {
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = value.get(key).and_then(Value::as_array) {
            let present: Vec<&Value> = branches.iter().filter(|b| !is_null_type(b)).collect();
            if let [only] = present.as_slice() {
                return resolve(root, only);
            }
        }
    }
    value
}

fn is_null_type(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// The JSON types a schema admits; `None` when it admits any.
pub(super) fn types(root: &Value, value: &Value, depth: usize) -> Option<BTreeSet<String>> {
    match value.get("type") {
        Some(Value::String(name)) => return Some(BTreeSet::from([name.clone()])),
        Some(Value::Array(names)) => {
            return Some(
                names
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            );
        }
        _ => {}
    }
    if depth > MAX_DEPTH {
        return None;
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = value.get(key).and_then(Value::as_array) {
            let mut all = BTreeSet::new();
            for branch in branches {
                all.extend(types(root, resolve(root, branch), depth + 1)?);
            }
            return Some(all);
        }
    }
    None
}

/// Whether every type in `small` is admitted by `big` (an integer is a number).
pub(super) fn covers(big: &BTreeSet<String>, small: &BTreeSet<String>) -> bool {
    small
        .iter()
        .all(|t| big.contains(t) || (t == "integer" && big.contains("number")))
}

pub(super) fn type_name(types: Option<&BTreeSet<String>>) -> String {
    match types {
        None => "any".to_owned(),
        Some(types) => types
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

pub(super) fn allowed_values(schema: &Value) -> Option<Vec<&Value>> {
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return Some(values.iter().collect());
    }
    schema.get("const").map(|value| vec![value])
}

pub(super) fn list(values: &[&Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) fn has_object_keywords(schema: &Value) -> bool {
    schema.get("properties").is_some() || schema.get("required").is_some()
}

pub(super) fn required(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A schema without the words that describe it, for comparing shapes.
pub(super) fn strip_notes(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !matches!(key.as_str(), "description" | "title"))
                .map(|(key, value)| (key.clone(), strip_notes(value)))
                .collect(),
        ),
        other => other.clone(),
    }
}
