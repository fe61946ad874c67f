//! Walks two JSON Schemas side by side and reports what changed for a
//! caller: parameters (object properties, at any depth, and array items),
//! their types, enum values, bounds and required-ness. Local `$ref`s
//! (`#/$defs/...`) are followed, and the `anyOf: [X, {type: null}]` shape
//! that optional fields take is seen through, so generated schemas compare
//! by meaning rather than by layout.

use serde_json::{Map, Value};

use super::keywords::{
    MAX_DEPTH, allowed_values, core, covers, has_object_keywords, list, required, resolve,
    strip_notes, type_name, types,
};
use super::{ChangeClass, SchemaChange, mentions_deprecated};

/// Which side of the call a schema describes. Callers send inputs, so an
/// input that accepts more is safe; they read outputs, so an output that
/// may hold more is what surprises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Input,
    Output,
}

impl Direction {
    /// The class of accepting (input) or producing (output) fewer values.
    fn narrowing(self) -> ChangeClass {
        match self {
            Self::Input => ChangeClass::MigrationNeeded,
            Self::Output => ChangeClass::Compatible,
        }
    }

    /// The class of accepting (input) or producing (output) more values.
    fn widening(self) -> ChangeClass {
        match self {
            Self::Input => ChangeClass::Compatible,
            Self::Output => ChangeClass::Warning,
        }
    }
}

/// Where in the schema a difference is: `filter.region`, `tags[]`.
#[derive(Debug, Clone, Default)]
struct FieldPath(String);

impl FieldPath {
    fn child(&self, name: &str) -> Self {
        if self.0.is_empty() {
            Self(name.to_owned())
        } else {
            Self(format!("{}.{name}", self.0))
        }
    }

    fn items(&self, index: Option<usize>) -> Self {
        match index {
            Some(i) => Self(format!("{}[{i}]", self.0)),
            None => Self(format!("{}[]", self.0)),
        }
    }

    fn is_root(&self) -> bool {
        self.0.is_empty()
    }
}

/// Two versions of one schema (input or output) and their roots, against
/// which `$ref`s resolve.
pub(super) struct SchemaWalk<'a> {
    direction: Direction,
    old_root: &'a Value,
    new_root: &'a Value,
    /// Equal definitions let equal subschemas be skipped unexamined.
    same_definitions: bool,
}

impl<'a> SchemaWalk<'a> {
    pub(super) fn new(direction: Direction, old_root: &'a Value, new_root: &'a Value) -> Self {
        let definitions = |root: &'a Value| (root.get("$defs"), root.get("definitions"));
        Self {
            direction,
            old_root,
            new_root,
            same_definitions: definitions(old_root) == definitions(new_root),
        }
    }

    pub(super) fn compare(&self, changes: &mut Vec<SchemaChange>) {
        self.node(
            &FieldPath::default(),
            self.old_root,
            self.new_root,
            0,
            changes,
        );
    }

    fn noun(&self, path: &FieldPath) -> String {
        match (self.direction, path.is_root()) {
            (Direction::Input, true) => "the input".to_owned(),
            (Direction::Output, true) => "the output".to_owned(),
            (Direction::Input, false) => format!("parameter `{}`", path.0),
            (Direction::Output, false) => format!("output field `{}`", path.0),
        }
    }

    fn node(
        &self,
        path: &FieldPath,
        old: &'a Value,
        new: &'a Value,
        depth: usize,
        changes: &mut Vec<SchemaChange>,
    ) {
        let old = resolve(self.old_root, old);
        let new = resolve(self.new_root, new);
        if depth > MAX_DEPTH || (self.same_definitions && old == new) {
            return;
        }
        if !self.compare_types(path, old, new, changes) {
            return;
        }
        self.compare_notes(path, old, new, changes);
        let old_core = core(self.old_root, old);
        let new_core = core(self.new_root, new);
        self.compare_enum(path, old_core, new_core, changes);
        self.compare_bounds(path, old_core, new_core, changes);
        if has_object_keywords(old_core) || has_object_keywords(new_core) {
            self.compare_object(path, old_core, new_core, depth, changes);
        }
        self.compare_items(path, old_core, new_core, depth, changes);
    }

