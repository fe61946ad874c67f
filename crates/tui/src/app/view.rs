//! Drawing: transcript, activity line, input, status bar, popups and modals.
//!
//! Pure presentation of [`App`] state; the only mutation is the transcript's
//! wrap cache and scroll clamp.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use unicode_width::UnicodeWidthStr;
use vtcode_core::events::ApprovalKind;

use super::backend::StatusSnapshot;
use super::cards::format_ms;
use super::commands::{self, COMMANDS};
use super::state::App;

const SPINNER: &[char] = &['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/// Most input rows shown at once; longer input scrolls.
const INPUT_ROWS: usize = 8;

impl App {
    pub fn draw(&mut self, frame: &mut Frame<'_>) {
        let area = frame.area();
        let input_rows = self.input.lines().len().clamp(1, INPUT_ROWS) as u16;
        let [transcript, activity, input, status] = Layout::vertical([
            Constraint::Min(1),
            Constraint::Length(1),
            Constraint::Length(input_rows + 2),
            Constraint::Length(1),
        ])
        .areas(area);
        self.draw_transcript(frame, transcript);
        self.draw_activity(frame, activity);
        self.draw_input(frame, input);
        self.draw_status(frame, status);
        self.draw_completions(frame, transcript);
        if self.help_open {
            draw_help(frame, area);
        }
        if let Some(summary) = &self.metrics_panel {
            super::metrics_panel::draw(frame, centered(area, 94, 90), summary);
        }
        if let Some(picker) = &self.skills_picker {
            picker.draw(frame, area);
        }
        if !self.approvals.is_empty() {
            self.draw_approval(frame, area);
        }
    }

    fn draw_transcript(&mut self, frame: &mut Frame<'_>, area: Rect) {
        if self.transcript.is_empty() {
            let dim = Style::default().fg(Color::DarkGray);
            let lines = vec![
                Line::styled(
                    "vtcode",
                    Style::default()
                        .fg(Color::Magenta)
                        .add_modifier(Modifier::BOLD),
                ),
                Line::styled(
                    "Ask for a change, a fix or an answer about this project.",
                    dim,
                ),
                Line::styled(
                    "Enter sends · Shift+Enter newline · / commands · /help · Ctrl+C twice quits",
                    dim,
                ),
            ];
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
            return;
        }
        let lines = self
            .transcript
            .visible(area.width.max(1), usize::from(area.height));
        frame.render_widget(Paragraph::new(lines), area);
    }

    fn draw_activity(&self, frame: &mut Frame<'_>, area: Rect) {
        let line = if self.quit_armed {
            Line::styled(
                "Press Ctrl+C again to quit",
                Style::default().fg(Color::Yellow),
            )
        } else if let Some(activity) = &self.activity {
            let elapsed = activity.started.elapsed();
            let frame_index = (elapsed.as_millis() / 100) as usize % SPINNER.len();
            Line::from(vec![
                Span::styled(
                    format!("{} ", SPINNER[frame_index]),
                    Style::default().fg(Color::Cyan),
                ),
                Span::raw(format!("{}… ", activity.label)),
                Span::styled(
                    format!(
                        "{} · Ctrl+C to cancel",
                        format_ms(elapsed.as_millis() as u64)
                    ),
                    Style::default().fg(Color::DarkGray),
                ),
            ])
        } else if let Some(hint) = &self.status.api_key_hint {
            Line::styled(hint.clone(), Style::default().fg(Color::Yellow))
        } else if self.transcript.scroll > 0 {
            Line::styled(
                format!(
                    "scrolled up {} lines · PageDown to follow",
                    self.transcript.scroll
                ),
                Style::default().fg(Color::DarkGray),
            )
        } else {
            Line::default()
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    fn draw_input(&self, frame: &mut Frame<'_>, area: Rect) {
        let block = Block::default()
            .borders(Borders::TOP | Borders::BOTTOM)
            .border_style(Style::default().fg(Color::DarkGray));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let prompt = "› ";
        let text_width = usize::from(inner.width).saturating_sub(prompt.len()).max(1);
        let (row, col) = self.input.cursor();
        let lines = self.input.lines();
        let first = row.saturating_sub(usize::from(inner.height).saturating_sub(1));
        let cursor_x = lines[row].chars().take(col).collect::<String>().width();
        let shift = cursor_x.saturating_sub(text_width.saturating_sub(1));
        let shown: Vec<Line<'static>> = lines
            .iter()
            .enumerate()
            .skip(first)
            .take(usize::from(inner.height))
            .map(|(i, line)| {
                let lead = if i == 0 { prompt } else { "  " };
                let visible = skip_columns(line, shift, text_width);
                Line::from(vec![
                    Span::styled(lead, Style::default().fg(Color::Cyan)),
                    Span::raw(visible),
                ])
            })
            .collect();
        frame.render_widget(Paragraph::new(shown), inner);
        if self.approvals.is_empty()
            && !self.help_open
            && self.metrics_panel.is_none()
            && self.skills_picker.is_none()
        {
            let x = inner.x + (prompt.len() + cursor_x - shift) as u16;
            let y = inner.y + (row - first) as u16;
            frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), y));
        }
    }

    fn draw_status(&self, frame: &mut Frame<'_>, area: Rect) {
        let s = &self.status;
        let dim = Style::default().fg(Color::DarkGray);
        let sep = Span::styled(" │ ", dim);
        let sandbox = sandbox_label(s);
        let servers_style = if s.servers_up < s.servers_total {
            Style::default().fg(Color::Yellow)
        } else {
            Style::default()
        };
        let model = if s.model.is_empty() {
            "no model"
        } else {
            &s.model
        };
        let mut rest = vec![
            sep.clone(),
            Span::raw(sandbox),
            sep.clone(),
            Span::styled(
                format!("mcp {}/{}", s.servers_up, s.servers_total),
                servers_style,
            ),
            sep.clone(),
        ];
        if s.programs_running > 0 {
            let noun = if s.programs_running == 1 {
                "program"
            } else {
                "programs"
            };
            rest.push(Span::styled(
                format!("{} {noun} running", s.programs_running),
                Style::default().fg(Color::Yellow),
            ));
            rest.push(sep.clone());
        }
        rest.extend([
            Span::raw(s.approval_mode.clone()),
            sep,
            Span::raw(format!("{} mode", s.tool_mode)),
        ]);
        // On a narrow terminal the token figures give way first, the
        // context left last: the rest says what the session is doing.
        let tokens = [
            format!(
                " · {} tok · {} left",
                short_count(s.tokens_used),
                short_count(s.context_left)
            ),
            format!(" · {} left", short_count(s.context_left)),
            String::new(),
        ];
        let rest_width: usize = rest.iter().map(Span::width).sum();
        let room = usize::from(area.width).saturating_sub(rest_width + model.chars().count());
        let tokens = tokens
            .into_iter()
            .find(|t| t.chars().count() <= room)
            .unwrap_or_default();
        let mut spans = vec![
            Span::styled(model.to_string(), Style::default().fg(Color::Magenta)),
            Span::styled(tokens, dim),
        ];
        spans.extend(rest);
        frame.render_widget(
            Paragraph::new(Line::from(spans)).style(Style::default().bg(Color::Black)),
            area,
        );
    }

    fn draw_completions(&self, frame: &mut Frame<'_>, transcript: Rect) {
        if self.input.lines().len() != 1
            || !self.approvals.is_empty()
            || self.help_open
            || self.metrics_panel.is_some()
        {
            return;
        }
        let matches = commands::completions(&self.input.text());
        if matches.is_empty() || transcript.height < 3 {
            return;
        }
        let rows = matches.len().min(usize::from(transcript.height) - 2);
        let height = rows as u16 + 2;
        let width = transcript.width.min(64);
        let area = Rect {
            x: transcript.x,
            y: transcript.bottom() - height,
            width,
            height,
        };
        let lines: Vec<Line<'static>> = matches
            .iter()
            .take(rows)
            .map(|spec| {
                Line::from(vec![
                    Span::styled(
                        format!("/{:<10}", spec.name),
                        Style::default().fg(Color::Cyan),
                    ),
                    Span::styled(spec.help.to_string(), Style::default().fg(Color::Gray)),
                ])
            })
            .collect();
        popup(frame, area, " Tab completes ", Color::DarkGray, lines);
    }

    fn draw_approval(&self, frame: &mut Frame<'_>, area: Rect) {
        let Some(request) = self.approvals.front() else {
            return;
        };
        let modal = centered(area, 90, 80);
        let title = match request.kind {
            ApprovalKind::Patch => " Apply this patch? ",
            ApprovalKind::Command => " Run this command? ",
            ApprovalKind::Tool => " Call this tool? ",
        };
        let block = Block::bordered()
            .title(title)
            .border_style(Style::default().fg(Color::Yellow));
        let inner = block.inner(modal);
        frame.render_widget(Clear, modal);
        frame.render_widget(block, modal);
        let [summary, body, footer] = Layout::vertical([
            Constraint::Length(2),
            Constraint::Min(1),
            Constraint::Length(2),
        ])
        .areas(inner);
        frame.render_widget(
            Paragraph::new(Line::styled(
                request.summary.clone(),
                Style::default().add_modifier(Modifier::BOLD),
            )),
            summary,
        );
        let body_lines: Vec<Line<'static>> = request
            .body
            .lines()
            .map(|line| {
                let style = match request.kind {
                    ApprovalKind::Patch if line.starts_with("+++") || line.starts_with("---") => {
                        Style::default().add_modifier(Modifier::BOLD)
                    }
                    ApprovalKind::Patch if line.starts_with('+') => {
                        Style::default().fg(Color::Green)
                    }
                    ApprovalKind::Patch if line.starts_with('-') => Style::default().fg(Color::Red),
                    ApprovalKind::Patch if line.starts_with("@@") => {
                        Style::default().fg(Color::Cyan)
                    }
                    _ => Style::default(),
                };
                Line::styled(line.to_string(), style)
            })
            .collect();
        frame.render_widget(
            Paragraph::new(body_lines)
                .wrap(Wrap { trim: false })
                .scroll((self.modal_scroll, 0)),
            body,
        );
        let key = Style::default()
            .fg(Color::Yellow)
            .add_modifier(Modifier::BOLD);
        let footer_line = match &self.deny_reason {
            Some(reason) => Line::from(vec![
                Span::raw("Reason for the model (optional): "),
                Span::styled(reason.clone(), Style::default().fg(Color::Cyan)),
                Span::styled(
                    "▏  Enter send · Esc deny without reason",
                    Style::default().fg(Color::DarkGray),
                ),
            ]),
            None => Line::from(vec![
                Span::styled("y", key),
                Span::raw(" yes once   "),
                Span::styled("a", key),
                Span::raw(" always this session   "),
                Span::styled("n", key),
                Span::raw(" no, with a reason   "),
                Span::styled("Esc", key),
                Span::raw(" deny   "),
                Span::styled("↑↓", key),
                Span::raw(" scroll"),
            ]),
        };
        let more = if self.approvals.len() > 1 {
            format!("{} more waiting", self.approvals.len() - 1)
        } else {
            String::new()
        };
        frame.render_widget(
            Paragraph::new(vec![
                Line::styled(more, Style::default().fg(Color::DarkGray)),
                footer_line,
            ]),
            footer,
        );
    }
}

