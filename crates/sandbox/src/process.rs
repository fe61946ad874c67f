//! The process backend: the resident runner as a local child process.
//!
//! There is no container here, so the runner is fenced in with what Linux
//! offers an unprivileged process: an empty environment (no API keys), its
//! own temp dir, rlimits (CPU, address space, processes, file size),
//! landlock rules that admit only the interpreters, the runner and the
//! mounts, and a seccomp filter that refuses to create sockets (the bridge
//! uses inherited pipes) and to ptrace. When vtcode runs as root the runner
//! also drops to an unprivileged user, so the process limit means something
//! and root-only files stay out of reach. With no mount namespace there is
//! no `/state` directory, so the runners map the program's `/state/...`
//! paths to the project's state directory.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use landlock::{
    ABI, Access, AccessFs, PathBeneath, PathFd, Ruleset, RulesetAttr, RulesetCreated,
    RulesetCreatedAttr, Scope,
};
use tokio::process::{Child, Command};
use tokio_util::io::ReaderStream;

use crate::engine::Engine;
use crate::exec::Paths;
use crate::pool::Spawner;
use crate::runner::{Runner, Teardown};
use crate::settings::{Profile, SPARE_TASKS, SandboxSettings};
use crate::{SandboxError, assets};

/// The unprivileged user the runner becomes when vtcode runs as root.
const NOBODY: u32 = 65534;
/// Largest file a program may write.
const FILE_SIZE_MB: u64 = 64;

pub struct ProcessSandbox {
    engine: Engine,
    _assets: Arc<tempfile::TempDir>,
}

impl ProcessSandbox {
    /// Prepares the runner files and starts filling the pool.
    pub fn start(settings: SandboxSettings) -> Result<Self, SandboxError> {
        let python = find_program(&["/usr/bin/python3", "/usr/local/bin/python3"], "python3")
            .ok_or_else(|| {
                SandboxError::Unavailable(
                    "the process sandbox needs python3; install it (apt-get install python3)"
                        .into(),
                )
            })?;
        let node = find_program(&["/usr/bin/node", "/usr/local/bin/node"], "node");
        let dir = assets::write_runner_files()?;
        let spawner = ProcessSpawner {
            python,
            node: node.clone(),
            assets: dir.path().to_path_buf(),
            uid: drop_to_uid(),
        };
        Ok(Self {
            engine: Engine::start(
                settings,
                Arc::new(spawner),
                Box::new(move |profile| process_paths(profile, node.as_deref())),
            ),
            _assets: Arc::new(dir),
        })
    }
}

fn process_paths(profile: &Profile, node: Option<&Path>) -> Paths {
    let text = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    Paths {
        cwd: text(&profile.mounts.workspace),
        sdk: text(&profile.mounts.sdk),
        skills: text(&profile.mounts.skills),
        state: text(&profile.mounts.state),
        node: node.map(|p| p.display().to_string()),
        rlimit_memory: true,
    }
}

crate::engine::pooled_sandbox!(ProcessSandbox, "process");

fn find_program(preferred: &[&str], name: &str) -> Option<PathBuf> {
    preferred
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .or_else(|| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|dir| dir.join(name))
                    .find(|p| p.is_file())
            })
        })
        .and_then(|p| std::fs::canonicalize(p).ok())
}

/// Processes and threads `uid` already runs. RLIMIT_NPROC counts every task
/// of the user, not just the sandbox's, so the limit sits that far above the
/// sandbox's own allowance.
fn tasks_of(uid: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let uid = uid.to_string();
    entries
        .flatten()
        .filter_map(|entry| std::fs::read_to_string(entry.path().join("status")).ok())
        .filter(|status| {
            status
                .lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(uid.as_str()))
        })
        .map(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(1)
        })
        .sum()
}

/// Whether the kernel confines a landlocked process's signals to its own
/// domain (landlock ABI 6 and later).
fn signal_scoped() -> bool {
    const LANDLOCK_CREATE_RULESET_VERSION: libc::c_long = 1;
    // SAFETY: with a null attribute and the VERSION flag the call only
    // returns the ABI version (or -1); it touches no memory.
    let abi = unsafe {
        libc::syscall(
            libc::SYS_landlock_create_ruleset,
            std::ptr::null::<libc::c_void>(),
            0usize,
            LANDLOCK_CREATE_RULESET_VERSION,
        )
    };
    abi >= 6
}

