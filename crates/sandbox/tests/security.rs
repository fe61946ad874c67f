//! Hostile programs, each of which must be contained and reported with the
//! right status, on both backends. After the whole suite the pool must still
//! serve an ordinary execution.
//!
//! Convention: a program prints `BLOCKED` when its attack failed and
//! `ESCAPED` (with what it got) when it succeeded.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use common::{py, run, sandbox, settings};
use vtcode_sandbox::{Backend, ExecStatus, Language, Mounts};

/// The suites of the two backends run one after the other: a fork bomb of
/// one must not starve the other of processes.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

const API_KEY: &str = "sk-vtcode-test-2f9c1e7a";

struct Case {
    name: &'static str,
    language: Language,
    code: String,
    timeout: Duration,
    /// Accepted statuses.
    statuses: &'static [ExecStatus],
    /// Must the program print `BLOCKED`?
    blocked: bool,
}

/// A Python program whose attack must fail (and say BLOCKED).
fn blocked(name: &'static str, body: impl AsRef<str>) -> Case {
    stopped(name, Language::Python, attempt(body.as_ref()), OK, true)
}

fn stopped(
    name: &'static str,
    language: Language,
    code: impl Into<String>,
    statuses: &'static [ExecStatus],
    blocked: bool,
) -> Case {
    Case {
        name,
        language,
        code: code.into(),
        timeout: Duration::from_secs(5),
        statuses,
        blocked,
    }
}

/// Python that runs `attempt` and prints BLOCKED when it raises.
fn attempt(body: &str) -> String {
    let body = body
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "try:\n{body}\n    print('ESCAPED')\nexcept BaseException as e:\n    print('BLOCKED', type(e).__name__, e)\n"
    )
}

const OK: &[ExecStatus] = &[ExecStatus::Ok];