    /// Reports a type change; false when the types are unrelated, so the
    /// rest of the two schemas has nothing left to compare.
    fn compare_types(
        &self,
        path: &FieldPath,
        old: &Value,
        new: &Value,
        changes: &mut Vec<SchemaChange>,
    ) -> bool {
        let before = types(self.old_root, old, 0);
        let after = types(self.new_root, new, 0);
        if before == after {
            return true;
        }
        let (class, verb) = match (&before, &after) {
            (_, None) => (self.direction.widening(), "widened"),
            (None, Some(_)) => (self.direction.narrowing(), "narrowed"),
            (Some(a), Some(b)) if covers(b, a) => (self.direction.widening(), "widened"),
            (Some(a), Some(b)) if covers(a, b) => (self.direction.narrowing(), "narrowed"),
            _ => (ChangeClass::Incompatible, "changed"),
        };
        changes.push(SchemaChange::new(
            class,
            format!(
                "type of {} {verb} from {} to {}",
                self.noun(path),
                type_name(before.as_ref()),
                type_name(after.as_ref())
            ),
        ));
        class != ChangeClass::Incompatible
    }

    /// Descriptions, deprecation and defaults of one parameter or field.
    fn compare_notes(
        &self,
        path: &FieldPath,
        old: &Value,
        new: &Value,
        changes: &mut Vec<SchemaChange>,
    ) {
        if path.is_root() {
            return;
        }
        let noun = self.noun(path);
        fn description(v: &Value) -> Option<&str> {
            v.get("description").and_then(Value::as_str)
        }
        let deprecated = |v: &Value| {
            v.get("deprecated").and_then(Value::as_bool) == Some(true)
                || description(v).is_some_and(mentions_deprecated)
        };
        if deprecated(new) && !deprecated(old) {
            changes.push(SchemaChange::new(
                ChangeClass::Warning,
                format!("{noun} marked deprecated"),
            ));
        } else if description(old) != description(new) {
            let class = match self.direction {
                Direction::Input => ChangeClass::Warning,
                Direction::Output => ChangeClass::Compatible,
            };
            changes.push(SchemaChange::new(
                class,
                format!("description of {noun} changed"),
            ));
        }
        if self.direction == Direction::Input {
            match (old.get("default"), new.get("default")) {
                (a, b) if a == b => {}
                (None, None) => {}
                (Some(a), Some(b)) => changes.push(SchemaChange::new(
                    ChangeClass::Warning,
                    format!("default of {noun} changed from {a} to {b}"),
                )),
                (None, Some(b)) => changes.push(SchemaChange::new(
                    ChangeClass::Warning,
                    format!("{noun} now defaults to {b}"),
                )),
                (Some(a), None) => changes.push(SchemaChange::new(
                    ChangeClass::Warning,
                    format!("{noun} no longer defaults to {a}"),
                )),
            }
        }
    }

    fn compare_enum(
        &self,
        path: &FieldPath,
        old: &Value,
        new: &Value,
        changes: &mut Vec<SchemaChange>,
    ) {
        let noun = self.noun(path);
        match (allowed_values(old), allowed_values(new)) {
            (None, None) => {}
            (None, Some(values)) => changes.push(SchemaChange::new(
                self.direction.narrowing(),
                format!("{noun} now limited to {}", list(&values)),
            )),
            (Some(_), None) => changes.push(SchemaChange::new(
                self.direction.widening(),
                format!("{noun} no longer limited to fixed values"),
            )),
            (Some(before), Some(after)) => {
                fn missing<'v>(from: &[&'v Value], to: &[&'v Value]) -> Vec<&'v Value> {
                    from.iter().copied().filter(|v| !to.contains(v)).collect()
                }
                let removed = missing(&before, &after);
                let added = missing(&after, &before);
                for (values, narrowed) in [(removed, true), (added, false)] {
                    if values.is_empty() {
                        continue;
                    }
                    let what = match (self.direction, narrowed) {
                        (Direction::Input, true) => "no longer accepts",
                        (Direction::Output, true) => "no longer returns",
                        (Direction::Input, false) => "now also accepts",
                        (Direction::Output, false) => "may now be",
                    };
                    changes.push(
                        self.bound_change(narrowed, format!("{noun} {what} {}", list(&values))),
                    );
                }
            }
        }
    }

