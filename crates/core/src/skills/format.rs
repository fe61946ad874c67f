//! The SKILL.md file: YAML front matter between `---` lines, then markdown.
//!
//! The open format fixes six top-level keys (`name`, `description`,
//! `license`, `compatibility`, `metadata`, `allowed-tools`) and makes
//! `metadata` a map of strings, so vtcode's own facts live there as
//! strings: `version`, `language`, `tags`, `inputs`, `outputs` and `tools`
//! (`server.tool@schema-hash`, space-separated). Other agents' keys are
//! kept out of the way, never rejected, so their skills stay readable here.
//! Every error carries the SKILL.md line it is about.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use yaml_rust::{Yaml, YamlLoader};

pub const MAX_NAME: usize = 64;
pub const MAX_DESCRIPTION: usize = 1024;
const MAX_COMPATIBILITY: usize = 500;

/// A problem with one SKILL.md, at a line of that file (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub line: usize,
    pub message: String,
}

impl FormatError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}

/// One tool a skill's code calls, with the schema hash seen when it was saved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct ToolDependency {
    pub server: String,
    pub tool: String,
    pub schema_hash: String,
}

impl ToolDependency {
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.server, self.tool)
    }
}

/// The parsed front matter and body.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SkillDoc {
    pub name: String,
    pub description: String,
    pub license: Option<String>,
    pub compatibility: Option<String>,
    /// vtcode's `metadata.version`; hand-written skills have none (1).
    pub version: u32,
    /// `python` or `javascript` when the skill has code vtcode can import.
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub inputs: Option<String>,
    pub outputs: Option<String>,
    pub tools: Vec<ToolDependency>,
    /// Every `metadata` entry that is not vtcode's, as written.
    pub other_metadata: BTreeMap<String, String>,
    pub body: String,
    /// Line of the body's first line in SKILL.md.
    pub body_line: usize,
}

/// Whether `name` follows the format's rule: 1–64 lowercase letters, digits
/// and single hyphens, neither first nor last. Says what is wrong if not.
pub fn check_name(name: &str) -> Result<(), String> {
    let fix = "use 1-64 lowercase letters, digits and single hyphens, e.g. `weekly-report`";
    if name.is_empty() {
        return Err(format!("the name is empty; {fix}"));
    }
    if name.chars().count() > MAX_NAME {
        return Err(format!(
            "the name `{name}` has {} characters, more than {MAX_NAME}; {fix}",
            name.chars().count()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!("the name `{name}` contains `{bad}`; {fix}"));
    }
    if name.starts_with('-') || name.ends_with('-') || name.contains("--") {
        return Err(format!(
            "the name `{name}` starts or ends with a hyphen or has two in a row; {fix}"
        ));
    }
    Ok(())
}

/// Parses SKILL.md text. `folder` is the skill folder's name, which the
/// `name` key must equal.
pub fn parse(text: &str, folder: &str) -> Result<SkillDoc, FormatError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    if lines.next().map(str::trim_end) != Some("---") {
        return Err(FormatError::at(
            1,
            "SKILL.md must start with a `---` line opening the YAML front matter (name, description)",
        ));
    }
    let mut yaml = String::new();
    let mut closing = None;
    for (index, line) in lines.enumerate() {
        if line.trim_end() == "---" {
            closing = Some(index + 2);
            break;
        }
        yaml.push_str(line);
    }
    let Some(closing_line) = closing else {
        return Err(FormatError::at(
            1,
            "the front matter is never closed: add a `---` line after it",
        ));
    };
    let body_start: usize = text
        .split_inclusive('\n')
        .take(closing_line)
        .map(str::len)
        .sum();
    let body = text[body_start..].to_string();
    let docs = YamlLoader::load_from_str(&yaml).map_err(|err| {
        let text = err.to_string();
        let info = text.split(" at line ").next().unwrap_or(&text).to_string();
        // An error found at the end of the YAML belongs to its last line,
        // not to the closing `---`.
        FormatError::at(
            (err.marker().line() + 1).min(closing_line - 1).max(2),
            format!("the front matter is not valid YAML: {info}"),
        )
    })?;
    let root = match docs.into_iter().next() {
        Some(Yaml::Hash(map)) => map,
        _ => {
            return Err(FormatError::at(
                2,
                "the front matter must be a YAML mapping with `name` and `description`",
            ));
        }
    };
    let key_line = |key: &str| line_of_key(&yaml, key, false).map_or(2, |l| l + 1);
    let string = |key: &str| -> Result<Option<String>, FormatError> {
        match root.get(&Yaml::String(key.to_string())) {
            None | Some(Yaml::Null) => Ok(None),
            Some(value) => scalar(value).map(Some).ok_or_else(|| {
                FormatError::at(key_line(key), format!("`{key}` must be a single string"))
            }),
        }
    };
    let name = string("name")?.ok_or_else(|| {
        FormatError::at(
            2,
            format!("the front matter has no `name`; add `name: {folder}`"),
        )
    })?;
    check_name(&name).map_err(|e| FormatError::at(key_line("name"), e))?;
    if name != folder {
        return Err(FormatError::at(
            key_line("name"),
            format!(
                "the name `{name}` does not match its folder `{folder}`; rename one so they are equal"
            ),
        ));
    }
    let description = string("description")?.unwrap_or_default();
    let description = description.trim().to_string();
    let count = description.chars().count();
    if count == 0 {
        return Err(FormatError::at(
            key_line("description"),
            "the front matter has no `description`; say what the skill does and when to use it",
        ));
    }
    if count > MAX_DESCRIPTION {
        return Err(FormatError::at(
            key_line("description"),
            format!(
                "the description has {count} characters, more than {MAX_DESCRIPTION}; shorten it and move details to the body"
            ),
        ));
    }
    let compatibility = string("compatibility")?;
    if compatibility
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_COMPATIBILITY)
    {
        return Err(FormatError::at(
            key_line("compatibility"),
            format!("`compatibility` is longer than {MAX_COMPATIBILITY} characters"),
        ));
    }
    let mut doc = SkillDoc {
        name,
        description,
        license: string("license")?,
        compatibility,
        version: 1,
        body,
        body_line: closing_line + 1,
        ..SkillDoc::default()
    };
    match root.get(&Yaml::String("metadata".into())) {
        None | Some(Yaml::Null) => {}
        Some(Yaml::Hash(map)) => {
            for (key, value) in map {
                let (Some(key), Some(value)) = (scalar(key), scalar(value)) else {
                    continue;
                };
                let line = line_of_key(&yaml, &key, true).map_or(key_line("metadata"), |l| l + 1);
                apply_metadata(&mut doc, key, value, line)?;
            }
        }
        Some(_) => {
            return Err(FormatError::at(
                key_line("metadata"),
                "`metadata` must be a mapping of keys to strings",
            ));
        }
    }
    Ok(doc)
}

