//! A server's stderr never reaches the terminal: every line is appended to the
//! server's log file, and the first and last few lines of the current process
//! are kept in memory so failure messages can quote them.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::watch;

const HEAD_LINES: usize = 12;
const TAIL_LINES: usize = 12;
const MAX_LINE_CHARS: usize = 400;

/// Where the stderr of server `name` is appended.
pub(crate) fn log_path(log_dir: &Path, name: &str) -> PathBuf {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    log_dir.join(format!("mcp-{safe}.log"))
}

#[derive(Default)]
struct Lines {
    head: Vec<String>,
    tail: VecDeque<String>,
    total: usize,
}

/// The remembered stderr of one server process.
#[derive(Clone)]
pub(crate) struct StderrCapture {
    lines: Arc<Mutex<Lines>>,
    closed: watch::Receiver<bool>,
}

impl StderrCapture {
    /// Starts copying `stream` into the log file at `path`, after a header
    /// line that separates this process from earlier ones.
    pub(crate) fn spawn(
        stream: impl AsyncRead + Unpin + Send + 'static,
        path: PathBuf,
        header: String,
    ) -> Self {
        let lines = Arc::new(Mutex::new(Lines::default()));
        let (closed_tx, closed) = watch::channel(false);
        let sink = Arc::clone(&lines);
        tokio::spawn(async move {
            pump(stream, &path, &header, &sink).await;
            let _ = closed_tx.send(true);
        });
        Self { lines, closed }
    }

    /// The first lines of the process's stderr. Waits up to `grace` for the
    /// stream to close, so a process that just died has its last words read.
    pub(crate) async fn head(&self, grace: Duration) -> Vec<String> {
        self.wait_closed(grace).await;
        self.lock().head.clone()
    }

    /// The last lines of the process's stderr, after the same wait as `head`.
    pub(crate) async fn tail(&self, grace: Duration) -> Vec<String> {
        self.wait_closed(grace).await;
        let lines = self.lock();
        if lines.total <= HEAD_LINES {
            return lines.head.clone();
        }
        lines.tail.iter().cloned().collect()
    }

    async fn wait_closed(&self, grace: Duration) {
        let mut closed = self.closed.clone();
        let _ = tokio::time::timeout(grace, closed.wait_for(|done| *done)).await;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Lines> {
        self.lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn pump(stream: impl AsyncRead + Unpin, path: &Path, header: &str, lines: &Mutex<Lines>) {
    let mut file = open_log(path).await;
    if let Some(file) = file.as_mut()
        && file.write_all(header.as_bytes()).await.is_err()
    {
        tracing::warn!(path = %path.display(), "cannot write MCP server log");
    }
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Some(f) = file.as_mut()
            && f.write_all(&buf).await.is_err()
        {
            file = None;
        }
        let text: String = String::from_utf8_lossy(&buf)
            .trim_end()
            .chars()
            .take(MAX_LINE_CHARS)
            .collect();
        let mut lines = lines
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        lines.total += 1;
        if lines.head.len() < HEAD_LINES {
            lines.head.push(text.clone());
        }
        if lines.tail.len() == TAIL_LINES {
            lines.tail.pop_front();
        }
        lines.tail.push_back(text);
    }
    if let Some(f) = file.as_mut() {
        let _ = f.flush().await;
    }
}

async fn open_log(path: &Path) -> Option<tokio::fs::File> {
    if let Some(dir) = path.parent() {
        let _ = tokio::fs::create_dir_all(dir).await;
    }
    match tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
    {
        Ok(file) => Some(file),
        Err(error) => {
            tracing::warn!(path = %path.display(), %error, "cannot open MCP server log; stderr is dropped");
            None
        }
    }
}
