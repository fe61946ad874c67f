//! `save_skill` and `load_skill`: the model keeps a program that worked and
//! reads a saved one back (metadata first, then the instructions, then any
//! file it asks for). Both go through the project's [`SkillLibrary`].

use std::fmt::Write as _;
use std::path::{Component, Path};

use serde_json::{Value, json};
use vtcode_llm::ToolSpec;

use super::{ToolContext, ToolOutput, function, opt_str, str_arg};
use crate::skills::{SaveRequest, SkillLibrary, scan};

pub(crate) const SAVE_SKILL: &str = "save_skill";
pub(crate) const LOAD_SKILL: &str = "load_skill";

pub(crate) fn specs() -> Vec<ToolSpec> {
    vec![
        function(
            SAVE_SKILL,
            "Save a program that worked as a reusable skill (Agent Skills format). The code must define at least one public function; later programs import it with `from skills.<name, hyphens as underscores> import <function>`. Saving an existing name makes a new version.",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "description": "1-64 lowercase letters, digits and single hyphens, e.g. weekly-report."},
                    "description": {"type": "string", "description": "What it does and when to use it (up to 1024 characters)."},
                    "code": {"type": "string", "description": "A Python or JavaScript module defining the skill's functions; it may import servers.* and other skills."},
                    "language": {"type": "string", "enum": ["python", "javascript"], "default": "python"},
                    "tags": {"type": "array", "items": {"type": "string"}}
                },
                "required": ["name", "description", "code"]
            }),
        ),
        function(
            LOAD_SKILL,
            "Read a saved skill: its metadata, functions and instructions; with `file`, one of its files (e.g. scripts/x.py).",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "file": {"type": "string", "description": "A file of the skill, relative to its folder."}
                },
                "required": ["name"]
            }),
        ),
    ]
}

fn library<'a>(ctx: &'a ToolContext<'_>) -> Result<&'a SkillLibrary, ToolOutput> {
    ctx.deps
        .skills
        .as_deref()
        .ok_or_else(|| ToolOutput::error("skills are not available in this session"))
}

pub(crate) fn save_skill(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let library = match library(ctx) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let (name, description, code) = match (
        str_arg(args, "name"),
        str_arg(args, "description"),
        str_arg(args, "code"),
    ) {
        (Ok(n), Ok(d), Ok(c)) => (n, d, c),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return ToolOutput::error(e),
    };
    let tags = args
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let request = SaveRequest {
        name,
        description,
        code,
        language: opt_str(args, "language").unwrap_or("python"),
        tags,
    };
    match library.save(&request) {
        Ok(saved) => {
            let mut text = format!(
                "saved skill `{}` version {} in {}\n",
                saved.name,
                saved.version,
                shown(&saved.dir, &ctx.deps.workspace_root)
            );
            let names: Vec<&str> = saved.functions.iter().map(|f| f.name.as_str()).collect();
            if request.language == "javascript" {
                let _ = writeln!(
                    text,
                    "import: import {{ {} }} from 'skills/{}';",
                    names.join(", "),
                    saved.name
                );
            } else {
                let _ = writeln!(
                    text,
                    "import: from skills.{} import {}",
                    scan::python_module(&saved.name),
                    names.join(", ")
                );
            }
            if !saved.tools.is_empty() {
                let tools: Vec<String> = saved.tools.iter().map(|t| t.qualified()).collect();
                let _ = writeln!(text, "tools recorded: {}", tools.join(", "));
            }
            if !saved.unknown_imports.is_empty() {
                let _ = writeln!(
                    text,
                    "warning: no current tool matches {}; check the import names with search_tools",
                    saved.unknown_imports.join(", ")
                );
            }
            ToolOutput::ok(text.trim_end())
        }
        Err(e) => ToolOutput::error(format!("save_skill failed: {e}")),
    }
}

pub(crate) fn load_skill(ctx: &ToolContext<'_>, args: &Value) -> ToolOutput {
    let library = match library(ctx) {
        Ok(l) => l,
        Err(e) => return e,
    };
    let name = match str_arg(args, "name") {
        Ok(n) => n,
        Err(e) => return ToolOutput::error(e),
    };
    let skill = match library.load(name, None) {
        Ok(s) => s,
        Err(e) => return ToolOutput::error(format!("load_skill failed: {e}")),
    };
    if let Some(file) = opt_str(args, "file") {
        let relative = Path::new(file);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return ToolOutput::error(format!(
                "`{file}` is not a path inside the skill; use one of: {}",
                file_list(&skill.files)
            ));
        }
        return match std::fs::read_to_string(skill.dir.join(relative)) {
            Ok(text) => ToolOutput::ok(text),
            Err(e) => ToolOutput::error(format!(
                "cannot read `{file}` of `{name}` ({e}); its files are: {}",
                file_list(&skill.files)
            )),
        };
    }
    let doc = &skill.doc;
    let mut text = String::new();
    let _ = writeln!(text, "name: {}", doc.name);
    let _ = writeln!(text, "description: {}", doc.description);
    let _ = writeln!(text, "version: {}", doc.version);
    match &doc.language {
        Some(language) => {
            let _ = writeln!(text, "language: {language}");
            if language == "javascript" {
                let _ = writeln!(text, "import: import {{ ... }} from 'skills/{}';", doc.name);
            } else {
                let _ = writeln!(
                    text,
                    "import: from skills.{} import ...",
                    scan::python_module(&doc.name)
                );
            }
        }
        None => {
            let _ = writeln!(text, "kind: instructions only (no code to import)");
        }
    }
    if let Some(inputs) = &doc.inputs {
        let _ = writeln!(text, "functions: {inputs}");
    }
    if !doc.tags.is_empty() {
        let _ = writeln!(text, "tags: {}", doc.tags.join(", "));
    }
    if !doc.tools.is_empty() {
        let tools: Vec<String> = doc.tools.iter().map(|t| t.qualified()).collect();
        let _ = writeln!(text, "tools: {}", tools.join(", "));
    }
    if let Some(note) = library.compatibility_note(name) {
        let _ = writeln!(text, "compatibility: {note}");
    }
    let _ = writeln!(text, "files: {}", file_list(&skill.files));
    let _ = writeln!(text, "\n{}", doc.body.trim());
    ToolOutput::ok(text.trim_end())
}

fn file_list(files: &[std::path::PathBuf]) -> String {
    if files.is_empty() {
        return "none besides SKILL.md".to_string();
    }
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn shown(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The summary and body shown when saving asks for approval: the files it
/// writes, as an addition.
pub(crate) fn approval_text(args: &Value, save_dir: &str) -> (String, String) {
    let name = opt_str(args, "name").unwrap_or("?");
    let code = opt_str(args, "code").unwrap_or_default();
    let ext = scan::module_extension(opt_str(args, "language").unwrap_or("python"));
    let file = format!(
        "{save_dir}/{name}/scripts/{}.{ext}",
        scan::python_module(name)
    );
    let mut body = format!("+++ {file}\n");
    for line in code.lines() {
        let _ = writeln!(body, "+{line}");
    }
    (
        format!(
            "save_skill: write skill `{name}` ({} lines)",
            code.lines().count()
        ),
        body,
    )
}