fn apply_metadata(
    doc: &mut SkillDoc,
    key: String,
    value: String,
    line: usize,
) -> Result<(), FormatError> {
    match key.as_str() {
        "version" => {
            doc.version = value
                .trim()
                .parse()
                .ok()
                .filter(|v| *v >= 1)
                .ok_or_else(|| {
                    FormatError::at(
                        line,
                        format!("metadata `version` must be a whole number from 1, not `{value}`"),
                    )
                })?;
        }
        "language" => match value.trim() {
            "python" | "javascript" => doc.language = Some(value.trim().to_string()),
            other => {
                return Err(FormatError::at(
                    line,
                    format!("metadata `language` is `{other}`; use python or javascript"),
                ));
            }
        },
        "tags" => {
            doc.tags = value
                .split(',')
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect();
        }
        "inputs" => doc.inputs = Some(value),
        "outputs" => doc.outputs = Some(value),
        "tools" => {
            for entry in value.split_whitespace() {
                doc.tools.push(parse_dependency(entry).ok_or_else(|| {
                    FormatError::at(
                        line,
                        format!(
                            "metadata `tools` entry `{entry}` is not `server.tool@schema-hash`"
                        ),
                    )
                })?);
            }
        }
        _ => {
            doc.other_metadata.insert(key, value);
        }
    }
    Ok(())
}

fn parse_dependency(entry: &str) -> Option<ToolDependency> {
    let (qualified, hash) = entry.split_once('@')?;
    let (server, tool) = qualified.split_once('.')?;
    (!server.is_empty() && !tool.is_empty() && !hash.is_empty()).then(|| ToolDependency {
        server: server.to_string(),
        tool: tool.to_string(),
        schema_hash: hash.to_string(),
    })
}

