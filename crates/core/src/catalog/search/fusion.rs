//! Reciprocal-rank fusion of the lexical and the semantic ranking.
//!
//! The two legs score on scales that cannot be compared (BM25 sums against
//! cosine similarities), but their ranks can: a tool earns
//! `weight / (K + rank)` from each ranking it appears in, and the sums
//! order the answer. A tool both legs like rises above one that only one
//! leg likes a lot, which is what helps when a query shares few words with
//! the tool it wants. A tool the query names outright stays first, as in
//! the lexical ranking alone.

/// The usual damping constant: ranks 1 and 2 differ by little, ranks 1
/// and 50 by a lot.
const K: f64 = 60.0;

/// Weight of each leg's ranks; both at 1 is plain RRF.
pub(crate) const LEXICAL_WEIGHT: f64 = 1.0;
pub(crate) const SEMANTIC_WEIGHT: f64 = 1.0;

/// Fuses rankings (tool indices, best first) into `(tool index, score)`,
/// best first; `pinned` tools come first, in the given order. Ties go to
/// the lower index, so answers are deterministic.
pub(crate) fn fuse(
    tool_count: usize,
    rankings: &[(&[usize], f64)],
    pinned: &[usize],
) -> Vec<(usize, f64)> {
    let mut scores = vec![0.0f64; tool_count];
    for (ranking, weight) in rankings {
        for (rank, &doc) in ranking.iter().enumerate() {
            scores[doc] += weight / (K + rank as f64 + 1.0);
        }
    }
    let top = scores.iter().copied().fold(0.0, f64::max);
    for (order, &doc) in pinned.iter().enumerate() {
        // Above anything fusion can give, in pinned order.
        scores[doc] = top + 1.0 + (pinned.len() - order) as f64;
    }
    let mut fused: Vec<(usize, f64)> = scores
        .into_iter()
        .enumerate()
        .filter(|(_, score)| *score > 0.0)
        .collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tool_both_rankings_like_beats_one_only_ranked_first_by_one() {
        let lexical = [0, 1, 2];
        let semantic = [3, 1, 4];
        let fused = fuse(5, &[(&lexical, 1.0), (&semantic, 1.0)], &[]);
        let order: Vec<usize> = fused.iter().map(|(doc, _)| *doc).collect();
        assert_eq!(order, [1, 0, 3, 2, 4]);
    }

    #[test]
    fn pinned_tools_come_first_and_unranked_tools_not_at_all() {
        let fused = fuse(6, &[(&[0, 1], 1.0), (&[1, 2], 1.0)], &[5]);
        let order: Vec<usize> = fused.iter().map(|(doc, _)| *doc).collect();
        assert_eq!(order, [5, 1, 0, 2]);
    }
}
