//! Tool activity cards.
//!
//! A card is one tool call: a header (tool, the argument that matters,
//! status, duration) and a body. Collapsed, the body is a short preview (the
//! last lines of live output while code runs, a few lines of the result when
//! done). Expanded, it shows everything useful: the code that ran, its
//! stdout/stderr/result, the tool calls made inside the code with their
//! timings, or the search hits. Errors are red.

use std::time::Instant;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use serde_json::Value;
use vtcode_core::events::OutputStream;

use super::highlight::highlight;

/// Lines of live output kept per card while code runs.
const LIVE_KEEP: usize = 500;
/// Preview lines of a collapsed card.
const PREVIEW: usize = 3;
/// Lines of any one section of an expanded card.
const SECTION_MAX: usize = 200;

#[derive(Debug, Clone)]
pub struct Finished {
    pub output: String,
    pub is_error: bool,
    pub duration_ms: u64,
    pub details: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ToolCard {
    pub call_id: String,
    pub name: String,
    pub arguments: Value,
    pub live: Vec<(OutputStream, String)>,
    pub finished: Option<Finished>,
    pub started: Instant,
}

impl ToolCard {
    pub fn new(call_id: String, name: String, arguments: Value) -> Self {
        Self {
            call_id,
            name,
            arguments,
            live: Vec::new(),
            finished: None,
            started: Instant::now(),
        }
    }

    pub fn push_output(&mut self, stream: OutputStream, line: String) {
        if self.live.len() >= LIVE_KEEP {
            self.live.remove(0);
        }
        self.live.push((stream, line));
    }

    /// The card as unwrapped lines.
    pub fn render(&self, expanded: bool) -> Vec<Line<'static>> {
        let mut lines = vec![self.header()];
        let body_style = Style::default().fg(Color::Gray);
        match &self.finished {
            None => {
                if expanded {
                    self.push_code(&mut lines);
                }
                let skip = if expanded {
                    self.live.len().saturating_sub(SECTION_MAX)
                } else {
                    self.live.len().saturating_sub(PREVIEW)
                };
                for (stream, line) in &self.live[skip..] {
                    let style = match stream {
                        OutputStream::Stdout => body_style,
                        OutputStream::Stderr => Style::default().fg(Color::Yellow),
                    };
                    lines.push(indented(line, style));
                }
            }
            Some(done) if done.is_error && !expanded => {
                push_text(&mut lines, &done.output, error_style(), PREVIEW);
            }
            Some(done) => {
                if self.name == "execute_code" || self.name == "run_code" {
                    self.exec_body(done, expanded, &mut lines);
                } else if self.name == "search_tools" {
                    search_body(done, expanded, &mut lines);
                } else {
                    let style = if done.is_error {
                        error_style()
                    } else {
                        body_style
                    };
                    let max = if expanded { SECTION_MAX } else { PREVIEW };
                    push_text(&mut lines, &done.output, style, max);
                }
            }
        }
        lines
    }

