//! Word wrapping of styled lines to a width, by display columns.
//!
//! The transcript is wrapped once per entry and width and then cached, so
//! this runs only for new or changed content, never for a whole redraw.

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// Wraps `line` to `width` columns, breaking at spaces where possible and
/// inside words that are longer than a row. Always yields at least one line.
pub fn wrap_line(line: &Line<'static>, width: u16) -> Vec<Line<'static>> {
    let width = usize::from(width.max(1));
    let total: usize = line.spans.iter().map(Span::width).sum();
    if total <= width {
        return vec![line.clone()];
    }
    // Flatten to (char, span index) so breaks can fall anywhere.
    let chars: Vec<(char, usize)> = line
        .spans
        .iter()
        .enumerate()
        .flat_map(|(i, span)| span.content.chars().map(move |c| (c, i)))
        .collect();
    let mut rows: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    while start < chars.len() {
        let mut cols = 0;
        let mut end = start;
        let mut last_space = None;
        while end < chars.len() {
            let w = chars[end].0.width().unwrap_or(0);
            if cols + w > width {
                break;
            }
            if chars[end].0 == ' ' {
                last_space = Some(end);
            }
            cols += w;
            end += 1;
        }
        if end == start {
            // A single char wider than the row: take it anyway.
            end = start + 1;
        } else if end < chars.len()
            && chars[end].0 != ' '
            && let Some(space) = last_space.filter(|s| *s > start)
        {
            end = space + 1;
        }
        rows.push((start, end));
        start = end;
        // A row never starts with the space it broke at.
        while start < chars.len() && chars[start].0 == ' ' {
            start += 1;
        }
    }
    rows.into_iter()
        .map(|(from, to)| rebuild(line, &chars[from..to]))
        .collect()
}

fn rebuild(line: &Line<'static>, chars: &[(char, usize)]) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for &(c, index) in chars {
        match current.as_mut() {
            Some((i, text)) if *i == index => text.push(c),
            _ => {
                if let Some((i, text)) = current.take() {
                    spans.push(Span::styled(text, line.spans[i].style));
                }
                current = Some((index, c.to_string()));
            }
        }
    }
    if let Some((i, text)) = current {
        spans.push(Span::styled(text, line.spans[i].style));
    }
    Line::from(spans).style(line.style)
}

/// Wraps every line and appends the result to `out`.
pub fn wrap_into(lines: &[Line<'static>], width: u16, out: &mut Vec<Line<'static>>) {
    for line in lines {
        out.extend(wrap_line(line, width));
    }
}
