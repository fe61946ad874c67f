//! Shared by the sandbox benches: a tool host that echoes, percentiles and
//! the markdown row every section prints.
#![allow(dead_code)]

use vtcode_sandbox::{ToolCallError, ToolHost};

/// Returns each call's arguments.
pub struct Echo;

#[async_trait::async_trait]
impl ToolHost for Echo {
    async fn call_tool(
        &self,
        _: &str,
        _: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value, ToolCallError> {
        Ok(args)
    }
}

/// The `p` quantile (0..=1) of sorted figures.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

/// `| what | measured | budget | met |`, in milliseconds.
pub fn row(what: &str, value: f64, budget: Option<f64>) -> String {
    let (budget_text, met) = match budget {
        Some(b) => (format!("≤ {b} ms"), if value <= b { "yes" } else { "no" }),
        None => ("—".to_string(), "—"),
    };
    format!("| {what} | {value:.2} ms | {budget_text} | {met} |")
}