fn cases(ws: &str, state: &str, secret: &str, port: u16) -> Vec<Case> {
    let mut cases = vec![
        blocked(
            "tcp to an outside address",
            "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)",
        ),
        blocked(
            "tcp to the host's loopback",
            format!("import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=2)"),
        ),
        blocked(
            "udp datagram out",
            "import socket\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\ns.sendto(b'x', ('8.8.8.8', 53))\ns.settimeout(2)\ns.recv(10)",
        ),
        blocked(
            "dns lookup",
            "import socket\nprint(socket.getaddrinfo('example.com', 80))",
        ),
        blocked(
            "ipv6 socket",
            "import socket\nsocket.socket(socket.AF_INET6, socket.SOCK_STREAM).connect(('::1', 22))",
        ),
        stopped(
            "tcp from javascript",
            Language::Javascript,
            "const net = require('net');\nawait new Promise((resolve) => {\n  const s = net.connect({ host: '1.1.1.1', port: 80, timeout: 2000 });\n  s.on('connect', () => { console.log('ESCAPED'); s.destroy(); resolve(); });\n  s.on('error', (e) => { console.log('BLOCKED', e.code); resolve(); });\n  s.on('timeout', () => { console.log('BLOCKED timeout'); s.destroy(); resolve(); });\n});",
            OK,
            true,
        ),
        stopped(
            "fetch from javascript",
            Language::Javascript,
            "try { await fetch('http://1.1.1.1/'); console.log('ESCAPED'); } catch (e) { console.log('BLOCKED', e.message); }",
            OK,
            true,
        ),
        blocked("read /etc/shadow", "print(open('/etc/shadow').read())"),
        blocked(
            "read a file in the host user's home",
            format!("print(open({secret:?}).read())"),
        ),
        blocked(
            "list the host user's home",
            format!("import os\nprint(os.listdir(os.path.dirname({secret:?})))"),
        ),
        // In a container pid 1 is the sandbox's own init; what matters is
        // that no host secret shows up.
        stopped(
            "read pid 1's environment",
            Language::Python,
            "print(open('/proc/1/environ', 'rb').read())",
            &[ExecStatus::Ok, ExecStatus::Error],
            false,
        ),
        stopped(
            "scan every process's environment",
            Language::Python,
            "import os\nfound = []\nfor p in os.listdir('/proc') if os.path.isdir('/proc') else []:\n    try:\n        found.append(open(f'/proc/{p}/environ', 'rb').read().decode(errors='replace'))\n    except Exception:\n        pass\nprint('\\n'.join(found))\nprint('BLOCKED')",
            &[ExecStatus::Ok, ExecStatus::Error],
            false,
        ),
        stopped(
            "read an API key from the environment",
            Language::Python,
            "import os\nprint(dict(os.environ))\nprint('BLOCKED')",
            OK,
            true,
        ),
        stopped(
            "read an API key from process.env",
            Language::Javascript,
            "console.log(JSON.stringify(process.env)); console.log('BLOCKED');",
            OK,
            true,
        ),
        blocked("write to /", "open('/vtcode-escape', 'w').write('x')"),
        blocked(
            "write to /usr",
            "open('/usr/bin/vtcode-escape', 'w').write('x')",
        ),
        blocked(
            "write to the read-only workspace",
            format!("open({:?}, 'w').write('x')", format!("{ws}/written.txt")),
        ),
        blocked(
            "follow a symlink out of the workspace",
            "import os\nprint(open(os.path.join(os.getcwd(), 'escape')).read())",
        ),
        blocked(
            "reach the Docker socket",
            "import socket\ns = socket.socket(socket.AF_UNIX)\ns.connect('/var/run/docker.sock')\ns.send(b'GET /containers/json HTTP/1.0\\r\\n\\r\\n')\nprint(s.recv(100))",
        ),
        blocked("become root with setuid", "import os\nos.setuid(0)"),
        stopped(
            "run a setuid binary",
            Language::Python,
            "import subprocess\nr = subprocess.run(['su', '-c', 'id -u', 'root'], stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=3)\nprint('ESCAPED' if r.stdout.strip() == '0' else 'BLOCKED', r.returncode)",
            &[ExecStatus::Ok, ExecStatus::Error],
            false,
        ),
        stopped(
            "ptrace the runner",
            Language::Python,
            "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nrc = libc.ptrace(16, os.getppid(), 0, 0)\nprint('ESCAPED' if rc == 0 else 'BLOCKED', ctypes.get_errno())",
            OK,
            true,
        ),
        blocked("chroot", "import os\nos.chroot('/tmp')"),
        stopped(
            "fork bomb",
            Language::Python,
            "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
            &[ExecStatus::Timeout, ExecStatus::Killed, ExecStatus::Error],
            false,
        ),
        stopped(
            "memory bomb",
            Language::Python,
            "chunks = []\nwhile True:\n    chunks.append(bytearray(16 << 20))",
            &[ExecStatus::Memory],
            false,
        ),
        stopped(
            "fill /tmp",
            Language::Python,
            attempt(
                "import tempfile\nwith open(tempfile.gettempdir() + '/fill', 'wb') as f:\n    for _ in range(2048):\n        f.write(b'x' * (1 << 20))",
            ),
            &[ExecStatus::Ok],
            true,
        ),
        stopped(
            "fill /state",
            Language::Python,
            attempt(&format!(
                "with open({:?}, 'wb') as f:\n    for _ in range(2048):\n        f.write(b'x' * (1 << 20))",
                format!("{state}/fill")
            )),
            &[ExecStatus::Ok],
            true,
        ),
        stopped(
            "infinite loop",
            Language::Python,
            "while True:\n    pass",
            &[ExecStatus::Timeout],
            false,
        ),
        stopped(
            "infinite loop in javascript",
            Language::Javascript,
            "while (true) {}",
            &[ExecStatus::Timeout],
            false,
        ),
        stopped(
            "100 MB on stdout",
            Language::Python,
            "import sys\nfor _ in range(100):\n    sys.stdout.write('x' * (1 << 20))",
            &[ExecStatus::OutputLimit],
            false,
        ),
        stopped(
            "sleep past the timeout",
            Language::Python,
            "import time\ntime.sleep(60)",
            &[ExecStatus::Timeout],
            false,
        ),
        stopped(
            "kill the runner",
            Language::Python,
            "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nimport time\ntime.sleep(5)",
            &[ExecStatus::Killed],
            false,
        ),
        stopped(
            "leave a process behind in a new session",
            Language::Python,
            "import os, time\npid = os.fork()\nif pid == 0:\n    os.setsid()\n    time.sleep(60)\n    os._exit(0)\nprint('ORPHAN', pid)",
            OK,
            false,
        ),
    ];
    for case in &mut cases {
        if case.name == "fork bomb"
            || case.name == "sleep past the timeout"
            || case.name.starts_with("infinite loop")
        {
            case.timeout = Duration::from_secs(2);
        }
    }
    cases
}

fn orphan_pid(stdout: &str) -> Option<u32> {
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("ORPHAN "))
        .and_then(|p| p.trim().parse().ok())
}