    /// Numeric, length and count bounds, `pattern`, `format` and
    /// `additionalProperties`: each either narrows or widens what fits.
    fn compare_bounds(
        &self,
        path: &FieldPath,
        old: &Value,
        new: &Value,
        changes: &mut Vec<SchemaChange>,
    ) {
        const LOWER: [&str; 5] = [
            "minimum",
            "exclusiveMinimum",
            "minLength",
            "minItems",
            "minProperties",
        ];
        const UPPER: [&str; 5] = [
            "maximum",
            "exclusiveMaximum",
            "maxLength",
            "maxItems",
            "maxProperties",
        ];
        let noun = self.noun(path);
        for key in LOWER.iter().chain(UPPER.iter()) {
            let (a, b) = (old.get(*key), new.get(*key));
            let narrowed = match (a.and_then(Value::as_f64), b.and_then(Value::as_f64)) {
                (x, y) if x == y => continue,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (Some(x), Some(y)) => (y > x) == LOWER.contains(key),
                (None, None) => continue,
            };
            let text = match (a, b) {
                (Some(a), Some(b)) => format!("`{key}` of {noun} changed from {a} to {b}"),
                (None, Some(b)) => format!("{noun} now has `{key}` {b}"),
                (Some(a), _) => format!("{noun} no longer has `{key}` {a}"),
                (None, None) => continue,
            };
            changes.push(self.bound_change(narrowed, text));
        }
        for key in ["pattern", "format"] {
            match (old.get(key), new.get(key)) {
                (a, b) if a == b => {}
                (_, Some(b)) => changes
                    .push(self.bound_change(true, format!("{noun} now must match `{key}` {b}"))),
                (Some(a), None) => changes.push(
                    self.bound_change(false, format!("{noun} no longer must match `{key}` {a}")),
                ),
                (None, None) => {}
            }
        }
        let closed = |v: &Value| v.get("additionalProperties") == Some(&Value::Bool(false));
        if closed(old) != closed(new) {
            let text = if closed(new) {
                format!("{noun} no longer allows undeclared properties")
            } else {
                format!("{noun} now allows undeclared properties")
            };
            changes.push(self.bound_change(closed(new), text));
        }
    }

    fn bound_change(&self, narrowed: bool, text: String) -> SchemaChange {
        let class = if narrowed {
            self.direction.narrowing()
        } else {
            self.direction.widening()
        };
        SchemaChange::new(class, text)
    }

