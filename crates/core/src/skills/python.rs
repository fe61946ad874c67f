//! Python skill code, read by the host's `python3` with `ast`.
//!
//! Starting Python costs more than the rest of a save (about 25 ms), so one
//! reader (`python_reader.py`) is started on first use and kept for the life
//! of the process: each code goes in as one JSON line and its report comes
//! back as one. Saves are serialised on the reader; a reader that dies or
//! answers nonsense is replaced once per call before the save fails. The
//! child exits by itself when vtcode does, as its stdin closes.

use std::io::{BufRead as _, BufReader, Write as _};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

use serde::Deserialize;

use super::code::{Analysis, CodeError, Function, host_program};

const READER: &str = include_str!("python_reader.py");

static RESIDENT: Mutex<Option<Reader>> = Mutex::new(None);

#[derive(Deserialize)]
struct Report {
    #[serde(default)]
    error: Option<SyntaxReport>,
    #[serde(default)]
    failure: Option<String>,
    #[serde(default)]
    functions: Vec<Function>,
    #[serde(default)]
    tools: Vec<(String, String)>,
    #[serde(default)]
    skills: Vec<String>,
}

#[derive(Deserialize)]
struct SyntaxReport {
    line: usize,
    message: String,
}

struct Reader {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Reader {
    fn start() -> Result<Self, CodeError> {
        let mut child = Command::new(host_program("python3")?)
            .args(["-I", "-S", "-c", READER])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| CodeError::Checker(format!("python3 did not start: {e}")))?;
        match (child.stdin.take(), child.stdout.take()) {
            (Some(stdin), Some(stdout)) => Ok(Self {
                child,
                stdin,
                stdout: BufReader::new(stdout),
            }),
            _ => Err(CodeError::Checker("python3 has no pipes".into())),
        }
    }

    fn ask(&mut self, code: &str) -> std::io::Result<Report> {
        let mut line = serde_json::to_string(code)?;
        line.push('\n');
        self.stdin.write_all(line.as_bytes())?;
        self.stdin.flush()?;
        let mut answer = String::new();
        if self.stdout.read_line(&mut answer)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        Ok(serde_json::from_str(&answer)?)
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads Python `code`: its syntax, public functions and imports.
pub(super) fn analyse(code: &str) -> Result<Analysis, CodeError> {
    let mut resident = RESIDENT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut last_error = String::new();
    for _ in 0..2 {
        let mut reader = match resident.take() {
            Some(reader) => reader,
            None => Reader::start()?,
        };
        match reader.ask(code) {
            Ok(report) => {
                *resident = Some(reader);
                return into_analysis(report);
            }
            Err(e) => {
                last_error = e.to_string();
                reader.stop();
            }
        }
    }
    Err(CodeError::Checker(format!(
        "the python3 reader stopped: {last_error}"
    )))
}

fn into_analysis(report: Report) -> Result<Analysis, CodeError> {
    if let Some(failure) = report.failure {
        return Err(CodeError::Checker(format!(
            "python3 could not read the code: {failure}"
        )));
    }
    if let Some(error) = report.error {
        return Err(CodeError::Syntax {
            line: error.line,
            message: error.message,
        });
    }
    Ok(Analysis {
        functions: report.functions,
        sdk_imports: report.tools,
        skill_imports: report.skills,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_reader_that_died_is_replaced_without_failing_the_save() {
        let code = "def f(x: int) -> int:\n    return x\n";
        analyse(code).unwrap();
        if let Some(reader) = RESIDENT.lock().unwrap().as_mut() {
            reader.child.kill().unwrap();
            reader.child.wait().unwrap();
        }
        let analysis = analyse(code).unwrap();
        assert_eq!(analysis.functions[0].signature, "def f(x: int) -> int");
    }
}