async fn security_suite(backend: Backend) {
    suite_on(backend, None).await;
}

/// The suite on `backend`; for Docker, on the engine at `docker_host` when
/// given (else the default one).
async fn suite_on(backend: Backend, docker_host: Option<String>) {
    let _serial = SERIAL.lock().await;
    // SAFETY: set before any sandbox starts; the suites run one at a time.
    unsafe { std::env::set_var("VTCODE_TEST_API_KEY", API_KEY) };
    let ws = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(ws.path().join("README.md"), "project").unwrap();
    let secret = home.path().join("credentials");
    std::fs::File::create(&secret)
        .unwrap()
        .write_all(b"TOP-SECRET-CREDENTIAL")
        .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::os::unix::fs::symlink(&secret, ws.path().join("escape")).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();

    let mounts = Mounts {
        workspace: Some(ws.path().to_path_buf()),
        workspace_writable: false,
        state: Some(state.path().to_path_buf()),
        sdk: None,
        skills: None,
    };
    let mut s = settings(backend, mounts.clone());
    s.docker_host = docker_host;
    let sb = sandbox(backend, s).await;
    let ws_text = if backend == Backend::Docker {
        "/workspace".to_string()
    } else {
        ws.path().display().to_string()
    };
    let state_text = if backend == Backend::Docker {
        "/state".to_string()
    } else {
        state.path().display().to_string()
    };
    let all = cases(&ws_text, &state_text, &secret.display().to_string(), port);
    assert!(all.len() >= 25);
    let mut failures = Vec::new();
    for case in &all {
        let started = Instant::now();
        let r = run(&sb, case.language, &case.code, case.timeout, &mounts).await;
        let elapsed = started.elapsed();
        let text = format!("{}{}", r.stdout, r.stderr);
        let mut wrong = Vec::new();
        if !case.statuses.contains(&r.status) {
            wrong.push(format!(
                "status {:?}, expected one of {:?}",
                r.status, case.statuses
            ));
        }
        if case.blocked && !r.stdout.contains("BLOCKED") {
            wrong.push("did not report BLOCKED".to_string());
        }
        for leak in ["ESCAPED", API_KEY, "TOP-SECRET-CREDENTIAL"] {
            if text.contains(leak) {
                wrong.push(format!("output contains {leak:?}"));
            }
        }
        if let (Backend::Process, Some(pid)) = (backend, orphan_pid(&r.stdout)) {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if std::path::Path::new(&format!("/proc/{pid}")).exists() {
                wrong.push(format!("process {pid} outlived the execution"));
            }
        }
        if elapsed > case.timeout + Duration::from_secs(4) {
            wrong.push(format!(
                "took {elapsed:?} with a {:?} timeout",
                case.timeout
            ));
        }
        if !wrong.is_empty() {
            let head: String = text.chars().take(600).collect();
            failures.push(format!(
                "[{}] {}\n  output: {head}",
                case.name,
                wrong.join("; ")
            ));
        }
    }
    assert!(
        listener.accept().is_err(),
        "a program reached the host's loopback listener"
    );
    assert!(
        !ws.path().join("written.txt").exists(),
        "a program wrote into the read-only workspace"
    );
    let output = py(&sb, "result = 6 * 7", &mounts).await;
    assert!(
        failures.is_empty(),
        "{} of {} hostile programs were not contained:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );

    // The pool healed: an ordinary execution succeeds in its normal time.
    assert_eq!(output.status, ExecStatus::Ok, "{output:?}");
    assert_eq!(output.result, Some(serde_json::json!(42)));
    let status = tokio::time::timeout(Duration::from_secs(60), sb.warm())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(status.ready >= 1, "{status:?}");
    let started = Instant::now();
    let output = py(&sb, "print(1)", &mounts).await;
    assert_eq!(output.stdout, "1\n");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "a warm execution took {:?}",
        started.elapsed()
    );
    sb.shutdown().await;
}

on_both_backends!(security_suite: hostile_programs_are_contained_by_the_process_backend, hostile_programs_are_contained_by_the_docker_backend);

/// The same attacks on a second engine reached over tcp, where the
/// workspace and the SDK are shipped in rather than mounted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_programs_are_contained_on_a_remote_engine() {
    common::ensure_image().await;
    let engine = common::second_engine::SecondEngine::start(vtcode_sandbox::DEFAULT_IMAGE);
    suite_on(Backend::Docker, Some(engine.host.clone())).await;
}
