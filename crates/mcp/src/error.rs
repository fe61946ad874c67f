//! Errors a caller of the hub can see. Each message names the server (and the
//! tool) and says what the user can do about it.

use std::path::PathBuf;
use std::time::Duration;

/// A tool call that could not be made or did not complete.
#[derive(Debug, thiserror::Error)]
pub enum McpError {
    #[error(
        "unknown MCP server '{server}'; configured servers: {}",
        list_or_none(known)
    )]
    UnknownServer { server: String, known: Vec<String> },

    #[error(
        "MCP server '{server}' has no tool '{tool}'{}; run `vtcode tools list --server {server}` to see its tools",
        suggestion.as_ref().map(|s| format!(" (did you mean '{s}'?)")).unwrap_or_default()
    )]
    UnknownTool {
        server: String,
        tool: String,
        suggestion: Option<String>,
    },

    #[error(
        "tool '{server}.{tool}' is turned off by enabled_tools / disabled_tools in the configuration of server '{server}'"
    )]
    ToolDisabled { server: String, tool: String },

    #[error(
        "cannot call '{server}.{tool}': MCP server '{server}' is {state}; see `vtcode servers` and its log {}",
        log.display()
    )]
    Unavailable {
        server: String,
        tool: String,
        state: String,
        log: PathBuf,
    },

    #[error(
        "tool '{server}.{tool}' did not answer within {}s and was cancelled; if it needs longer, raise tool_timeout_s for server '{server}'",
        timeout.as_secs_f64()
    )]
    Timeout {
        server: String,
        tool: String,
        timeout: Duration,
    },

    #[error(
        "MCP server '{server}' went away during the call to '{tool}'; it is being restarted, so retry in a moment (log: {})",
        log.display()
    )]
    ServerDied {
        server: String,
        tool: String,
        log: PathBuf,
    },

    #[error("arguments for '{server}.{tool}' must be a JSON object, got {got}")]
    InvalidArguments {
        server: String,
        tool: String,
        got: &'static str,
    },

    #[error("MCP server '{server}' rejected the call to '{tool}': {message}")]
    Rejected {
        server: String,
        tool: String,
        message: String,
    },
}

/// The hub as a whole could not become usable.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error(
        "{message}\nServer '{server}' is marked required = true, so vtcode cannot continue without it; fix the server or set required = false."
    )]
    RequiredServerFailed { server: String, message: String },

    #[error(
        "MCP servers still starting after {}s: {}; check their logs or raise startup_timeout_s",
        timeout.as_secs_f64(),
        pending.join(", ")
    )]
    WaitTimeout {
        timeout: Duration,
        pending: Vec<String>,
    },
}

fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_owned()
    } else {
        names.join(", ")
    }
}

/// The candidate most like `wanted`, if any is close enough to be a likely
/// typo or partial name.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let wanted_lower = wanted.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let lower = candidate.to_lowercase();
            let mut score = strsim::normalized_damerau_levenshtein(&wanted_lower, &lower);
            if lower.contains(&wanted_lower) || wanted_lower.contains(&lower) {
                score = score.max(0.75);
            }
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_owned())
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_typos_and_partial_names_but_not_unrelated_ones() {
        let tools = ["get_current_time", "convert_time"];
        assert_eq!(
            closest("get_curent_time", tools).as_deref(),
            Some("get_current_time")
        );
        assert_eq!(closest("convert", tools).as_deref(), Some("convert_time"));
        assert_eq!(closest("git_status", tools), None);
    }
}
