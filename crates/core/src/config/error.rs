//! Config errors that point at the place a user must fix.
//!
//! Every message starts with a [`Location`] (`file:line:column`, the
//! environment variable, or the command-line override) followed by what
//! was wrong and what was expected, the way compilers report errors.

use std::fmt;
use std::path::PathBuf;

/// Where a config value was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A position in a file; line and column count from 1, columns in characters.
    Source {
        path: PathBuf,
        line: usize,
        column: usize,
    },
    /// A whole file, when no position is known (e.g. `.mcp.json` entries).
    File(PathBuf),
    /// An environment variable, by name.
    Env(String),
    /// A `key=value` override from the command line, by key.
    Cli(String),
    /// A built-in default.
    Default,
}

impl Location {
    /// Turns a byte offset into a 1-based line and character column.
    pub(crate) fn at(path: PathBuf, text: &str, offset: usize) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        Location::Source { path, line, column }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Source { path, line, column } => {
                write!(f, "{}:{line}:{column}", path.display())
            }
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Env(name) => write!(f, "environment variable {name}"),
            Location::Cli(key) => write!(f, "command-line override `{key}`"),
            Location::Default => f.write_str("built-in default"),
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value, key or file is wrong; the message says how to fix it.
    #[error("{location}: {message}")]
    Invalid { location: Location, message: String },
    /// A config file exists but could not be read.
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ConfigError {
    pub(crate) fn invalid(location: Location, message: impl Into<String>) -> Self {
        ConfigError::Invalid {
            location,
            message: message.into(),
        }
    }
}
