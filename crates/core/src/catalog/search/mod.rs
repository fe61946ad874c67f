//! Tool search. An inverted index is built once per catalog; a query is
//! tokenized the same way (see [`tokenize`]) and scored with BM25 over
//! per-field weighted term frequencies, so a word in a tool's name counts
//! more than the same word deep in a parameter description.
//!
//! Query terms missing from the vocabulary are widened, in order of
//! preference, to vocabulary terms they are a prefix of (`conv` finds
//! `convert`) and to terms within a small edit distance (`comit` finds
//! `commit`); both scans run over the vocabulary, not over tools, and count
//! for less than an exact term. On top of BM25, a query that names a tool
//! (`convert_time`, `convertTime`, `time.convert_time`) puts it first, and a
//! query that is part of a name (`current_time`) lifts that tool.
//!
//! Ties are broken first toward tools with a better [`TrackRecord`] (calls
//! that worked before, from the metrics), then by `(server, name)` so
//! results are deterministic.

mod fusion;
pub mod semantic;
mod tokenize;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use self::tokenize::{Token, Tokenizer, name_key};
use super::CatalogTool;

/// Successful calls per tool (`server.tool`) in past sessions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrackRecord(HashMap<String, u64>);

impl TrackRecord {
    pub fn new(successes: HashMap<String, u64>) -> Self {
        Self(successes)
    }

    pub fn successes(&self, tool: &CatalogTool) -> u64 {
        if self.0.is_empty() {
            return 0;
        }
        self.0
            .get(&format!("{}.{}", tool.server, tool.name))
            .copied()
            .unwrap_or(0)
    }

    /// Among tools of equal score, the ones that worked more often come
    /// first; the sort is stable, so the order is otherwise kept.
    pub(crate) fn break_ties(&self, ranked: &mut [(usize, f64)], tools: &[CatalogTool]) {
        if self.0.is_empty() {
            return;
        }
        ranked.sort_by(|a, b| {
            b.1.total_cmp(&a.1).then_with(|| {
                self.successes(&tools[b.0])
                    .cmp(&self.successes(&tools[a.0]))
            })
        });
    }
}

/// How much of each hit to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DetailLevel {
    /// `server` and `name` only.
    #[default]
    Name,
    /// Plus the first line of the description.
    Description,
    /// Plus the input and output schemas.
    Full,
}

impl fmt::Display for DetailLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Name => "name",
            Self::Description => "description",
            Self::Full => "full",
        })
    }
}

impl FromStr for DetailLevel {
    type Err = SearchError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "name" => Ok(Self::Name),
            "description" => Ok(Self::Description),
            "full" => Ok(Self::Full),
            _ => Err(SearchError::UnknownDetailLevel(s.to_string())),
        }
    }
}

/// One ranked tool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub server: String,
    pub name: String,
    pub score: f64,
    /// First line of the description (detail `description` and `full`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Detail `full` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_schema: Option<Value>,
    /// Detail `full` only, when the tool declares one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// Why the tool's description looks aimed at the model; the model sees
    /// these too, so it treats that text as data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    #[error(
        "the search query is empty; describe what the tool should do, e.g. \"convert a time between timezones\""
    )]
    EmptyQuery,
    #[error("the result limit must be at least 1")]
    ZeroLimit,
    #[error("unknown detail level `{0}`; use name, description or full")]
    UnknownDetailLevel(String),
}

/// Field weights: where a term occurs says how much it tells about the tool.
const NAME_WEIGHT: f32 = 4.0;
const TITLE_WEIGHT: f32 = 2.0;
const SERVER_WEIGHT: f32 = 1.0;
const DESCRIPTION_WEIGHT: f32 = 1.0;
const PARAM_NAME_WEIGHT: f32 = 1.0;
const PARAM_DESCRIPTION_WEIGHT: f32 = 0.4;

const BM25_K1: f64 = 1.2;
const BM25_B: f64 = 0.4;

/// How much a widened query term counts compared to an exact one.
const PREFIX_FACTOR: f64 = 0.6;
const TYPO_FACTOR: [f64; 3] = [1.0, 0.7, 0.4];
const MAX_PREFIX_EXPANSIONS: usize = 16;

const EXACT_NAME_BONUS: f64 = 10.0;
const PARTIAL_NAME_BONUS: f64 = 2.0;

