//! The semantic leg of tool search: a local sentence-embedding model ranks
//! tools by meaning, and its ranking is fused with the lexical one.
//!
//! Mental model: [`SemanticSearch`] is a long-lived service next to the
//! (immutable, per-change) [`ToolCatalog`]. It owns the model, loaded
//! lazily by a background thread the first time a catalog needs it, never
//! at start-up, and the vectors of the latest catalog it was given. Giving
//! it a catalog ([`SemanticSearch::prepare`]) returns at once; the thread
//! reuses every vector already known for a tool's schema hash (in memory,
//! then in the project database) and embeds only the rest. Until the
//! vectors of the catalog being searched are complete, and whenever the
//! model is missing, broken or switched off, [`SemanticSearch::search`]
//! answers with the lexical ranking alone; it never waits for the model.

mod vectors;

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, RwLock};

use sha2::{Digest, Sha256};
use vtcode_embed::{EmbedError, Embedder, INSTALL_HINT, default_model_dir, missing_files};

use self::vectors::{TEXT_VERSION, ToolVectors, tool_text};
use super::fusion::{self, LEXICAL_WEIGHT, SEMANTIC_WEIGHT};
use super::{DetailLevel, SearchError, SearchHit, TrackRecord, hit};
use crate::catalog::ToolCatalog;
use crate::config::SearchConfig;
use crate::store::{Store, StoreError};

/// How many candidates each leg hands to fusion.
const CANDIDATES: usize = 100;

/// Tools embedded per batch, and saved to the database together.
const EMBED_BATCH: usize = 32;

/// Which ranking answers a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranking {
    /// BM25 over words (the catalog's own search).
    Lexical,
    /// Similarity of embeddings alone.
    Semantic,
    /// Both, by reciprocal-rank fusion.
    Fused,
}

/// Where the semantic leg stands, for `vtcode doctor` and `tools search`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SemanticStatus {
    /// `[search] semantic = false`.
    Disabled,
    /// The model directory lacks files (or no directory could be named).
    NoModel {
        dir: Option<PathBuf>,
        missing: Vec<String>,
    },
    /// The files are there but would not load.
    Failed(String),
    /// The model is installed; this catalog has not been embedded yet.
    Idle {
        dir: PathBuf,
    },
    Embedding {
        done: usize,
        total: usize,
    },
    Ready {
        tools: usize,
    },
}

impl SemanticStatus {
    /// Whether searches of the catalog asked about use the semantic leg.
    pub fn is_ready(&self) -> bool {
        matches!(self, Self::Ready { .. })
    }
}

impl fmt::Display for SemanticStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disabled => f.write_str(
                "semantic search is off ([search] semantic = false); search is lexical only",
            ),
            Self::NoModel { dir, missing } => {
                let place = dir.as_ref().map_or_else(
                    || "no model directory (set [search] model_path)".to_string(),
                    |dir| format!("{} (missing {})", dir.display(), missing.join(", ")),
                );
                write!(
                    f,
                    "semantic search is off: no embedding model in {place}; search is lexical only. To install it, {INSTALL_HINT}"
                )
            }
            Self::Failed(message) => write!(
                f,
                "semantic search is off: the embedding model did not load ({message}); search is lexical only. To reinstall it, {INSTALL_HINT}"
            ),
            Self::Idle { dir } => write!(
                f,
                "semantic search: model in {}; tools are embedded when the catalog is first used",
                dir.display()
            ),
            Self::Embedding { done, total } => write!(
                f,
                "semantic search: embedding tools ({done}/{total}); lexical results until it is done"
            ),
            Self::Ready { tools } => {
                write!(f, "semantic search is on ({tools} tools embedded)")
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SemanticError {
    #[error("semantic search is off ([search] semantic = false)")]
    Disabled,
    #[error("{0}. To install the model, {INSTALL_HINT}")]
    Model(String),
    #[error("cannot cache tool embeddings: {0}")]
    Store(#[from] StoreError),
    #[error("a newer catalog replaced this one before it was embedded")]
    Superseded,
}

impl From<EmbedError> for SemanticError {
    fn from(err: EmbedError) -> Self {
        Self::Model(err.to_string())
    }
}

/// What embedding a catalog took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmbedReport {
    /// Tools run through the model.
    pub embedded: usize,
    /// Tools whose vector was already known for their schema hash.
    pub cached: usize,
}

/// Cheap to clone; clones share the model, the vectors and the worker.
#[derive(Clone)]
pub struct SemanticSearch {
    inner: Arc<Inner>,
}

impl fmt::Debug for SemanticSearch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemanticSearch")
            .field("enabled", &self.inner.enabled)
            .field("model_dir", &self.inner.model_dir)
            .finish_non_exhaustive()
    }
}

