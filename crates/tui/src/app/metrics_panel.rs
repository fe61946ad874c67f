//! The `/metrics` panel: core's [`Summary`] drawn as charts.
//!
//! Four charts over a headline: execution latency (sparkline), tokens per
//! turn (bars), the reduction ratio of each program that called tools (a
//! line over 0–100 %) and the most-called tools (bars). Only drawing here;
//! every number comes from core.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{
    Axis, Bar, BarChart, BarGroup, Block, Chart, Clear, Dataset, GraphType, Paragraph, Sparkline,
};
use vtcode_core::metrics::Summary;

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{:.0} %", v * 100.0))
}

fn titled(title: &str) -> Block<'_> {
    Block::bordered()
        .title(title)
        .border_style(Style::default().fg(Color::DarkGray))
}

/// Draws the panel over `area`.
pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, summary: &Summary) {
    frame.render_widget(Clear, area);
    let outer = Block::bordered()
        .title(" Metrics · last 24h · Esc closes ")
        .border_style(Style::default().fg(Color::Cyan));
    let inner = outer.inner(area);
    frame.render_widget(outer, area);
    let [headline, top, bottom] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Percentage(50),
        Constraint::Percentage(50),
    ])
    .areas(inner);
    let e = &summary.executions;
    let t = &summary.tokens;
    frame.render_widget(
        Paragraph::new(vec![
            Line::from(format!(
                "executions {}  success {}  p50 {:.0} ms  p95 {:.0} ms",
                e.total,
                percent(e.success_rate),
                e.p50_ms,
                e.p95_ms
            )),
            Line::from(format!(
                "model {} requests  {}/{} tokens in/out  reduction {}  ~{} saved",
                t.llm_requests,
                t.input_tokens,
                t.output_tokens,
                percent(t.reduction_ratio),
                t.tokens_saved
            )),
        ]),
        headline,
    );
    let [latency, turns] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let [reduction, tools] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let latency_ms: Vec<u64> = summary
        .series
        .execution_ms
        .iter()
        .map(|ms| ms.round() as u64)
        .collect();
    frame.render_widget(
        Sparkline::default()
            .block(titled(" execution latency (ms) "))
            .data(&latency_ms)
            .style(Style::default().fg(Color::Green)),
        latency,
    );
    let turn_bars: Vec<Bar<'_>> = summary
        .series
        .tokens_per_turn
        .iter()
        .map(|&tokens| Bar::default().value(tokens))
        .collect();
    frame.render_widget(
        BarChart::default()
            .block(titled(" tokens per turn "))
            .data(BarGroup::default().bars(&turn_bars))
            .bar_width(3)
            .bar_style(Style::default().fg(Color::Magenta)),
        turns,
    );
    let points: Vec<(f64, f64)> = summary
        .series
        .reduction_ratio
        .iter()
        .enumerate()
        .map(|(i, r)| (i as f64, r * 100.0))
        .collect();
    let x_max = (points.len().max(2) - 1) as f64;
    frame.render_widget(
        Chart::new(vec![
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(Style::default().fg(Color::Yellow))
                .data(&points),
        ])
        .block(titled(" reduction ratio per program (%) "))
        .x_axis(Axis::default().bounds([0.0, x_max]))
        .y_axis(
            Axis::default()
                .bounds([0.0, 100.0])
                .labels(["0", "50", "100"]),
        ),
        reduction,
    );
    let tool_bars: Vec<Bar<'_>> = summary
        .top_tools
        .iter()
        .map(|tool| {
            Bar::default()
                .value(tool.calls)
                .text_value(format!("{} ({} failed)", tool.calls, tool.errors))
                .label(Line::from(tool.tool.as_str()))
        })
        .collect();
    frame.render_widget(
        BarChart::default()
            .block(titled(" top tools (calls) "))
            .direction(ratatui::layout::Direction::Horizontal)
            .data(BarGroup::default().bars(&tool_bars))
            .bar_width(1)
            .bar_gap(0)
            .bar_style(Style::default().fg(Color::Blue)),
        tools,
    );
}