/// The inverted index over one catalog's tools (documents are tool indices).
#[derive(Debug, Clone, Default)]
pub(crate) struct SearchIndex {
    term_ids: HashMap<String, u32>,
    /// Surface words (as written, lowercased) to the term they index under.
    surface_terms: HashMap<String, u32>,
    /// Surfaces sorted by text, for prefix scans.
    sorted_surfaces: Vec<(String, u32)>,
    /// Indices into `sorted_surfaces` grouped by length in chars, for
    /// edit-distance scans.
    surfaces_by_len: Vec<Vec<u32>>,
    postings: Vec<Vec<(u32, f32)>>,
    doc_len: Vec<f32>,
    avg_doc_len: f64,
    /// `name_key` of each tool's name and of `server.name`, to tool indices.
    exact: HashMap<String, Vec<u32>>,
    name_keys: Vec<String>,
}

impl SearchIndex {
    pub(crate) fn build(tools: &[CatalogTool]) -> Self {
        let tokenizer = Tokenizer::new();
        let mut index = Self::default();
        let mut terms = Vec::new();
        for (doc, tool) in tools.iter().enumerate() {
            let doc = doc as u32;
            let mut weights: HashMap<u32, f32> = HashMap::new();
            let mut len = 0.0f32;
            let mut add = |text: &str, weight: f32, tokens: &mut Vec<Token>| {
                tokens.clear();
                tokenizer.tokens(text, tokens);
                for token in tokens.drain(..) {
                    let id = index.intern(token.term);
                    index.surface_terms.entry(token.surface).or_insert(id);
                    *weights.entry(id).or_default() += weight;
                    len += 1.0;
                }
            };
            add(&tool.name, NAME_WEIGHT, &mut terms);
            add(&tool.server, SERVER_WEIGHT, &mut terms);
            if let Some(title) = &tool.title {
                add(title, TITLE_WEIGHT, &mut terms);
            }
            if let Some(description) = &tool.description {
                add(description, DESCRIPTION_WEIGHT, &mut terms);
            }
            for_each_param(&tool.input_schema, &mut |name, description| {
                add(name, PARAM_NAME_WEIGHT, &mut terms);
                if let Some(d) = description {
                    add(d, PARAM_DESCRIPTION_WEIGHT, &mut terms);
                }
            });
            for (id, weight) in weights {
                index.postings[id as usize].push((doc, weight));
            }
            index.doc_len.push(len.max(1.0));

            let key = name_key(&tool.name);
            let qualified = format!("{}.{}", name_key(&tool.server), key);
            index.exact.entry(qualified).or_default().push(doc);
            index.exact.entry(key.clone()).or_default().push(doc);
            index.name_keys.push(key);
        }
        let total: f64 = index.doc_len.iter().map(|l| f64::from(*l)).sum();
        index.avg_doc_len = total / (tools.len().max(1) as f64);
        index.sorted_surfaces = index
            .surface_terms
            .iter()
            .map(|(s, id)| (s.clone(), *id))
            .collect();
        index.sorted_surfaces.sort();
        for (i, (surface, _)) in index.sorted_surfaces.iter().enumerate() {
            let len = surface.chars().count();
            if index.surfaces_by_len.len() <= len {
                index.surfaces_by_len.resize(len + 1, Vec::new());
            }
            index.surfaces_by_len[len].push(i as u32);
        }
        index
    }

    fn intern(&mut self, term: String) -> u32 {
        if let Some(&id) = self.term_ids.get(&term) {
            return id;
        }
        let id = self.postings.len() as u32;
        self.term_ids.insert(term, id);
        self.postings.push(Vec::new());
        id
    }

    pub(crate) fn search(
        &self,
        tools: &[CatalogTool],
        query: &str,
        detail: DetailLevel,
        limit: usize,
        track_record: &TrackRecord,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let mut ranked = self.rank(tools.len(), query, limit)?;
        track_record.break_ties(&mut ranked, tools);
        ranked.truncate(limit);
        Ok(ranked
            .into_iter()
            .map(|(doc, score)| hit(&tools[doc], score, detail))
            .collect())
    }

    /// Every tool with a positive score, best first, as `(tool index, score)`.
    pub(crate) fn rank(
        &self,
        tool_count: usize,
        query: &str,
        limit: usize,
    ) -> Result<Vec<(usize, f64)>, SearchError> {
        let query = query.trim();
        if query.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        if limit == 0 {
            return Err(SearchError::ZeroLimit);
        }
        let mut scores = vec![0.0f64; tool_count];
        let tokenizer = Tokenizer::new();
        for token in tokenizer.query_tokens(query) {
            for (id, factor) in self.expand(&token) {
                self.add_term_scores(id, factor, &mut scores);
            }
        }
        self.add_name_bonuses(query, &mut scores);

        let mut ranked: Vec<(usize, f64)> = scores
            .into_iter()
            .enumerate()
            .filter(|(_, s)| *s > 0.0)
            .collect();
        // Tools are sorted by (server, name), so the index breaks ties deterministically.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(ranked)
    }