struct Inner {
    enabled: bool,
    model_dir: Option<PathBuf>,
    store: Option<Arc<Store>>,
    embedder: OnceLock<Result<Arc<Embedder>, String>>,
    /// Schema hash → vector, for every tool embedded or read so far.
    known: Mutex<HashMap<String, Vec<f32>>>,
    current: RwLock<Option<Arc<ToolVectors>>>,
    job: Mutex<Job>,
    done: AtomicUsize,
    total: AtomicUsize,
}

#[derive(Default)]
struct Job {
    running: bool,
    /// The newest catalog waiting to be embedded.
    wanted: Option<Arc<ToolCatalog>>,
}

impl SemanticSearch {
    /// The service `config` describes; `store` caches vectors across runs.
    pub fn new(config: &SearchConfig, store: Option<Arc<Store>>) -> Self {
        let model_dir = config.model_path.clone().or_else(default_model_dir);
        Self {
            inner: Arc::new(Inner {
                enabled: config.semantic,
                model_dir,
                store,
                embedder: OnceLock::new(),
                known: Mutex::new(HashMap::new()),
                current: RwLock::new(None),
                job: Mutex::new(Job::default()),
                done: AtomicUsize::new(0),
                total: AtomicUsize::new(0),
            }),
        }
    }

    /// The directory the model is read from.
    pub fn model_dir(&self) -> Option<&Path> {
        self.inner.model_dir.as_deref()
    }

    /// Where the semantic leg stands for searches of `catalog`.
    pub fn status(&self, catalog: &ToolCatalog) -> SemanticStatus {
        let inner = &self.inner;
        if !inner.enabled {
            return SemanticStatus::Disabled;
        }
        let Some(dir) = inner.model_dir.clone() else {
            return SemanticStatus::NoModel {
                dir: None,
                missing: Vec::new(),
            };
        };
        if let Some(Err(message)) = inner.embedder.get() {
            return SemanticStatus::Failed(message.clone());
        }
        if inner.vectors_for(catalog).is_some() && inner.embedder.get().is_some() {
            return SemanticStatus::Ready {
                tools: catalog.len(),
            };
        }
        let missing = missing_files(&dir);
        if !missing.is_empty() {
            return SemanticStatus::NoModel {
                dir: Some(dir),
                missing,
            };
        }
        if lock(&inner.job).running {
            return SemanticStatus::Embedding {
                done: inner.done.load(Ordering::Relaxed),
                total: inner.total.load(Ordering::Relaxed),
            };
        }
        SemanticStatus::Idle { dir }
    }

    /// Starts embedding `catalog` on a background thread and returns at
    /// once; a no-op when it is already embedded or the leg is unavailable.
    /// A newer catalog given while one is being embedded replaces it.
    pub fn prepare(&self, catalog: Arc<ToolCatalog>) {
        let inner = &self.inner;
        // An empty catalog (the one before any server is up) is not worth
        // loading the model for.
        if !inner.enabled || catalog.is_empty() || inner.vectors_for(&catalog).is_some() {
            return;
        }
        if matches!(inner.embedder.get(), Some(Err(_)))
            || inner
                .model_dir
                .as_deref()
                .is_none_or(|dir| !missing_files(dir).is_empty())
        {
            return;
        }
        let mut job = lock(&inner.job);
        job.wanted = Some(catalog);
        if job.running {
            return;
        }
        job.running = true;
        drop(job);
        let worker = Arc::clone(inner);
        let spawned = std::thread::Builder::new()
            .name("vtcode-embed".to_string())
            .spawn(move || worker.run_jobs());
        if let Err(err) = spawned {
            tracing::warn!("cannot start the embedding thread: {err}");
            lock(&inner.job).running = false;
        }
    }

    /// Loads the model now (if not yet), to check that it loads.
    pub fn load_model(&self) -> Result<(), SemanticError> {
        if !self.inner.enabled {
            return Err(SemanticError::Disabled);
        }
        self.inner.embedder().map(drop)
    }

    /// Embeds `catalog` on the calling thread (one-shot commands, the
    /// benchmark); reuses known vectors like [`Self::prepare`] does.
    pub fn embed_catalog(&self, catalog: &ToolCatalog) -> Result<EmbedReport, SemanticError> {
        self.inner.embed(catalog, &|| false)
    }

