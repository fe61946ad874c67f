//! One tool call as a person sees it when asked: `server.tool`, what its
//! annotations say it does, and the arguments.

use serde_json::Value;

use crate::catalog::CatalogTool;

/// The MCP behaviour hints of a tool, with the spec's defaults for hints a
/// server left out (not read-only, destructive, not idempotent, open world).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
    /// False when the server sent no annotations at all.
    pub declared: bool,
}

impl Annotations {
    pub fn of(tool: &CatalogTool) -> Self {
        let hint = |name: &str, default: bool| {
            tool.annotations
                .as_ref()
                .and_then(|a| a.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(default)
        };
        let read_only = hint("readOnlyHint", false);
        Self {
            read_only,
            // The write hints mean nothing for a read-only tool.
            destructive: !read_only && hint("destructiveHint", true),
            idempotent: read_only || hint("idempotentHint", false),
            open_world: hint("openWorldHint", true),
            declared: tool.annotations.as_ref().is_some_and(Value::is_object),
        }
    }

    /// One line, e.g. `writes, destructive, not idempotent, open world`.
    pub fn describe(&self) -> String {
        let mut parts = vec![if self.read_only {
            "read-only"
        } else {
            "writes"
        }];
        if !self.read_only {
            parts.push(if self.destructive {
                "destructive"
            } else {
                "not destructive"
            });
            parts.push(if self.idempotent {
                "idempotent"
            } else {
                "not idempotent"
            });
        }
        parts.push(if self.open_world {
            "open world"
        } else {
            "closed world"
        });
        let mut line = parts.join(", ");
        if !self.declared {
            line.push_str(" (no annotations: assumed)");
        }
        line
    }
}

/// A call waiting for a decision.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolApproval {
    pub server: String,
    pub tool: String,
    pub schema_hash: String,
    pub annotations: Annotations,
    pub arguments: Value,
}

impl ToolApproval {
    pub fn new(tool: &CatalogTool, schema_hash: String, arguments: Value) -> Self {
        Self {
            server: tool.server.clone(),
            tool: tool.name.clone(),
            schema_hash,
            annotations: Annotations::of(tool),
            arguments,
        }
    }

    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.server, self.tool)
    }

    /// The modal's title line: `records.delete_record (writes, destructive, …)`.
    pub fn summary(&self) -> String {
        format!(
            "{} ({})",
            self.qualified_name(),
            self.annotations.describe()
        )
    }

    /// The modal's body: annotations and the arguments in full.
    pub fn body(&self) -> String {
        let arguments =
            serde_json::to_string_pretty(&self.arguments).unwrap_or_else(|_| "{}".to_string());
        format!(
            "tool: {}\nannotations: {}\narguments:\n{arguments}",
            self.qualified_name(),
            self.annotations.describe()
        )
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tool(annotations: Option<Value>) -> CatalogTool {
        CatalogTool {
            server: "records".into(),
            name: "delete_record".into(),
            title: None,
            description: None,
            input_schema: json!({"type": "object"}),
            output_schema: None,
            annotations,
            builtin: false,
        }
    }

    #[test]
    fn missing_annotations_mean_a_destructive_write() {
        let a = Annotations::of(&tool(None));
        assert!(!a.read_only && a.destructive && !a.declared);
        assert_eq!(
            a.describe(),
            "writes, destructive, not idempotent, open world (no annotations: assumed)"
        );
        let ro = Annotations::of(&tool(Some(json!({"readOnlyHint": true}))));
        assert!(ro.read_only && !ro.destructive && ro.declared);
        assert_eq!(ro.describe(), "read-only, open world");
    }
}
