//! The tool catalog: every tool of every MCP server, plus the built-in tools,
//! in one immutable, sorted collection.
//!
//! Mental model: a catalog is a value. It is built once from a list of tools
//! (from the MCP hub or from a JSON file), sorted by `(server, name)`, checked
//! (schemas, duplicates) and indexed for search at construction; after that it
//! is read-only and cheap to query. Anything odd about the input becomes a
//! [`CatalogWarning`] rather than an error, so one badly described tool never
//! hides the others. The catalog hash identifies its content independently of
//! the order tools arrived in, which is what the SDK cache keys on; the tool
//! history keys on each tool's [`tool_schema_hash`] and whole definition.

mod hash;
mod load;
pub mod search;
mod wrapper;

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use hash::tool_schema_hash;
pub use load::CatalogError;
pub use search::{DetailLevel, SearchError, SearchHit};
pub use wrapper::{is_result_wrapper, unwrap_result, unwrapped_schema};

/// One tool as the rest of vtcode sees it, whatever server it came from.
///
/// Field names on the wire follow MCP (`inputSchema`, `outputSchema`) so a
/// tools/list entry plus a `server` field deserializes directly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogTool {
    pub server: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub input_schema: Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<Value>,
    /// Built into vtcode (read_file, grep, ...): searchable, but no SDK module.
    #[serde(default)]
    pub builtin: bool,
}

impl CatalogTool {
    /// `server.tool`, the name users and the model refer to a tool by.
    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.server, self.name)
    }

    /// The first non-empty line of the description, trimmed.
    pub fn summary(&self) -> Option<&str> {
        self.description
            .as_deref()?
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty())
    }
}

/// Something about the catalog's input worth telling the user; the catalog
/// still works.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CatalogWarning {
    /// The tool stays searchable; its SDK function takes keyword arguments
    /// and the host cannot check arguments before the call.
    InvalidInputSchema {
        server: String,
        tool: String,
        message: String,
    },
    /// Several servers offer a tool with this name; each is still reachable
    /// as `server.tool`.
    SharedToolName { tool: String, servers: Vec<String> },
    /// The same server listed the same tool twice; the first one is kept.
    DuplicateTool { server: String, tool: String },
}

impl fmt::Display for CatalogWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidInputSchema {
                server,
                tool,
                message,
            } => write!(
                f,
                "{server}.{tool}: inputSchema is not valid JSON Schema ({message}); \
                 the tool stays searchable and its SDK function takes keyword arguments"
            ),
            Self::SharedToolName { tool, servers } => {
                let qualified: Vec<String> =
                    servers.iter().map(|s| format!("{s}.{tool}")).collect();
                write!(
                    f,
                    "tool `{tool}` is offered by {} servers; refer to it as {}",
                    servers.len(),
                    qualified.join(" or ")
                )
            }
            Self::DuplicateTool { server, tool } => write!(
                f,
                "{server}.{tool} is listed more than once; the first definition is used"
            ),
        }
    }
}

/// Why a `server.tool` reference did not resolve.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LookupError {
    #[error("unknown tool `{name}`{}", did_you_mean(.suggestion))]
    Unknown {
        name: String,
        suggestion: Option<String>,
    },
    #[error("tool name `{name}` is offered by several servers; use one of: {}", .candidates.join(", "))]
    Ambiguous {
        name: String,
        candidates: Vec<String>,
    },
}

