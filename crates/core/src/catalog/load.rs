//! Loading a catalog from a JSON file, so search and SDK generation work with
//! no live server. Two shapes are accepted, told apart by the first
//! character of the file:
//!
//! - `[ {server, name, description?, inputSchema, outputSchema?, annotations?}, ... ]`
//! - `{ "<server>": {"tools": [ <tools/list entries> ]}, ... }`, i.e. the raw
//!   tools/list result of each server under its name.
//!
//! Deserializing straight from the text (not via an intermediate `Value`)
//! keeps serde_json's line and column in every error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::{CatalogTool, ToolCatalog};

const ARRAY_SHAPE: &str = "an array of tools, each {\"server\", \"name\", \"description\", \"inputSchema\", \"outputSchema\"?, \"annotations\"?}";
const OBJECT_SHAPE: &str = "an object mapping each server name to its tools/list result ({\"tools\": [{\"name\", \"inputSchema\", ...}]})";

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog file {}: {source}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "catalog file {}:{line}:{column}: {message}\n  expected {expected}",
        .path.display()
    )]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
        expected: &'static str,
    },
}

/// One entry of a tools/list result; unknown fields (`icons`, `_meta`, ...) are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListedTool {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    input_schema: Value,
    #[serde(default)]
    output_schema: Option<Value>,
    #[serde(default)]
    annotations: Option<Value>,
}

#[derive(Deserialize)]
struct ToolsListResult {
    tools: Vec<ListedTool>,
}

impl ToolCatalog {
    /// Reads a catalog file in either shape described in this module's docs.
    pub fn from_json_file(path: impl AsRef<Path>) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        parse_catalog(&text, path).map(ToolCatalog::new)
    }
}

fn parse_catalog(text: &str, path: &Path) -> Result<Vec<CatalogTool>, CatalogError> {
    let parse_error = |error: serde_json::Error, expected: &'static str| CatalogError::Parse {
        path: path.to_path_buf(),
        line: error.line(),
        column: error.column(),
        message: strip_position(&error.to_string()),
        expected,
    };
    match text.trim_start().chars().next() {
        Some('[') => {
            serde_json::from_str::<Vec<CatalogTool>>(text).map_err(|e| parse_error(e, ARRAY_SHAPE))
        }
        Some('{') => {
            let servers: BTreeMap<String, ToolsListResult> =
                serde_json::from_str(text).map_err(|e| parse_error(e, OBJECT_SHAPE))?;
            Ok(servers
                .into_iter()
                .flat_map(|(server, result)| {
                    result.tools.into_iter().map(move |t| CatalogTool {
                        server: server.clone(),
                        name: t.name,
                        title: t.title,
                        description: t.description,
                        input_schema: t.input_schema,
                        output_schema: t.output_schema,
                        annotations: t.annotations,
                        builtin: false,
                    })
                })
                .collect())
        }
        _ => {
            let (line, column) = first_content_position(text);
            Err(CatalogError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: if text.trim().is_empty() {
                    "the file is empty".to_string()
                } else {
                    "the file does not start with `[` or `{`".to_string()
                },
                expected: "a JSON array of tools or a JSON object mapping server names to tools/list results",
            })
        }
    }
}

/// serde_json appends " at line L column C"; the error already carries both.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message.to_string(),
    }
}

fn first_content_position(text: &str) -> (usize, usize) {
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.find(|c: char| !c.is_whitespace()) {
            return (i + 1, col + 1);
        }
    }
    (1, 1)
}
