//! `/skills`: the saved skills in a list (name, version, uses, last use,
//! compatibility); Up/Down choose, Enter opens the skill's SKILL.md in the
//! transcript, Esc closes.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use super::backend::SkillInfo;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillsPicker {
    pub items: Vec<SkillInfo>,
    pub selected: usize,
}

/// What a key did to the picker.
pub enum PickerOutcome {
    Stay,
    Close,
    Open(String),
    /// Not a key of the list: it closes, and the key does what it does
    /// without the list (typing goes to the input).
    PassThrough,
}

impl SkillsPicker {
    pub fn new(items: Vec<SkillInfo>) -> Self {
        Self { items, selected: 0 }
    }

    pub fn key(&mut self, key: KeyEvent) -> PickerOutcome {
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => PickerOutcome::Close,
            KeyCode::Up => {
                self.selected = self.selected.saturating_sub(1);
                PickerOutcome::Stay
            }
            KeyCode::Down => {
                self.selected = (self.selected + 1).min(self.items.len().saturating_sub(1));
                PickerOutcome::Stay
            }
            KeyCode::Enter => match self.items.get(self.selected) {
                Some(item) => PickerOutcome::Open(item.name.clone()),
                None => PickerOutcome::Close,
            },
            _ => PickerOutcome::PassThrough,
        }
    }

    pub fn draw(&self, frame: &mut Frame<'_>, area: Rect) {
        let height = (self.items.len() as u16 + 4)
            .min(area.height.saturating_sub(2))
            .max(5);
        let width = area.width.saturating_sub(4).min(120);
        let modal = Rect {
            x: area.x + (area.width - width) / 2,
            y: area.y + (area.height.saturating_sub(height)) / 2,
            width,
            height,
        };
        let dim = Style::default().fg(Color::DarkGray);
        let mut lines = vec![Line::styled(
            format!(
                "  {:<26} {:<4} {:<5} {:<10} {:<17} description",
                "name", "ver", "uses", "last use", "compatibility"
            ),
            dim,
        )];
        let rows = usize::from(modal.height.saturating_sub(3));
        let first = self.selected.saturating_sub(rows.saturating_sub(1));
        for (index, item) in self.items.iter().enumerate().skip(first).take(rows) {
            let chosen = index == self.selected;
            let style = if chosen {
                Style::default().fg(Color::Black).bg(Color::Cyan)
            } else {
                Style::default()
            };
            let state_style = match item.state.as_str() {
                "compatible" | "" => style,
                "warning" => style.fg(Color::Yellow),
                _ => style.fg(Color::Red).add_modifier(Modifier::BOLD),
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{} {:<26} v{:<3} {:<5} {:<10} ",
                        if chosen { ">" } else { " " },
                        item.name,
                        item.version,
                        item.uses,
                        item.last_used
                    ),
                    style,
                ),
                Span::styled(format!("{:<17} ", item.state), state_style),
                Span::styled(item.description.clone(), style),
            ]));
        }
        frame.render_widget(Clear, modal);
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::bordered()
                    .title(" Skills · Enter opens SKILL.md · Esc closes ")
                    .border_style(Style::default().fg(Color::Cyan)),
            ),
            modal,
        );
    }
}
