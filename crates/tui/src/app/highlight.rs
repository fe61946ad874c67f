//! Syntax highlighting of code blocks with syntect.
//!
//! The syntax and theme sets take tens of milliseconds to load, so they load
//! once, on first use (or ahead of time from a background thread via
//! [`warm_up`]), never before the first frame.

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use syntect::easy::HighlightLines;
use syntect::highlighting::{FontStyle, Theme, ThemeSet};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

struct Highlighter {
    syntaxes: SyntaxSet,
    theme: Theme,
}

fn highlighter() -> &'static Highlighter {
    static HIGHLIGHTER: OnceLock<Highlighter> = OnceLock::new();
    HIGHLIGHTER.get_or_init(|| {
        let mut themes = ThemeSet::load_defaults();
        let theme = themes
            .themes
            .remove("base16-ocean.dark")
            .or_else(|| themes.themes.into_values().next())
            .unwrap_or_default();
        Highlighter {
            syntaxes: SyntaxSet::load_defaults_newlines(),
            theme,
        }
    })
}

/// Loads the syntax definitions now, so the first code block renders fast.
pub fn warm_up() {
    highlighter();
}

/// Highlights `code` as `language` (a fence token such as `rust`, `py`,
/// `python`); unknown languages come out unstyled.
pub fn highlight(code: &str, language: &str) -> Vec<Line<'static>> {
    let mut highlighter = LineHighlighter::new(language);
    LinesWithEndings::from(code)
        .map(|line| highlighter.line(line))
        .collect()
}

/// Highlights a code block line by line, keeping the parser state between
/// lines, so a block that is still streaming costs one line per new line.
pub struct LineHighlighter {
    lines: HighlightLines<'static>,
}

impl std::fmt::Debug for LineHighlighter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LineHighlighter")
    }
}

impl LineHighlighter {
    pub fn new(language: &str) -> Self {
        let h = highlighter();
        let token = match language.trim() {
            "javascript" => "js",
            "python" => "py",
            "shell" | "sh" | "bash" | "console" => "sh",
            other => other,
        };
        let syntax = h
            .syntaxes
            .find_syntax_by_token(token)
            .unwrap_or_else(|| h.syntaxes.find_syntax_plain_text());
        Self {
            lines: HighlightLines::new(syntax, &h.theme),
        }
    }

    /// The next line of the block, with its trailing newline if it has one.
    pub fn line(&mut self, text: &str) -> Line<'static> {
        match self.lines.highlight_line(text, &highlighter().syntaxes) {
            Ok(regions) => Line::from(
                regions
                    .into_iter()
                    .map(|(style, piece)| {
                        Span::styled(piece.trim_end_matches('\n').to_string(), convert(style))
                    })
                    .filter(|span| !span.content.is_empty())
                    .collect::<Vec<_>>(),
            ),
            Err(_) => Line::from(text.trim_end_matches('\n').to_string()),
        }
    }
}

fn convert(style: syntect::highlighting::Style) -> Style {
    let fg = style.foreground;
    let mut out = Style::default().fg(Color::Rgb(fg.r, fg.g, fg.b));
    if style.font_style.contains(FontStyle::BOLD) {
        out = out.add_modifier(Modifier::BOLD);
    }
    if style.font_style.contains(FontStyle::ITALIC) {
        out = out.add_modifier(Modifier::ITALIC);
    }
    out
}
