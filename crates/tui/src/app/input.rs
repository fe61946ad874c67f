//! The multi-line input editor.
//!
//! Text is a list of lines and a cursor (line, char column). Enter submits;
//! Shift+Enter, Alt+Enter or Ctrl+J insert a newline. Up/Down move between
//! lines and, on the first/last line, walk the submitted history (the draft
//! being typed is kept). A paste is inserted in one step, so even a large one
//! costs one edit; only the rows around the cursor are drawn.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key did to the editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputOutcome {
    /// The key was handled (or ignored); nothing to do for the caller.
    Edited,
    /// Enter: the text to submit (the editor is already cleared).
    Submit(String),
    /// Tab: the caller may complete a slash-command.
    Tab,
    /// A key the editor does not use.
    NotHandled,
}

#[derive(Debug, Clone)]
pub struct InputEditor {
    lines: Vec<String>,
    row: usize,
    /// Cursor column in chars.
    col: usize,
    history: Vec<String>,
    /// Position while walking history; `None` when editing the draft.
    history_pos: Option<usize>,
    draft: String,
}

impl Default for InputEditor {
    fn default() -> Self {
        Self::new()
    }
}

impl InputEditor {
    pub fn new() -> Self {
        Self {
            lines: vec![String::new()],
            row: 0,
            col: 0,
            history: Vec::new(),
            history_pos: None,
            draft: String::new(),
        }
    }

    pub fn text(&self) -> String {
        self.lines.join("\n")
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines.len() == 1 && self.lines[0].is_empty()
    }

    /// Cursor as (line, char column).
    pub fn cursor(&self) -> (usize, usize) {
        (self.row, self.col)
    }

    pub fn set_text(&mut self, text: &str) {
        self.lines = text.split('\n').map(str::to_string).collect();
        self.row = self.lines.len() - 1;
        self.col = self.lines[self.row].chars().count();
    }

    pub fn clear(&mut self) {
        self.set_text("");
        self.history_pos = None;
    }

    /// Inserts text at the cursor; `\r\n` and `\r` become newlines. A
    /// multi-line paste is spliced in at once, so its cost is linear.
    pub fn insert_str(&mut self, text: &str) {
        let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        let mut pieces = normalized.split('\n');
        let first = pieces.next().unwrap_or("");
        let line = &mut self.lines[self.row];
        let at = byte_index(line, self.col);
        let tail = line.split_off(at);
        line.push_str(first);
        self.col += first.chars().count();
        let rest: Vec<String> = pieces.map(str::to_string).collect();
        if let Some(last) = rest.last() {
            self.col = last.chars().count();
            let added = rest.len();
            self.lines.splice(self.row + 1..self.row + 1, rest);
            self.row += added;
        }
        self.lines[self.row].push_str(&tail);
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> InputOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        let shift = key.modifiers.contains(KeyModifiers::SHIFT);
        match key.code {
            KeyCode::Enter if shift || alt => self.insert_str("\n"),
            KeyCode::Char('j') if ctrl => self.insert_str("\n"),
            KeyCode::Enter => return self.submit(),
            KeyCode::Tab => return InputOutcome::Tab,
            KeyCode::Char('a') if ctrl => self.col = 0,
            KeyCode::Char('e') if ctrl => self.col = self.line_len(),
            KeyCode::Char('u') if ctrl => {
                let at = byte_index(&self.lines[self.row], self.col);
                self.lines[self.row].drain(..at);
                self.col = 0;
            }
            KeyCode::Char('k') if ctrl => {
                let at = byte_index(&self.lines[self.row], self.col);
                self.lines[self.row].truncate(at);
            }
            KeyCode::Char('w') if ctrl => self.delete_word_back(),
            KeyCode::Char(c) if !ctrl => {
                let mut buf = [0u8; 4];
                self.insert_str(c.encode_utf8(&mut buf));
            }
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => self.left(),
            KeyCode::Right => self.right(),
            KeyCode::Home => self.col = 0,
            KeyCode::End => self.col = self.line_len(),
            KeyCode::Up => self.up(),
            KeyCode::Down => self.down(),
            _ => return InputOutcome::NotHandled,
        }
        InputOutcome::Edited
    }

    fn submit(&mut self) -> InputOutcome {
        let text = self.text();
        if text.trim().is_empty() {
            return InputOutcome::Edited;
        }
        if self.history.last() != Some(&text) {
            self.history.push(text.clone());
        }
        self.clear();
        self.draft.clear();
        InputOutcome::Submit(text)
    }

    fn line_len(&self) -> usize {
        self.lines[self.row].chars().count()
    }

    fn backspace(&mut self) {
        if self.col > 0 {
            let line = &mut self.lines[self.row];
            let at = byte_index(line, self.col - 1);
            line.remove(at);
            self.col -= 1;
        } else if self.row > 0 {
            let line = self.lines.remove(self.row);
            self.row -= 1;
            self.col = self.line_len();
            self.lines[self.row].push_str(&line);
        }
    }

    fn delete(&mut self) {
        if self.col < self.line_len() {
            let line = &mut self.lines[self.row];
            let at = byte_index(line, self.col);
            line.remove(at);
        } else if self.row + 1 < self.lines.len() {
            let next = self.lines.remove(self.row + 1);
            self.lines[self.row].push_str(&next);
        }
    }

    fn delete_word_back(&mut self) {
        let chars: Vec<char> = self.lines[self.row].chars().collect();
        let mut start = self.col;
        while start > 0 && chars[start - 1].is_whitespace() {
            start -= 1;
        }
        while start > 0 && !chars[start - 1].is_whitespace() {
            start -= 1;
        }
        let line = &mut self.lines[self.row];
        let (from, to) = (byte_index(line, start), byte_index(line, self.col));
        line.drain(from..to);
        self.col = start;
    }

    fn left(&mut self) {
        if self.col > 0 {
            self.col -= 1;
        } else if self.row > 0 {
            self.row -= 1;
            self.col = self.line_len();
        }
    }

    fn right(&mut self) {
        if self.col < self.line_len() {
            self.col += 1;
        } else if self.row + 1 < self.lines.len() {
            self.row += 1;
            self.col = 0;
        }
    }

    fn up(&mut self) {
        if self.row > 0 {
            self.row -= 1;
            self.col = self.col.min(self.line_len());
            return;
        }
        let next = match self.history_pos {
            None if self.history.is_empty() => return,
            None => {
                self.draft = self.text();
                self.history.len() - 1
            }
            Some(0) => return,
            Some(pos) => pos - 1,
        };
        self.history_pos = Some(next);
        let entry = self.history[next].clone();
        self.set_text(&entry);
    }

    fn down(&mut self) {
        if self.row + 1 < self.lines.len() {
            self.row += 1;
            self.col = self.col.min(self.line_len());
            return;
        }
        let Some(pos) = self.history_pos else {
            return;
        };
        if pos + 1 < self.history.len() {
            self.history_pos = Some(pos + 1);
            let entry = self.history[pos + 1].clone();
            self.set_text(&entry);
        } else {
            self.history_pos = None;
            let draft = std::mem::take(&mut self.draft);
            self.set_text(&draft);
        }
    }
}

fn byte_index(line: &str, col: usize) -> usize {
    line.char_indices().nth(col).map_or(line.len(), |(i, _)| i)
}
