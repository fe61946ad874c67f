//! The Docker backend on an engine that cannot see this machine's files: a
//! second dockerd started by the test, listening only on tcp, chosen through
//! `DOCKER_HOST` as the docker CLI would. Its containers have no bind mounts,
//! and programs still import the SDK and the skills (in Python and
//! JavaScript), read the workspace (without what .gitignore hides), keep
//! `/state` between runs and across sandboxes, and see a new SDK and edited
//! files without the pool being restarted. If the second engine cannot run,
//! the test fails saying why.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use common::second_engine::SecondEngine;
use common::{ensure_image, js, py, settings};
use serde_json::json;
use vtcode_sandbox::{
    Backend, DockerSandbox, EndpointSource, ExecStatus, Mounts, Sandbox, SandboxSettings,
};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// An SDK cache root laid out as core publishes it: a build per catalog
/// hash and relative `python`/`javascript` links to the current one.
fn publish_sdk(root: &Path, hash: &str, answer: u32) {
    write(
        &root.join(hash).join("python/servers/demo/__init__.py"),
        &format!("def answer():\n    return {answer}\n"),
    );
    write(
        &root.join(hash).join("javascript/servers/demo/index.js"),
        &format!("export function answer() {{ return {answer}; }}\n"),
    );
    for language in ["python", "javascript"] {
        let link = root.join(language);
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(Path::new(hash).join(language), &link).unwrap();
    }
}

