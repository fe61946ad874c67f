//! Is a saved skill still right for the tools it calls?
//!
//! A skill records, per tool it calls, the schema hash seen when it was
//! saved. Against the live catalog each dependency is: unchanged (same
//! hash), changed (the old definition is looked up in the tool history by
//! that hash, `Store::tool_at`, and the two are judged by the shared
//! classifier, `versioning::classify`), removed (classified as such), or
//! unknown (its server is not connected). The skill's state is the worst
//! of its dependencies'; each reason names the tool and says what changed.

use serde::Serialize;

use super::format::ToolDependency;
use crate::catalog::ToolCatalog;
use crate::store::{Store, StoreError};
use crate::versioning::{ChangeClass, classify};

/// One skill's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkillCheck {
    pub name: String,
    pub state: ChangeClass,
    /// "ledger.list_expenses now requires `region`", one per change that matters.
    pub reasons: Vec<String>,
    /// What to do about it, where there is something to do.
    pub fixes: Vec<String>,
}

impl SkillCheck {
    /// One line for a program's stderr or the model: state and reasons.
    pub fn note(&self) -> String {
        if self.reasons.is_empty() {
            return self.state.to_string();
        }
        format!("{}: {}", self.state, self.reasons.join("; "))
    }
}

/// Judges `dependencies` of skill `name` against `catalog`.
pub fn check(
    name: &str,
    dependencies: &[ToolDependency],
    catalog: &ToolCatalog,
    store: &Store,
) -> Result<SkillCheck, StoreError> {
    let mut out = SkillCheck {
        name: name.to_string(),
        state: ChangeClass::Compatible,
        reasons: Vec::new(),
        fixes: Vec::new(),
    };
    let servers = catalog.servers();
    for dep in dependencies {
        let qualified = dep.qualified();
        let (class, reasons, fix) = if !servers.contains(&dep.server.as_str()) {
            (
                ChangeClass::Warning,
                vec![format!(
                    "{qualified} could not be checked: server `{}` is not connected",
                    dep.server
                )],
                Some(format!(
                    "start `{}` (`vtcode servers` says why it is down) and check again",
                    dep.server
                )),
            )
        } else {
            match catalog.get(&dep.server, &dep.tool) {
                Some(tool) if catalog.tool_schema_hash(tool) == dep.schema_hash => {
                    (ChangeClass::Compatible, Vec::new(), None)
                }
                current => match store.tool_at(&dep.server, &dep.tool, &dep.schema_hash)? {
                    Some(old) => {
                        let diff = classify(&old, current);
                        let reasons = diff
                            .changes
                            .iter()
                            .filter(|c| c.class > ChangeClass::Compatible)
                            .map(|c| format!("{qualified} {}", c.description))
                            .collect();
                        (diff.class, reasons, fix_for(diff.class, &qualified))
                    }
                    None if current.is_none() => (
                        ChangeClass::Incompatible,
                        vec![format!(
                            "{qualified} is no longer offered by `{}`",
                            dep.server
                        )],
                        fix_for(ChangeClass::Incompatible, &qualified),
                    ),
                    None => (
                        ChangeClass::Warning,
                        vec![format!(
                            "{qualified} changed since the skill was saved, and its old schema was never seen here"
                        )],
                        Some(format!(
                            "compare the skill's calls with `vtcode tools show {qualified}` and save it again"
                        )),
                    ),
                },
            }
        };
        out.state = out.state.max(class);
        out.reasons.extend(reasons);
        out.fixes.extend(fix);
    }
    out.fixes.dedup();
    Ok(out)
}

fn fix_for(class: ChangeClass, qualified: &str) -> Option<String> {
    match class {
        ChangeClass::Compatible => None,
        ChangeClass::Warning => Some(format!(
            "read the change (`vtcode tools history {qualified}`); the skill should still work"
        )),
        ChangeClass::MigrationNeeded | ChangeClass::Incompatible => Some(format!(
            "update the skill's calls to {qualified} (`vtcode tools show {qualified}` shows the schema now) and save it again"
        )),
    }
}
