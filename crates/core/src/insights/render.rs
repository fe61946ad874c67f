//! `vtcode insights` and `/insights` as plain lines.

use super::Insights;

impl Insights {
    /// Display-ready lines, section by section.
    pub fn render_lines(&self) -> Vec<String> {
        if self.is_empty() {
            return vec![
                "no tool or skill calls recorded yet: insights appear after a few sessions"
                    .to_string(),
            ];
        }
        let mut out = vec!["tools (uses, failure rate, median latency)".to_string()];
        for usage in self.tools.iter().chain(&self.skills) {
            out.push(format!(
                "  {:<36} {:>5} uses  {:>5.1} % failed  p50 {:.0} ms",
                usage.name,
                usage.uses,
                usage.failure_rate * 100.0,
                usage.p50_ms
            ));
        }
        if !self.failure_patterns.is_empty() {
            out.push("failure patterns".to_string());
            for p in &self.failure_patterns {
                out.push(format!("  {}: {} ×{}", p.tool, p.error, p.count));
            }
        }
        if !self.recoveries.is_empty() {
            out.push("recoveries".to_string());
            for r in &self.recoveries {
                out.push(format!(
                    "  {}: after \"{}\", changing {} worked ×{}",
                    r.tool,
                    r.error,
                    r.changed.join(", "),
                    r.count
                ));
            }
        }
        if !self.recommendations.is_empty() {
            out.push("recommendations".to_string());
            for r in &self.recommendations {
                out.push(format!("  - {}", r.message));
            }
        }
        out
    }
}
