//! The tool bridge of `vtcode run`, where the person running a program is
//! the one who asked for it: besides the MCP tools, a program may call
//! `vtcode.save_skill` (`call_tool("vtcode", "save_skill", {...})`) to keep
//! a function it defines, with the same checks as the model's `save_skill`.
//! The agent's `execute_code` never gets this host: the model saves through
//! its own tool, which asks first under `ask-writes`.

use std::sync::Arc;

use serde_json::{Value, json};
use vtcode_sandbox::{ToolCallError, ToolHost};

use crate::skills::{SaveRequest, SkillLibrary, scan};

pub const SKILLS_SERVER: &str = "vtcode";

pub struct SkillSavingHost {
    inner: Arc<dyn ToolHost>,
    skills: Arc<SkillLibrary>,
}

impl SkillSavingHost {
    pub fn new(inner: Arc<dyn ToolHost>, skills: Arc<SkillLibrary>) -> Self {
        Self { inner, skills }
    }

    fn save(&self, args: &Value) -> Result<Value, ToolCallError> {
        let text = |key: &str| {
            args.get(key)
                .and_then(Value::as_str)
                .ok_or_else(|| ToolCallError {
                    message: format!("vtcode.save_skill needs a string `{key}`"),
                })
        };
        let tags = args
            .get("tags")
            .and_then(Value::as_array)
            .map(|t| {
                t.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let request = SaveRequest {
            name: text("name")?,
            description: text("description")?,
            code: text("code")?,
            language: args
                .get("language")
                .and_then(Value::as_str)
                .unwrap_or("python"),
            tags,
        };
        let saved = self.skills.save(&request).map_err(|e| ToolCallError {
            message: e.to_string(),
        })?;
        let functions: Vec<&str> = saved.functions.iter().map(|f| f.name.as_str()).collect();
        Ok(json!({
            "name": saved.name,
            "version": saved.version,
            "functions": functions,
            "module": format!("skills.{}", scan::python_module(&saved.name)),
            "tools": saved.tools.iter().map(|t| t.qualified()).collect::<Vec<_>>(),
        }))
    }
}

#[async_trait::async_trait]
impl ToolHost for SkillSavingHost {
    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<Value, ToolCallError> {
        if server == SKILLS_SERVER && tool == "save_skill" {
            return self.save(&args);
        }
        self.inner.call_tool(server, tool, args).await
    }
}
