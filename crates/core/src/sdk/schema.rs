//! What both SDK languages read out of a tool's JSON Schemas: the parameter
//! list (required first, in schema order) and type expressions. Types are
//! rendered through [`TypeSyntax`], so Python and TypeScript share one walk
//! over the schema and differ only in spelling.
//!
//! Only what a reader of the signature needs is modelled: primitive types,
//! arrays, unions (`anyOf`/`oneOf`/`type: [...]`), enums and consts as
//! literals, local `$ref`s. Anything else is the language's "any" type; the
//! host validates arguments against the full schema anyway.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::names::{Namer, Syntax};

/// One parameter of a generated function.
pub(super) struct Param<'a> {
    /// The property name on the wire, used in the call.
    pub wire: &'a str,
    /// The identifier the language sees.
    pub ident: String,
    pub required: bool,
    pub default: Option<&'a Value>,
    pub schema: &'a Value,
    pub description: Option<&'a str>,
}

/// Parameters of a tool, or `None` when its inputSchema cannot give them
/// (invalid, or no `properties`): then the function takes free arguments.
pub(super) fn params<'a>(
    input_schema: &'a Value,
    schema_is_valid: bool,
    syntax: Syntax,
    reserved: &[&str],
) -> Option<Vec<Param<'a>>> {
    if !schema_is_valid {
        return None;
    }
    let properties = input_schema.get("properties")?.as_object()?;
    let required: Vec<&str> = input_schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut ordered: Vec<(&String, &Value, bool)> = properties
        .iter()
        .map(|(name, schema)| (name, schema, required.contains(&name.as_str())))
        .collect();
    // Stable: required first, each group in the server's property order.
    ordered.sort_by_key(|(_, _, required)| !*required);
    let raws: Vec<&str> = ordered.iter().map(|(n, _, _)| n.as_str()).collect();
    let idents = Namer::new(syntax, reserved).assign(&raws);
    Some(
        ordered
            .into_iter()
            .zip(idents)
            .map(|((wire, schema, required), ident)| Param {
                wire,
                ident,
                required,
                default: schema.get("default"),
                schema,
                description: schema.get("description").and_then(Value::as_str),
            })
            .collect(),
    )
}

/// How a language spells types.
pub(super) trait TypeSyntax {
    fn any(&self) -> String;
    fn null(&self) -> String;
    fn primitive(&self, json_type: &str) -> Option<String>;
    fn array(&self, item: String) -> String;
    fn map(&self) -> String;
    fn literal(&self, value: &Value) -> Option<String>;
    fn literals(&self, values: Vec<String>) -> String;
    fn union(&self, parts: Vec<String>) -> String;
    fn named(&self, name: &str) -> String;
}

/// Joins distinct parts; any part being `any` makes the whole `any`.
pub(super) fn union(parts: Vec<String>, any: &str, separator: &str) -> String {
    let mut distinct: Vec<String> = Vec::new();
    for part in parts {
        if part == any {
            return any.to_string();
        }
        if !distinct.contains(&part) {
            distinct.push(part);
        }
    }
    if distinct.is_empty() {
        return any.to_string();
    }
    distinct.join(separator)
}

/// Walks a schema; `root` resolves local `$ref`s and `named` maps `$defs`
/// names to generated types.
pub(super) struct TypeRenderer<'a, S: TypeSyntax> {
    pub syntax: &'a S,
    pub root: &'a Value,
    pub named: &'a BTreeMap<String, String>,
}

const MAX_DEPTH: usize = 6;

impl<S: TypeSyntax> TypeRenderer<'_, S> {
    pub fn render(&self, schema: &Value) -> String {
        self.render_at(schema, 0)
    }

    fn render_at(&self, schema: &Value, depth: usize) -> String {
        let Some(object) = schema.as_object() else {
            return self.syntax.any();
        };
        if depth > MAX_DEPTH {
            return self.syntax.any();
        }
        if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
            let def = def_name(reference);
            if let Some(name) = def.and_then(|d| self.named.get(d)) {
                return self.syntax.named(name);
            }
            return match self.root.pointer(reference.trim_start_matches('#')) {
                Some(target) if reference.starts_with('#') => self.render_at(target, depth + 1),
                _ => self.syntax.any(),
            };
        }
        if let Some(value) = object.get("const")
            && let Some(literal) = self.syntax.literal(value)
        {
            return self.syntax.literals(vec![literal]);
        }
        if let Some(values) = object.get("enum").and_then(Value::as_array) {
            let literals: Option<Vec<String>> =
                values.iter().map(|v| self.syntax.literal(v)).collect();
            if let Some(literals) = literals.filter(|l| !l.is_empty()) {
                return self.syntax.literals(literals);
            }
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(options) = object.get(key).and_then(Value::as_array) {
                let parts = options
                    .iter()
                    .map(|o| self.render_at(o, depth + 1))
                    .collect();
                return self.syntax.union(parts);
            }
        }
        if let Some([only]) = object
            .get("allOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        {
            return self.render_at(only, depth + 1);
        }
        match object.get("type") {
            Some(Value::String(t)) => self.render_type(t, object, depth),
            Some(Value::Array(types)) => {
                let parts = types
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|t| self.render_type(t, object, depth))
                    .collect();
                self.syntax.union(parts)
            }
            _ => self.syntax.any(),
        }
    }

    fn render_type(&self, json_type: &str, object: &Map<String, Value>, depth: usize) -> String {
        match json_type {
            "null" => self.syntax.null(),
            "array" => {
                let item = object
                    .get("items")
                    .map_or_else(|| self.syntax.any(), |i| self.render_at(i, depth + 1));
                self.syntax.array(item)
            }
            "object" => self.syntax.map(),
            other => self
                .syntax
                .primitive(other)
                .unwrap_or_else(|| self.syntax.any()),
        }
    }
}

