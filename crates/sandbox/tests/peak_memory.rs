//! Each execution reports its own program's peak resident memory, on both
//! backends and in both languages: a program that fills 96 MiB reports at
//! least that, and the small program run after it in the same warm runner
//! reports far less (the figure is the program's, not the runner's).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{js, py, sandbox, settings};
use vtcode_sandbox::{Backend, ExecStatus, Mounts};

const MIB: u64 = 1024 * 1024;

async fn peak_memory_suite(backend: Backend) {
    let mounts = Mounts::default();
    let sandbox = sandbox(backend, settings(backend, mounts.clone())).await;
    let runs = [
        (
            "python",
            py(&sandbox, "b = bytearray(96 << 20)\nprint(len(b))", &mounts).await,
            py(&sandbox, "print(1)", &mounts).await,
        ),
        (
            "javascript",
            js(
                &sandbox,
                "const b = Buffer.alloc(96 << 20, 1); console.log(b.length)",
                &mounts,
            )
            .await,
            js(&sandbox, "console.log(1)", &mounts).await,
        ),
    ];
    for (language, large, small) in runs {
        assert_eq!(large.status, ExecStatus::Ok, "{language}: {large:?}");
        assert_eq!(small.status, ExecStatus::Ok, "{language}: {small:?}");
        let large = large.peak_memory_bytes.expect("measured");
        let small = small.peak_memory_bytes.expect("measured");
        assert!(large >= 96 * MIB, "{language}: {large} bytes");
        assert!(small < 80 * MIB, "{language}: {small} bytes after {large}");
    }
    sandbox.shutdown().await;
}

on_both_backends!(peak_memory_suite: the_process_backend_reports_each_programs_peak_memory, the_docker_backend_reports_each_programs_peak_memory);
