//! Markdown to styled lines, and incremental rendering of streaming text.
//!
//! [`render`] turns a complete markdown text into unwrapped lines.
//! [`StreamingMarkdown`] renders text that is still arriving: the text is cut
//! into top-level blocks at blank lines outside code fences; a finished
//! block is rendered once and kept, and only the open tail is rendered again
//! when a chunk arrives. The cost of a chunk therefore depends on the size of
//! the last block, not on the length of the message.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Parser, Tag, TagEnd};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::highlight::{LineHighlighter, highlight};

/// Renders a complete markdown text. Blocks are separated by one blank line;
/// there is no leading or trailing blank line.
pub fn render(text: &str) -> Vec<Line<'static>> {
    let mut r = Renderer::default();
    for event in Parser::new(text) {
        r.event(event);
    }
    r.flush();
    while r.lines.last().is_some_and(|l| l.spans.is_empty()) {
        r.lines.pop();
    }
    r.lines
}

#[derive(Default)]
struct Renderer {
    lines: Vec<Line<'static>>,
    spans: Vec<Span<'static>>,
    styles: Vec<Style>,
    /// Open lists: the next number for ordered ones.
    lists: Vec<Option<u64>>,
    /// Prefix for the first line of the current list item.
    item_prefix: Option<String>,
    quote_depth: usize,
    code: Option<(String, String)>,
    link: Option<String>,
}

impl Renderer {
    fn style(&self) -> Style {
        self.styles.last().copied().unwrap_or_default()
    }

    fn push_style(&mut self, patch: Style) {
        self.styles.push(self.style().patch(patch));
    }

    fn indent(&self) -> String {
        let depth = self.lists.len().saturating_sub(1);
        let mut s = "> ".repeat(self.quote_depth);
        s.push_str(&"  ".repeat(depth));
        s
    }

    /// Prefix of lines that continue the current block (inside a list
    /// item, they line up under the item's text).
    fn continuation(&self) -> String {
        if self.lists.is_empty() {
            self.indent()
        } else {
            format!("{}  ", self.indent())
        }
    }

    fn flush(&mut self) {
        if self.spans.is_empty() && self.item_prefix.is_none() {
            return;
        }
        let mut spans = Vec::with_capacity(self.spans.len() + 1);
        let prefix = match self.item_prefix.take() {
            Some(bullet) => format!("{}{bullet}", self.indent()),
            None => self.continuation(),
        };
        if !prefix.is_empty() {
            spans.push(Span::styled(prefix, Style::default().fg(Color::DarkGray)));
        }
        spans.append(&mut self.spans);
        self.lines.push(Line::from(spans));
    }

