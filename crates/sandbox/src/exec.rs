//! Drives one execution on a runner: sends the program, serves its tool
//! calls concurrently through the [`ToolHost`], collects capped output and
//! streams it line by line, and turns the runner's `done` into an
//! [`ExecResult`]. The runner enforces the deadline; the host keeps a
//! backstop a little later and gives up on a runner that missed it. While a
//! call waits for a person (see [`TimeoutPause`]) both clocks stop.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use crate::pause::PauseChange;
use crate::runner::{Inbound, Outbound, Runner};
use crate::{
    ExecRequest, ExecResult, ExecStatus, OutputLine, OutputSink, SandboxError, TimeoutPause,
    ToolCallRecord, ToolHost,
};

/// Grace after the execution timeout before the runner counts as hung.
const BACKSTOP: Duration = Duration::from_secs(3);

/// How far the backstop moves while a call holds the clock; the resume
/// sets it properly.
const HELD: Duration = Duration::from_secs(24 * 3600);

/// How long a call cut short by the execution deadline outlives it.
const CALL_GRACE: Duration = Duration::from_millis(500);

/// Where the runner finds things, as seen from inside it.
#[derive(Default)]
pub(crate) struct Paths {
    pub cwd: Option<String>,
    pub sdk: Option<String>,
    pub skills: Option<String>,
    /// Where `/state/...` paths lead, when `/state` is not mounted there.
    pub state: Option<String>,
    pub node: Option<String>,
    /// Whether the runner must cap memory itself with an address-space limit.
    pub rlimit_memory: bool,
}

pub(crate) struct Outcome {
    pub result: ExecResult,
    /// False when the runner must not serve another execution.
    pub reusable: bool,
}

struct Capture {
    text: String,
    cap: usize,
    truncated: bool,
    partial_line: String,
}

impl Capture {
    fn new(cap: usize) -> Self {
        Self {
            text: String::new(),
            cap,
            truncated: false,
            partial_line: String::new(),
        }
    }

    fn push(&mut self, chunk: &str) {
        let room = self.cap.saturating_sub(self.text.len());
        if chunk.len() <= room {
            self.text.push_str(chunk);
        } else {
            let mut end = room;
            while !chunk.is_char_boundary(end) {
                end -= 1;
            }
            self.text.push_str(&chunk[..end]);
            self.truncated = true;
        }
    }

    /// Complete lines in `chunk`, keeping an unfinished tail for later.
    fn lines(&mut self, chunk: &str) -> Vec<String> {
        self.partial_line.push_str(chunk);
        let mut lines = Vec::new();
        while let Some(nl) = self.partial_line.find('\n') {
            let rest = self.partial_line.split_off(nl + 1);
            let mut line = std::mem::replace(&mut self.partial_line, rest);
            line.pop();
            lines.push(line);
        }
        lines
    }

    fn finish(mut self, name: &str) -> String {
        if self.truncated {
            if !self.text.ends_with('\n') {
                self.text.push('\n');
            }
            self.text.push_str(&format!(
                "[vtcode: {name} truncated: the program wrote more than {} bytes]\n",
                self.cap
            ));
        }
        self.text
    }
}

struct CallDone {
    id: u64,
    record: ToolCallRecord,
    reply: Result<serde_json::Value, String>,
}