fn bind_mounts(engine: &SecondEngine, project: &str) -> Vec<String> {
    let ids = engine.run(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=vtcode.sandbox.project={project}"),
    ]);
    assert!(
        !ids.is_empty(),
        "no sandbox containers on the second engine"
    );
    let mut found = Vec::new();
    for id in ids.split_whitespace() {
        let mounts = engine.run(&[
            "inspect",
            "-f",
            "{{json .Mounts}} {{json .HostConfig.Binds}}",
            id,
        ]);
        let (list, binds) = mounts.split_once(' ').unwrap();
        let list: Vec<serde_json::Value> = serde_json::from_str(list).unwrap();
        assert!(
            list.iter()
                .any(|m| m["Destination"] == "/state" && m["Type"] == "volume"),
            "{list:?}"
        );
        for m in &list {
            if m["Type"] != "volume" {
                found.push(m.to_string());
            }
        }
        if binds != "null" && binds != "[]" {
            found.push(binds.to_string());
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tcp_engine_gets_files_shipped_not_mounted() {
    ensure_image().await;
    let engine = SecondEngine::start(vtcode_sandbox::DEFAULT_IMAGE);
    // SAFETY: the only test of this binary, set before any sandbox starts.
    unsafe { std::env::set_var("DOCKER_HOST", &engine.host) };

    let ws = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let sdk = tempfile::tempdir().unwrap();
    let skills = tempfile::tempdir().unwrap();
    write(&ws.path().join("README.md"), "remote project\n");
    write(&ws.path().join("src/lib.py"), "VALUE = 1\n");
    write(&ws.path().join(".gitignore"), "secrets.env\n");
    write(&ws.path().join("secrets.env"), "TOKEN=ignored\n");
    publish_sdk(sdk.path(), "aaaa", 41);
    write(
        &skills.path().join("python/skills/hello/__init__.py"),
        "def greet(name):\n    return f'hello {name}'\n",
    );
    write(
        &skills.path().join("javascript/skills/hello/index.mjs"),
        "export function greet(name) { return `hello ${name}`; }\n",
    );
    let mounts = Mounts {
        workspace: Some(ws.path().to_path_buf()),
        workspace_writable: false,
        state: Some(state.path().to_path_buf()),
        sdk: Some(sdk.path().to_path_buf()),
        skills: Some(skills.path().to_path_buf()),
    };
    let project = format!("remote-test-{}", std::process::id());
    let mut s: SandboxSettings = settings(Backend::Docker, mounts.clone());
    s.project = Some(project.clone());

    let endpoint = s.endpoint().unwrap();
    assert_eq!(endpoint.host, engine.host);
    assert_eq!(endpoint.source, EndpointSource::Env);
    assert!(endpoint.remote, "{endpoint:?}");
    let status = vtcode_sandbox::sandbox_status(&s, None).await;
    assert_eq!(status.docker_error, None);
    assert!(status.image.unwrap().present);
    assert!(
        status
            .engine
            .unwrap()
            .describe()
            .contains("from DOCKER_HOST; remote")
    );

    let sb: Arc<dyn Sandbox> = Arc::new(DockerSandbox::start(s.clone()).await.unwrap());
    let r = py(
        &sb,
        "import os, socket\nfrom servers.demo import answer\nfrom skills.hello import greet\nopen('/state/runs', 'a').write('x')\nresult = [answer(), greet('sandbox'), open('README.md').read(), sorted(os.listdir('.')), os.path.exists('secrets.env'), socket.gethostname()]",
        &mounts,
    )
    .await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    let out = r.result.unwrap();
    assert_eq!(out[0], json!(41));
    assert_eq!(out[1], json!("hello sandbox"));
    assert_eq!(out[2], json!("remote project\n"));
    assert_eq!(out[3], json!([".gitignore", "README.md", "src"]));
    assert_eq!(out[4], json!(false), ".gitignore'd files stay home");
    let first_container = out[5].clone();
    assert!(
        !state.path().join("runs").exists(),
        "/state is on the engine, not in the host directory"
    );
    let mut leftovers = bind_mounts(&engine, &project);
    assert!(leftovers.is_empty(), "host paths mounted: {leftovers:?}");

    // JavaScript finds the same SDK, skills and /state.
    let r = js(
        &sb,
        "import { answer } from 'servers/demo';\nimport { greet } from 'skills/hello';\nconst fs = require('fs');\nresult = [answer(), greet('js'), fs.readFileSync('/state/runs', 'utf8'), fs.readFileSync('/workspace/src/lib.py', 'utf8')];",
        &mounts,
    )
    .await;
    assert_eq!(
        r.result,
        Some(json!([41, "hello js", "x", "VALUE = 1\n"])),
        "{r:?}"
    );

    // The workspace copy is read-only to programs.
    let r = py(&sb, "open('/workspace/README.md', 'w').write('x')", &mounts).await;
    assert_eq!(r.status, ExecStatus::Error, "{r:?}");
    assert!(r.stderr.contains("PermissionError"), "{r:?}");

    // A new catalog, an edited file and a deleted one reach the same warm
    // container: no restart.
    let before = engine.run(&[
        "ps",
        "-q",
        "--filter",
        &format!("label=vtcode.sandbox.project={project}"),
    ]);
    assert!(
        before.contains(first_container.as_str().unwrap()),
        "{before}"
    );
    publish_sdk(sdk.path(), "bbbb", 42);
    write(&ws.path().join("src/lib.py"), "VALUE = 2\n");
    std::fs::remove_file(ws.path().join("README.md")).unwrap();
    let r = py(
        &sb,
        "import os, socket\nfrom servers.demo import answer\nresult = [answer(), open('src/lib.py').read(), os.path.exists('README.md'), socket.gethostname(), open('/state/runs').read()]",
        &mounts,
    )
    .await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    let out = r.result.unwrap();
    assert_eq!(out[0], json!(42), "the new SDK");
    assert_eq!(out[1], json!("VALUE = 2\n"));
    assert_eq!(out[2], json!(false), "the deleted file is gone");
    assert!(
        before.contains(out[3].as_str().unwrap()),
        "a container that was warm before the change served it: {} not in {before}",
        out[3]
    );
    assert_eq!(out[4], json!("x"));
    sb.shutdown().await;

    // A new sandbox (a new vtcode) finds the same /state on the engine.
    let sb: Arc<dyn Sandbox> = Arc::new(DockerSandbox::start(s.clone()).await.unwrap());
    let r = py(
        &sb,
        "open('/state/runs', 'a').write('y')\nopen('/state/runs').read()",
        &mounts,
    )
    .await;
    assert_eq!(r.result, Some(json!("xy")), "{r:?}");
    leftovers = bind_mounts(&engine, &project);
    assert!(leftovers.is_empty(), "host paths mounted: {leftovers:?}");

    // workspace = "none": no /workspace at all.
    let bare = Mounts {
        workspace: None,
        ..mounts.clone()
    };
    let r = py(
        &sb,
        "import os\nresult = [os.getcwd(), os.path.exists('/workspace/src')]",
        &bare,
    )
    .await;
    assert_eq!(r.result, Some(json!(["/tmp", false])), "{r:?}");
    sb.shutdown().await;

    // A workspace over the cap is refused, saying what to do.
    write(&ws.path().join("data.bin"), &"x".repeat(8192));
    let mut capped = s.clone();
    capped.workspace_max_bytes = 4096;
    capped.pool_size = 0;
    let sb: Arc<dyn Sandbox> = Arc::new(DockerSandbox::start(capped).await.unwrap());
    let host: Arc<dyn vtcode_sandbox::ToolHost> = Arc::new(common::TestHost);
    let request = common::request(
        vtcode_sandbox::Language::Python,
        "print(1)",
        std::time::Duration::from_secs(10),
        &mounts,
    );
    let err = sb
        .execute(request, host, None)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("data.bin") && err.contains("workspace_max_mb"),
        "{err}"
    );
    sb.shutdown().await;

    let removed = vtcode_sandbox::prune(&s, Some(&project)).await.unwrap();
    let left = engine.run(&[
        "ps",
        "-aq",
        "--filter",
        &format!("label=vtcode.sandbox.project={project}"),
    ]);
    assert!(
        left.is_empty(),
        "containers left after prune ({removed} removed): {left}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_does_not_answer_is_named_with_how_it_was_chosen() {
    let mut s = settings(Backend::Docker, Mounts::default());
    s.docker_host = Some("tcp://127.0.0.1:9".into());
    let err = DockerSandbox::start(s).await.err().unwrap().to_string();
    assert!(
        err.contains("tcp://127.0.0.1:9") && err.contains("[sandbox] docker_host"),
        "{err}"
    );
}
