//! Local sentence embeddings: text in, a unit-length vector out, so that
//! texts meaning the same thing get vectors with a high dot product.
//!
//! Mental model: a model is a directory of files (the layout
//! sentence-transformers writes: `config.json`, `model.safetensors`,
//! `vocab.txt`), loaded once into memory and then pure: the same text
//! always gives the same vector. Text is cut into WordPiece ids
//! ([`wordpiece`]), run through a BERT encoder ([`bert`]) on the CPU, and the
//! token vectors are averaged and normalised. Nothing is fetched from
//! anywhere: a missing or broken file is an [`EmbedError`] that names it.
//!
//! The engine is tuned for all-MiniLM-L6-v2 (6 layers, 384 dimensions) but
//! reads its shape from `config.json`, so any BERT-architecture
//! sentence-transformers model with mean pooling loads.

mod bert;
mod wordpiece;

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;

use self::bert::{Bert, BertConfig, Threads};
use self::wordpiece::WordPiece;

/// The files a model directory must hold.
pub const MODEL_FILES: [&str; 3] = ["config.json", "model.safetensors", "vocab.txt"];

/// Tokens per text, `[CLS]` and `[SEP]` included; the rest is cut off.
/// all-MiniLM-L6-v2 was trained on at most 256 (its `max_seq_length`).
pub const DEFAULT_MAX_TOKENS: usize = 256;

/// Texts run through the encoder together; sorted by length first, so a
/// batch pads little.
const BATCH: usize = 16;

#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error("no embedding model in {}: missing {}", dir.display(), missing.join(", "))]
    MissingFiles { dir: PathBuf, missing: Vec<String> },
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a usable model file: {detail}", path.display())]
    Invalid { path: PathBuf, detail: String },
    #[error("the embedding model failed: {0}")]
    Compute(String),
}

impl From<candle_core::Error> for EmbedError {
    fn from(err: candle_core::Error) -> Self {
        Self::Compute(err.to_string())
    }
}

/// A loaded model. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct Embedder {
    model: Bert,
    tokenizer: WordPiece,
    max_tokens: usize,
    dimension: usize,
    device: Device,
    /// Where a single text runs, dense layers and candle's own operations
    /// alike: on the process-wide pool candle hands each operation to the
    /// other cores and back, which for a query's dozen rows costs more
    /// than it saves (12 ms against 8.4 ms on 2 idle cores).
    one_thread: rayon::ThreadPool,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("dimension", &self.dimension)
            .field("max_tokens", &self.max_tokens)
            .finish_non_exhaustive()
    }
}

/// The model's directory name under vtcode's data directory.
pub const DEFAULT_MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Where `scripts/setup-model.sh` installs the model and vtcode looks for it
/// by default: `$XDG_DATA_HOME/vtcode/models/all-MiniLM-L6-v2` (on Linux,
/// `~/.local/share/...` when `XDG_DATA_HOME` is not set).
pub fn default_model_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|dir| dir.join("vtcode").join("models").join(DEFAULT_MODEL_NAME))
}

/// The one-line hint every "no model" message ends with.
pub const INSTALL_HINT: &str = "run scripts/setup-model.sh (or scripts/setup.sh) to install it";

