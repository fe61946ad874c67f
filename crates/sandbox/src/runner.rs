//! One live resident runner (a container or a local process) and the framed
//! JSON conversation with it.
//!
//! Frames are single JSON lines. The host sends `ping`, `exec` and `reply`;
//! the runner answers `pong`, streams `out` chunks, forwards the program's
//! `call`s and ends every execution with one `done`. A reader task turns the
//! runner's byte stream into [`Inbound`] frames on a channel; the channel
//! closing means the runner is gone. How the runner was started and how it
//! is torn down is the backend's business, hidden behind [`Teardown`].

use std::pin::Pin;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use futures::future::BoxFuture;
use futures::{Stream, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::SandboxError;
use crate::settings::Profile;

/// How long a fresh runner may take to answer its first `ping`.
const HANDSHAKE: Duration = Duration::from_secs(20);

#[derive(Debug, Deserialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub(crate) enum Inbound {
    Pong,
    Out {
        s: String,
        d: String,
    },
    Call {
        id: u64,
        server: String,
        tool: String,
        #[serde(default)]
        args: serde_json::Value,
    },
    Done {
        status: crate::ExecStatus,
        exit_code: Option<i32>,
        result: Option<serde_json::Value>,
        #[serde(default)]
        dirty: bool,
        /// The program process's maximum resident set, in KiB.
        #[serde(default)]
        peak_rss_kb: Option<u64>,
    },
    Fatal {
        error: String,
    },
}

#[derive(Debug, Serialize)]
#[serde(tag = "t", rename_all = "lowercase")]
pub(crate) enum Outbound<'a> {
    Ping,
    /// Stop the execution's clock: a call is waiting for a person.
    Pause,
    /// Restart it; the deadline moves later by the time paused.
    Resume,
    Exec {
        lang: crate::Language,
        code: &'a str,
        timeout_ms: u64,
        output_bytes: usize,
        memory_mb: u64,
        /// Address-space cap for the child, where no cgroup limits memory.
        as_mb: Option<u64>,
        cwd: Option<String>,
        sdk: Option<String>,
        skills: Option<String>,
        state: Option<String>,
        node: Option<String>,
    },
    Reply {
        id: u64,
        ok: bool,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<serde_json::Value>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
}

/// Removes what a backend started for one runner.
pub(crate) trait Teardown: Send + Sync {
    fn destroy(self: Box<Self>) -> BoxFuture<'static, ()>;
}

pub(crate) struct Runner {
    pub profile: Profile,
    /// The backend's name for it (a container id), empty when it has none.
    pub handle: String,
    input: Pin<Box<dyn AsyncWrite + Send>>,
    frames: mpsc::Receiver<Inbound>,
    teardown: Option<Box<dyn Teardown>>,
}

impl Runner {
    /// Wraps a started runner and waits for its first `pong`.
    pub(crate) async fn connect(
        profile: Profile,
        input: Pin<Box<dyn AsyncWrite + Send>>,
        output: impl Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
        teardown: Box<dyn Teardown>,
    ) -> Result<Self, SandboxError> {
        let (tx, frames) = mpsc::channel(256);
        tokio::spawn(read_frames(Box::pin(output), tx));
        let mut runner = Self {
            profile,
            handle: String::new(),
            input,
            frames,
            teardown: Some(teardown),
        };
        let started = Instant::now();
        let greeted = async {
            runner.send(&Outbound::Ping).await?;
            loop {
                match runner.recv().await {
                    Some(Inbound::Pong) => return Ok(()),
                    Some(Inbound::Fatal { error }) => return Err(SandboxError::Runner(error)),
                    Some(_) => continue,
                    None => {
                        return Err(SandboxError::Runner(
                            "the runner exited before it was ready".to_string(),
                        ));
                    }
                }
            }
        };
        match tokio::time::timeout(HANDSHAKE, greeted).await {
            Ok(Ok(())) => {
                tracing::debug!(elapsed = ?started.elapsed(), "sandbox runner ready");
                Ok(runner)
            }
            Ok(Err(err)) => {
                runner.destroy().await;
                Err(err)
            }
            Err(_) => {
                runner.destroy().await;
                Err(SandboxError::Runner(format!(
                    "the runner did not answer within {}s",
                    HANDSHAKE.as_secs()
                )))
            }
        }
    }

    pub(crate) async fn send(&mut self, frame: &Outbound<'_>) -> Result<(), SandboxError> {
        let mut line = serde_json::to_vec(frame)
            .map_err(|err| SandboxError::Runner(format!("unencodable frame: {err}")))?;
        line.push(b'\n');
        self.input
            .write_all(&line)
            .await
            .and(self.input.flush().await)
            .map_err(|err| SandboxError::Runner(format!("the runner stopped reading: {err}")))
    }

    pub(crate) async fn recv(&mut self) -> Option<Inbound> {
        self.frames.recv().await
    }

    /// True once the runner's output ended (it exited or was killed).
    pub(crate) fn is_gone(&self) -> bool {
        self.frames.is_closed() && self.frames.is_empty()
    }

    pub(crate) async fn destroy(mut self) {
        if let Some(teardown) = self.teardown.take() {
            teardown.destroy().await;
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if let (Some(teardown), Ok(handle)) =
            (self.teardown.take(), tokio::runtime::Handle::try_current())
        {
            handle.spawn(teardown.destroy());
        }
    }
}

async fn read_frames(
    mut output: Pin<Box<dyn Stream<Item = std::io::Result<bytes::Bytes>> + Send>>,
    tx: mpsc::Sender<Inbound>,
) {
    let mut buf = BytesMut::new();
    while let Some(Ok(chunk)) = output.next().await {
        buf.extend_from_slice(&chunk);
        while let Some(nl) = buf.iter().position(|&b| b == b'\n') {
            let line = buf.split_to(nl + 1);
            let line = &line[..nl];
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<Inbound>(line) {
                Ok(frame) => {
                    if tx.send(frame).await.is_err() {
                        return;
                    }
                }
                Err(err) => tracing::warn!(
                    "unreadable frame from the sandbox runner ({err}): {}",
                    String::from_utf8_lossy(line)
                ),
            }
        }
    }
}
