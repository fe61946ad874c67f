//! What the model reads about a program that is still running or was
//! cancelled (an ended one gets the ordinary execution report).

use std::fmt::Write as _;
use std::time::Duration;

use super::Progress;
use crate::agent::execution_report;

/// The text of one look at a program, whatever it found; `timeout` is
/// the sandbox's limit, which ends every program.
pub fn report(progress: &Progress, timeout: Duration) -> String {
    match progress {
        Progress::Running {
            handle,
            elapsed,
            stdout,
            stderr,
        } => running_report(handle, *elapsed, timeout, stdout, stderr),
        Progress::Ended { handle, result } => {
            let text = execution_report(result, timeout.as_secs_f64());
            match handle {
                Some(handle) => format!("program {handle} ended\n{text}"),
                None => text,
            }
        }
        Progress::Cancelled {
            handle,
            elapsed,
            stdout,
            stderr,
        } => cancelled_report(handle, *elapsed, stdout, stderr),
    }
}

impl Progress {
    /// Whether the look found a failure (an ended program that did not end
    /// `ok`); running and cancelled programs are not errors.
    pub fn is_error(&self) -> bool {
        matches!(self, Progress::Ended { result, .. } if result.status != vtcode_sandbox::ExecStatus::Ok)
    }
}

fn output(out: &mut String, stdout: &str, stderr: &str) {
    if !stdout.is_empty() {
        let _ = writeln!(out, "stdout:\n{}", stdout.trim_end());
    }
    if !stderr.is_empty() {
        let _ = writeln!(out, "stderr:\n{}", stderr.trim_end());
    }
}

/// A program that outlived its call: its handle, how far it got, the
/// output since the last look, and what to do next.
fn running_report(
    handle: &str,
    elapsed: Duration,
    timeout: Duration,
    stdout: &str,
    stderr: &str,
) -> String {
    let mut out = format!(
        "status: running (handle {handle}, {:.1} s so far; the sandbox stops it at {} s)\n",
        elapsed.as_secs_f64(),
        timeout.as_secs()
    );
    output(&mut out, stdout, stderr);
    let _ = write!(
        out,
        "next: wait_code(handle=\"{handle}\") returns new output or the end; cancel_code(handle=\"{handle}\") stops it"
    );
    out
}

/// A program `cancel_code` stopped, with the output no look handed out yet.
fn cancelled_report(handle: &str, elapsed: Duration, stdout: &str, stderr: &str) -> String {
    let mut out = format!(
        "status: cancelled (handle {handle}, stopped after {:.1} s)\n",
        elapsed.as_secs_f64()
    );
    output(&mut out, stdout, stderr);
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_report_names_the_handle_and_the_next_step() {
        let text = running_report(
            "p2",
            Duration::from_millis(1500),
            Duration::from_secs(120),
            "tick 1\ntick 2\n",
            "",
        );
        assert_eq!(
            text,
            "status: running (handle p2, 1.5 s so far; the sandbox stops it at 120 s)\nstdout:\ntick 1\ntick 2\nnext: wait_code(handle=\"p2\") returns new output or the end; cancel_code(handle=\"p2\") stops it"
        );
    }
}
