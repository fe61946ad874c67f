//! The tools the model can call, and how one call is dispatched.
//!
//! A call arrives as a name and raw JSON text from the model. Everything
//! that can go wrong with it (bad JSON, an unknown name, a tool that fails)
//! becomes a [`ToolOutput`] with `is_error` set, which the model reads and
//! can recover from; nothing here fails the turn. Output is capped before it
//! reaches the model, with a marker that says how much was cut, and after
//! personal data and secrets in it became tokens (so no value is cut in
//! half and sent partly in clear).

mod bridge;
mod code;
pub use code::{execution_report, stream_execution};
mod fs;
mod patch;
mod skills;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use vtcode_llm::ToolSpec;

use crate::agent::approvals::Asker;
use crate::agent::pii_guard::{self, SharedGuard};
use crate::agent::{AgentDeps, ToolMode, compaction};
use crate::events::AgentEvent;
use crate::metrics::SkillAction;

/// What one tool call hands back.
#[derive(Debug, Clone)]
pub(crate) struct ToolOutput {
    pub text: String,
    pub is_error: bool,
    /// Structure for rich display (not sent to the model).
    pub details: Option<Value>,
}

impl ToolOutput {
    pub(crate) fn ok(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: false,
            details: None,
        }
    }

    pub(crate) fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            is_error: true,
            details: None,
        }
    }
}

/// What a running tool may use besides its arguments.
pub(crate) struct ToolContext<'a> {
    pub deps: &'a AgentDeps,
    /// The session's PII guard: output is tokenized before it is capped,
    /// and tokens in a program's tool calls are restored.
    pub pii: Option<&'a SharedGuard>,
    pub events: &'a UnboundedSender<AgentEvent>,
    pub call_id: &'a str,
    pub cancel: &'a CancellationToken,
    /// Asks this turn's front end, for MCP calls a program makes.
    pub asker: &'a Asker,
}

const SEARCH_TOOLS: &str = "search_tools";
const EXECUTE_CODE: &str = "execute_code";
const WAIT_CODE: &str = "wait_code";
const CANCEL_CODE: &str = "cancel_code";
const BUILTIN: [&str; 5] = ["read_file", "list_dir", "grep", "apply_patch", "run_shell"];

/// The tools offered to the model in `mode`.
pub(crate) fn specs(deps: &AgentDeps, mode: ToolMode) -> Vec<ToolSpec> {
    let mut out = match mode {
        ToolMode::Code => {
            let mut code = code_mode_specs();
            if deps.skills.is_some() {
                code.extend(skills::specs());
            }
            code
        }
        ToolMode::Direct => deps.direct_tools.specs(),
    };
    out.extend(builtin_specs());
    out
}

/// `search_tools`, `execute_code` and the two tools for programs that
/// outlive it (`wait_code`, `cancel_code`), as code mode and `vtcode mcp
/// serve` offer them.
pub fn code_mode_specs() -> Vec<ToolSpec> {
    vec![
        search_tools_spec(),
        execute_code_spec(),
        wait_code_spec(),
        cancel_code_spec(),
    ]
}

/// Whether `name` is an MCP tool offered directly (not a built-in).
pub(crate) fn is_direct(mode: ToolMode, name: &str) -> bool {
    mode == ToolMode::Direct
        && name != SEARCH_TOOLS
        && name != EXECUTE_CODE
        && name != WAIT_CODE
        && name != CANCEL_CODE
        && name != skills::SAVE_SKILL
        && name != skills::LOAD_SKILL
        && !BUILTIN.contains(&name)
}

/// Parses the model's raw argument text; empty text means no arguments.
pub(crate) fn parse_arguments(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Ok(json!({}));
    }
    match serde_json::from_str::<Value>(raw) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(
            "the arguments must be one JSON object (`{...}`); call the tool again with an object"
                .to_string(),
        ),
        Err(e) => Err(format!(
            "the arguments were not valid JSON ({e}); call the tool again with one JSON object"
        )),
    }
}