/// The model the test setup installs: `VTCODE_TEST_MODEL_DIR`, else
/// [`default_model_dir`]. `None` (with a note on stderr) when it is not
/// there; under `CI=true` a missing model is a failure, not a skip, so a CI
/// machine that lost its setup step cannot pass by testing less.
#[cfg(any(test, feature = "test-support"))]
pub fn locate_test_model() -> Option<PathBuf> {
    let dir = std::env::var_os("VTCODE_TEST_MODEL_DIR")
        .map(PathBuf::from)
        .or_else(default_model_dir)?;
    let missing = missing_files(&dir);
    if missing.is_empty() {
        return Some(dir);
    }
    let message = format!(
        "embedding model not found in {} (missing {}); {INSTALL_HINT}",
        dir.display(),
        missing.join(", ")
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{message}");
    eprintln!("skipping: {message}");
    None
}

/// Which of [`MODEL_FILES`] are not in `dir` (all of them when `dir` does
/// not exist). Empty means the directory looks like a model.
pub fn missing_files(dir: &Path) -> Vec<String> {
    MODEL_FILES
        .iter()
        .filter(|name| !dir.join(name).is_file())
        .map(|name| (*name).to_string())
        .collect()
}

impl Embedder {
    /// Loads the model in `dir` (see [`MODEL_FILES`]).
    pub fn load(dir: &Path) -> Result<Self, EmbedError> {
        let missing = missing_files(dir);
        if !missing.is_empty() {
            return Err(EmbedError::MissingFiles {
                dir: dir.to_path_buf(),
                missing,
            });
        }
        let config_path = dir.join("config.json");
        let config_text =
            std::fs::read_to_string(&config_path).map_err(|source| EmbedError::Read {
                path: config_path.clone(),
                source,
            })?;
        let config: BertConfig =
            serde_json::from_str(&config_text).map_err(|err| EmbedError::Invalid {
                path: config_path.clone(),
                detail: err.to_string(),
            })?;
        let device = Device::Cpu;
        let weights_path = dir.join("model.safetensors");
        let weights = candle_core::safetensors::load(&weights_path, &device).map_err(|err| {
            EmbedError::Invalid {
                path: weights_path.clone(),
                detail: err.to_string(),
            }
        })?;
        let vb = VarBuilder::from_tensors(weights, DType::F32, &device);
        let model = Bert::load(&config, vb).map_err(|err| EmbedError::Invalid {
            path: weights_path,
            detail: err.to_string(),
        })?;
        let tokenizer = WordPiece::load(&dir.join("vocab.txt"))?;
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "vtcode-embed".to_string())
            .build()
            .map_err(|err| EmbedError::Compute(format!("cannot start its thread: {err}")))?;
        Ok(Self {
            model,
            tokenizer,
            max_tokens: DEFAULT_MAX_TOKENS.min(config.max_position_embeddings),
            dimension: config.hidden_size,
            device,
            one_thread,
        })
    }

    /// Length of every vector this model returns.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The unit-length vector of one text, computed on one thread (see
    /// [`Threads::One`]).
    pub fn embed(&self, text: &str) -> Result<Vec<f32>, EmbedError> {
        let ids = self.ids(text);
        let mut vectors = self
            .one_thread
            .install(|| self.run(&[&ids], Threads::One))?;
        vectors
            .pop()
            .ok_or_else(|| EmbedError::Compute("the model returned no vector".to_string()))
    }

    /// One vector per text, in the order given.
    pub fn embed_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encoded: Vec<Vec<u32>> = texts.iter().map(|text| self.ids(text)).collect();
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| encoded[i].len());
        let mut vectors = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| encoded[i].as_slice()).collect();
            for (&i, vector) in chunk.iter().zip(self.run(&batch, Threads::All)?) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    /// `[CLS] pieces [SEP]`, cut to the model's length.
    fn ids(&self, text: &str) -> Vec<u32> {
        let mut ids = Vec::with_capacity(32);
        ids.push(self.tokenizer.cls);
        ids.extend(self.tokenizer.encode(text, self.max_tokens - 2));
        ids.push(self.tokenizer.sep);
        ids
    }

    fn run(&self, batch: &[&[u32]], threads: Threads) -> Result<Vec<Vec<f32>>, EmbedError> {
        let seq = batch.iter().map(|ids| ids.len()).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * seq);
        let mut mask = Vec::with_capacity(batch.len() * seq);
        for text in batch {
            ids.extend_from_slice(text);
            ids.extend(std::iter::repeat_n(self.tokenizer.pad, seq - text.len()));
            mask.extend(std::iter::repeat_n(1u32, text.len()));
            mask.extend(std::iter::repeat_n(0u32, seq - text.len()));
        }
        let ids = Tensor::from_vec(ids, (batch.len(), seq), &self.device)?;
        let mask = Tensor::from_vec(mask, (batch.len(), seq), &self.device)?;
        let hidden = self.model.forward(&ids, &mask, threads)?;
        Ok(bert::mean_pool_normalized(&hidden, &mask)?)
    }
}

/// Dot product; for unit vectors, their cosine similarity.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
