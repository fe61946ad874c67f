//! After a timeout none of the program's processes is left, on either
//! backend: the program starts children that escape its process group in
//! several ways (a new session, a double fork, a plain child), then loops
//! until it is stopped. The test finds them by a marker in their command
//! line in the host's /proc (a container's processes are visible there
//! too); seeing them while the program runs is the control that the search
//! works.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{request, sandbox, settings};
use vtcode_sandbox::{Backend, ExecStatus, Language, Mounts};

/// Pids of live processes whose command line contains `marker`.
fn marked(marker: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let state = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // A zombie has no command line left and holds nothing but its pid.
        let zombie = state
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z'));
        if !zombie && String::from_utf8_lossy(&cmdline).contains(marker) {
            found.push(pid);
        }
    }
    found
}

fn program(marker: &str) -> String {
    format!(
        "import os, subprocess, sys, time
SLEEPER = [sys.executable, '-c', 'import time; time.sleep(600)', {marker:?}]
subprocess.Popen(SLEEPER, start_new_session=True)
subprocess.Popen(SLEEPER)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, SLEEPER)
    os._exit(0)
print('started', flush=True)
while True:
    time.sleep(0.05)
"
    )
}

async fn cleanup_suite(backend: Backend) {
    let marker = format!("vtcode-leftover-{}-{:?}", std::process::id(), backend);
    let sb = sandbox(backend, settings(backend, Mounts::default())).await;
    let host: Arc<dyn vtcode_sandbox::ToolHost> = Arc::new(common::TestHost);
    let req = request(
        Language::Python,
        &program(&marker),
        Duration::from_secs(4),
        &Mounts::default(),
    );
    let run = {
        let sb = Arc::clone(&sb);
        tokio::spawn(async move { sb.execute(req, host, None).await })
    };
    let deadline = Instant::now() + Duration::from_secs(4);
    let mut seen = Vec::new();
    while Instant::now() < deadline && seen.len() < 3 {
        seen = marked(&marker);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        seen.len(),
        3,
        "control: the program's children were not found while it ran"
    );

    let result = tokio::time::timeout(Duration::from_secs(30), run)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(result.status, ExecStatus::Timeout, "{result:?}");
    let deadline = Instant::now() + Duration::from_secs(3);
    let mut left = marked(&marker);
    while !left.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
        left = marked(&marker);
    }
    sb.shutdown().await;
    assert!(
        left.is_empty(),
        "processes {left:?} outlived the timed-out program"
    );
}

on_both_backends!(cleanup_suite: nothing_of_a_timed_out_program_is_left_by_the_process_backend, nothing_of_a_timed_out_program_is_left_by_the_docker_backend);