/// Runs one call whose arguments already parsed. `offered` are the names of
/// the tools this request offered, for the unknown-tool message.
pub(crate) async fn dispatch(
    ctx: &ToolContext<'_>,
    mode: ToolMode,
    offered: &[String],
    name: &str,
    args: Value,
) -> ToolOutput {
    let out = match (mode, name) {
        (ToolMode::Code, SEARCH_TOOLS) => code::search_tools(ctx, &args).await,
        (ToolMode::Code, EXECUTE_CODE) => code::execute_code(ctx, &args).await,
        (ToolMode::Code, WAIT_CODE) => code::wait_code(ctx, &args).await,
        (ToolMode::Code, CANCEL_CODE) => code::cancel_code(ctx, &args),
        (ToolMode::Code, skills::SAVE_SKILL) => skill_metric(
            ctx,
            &args,
            SkillAction::Save,
            skills::save_skill(ctx, &args),
        ),
        (ToolMode::Code, skills::LOAD_SKILL) => skill_metric(
            ctx,
            &args,
            SkillAction::Load,
            skills::load_skill(ctx, &args),
        ),
        (_, "read_file") => fs::read_file(ctx.deps, &args),
        (_, "list_dir") => fs::list_dir(ctx.deps, &args),
        (_, "grep") => fs::grep(ctx.deps, &args),
        (_, "apply_patch") => patch::apply_patch(ctx.deps, &args),
        (_, "run_shell") => code::run_shell(ctx, &args).await,
        _ if offered.iter().any(|n| n == name) => {
            match ctx.deps.direct_tools.call(name, args).await {
                Ok(text) => ToolOutput::ok(text),
                Err(e) => ToolOutput::error(format!("{name} failed: {e}")),
            }
        }
        _ => ToolOutput::error(format!(
            "unknown tool `{name}`; the tools you can call are: {}",
            offered.join(", ")
        )),
    };
    let out = ToolOutput {
        text: pii_guard::protect(ctx.pii.map(AsRef::as_ref), name, out.text),
        ..out
    };
    cap(out, result_cap(ctx.deps))
}

/// The most bytes of one tool result the model is handed.
pub(crate) fn result_cap(deps: &AgentDeps) -> usize {
    let window_cap = compaction::max_result_bytes(deps.context_window);
    deps.tool_output_bytes.min(window_cap)
}

/// The one-line summary and the full body shown when `name` asks approval.
pub(crate) fn approval_text(deps: &AgentDeps, name: &str, args: &Value) -> (String, String) {
    let first_line = |text: &str| -> String {
        let line = text.lines().next().unwrap_or("");
        if line.chars().count() > 80 || text.lines().nth(1).is_some() {
            format!("{}…", line.chars().take(80).collect::<String>())
        } else {
            line.to_string()
        }
    };
    match name {
        "apply_patch" => {
            let body = opt_str(args, "patch").unwrap_or_default();
            (patch::summary(body), body.to_string())
        }
        "run_shell" => {
            let body = opt_str(args, "command").unwrap_or_default();
            (format!("run_shell: {}", first_line(body)), body.to_string())
        }
        skills::SAVE_SKILL => skills::approval_text(
            args,
            deps.skills
                .as_ref()
                .map_or(".agents/skills", |s| s.save_dir()),
        ),
        EXECUTE_CODE => {
            let body = opt_str(args, "code").unwrap_or_default();
            let language = opt_str(args, "language").unwrap_or("python");
            (
                format!("execute_code: {} lines of {language}", body.lines().count()),
                body.to_string(),
            )
        }
        _ => (
            format!("{name}: call an MCP tool"),
            serde_json::to_string_pretty(args).unwrap_or_default(),
        ),
    }
}

/// Cuts text longer than `max` bytes at a character boundary and says so.
pub(crate) fn cap(mut out: ToolOutput, max: usize) -> ToolOutput {
    if out.text.len() > max {
        let total = out.text.len();
        let mut end = max;
        while !out.text.is_char_boundary(end) {
            end -= 1;
        }
        out.text.truncate(end);
        out.text.push_str(&format!(
            "\n[output truncated: showed the first {end} of {total} bytes; ask for less, e.g. filter or aggregate before printing]"
        ));
    }
    out
}

/// A required string argument, or a message naming it.
pub(crate) fn str_arg<'a>(args: &'a Value, key: &str) -> Result<&'a str, String> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string argument `{key}`"))
}

fn opt_str<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}

fn opt_u64(args: &Value, key: &str) -> Option<u64> {
    args.get(key).and_then(Value::as_u64)
}

fn function(name: &str, description: &str, parameters: Value) -> ToolSpec {
    ToolSpec {
        name: name.to_string(),
        description: description.to_string(),
        parameters,
    }
}

fn search_tools_spec() -> ToolSpec {
    function(
        SEARCH_TOOLS,
        "Find MCP tools by what they do. Returns matching tools at the requested detail.",
        json!({
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "What the tool should do, in words."},
                "detail_level": {"type": "string", "enum": ["name", "description", "full"], "description": "name: server.tool; description: + one line; full: + input and output schemas.", "default": "description"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10}
            },
            "required": ["query"]
        }),
    )
}

