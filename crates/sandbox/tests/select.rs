//! Backend selection when no Docker engine answers: `auto` falls back to the
//! process sandbox and says why; `docker` fails with what to do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use vtcode_sandbox::{
    Backend, ExecStatus, Language, SandboxError, SandboxSettings, ToolCallError, ToolHost,
    select_backend,
};

struct NoTools;

#[async_trait::async_trait]
impl ToolHost for NoTools {
    async fn call_tool(
        &self,
        _: &str,
        _: &str,
        _: serde_json::Value,
    ) -> Result<serde_json::Value, ToolCallError> {
        Err(ToolCallError {
            message: "no tools here".into(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_engine_auto_uses_the_process_sandbox_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("docker.sock");
    // SAFETY: the only test in this binary; set before anything reads it.
    unsafe { std::env::set_var("DOCKER_HOST", format!("unix://{}", socket.display())) };
    let settings = SandboxSettings {
        pool_size: 1,
        ..SandboxSettings::default()
    };

    let err = select_backend(SandboxSettings {
        backend: Backend::Docker,
        ..settings.clone()
    })
    .await
    .expect_err("docker without an engine");
    assert!(matches!(err, SandboxError::Unavailable(_)));
    let text = err.to_string();
    assert!(
        text.contains("no Docker engine answered at unix://") && text.contains("start Docker"),
        "{text}"
    );

    let selected = tokio::time::timeout(Duration::from_secs(20), select_backend(settings.clone()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(selected.sandbox.backend(), "process");
    let notice = selected.notice.expect("a notice about the fallback");
    assert!(
        notice.contains("no Docker engine answered")
            && notice.ends_with("using the process sandbox"),
        "{notice}"
    );

    let request = settings.request(Language::Python, "print('hello from', 'process')");
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        selected.sandbox.execute(request, Arc::new(NoTools), None),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(result.status, ExecStatus::Ok, "{result:?}");
    assert_eq!(result.stdout, "hello from process\n");
}