fn drop_to_uid() -> Option<u32> {
    nix::unistd::geteuid().is_root().then_some(NOBODY)
}

struct ProcessSpawner {
    python: PathBuf,
    node: Option<PathBuf>,
    assets: PathBuf,
    uid: Option<u32>,
}

struct ProcessTeardown {
    child: Child,
    _tmp: tempfile::TempDir,
}

impl Teardown for ProcessTeardown {
    fn destroy(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        async move {
            if let Some(pid) = self.child.id().and_then(|p| i32::try_from(p).ok()) {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            let _ = self.child.kill().await;
        }
        .boxed()
    }
}

impl Spawner for ProcessSpawner {
    fn spawn(&self, profile: Profile) -> BoxFuture<'static, Result<Runner, SandboxError>> {
        let prepared = self.prepare(&profile);
        async move {
            let (mut command, tmp) = prepared?;
            let mut child = command.spawn().map_err(|err| {
                SandboxError::Runner(format!("could not start the runner: {err}"))
            })?;
            let (Some(stdin), Some(stdout), Some(stderr)) =
                (child.stdin.take(), child.stdout.take(), child.stderr.take())
            else {
                return Err(SandboxError::Runner("the runner has no stdio".into()));
            };
            tokio::spawn(log_stderr(stderr));
            Runner::connect(
                profile,
                Box::pin(stdin),
                ReaderStream::new(stdout),
                Box::new(ProcessTeardown { child, _tmp: tmp }),
            )
            .await
        }
        .boxed()
    }
}

async fn log_stderr(stderr: tokio::process::ChildStderr) {
    use tokio::io::AsyncBufReadExt;
    let mut lines = tokio::io::BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::debug!(target: "vtcode_sandbox::runner", "{line}");
    }
}

fn spawn_error(what: &str, err: impl std::fmt::Display) -> SandboxError {
    SandboxError::Runner(format!(
        "could not prepare the process sandbox ({what}): {err}"
    ))
}