    /// The best `limit` tools for `query`: fused when the semantic leg is
    /// ready for `catalog`, lexical otherwise.
    pub fn search(
        &self,
        catalog: &ToolCatalog,
        query: &str,
        detail: DetailLevel,
        limit: usize,
    ) -> Result<Vec<SearchHit>, SearchError> {
        self.search_with(catalog, query, detail, limit, Ranking::Fused)
    }

    /// Like [`Self::search`] with the ranking chosen; `Semantic` and
    /// `Fused` fall back to `Lexical` while the semantic leg is not ready.
    pub fn search_with(
        &self,
        catalog: &ToolCatalog,
        query: &str,
        detail: DetailLevel,
        limit: usize,
        ranking: Ranking,
    ) -> Result<Vec<SearchHit>, SearchError> {
        self.ranked(
            catalog,
            query,
            detail,
            limit,
            ranking,
            &TrackRecord::default(),
        )
    }

    /// Like [`Self::search`], with ties broken toward the tools of
    /// `track_record` (the ones that worked before).
    pub fn search_with_track_record(
        &self,
        catalog: &ToolCatalog,
        query: &str,
        detail: DetailLevel,
        limit: usize,
        track_record: &TrackRecord,
    ) -> Result<Vec<SearchHit>, SearchError> {
        self.ranked(catalog, query, detail, limit, Ranking::Fused, track_record)
    }

    fn ranked(
        &self,
        catalog: &ToolCatalog,
        query: &str,
        detail: DetailLevel,
        limit: usize,
        ranking: Ranking,
        track_record: &TrackRecord,
    ) -> Result<Vec<SearchHit>, SearchError> {
        let index = &catalog.index;
        let lexical = index.rank(catalog.len(), query, limit)?;
        let semantic = match ranking {
            Ranking::Lexical => None,
            Ranking::Semantic | Ranking::Fused => self.inner.semantic_rank(catalog, query),
        };
        let mut ranked: Vec<(usize, f64)> = match (ranking, semantic) {
            (Ranking::Semantic, Some(semantic)) => semantic
                .into_iter()
                .map(|(doc, similarity)| (doc, f64::from(similarity)))
                .collect(),
            (Ranking::Fused, Some(semantic)) => {
                let lexical: Vec<usize> = lexical
                    .iter()
                    .take(CANDIDATES)
                    .map(|(doc, _)| *doc)
                    .collect();
                let semantic: Vec<usize> = semantic.iter().map(|(doc, _)| *doc).collect();
                let pinned: Vec<usize> = index.named(query).iter().map(|d| *d as usize).collect();
                fusion::fuse(
                    catalog.len(),
                    &[(&lexical, LEXICAL_WEIGHT), (&semantic, SEMANTIC_WEIGHT)],
                    &pinned,
                )
            }
            _ => lexical,
        };
        track_record.break_ties(&mut ranked, catalog.tools());
        let mut hits: Vec<SearchHit> = ranked
            .into_iter()
            .take(limit)
            .map(|(doc, score)| hit(&catalog.tools()[doc], score, detail))
            .collect();
        catalog.add_warnings(&mut hits);
        Ok(hits)
    }
}

impl Inner {
    fn vectors_for(&self, catalog: &ToolCatalog) -> Option<Arc<ToolVectors>> {
        let current = match self.current.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        current.filter(|vectors| vectors.catalog_hash == catalog.hash())
    }

    /// Tools by similarity to `query`; `None` when the leg is not ready
    /// (never waits for the model to load).
    fn semantic_rank(&self, catalog: &ToolCatalog, query: &str) -> Option<Vec<(usize, f32)>> {
        if !self.enabled {
            return None;
        }
        let vectors = self.vectors_for(catalog)?;
        let Some(Ok(embedder)) = self.embedder.get() else {
            return None;
        };
        match embedder.embed(query) {
            Ok(query) => Some(vectors.rank(&query, CANDIDATES)),
            Err(err) => {
                tracing::warn!("embedding the query failed, answering lexically: {err}");
                None
            }
        }
    }

    fn embedder(&self) -> Result<Arc<Embedder>, SemanticError> {
        let dir = self.model_dir.as_deref().ok_or_else(|| {
            SemanticError::Model("no model directory is known (set [search] model_path)".into())
        })?;
        self.embedder
            .get_or_init(|| {
                Embedder::load(dir)
                    .map(Arc::new)
                    .map_err(|err| err.to_string())
            })
            .clone()
            .map_err(SemanticError::Model)
    }

