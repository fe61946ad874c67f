//! The list of valid keys and the type each one expects.
//!
//! Every source (TOML files, `VTCODE_*` variables, `-c key=value`) is checked
//! against this one table, so an unknown key or a wrong type reads the same
//! wherever it came from. Values are checked on the spanned TOML tree, so a
//! message can point at the exact line and column; text from the environment
//! or the command line is first parsed into that same tree.

use std::ops::Range;

use toml::Spanned;
use toml::de::DeValue;

use super::types::{
    ApprovalMode, PII_KINDS, Provider, SandboxBackend, ServerTrust, ToolMode, WorkspaceAccess,
};

/// What a key accepts.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Str,
    Bool,
    UInt {
        min: u64,
        max: u64,
    },
    Float {
        min: f64,
        max: f64,
    },
    Enum(&'static [&'static str]),
    StrList,
    /// A list whose items must come from a fixed set.
    StrListOf(&'static [&'static str]),
    /// A table of string values (environment variables, HTTP headers).
    StrMap,
    /// A table of named regular expressions (`[pii] patterns`).
    PatternMap,
    /// Exact values or `/regex/` entries (`[pii] allow`).
    AllowList,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySpec {
    pub name: &'static str,
    pub kind: Kind,
}

const fn key(name: &'static str, kind: Kind) -> KeySpec {
    KeySpec { name, kind }
}

const U32: u64 = u32::MAX as u64;

const LLM_KEYS: &[KeySpec] = &[
    key("provider", Kind::Enum(Provider::VARIANTS)),
    key("model", Kind::Str),
    key("base_url", Kind::Str),
    key("api_key_env", Kind::Str),
    key("context_window", Kind::UInt { min: 1, max: U32 }),
    key("max_tokens", Kind::UInt { min: 1, max: U32 }),
    key("temperature", Kind::Float { min: 0.0, max: 2.0 }),
];

const SANDBOX_KEYS: &[KeySpec] = &[
    key("backend", Kind::Enum(SandboxBackend::VARIANTS)),
    key("image", Kind::Str),
    key("pool_size", Kind::UInt { min: 0, max: 64 }),
    key("timeout_s", Kind::UInt { min: 1, max: U32 }),
    key("memory_mb", Kind::UInt { min: 16, max: U32 }),
    key(
        "cpus",
        Kind::Float {
            min: 0.01,
            max: 1024.0,
        },
    ),
    key("pids", Kind::UInt { min: 1, max: U32 }),
    key("workspace", Kind::Enum(WorkspaceAccess::VARIANTS)),
    key(
        "output_bytes",
        Kind::UInt {
            min: 1,
            max: u64::MAX >> 1,
        },
    ),
    key("max_running", Kind::UInt { min: 1, max: 64 }),
    key("docker_host", Kind::Str),
    key("remote", Kind::Bool),
    key(
        "workspace_max_mb",
        Kind::UInt {
            min: 1,
            max: 1 << 20,
        },
    ),
];

const AGENT_KEYS: &[KeySpec] = &[
    key("tool_mode", Kind::Enum(ToolMode::VARIANTS)),
    key("approval", Kind::Enum(ApprovalMode::VARIANTS)),
    key("max_turns", Kind::UInt { min: 1, max: U32 }),
    key(
        "tool_output_bytes",
        Kind::UInt {
            min: 1,
            max: u64::MAX >> 1,
        },
    ),
];

const PII_KEYS: &[KeySpec] = &[
    key("enabled", Kind::Bool),
    key("kinds", Kind::StrListOf(PII_KINDS)),
    key("patterns", Kind::PatternMap),
    key("allow", Kind::AllowList),
    key("scan_files", Kind::Bool),
];

const METRICS_KEYS: &[KeySpec] = &[
    key("enabled", Kind::Bool),
    key("retention_days", Kind::UInt { min: 1, max: U32 }),
];

const SKILLS_KEYS: &[KeySpec] = &[
    key("paths", Kind::StrList),
    key("save_dir", Kind::Str),
    key("user_skills", Kind::Bool),
    key("prompt_tokens", Kind::UInt { min: 0, max: U32 }),
];

