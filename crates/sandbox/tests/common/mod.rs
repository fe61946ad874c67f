//! Shared by the sandbox integration tests: a sandbox of either backend
//! (Docker builds the image first; it fails, never skips, without an engine)
//! and an in-test tool host.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;
use std::time::Duration;

pub mod second_engine;

use tokio::sync::OnceCell;
use vtcode_sandbox::{
    Backend, DockerSandbox, ExecRequest, ExecResult, Language, Limits, Mounts, ProcessSandbox,
    Sandbox, SandboxSettings, ToolCallError, ToolHost,
};

static IMAGE: OnceCell<()> = OnceCell::const_new();

/// Builds the sandbox image once per test binary (fast when it exists).
pub async fn ensure_image() {
    IMAGE
        .get_or_init(|| async {
            if let Err(err) = vtcode_sandbox::connect_docker().await {
                panic!("these tests need a Docker engine: {err}");
            }
            vtcode_sandbox::build_image(&vtcode_sandbox::SandboxSettings::default(), &|line| {
                eprintln!("{line}")
            })
            .await
            .expect("building the sandbox image");
        })
        .await;
}

pub fn settings(backend: Backend, mounts: Mounts) -> SandboxSettings {
    SandboxSettings {
        backend,
        pool_size: 1,
        timeout: Duration::from_secs(10),
        tool_timeout: Duration::from_secs(5),
        memory_mb: 256,
        pids: 64,
        output_bytes: 64 * 1024,
        mounts,
        project: Some("vtcode-sandbox-tests".into()),
        ..SandboxSettings::default()
    }
}

pub async fn sandbox(backend: Backend, settings: SandboxSettings) -> Arc<dyn Sandbox> {
    match backend {
        Backend::Docker => {
            ensure_image().await;
            Arc::new(
                DockerSandbox::start(settings)
                    .await
                    .expect("docker sandbox"),
            )
        }
        _ => Arc::new(ProcessSandbox::start(settings).expect("process sandbox")),
    }
}

pub fn request(language: Language, code: &str, timeout: Duration, mounts: &Mounts) -> ExecRequest {
    ExecRequest {
        language,
        code: code.to_string(),
        timeout,
        limits: Limits::default(),
        mounts: mounts.clone(),
    }
}

pub async fn run(
    sandbox: &Arc<dyn Sandbox>,
    language: Language,
    code: &str,
    timeout: Duration,
    mounts: &Mounts,
) -> ExecResult {
    let host: Arc<dyn ToolHost> = Arc::new(TestHost);
    tokio::time::timeout(
        timeout + Duration::from_secs(30),
        sandbox.execute(request(language, code, timeout, mounts), host, None),
    )
    .await
    .expect("execution did not return")
    .expect("sandbox failure")
}

/// Runs Python with a 10 s timeout.
pub async fn py(sandbox: &Arc<dyn Sandbox>, code: &str, mounts: &Mounts) -> ExecResult {
    run(
        sandbox,
        Language::Python,
        code,
        Duration::from_secs(10),
        mounts,
    )
    .await
}

/// Runs JavaScript with a 10 s timeout.
pub async fn js(sandbox: &Arc<dyn Sandbox>, code: &str, mounts: &Mounts) -> ExecResult {
    run(
        sandbox,
        Language::Javascript,
        code,
        Duration::from_secs(10),
        mounts,
    )
    .await
}

/// Tools: `test.echo` returns its arguments, `test.fail` fails with a
/// message, `test.sleep` waits `ms` milliseconds.
pub struct TestHost;

#[async_trait::async_trait]
impl ToolHost for TestHost {
    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolCallError> {
        match (server, tool) {
            ("test", "echo") => Ok(args),
            ("test", "fail") => Err(ToolCallError {
                message: "the repository is archived".into(),
            }),
            ("test", "sleep") => {
                let ms = args["ms"].as_u64().unwrap_or(0);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                Ok(serde_json::json!({ "slept": ms }))
            }
            _ => Err(ToolCallError {
                message: format!("unknown tool {server}.{tool}"),
            }),
        }
    }
}

/// Declares one test per backend that runs `suite(backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($suite:ident: $process:ident, $docker:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $process() {
            $suite(vtcode_sandbox::Backend::Process).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $docker() {
            $suite(vtcode_sandbox::Backend::Docker).await;
        }
    };
}
