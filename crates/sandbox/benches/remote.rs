//! What a remote Docker engine costs: the warm round trip over tcp beside
//! the same over the local socket, in one run, and the first execution on
//! the remote engine, which includes creating the container and shipping
//! the runner, an SDK, the skills and a workspace into it. The remote engine
//! is a second dockerd on 127.0.0.1 (as in the tests), so the figures are
//! the protocol's and the shipping's cost without a real network's latency.
//! Prints one markdown section.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/common/second_engine.rs"]
mod second_engine;
mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use support::{Echo, percentile, row};

use vtcode_sandbox::{
    Backend, DockerSandbox, ExecRequest, Language, Limits, Mounts, Sandbox, SandboxSettings,
};

const SERVERS: usize = 20;
const TOOLS: usize = 10;
const FILES: usize = 200;
const RUNS: usize = 300;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A project of `FILES` source files and an SDK of `SERVERS` x `TOOLS`
/// tools in both languages, laid out as core publishes them.
fn project(root: &Path) -> Mounts {
    let (ws, sdk, skills) = (root.join("ws"), root.join("sdk"), root.join("skills"));
    for i in 0..FILES {
        write(
            &ws.join(format!("src/m{}/f{i}.py", i % 10)),
            &"x = 1\n".repeat(40),
        );
    }
    for s in 0..SERVERS {
        let mut init = String::new();
        for t in 0..TOOLS {
            let body = format!("def tool_{t}(**kw):\n    \"\"\"Tool {t}.\"\"\"\n    return kw\n");
            write(
                &sdk.join(format!("h1/python/servers/s{s}/tool_{t}.py")),
                &body,
            );
            write(
                &sdk.join(format!("h1/javascript/servers/s{s}/tool_{t}.js")),
                &format!("export function tool_{t}(a) {{ return a; }}\n"),
            );
            init.push_str(&format!("from .tool_{t} import tool_{t}\n"));
        }
        write(
            &sdk.join(format!("h1/python/servers/s{s}/__init__.py")),
            &init,
        );
    }
    for language in ["python", "javascript"] {
        std::os::unix::fs::symlink(Path::new("h1").join(language), sdk.join(language)).unwrap();
    }
    write(
        &skills.join("python/skills/hello/__init__.py"),
        "def greet():\n    return 'hi'\n",
    );
    std::fs::create_dir_all(root.join("state")).unwrap();
    Mounts {
        workspace: Some(ws),
        workspace_writable: false,
        state: Some(root.join("state")),
        sdk: Some(sdk),
        skills: Some(skills),
    }
}

fn settings(mounts: &Mounts, docker_host: Option<&str>, pool_size: usize) -> SandboxSettings {
    SandboxSettings {
        backend: Backend::Docker,
        pool_size,
        project: Some("vtcode-sandbox-bench-remote".into()),
        mounts: mounts.clone(),
        docker_host: docker_host.map(str::to_string),
        ..SandboxSettings::default()
    }
}

async fn exec(sandbox: &Arc<dyn Sandbox>, mounts: &Mounts, code: &str) {
    let request = ExecRequest {
        language: Language::Python,
        code: code.into(),
        timeout: Duration::from_secs(30),
        limits: Limits::default(),
        mounts: mounts.clone(),
    };
    let result = sandbox
        .execute(request, Arc::new(Echo), None)
        .await
        .expect("execution");
    assert_eq!(result.status, vtcode_sandbox::ExecStatus::Ok, "{result:?}");
}

/// First execution with no warm runner, then warm p50/p99.
async fn measure(mounts: &Mounts, docker_host: Option<&str>) -> (f64, f64, f64) {
    const PROGRAM: &str = "from servers.s3 import tool_1\nprint(tool_1(a=1))";
    let cold: Arc<dyn Sandbox> = Arc::new(
        DockerSandbox::start(settings(mounts, docker_host, 0))
            .await
            .expect("sandbox"),
    );
    let t = Instant::now();
    exec(&cold, mounts, PROGRAM).await;
    let first = t.elapsed().as_secs_f64() * 1000.0;
    cold.shutdown().await;

    let sandbox: Arc<dyn Sandbox> = Arc::new(
        DockerSandbox::start(settings(mounts, docker_host, 1))
            .await
            .expect("sandbox"),
    );
    sandbox.warm().await.expect("warm pool");
    for _ in 0..20 {
        exec(&sandbox, mounts, "print(1)").await;
    }
    let mut warm = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        exec(&sandbox, mounts, "print(1)").await;
        warm.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    warm.sort_by(f64::total_cmp);
    sandbox.shutdown().await;
    (first, percentile(&warm, 0.5), percentile(&warm, 0.99))
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        vtcode_sandbox::build_image(&SandboxSettings::default(), &|_| {})
            .await
            .expect("sandbox image");
        let engine = second_engine::SecondEngine::start(vtcode_sandbox::DEFAULT_IMAGE);
        let dir = tempfile::tempdir().unwrap();
        let mounts = project(dir.path());
        let local = measure(&mounts, None).await;
        let remote = measure(&mounts, Some(&engine.host)).await;
        println!("### Sandbox on a remote Docker engine (tcp)\n");
        println!("| what | measured | budget | met |");
        println!("|---|---|---|---|");
        println!("{}", row("local socket: warm `print(1)` round trip p50", local.1, Some(15.0)));
        println!("{}", row("tcp engine: warm `print(1)` round trip p50", remote.1, None));
        println!("{}", row("local socket: warm `print(1)` round trip p99", local.2, Some(50.0)));
        println!("{}", row("tcp engine: warm `print(1)` round trip p99", remote.2, None));
        println!("{}", row("local socket: first execution incl. container start", local.0, Some(1500.0)));
        println!(
            "{}",
            row("tcp engine: first execution incl. container start and shipping", remote.0, Some(2000.0))
        );
        println!(
            "\nSame run, pool of one runner, {RUNS} executions back to back after 20 warm-up runs, with a workspace of {FILES} files and an SDK of {} tools mounted (local) or shipped (tcp; a second dockerd on 127.0.0.1). A remote warm run adds a walk of the workspace and the SDK links to see whether anything must be shipped again; a first run creates the container and copies the runner, the SDK, the skills and the workspace into it before starting it.",
            SERVERS * TOOLS
        );
    });
}