const SEARCH_KEYS: &[KeySpec] = &[key("semantic", Kind::Bool), key("model_path", Kind::Str)];

/// Keys of one `[mcp.servers.NAME]` table.
pub(crate) const SERVER_KEYS: &[KeySpec] = &[
    key("command", Kind::Str),
    key("args", Kind::StrList),
    key("env", Kind::StrMap),
    key("cwd", Kind::Str),
    key("url", Kind::Str),
    key("headers", Kind::StrMap),
    key("enabled", Kind::Bool),
    key("required", Kind::Bool),
    key("startup_timeout_s", Kind::UInt { min: 1, max: U32 }),
    key("tool_timeout_s", Kind::UInt { min: 1, max: U32 }),
    key("enabled_tools", Kind::StrList),
    key("disabled_tools", Kind::StrList),
    key("env_vars", Kind::StrList),
    key("trust", Kind::Enum(ServerTrust::VARIANTS)),
    key("approve", Kind::StrList),
    key("deny", Kind::StrList),
];

/// Fields only a stdio server may have.
pub(crate) const STDIO_ONLY: &[&str] = &["command", "args", "env", "cwd", "env_vars"];
/// Fields only an HTTP server may have.
pub(crate) const HTTP_ONLY: &[&str] = &["url", "headers"];

/// Sections made of plain keys; `mcp` is handled apart because its
/// server names are chosen by the user.
pub(crate) const FLAT_SECTIONS: &[(&str, &[KeySpec])] = &[
    ("llm", LLM_KEYS),
    ("sandbox", SANDBOX_KEYS),
    ("agent", AGENT_KEYS),
    ("pii", PII_KEYS),
    ("metrics", METRICS_KEYS),
    ("skills", SKILLS_KEYS),
    ("search", SEARCH_KEYS),
];

/// Every top-level section, in the order the docs present them.
pub(crate) const SECTION_NAMES: &[&str] = &[
    "llm", "mcp", "sandbox", "agent", "pii", "metrics", "skills", "search",
];

pub(crate) fn section_keys(section: &str) -> Option<&'static [KeySpec]> {
    FLAT_SECTIONS
        .iter()
        .find(|(name, _)| *name == section)
        .map(|(_, keys)| *keys)
}

/// Looks a key up in a table's spec, or explains which keys exist.
pub(crate) fn lookup(
    keys: &'static [KeySpec],
    name: &str,
    table: &str,
) -> Result<&'static KeySpec, String> {
    keys.iter().find(|spec| spec.name == name).ok_or_else(|| {
        let names: Vec<&str> = keys.iter().map(|spec| spec.name).collect();
        unknown_message("key", name, &format!(" in [{table}]"), &names)
    })
}

/// "unknown key `x` in [t]; did you mean `y`? valid keys: a, b, c".
pub(crate) fn unknown_message(what: &str, name: &str, place: &str, valid: &[&str]) -> String {
    let hint = closest(name, valid)
        .map(|near| format!("; did you mean `{near}`?"))
        .unwrap_or_else(|| ";".to_owned());
    format!(
        "unknown {what} `{name}`{place}{hint} valid {what}s: {}",
        valid.join(", ")
    )
}