pub(crate) async fn run(
    runner: &mut Runner,
    request: &ExecRequest,
    output_bytes: usize,
    tool_timeout: Duration,
    paths: &Paths,
    host: Arc<dyn ToolHost>,
    on_output: Option<OutputSink>,
) -> Result<Outcome, SandboxError> {
    let started = Instant::now();
    let deadline = started + request.timeout;
    runner
        .send(&Outbound::Exec {
            lang: request.language,
            code: &request.code,
            timeout_ms: u64::try_from(request.timeout.as_millis()).unwrap_or(u64::MAX),
            output_bytes,
            memory_mb: runner.profile.memory_mb,
            as_mb: paths.rlimit_memory.then_some(runner.profile.memory_mb),
            cwd: paths.cwd.clone(),
            sdk: paths.sdk.clone(),
            skills: paths.skills.clone(),
            state: paths.state.clone(),
            node: paths.node.clone(),
        })
        .await?;

    let mut stdout = Capture::new(output_bytes);
    let mut stderr = Capture::new(output_bytes);
    let mut tool_calls = Vec::new();
    let (done_tx, mut done_rx) = mpsc::unbounded_channel::<CallDone>();
    let mut in_flight: HashMap<u64, String> = HashMap::new();
    let (pause, mut pause_changes) = TimeoutPause::new(deadline);
    let backstop = tokio::time::sleep_until((deadline + BACKSTOP).into());
    tokio::pin!(backstop);

    let (status, exit_code, result, reusable, peak_rss_kb) = loop {
        tokio::select! {
            frame = runner.recv() => match frame {
                Some(Inbound::Out { s, d }) => {
                    let (capture, wrap): (&mut Capture, fn(String) -> OutputLine) = if s == "e" {
                        (&mut stderr, OutputLine::Stderr)
                    } else {
                        (&mut stdout, OutputLine::Stdout)
                    };
                    capture.push(&d);
                    if let Some(sink) = &on_output {
                        for line in capture.lines(&d) {
                            sink(wrap(line));
                        }
                    }
                }
                Some(Inbound::Call { id, server, tool, args }) => {
                    in_flight.insert(id, format!("{server}.{tool}"));
                    let host = Arc::clone(&host);
                    let tx = done_tx.clone();
                    let pause = pause.clone();
                    tokio::spawn(async move {
                        let done = serve_call(host, id, server, tool, args, tool_timeout, pause).await;
                        let _ = tx.send(done);
                    });
                }
                Some(Inbound::Done { status, exit_code, result, dirty, peak_rss_kb }) => {
                    break (status, exit_code, result, !dirty, peak_rss_kb);
                }
                Some(Inbound::Fatal { error }) => return Err(SandboxError::Runner(error)),
                Some(Inbound::Pong) => {}
                None => {
                    stderr.push("\n[vtcode: the sandbox runner was killed during the execution]\n");
                    break (ExecStatus::Killed, None, None, false, None);
                }
            },
            Some(done) = done_rx.recv() => {
                in_flight.remove(&done.id);
                tool_calls.push(done.record);
                let frame = match done.reply {
                    Ok(value) => Outbound::Reply { id: done.id, ok: true, value: Some(value), error: None },
                    Err(error) => Outbound::Reply { id: done.id, ok: false, value: None, error: Some(error) },
                };
                // A program that already ended no longer reads replies; its
                // `done` (or the runner's death) is what ends this loop.
                let _ = runner.send(&frame).await;
            }
            Some(change) = pause_changes.recv() => {
                // While held, the backstop waits for the resume; after it,
                // it counts from the moved deadline.
                let (frame, until) = match change {
                    PauseChange::Paused => (Outbound::Pause, pause.deadline() + HELD),
                    PauseChange::Resumed => (Outbound::Resume, pause.deadline() + BACKSTOP),
                };
                let _ = runner.send(&frame).await;
                backstop.as_mut().reset(until.into());
            }
            () = &mut backstop, if !pause.is_held() => {
                stderr.push(&format!(
                    "\n[vtcode: the sandbox runner stopped answering; execution abandoned after {:.1}s]\n",
                    request.timeout.as_secs_f64()
                ));
                break (ExecStatus::Timeout, None, None, false, None);
            }
        }
    };
    while let Ok(done) = done_rx.try_recv() {
        in_flight.remove(&done.id);
        tool_calls.push(done.record);
    }
    let status = match status {
        ExecStatus::Ok | ExecStatus::Error if stdout.truncated || stderr.truncated => {
            ExecStatus::OutputLimit
        }
        other => other,
    };
    if status == ExecStatus::Timeout && reusable {
        let mut waiting: Vec<&String> = in_flight.values().collect();
        waiting.sort();
        let waiting = if waiting.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = waiting.iter().map(|s| s.as_str()).collect();
            format!(" while waiting for tool {}", names.join(", "))
        };
        stderr.push(&format!(
            "\n[vtcode: the execution timed out after {:.1}s{waiting} and was stopped]\n",
            request.timeout.as_secs_f64()
        ));
    }
    Ok(Outcome {
        result: ExecResult {
            status,
            exit_code,
            stdout: stdout.finish("stdout"),
            stderr: stderr.finish("stderr"),
            result,
            duration: started.elapsed(),
            tool_calls,
            peak_memory_bytes: peak_rss_kb.map(|kb| kb.saturating_mul(1024)),
        },
        reusable,
    })
}

async fn serve_call(
    host: Arc<dyn ToolHost>,
    id: u64,
    server: String,
    tool: String,
    args: serde_json::Value,
    tool_timeout: Duration,
    pause: TimeoutPause,
) -> CallDone {
    let started = Instant::now();
    if let Err(err) = host.admit(&server, &tool, &args, &pause).await {
        return CallDone {
            id,
            record: ToolCallRecord {
                server,
                tool,
                duration: started.elapsed(),
                ok: false,
            },
            reply: Err(err.message),
        };
    }
    let left = pause.deadline().saturating_duration_since(Instant::now());
    // When the execution's deadline comes first, the runner stops the
    // program at that moment; the grace keeps the call from failing first
    // and turning a timeout into an ordinary error.
    let (budget, which) = if tool_timeout <= left {
        (tool_timeout, "the per-call tool timeout")
    } else {
        (left + CALL_GRACE, "the execution timeout")
    };
    let reply = match tokio::time::timeout(budget, host.call_tool(&server, &tool, args)).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(err)) => Err(err.message),
        Err(_) => Err(format!(
            "tool call {server}.{tool} timed out after {:.1}s ({which})",
            budget.as_secs_f64()
        )),
    };
    CallDone {
        id,
        record: ToolCallRecord {
            server,
            tool,
            duration: started.elapsed(),
            ok: reply.is_ok(),
        },
        reply,
    }
}