    /// Tools the query names outright (`convert_time`, `time.convert_time`).
    pub(crate) fn named(&self, query: &str) -> &[u32] {
        self.exact.get(&name_key(query)).map_or(&[], Vec::as_slice)
    }

    /// Vocabulary terms standing for one query token, with how much each
    /// counts: its own term, else words it is a prefix of or a typo of.
    fn expand(&self, token: &Token) -> Vec<(u32, f64)> {
        if let Some(&id) = self.term_ids.get(&token.term) {
            return vec![(id, 1.0)];
        }
        let surface = token.surface.as_str();
        let mut found: Vec<(u32, f64)> = Vec::new();
        let mut add = |id: u32, factor: f64| match found.iter_mut().find(|(f, _)| *f == id) {
            Some(existing) => existing.1 = existing.1.max(factor),
            None => found.push((id, factor)),
        };
        let len = surface.chars().count();
        if len >= 3 {
            let start = self
                .sorted_surfaces
                .partition_point(|(s, _)| s.as_str() < surface);
            for (_, id) in self.sorted_surfaces[start..]
                .iter()
                .take_while(|(s, _)| s.starts_with(surface))
                .take(MAX_PREFIX_EXPANSIONS)
            {
                add(*id, PREFIX_FACTOR);
            }
        }
        let max_distance = match len {
            0..=3 => 0,
            4..=6 => 1,
            _ => 2,
        };
        if max_distance > 0 {
            let lo = len.saturating_sub(max_distance);
            let hi = (len + max_distance).min(self.surfaces_by_len.len().saturating_sub(1));
            for bucket in self.surfaces_by_len.get(lo..=hi).unwrap_or(&[]) {
                for &i in bucket {
                    let (candidate, id) = &self.sorted_surfaces[i as usize];
                    let distance = strsim::osa_distance(surface, candidate);
                    if distance <= max_distance {
                        add(*id, TYPO_FACTOR[distance]);
                    }
                }
            }
        }
        found
    }

    fn add_term_scores(&self, id: u32, factor: f64, scores: &mut [f64]) {
        let postings = &self.postings[id as usize];
        let n = scores.len() as f64;
        let df = postings.len() as f64;
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        for &(doc, tf) in postings {
            let tf = f64::from(tf);
            let norm =
                1.0 - BM25_B + BM25_B * f64::from(self.doc_len[doc as usize]) / self.avg_doc_len;
            scores[doc as usize] += factor * idf * tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * norm);
        }
    }

    fn add_name_bonuses(&self, query: &str, scores: &mut [f64]) {
        let key = name_key(query);
        if key.is_empty() {
            return;
        }
        if let Some(docs) = self.exact.get(&key) {
            for &doc in docs {
                let score = &mut scores[doc as usize];
                *score = 2.0 * *score + EXACT_NAME_BONUS;
            }
            return;
        }
        if key.len() >= 3 && !key.contains('.') {
            for (doc, name) in self.name_keys.iter().enumerate() {
                if name.contains(&key) {
                    scores[doc] += PARTIAL_NAME_BONUS;
                }
            }
        }
    }
}

pub(crate) fn hit(tool: &CatalogTool, score: f64, detail: DetailLevel) -> SearchHit {
    let with_description = detail != DetailLevel::Name;
    let full = detail == DetailLevel::Full;
    SearchHit {
        server: tool.server.clone(),
        name: tool.name.clone(),
        score: (score * 1e4).round() / 1e4,
        description: if with_description {
            tool.summary().map(str::to_string)
        } else {
            None
        },
        input_schema: full.then(|| tool.input_schema.clone()),
        output_schema: if full {
            tool.output_schema.clone()
        } else {
            None
        },
        warnings: Vec::new(),
    }
}

/// Calls `f(name, description)` for each top-level parameter of an inputSchema.
fn for_each_param(schema: &Value, f: &mut dyn FnMut(&str, Option<&str>)) {
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            f(name, property.get("description").and_then(Value::as_str));
        }
    }
}
