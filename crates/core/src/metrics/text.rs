//! `vtcode metrics show` as plain text: the summary a user reads at a
//! glance, with Unicode-block sparklines for the series.

use std::fmt::Write as _;

use super::summary::Summary;

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One block per value, scaled between the series' minimum and maximum.
pub fn sparkline(values: &[f64]) -> String {
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    let span = max - min;
    values
        .iter()
        .map(|v| {
            if span <= f64::EPSILON {
                BLOCKS[3]
            } else {
                let level = ((v - min) / span * (BLOCKS.len() - 1) as f64).round() as usize;
                BLOCKS[level.min(BLOCKS.len() - 1)]
            }
        })
        .collect()
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{:.1} %", v * 100.0))
}

/// The whole report; `window` names the period, e.g. `last 24h`.
pub fn render_text(s: &Summary, window: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "vtcode metrics, {window} ({} events)", s.events);
    if s.events == 0 {
        let _ = writeln!(
            out,
            "\nnothing recorded yet: run `vtcode exec` or the UI, or widen --since"
        );
        return out;
    }
    let e = &s.executions;
    let _ = writeln!(
        out,
        "\nexecutions  {}  success {}  p50 {:.0} ms  p95 {:.0} ms",
        e.total,
        percent(e.success_rate),
        e.p50_ms,
        e.p95_ms
    );
    if let Some(bytes) = e.peak_memory_max_bytes {
        let _ = writeln!(
            out,
            "  memory     peak {:.1} MiB (the largest program)",
            bytes as f64 / (1024.0 * 1024.0)
        );
    }
    if !s.series.execution_ms.is_empty() {
        let _ = writeln!(out, "  latency    {}", sparkline(&s.series.execution_ms));
    }
    let t = &s.tokens;
    let _ = writeln!(
        out,
        "model       {} requests ({} failed, {} retries)  {} in / {} out tokens  p50 {:.0} ms",
        t.llm_requests, t.llm_errors, t.llm_retries, t.input_tokens, t.output_tokens, t.llm_p50_ms
    );
    if !s.series.tokens_per_turn.is_empty() {
        let per_turn: Vec<f64> = s.series.tokens_per_turn.iter().map(|&v| v as f64).collect();
        let _ = writeln!(out, "  per turn   {}", sparkline(&per_turn));
    }
    let _ = writeln!(
        out,
        "filtering   tools returned {} B, model got {} B: reduction {}, ~{} tokens saved vs direct mode",
        t.tool_bytes,
        t.model_bytes,
        percent(t.reduction_ratio),
        t.tokens_saved
    );
    if !s.series.reduction_ratio.is_empty() {
        let _ = writeln!(out, "  reduction  {}", sparkline(&s.series.reduction_ratio));
    }
    let _ = writeln!(
        out,
        "discovery   {} searches  hit rate {}  p50 {:.1} ms",
        s.discovery.searches,
        percent(s.discovery.hit_rate),
        s.discovery.p50_ms
    );
    let _ = writeln!(
        out,
        "sdk         {} generations ({} from cache)  p50 {:.0} ms",
        s.sdk.generations, s.sdk.cache_hits, s.sdk.p50_ms
    );
    if !s.top_tools.is_empty() {
        let _ = writeln!(out, "\ntop tools");
        for tool in &s.top_tools {
            let _ = writeln!(
                out,
                "  {:<36} {:>5} calls  {:>4} failed  p50 {:.0} ms",
                tool.tool, tool.calls, tool.errors, tool.p50_ms
            );
        }
    }
    if !s.failures.is_empty() {
        let _ = writeln!(out, "\nfailures");
        for failure in &s.failures {
            let _ = writeln!(
                out,
                "  {}: {} ×{}",
                failure.tool, failure.error, failure.count
            );
        }
    }
    let sec = &s.security;
    let _ = writeln!(
        out,
        "\nsecurity    approvals asked {} (granted {}, denied {})",
        sec.approvals_asked, sec.approvals_granted, sec.approvals_denied
    );
    for (limit, count) in &sec.limits_hit {
        let _ = writeln!(out, "  sandbox limit {limit}: {count}");
    }
    for (kind, count) in &sec.pii_detections {
        let _ = writeln!(out, "  PII {kind}: {count}");
    }
    for (server, count) in &s.server_restarts {
        let _ = writeln!(out, "  server {server} restarted {count} time(s)");
    }
    if !s.skills.is_empty() {
        let _ = writeln!(
            out,
            "\nskills      reuse {}",
            s.skill_reuse_ratio
                .map_or_else(|| "–".to_string(), |r| format!("{r:.1} runs per save"))
        );
        for k in &s.skills {
            let _ = writeln!(
                out,
                "  {:<24} saved {}  loaded {}  ran {}  failed {}",
                k.skill, k.saves, k.loads, k.runs, k.failures
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_lowest_to_highest_block() {
        assert_eq!(sparkline(&[1.0, 5.0, 9.0]), "▁▅█");
        assert_eq!(sparkline(&[2.0, 2.0]), "▄▄");
        assert_eq!(sparkline(&[]), "");
    }
}
