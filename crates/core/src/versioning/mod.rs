//! Tool versioning: how much a change to a tool matters to code that calls it.
//!
//! Mental model: a tool is a contract between its server and the programs
//! (and saved skills) that call it. When a server lists a tool differently
//! from the last time, [`classify`] compares the two definitions and says,
//! per difference, what a caller has to do about it, on one ordered scale:
//!
//! - **compatible**: nothing (reworded description, new optional parameter,
//!   new output field);
//! - **warning**: read it (marked deprecated, a parameter's description or
//!   default changed, safety annotations changed);
//! - **migration needed**: some existing calls may now fail (an optional
//!   parameter or an enum value removed, a type narrowed);
//! - **incompatible**: existing calls fail (a new required parameter, a
//!   parameter removed or renamed, a type changed, the tool removed).
//!
//! A [`ToolDiff`] is the list of those differences, each with a sentence a
//! user can read, and takes the class of the worst one. The classifier is
//! pure (two definitions in, a verdict out), so tool history and skill
//! compatibility judge with exactly the same rules. Input and output schemas
//! are judged in opposite directions: accepting more input is safe, while
//! returning more (a wider type, a new enum value) is what may surprise a
//! caller. The verdicts are stored with each version (`store::catalog`);
//! [`history`] reads them back by the name a user types.

pub mod history;
mod keywords;
mod schema;
#[cfg(test)]
mod tests;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::CatalogTool;
use schema::{Direction, SchemaWalk};

/// How much a change matters to a caller; ordered from harmless to breaking.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum ChangeClass {
    #[default]
    Compatible,
    Warning,
    MigrationNeeded,
    Incompatible,
}

impl ChangeClass {
    pub const ALL: [ChangeClass; 4] = [
        ChangeClass::Compatible,
        ChangeClass::Warning,
        ChangeClass::MigrationNeeded,
        ChangeClass::Incompatible,
    ];

    /// The snake_case name used in JSON and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Compatible => "compatible",
            Self::Warning => "warning",
            Self::MigrationNeeded => "migration_needed",
            Self::Incompatible => "incompatible",
        }
    }
}

impl fmt::Display for ChangeClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MigrationNeeded => "migration needed",
            other => other.as_str(),
        })
    }
}

/// A name that is not one of the four classes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown change class `{0}`; expected compatible, warning, migration_needed or incompatible"
)]
pub struct UnknownClass(pub String);

impl FromStr for ChangeClass {
    type Err = UnknownClass;

    /// Accepts the snake_case name and the displayed one.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().replace(' ', "_");
        Self::ALL
            .into_iter()
            .find(|class| class.as_str() == wanted)
            .ok_or_else(|| UnknownClass(text.to_owned()))
    }
}

/// One difference between two versions of a tool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaChange {
    pub class: ChangeClass,
    /// A short sentence for the user, e.g. "now requires `region`".
    pub description: String,
}

impl SchemaChange {
    pub fn new(class: ChangeClass, description: impl Into<String>) -> Self {
        Self {
            class,
            description: description.into(),
        }
    }
}

impl fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.description, self.class)
    }
}

/// Every difference between two versions of a tool, and the worst class.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ToolDiff {
    /// The highest class among `changes`; compatible when there are none.
    pub class: ChangeClass,
    pub changes: Vec<SchemaChange>,
}

impl ToolDiff {
    pub fn from_changes(changes: Vec<SchemaChange>) -> Self {
        let class = changes
            .iter()
            .map(|change| change.class)
            .max()
            .unwrap_or_default();
        Self { class, changes }
    }

    /// The verdict on a tool that is gone.
    pub fn removed() -> Self {
        Self::from_changes(vec![SchemaChange::new(
            ChangeClass::Incompatible,
            "tool removed",
        )])
    }

