//! The transcript: entries and their wrapped-line caches.
//!
//! Each entry keeps its lines wrapped for the last width it was drawn at.
//! A redraw walks entries from the bottom up and stops once the viewport is
//! full, so it costs the visible lines, not the transcript length. A
//! streaming assistant message keeps the wrapped lines of its finished
//! blocks and re-wraps only its open tail when a chunk arrives.

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};

use super::cards::{ToolCard, error_style};
use super::markdown::StreamingMarkdown;
use super::wrap::wrap_into;

#[derive(Debug)]
pub enum EntryKind {
    User(String),
    Assistant(StreamingMarkdown),
    Tool(ToolCard),
    /// Output of a slash-command: a title and plain lines.
    Info {
        title: String,
        lines: Vec<String>,
    },
    /// A short notice (cancelled, compacted, switched model, …).
    Notice(String),
    Error(String),
}

#[derive(Debug)]
pub struct Entry {
    pub kind: EntryKind,
    wrapped: Vec<Line<'static>>,
    width: u16,
    expanded: bool,
    valid: bool,
    /// For assistant messages: stable lines wrapped so far, and the wrapped
    /// length they produced.
    stable_done: usize,
    stable_wrapped: usize,
}

impl Entry {
    pub fn new(kind: EntryKind) -> Self {
        Self {
            kind,
            wrapped: Vec::new(),
            width: 0,
            expanded: false,
            valid: false,
            stable_done: 0,
            stable_wrapped: 0,
        }
    }

    /// Drops the cache after a change to the entry's content.
    pub fn invalidate(&mut self) {
        self.valid = false;
        if !matches!(self.kind, EntryKind::Assistant(_)) {
            self.stable_done = 0;
            self.stable_wrapped = 0;
        }
    }

    /// The entry's lines wrapped to `width`, including a trailing blank
    /// separator line.
    pub fn lines(&mut self, width: u16, expanded: bool) -> &[Line<'static>] {
        let stale_layout = self.width != width || self.expanded != expanded;
        if stale_layout {
            self.stable_done = 0;
            self.stable_wrapped = 0;
            self.valid = false;
        }
        if !self.valid {
            self.rebuild(width, expanded);
            self.width = width;
            self.expanded = expanded;
            self.valid = true;
        }
        &self.wrapped
    }

    fn rebuild(&mut self, width: u16, expanded: bool) {
        if let EntryKind::Assistant(markdown) = &self.kind {
            // Keep the wrapped lines of finished blocks; wrap only new ones
            // and the tail.
            self.wrapped.truncate(self.stable_wrapped);
            if self.stable_done == 0 {
                self.wrapped.clear();
                self.wrapped.push(role_line("vtcode", Color::Magenta));
            }
            let stable = markdown.stable_lines();
            wrap_into(&stable[self.stable_done..], width, &mut self.wrapped);
            self.stable_done = stable.len();
            self.stable_wrapped = self.wrapped.len();
            wrap_into(&markdown.tail_lines(), width, &mut self.wrapped);
            self.wrapped.push(Line::default());
            return;
        }
        let logical = match &self.kind {
            EntryKind::User(text) => {
                let mut lines = vec![role_line("you", Color::Cyan)];
                lines.extend(text.lines().map(|l| Line::from(l.to_string())));
                lines
            }
            EntryKind::Tool(card) => card.render(expanded),
            EntryKind::Info { title, lines } => {
                let mut out = vec![Line::styled(
                    title.clone(),
                    Style::default()
                        .fg(Color::Blue)
                        .add_modifier(Modifier::BOLD),
                )];
                out.extend(lines.iter().map(|l| Line::from(format!("  {l}"))));
                out
            }
            EntryKind::Notice(text) => vec![Line::styled(
                text.clone(),
                Style::default().fg(Color::DarkGray),
            )],
            EntryKind::Error(text) => text
                .lines()
                .enumerate()
                .map(|(i, l)| {
                    let prefix = if i == 0 { "error: " } else { "       " };
                    Line::from(vec![Span::styled(format!("{prefix}{l}"), error_style())])
                })
                .collect(),
            EntryKind::Assistant(_) => Vec::new(),
        };
        self.wrapped.clear();
        wrap_into(&logical, width, &mut self.wrapped);
        self.wrapped.push(Line::default());
    }
}

fn role_line(name: &str, color: Color) -> Line<'static> {
    Line::from(Span::styled(
        name.to_string(),
        Style::default().fg(color).add_modifier(Modifier::BOLD),
    ))
}

/// All entries, plus the view state (scroll, card expansion).
#[derive(Debug, Default)]
pub struct Transcript {
    entries: Vec<Entry>,
    /// Lines scrolled up from the bottom; 0 follows new output.
    pub scroll: usize,
    pub expand_cards: bool,
}

impl Transcript {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn push(&mut self, kind: EntryKind) {
        self.entries.push(Entry::new(kind));
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.scroll = 0;
    }

    pub fn last_mut(&mut self) -> Option<&mut Entry> {
        self.entries.last_mut()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Appends streamed text to the open assistant message, opening one if
    /// the last entry is not an unfinished assistant message.
    pub fn push_text(&mut self, chunk: &str) {
        let open = matches!(
            self.entries.last().map(|e| &e.kind),
            Some(EntryKind::Assistant(m)) if !m.is_finished()
        );
        if !open {
            self.push(EntryKind::Assistant(StreamingMarkdown::new()));
        }
        if let Some(entry) = self.entries.last_mut()
            && let EntryKind::Assistant(markdown) = &mut entry.kind
        {
            markdown.push(chunk);
            entry.invalidate();
        }
    }

    /// Finishes the open assistant message, if any.
    pub fn finish_text(&mut self) {
        if let Some(entry) = self.entries.last_mut()
            && let EntryKind::Assistant(markdown) = &mut entry.kind
            && !markdown.is_finished()
        {
            markdown.finish();
            entry.invalidate();
        }
    }

    /// The newest card for `call_id`.
    pub fn card_mut(&mut self, call_id: &str) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .rev()
            .find(|e| matches!(&e.kind, EntryKind::Tool(c) if c.call_id == call_id))
    }

    /// The lines visible in a viewport of `height` rows at `width` columns,
    /// honouring (and clamping) the scroll offset.
    pub fn visible(&mut self, width: u16, height: usize) -> Vec<Line<'static>> {
        let want = self.scroll + height;
        let expanded = self.expand_cards;
        let mut chunks: Vec<&[Line<'static>]> = Vec::new();
        let mut have = 0;
        for entry in self.entries.iter_mut().rev() {
            let lines = entry.lines(width, expanded);
            have += lines.len();
            chunks.push(lines);
            if have >= want {
                break;
            }
        }
        if have < want {
            // Reached the top: clamp the scroll to what exists.
            self.scroll = have.saturating_sub(height);
        }
        let skip_bottom = self.scroll;
        let mut out: Vec<Line<'static>> = Vec::with_capacity(height);
        let mut from_bottom = 0;
        'fill: for lines in chunks {
            // Skip what lies below the viewport without visiting it.
            let below = skip_bottom.saturating_sub(from_bottom).min(lines.len());
            from_bottom += below;
            for line in lines[..lines.len() - below].iter().rev() {
                if out.len() >= height {
                    break 'fill;
                }
                out.push(line.clone());
                from_bottom += 1;
            }
        }
        out.reverse();
        out
    }
}
