//! SDK generation: from the catalog, importable packages through which code
//! in the sandbox calls MCP tools, `servers/<server>/` in Python and in
//! JavaScript.
//!
//! Mental model: generation is a pure function of the catalog. A plan gives
//! every server and tool its safe name (see [`names`]) in catalog order,
//! each language renders files from the plan, and the files are written in
//! one pass. Same catalog, same bytes, so the output can be cached under the
//! catalog hash ([`ensure_cached`]) and regenerated only when a tool changes.
//! Every generated function ends in the one bridge call,
//! `_vtcode.call_tool(server, tool, args)`, with the tool's original names.

mod cache;
mod javascript;
mod names;
mod python;
mod schema;
mod standalone;
mod write;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogTool, ToolCatalog};
pub use cache::{ensure_cached, is_cached, language_dir};
use names::{Namer, Syntax};
pub use standalone::generate_standalone;
pub use write::generate;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SdkLanguage {
    Python,
    Javascript,
}

impl SdkLanguage {
    pub const ALL: [SdkLanguage; 2] = [SdkLanguage::Python, SdkLanguage::Javascript];

    /// Directory name of this language inside a cached SDK.
    pub fn dir_name(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::Javascript => "javascript",
        }
    }
}

impl fmt::Display for SdkLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

impl FromStr for SdkLanguage {
    type Err = SdkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "python" | "py" => Ok(Self::Python),
            "javascript" | "js" => Ok(Self::Javascript),
            _ => Err(SdkError::UnknownLanguage(s.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    #[error("cannot write the SDK at {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("unknown SDK language `{0}`; use python or js")]
    UnknownLanguage(String),
}

/// A tool whose SDK identifier differs from its MCP name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenamedTool {
    pub server: String,
    pub tool: String,
    /// `<package>.<function>` as code imports it.
    pub sdk_name: String,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SdkReport {
    pub language: SdkLanguage,
    /// The directory holding `servers/`.
    pub out_dir: PathBuf,
    pub servers: usize,
    pub tools: usize,
    /// Built-in tools get no SDK module.
    pub skipped_builtin: usize,
    pub files: usize,
    pub renamed: Vec<RenamedTool>,
    /// `server.tool` of tools whose inputSchema was unusable: their
    /// functions take free keyword arguments.
    pub untyped: Vec<String>,
}

pub(crate) struct PlannedServer<'a> {
    pub name: &'a str,
    /// Package (directory) name, a valid Python identifier.
    pub package: String,
    pub tools: Vec<PlannedTool<'a>>,
}

pub(crate) struct PlannedTool<'a> {
    pub tool: &'a CatalogTool,
    /// Function and module name, safe in both languages.
    pub ident: String,
    pub input_valid: bool,
}

/// Assigns safe names. Identifiers must be safe in Python and JavaScript at
/// once, so both SDKs call a tool by the same name.
pub(crate) fn plan(catalog: &ToolCatalog) -> Vec<PlannedServer<'_>> {
    let servers: Vec<&str> = catalog
        .servers()
        .into_iter()
        .filter(|s| catalog.tools().iter().any(|t| t.server == *s && !t.builtin))
        .collect();
    let packages = Namer::new(Syntax::Python, &[]).assign(&servers);
    servers
        .into_iter()
        .zip(packages)
        .map(|(name, package)| {
            let tools: Vec<&CatalogTool> = catalog
                .tools()
                .iter()
                .filter(|t| t.server == name && !t.builtin)
                .collect();
            let raws: Vec<String> = tools.iter().map(|t| both_languages_safe(&t.name)).collect();
            let raws: Vec<&str> = raws.iter().map(String::as_str).collect();
            let mut reserved = python::MODULE_RESERVED.to_vec();
            reserved.extend(javascript::MODULE_RESERVED);
            // File names the package itself uses.
            reserved.extend(["index", "__init__", "__main__"]);
            let idents = Namer::new(Syntax::Python, &reserved).assign(&raws);
            PlannedServer {
                name,
                package,
                tools: tools
                    .into_iter()
                    .zip(idents)
                    .map(|(tool, ident)| PlannedTool {
                        input_valid: catalog.has_valid_input_schema(&tool.server, &tool.name),
                        tool,
                        ident,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The tool an SDK import names: `package` is the server's package
/// (`servers.<package>`), `ident` the function. `None` when the catalog
/// has no such function.
pub fn tool_for_sdk_name<'a>(
    catalog: &'a ToolCatalog,
    package: &str,
    ident: &str,
) -> Option<&'a CatalogTool> {
    plan(catalog)
        .into_iter()
        .find(|server| server.package == package)?
        .tools
        .into_iter()
        .find(|tool| tool.ident == ident)
        .map(|tool| tool.tool)
}

/// A JavaScript keyword gets the same `_` suffix the Python namer gives a
/// Python keyword, so one identifier works in both languages.
fn both_languages_safe(name: &str) -> String {
    if names::is_safe(Syntax::Python, name) && !names::is_safe(Syntax::Javascript, name) {
        format!("{name}_")
    } else {
        name.to_string()
    }
}
