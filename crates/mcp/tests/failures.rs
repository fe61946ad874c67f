//! The hub against servers that misbehave: each failure is reported with a
//! clear message while the other servers keep working.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use vtcode_mcp::{HubError, McpError, ServerSpec, ServerState, Transport};

#[tokio::test]
async fn crashed_server_is_restarted_and_answers_again() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![fixture_spec("crashy", "crash_on_call.py", &[])]).await;
        let first = hub
            .call_tool("crashy", "ping", json!({}))
            .await
            .unwrap()
            .text();

        let err = hub
            .call_tool("crashy", "crash", json!({}))
            .await
            .unwrap_err();
        assert!(matches!(err, McpError::ServerDied { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("'crashy'") && msg.contains("'crash'"), "{msg}");

        // Until it is back, calls fail fast instead of waiting for a timeout;
        // then a new process answers.
        let deadline = Instant::now() + TEST_STARTUP;
        let second = loop {
            let started = Instant::now();
            match hub.call_tool("crashy", "ping", json!({})).await {
                Ok(out) => break out.text(),
                Err(err) => {
                    assert!(
                        matches!(
                            err,
                            McpError::Unavailable { .. } | McpError::ServerDied { .. }
                        ),
                        "{err}"
                    );
                    assert!(
                        started.elapsed() < Duration::from_secs(5),
                        "slow failure: {err}"
                    );
                }
            }
            assert!(
                Instant::now() < deadline,
                "server never came back: {:?}",
                status(&hub, "crashy")
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(second.starts_with("pong from "), "{second}");
        assert_ne!(
            first, second,
            "a new process should answer after the restart"
        );
        assert_eq!(status(&hub, "crashy").state, ServerState::Ready);
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn restarting_state_is_reported_with_the_last_error() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![fixture_spec("crashy", "crash_on_call.py", &[])]).await;
        let mut events = hub.subscribe();
        let _ = hub.call_tool("crashy", "crash", json!({})).await;
        let mut saw_restarting = None;
        while saw_restarting.is_none() {
            tokio::time::timeout(Duration::from_secs(30), events.recv())
                .await
                .expect("no state change after the crash")
                .unwrap();
            if let ServerState::Restarting {
                attempt,
                last_error,
            } = status(&hub, "crashy").state
            {
                saw_restarting = Some((attempt, last_error));
            }
        }
        let (attempt, last_error) = saw_restarting.expect("Restarting state never reported");
        assert_eq!(attempt, 1);
        assert!(last_error.contains("connection closed"), "{last_error}");
        wait_state(&hub, "crashy", TEST_STARTUP, |s| *s == ServerState::Ready).await;
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn server_that_cannot_come_back_is_failed_after_capped_restarts() {
    bounded(async {
        let marker_dir = tempfile::tempdir().unwrap();
        let marker = marker_dir.path().join("started");
        let marker = marker.to_str().unwrap();
        let spec = fixture_spec("once", "crash_on_call.py", &["--start-once", marker]);
        let (hub, _logs) = start_ready(vec![spec]).await;
        let _ = hub.call_tool("once", "crash", json!({})).await;

        let state = wait_state(&hub, "once", Duration::from_secs(120), |s| {
            matches!(s, ServerState::Failed { .. })
        })
        .await;
        let err = failure(&state);
        assert!(err.contains("did not come back after 5 restarts"), "{err}");
        assert!(err.contains("refusing to start again"), "{err}");
        let call = hub.call_tool("once", "ping", json!({})).await.unwrap_err();
        assert!(matches!(call, McpError::Unavailable { .. }), "{call}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn hang_on_initialize_is_reported_while_another_server_works() {
    bounded(async {
        let mut hang = fixture_spec("stuck", "hang_initialize.py", &[]);
        hang.startup_timeout = Duration::from_secs(2);
        let started = Instant::now();
        let (hub, _logs) = start_ready(vec![hang, time_spec("time")]).await;

        let st = status(&hub, "stuck");
        let err = failure(&st.state);
        assert!(err.contains("'stuck'"), "{err}");
        assert!(err.contains("within 2s"), "{err}");
        assert!(err.contains("hang_initialize.py"), "{err}");
        assert!(
            err.contains("will never answer"),
            "stderr lines missing: {err}"
        );
        assert!(started.elapsed() >= Duration::from_secs(2));

        let now = call_text(&hub, "time", "get_current_time", json!({"timezone": "UTC"})).await;
        assert!(now.contains("UTC"), "{now}");
        let err = hub
            .call_tool("stuck", "anything", json!({}))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("'stuck'"), "{err}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn hanging_call_times_out_with_a_clear_message() {
    bounded(async {
        let mut spec = fixture_spec("slow", "hang_call.py", &[]);
        spec.tool_timeout = Duration::from_secs(1);
        let (hub, _logs) = start_ready(vec![spec]).await;

        let err = hub.call_tool("slow", "hang", json!({})).await.unwrap_err();
        assert!(matches!(err, McpError::Timeout { .. }), "{err}");
        let msg = err.to_string();
        assert!(msg.contains("'slow.hang'") && msg.contains("1s"), "{msg}");
        assert!(msg.contains("tool_timeout_s"), "{msg}");

        // The server is still usable after a timed-out call.
        assert_eq!(
            call_text(&hub, "slow", "quick", json!({})).await,
            "quick answer"
        );
        assert_eq!(status(&hub, "slow").state, ServerState::Ready);
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn garbage_on_stdout_is_tolerated() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![
            fixture_spec("noisy", "garbage_stdout.py", &[]),
            fixture_spec("many", "many_tools.py", &["--count", "2"]),
        ])
        .await;
        assert_eq!(status(&hub, "noisy").state, ServerState::Ready);
        for _ in 0..3 {
            assert_eq!(
                call_text(&hub, "noisy", "noisy", json!({"word": "hello"})).await,
                "HELLO"
            );
        }
        assert_eq!(
            call_text(&hub, "many", "tool_0001", json!({"value": "v"})).await,
            "tool_0001:v"
        );
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn stdio_servers_get_their_env_and_cwd() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let dir_path = dir.path().canonicalize().unwrap();
        let mut spec = fixture_spec("placed", "crash_on_call.py", &[]);
        let mut missing_cwd = fixture_spec("misplaced", "crash_on_call.py", &[]);
        if let Transport::Stdio { env, cwd, .. } = &mut spec.transport {
            env.insert("VTCODE_FIXTURE_VALUE".into(), "from-spec".into());
            *cwd = Some(dir_path.clone());
        }
        if let Transport::Stdio { cwd, .. } = &mut missing_cwd.transport {
            *cwd = Some(dir_path.join("no-such-dir"));
        }
        let (hub, _logs) = start_ready(vec![spec, missing_cwd]).await;
        let seen = call_text(&hub, "placed", "environment", json!({})).await;
        assert_eq!(seen, format!("{}|from-spec", dir_path.display()));
        let err = failure(&status(&hub, "misplaced").state).to_owned();
        assert!(
            err.contains("'misplaced'") && err.contains("no-such-dir"),
            "{err}"
        );
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn nonexistent_command_is_named_in_the_failure() {
    bounded(async {
        let missing = ServerSpec::stdio("ghost", "vtcode-test-no-such-server-binary", vec![]);
        let (hub, _logs) = start_ready(vec![missing, time_spec("time")]).await;
        let err = failure(&status(&hub, "ghost").state).to_owned();
        assert!(err.contains("'ghost'"), "{err}");
        assert!(
            err.contains("'vtcode-test-no-such-server-binary' was not found"),
            "{err}"
        );
        assert_eq!(status(&hub, "time").state, ServerState::Ready);
        let err = hub.call_tool("ghost", "x", json!({})).await.unwrap_err();
        assert!(err.to_string().contains("ghost"), "{err}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn server_exiting_at_once_is_reported_with_its_stderr_and_logged() {
    bounded(async {
        let (hub, logs) = start_ready(vec![fixture_spec("quitter", "exit_at_once.py", &[])]).await;
        let err = failure(&status(&hub, "quitter").state).to_owned();
        assert!(
            err.contains("'quitter'") && err.contains("exit_at_once.py"),
            "{err}"
        );
        assert!(
            err.contains("missing configuration file settings.json"),
            "{err}"
        );

        let log = logs.path().join("mcp-quitter.log");
        assert_eq!(hub.log_path("quitter").as_deref(), Some(log.as_path()));
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("exit_at_once: giving up"), "{text}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn required_server_failure_is_fatal() {
    bounded(async {
        let mut spec = fixture_spec("needed", "exit_at_once.py", &[]);
        spec.required = true;
        let (hub, _logs) = start(vec![spec, time_spec("time")]);
        let err = hub.wait_ready(TEST_STARTUP).await.unwrap_err();
        assert!(matches!(err, HubError::RequiredServerFailed { .. }));
        let msg = err.to_string();
        assert!(msg.contains("'needed'"), "{msg}");
        assert!(msg.contains("exit_at_once.py"), "{msg}");
        assert!(msg.contains("missing configuration file"), "{msg}");
        assert!(msg.contains("required = true"), "{msg}");
        hub.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn shutdown_stops_the_server_and_its_children() {
    bounded(async {
        let (hub, _logs) = start_ready(vec![fixture_spec("crashy", "crash_on_call.py", &[])]).await;
        let pong = call_text(&hub, "crashy", "ping", json!({})).await;
        let pid = pong.trim_start_matches("pong from ").to_owned();
        let helper = call_text(&hub, "crashy", "spawn_helper", json!({})).await;
        let dirs = [pid, helper].map(|p| std::path::PathBuf::from(format!("/proc/{p}")));
        for dir in &dirs {
            assert!(process_alive(dir), "{} not running", dir.display());
        }

        hub.shutdown().await;
        assert_eq!(status(&hub, "crashy").state, ServerState::Stopped);
        let deadline = Instant::now() + Duration::from_secs(10);
        for dir in &dirs {
            while process_alive(dir) {
                assert!(
                    Instant::now() < deadline,
                    "{} still running after shutdown",
                    dir.display()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    })
    .await;
}

/// Alive means present and not a zombie waiting to be reaped.
fn process_alive(proc_dir: &std::path::Path) -> bool {
    match std::fs::read_to_string(proc_dir.join("stat")) {
        Ok(stat) => !stat.contains(") Z "),
        Err(_) => false,
    }
}
