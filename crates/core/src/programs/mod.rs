//! Programs that outlive the call that started them (`execute_code` with
//! `yield_after_s`, then `wait_code` and `cancel_code`).
//!
//! Mental model: every program runs as a background task owned by
//! [`Programs`]. The call that starts it waits up to its `yield_after`; a
//! program that ends by then is reported like any execution, one still
//! running stays behind under a handle (`p1`, `p2`, …) and the caller gets
//! what it printed so far. Each later look (`wait`) hands back only output
//! not seen before, or the end. Three things bound a program: the sandbox's
//! own timeout (`[sandbox] timeout_s`) ends it whatever happens here;
//! `max_running` caps how many run at once; and dropping the registry (the
//! session or the server ends) or `cancel` aborts its task, which drops the
//! sandbox lease mid-run, and a lease dropped mid-run destroys its runner
//! with the program in it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::AbortHandle;
use vtcode_sandbox::{
    ExecRequest, ExecResult, Language, OutputLine, OutputSink, Sandbox, ToolHost,
};

mod report;
pub use report::report;

/// How long `execute_code` waits before it hands back a handle, unless the
/// call says otherwise.
pub const DEFAULT_YIELD_AFTER: Duration = Duration::from_secs(30);

/// Longest one call waits before it hands back a handle (the sandbox
/// timeout ends the program anyway).
const MAX_WAIT: Duration = Duration::from_secs(600);

/// A wait argument (`yield_after_s`, `timeout_s`) in seconds: absent means
/// the default, anything but a number ≥ 0 is refused with a message.
pub fn wait_arg(value: Option<&serde_json::Value>, key: &str) -> Result<Duration, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(DEFAULT_YIELD_AFTER),
        Some(v) => v
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(|s| Duration::from_secs_f64(s.min(MAX_WAIT.as_secs_f64())))
            .ok_or_else(|| format!("`{key}` must be a number of seconds (0 or more)")),
    }
}

/// Where one look at a program left it.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// Still running; `stdout`/`stderr` are the lines printed since the
    /// last look.
    Running {
        handle: String,
        elapsed: Duration,
        stdout: String,
        stderr: String,
    },
    /// It ended. The result's stdout and stderr hold only what no earlier
    /// look handed back; `handle` is `None` when it ended before yielding.
    Ended {
        handle: Option<String>,
        result: ExecResult,
    },
    /// `cancel` stopped it; the output not seen before.
    Cancelled {
        handle: String,
        elapsed: Duration,
        stdout: String,
        stderr: String,
    },
}

/// A program still running, for status lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramInfo {
    pub handle: String,
    pub language: Language,
    pub elapsed: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error(
        "{running} programs are already running (the limit is {limit}, `max_running` under [sandbox]): wait for one with wait_code or stop one with cancel_code ({handles})"
    )]
    TooMany {
        running: usize,
        limit: usize,
        handles: String,
    },
    #[error(
        "no running program has handle `{0}`; it ended and was reported, or was never started (running: {1})"
    )]
    Unknown(String, String),
    #[error("the sandbox could not run the program: {0}")]
    Sandbox(String),
}

type Finished = Option<Arc<Result<ExecResult, String>>>;

/// Lines a program printed, and how much of them a look already handed out.
#[derive(Default)]
struct Printed {
    stdout: String,
    stderr: String,
    seen_stdout: usize,
    seen_stderr: usize,
}

impl Printed {
    fn take_new(&mut self) -> (String, String) {
        let out = self.stdout[self.seen_stdout..].to_string();
        let err = self.stderr[self.seen_stderr..].to_string();
        self.seen_stdout = self.stdout.len();
        self.seen_stderr = self.stderr.len();
        (out, err)
    }

    /// The part of a final capture no look handed out yet. The capture
    /// starts with the streamed lines unless the sandbox cut it, and then
    /// all of it is new to the reader.
    fn unseen(full: &str, streamed: &str, seen: usize) -> String {
        if full.starts_with(&streamed[..seen]) {
            full[seen..].to_string()
        } else {
            full.to_string()
        }
    }
}