    fn blank(&mut self) {
        if self.lines.last().is_some_and(|l| !l.spans.is_empty()) {
            self.lines.push(Line::default());
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => {
                if let Some((_, code)) = self.code.as_mut() {
                    code.push_str(&text);
                } else {
                    let mut parts = text.split('\n');
                    if let Some(first) = parts.next() {
                        self.spans
                            .push(Span::styled(first.to_string(), self.style()));
                    }
                    for part in parts {
                        self.flush();
                        self.spans
                            .push(Span::styled(part.to_string(), self.style()));
                    }
                }
            }
            Event::Code(code) => self.spans.push(Span::styled(
                code.to_string(),
                self.style().fg(Color::Yellow),
            )),
            Event::SoftBreak => self.spans.push(Span::styled(" ", self.style())),
            Event::HardBreak => self.flush(),
            Event::Rule => {
                self.blank();
                self.lines.push(Line::styled(
                    "─".repeat(40),
                    Style::default().fg(Color::DarkGray),
                ));
                self.blank();
            }
            Event::TaskListMarker(done) => {
                self.spans
                    .push(Span::raw(if done { "[x] " } else { "[ ] " }))
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                self.spans
                    .push(Span::styled(html.to_string(), self.style()));
            }
            Event::FootnoteReference(_) | Event::InlineMath(_) | Event::DisplayMath(_) => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph if self.item_prefix.is_none() && self.lists.is_empty() => {
                self.blank();
            }
            Tag::Heading { level, .. } => {
                self.blank();
                let color = match level {
                    HeadingLevel::H1 => Color::Magenta,
                    HeadingLevel::H2 => Color::Cyan,
                    _ => Color::Blue,
                };
                self.push_style(Style::default().fg(color).add_modifier(Modifier::BOLD));
                let hashes = "#".repeat(level as usize);
                self.spans
                    .push(Span::styled(format!("{hashes} "), self.style()));
            }
            Tag::BlockQuote(_) => {
                self.blank();
                self.quote_depth += 1;
                self.push_style(
                    Style::default()
                        .fg(Color::Gray)
                        .add_modifier(Modifier::ITALIC),
                );
            }
            Tag::CodeBlock(kind) => {
                self.flush();
                self.blank();
                let language = match kind {
                    CodeBlockKind::Fenced(info) => {
                        info.split_whitespace().next().unwrap_or("").to_string()
                    }
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((language, String::new()));
            }
            Tag::List(start) => {
                self.flush();
                if self.lists.is_empty() {
                    self.blank();
                }
                self.lists.push(start);
            }
            Tag::Item => {
                self.flush();
                let bullet = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        let bullet = format!("{n}. ");
                        *n += 1;
                        bullet
                    }
                    _ => "• ".to_string(),
                };
                self.item_prefix = Some(bullet);
            }
            Tag::Emphasis => self.push_style(Style::default().add_modifier(Modifier::ITALIC)),
            Tag::Strong => self.push_style(Style::default().add_modifier(Modifier::BOLD)),
            Tag::Strikethrough => {
                self.push_style(Style::default().add_modifier(Modifier::CROSSED_OUT));
            }
            Tag::Link { dest_url, .. } => {
                self.link = Some(dest_url.to_string());
                self.push_style(
                    Style::default()
                        .fg(Color::Blue)
                        .add_modifier(Modifier::UNDERLINED),
                );
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush(),
            TagEnd::Heading(_) => {
                self.flush();
                self.styles.pop();
            }
            TagEnd::BlockQuote(_) => {
                self.flush();
                self.quote_depth = self.quote_depth.saturating_sub(1);
                self.styles.pop();
            }
            TagEnd::CodeBlock => {
                if let Some((language, code)) = self.code.take() {
                    self.push_code(&language, &code);
                }
                self.blank();
            }
            TagEnd::List(_) => {
                self.flush();
                self.lists.pop();
            }
            TagEnd::Item => self.flush(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some(url) = self.link.take() {
                    let shown = self.spans.last().map(|s| s.content.to_string());
                    if shown.as_deref() != Some(url.as_str()) {
                        self.spans.push(Span::styled(
                            format!(" ({url})"),
                            Style::default().fg(Color::DarkGray),
                        ));
                    }
                }
            }
            _ => {}
        }
    }

    fn push_code(&mut self, language: &str, code: &str) {
        let indent = self.continuation();
        self.lines.push(code_header(&indent, language));
        for line in highlight(code, language) {
            self.lines.push(code_line(&indent, line));
        }
        self.lines.push(code_footer(&indent));
    }
}

fn gutter() -> Style {
    Style::default().fg(Color::DarkGray)
}

fn code_header(indent: &str, language: &str) -> Line<'static> {
    let label = if language.is_empty() {
        "code"
    } else {
        language
    };
    Line::from(Span::styled(format!("{indent}┌ {label}"), gutter()))
}

fn code_line(indent: &str, line: Line<'static>) -> Line<'static> {
    let mut spans = vec![Span::styled(format!("{indent}│ "), gutter())];
    spans.extend(line.spans);
    Line::from(spans)
}

fn code_footer(indent: &str) -> Line<'static> {
    Line::from(Span::styled(format!("{indent}└"), gutter()))
}

/// Markdown text that is still arriving, rendered block by block.
#[derive(Debug, Default)]
pub struct StreamingMarkdown {
    text: String,
    /// End of what `stable` covers in `text`.
    stable_end: usize,
    /// Where the scan for block ends resumes (start of an incomplete line).
    scan_pos: usize,
    /// An open fence that is indented (inside a list or quote): its block is
    /// rendered whole, as part of the tail, until it closes.
    nested_fence: Option<String>,
    /// An open top-level code block, highlighted line by line into `stable`.
    code: Option<OpenCode>,
    /// Rendered lines of all finished blocks.
    stable: Vec<Line<'static>>,
    /// Rendered lines of the open tail; rebuilt on each chunk.
    tail: Vec<Line<'static>>,
    finished: bool,
}

#[derive(Debug)]
struct OpenCode {
    fence: String,
    highlighter: LineHighlighter,
}