/// The candidate nearest to a misspelt name, if any is plausibly meant.
pub(crate) fn closest<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .iter()
        .map(|candidate| (strsim::damerau_levenshtein(name, candidate), *candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

impl Kind {
    /// What the key expects, phrased for an error message.
    pub(crate) fn describe(self) -> String {
        match self {
            Kind::Str => "a string".to_owned(),
            Kind::Bool => "true or false".to_owned(),
            Kind::UInt { min, max } if max == U32 || max == u64::MAX >> 1 => {
                format!("an integer of at least {min}")
            }
            Kind::UInt { min, max } => format!("an integer from {min} to {max}"),
            Kind::Float { min, max } => format!("a number from {min} to {max}"),
            Kind::Enum(choices) => format!("one of {}", quoted(choices)),
            Kind::StrList => "an array of strings".to_owned(),
            Kind::StrListOf(choices) => {
                format!("an array of strings from {}", quoted(choices))
            }
            Kind::StrMap => "a table of strings, like { NAME = \"value\" }".to_owned(),
            Kind::PatternMap => {
                "a table of regular expressions, like { employee_id = \"EMP-[0-9]{6}\" }"
                    .to_owned()
            }
            Kind::AllowList => {
                "an array of values or /regular expressions/, like [\"me@example.com\", \"/@example[.]test$/\"]"
                    .to_owned()
            }
        }
    }
}

fn quoted(choices: &[&str]) -> String {
    let quoted: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
    quoted.join(", ")
}

/// A value that failed its check: where in the source, and why.
pub(crate) struct Mismatch {
    pub span: Range<usize>,
    pub message: String,
}

/// Checks a spanned TOML value against `kind` and converts it to an owned
/// value. `dotted` names the key in messages.
pub(crate) fn check(
    kind: Kind,
    dotted: &str,
    value: &Spanned<DeValue<'_>>,
) -> Result<toml::Value, Mismatch> {
    let fail = |detail: String| Mismatch {
        span: value.span(),
        message: format!("`{dotted}` expects {}, found {detail}", kind.describe()),
    };
    match (kind, value.get_ref()) {
        (Kind::Str, DeValue::String(s)) => Ok(toml::Value::String(s.to_string())),
        (Kind::Bool, DeValue::Boolean(b)) => Ok(toml::Value::Boolean(*b)),
        (Kind::UInt { min, max }, DeValue::Integer(int)) => {
            let parsed = i128::from_str_radix(int.as_str(), int.radix()).ok();
            match parsed.and_then(|n| i64::try_from(n).ok()) {
                Some(n) if n >= 0 && (n as u64) >= min && (n as u64) <= max => {
                    Ok(toml::Value::Integer(n))
                }
                _ => Err(fail(int.to_string())),
            }
        }
        (Kind::Float { min, max }, DeValue::Float(_) | DeValue::Integer(_)) => {
            let number = match value.get_ref() {
                DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
                DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
                    .ok()
                    .map(|n| n as f64),
                _ => None,
            };
            match number {
                Some(n) if n >= min && n <= max => Ok(toml::Value::Float(n)),
                _ => Err(fail(describe_found(value.get_ref()))),
            }
        }
        (Kind::Enum(choices), DeValue::String(s)) => {
            if choices.contains(&s.as_ref()) {
                Ok(toml::Value::String(s.to_string()))
            } else {
                let mut mismatch = fail(format!("\"{s}\""));
                if let Some(near) = closest(s, choices) {
                    mismatch
                        .message
                        .push_str(&format!("; did you mean \"{near}\"?"));
                }
                Err(mismatch)
            }
        }
        (Kind::StrList | Kind::StrListOf(_), DeValue::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items.iter() {
                let element = match (kind, item.get_ref()) {
                    (Kind::StrListOf(choices), DeValue::String(s))
                        if !choices.contains(&s.as_ref()) =>
                    {
                        None
                    }
                    (_, DeValue::String(s)) => Some(s.to_string()),
                    _ => None,
                };
                match element {
                    Some(s) => out.push(toml::Value::String(s)),
                    None => return Err(bad_element(kind, dotted, item)),
                }
            }
            Ok(toml::Value::Array(out))
        }
        (Kind::PatternMap, DeValue::Table(table)) => check_patterns(dotted, table),
        (Kind::AllowList, DeValue::Array(items)) => check_allow(kind, dotted, items),
        (Kind::StrMap, DeValue::Table(table)) => {
            let mut out = toml::Table::new();
            for (name, item) in table.iter() {
                match item.get_ref() {
                    DeValue::String(s) => {
                        out.insert(
                            name.get_ref().to_string(),
                            toml::Value::String(s.to_string()),
                        );
                    }
                    other => {
                        return Err(Mismatch {
                            span: item.span(),
                            message: format!(
                                "`{dotted}.{}` expects a string, found {}",
                                name.get_ref(),
                                describe_found(other)
                            ),
                        });
                    }
                }
            }
            Ok(toml::Value::Table(out))
        }
        (_, other) => Err(fail(describe_found(other))),
    }
}

/// Parses text from an environment variable or `-c key=value` into the
/// type `kind` expects. Strings are taken literally; everything else uses
/// TOML value syntax, and lists may also be written `a,b,c`.
pub(crate) fn check_text(kind: Kind, dotted: &str, text: &str) -> Result<toml::Value, String> {
    let literal = |s: &str| toml::Value::String(s.to_owned());
    match kind {
        Kind::Str => Ok(literal(text)),
        Kind::Enum(_) => {
            let quoted = toml::Value::String(text.to_owned()).to_string();
            parse_and_check(kind, dotted, &quoted)
        }
        Kind::StrList | Kind::StrListOf(_) | Kind::AllowList
            if !text.trim_start().starts_with('[') =>
        {
            let items: Vec<String> = text
                .split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(|item| toml::Value::String(item.to_owned()).to_string())
                .collect();
            parse_and_check(kind, dotted, &format!("[{}]", items.join(", ")))
        }
        _ => parse_and_check(kind, dotted, text.trim()),
    }
}

fn parse_and_check(kind: Kind, dotted: &str, text: &str) -> Result<toml::Value, String> {
    match DeValue::parse(text) {
        Ok(value) => check(kind, dotted, &value).map_err(|mismatch| mismatch.message),
        Err(_) => Err(format!(
            "`{dotted}` expects {}, found `{text}`",
            kind.describe()
        )),
    }
}

/// A list element of the wrong type, pointed at.
fn bad_element(kind: Kind, dotted: &str, item: &Spanned<DeValue<'_>>) -> Mismatch {
    Mismatch {
        span: item.span(),
        message: format!(
            "`{dotted}` expects {}, found {}",
            kind.describe(),
            describe_found(item.get_ref())
        ),
    }
}

/// `[pii] patterns`: each name usable as a token label, each value a
/// regular expression that compiles, or an error at the offending entry.
fn check_patterns(dotted: &str, table: &toml::de::DeTable<'_>) -> Result<toml::Value, Mismatch> {
    let mut out = toml::Table::new();
    for (name, item) in table.iter() {
        let name_text = name.get_ref().as_ref();
        if !crate::pii::valid_pattern_name(name_text) {
            return Err(Mismatch {
                span: name.span(),
                message: format!(
                    "`{dotted}.{name_text}`: a pattern name is lower-case letters, digits and `_`, starting with a letter (it becomes the token label, e.g. <<EMPLOYEE_ID_1>>)"
                ),
            });
        }
        let DeValue::String(pattern) = item.get_ref() else {
            return Err(Mismatch {
                span: item.span(),
                message: format!(
                    "`{dotted}.{name_text}` expects a regular expression string, found {}",
                    describe_found(item.get_ref())
                ),
            });
        };
        crate::pii::compile_pattern(pattern).map_err(|reason| Mismatch {
            span: item.span(),
            message: format!("`{dotted}.{name_text}`: {reason}"),
        })?;
        out.insert(
            name_text.to_owned(),
            toml::Value::String(pattern.to_string()),
        );
    }
    Ok(toml::Value::Table(out))
}

/// `[pii] allow`: strings, and each `/.../` entry a regex that compiles.
fn check_allow(
    kind: Kind,
    dotted: &str,
    items: &[Spanned<DeValue<'_>>],
) -> Result<toml::Value, Mismatch> {
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let DeValue::String(entry) = item.get_ref() else {
            return Err(bad_element(kind, dotted, item));
        };
        crate::pii::AllowRule::parse(entry).map_err(|reason| Mismatch {
            span: item.span(),
            message: format!("`{dotted}`: {reason}"),
        })?;
        out.push(toml::Value::String(entry.to_string()));
    }
    Ok(toml::Value::Array(out))
}

fn describe_found(value: &DeValue<'_>) -> String {
    match value {
        DeValue::String(s) => format!("string \"{s}\""),
        DeValue::Integer(i) => format!("integer {i}"),
        DeValue::Float(f) => format!("number {f}"),
        DeValue::Boolean(b) => format!("boolean {b}"),
        DeValue::Datetime(d) => format!("datetime {d}"),
        DeValue::Array(_) => "an array".to_owned(),
        DeValue::Table(_) => "a table".to_owned(),
    }
}
