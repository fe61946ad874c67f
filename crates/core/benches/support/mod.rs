//! Shared by the benches: the generated 1,000-tool catalog and the
//! percentile helpers.

#![allow(dead_code)]

use std::time::Duration;

use serde_json::json;
use vtcode_core::catalog::{CatalogTool, ToolCatalog};

const VERBS: &[&str] = &[
    "get", "list", "create", "update", "delete", "search", "convert", "send", "fetch", "sync",
    "export", "import", "archive", "restore", "validate", "render", "schedule", "cancel", "merge",
    "publish",
];
const NOUNS: &[&str] = &[
    "issue",
    "pull_request",
    "branch",
    "commit",
    "file",
    "directory",
    "user",
    "team",
    "invoice",
    "payment",
    "customer",
    "order",
    "ticket",
    "message",
    "channel",
    "calendar_event",
    "document",
    "spreadsheet",
    "image",
    "deployment",
    "container",
    "database_row",
    "metric",
    "alert",
    "timezone",
    "report",
    "webhook",
    "secret",
    "repository",
    "comment",
    "label",
    "milestone",
    "project",
    "page",
    "record",
    "task",
    "note",
    "bookmark",
    "playlist",
    "forecast",
    "invoice_line",
    "shipment",
    "product",
    "review",
    "subscription",
    "refund",
    "coupon",
    "lead",
    "contact",
    "meeting",
];
const SERVERS: &[&str] = &[
    "github", "slack", "stripe", "calendar", "drive", "jira", "postgres", "k8s", "notion", "sentry",
];

pub fn generated_catalog(n: usize) -> ToolCatalog {
    let tools = (0..n)
        .map(|i| {
            let verb = VERBS[i % VERBS.len()];
            let noun = NOUNS[(i / VERBS.len()) % NOUNS.len()];
            let server = SERVERS[i % SERVERS.len()];
            let readable = noun.replace('_', " ");
            CatalogTool {
                server: server.to_string(),
                name: format!("{verb}_{noun}"),
                title: None,
                description: Some(format!(
                    "{verb} a {readable} in {server}. Returns the {readable} with its id, owner and timestamps.\nRequires a token with {server} scope."
                )),
                input_schema: json!({
                    "type": "object",
                    "properties": {
                        format!("{noun}_id"): {"type": "string", "description": format!("Identifier of the {readable}")},
                        "limit": {"type": "integer", "default": 20, "description": "Maximum number of results"},
                        "filter": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": null},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    },
                    "required": [format!("{noun}_id")]
                }),
                output_schema: (i % 3 == 0).then(|| json!({
                    "type": "object",
                    "properties": {"id": {"type": "string"}, "owner": {"type": "string"}, "created": {"type": "string"}},
                    "required": ["id"]
                })),
                annotations: None,
                builtin: false,
            }
        })
        .collect();
    ToolCatalog::new(tools)
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}
