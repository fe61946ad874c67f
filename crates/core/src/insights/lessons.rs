//! The "lessons" section of the system prompt: what went wrong before and
//! what fixed it, in a few lines the model can act on.
//!
//! Only failures, recoveries and slow tools make a lesson (what already
//! works needs no telling), the most frequent first, and lines are added
//! while the section stays within [`MAX_LESSON_TOKENS`]. No lesson, no
//! section.

use super::Insights;
use super::recommend::RecommendationKind;

/// The section's budget, counted with the o200k vocabulary.
pub const MAX_LESSON_TOKENS: usize = 300;
const HEADING: &str = "## Lessons from earlier sessions in this project";

impl Insights {
    /// The prompt section, or `None` when there is nothing to say.
    pub fn lessons(&self) -> Option<String> {
        let mut lines = Vec::new();
        for pattern in &self.failure_patterns {
            let fix = self
                .recoveries
                .iter()
                .find(|r| r.tool == pattern.tool && r.error == pattern.error)
                .map(|r| format!("; it worked after changing {}", r.changed.join(", ")))
                .unwrap_or_default();
            lines.push(format!(
                "- {} failed ×{}: \"{}\"{fix}.",
                pattern.tool, pattern.count, pattern.error
            ));
        }
        for recommendation in &self.recommendations {
            if recommendation.kind == RecommendationKind::SlowTool {
                lines.push(format!("- {}.", recommendation.message));
            }
        }
        if lines.is_empty() {
            return None;
        }
        let mut out = String::from(HEADING);
        for line in lines {
            let candidate = format!("{out}\n{line}");
            if vtcode_llm::count_tokens("", &candidate) > MAX_LESSON_TOKENS {
                break;
            }
            out = candidate;
        }
        (out.len() > HEADING.len()).then_some(out)
    }
}