fn did_you_mean(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`? (`vtcode tools list` shows all tools)"),
        None => "; `vtcode tools list` shows all tools".to_string(),
    }
}

/// All tools, sorted by `(server, name)`, with their search index.
#[derive(Debug, Clone)]
pub struct ToolCatalog {
    tools: Vec<CatalogTool>,
    schema_hashes: Vec<String>,
    valid_input: Vec<bool>,
    by_key: HashMap<(String, String), usize>,
    warnings: Vec<CatalogWarning>,
    hash: String,
    index: search::SearchIndex,
}

impl ToolCatalog {
    pub fn new(tools: Vec<CatalogTool>) -> Self {
        let mut tools = tools;
        // Stable sort: among duplicates of one (server, name), the first stays first.
        tools.sort_by(|a, b| (&a.server, &a.name).cmp(&(&b.server, &b.name)));
        let mut warnings = Vec::new();
        let mut kept: Vec<CatalogTool> = Vec::with_capacity(tools.len());
        for tool in tools {
            if kept
                .last()
                .is_some_and(|prev| prev.server == tool.server && prev.name == tool.name)
            {
                warnings.push(CatalogWarning::DuplicateTool {
                    server: tool.server,
                    tool: tool.name,
                });
            } else {
                kept.push(tool);
            }
        }
        let tools = kept;

        let mut valid_input = Vec::with_capacity(tools.len());
        for tool in &tools {
            let problem = schema_problem(&tool.input_schema);
            valid_input.push(problem.is_none());
            if let Some(message) = problem {
                warnings.push(CatalogWarning::InvalidInputSchema {
                    server: tool.server.clone(),
                    tool: tool.name.clone(),
                    message,
                });
            }
        }

        let mut servers_by_name: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for tool in &tools {
            servers_by_name
                .entry(&tool.name)
                .or_default()
                .push(tool.server.clone());
        }
        for (name, servers) in servers_by_name {
            if servers.len() > 1 {
                warnings.push(CatalogWarning::SharedToolName {
                    tool: name.to_string(),
                    servers,
                });
            }
        }

        let schema_hashes: Vec<String> = tools.iter().map(tool_schema_hash).collect();
        let hash = hash::catalog_hash(&tools, &schema_hashes);
        let by_key = tools
            .iter()
            .enumerate()
            .map(|(i, t)| ((t.server.clone(), t.name.clone()), i))
            .collect();
        let index = search::SearchIndex::build(&tools);
        Self {
            tools,
            schema_hashes,
            valid_input,
            by_key,
            warnings,
            hash,
            index,
        }
    }

    /// Sha256 (hex) of the catalog's content; the same for the same tools in
    /// any order.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Sha256 (hex) of what a caller depends on in one tool: its name,
    /// description and schemas.
    pub fn tool_schema_hash(&self, tool: &CatalogTool) -> String {
        match self.index_of(&tool.server, &tool.name) {
            Some(i) if self.tools[i] == *tool => self.schema_hashes[i].clone(),
            _ => tool_schema_hash(tool),
        }
    }

    pub fn get(&self, server: &str, tool: &str) -> Option<&CatalogTool> {
        self.index_of(server, tool).map(|i| &self.tools[i])
    }

    /// Resolves `server.tool`, or a bare tool name that only one server has,
    /// with a "did you mean" suggestion when nothing matches.
    pub fn lookup(&self, reference: &str) -> Result<&CatalogTool, LookupError> {
        let reference = reference.trim();
        // Server names may themselves contain dots: try every split point.
        for (i, _) in reference.match_indices('.') {
            if let Some(tool) = self.get(&reference[..i], &reference[i + 1..]) {
                return Ok(tool);
            }
        }
        let bare: Vec<&CatalogTool> = self.tools.iter().filter(|t| t.name == reference).collect();
        match bare.as_slice() {
            [one] => Ok(one),
            [] => Err(LookupError::Unknown {
                name: reference.to_string(),
                suggestion: self.closest(reference),
            }),
            many => Err(LookupError::Ambiguous {
                name: reference.to_string(),
                candidates: many.iter().map(|t| t.qualified_name()).collect(),
            }),
        }
    }

    /// Server names, sorted, each once.
    pub fn servers(&self) -> Vec<&str> {
        let mut servers: Vec<&str> = self.tools.iter().map(|t| t.server.as_str()).collect();
        servers.dedup();
        servers
    }

    /// All tools sorted by `(server, name)`.
    pub fn tools(&self) -> &[CatalogTool] {
        &self.tools
    }

    pub fn len(&self) -> usize {
        self.tools.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tools.is_empty()
    }

    pub fn warnings(&self) -> &[CatalogWarning] {
        &self.warnings
    }

    /// False when the tool's inputSchema failed JSON Schema validation (its
    /// SDK function then takes free keyword arguments).
    pub fn has_valid_input_schema(&self, server: &str, tool: &str) -> bool {
        self.index_of(server, tool)
            .is_some_and(|i| self.valid_input[i])
    }

    /// The qualified `server.tool` name closest to `name`, for "did you mean"
    /// messages; `None` when nothing is reasonably close.
    pub fn closest(&self, name: &str) -> Option<String> {
        closest_name(
            name,
            self.tools
                .iter()
                .map(|t| (t.qualified_name(), t.name.as_str())),
        )
    }

    /// Ranked search over names, descriptions and parameters; see
    /// [`search`] for how queries are matched.
    pub fn search(
        &self,
        query: &str,
        detail: DetailLevel,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        self.index.search(&self.tools, query, detail, limit)
    }

    fn index_of(&self, server: &str, tool: &str) -> Option<usize> {
        self.by_key
            .get(&(server.to_string(), tool.to_string()))
            .copied()
    }
}

/// Among `(server.tool, tool)` candidates, the qualified name closest to
/// `name` (matched against either form); `None` when nothing is close.
pub fn closest_name<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = (String, &'a str)>,
) -> Option<String> {
    let wanted = name.trim().to_lowercase();
    if wanted.is_empty() {
        return None;
    }
    let mut best: Option<(f64, String)> = None;
    for (qualified, bare) in candidates {
        let score = strsim::jaro_winkler(&wanted, &qualified.to_lowercase())
            .max(strsim::jaro_winkler(&wanted, &bare.to_lowercase()));
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, qualified));
        }
    }
    best.filter(|(score, _)| *score >= 0.8).map(|(_, q)| q)
}

/// Why a tool's inputSchema cannot be used to check arguments, if it cannot.
fn schema_problem(schema: &Value) -> Option<String> {
    if let Err(error) = jsonschema::meta::validate(schema) {
        return Some(error.to_string());
    }
    jsonschema::validator_for(schema)
        .err()
        .map(|error| error.to_string())
}