    fn compare_object(
        &self,
        path: &FieldPath,
        old: &'a Value,
        new: &'a Value,
        depth: usize,
        changes: &mut Vec<SchemaChange>,
    ) {
        let empty = Map::new();
        let old_props = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let new_props = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let old_required = required(old);
        let new_required = required(new);
        let removed: Vec<&String> = old_props
            .keys()
            .filter(|k| !new_props.contains_key(*k))
            .collect();
        let mut added: Vec<&String> = new_props
            .keys()
            .filter(|k| !old_props.contains_key(*k))
            .collect();

        for name in removed {
            let was_required = old_required.contains(name.as_str());
            let candidates: Vec<&String> = added
                .iter()
                .copied()
                .filter(|a| new_required.contains(a.as_str()) == was_required)
                .collect();
            let renamed = self
                .renamed_to(&old_props[name.as_str()], new_props, &candidates)
                .and_then(|i| added.iter().position(|a| *a == candidates[i]));
            if let Some(index) = renamed {
                let to = added.remove(index);
                changes.push(SchemaChange::new(
                    ChangeClass::Incompatible,
                    format!(
                        "{} renamed to `{}`",
                        self.noun(&path.child(name)),
                        path.child(to).0
                    ),
                ));
            } else if was_required {
                changes.push(SchemaChange::new(
                    ChangeClass::Incompatible,
                    format!("{} removed", self.noun(&path.child(name))),
                ));
            } else {
                changes.push(SchemaChange::new(
                    ChangeClass::MigrationNeeded,
                    format!("optional {} removed", self.noun(&path.child(name))),
                ));
            }
        }
        for name in added {
            let noun = self.noun(&path.child(name));
            let change = match (self.direction, new_required.contains(name.as_str())) {
                (Direction::Input, true) => {
                    SchemaChange::new(ChangeClass::Incompatible, format!("new required {noun}"))
                }
                (Direction::Input, false) => {
                    SchemaChange::new(ChangeClass::Compatible, format!("new optional {noun}"))
                }
                (Direction::Output, _) => {
                    SchemaChange::new(ChangeClass::Compatible, format!("new {noun}"))
                }
            };
            changes.push(change);
        }
        for (name, old_schema) in old_props {
            let Some(new_schema) = new_props.get(name) else {
                continue;
            };
            let child = path.child(name);
            let was = old_required.contains(name.as_str());
            let is = new_required.contains(name.as_str());
            if was != is {
                changes.push(self.required_change(&child, is));
            }
            self.node(&child, old_schema, new_schema, depth + 1, changes);
        }
        // Required names no property describes still have to be sent.
        for name in new_required.difference(&old_required) {
            if !old_props.contains_key(*name) && !new_props.contains_key(*name) {
                changes.push(self.required_change(&path.child(name), true));
            }
        }
    }

    fn required_change(&self, path: &FieldPath, now_required: bool) -> SchemaChange {
        let noun = self.noun(path);
        match (self.direction, now_required) {
            (Direction::Input, true) => SchemaChange::new(
                ChangeClass::Incompatible,
                format!("now requires `{}`", path.0),
            ),
            (Direction::Input, false) => {
                SchemaChange::new(ChangeClass::Compatible, format!("{noun} is now optional"))
            }
            (Direction::Output, true) => SchemaChange::new(
                ChangeClass::Compatible,
                format!("{noun} is now always present"),
            ),
            (Direction::Output, false) => SchemaChange::new(
                ChangeClass::MigrationNeeded,
                format!("{noun} may now be missing"),
            ),
        }
    }

    /// The one added property with the same schema (wording aside) and the
    /// same required-ness as a removed one, which makes the pair a rename.
    fn renamed_to(
        &self,
        old: &Value,
        new_props: &Map<String, Value>,
        added: &[&String],
    ) -> Option<usize> {
        let shape = strip_notes(resolve(self.old_root, old));
        let mut matches = added.iter().enumerate().filter(|(_, name)| {
            strip_notes(resolve(self.new_root, &new_props[name.as_str()])) == shape
        });
        let first = matches.next().map(|(index, _)| index);
        first.filter(|_| matches.next().is_none())
    }

    fn compare_items(
        &self,
        path: &FieldPath,
        old: &'a Value,
        new: &'a Value,
        depth: usize,
        changes: &mut Vec<SchemaChange>,
    ) {
        static ANY: Value = Value::Bool(true);
        match (old.get("items"), new.get("items")) {
            (None, None) => {}
            (Some(Value::Array(a)), Some(Value::Array(b))) => {
                for (index, (a, b)) in a.iter().zip(b).enumerate() {
                    self.node(&path.items(Some(index)), a, b, depth + 1, changes);
                }
            }
            (a, b) => {
                let a = a.filter(|v| v.is_object()).unwrap_or(&ANY);
                let b = b.filter(|v| v.is_object()).unwrap_or(&ANY);
                self.node(&path.items(None), a, b, depth + 1, changes);
            }
        }
    }
}