impl StreamingMarkdown {
    pub fn new() -> Self {
        Self::default()
    }

    /// A message that is already complete (history, final text).
    pub fn complete(text: &str) -> Self {
        let mut m = Self::new();
        m.push(text);
        m.finish();
        m
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Appends a chunk; only the open tail is rendered again.
    pub fn push(&mut self, chunk: &str) {
        self.text.push_str(chunk);
        while let Some(newline) = self.text[self.scan_pos..].find('\n') {
            let line_start = self.scan_pos;
            let line_end = line_start + newline + 1;
            self.scan_pos = line_end;
            self.complete_line(line_start, line_end);
        }
        self.render_tail();
    }

    fn complete_line(&mut self, start: usize, end: usize) {
        let raw = &self.text[start..end];
        let line = raw.trim();
        if let Some(code) = self.code.as_mut() {
            if closes(&code.fence, line) {
                self.stable.push(code_footer(""));
                self.code = None;
            } else {
                let highlighted = code.highlighter.line(raw);
                self.stable.push(code_line("", highlighted));
            }
            self.stable_end = end;
            return;
        }
        if let Some(fence) = &self.nested_fence {
            if closes(fence, line) {
                self.nested_fence = None;
                self.seal(end);
            }
            return;
        }
        let indented = raw.starts_with([' ', '\t']);
        let blank = line.is_empty();
        let opened = fence_marker(line).map(|fence| {
            let language = line[fence.len()..].split_whitespace().next();
            (fence, language.unwrap_or("").to_string())
        });
        match opened {
            Some((fence, language)) if !indented => {
                // A top-level fence: what came before is a block of its own.
                self.seal(start);
                if !self.stable.is_empty() {
                    self.stable.push(Line::default());
                }
                self.stable.push(code_header("", &language));
                self.code = Some(OpenCode {
                    fence,
                    highlighter: LineHighlighter::new(&language),
                });
                self.stable_end = end;
            }
            Some((fence, _)) => self.nested_fence = Some(fence),
            None if blank => self.seal(end),
            None => {}
        }
    }

    fn render_tail(&mut self) {
        let rest = &self.text[self.stable_end..];
        self.tail = match self.code.as_ref() {
            // An open code block: its partial last line, then the box's end
            // (as a complete render of the same text would show).
            Some(_) => {
                let mut tail = Vec::with_capacity(2);
                if !rest.is_empty() {
                    tail.push(code_line("", Line::from(rest.to_string())));
                }
                tail.push(code_footer(""));
                tail
            }
            None => render(rest),
        };
    }

    /// Marks the message complete: the tail becomes stable.
    pub fn finish(&mut self) {
        if let Some(mut code) = self.code.take() {
            let rest = &self.text[self.stable_end..];
            if !rest.is_empty() {
                let highlighted = code.highlighter.line(rest);
                self.stable.push(code_line("", highlighted));
            }
            self.stable.push(code_footer(""));
            self.stable_end = self.text.len();
        }
        self.seal(self.text.len());
        self.tail.clear();
        self.finished = true;
    }

    fn seal(&mut self, end: usize) {
        let block = &self.text[self.stable_end..end];
        if !block.trim().is_empty() {
            let lines = render(block);
            if !lines.is_empty() {
                if !self.stable.is_empty() {
                    self.stable.push(Line::default());
                }
                self.stable.extend(lines);
            }
        }
        self.stable_end = end;
    }

    pub fn stable_lines(&self) -> &[Line<'static>] {
        &self.stable
    }

    /// The open tail, with the blank separator it needs after stable lines.
    pub fn tail_lines(&self) -> Vec<Line<'static>> {
        if self.tail.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::with_capacity(self.tail.len() + 1);
        if !self.stable.is_empty() && self.code.is_none() {
            out.push(Line::default());
        }
        out.extend(self.tail.iter().cloned());
        out
    }
}

/// Whether `line` (trimmed) closes a block opened with `fence`.
fn closes(fence: &str, line: &str) -> bool {
    fence_marker(line).is_some_and(|m| m.starts_with(fence) && line.len() == m.len())
}

fn fence_marker(line: &str) -> Option<String> {
    for ch in ['`', '~'] {
        let count = line.chars().take_while(|c| *c == ch).count();
        if count >= 3 {
            return Some(std::iter::repeat_n(ch, count).collect());
        }
    }
    None
}