fn scalar(value: &Yaml) -> Option<String> {
    match value {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The 0-based line of the front matter where `key:` is written (indented
/// when `nested`), so an error can point at it.
fn line_of_key(yaml: &str, key: &str, nested: bool) -> Option<usize> {
    yaml.lines()
        .position(|line| {
            let trimmed = line.trim_start();
            let indented = trimmed.len() != line.len();
            indented == nested
                && trimmed
                    .strip_prefix(key)
                    .or_else(|| trimmed.strip_prefix(&format!("\"{key}\"")))
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|l| l + 1)
}

/// Renders a SKILL.md vtcode writes: front matter with every value quoted
/// as a YAML string (so any text round-trips), then the body.
pub fn render(doc: &SkillDoc) -> String {
    let mut out = String::from("---\n");
    let _ = writeln!(out, "name: {}", quote(&doc.name));
    let _ = writeln!(out, "description: {}", quote(&doc.description));
    if let Some(license) = &doc.license {
        let _ = writeln!(out, "license: {}", quote(license));
    }
    if let Some(compatibility) = &doc.compatibility {
        let _ = writeln!(out, "compatibility: {}", quote(compatibility));
    }
    out.push_str("metadata:\n");
    let _ = writeln!(out, "  version: {}", quote(&doc.version.to_string()));
    if let Some(language) = &doc.language {
        let _ = writeln!(out, "  language: {}", quote(language));
    }
    if !doc.tags.is_empty() {
        let _ = writeln!(out, "  tags: {}", quote(&doc.tags.join(", ")));
    }
    for (key, value) in [("inputs", &doc.inputs), ("outputs", &doc.outputs)] {
        if let Some(value) = value {
            let _ = writeln!(out, "  {key}: {}", quote(value));
        }
    }
    if !doc.tools.is_empty() {
        let tools: Vec<String> = doc
            .tools
            .iter()
            .map(|d| format!("{}@{}", d.qualified(), d.schema_hash))
            .collect();
        let _ = writeln!(out, "  tools: {}", quote(&tools.join(" ")));
    }
    for (key, value) in &doc.other_metadata {
        let _ = writeln!(out, "  {}: {}", quote(key), quote(value));
    }
    out.push_str("---\n");
    out.push_str(&doc.body);
    out
}

/// A double-quoted YAML scalar; JSON string escapes are valid in it.
fn quote(text: &str) -> String {
    serde_json::Value::String(text.to_string()).to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rendered_files_parse_back_to_the_same_skill() {
        let doc = SkillDoc {
            name: "weekly-report".into(),
            description: "Totals: \"quoted\", colons: and\nnewlines".into(),
            version: 3,
            language: Some("python".into()),
            tags: vec!["report".into(), "ledger".into()],
            inputs: Some("region: str".into()),
            outputs: Some("dict".into()),
            tools: vec![ToolDependency {
                server: "ledger".into(),
                tool: "list_expenses".into(),
                schema_hash: "abc123".into(),
            }],
            body: "# Weekly report\n\nUse it.\n".into(),
            body_line: 12,
            ..SkillDoc::default()
        };
        let text = render(&doc);
        let back = parse(&text, "weekly-report").unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn errors_point_at_the_line_they_are_about() {
        let mismatch = "---\ndescription: d\nname: other\n---\nbody\n";
        let err = parse(mismatch, "mine").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(
            err.message.contains("does not match its folder `mine`"),
            "{}",
            err.message
        );

        let bad_yaml = "---\nname: mine\ndescription: [unclosed\n---\n";
        let err = parse(bad_yaml, "mine").unwrap_err();
        assert!(err.message.contains("not valid YAML"), "{}", err.message);
        assert!(err.line >= 3, "line {}", err.line);

        let long = format!("---\nname: mine\ndescription: {}\n---\n", "x".repeat(1025));
        let err = parse(&long, "mine").unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("1025 characters"));

        let version = "---\nname: mine\ndescription: d\nmetadata:\n  version: two\n---\n";
        assert_eq!(parse(version, "mine").unwrap_err().line, 5);
        assert_eq!(parse("no front matter", "mine").unwrap_err().line, 1);
    }

    #[test]
    fn names_follow_the_format() {
        assert!(check_name("csv-to-json2").is_ok());
        for bad in ["", "Upper", "a_b", "-a", "a-", "a--b", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn other_agents_keys_are_kept_and_scalars_read_as_strings() {
        let text = "---\nname: mine\ndescription: d\nallowed-tools: Bash Read\nmetadata:\n  author: me\n  version: 2\n---\nHow to use.\n";
        let doc = parse(text, "mine").unwrap();
        assert_eq!(doc.version, 2);
        assert_eq!(
            doc.other_metadata.get("author").map(String::as_str),
            Some("me")
        );
        assert_eq!(doc.body, "How to use.\n");
        assert_eq!(doc.body_line, 9);
    }
}