    fn header(&self) -> Line<'static> {
        let (mark, mark_style) = match &self.finished {
            None => ("◌", Style::default().fg(Color::Cyan)),
            Some(done) if done.is_error => ("✗", error_style()),
            Some(_) => ("✓", Style::default().fg(Color::Green)),
        };
        let mut spans = vec![
            Span::styled(format!("{mark} "), mark_style),
            Span::styled(
                self.name.clone(),
                Style::default().add_modifier(Modifier::BOLD),
            ),
        ];
        if let Some(arg) = self.key_argument() {
            spans.push(Span::styled(
                format!(" {arg}"),
                Style::default().fg(Color::Gray),
            ));
        }
        let status = match &self.finished {
            None => " running…".to_string(),
            Some(done) => format!(" · {}", format_ms(done.duration_ms)),
        };
        spans.push(Span::styled(status, Style::default().fg(Color::DarkGray)));
        Line::from(spans)
    }

    /// The one argument that identifies the call in a header.
    fn key_argument(&self) -> Option<String> {
        let args = &self.arguments;
        let pick = |key: &str| args.get(key).and_then(Value::as_str).map(str::to_string);
        let value = match self.name.as_str() {
            "execute_code" | "run_code" => pick("language"),
            "search_tools" => pick("query").map(|q| format!("\"{q}\"")),
            "read_file" | "list_dir" => pick("path"),
            "grep" => pick("pattern"),
            "run_shell" => pick("command"),
            "apply_patch" => pick("patch").and_then(|p| {
                p.lines()
                    .find_map(|l| l.strip_prefix("+++ ").map(str::to_string))
            }),
            _ => None,
        }?;
        let first = value.lines().next().unwrap_or("").to_string();
        Some(truncate(&first, 80))
    }

    fn push_code(&self, lines: &mut Vec<Line<'static>>) {
        let Some(code) = self.arguments.get("code").and_then(Value::as_str) else {
            return;
        };
        let language = self
            .arguments
            .get("language")
            .and_then(Value::as_str)
            .unwrap_or("");
        let gutter = Style::default().fg(Color::DarkGray);
        for line in highlight(code, language).into_iter().take(SECTION_MAX) {
            let mut spans = vec![Span::styled("  │ ", gutter)];
            spans.extend(line.spans);
            lines.push(Line::from(spans));
        }
    }

    fn exec_body(&self, done: &Finished, expanded: bool, lines: &mut Vec<Line<'static>>) {
        let Some(exec) = done.details.as_ref().filter(|d| d.get("status").is_some()) else {
            let max = if expanded { SECTION_MAX } else { PREVIEW };
            let style = if done.is_error {
                error_style()
            } else {
                Style::default()
            };
            push_text(lines, &done.output, style, max);
            return;
        };
        let str_of = |key: &str| exec.get(key).and_then(Value::as_str).unwrap_or("");
        let status = str_of("status");
        let calls = exec
            .get("tool_calls")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let stdout = str_of("stdout");
        let stderr = str_of("stderr");
        let result = exec.get("result").filter(|r| !r.is_null());
        let status_style = if status == "ok" {
            Style::default().fg(Color::Green)
        } else {
            error_style()
        };
        let mut summary = vec![
            Span::raw("  "),
            Span::styled(status.to_string(), status_style),
            Span::styled(
                format!(
                    " · {} tool call{} · stdout {} line{}",
                    calls.len(),
                    if calls.len() == 1 { "" } else { "s" },
                    stdout.lines().count(),
                    if stdout.lines().count() == 1 { "" } else { "s" },
                ),
                Style::default().fg(Color::DarkGray),
            ),
        ];
        if !expanded {
            summary.push(Span::styled(
                "  (Ctrl+O expands)",
                Style::default().fg(Color::DarkGray),
            ));
        }
        lines.push(Line::from(summary));
        if !expanded {
            let preview = match result {
                Some(value) => compact_json(value),
                None if status != "ok" && !stderr.is_empty() => stderr.to_string(),
                None => stdout.to_string(),
            };
            let style = if status == "ok" {
                Style::default()
            } else {
                error_style()
            };
            push_text(lines, &preview, style, PREVIEW);
            return;
        }
        self.push_code(lines);
        section(lines, "stdout", stdout, Style::default());
        section(lines, "stderr", stderr, Style::default().fg(Color::Yellow));
        if let Some(value) = result {
            let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
            section(lines, "result", &pretty, Style::default());
        }
        if !calls.is_empty() {
            lines.push(label("tool calls"));
            for call in &calls {
                let name = format!(
                    "{}.{}",
                    call.get("server").and_then(Value::as_str).unwrap_or("?"),
                    call.get("tool").and_then(Value::as_str).unwrap_or("?"),
                );
                let ms = call.get("duration").and_then(Value::as_f64).unwrap_or(0.0);
                let ok = call.get("ok").and_then(Value::as_bool).unwrap_or(false);
                lines.push(Line::from(vec![
                    Span::raw("    "),
                    if ok {
                        Span::styled("✓ ", Style::default().fg(Color::Green))
                    } else {
                        Span::styled("✗ ", error_style())
                    },
                    Span::raw(name),
                    Span::styled(
                        format!("  {}", format_ms(ms.round() as u64)),
                        Style::default().fg(Color::DarkGray),
                    ),
                ]));
            }
        }
    }
}

