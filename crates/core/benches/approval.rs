//! What the approval check costs a bridge call that needs no question: the
//! policy's verdict (annotations, trust, approve/deny globs) and the request
//! built for it, over a 1,000-tool catalog whose servers carry overrides.
//! Argument validation ran before approvals existed and is shown apart.
//! Prints one markdown section.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::json;
use vtcode_core::approval::{Grants, ToolApproval, ToolPolicy, Verdict};
use vtcode_core::catalog::{CatalogTool, ToolCatalog};
use vtcode_core::config::{ApprovalMode, McpConfig, ServerConfig, ServerTransport, ServerTrust};

const SERVERS: usize = 20;
const TOOLS_PER_SERVER: usize = 50;
const ROUNDS: usize = 20_000;

fn catalog() -> ToolCatalog {
    let mut tools = Vec::new();
    for s in 0..SERVERS {
        for t in 0..TOOLS_PER_SERVER {
            let read_only = t % 2 == 0;
            tools.push(CatalogTool {
                server: format!("server{s}"),
                name: format!("{}_item{t}", if read_only { "list" } else { "delete" }),
                title: None,
                description: Some(format!("Does thing {t} of server {s}.")),
                input_schema: json!({"type": "object", "properties": {
                    "region": {"type": "string"}, "limit": {"type": "integer"}
                }, "required": ["region"]}),
                output_schema: None,
                annotations: Some(json!({"readOnlyHint": read_only})),
                builtin: false,
            });
        }
    }
    ToolCatalog::new(tools)
}

fn policy() -> ToolPolicy {
    let servers: BTreeMap<String, ServerConfig> = (0..SERVERS)
        .map(|s| {
            let server = ServerConfig {
                transport: ServerTransport::Http {
                    url: "http://127.0.0.1:1/mcp".into(),
                    headers: BTreeMap::new(),
                },
                enabled: true,
                required: false,
                startup_timeout_s: 30,
                tool_timeout_s: 60,
                enabled_tools: None,
                disabled_tools: Vec::new(),
                trust: (s % 3 == 0).then_some(ServerTrust::ReadOnly),
                approve: vec!["get_*".into(), "list_item1?".into()],
                deny: vec!["drop_*".into(), "*_everything".into()],
            };
            (format!("server{s}"), server)
        })
        .collect();
    ToolPolicy::from_config(&McpConfig { servers }).unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn us(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

fn main() {
    let catalog = catalog();
    let policy = policy();
    let grants = Grants::default();
    let args = json!({"region": "emea", "limit": 50});
    let read_only: Vec<&CatalogTool> = catalog
        .tools()
        .iter()
        .filter(|t| t.name.starts_with("list_"))
        .collect();
    let validator = jsonschema::validator_for(&read_only[0].input_schema).unwrap();

    let mut check = Vec::with_capacity(ROUNDS);
    let mut validate = Vec::with_capacity(ROUNDS);
    for round in 0..ROUNDS {
        let tool = read_only[round % read_only.len()];
        let t = Instant::now();
        let hash = catalog.tool_schema_hash(tool);
        let verdict = policy.verdict(ApprovalMode::AskWrites, tool);
        let request = ToolApproval::new(tool, hash, args.clone());
        let allowed = verdict == Verdict::Allow || grants.allows(&request);
        check.push(t.elapsed());
        assert!(allowed, "{} should run without a question", tool.name);

        let t = Instant::now();
        assert!(validator.is_valid(&args));
        validate.push(t.elapsed());
    }
    check.sort();
    validate.sort();
    let (p50, p99) = (percentile(&check, 0.5), percentile(&check, 0.99));
    let met = if p99 <= Duration::from_micros(100) {
        "yes"
    } else {
        "**no**"
    };
    println!("### Approval check on a bridge call that needs no question\n");
    println!(
        "{} tools on {SERVERS} servers, each with `trust`, `approve` and `deny` globs; {ROUNDS} calls to read-only tools under `ask-writes`.\n",
        catalog.len()
    );
    println!("| what | p50 | p99 | budget | met |");
    println!("|---|---|---|---|---|");
    println!(
        "| verdict + approval request (added per call) | {} | {} | ≤ 0.1 ms | {met} |",
        us(p50),
        us(p99)
    );
    println!(
        "| argument validation (for reference, existed before) | {} | {} | - | - |",
        us(percentile(&validate, 0.5)),
        us(percentile(&validate, 0.99))
    );
}
