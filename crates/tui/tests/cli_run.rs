//! `vtcode run`: a program calls the real mcp-server-time through the
//! generated SDK and the tool bridge, on both sandbox backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, stderr, stdout};

const GET_TIME: &str =
    "from servers.time import get_current_time\nprint(get_current_time(timezone=\"UTC\"))";

/// The Docker backend needs the sandbox image; building it is a no-op when
/// it is up to date.
fn ensure_image(project: &Project) {
    let out = project.vtcode(&["sandbox", "build-image"]);
    assert!(
        out.status.success(),
        "the sandbox image could not be built (is a Docker engine running?): {}",
        stderr(&out)
    );
}

#[test]
fn python_gets_the_time_through_the_sandbox_on_both_backends() {
    let project = Project::with_time_server();
    ensure_image(&project);
    for backend in ["docker", "process"] {
        let setting = format!("sandbox.backend={backend}");
        let out = project.vtcode(&["-c", &setting, "run", "--code", GET_TIME]);
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("'timezone': 'UTC'"),
            "{backend}: {}",
            stdout(&out)
        );
        let err = stderr(&out);
        assert!(err.contains(&format!("[{backend} sandbox: ok")), "{err}");
        assert!(err.contains("1 tool call"), "{err}");
    }
}

#[test]
fn with_no_docker_engine_auto_falls_back_to_the_process_sandbox_and_says_so() {
    let project = Project::with_time_server();
    let out = project
        .command(&["run", "--code", GET_TIME])
        .env("DOCKER_HOST", "unix:///nonexistent/docker.sock")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("'timezone': 'UTC'"),
        "{}",
        stdout(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("using the process sandbox"), "{err}");
    assert!(err.contains("[process sandbox: ok"), "{err}");
}

#[test]
fn javascript_awaits_a_tool_through_the_es_module_sdk_on_both_backends() {
    let project = Project::with_time_server();
    ensure_image(&project);
    let program = project.path().join("convert.js");
    std::fs::write(
        &program,
        "import { convert_time } from \"servers/time/index.js\";\n\
         const r = await convert_time({ source_timezone: \"UTC\", time: \"12:00\", target_timezone: \"Asia/Tokyo\" });\n\
         r.target.datetime.slice(11, 16)\n",
    )
    .unwrap();
    for backend in ["docker", "process"] {
        let setting = format!("sandbox.backend={backend}");
        let out = project.vtcode(&["-c", &setting, "run", program.to_str().unwrap()]);
        assert!(out.status.success(), "{backend}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), "\"21:00\"", "{backend}");
    }
}

#[test]
fn a_wrong_argument_is_a_tool_error_in_the_program_naming_the_problem() {
    let project = Project::with_time_server();
    let code = "from servers.time import get_current_time\nfrom _vtcode import ToolError\n\
                try:\n    get_current_time(timezone=42)\nexcept ToolError as e:\n    print('caught:', e)";
    let out = project.vtcode(&["-c", "sandbox.backend=process", "run", "--code", code]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("caught: invalid arguments for time.get_current_time"),
        "{text}"
    );
}

#[test]
fn json_output_carries_status_result_tool_calls_and_backend() {
    let project = Project::with_time_server();
    let code = "from servers.time import get_current_time\nget_current_time(timezone='Europe/Paris')['timezone']";
    let out = project.vtcode(&[
        "-c",
        "sandbox.backend=process",
        "run",
        "--json",
        "--code",
        code,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["status"], "ok");
    assert_eq!(value["result"], "Europe/Paris");
    assert_eq!(value["backend"], "process");
    assert_eq!(value["tool_calls"][0]["tool"], "get_current_time");
}

#[test]
fn a_program_that_runs_too_long_is_stopped_and_reported() {
    let project = Project::with_time_server();
    let out = project.vtcode(&[
        "-c",
        "sandbox.backend=process",
        "-c",
        "sandbox.timeout_s=2",
        "run",
        "--code",
        "while True: pass",
    ]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
}
