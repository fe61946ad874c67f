//! The agent's view of the live catalog and the hub: `search_tools` in code
//! mode, and every MCP tool as a function in direct mode.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{Value, json};
use vtcode_llm::ToolSpec;
use vtcode_mcp::McpHub;

use super::live_catalog::LiveCatalog;
use crate::agent::{DirectTools, ToolSearch};
use crate::catalog::{DetailLevel, SemanticSearch, TrackRecord};
use crate::metrics::{CallPath, MetricsRecorder};
use crate::skills::SkillLibrary;

/// Most skill hits one search returns; the rest of the limit goes to tools.
const MAX_SKILL_HITS: usize = 3;

/// `search_tools` over the catalog as it is at the moment of the call, and
/// over the saved skills. Each hit says which it is (`kind`); matching
/// skills come first, since reusing one is the shortest way to an answer.
pub struct CatalogSearch {
    catalog: LiveCatalog,
    skills: Option<Arc<SkillLibrary>>,
    /// Tools that worked before win ties (see `insights`).
    track_record: TrackRecord,
    /// Fused with the lexical ranking once it has embedded the catalog.
    semantic: Option<SemanticSearch>,
}

impl CatalogSearch {
    /// Lexical ranking only.
    pub fn new(catalog: LiveCatalog) -> Self {
        Self {
            catalog,
            skills: None,
            track_record: TrackRecord::default(),
            semantic: None,
        }
    }

    /// Fused with `semantic`'s ranking once it has embedded the catalog.
    pub fn with_semantic(mut self, semantic: SemanticSearch) -> Self {
        self.semantic = Some(semantic);
        self
    }

    /// Breaks ranking ties toward the tools of `track_record`.
    pub fn with_track_record(mut self, track_record: TrackRecord) -> Self {
        self.track_record = track_record;
        self
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
        let catalog = self.catalog.current();
        let tools = match &self.semantic {
            Some(semantic) => semantic.search_with_track_record(
                &catalog,
                query,
                detail,
                limit,
                &self.track_record,
            ),
            None => catalog.search_with_track_record(query, detail, limit, &self.track_record),
        }
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
    metrics: MetricsRecorder,
}

impl HubDirectTools {
    pub fn new(hub: Arc<McpHub>, catalog: LiveCatalog) -> Self {
        Self {
            hub,
            catalog,
            names: Mutex::new(HashMap::new()),
            metrics: MetricsRecorder::disabled(),
        }
    }

    /// Records every call in `metrics`.
    pub fn with_metrics(mut self, metrics: MetricsRecorder) -> Self {
        self.metrics = metrics;
        self
    }
}

/// Function names may hold only ASCII letters, digits, `_` and `-`, at most
/// 64 of them (the strictest of the APIs vtcode talks to).
pub(super) fn function_name(server: &str, tool: &str) -> String {
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
        let started = Instant::now();
        let result = match self.hub.call_tool(&server, &tool, args.clone()).await {
            Ok(output) if output.is_error => Err(output.text()),
            Ok(output) => Ok(output.text()),
            Err(e) => Err(e.to_string()),
        };
        let outcome = match &result {
            Ok(text) => Ok(text.len() as u64),
            Err(message) => Err(message.as_str()),
        };
        self.metrics.record_mcp_call(
            &server,
            &tool,
            CallPath::Direct,
            &args,
            started.elapsed().as_secs_f64() * 1000.0,
            outcome,
        );
        result
    }
}
