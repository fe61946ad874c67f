//! A second Docker engine for the remote-mode tests: its own dockerd with
//! its own data root, exec root and pid file, listening only on
//! `tcp://127.0.0.1:PORT`, touching no iptables rules or forwarding. It has
//! no images, so the sandbox image the primary engine built (with the
//! project's own script) is copied over with `docker save | docker load`.
//! Anything that stops it from running fails the test with the reason.
//!
//! Its default network sits on a bridge of its own, made here and removed
//! afterwards (the sandbox never uses it: containers have no network).
//! `--bridge=none` is not an option on a shared machine: a dockerd started
//! with it deletes the `docker0` interface, which is the primary engine's.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct SecondEngine {
    /// `tcp://127.0.0.1:PORT`.
    pub host: String,
    dockerd: Child,
    bridge: String,
    dir: tempfile::TempDir,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("the remote-engine tests need `ip` (iproute2): {e}"));
    assert!(
        out.status.success(),
        "ip {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn primary(args: &[&str]) -> String {
    let out = Command::new("docker")
        .env_remove("DOCKER_HOST")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("the remote-engine tests need the docker CLI: {e}"));
    assert!(
        out.status.success(),
        "docker {args:?} on the primary engine failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl SecondEngine {
    /// Starts the engine and loads `image` into it from the primary one.
    pub fn start(image: &str) -> Self {
        assert!(
            nix::unistd::geteuid().is_root(),
            "the remote-engine tests start a second dockerd, which needs root"
        );
        // The same storage driver as the primary engine: it is the one known
        // to work on this machine's file system.
        let driver = primary(&["info", "--format", "{{.Driver}}"]);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::Builder::new()
            .prefix("vtd-")
            .tempdir_in("/tmp")
            .unwrap();
        let path = |name: &str| dir.path().join(name).display().to_string();
        std::fs::write(dir.path().join("daemon.json"), "{}").unwrap();
        let host = format!("tcp://127.0.0.1:{port}");
        let bridge = format!("vtcd{port}");
        let _ = Command::new("ip").args(["link", "del", &bridge]).output();
        ip(&["link", "add", &bridge, "type", "bridge"]);
        let subnet = format!("10.213.{}.1/24", port % 250);
        ip(&["addr", "add", &subnet, "dev", &bridge]);
        let log = std::fs::File::create(dir.path().join("dockerd.log")).unwrap();
        let dockerd = Command::new("dockerd")
            .args(["--config-file", &path("daemon.json")])
            .args(["--data-root", &path("data")])
            .args(["--exec-root", &path("exec")])
            .args(["--pidfile", &path("dockerd.pid")])
            .args(["-H", &host])
            .args(["--storage-driver", &driver])
            .args(["--bridge", &bridge])
            .args(["--iptables=false", "--ip-forward=false", "--ip-masq=false"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("could not run dockerd for a second engine: {e}"));
        let mut engine = Self {
            host,
            dockerd,
            bridge,
            dir,
        };
        engine.wait_ready();
        engine.load(image);
        engine
    }

    fn log_tail(&self) -> String {
        let mut text = String::new();
        let _ = std::fs::File::open(self.dir.path().join("dockerd.log"))
            .and_then(|mut f| f.read_to_string(&mut text));
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.dockerd.try_wait().unwrap() {
                panic!(
                    "the second dockerd exited ({status}) before answering:\n{}",
                    self.log_tail()
                );
            }
            let ok = self
                .docker(&["version", "--format", "{{.Server.Version}}"])
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the second dockerd did not answer on {} within 60 s:\n{}",
                self.host,
                self.log_tail()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// A `docker` command against this engine.
    pub fn docker(&self, args: &[&str]) -> Command {
        let mut command = Command::new("docker");
        command
            .env("DOCKER_HOST", &self.host)
            .env_remove("DOCKER_CONTEXT")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Output of a `docker` command against this engine, which must succeed.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.docker(args).output().unwrap();
        assert!(
            out.status.success(),
            "docker {args:?} on the second engine failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn load(&self, image: &str) {
        let mut save = Command::new("docker")
            .env_remove("DOCKER_HOST")
            .args(["save", image])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let load = self
            .docker(&["load", "-q"])
            .stdin(save.stdout.take().unwrap())
            .output()
            .unwrap();
        assert!(save.wait().unwrap().success(), "docker save {image} failed");
        assert!(
            load.status.success(),
            "docker load into the second engine failed: {}",
            String::from_utf8_lossy(&load.stderr)
        );
    }
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        let ids = self
            .docker(&["ps", "-aq"])
            .output()
            .map(|o| o.stdout)
            .unwrap_or_default();
        for id in String::from_utf8_lossy(&ids).split_whitespace() {
            let _ = self.docker(&["rm", "-fv", id]).output();
        }
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.dockerd.id()).unwrap());
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.dockerd.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.dockerd.kill();
        let _ = self.dockerd.wait();
        let _ = Command::new("ip")
            .args(["link", "del", &self.bridge])
            .output();
    }
}
