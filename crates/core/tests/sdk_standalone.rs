//! The SDK `vtcode sdk generate --out DIR` writes stands alone: with its
//! runtime module it imports outside the sandbox, a call there fails saying
//! where it can run, the Python passes `mypy --strict` and every JavaScript
//! file passes `node --check`. Run on the SDK of the reference servers
//! (mcp-server-time, mcp-server-git).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod catalog_support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use vtcode_core::sdk::{self, SdkLanguage};

const WHERE_IT_RUNS: &str = "only exists inside a program run by vtcode";

fn files_ending(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_ending(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn output_text(output: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn python_sdk_imports_outside_the_sandbox_says_where_calls_run_and_passes_mypy_strict() {
    let catalog = catalog_support::reference_catalog();
    let dir = tempfile::tempdir().unwrap();
    sdk::generate_standalone(&catalog, SdkLanguage::Python, dir.path()).unwrap();

    // Without the runtime module this import failed with
    // "No module named '_vtcode'".
    let out = catalog_support::run_python(
        "from servers.time import convert_time\nimport _vtcode\ntry:\n    convert_time(source_timezone='UTC', time='12:00', target_timezone='Asia/Tokyo')\nexcept _vtcode.ToolError as e:\n    print(e)",
        dir.path(),
    );
    assert!(out.contains(WHERE_IT_RUNS), "{out}");
    assert!(out.contains("execute_code"), "{out}");

    let mypy = catalog_support::run_with_timeout(
        Command::new(catalog_support::python())
            .args([
                "-m",
                "mypy",
                "--strict",
                "--no-incremental",
                "-p",
                "servers",
                "-m",
                "_vtcode",
            ])
            .current_dir(dir.path()),
        Duration::from_secs(240),
    );
    let text = output_text(&mypy);
    assert!(mypy.status.success(), "mypy --strict failed:\n{text}");
    assert!(text.contains("Success: no issues found"), "{text}");
}

#[test]
fn javascript_sdk_passes_node_check_and_says_where_calls_run() {
    let catalog = catalog_support::reference_catalog();
    let dir = tempfile::tempdir().unwrap();
    sdk::generate_standalone(&catalog, SdkLanguage::Javascript, dir.path()).unwrap();
    let mut files = Vec::new();
    files_ending(dir.path(), "js", &mut files);
    assert!(files.len() > 12, "{files:?}");
    for file in &files {
        let check = catalog_support::run_with_timeout(
            Command::new("node").arg("--check").arg(file),
            Duration::from_secs(30),
        );
        assert!(
            check.status.success(),
            "node --check {}: {}",
            file.display(),
            output_text(&check)
        );
    }
    std::fs::write(
        dir.path().join("check.mjs"),
        "import { convert_time } from './servers/time/index.js';\ntry {\n  await convert_time({ source_timezone: 'UTC', time: '12:00', target_timezone: 'Asia/Tokyo' });\n} catch (e) {\n  console.log(e.name + ': ' + e.message);\n}\n",
    )
    .unwrap();
    let run = catalog_support::run_with_timeout(
        Command::new("node")
            .arg("check.mjs")
            .current_dir(dir.path()),
        Duration::from_secs(30),
    );
    let text = output_text(&run);
    assert!(run.status.success(), "{text}");
    assert!(text.starts_with("ToolError: "), "{text}");
    assert!(text.contains(WHERE_IT_RUNS), "{text}");
}