/// The sandbox part of the status bar, in words: where programs run and
/// how many runners wait warm for the next one (extra ones, started for
/// other limits or mounts, count too, so the number may pass the pool size).
fn sandbox_label(s: &StatusSnapshot) -> String {
    let backend = &s.sandbox_backend;
    if backend.is_empty() {
        "sandbox starting…".to_string()
    } else if s.pool_target == 0 {
        format!("{backend} sandbox")
    } else if s.pool_ready < s.pool_target {
        format!("{backend}: warming {} of {}", s.pool_ready, s.pool_target)
    } else {
        format!("{backend}: {} warm", s.pool_ready)
    }
}

fn draw_help(frame: &mut Frame<'_>, area: Rect) {
    let modal = centered(area, 94, 90);
    let key = Style::default().fg(Color::Cyan);
    let mut lines: Vec<Line<'static>> = COMMANDS
        .iter()
        .map(|spec| {
            let usage = if spec.args.is_empty() {
                format!("/{}", spec.name)
            } else {
                format!("/{} {}", spec.name, spec.args)
            };
            Line::from(vec![
                Span::styled(format!("{usage:<35}"), key),
                Span::raw(spec.help),
            ])
        })
        .collect();
    lines.push(Line::default());
    for (keys, what) in [
        ("Enter", "send"),
        ("Shift+Enter, Alt+Enter, Ctrl+J", "newline"),
        ("Up / Down", "history"),
        ("Tab", "complete a command"),
        ("PageUp / PageDown", "scroll the transcript"),
        ("Ctrl+O", "expand or collapse tool cards"),
        (
            "Ctrl+C",
            "cancel the turn and running programs; twice quits",
        ),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("{keys:<35}"), key),
            Span::raw(what),
        ]));
    }
    lines.push(Line::default());
    for (shown, what) in [
        (
            "docker: 2 warm",
            "code runs in Docker; 2 runners wait, started",
        ),
        ("docker: warming 1 of 2", "the runners are still starting"),
        ("mcp 1/2", "MCP servers up of configured (/servers: why)"),
        (
            "1 program running",
            "code still running after its turn (Ctrl+C)",
        ),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("{shown:<35}"), Style::default().fg(Color::Gray)),
            Span::raw(what),
        ]));
    }
    popup(
        frame,
        modal,
        " Commands · Esc closes · typing goes to the input ",
        Color::Cyan,
        lines,
    );
}

/// Draws `lines` in a bordered box over whatever is below.
fn popup(frame: &mut Frame<'_>, area: Rect, title: &str, color: Color, lines: Vec<Line<'_>>) {
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .title(title)
                .border_style(Style::default().fg(color)),
        ),
        area,
    );
}

/// A rectangle of `percent_x` by `percent_y` of `area`, centred.
fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
    let width = area.width * percent_x / 100;
    let height = area.height * percent_y / 100;
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// The part of `line` from display column `skip`, at most `width` columns.
fn skip_columns(line: &str, skip: usize, width: usize) -> String {
    let mut col = 0;
    let mut out = String::new();
    for c in line.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if col >= skip {
            if col + w - skip > width {
                break;
            }
            out.push(c);
        }
        col += w;
    }
    out
}

/// `950`, `12.3k`, `126k`, `1.2M`.
fn short_count(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..100_000 => format!("{:.1}k", n as f64 / 1e3),
        100_000..1_000_000 => format!("{}k", n / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}