/// `X` of `#/$defs/X` or `#/definitions/X`.
pub(super) fn def_name(reference: &str) -> Option<&str> {
    reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))
        .filter(|name| !name.contains('/'))
}

/// The object shape (properties and required names) of a schema that has one.
pub(super) struct ObjectShape<'a> {
    pub fields: Vec<(&'a str, &'a Value, bool)>,
}

pub(super) fn object_shape(schema: &Value) -> Option<ObjectShape<'_>> {
    let properties = schema.get("properties")?.as_object()?;
    if properties.is_empty() {
        return None;
    }
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    Some(ObjectShape {
        fields: properties
            .iter()
            .map(|(name, s)| (name.as_str(), s, required.contains(&name.as_str())))
            .collect(),
    })
}

/// `$defs` (or `definitions`) entries of `root` that are objects with
/// properties, in document order: these become named types.
pub(super) fn object_defs(root: &Value) -> Vec<(&str, &Value)> {
    ["$defs", "definitions"]
        .iter()
        .filter_map(|key| root.get(*key).and_then(Value::as_object))
        .flat_map(|defs| defs.iter())
        .filter(|(_, schema)| object_shape(schema).is_some())
        .map(|(name, schema)| (name.as_str(), schema))
        .collect()
}

/// `get_current-time` → `GetCurrentTime`, for type names.
pub(super) fn pascal_case(ident: &str) -> String {
    let mut out = String::new();
    for part in ident.split('_').filter(|p| !p.is_empty()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    out
}

/// The first line of `text`, for one-line listings.
pub(super) fn first_line(text: Option<&str>) -> &str {
    text.and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .unwrap_or("")
}

/// The types a tool's return value needs: named object types for the
/// outputSchema's `$defs` and for the result itself when it is an object.
pub(super) struct OutputTypes<'a> {
    pub root: &'a Value,
    /// `$defs` name → generated type name.
    pub named: BTreeMap<String, String>,
    /// Generated object types, `$defs` first, the result type last.
    pub objects: Vec<(String, ObjectShape<'a>)>,
    /// The return type's schema after unwrapping; `None` = unknown.
    pub returns: Option<&'a Value>,
    /// Set when the return value is the generated object type of that name.
    pub result_name: Option<String>,
}

impl OutputTypes<'_> {
    /// The function's return type: the generated result type, the
    /// (unwrapped) schema's type, or "any" without an outputSchema.
    pub fn return_type<S: TypeSyntax>(&self, renderer: &TypeRenderer<'_, S>) -> String {
        match (&self.result_name, self.returns) {
            (Some(name), _) => name.clone(),
            (None, Some(schema)) => renderer.render(schema),
            (None, None) => renderer.syntax.any(),
        }
    }
}

/// Plans the output types of a tool; type names are claimed from `namer`
/// (the module's scope), `result_base` names the result type.
pub(super) fn output_types<'a>(
    output_schema: Option<&'a Value>,
    result_base: &str,
    namer: &mut Namer,
) -> OutputTypes<'a> {
    let Some(root) = output_schema else {
        return OutputTypes {
            root: &Value::Null,
            named: BTreeMap::new(),
            objects: Vec::new(),
            returns: None,
            result_name: None,
        };
    };
    let mut named = BTreeMap::new();
    let mut objects = Vec::new();
    for (def, schema) in object_defs(root) {
        let type_name = namer.claim(pascal_case(&namer_safe(def)));
        named.insert(def.to_string(), type_name.clone());
        if let Some(shape) = object_shape(schema) {
            objects.push((type_name, shape));
        }
    }
    let returns = crate::catalog::unwrapped_schema(root);
    let mut result_name = None;
    if !crate::catalog::is_result_wrapper(root)
        && let Some(shape) = object_shape(root)
    {
        let name = namer.claim(result_base.to_string());
        objects.push((name.clone(), shape));
        result_name = Some(name);
    }
    OutputTypes {
        root,
        named,
        objects,
        returns: Some(returns),
        result_name,
    }
}

/// ASCII identifier characters of `raw`, others replaced by `_`.
fn namer_safe(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}