    /// True when the two versions are the same tool.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The changes as one line, worst first: "parameter `tz` removed; …".
    pub fn summary(&self) -> String {
        let mut changes: Vec<&SchemaChange> = self.changes.iter().collect();
        changes.sort_by_key(|change| std::cmp::Reverse(change.class));
        changes
            .iter()
            .map(|change| change.description.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Compares a tool with its next version; `None` means the tool is gone.
pub fn classify(old: &CatalogTool, new: Option<&CatalogTool>) -> ToolDiff {
    let Some(new) = new else {
        return ToolDiff::removed();
    };
    let mut changes = Vec::new();
    compare_description(old, new, &mut changes);
    if old.title != new.title {
        changes.push(SchemaChange::new(ChangeClass::Compatible, "title changed"));
    }
    compare_annotations(
        old.annotations.as_ref(),
        new.annotations.as_ref(),
        &mut changes,
    );
    SchemaWalk::new(Direction::Input, &old.input_schema, &new.input_schema).compare(&mut changes);
    compare_output(
        old.output_schema.as_ref(),
        new.output_schema.as_ref(),
        &mut changes,
    );
    // Every difference is reported, so an empty diff means equal tools.
    if changes.is_empty() && old != new {
        changes.push(SchemaChange::new(
            ChangeClass::Compatible,
            "definition changed in ways that do not affect calls",
        ));
    }
    ToolDiff::from_changes(changes)
}

fn compare_description(old: &CatalogTool, new: &CatalogTool, changes: &mut Vec<SchemaChange>) {
    if old.description == new.description {
        return;
    }
    let was = old.description.as_deref().is_some_and(mentions_deprecated);
    let is = new.description.as_deref().is_some_and(mentions_deprecated);
    if is && !was {
        changes.push(SchemaChange::new(
            ChangeClass::Warning,
            "marked deprecated in its description",
        ));
    } else {
        changes.push(SchemaChange::new(
            ChangeClass::Compatible,
            "description reworded",
        ));
    }
}

/// Whether a description says the tool (or parameter) is deprecated.
pub(crate) fn mentions_deprecated(text: &str) -> bool {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .any(|word| word == "deprecated" || word == "obsolete")
}

/// Annotations decide approvals, so any change to what they say about
/// safety is worth a look; other annotation edits are harmless.
fn compare_annotations(old: Option<&Value>, new: Option<&Value>, changes: &mut Vec<SchemaChange>) {
    if old == new {
        return;
    }
    let before = Safety::of(old);
    let after = Safety::of(new);
    let mut found = false;
    if after.deprecated && !before.deprecated {
        changes.push(SchemaChange::new(
            ChangeClass::Warning,
            "marked deprecated in its annotations",
        ));
        found = true;
    }
    let hints = [
        (before.read_only, after.read_only, "read-only"),
        (before.destructive, after.destructive, "destructive"),
        (before.open_world, after.open_world, "open-world"),
    ];
    for (was, is, what) in hints {
        if was != is {
            let now = if is { "now" } else { "no longer" };
            changes.push(SchemaChange::new(
                ChangeClass::Warning,
                format!("{now} marked {what}"),
            ));
            found = true;
        }
    }
    if !found {
        changes.push(SchemaChange::new(
            ChangeClass::Compatible,
            "annotations changed",
        ));
    }
}

/// What a tool's annotations promise, with MCP's defaults for missing hints
/// (not read-only, possibly destructive, open world).
struct Safety {
    read_only: bool,
    destructive: bool,
    open_world: bool,
    deprecated: bool,
}

impl Safety {
    fn of(annotations: Option<&Value>) -> Self {
        let hint = |name: &str| {
            annotations
                .and_then(|a| a.get(name))
                .and_then(Value::as_bool)
        };
        let read_only = hint("readOnlyHint").unwrap_or(false);
        Self {
            read_only,
            destructive: !read_only && hint("destructiveHint").unwrap_or(true),
            open_world: hint("openWorldHint").unwrap_or(true),
            deprecated: hint("deprecated").unwrap_or(false),
        }
    }
}

fn compare_output(old: Option<&Value>, new: Option<&Value>, changes: &mut Vec<SchemaChange>) {
    match (old, new) {
        (None, None) => {}
        (None, Some(_)) => changes.push(SchemaChange::new(
            ChangeClass::Compatible,
            "now declares an output schema",
        )),
        (Some(_), None) => changes.push(SchemaChange::new(
            ChangeClass::Warning,
            "no longer declares an output schema",
        )),
        (Some(old), Some(new)) => SchemaWalk::new(Direction::Output, old, new).compare(changes),
    }
}
