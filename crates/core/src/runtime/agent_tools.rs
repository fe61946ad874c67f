//! The agent's view of the live catalog and the hub: `search_tools` in code
//! mode, and every MCP tool as a function in direct mode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use vtcode_llm::ToolSpec;
use vtcode_mcp::McpHub;

use super::live_catalog::LiveCatalog;
use crate::agent::{DirectTools, ToolSearch};
use crate::catalog::DetailLevel;
use crate::skills::SkillLibrary;

/// Most skill hits one search returns; the rest of the limit goes to tools.
const MAX_SKILL_HITS: usize = 3;

/// `search_tools` over the catalog as it is at the moment of the call, and
/// over the saved skills. Each hit says which it is (`kind`); matching
/// skills come first, since reusing one is the shortest way to an answer.
pub struct CatalogSearch {
    catalog: LiveCatalog,
    skills: Option<Arc<SkillLibrary>>,
}

impl CatalogSearch {
    pub fn new(catalog: LiveCatalog) -> Self {
        Self {
            catalog,
            skills: None,
        }
    }

    pub fn with_skills(mut self, skills: Arc<SkillLibrary>) -> Self {
        self.skills = Some(skills);
        self
    }

    fn skill_hits(&self, query: &str, detail: DetailLevel, limit: usize) -> Vec<Value> {
        let Some(skills) = &self.skills else {
            return Vec::new();
        };
        let hits = match skills.search(query, limit.min(MAX_SKILL_HITS)) {
            Ok(hits) => hits,
            Err(e) => {
                tracing::warn!("skills left out of search_tools: {e}");
                return Vec::new();
            }
        };
        hits.into_iter()
            .map(|(skill, score)| {
                let module = crate::skills::scan::python_module(&skill.name);
                let mut hit = json!({
                    "kind": "skill",
                    "name": skill.name,
                    "score": (score * 1e4).round() / 1e4,
                });
                if detail != DetailLevel::Name {
                    hit["description"] = json!(skill.description.lines().next().unwrap_or(""));
                    hit["import"] = json!(match skill.language.as_deref() {
                        Some("javascript") =>
                            format!("import {{ ... }} from 'skills/{}'", skill.name),
                        Some(_) => format!("from skills.{module} import ..."),
                        None => "instructions only: read them with load_skill".to_string(),
                    });
                }
                hit
            })
            .collect()
    }
}

#[async_trait::async_trait]
impl ToolSearch for CatalogSearch {
    async fn search(&self, query: &str, detail: &str, limit: usize) -> Result<Value, String> {
        let detail: DetailLevel = detail.parse().map_err(|e| format!("{e}"))?;
        let tools = self
            .catalog
            .current()
            .search(query, detail, limit)
            .map_err(|e| e.to_string())?;
        let mut hits = self.skill_hits(query, detail, limit);
        for tool in tools.into_iter().take(limit.saturating_sub(hits.len())) {
            let mut hit = json!({"kind": "tool"});
            if let (Value::Object(out), Ok(Value::Object(fields))) =
                (&mut hit, serde_json::to_value(tool))
            {
                out.extend(fields);
            }
            hits.push(hit);
        }
        Ok(Value::Array(hits))
    }
}

/// Every MCP tool as `<server>__<tool>`, with raw text results: the
/// baseline code mode is measured against.
pub struct HubDirectTools {
    hub: Arc<McpHub>,
    catalog: LiveCatalog,
    /// Function name given to the model → (server, tool), as of the last
    /// `specs()`; names are made valid for function-calling APIs.
    names: Mutex<HashMap<String, (String, String)>>,
}

impl HubDirectTools {
    pub fn new(hub: Arc<McpHub>, catalog: LiveCatalog) -> Self {
        Self {
            hub,
            catalog,
            names: Mutex::new(HashMap::new()),
        }
    }
}

/// Function names may hold only ASCII letters, digits, `_` and `-`, at most
/// 64 of them (the strictest of the APIs vtcode talks to).
fn function_name(server: &str, tool: &str) -> String {
    let raw = format!("{server}__{tool}");
    raw.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect()
}

#[async_trait::async_trait]
impl DirectTools for HubDirectTools {
    fn specs(&self) -> Vec<ToolSpec> {
        let catalog = self.catalog.current();
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        names.clear();
        catalog
            .tools()
            .iter()
            .filter(|tool| !tool.builtin)
            .map(|tool| {
                let name = function_name(&tool.server, &tool.name);
                names.insert(name.clone(), (tool.server.clone(), tool.name.clone()));
                ToolSpec {
                    name,
                    description: tool.description.clone().unwrap_or_default(),
                    parameters: tool.input_schema.clone(),
                }
            })
            .collect()
    }

    async fn call(&self, name: &str, args: Value) -> Result<String, String> {
        let target = self
            .names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned();
        let Some((server, tool)) = target else {
            return Err(format!("unknown tool `{name}`"));
        };
        let output = self
            .hub
            .call_tool(&server, &tool, args)
            .await
            .map_err(|e| e.to_string())?;
        if output.is_error {
            Err(output.text())
        } else {
            Ok(output.text())
        }
    }
}