struct Entry {
    task: AbortHandle,
    printed: Arc<Mutex<Printed>>,
    finished: watch::Receiver<Finished>,
    started: Instant,
    language: Language,
}

impl Entry {
    fn is_running(&self) -> bool {
        self.finished.borrow().is_none()
    }
}

struct Inner {
    max_running: usize,
    next_id: AtomicU64,
    table: Mutex<HashMap<String, Entry>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let table = self.table.get_mut().unwrap_or_else(PoisonError::into_inner);
        for entry in table.values() {
            entry.task.abort();
        }
    }
}

/// The programs of one session (or one `mcp serve`). Clones share them; the
/// last clone dropped kills what still runs.
#[derive(Clone)]
pub struct Programs {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Programs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Programs")
            .field("running", &self.running().len())
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Programs {
    pub fn new(max_running: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                max_running: max_running.max(1),
                next_id: AtomicU64::new(0),
                table: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Starts `request` and waits up to `yield_after` for it. `on_output`
    /// sees each line while this call waits (not after it yielded). If this
    /// future is dropped before it returns (the turn was cancelled), the
    /// program is stopped with it.
    pub async fn start(
        &self,
        sandbox: Arc<dyn Sandbox>,
        host: Arc<dyn ToolHost>,
        request: ExecRequest,
        yield_after: Duration,
        on_output: Option<OutputSink>,
    ) -> Result<Progress, ProgramError> {
        let printed = Arc::new(Mutex::new(Printed::default()));
        let forwarding = Arc::new(AtomicBool::new(true));
        let sink: OutputSink = {
            let printed = Arc::clone(&printed);
            let forwarding = Arc::clone(&forwarding);
            Arc::new(move |line: OutputLine| {
                {
                    let mut p = lock(&printed);
                    let (buf, text) = match &line {
                        OutputLine::Stdout(l) => (&mut p.stdout, l),
                        OutputLine::Stderr(l) => (&mut p.stderr, l),
                    };
                    buf.push_str(text);
                    buf.push('\n');
                }
                if forwarding.load(Ordering::SeqCst)
                    && let Some(sink) = &on_output
                {
                    sink(line);
                }
            })
        };
        let (done_tx, mut finished) = watch::channel::<Finished>(None);
        let started = Instant::now();
        let handle = {
            let mut table = lock(&self.inner.table);
            let running: Vec<&String> = table
                .iter()
                .filter(|(_, e)| e.is_running())
                .map(|(h, _)| h)
                .collect();
            if running.len() >= self.inner.max_running {
                return Err(ProgramError::TooMany {
                    running: running.len(),
                    limit: self.inner.max_running,
                    handles: sorted(running),
                });
            }
            let n = self.inner.next_id.fetch_add(1, Ordering::SeqCst) + 1;
            let handle = format!("p{n}");
            let language = request.language;
            let task = tokio::spawn(async move {
                let result = sandbox
                    .execute(request, host, Some(sink))
                    .await
                    .map_err(|e| e.to_string());
                let _ = done_tx.send(Some(Arc::new(result)));
            });
            table.insert(
                handle.clone(),
                Entry {
                    task: task.abort_handle(),
                    printed: Arc::clone(&printed),
                    finished: finished.clone(),
                    started,
                    language,
                },
            );
            handle
        };
        let mut pending = StopUnlessKept {
            programs: self,
            handle: &handle,
            keep: false,
        };
        let ended = wait_end(&mut finished, yield_after).await;
        forwarding.store(false, Ordering::SeqCst);
        pending.keep = true;
        if let Some(outcome) = ended {
            lock(&self.inner.table).remove(&handle);
            return ended_progress(None, &printed, outcome.as_ref().as_ref());
        }
        let (stdout, stderr) = lock(&printed).take_new();
        Ok(Progress::Running {
            handle: handle.clone(),
            elapsed: started.elapsed(),
            stdout,
            stderr,
        })
    }

    /// Waits up to `timeout` for the program `handle` to end; hands back
    /// the output no earlier look did.
    pub async fn wait(&self, handle: &str, timeout: Duration) -> Result<Progress, ProgramError> {
        let (mut finished, printed, started) = {
            let table = lock(&self.inner.table);
            let entry = table
                .get(handle)
                .ok_or_else(|| self.unknown(handle, &table))?;
            (
                entry.finished.clone(),
                Arc::clone(&entry.printed),
                entry.started,
            )
        };
        if let Some(outcome) = wait_end(&mut finished, timeout).await {
            lock(&self.inner.table).remove(handle);
            return ended_progress(
                Some(handle.to_string()),
                &printed,
                outcome.as_ref().as_ref(),
            );
        }
        let (stdout, stderr) = lock(&printed).take_new();
        Ok(Progress::Running {
            handle: handle.to_string(),
            elapsed: started.elapsed(),
            stdout,
            stderr,
        })
    }

    /// Stops the program `handle` (its runner is destroyed with it).
    pub fn cancel(&self, handle: &str) -> Result<Progress, ProgramError> {
        let mut table = lock(&self.inner.table);
        let entry = table
            .remove(handle)
            .ok_or_else(|| self.unknown(handle, &table))?;
        drop(table);
        if !entry.is_running() {
            let outcome: Finished = entry.finished.borrow().clone();
            if let Some(outcome) = outcome {
                return ended_progress(
                    Some(handle.to_string()),
                    &entry.printed,
                    outcome.as_ref().as_ref(),
                );
            }
        }
        entry.task.abort();
        let (stdout, stderr) = lock(&entry.printed).take_new();
        Ok(Progress::Cancelled {
            handle: handle.to_string(),
            elapsed: entry.started.elapsed(),
            stdout,
            stderr,
        })
    }

    /// Stops every program; returns how many were running.
    pub fn cancel_all(&self) -> usize {
        let entries: Vec<Entry> = lock(&self.inner.table).drain().map(|(_, e)| e).collect();
        let running = entries.iter().filter(|e| e.is_running()).count();
        for entry in entries {
            entry.task.abort();
        }
        running
    }

    /// The programs still running, oldest first.
    pub fn running(&self) -> Vec<ProgramInfo> {
        let table = lock(&self.inner.table);
        let mut out: Vec<ProgramInfo> = table
            .iter()
            .filter(|(_, e)| e.is_running())
            .map(|(handle, e)| ProgramInfo {
                handle: handle.clone(),
                language: e.language,
                elapsed: e.started.elapsed(),
            })
            .collect();
        out.sort_by_key(|p| std::cmp::Reverse(p.elapsed));
        out
    }

    fn unknown(&self, handle: &str, table: &HashMap<String, Entry>) -> ProgramError {
        let running: Vec<&String> = table.keys().collect();
        ProgramError::Unknown(handle.to_string(), sorted(running))
    }
}

/// Stops the program `handle` when dropped, unless told to keep it: what
/// makes a cancelled `start` take its program with it.
struct StopUnlessKept<'a> {
    programs: &'a Programs,
    handle: &'a str,
    keep: bool,
}

impl Drop for StopUnlessKept<'_> {
    fn drop(&mut self) {
        if !self.keep {
            let _ = self.programs.cancel(self.handle);
        }
    }
}

/// The program's outcome, if it ends within `timeout`.
async fn wait_end(
    finished: &mut watch::Receiver<Finished>,
    timeout: Duration,
) -> Option<Arc<Result<ExecResult, String>>> {
    let ended = tokio::time::timeout(timeout, finished.wait_for(Option::is_some)).await;
    ended.ok()?.ok()?.clone()
}

fn sorted(mut handles: Vec<&String>) -> String {
    if handles.is_empty() {
        return "none".to_string();
    }
    handles.sort_by_key(|h| (h.len(), h.to_string()));
    handles
        .iter()
        .map(|h| h.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn ended_progress(
    handle: Option<String>,
    printed: &Mutex<Printed>,
    outcome: Result<&ExecResult, &String>,
) -> Result<Progress, ProgramError> {
    let mut result = outcome
        .map_err(|e| ProgramError::Sandbox(e.clone()))?
        .clone();
    let p = lock(printed);
    result.stdout = Printed::unseen(&result.stdout, &p.stdout, p.seen_stdout);
    result.stderr = Printed::unseen(&result.stderr, &p.stderr, p.seen_stderr);
    Ok(Progress::Ended { handle, result })
}
