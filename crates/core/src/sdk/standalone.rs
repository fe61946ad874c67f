//! An SDK that stands alone (`vtcode sdk generate --out DIR`): the
//! generated packages plus the `_vtcode` runtime module they import, so the
//! SDK imports anywhere (an editor, a type checker, a test) and a call made
//! outside the sandbox fails with a message that says where it can run.
//! The sandbox's own copy of the SDK needs none of this: there the runner
//! provides `_vtcode`.

use std::path::Path;

use vtcode_sandbox::{Language, bridge_module};

use super::{SdkError, SdkLanguage, SdkReport, generate};
use crate::catalog::ToolCatalog;

/// Writes the SDK for `lang` under `out_dir` with its runtime module:
/// `_vtcode.py` beside `servers/` for Python, and for JavaScript the
/// package `node_modules/_vtcode`, where Node resolves the bare `_vtcode`
/// import of every module under `servers/`.
pub fn generate_standalone(
    catalog: &ToolCatalog,
    lang: SdkLanguage,
    out_dir: &Path,
) -> Result<SdkReport, SdkError> {
    let mut report = generate(catalog, lang, out_dir)?;
    let files: Vec<(std::path::PathBuf, &str)> = match lang {
        SdkLanguage::Python => vec![(out_dir.join("_vtcode.py"), bridge_module(Language::Python))],
        SdkLanguage::Javascript => {
            let package = out_dir.join("node_modules").join("_vtcode");
            vec![
                (
                    package.join("package.json"),
                    "{\n  \"name\": \"_vtcode\",\n  \"main\": \"index.js\"\n}\n",
                ),
                (
                    package.join("index.js"),
                    bridge_module(Language::Javascript),
                ),
            ]
        }
    };
    for (path, text) in files {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| SdkError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, text).map_err(|source| SdkError::Io { path, source })?;
        report.files += 1;
    }
    Ok(report)
}