impl ProcessSpawner {
    fn prepare(&self, profile: &Profile) -> Result<(Command, tempfile::TempDir), SandboxError> {
        let tmp = tempfile::Builder::new()
            .prefix("vtcode-sandbox-")
            .tempdir()
            .map_err(|e| spawn_error("temp dir", e))?;
        if let Some(uid) = self.uid {
            let owner = Some(nix::unistd::Uid::from_raw(uid));
            let group = Some(nix::unistd::Gid::from_raw(uid));
            nix::unistd::chown(tmp.path(), owner, group).map_err(|e| spawn_error("temp dir", e))?;
            if let Some(state) = &profile.mounts.state {
                nix::unistd::chown(state, owner, group).map_err(|e| spawn_error("state dir", e))?;
            }
        }
        let ruleset = self.landlock(profile, tmp.path())?;
        let seccomp = seccomp_filter()?;
        let limits = ProcessLimits {
            address_space: (profile.memory_mb + 2048 + 512) << 20,
            processes: profile.pids
                + SPARE_TASKS
                + tasks_of(self.uid.unwrap_or_else(|| nix::unistd::geteuid().as_raw())),
            file_size: FILE_SIZE_MB << 20,
        };

        let mut command = Command::new(&self.python);
        command
            .args(["-I", "-B", "-u"])
            .arg(self.assets.join("runner.py"))
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", tmp.path())
            .env("TMPDIR", tmp.path())
            .env("LANG", "C.UTF-8")
            .env("VTCODE_SANDBOX", "process")
            .env(
                "VTCODE_SIGNAL_SCOPED",
                if signal_scoped() { "1" } else { "0" },
            )
            .current_dir(tmp.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .kill_on_drop(true);
        if let Some(uid) = self.uid {
            command.uid(uid).gid(uid);
        }
        let mut ruleset = Some(ruleset);
        // SAFETY: the closure runs in the forked child before exec; it only
        // makes system calls on values prepared in the parent.
        unsafe {
            command.pre_exec(move || {
                limits.apply()?;
                if let Some(ruleset) = ruleset.take() {
                    ruleset.restrict_self().map_err(std::io::Error::other)?;
                }
                seccompiler::apply_filter(&seccomp).map_err(std::io::Error::other)?;
                Ok(())
            });
        }
        Ok((command, tmp))
    }

    fn landlock(&self, profile: &Profile, tmp: &Path) -> Result<RulesetCreated, SandboxError> {
        let abi = ABI::V5;
        let read = AccessFs::from_read(abi);
        let all = AccessFs::from_all(abi);
        let mut readable: Vec<PathBuf> = [
            "/usr",
            "/lib",
            "/lib64",
            "/bin",
            "/etc/ld.so.cache",
            "/etc/localtime",
            "/etc/ssl",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        readable.push(self.assets.clone());
        for program in std::iter::once(&self.python).chain(self.node.as_ref()) {
            if let Some(prefix) = program.parent().and_then(Path::parent) {
                readable.push(prefix.to_path_buf());
            }
        }
        readable.extend(profile.mounts.sdk.iter().cloned());
        readable.extend(profile.mounts.skills.iter().cloned());
        let mut writable: Vec<PathBuf> = vec![tmp.to_path_buf()];
        writable.extend(profile.mounts.state.iter().cloned());
        match (&profile.mounts.workspace, profile.mounts.workspace_writable) {
            (Some(ws), true) => writable.push(ws.clone()),
            (Some(ws), false) => readable.push(ws.clone()),
            (None, _) => {}
        }
        let devices = ["/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"];
        let error = |e: landlock::RulesetError| spawn_error("landlock", e);
        let mut created = Ruleset::default()
            .handle_access(all)
            .map_err(error)?
            .scope(Scope::AbstractUnixSocket | Scope::Signal)
            .map_err(error)?
            .create()
            .map_err(error)?;
        for (paths, access) in [(readable, read), (writable, all)] {
            for path in paths.iter().filter(|p| p.exists()) {
                let fd = PathFd::new(path).map_err(|e| spawn_error("landlock", e))?;
                created = created
                    .add_rule(PathBeneath::new(fd, access))
                    .map_err(error)?;
            }
        }
        for device in devices {
            let fd = PathFd::new(device).map_err(|e| spawn_error("landlock", e))?;
            let access = AccessFs::ReadFile | AccessFs::WriteFile;
            created = created
                .add_rule(PathBeneath::new(fd, access))
                .map_err(error)?;
        }
        Ok(created)
    }
}

#[derive(Clone, Copy)]
struct ProcessLimits {
    address_space: u64,
    processes: u64,
    file_size: u64,
}

impl ProcessLimits {
    fn apply(&self) -> std::io::Result<()> {
        use nix::sys::resource::{Resource, setrlimit};
        let set = |resource, value| setrlimit(resource, value, value).map_err(std::io::Error::from);
        set(Resource::RLIMIT_AS, self.address_space)?;
        set(Resource::RLIMIT_NPROC, self.processes)?;
        set(Resource::RLIMIT_FSIZE, self.file_size)?;
        set(Resource::RLIMIT_CORE, 0)?;
        Ok(())
    }
}

/// Refuses socket creation (every family: the bridge runs over inherited
/// pipes), io_uring (which could create sockets on its own) and ptrace.
fn seccomp_filter() -> Result<seccompiler::BpfProgram, SandboxError> {
    use seccompiler::{SeccompAction, SeccompFilter, TargetArch};
    let denied = [
        libc::SYS_socket,
        libc::SYS_io_uring_setup,
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
    ];
    let rules = denied.iter().map(|&nr| (nr, Vec::new())).collect();
    let arch =
        TargetArch::try_from(std::env::consts::ARCH).map_err(|e| spawn_error("seccomp", e))?;
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EACCES as u32),
        arch,
    )
    .map_err(|e| spawn_error("seccomp", e))?;
    filter
        .try_into()
        .map_err(|e: seccompiler::BackendError| spawn_error("seccomp", e))
}
