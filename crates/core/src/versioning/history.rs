//! A tool's recorded history, looked up by the name a user types
//! (`server.tool`, or a bare tool name only one server has), for
//! `vtcode tools history`. Reads the store only: history is what earlier
//! runs saw, so asking costs no server start.

use serde::Serialize;

use crate::catalog::closest_name;
use crate::store::{Store, StoreError, ToolVersion};

/// Every recorded version of one tool, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToolHistory {
    pub server: String,
    pub tool: String,
    pub versions: Vec<ToolVersion>,
}

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "no tool history yet: vtcode records it whenever it starts the MCP servers (e.g. `vtcode tools list`)"
    )]
    Empty,
    #[error("no history for tool `{name}`{}", did_you_mean(.suggestion))]
    Unknown {
        name: String,
        suggestion: Option<String>,
    },
    #[error("tool name `{name}` has a history on several servers; use one of: {}", .candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean `{name}`?"),
        None => "; write it as SERVER.TOOL (`vtcode tools list` shows the current tools)".into(),
    }
}

/// The history of the tool `reference` names.
pub fn tool_history(store: &Store, reference: &str) -> Result<ToolHistory, HistoryError> {
    let known = store.tools_with_history()?;
    if known.is_empty() {
        return Err(HistoryError::Empty);
    }
    let reference = reference.trim();
    // Server names may contain dots themselves: try every split point.
    let qualified = reference.match_indices('.').find_map(|(i, _)| {
        known
            .iter()
            .find(|(server, tool)| *server == reference[..i] && *tool == reference[i + 1..])
    });
    let (server, tool) = match qualified {
        Some(found) => found.clone(),
        None => {
            let bare: Vec<&(String, String)> =
                known.iter().filter(|(_, tool)| tool == reference).collect();
            match bare.as_slice() {
                [one] => (*one).clone(),
                [] => {
                    return Err(HistoryError::Unknown {
                        name: reference.to_owned(),
                        suggestion: closest_name(
                            reference,
                            known
                                .iter()
                                .map(|(server, tool)| (format!("{server}.{tool}"), tool.as_str())),
                        ),
                    });
                }
                many => {
                    return Err(HistoryError::Ambiguous {
                        name: reference.to_owned(),
                        candidates: many.iter().map(|(s, t)| format!("{s}.{t}")).collect(),
                    });
                }
            }
        }
    };
    let versions = store.tool_history(&server, &tool)?;
    Ok(ToolHistory {
        server,
        tool,
        versions,
    })
}
