//! `/state` and `/skills` mean the same on both backends: a program writes
//! `/state/...` and the next program (a new process) reads it, in Python
//! and JavaScript, and the file lands in the host's state directory; the
//! skills view is importable and cannot be written.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{js, py, sandbox, settings};
use serde_json::json;
use vtcode_sandbox::{Backend, ExecStatus, Mounts};

fn skills_view(dir: &std::path::Path) {
    let module = dir.join("python/skills/doubler");
    std::fs::create_dir_all(&module).unwrap();
    std::fs::write(dir.join("python/skills/__init__.py"), "").unwrap();
    std::fs::write(
        module.join("__init__.py"),
        "def double(x):\n    return 2 * x\n",
    )
    .unwrap();
    let js_module = dir.join("javascript/skills/doubler");
    std::fs::create_dir_all(&js_module).unwrap();
    std::fs::write(
        js_module.join("index.mjs"),
        "export function double(x) { return 2 * x; }\n",
    )
    .unwrap();
}

async fn suite(backend: Backend) {
    let state = tempfile::tempdir().unwrap();
    let skills = tempfile::tempdir().unwrap();
    skills_view(skills.path());
    for dir in [state.path(), skills.path()] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mounts = Mounts {
        state: Some(state.path().to_path_buf()),
        skills: Some(skills.path().to_path_buf()),
        ..Mounts::default()
    };
    let sb = sandbox(backend, settings(backend, mounts.clone())).await;

    let r = py(
        &sb,
        "import os, pathlib\nos.makedirs('/state/notes', exist_ok=True)\nopen('/state/notes/a.txt', 'w').write('from python')\npathlib.Path('/state/notes/b.txt').write_text('via pathlib')\nsorted(os.listdir('/state/notes'))",
        &mounts,
    )
    .await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    assert_eq!(r.result, Some(json!(["a.txt", "b.txt"])), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(state.path().join("notes/a.txt")).unwrap(),
        "from python"
    );

    // A new program, in the other language, finds it and adds to it.
    let r = js(
        &sb,
        "const fs = require('fs');\nfs.appendFileSync('/state/notes/a.txt', ', then javascript');\nfs.readFileSync('/state/notes/a.txt', 'utf8')",
        &mounts,
    )
    .await;
    assert_eq!(
        r.result,
        Some(json!("from python, then javascript")),
        "{r:?}"
    );
    let r = py(&sb, "open('/state/notes/a.txt').read()", &mounts).await;
    assert_eq!(
        r.result,
        Some(json!("from python, then javascript")),
        "{r:?}"
    );

    // Skills import in both languages.
    let r = py(
        &sb,
        "from skills.doubler import double\ndouble(21)",
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!(42)), "{r:?}");
    let r = js(
        &sb,
        "import { double } from 'skills/doubler';\nresult = double(4);",
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!(8)), "{r:?}");

    // The skills view is read-only to programs.
    let r = py(
        &sb,
        "import skills, os\nopen(os.path.join(os.path.dirname(skills.__file__), 'evil.py'), 'w').write('x')",
        &mounts,
    )
    .await;
    assert_eq!(r.status, ExecStatus::Error, "{r:?}");
    assert!(r.stderr.contains("Error"), "{r:?}");
    assert!(!skills.path().join("python/skills/evil.py").exists());
    sb.shutdown().await;
}

#[tokio::test]
async fn state_and_skills_on_the_process_backend() {
    suite(Backend::Process).await;
}

#[tokio::test]
async fn state_and_skills_in_docker() {
    suite(Backend::Docker).await;
}