    fn run_jobs(&self) {
        loop {
            let catalog = {
                let mut job = lock(&self.job);
                match job.wanted.take() {
                    Some(catalog) => catalog,
                    None => {
                        job.running = false;
                        return;
                    }
                }
            };
            // A newer catalog waiting makes this one not worth finishing;
            // what was embedded so far is kept and reused.
            let superseded = || lock(&self.job).wanted.is_some();
            match self.embed(&catalog, &superseded) {
                Ok(report) => tracing::debug!(
                    embedded = report.embedded,
                    cached = report.cached,
                    "tool embeddings ready"
                ),
                Err(SemanticError::Superseded) => {}
                Err(err) => tracing::warn!("semantic search stays lexical: {err}"),
            }
        }
    }

    /// Embeds what is not known yet of `catalog` and publishes its vectors;
    /// stops early, with `Superseded`, when `stop` says so between batches.
    fn embed(
        &self,
        catalog: &ToolCatalog,
        stop: &dyn Fn() -> bool,
    ) -> Result<EmbedReport, SemanticError> {
        if !self.enabled {
            return Err(SemanticError::Disabled);
        }
        let embedder = self.embedder()?;
        if self.vectors_for(catalog).is_some() {
            return Ok(EmbedReport {
                embedded: 0,
                cached: catalog.len(),
            });
        }
        let model_key = model_key(self.model_dir.as_deref())?;
        let hashes: Vec<String> = catalog
            .tools()
            .iter()
            .map(|tool| catalog.tool_schema_hash(tool))
            .collect();
        let unknown: Vec<&str> = {
            let known = lock(&self.known);
            hashes
                .iter()
                .filter(|hash| !known.contains_key(*hash))
                .map(String::as_str)
                .collect()
        };
        if let Some(store) = &self.store
            && !unknown.is_empty()
        {
            let stored = store.embeddings(&model_key, &unknown)?;
            lock(&self.known).extend(stored);
        }
        let missing: Vec<usize> = {
            let known = lock(&self.known);
            (0..hashes.len())
                .filter(|&i| !known.contains_key(&hashes[i]))
                .collect()
        };
        self.total.store(missing.len(), Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        for chunk in missing.chunks(EMBED_BATCH) {
            if stop() {
                return Err(SemanticError::Superseded);
            }
            let texts: Vec<String> = chunk
                .iter()
                .map(|&i| tool_text(&catalog.tools()[i]))
                .collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let vectors = embedder.embed_batch(&refs)?;
            let rows: Vec<(String, Vec<f32>)> = chunk
                .iter()
                .map(|&i| hashes[i].clone())
                .zip(vectors)
                .collect();
            if let Some(store) = &self.store {
                store.save_embeddings(&model_key, &rows)?;
            }
            lock(&self.known).extend(rows);
            self.done.fetch_add(chunk.len(), Ordering::Relaxed);
        }
        let known = lock(&self.known);
        let vectors = hashes
            .iter()
            .map(|hash| known.get(hash).cloned().unwrap_or_default())
            .collect();
        drop(known);
        let ready = Arc::new(ToolVectors {
            catalog_hash: catalog.hash().to_string(),
            vectors,
        });
        match self.current.write() {
            Ok(mut guard) => *guard = Some(ready),
            Err(poisoned) => *poisoned.into_inner() = Some(ready),
        }
        Ok(EmbedReport {
            embedded: missing.len(),
            cached: hashes.len() - missing.len(),
        })
    }
}

/// Names the model and the text format in cached rows: the directory
/// name, a digest of `config.json` and the weights' size, so vectors of a
/// different model or text format are never reused.
fn model_key(dir: Option<&Path>) -> Result<String, SemanticError> {
    let dir = dir.ok_or_else(|| SemanticError::Model("no model directory is known".into()))?;
    let config_path = dir.join("config.json");
    let config = std::fs::read(&config_path).map_err(|err| {
        SemanticError::Model(format!("cannot read {}: {err}", config_path.display()))
    })?;
    let weights = std::fs::metadata(dir.join("model.safetensors"))
        .map(|meta| meta.len())
        .unwrap_or(0);
    let name = dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let digest = hex::encode(&Sha256::digest(&config)[..8]);
    Ok(format!("{name}:{digest}:{weights}:{TEXT_VERSION}"))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
