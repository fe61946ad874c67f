//! What gets embedded for a tool, and the vectors of one catalog.
//!
//! A tool's text is built only from what its schema hash covers (name,
//! description, parameter names), so a cached vector keyed by that hash is
//! always the vector of the text it would be recomputed from.

use vtcode_embed::dot;

use super::super::for_each_param;
use super::super::tokenize::name_key;
use crate::catalog::CatalogTool;

/// Changes whenever [`tool_text`] changes, so old cached vectors are not
/// mistaken for vectors of the new text.
pub(super) const TEXT_VERSION: &str = "text-v1";

/// Cosine below which a tool is no semantic match at all, so a query about
/// nothing in the catalog finds nothing rather than the least unlike tool.
const MIN_SIMILARITY: f32 = 0.2;

/// `get weather: Get current weather and forecast. Parameters: city, days`.
pub(super) fn tool_text(tool: &CatalogTool) -> String {
    let mut text = name_key(&tool.name).replace(['_', '.'], " ");
    if let Some(description) = tool.description.as_deref().map(str::trim)
        && !description.is_empty()
    {
        text.push_str(": ");
        text.push_str(description);
    }
    let mut params = Vec::new();
    for_each_param(&tool.input_schema, &mut |name, _| {
        params.push(name_key(name).replace('_', " "));
    });
    if !params.is_empty() {
        text.push_str(if text.ends_with(['.', '!', '?']) {
            " "
        } else {
            ". "
        });
        text.push_str("Parameters: ");
        text.push_str(&params.join(", "));
    }
    text
}

/// One unit vector per tool of a catalog, in the catalog's order.
#[derive(Debug)]
pub(super) struct ToolVectors {
    pub(super) catalog_hash: String,
    pub(super) vectors: Vec<Vec<f32>>,
}

impl ToolVectors {
    /// Tool indices by similarity to `query`, best first, at most `limit`,
    /// leaving out tools below [`MIN_SIMILARITY`].
    pub(super) fn rank(&self, query: &[f32], limit: usize) -> Vec<(usize, f32)> {
        let mut scored: Vec<(usize, f32)> = self
            .vectors
            .iter()
            .enumerate()
            .map(|(doc, vector)| (doc, dot(query, vector)))
            .filter(|(_, similarity)| *similarity >= MIN_SIMILARITY)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(limit);
        scored
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_text_has_the_name_as_words_the_description_and_the_parameters() {
        let tool = CatalogTool {
            server: "weather".into(),
            name: "getForecast".into(),
            title: Some("Ignored: not in the schema hash".into()),
            description: Some("  Forecast for a city.  ".into()),
            input_schema: json!({"type": "object", "properties": {"city_name": {}, "days": {}}}),
            output_schema: None,
            annotations: None,
            builtin: false,
        };
        assert_eq!(
            tool_text(&tool),
            "get forecast: Forecast for a city. Parameters: city name, days"
        );
    }

    #[test]
    fn ranking_keeps_the_closest_and_drops_the_unrelated() {
        let vectors = ToolVectors {
            catalog_hash: String::new(),
            vectors: vec![vec![1.0, 0.0], vec![0.6, 0.8], vec![0.0, 1.0]],
        };
        let ranked: Vec<usize> = vectors.rank(&[0.8, 0.6], 10).iter().map(|r| r.0).collect();
        assert_eq!(ranked, [1, 0, 2]);
        let ranked: Vec<usize> = vectors.rank(&[1.0, 0.0], 10).iter().map(|r| r.0).collect();
        assert_eq!(ranked, [0, 1]);
    }
}