fn search_body(done: &Finished, expanded: bool, lines: &mut Vec<Line<'static>>) {
    let hits = done
        .details
        .as_ref()
        .and_then(|d| {
            d.as_array()
                .or_else(|| d.get("hits").and_then(Value::as_array))
        })
        .cloned()
        .unwrap_or_default();
    if hits.is_empty() {
        let max = if expanded { SECTION_MAX } else { PREVIEW };
        push_text(lines, &done.output, Style::default().fg(Color::Gray), max);
        return;
    }
    lines.push(Line::styled(
        format!(
            "  {} hit{}",
            hits.len(),
            if hits.len() == 1 { "" } else { "s" }
        ),
        Style::default().fg(Color::DarkGray),
    ));
    let take = if expanded { hits.len() } else { PREVIEW };
    for hit in hits.iter().take(take) {
        let field = |key: &str| hit.get(key).and_then(Value::as_str).unwrap_or("");
        let tool = if field("tool").is_empty() {
            field("name")
        } else {
            field("tool")
        };
        let name = if field("server").is_empty() {
            tool.to_string()
        } else {
            format!("{}.{tool}", field("server"))
        };
        let mut spans = vec![
            Span::raw("    "),
            Span::styled(name, Style::default().fg(Color::Cyan)),
        ];
        // A description flagged as aimed at the model is marked, so the
        // user sees which tool tried it.
        let flagged: Vec<&str> = hit
            .get("warnings")
            .and_then(Value::as_array)
            .map(|w| w.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(first) = flagged.first() {
            spans.push(Span::styled(
                format!(" ⚠ {first}"),
                Style::default().fg(Color::Yellow),
            ));
        }
        let description = field("description");
        if expanded && !description.is_empty() {
            spans.push(Span::styled(
                format!(
                    " — {}",
                    truncate(description.lines().next().unwrap_or(""), 100)
                ),
                Style::default().fg(Color::Gray),
            ));
        }
        lines.push(Line::from(spans));
    }
}

fn section(lines: &mut Vec<Line<'static>>, title: &str, text: &str, style: Style) {
    if text.trim().is_empty() {
        return;
    }
    lines.push(label(title));
    push_text(lines, text, style, SECTION_MAX);
}

fn label(title: &str) -> Line<'static> {
    Line::styled(
        format!("  {title}:"),
        Style::default()
            .fg(Color::DarkGray)
            .add_modifier(Modifier::BOLD),
    )
}

fn push_text(lines: &mut Vec<Line<'static>>, text: &str, style: Style, max: usize) {
    let total = text.lines().count();
    for line in text.lines().take(max) {
        lines.push(indented(line, style));
    }
    if total > max {
        lines.push(Line::styled(
            format!(
                "    … {} more line{}",
                total - max,
                if total - max == 1 { "" } else { "s" }
            ),
            Style::default().fg(Color::DarkGray),
        ));
    }
}

fn indented(line: &str, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::raw("    "),
        Span::styled(line.to_string(), style),
    ])
}

pub fn error_style() -> Style {
    Style::default().fg(Color::Red)
}

fn compact_json(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => truncate(&other.to_string(), 400),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// `850 ms`, `1.2 s`, `2m 03s`.
pub fn format_ms(ms: u64) -> String {
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        _ => format!("{}m {:02}s", ms / 60_000, (ms / 1000) % 60),
    }
}