fn execute_code_spec() -> ToolSpec {
    function(
        EXECUTE_CODE,
        "Run a short program in the sandbox. MCP servers are importable (`from servers.<server> import <tool>`). Returns status, stdout, stderr and `result` (a variable you set, or the last expression in Python). A program still running after `yield_after_s` keeps running: you get `status: running`, a handle and its output so far; then use wait_code or cancel_code.",
        json!({
            "type": "object",
            "properties": {
                "language": {"type": "string", "enum": ["python", "javascript"], "default": "python"},
                "code": {"type": "string"},
                "yield_after_s": {"type": "number", "minimum": 0, "default": 30, "description": "Seconds to wait for the program before handing back a handle while it keeps running (the sandbox timeout still ends it)."}
            },
            "required": ["code"]
        }),
    )
}

fn wait_code_spec() -> ToolSpec {
    function(
        WAIT_CODE,
        "Wait for a program that execute_code left running. Returns the output printed since the last look and, once it ended, its status and result.",
        json!({
            "type": "object",
            "properties": {
                "handle": {"type": "string", "description": "The handle execute_code returned, e.g. p1."},
                "timeout_s": {"type": "number", "minimum": 0, "default": 30, "description": "Seconds to wait for the end before returning what is new."}
            },
            "required": ["handle"]
        }),
    )
}

fn cancel_code_spec() -> ToolSpec {
    function(
        CANCEL_CODE,
        "Stop a program that execute_code left running. Returns what it printed since the last look.",
        json!({
            "type": "object",
            "properties": {"handle": {"type": "string", "description": "The handle execute_code returned, e.g. p1."}},
            "required": ["handle"]
        }),
    )
}

fn builtin_specs() -> Vec<ToolSpec> {
    vec![
        function(
            "read_file",
            "Read a text file of the project, lines numbered from 1.",
            json!({
                "type": "object",
                "properties": {
                    "path": {"type": "string"},
                    "offset": {"type": "integer", "minimum": 1, "description": "First line to show (1-based)."},
                    "limit": {"type": "integer", "minimum": 1, "description": "How many lines to show."}
                },
                "required": ["path"]
            }),
        ),
        function(
            "list_dir",
            "List a directory of the project; directories end with `/`.",
            json!({
                "type": "object",
                "properties": {"path": {"type": "string", "default": "."}}
            }),
        ),
        function(
            "grep",
            "Search file contents with a regular expression; respects .gitignore. Returns path:line:text.",
            json!({
                "type": "object",
                "properties": {
                    "pattern": {"type": "string"},
                    "path": {"type": "string", "default": "."},
                    "glob": {"type": "string", "description": "Only files matching this glob, e.g. *.rs"}
                },
                "required": ["pattern"]
            }),
        ),
        function(
            "apply_patch",
            "Change files with a unified diff (one or more files; /dev/null creates or deletes).",
            json!({
                "type": "object",
                "properties": {"patch": {"type": "string"}},
                "required": ["patch"]
            }),
        ),
        function(
            "run_shell",
            "Run a shell command in the sandbox, in the project directory. Returns its output and exit code.",
            json!({
                "type": "object",
                "properties": {"command": {"type": "string"}},
                "required": ["command"]
            }),
        ),
    ]
}

/// Records a skill that was saved or loaded; a refused save or an unknown
/// name is the model's mistake, not a use of the skill.
fn skill_metric(
    ctx: &ToolContext<'_>,
    args: &Value,
    action: SkillAction,
    out: ToolOutput,
) -> ToolOutput {
    if !out.is_error
        && let Some(name) = args.get("name").and_then(Value::as_str)
    {
        ctx.deps.metrics.record_skill(name, action, None, None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_marks_what_it_cut_and_keeps_utf8_whole() {
        let out = cap(ToolOutput::ok("é".repeat(10)), 5);
        assert!(
            out.text
                .starts_with("éé\n[output truncated: showed the first 4 of 20 bytes")
        );
        let short = cap(ToolOutput::ok("fine"), 5);
        assert_eq!(short.text, "fine");
    }

    #[test]
    fn malformed_arguments_are_explained() {
        assert!(
            parse_arguments("{\"path\": ")
                .unwrap_err()
                .contains("not valid JSON")
        );
        assert!(
            parse_arguments("[1]")
                .unwrap_err()
                .contains("one JSON object")
        );
        assert_eq!(parse_arguments(" ").unwrap(), json!({}));
    }
}
