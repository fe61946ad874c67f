//! A BERT encoder (inference only) over candle tensors on the CPU.
//!
//! Each layer is self-attention then a feed-forward block, each followed by
//! a residual sum and layer norm (post-norm, as BERT has it). Padding is kept
//! out of attention by an additive mask: padded keys get a large negative
//! score, so their softmax weight is zero and a padded batch gives each text
//! the same vectors it would get alone.
//!
//! The dense layers, nearly all of the arithmetic, call `gemm` directly
//! rather than through candle, so that each forward pass picks its own
//! threading ([`Threads`]): candle decides it once per process.

use candle_core::{D, DType, Module, Tensor};
use candle_nn::{Embedding, LayerNorm, VarBuilder};
use gemm::Parallelism;
use serde::Deserialize;

/// The fields of the model's `config.json` the encoder needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BertConfig {
    pub(crate) hidden_size: usize,
    pub(crate) num_attention_heads: usize,
    pub(crate) num_hidden_layers: usize,
    pub(crate) intermediate_size: usize,
    pub(crate) max_position_embeddings: usize,
    pub(crate) layer_norm_eps: f64,
    #[serde(default = "default_activation")]
    pub(crate) hidden_act: String,
}

fn default_activation() -> String {
    "gelu".to_string()
}

/// Score added to attention logits of padded keys.
const MASKED: f32 = -1e9;

/// How many cores one forward pass may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Threads {
    /// The calling thread alone: a single short text (a search query) has
    /// matrices a few rows tall, where splitting costs more in hand-offs
    /// than it saves, and far more when the other cores are busy.
    One,
    /// Every thread of the current rayon pool: batches of tool texts.
    All,
}

/// `x·Wᵀ + b`, with `W` kept as `(out, in)` rows as the weights store it.
struct Dense {
    weight: Vec<f32>,
    bias: Vec<f32>,
    inputs: usize,
}

impl Dense {
    fn load(inputs: usize, outputs: usize, vb: VarBuilder) -> candle_core::Result<Self> {
        Self::stacked(inputs, outputs, &[vb])
    }

    /// One layer computing several of the same shape side by side: their
    /// outputs follow each other in each row (query, key and value in one
    /// pass over the input).
    fn stacked(inputs: usize, outputs: usize, parts: &[VarBuilder]) -> candle_core::Result<Self> {
        let mut weight = Vec::with_capacity(parts.len() * outputs * inputs);
        let mut bias = Vec::with_capacity(parts.len() * outputs);
        for vb in parts {
            weight.extend(
                vb.get((outputs, inputs), "weight")?
                    .flatten_all()?
                    .to_vec1::<f32>()?,
            );
            bias.extend(vb.get(outputs, "bias")?.to_vec1::<f32>()?);
        }
        Ok(Self {
            weight,
            bias,
            inputs,
        })
    }

    fn forward(&self, x: &Tensor, threads: Threads) -> candle_core::Result<Tensor> {
        let (batch, seq, width) = x.dims3()?;
        if width != self.inputs {
            candle_core::bail!("dense layer of {} inputs got {width}", self.inputs);
        }
        let rows = batch * seq;
        let outputs = self.bias.len();
        let lhs = x.flatten_all()?.to_vec1::<f32>()?;
        // Written column by column (each output's values for every row in
        // turn): that way gemm reads the weights in the order they are
        // stored, where a row-major result had it repack them every call,
        // as much work as the arithmetic on a query's dozen rows.
        let mut by_output: Vec<f32> = Vec::with_capacity(rows * outputs);
        for &b in &self.bias {
            by_output.extend(std::iter::repeat_n(b, rows));
        }
        let parallelism = match threads {
            Threads::One => Parallelism::None,
            Threads::All => Parallelism::Rayon(0),
        };
        // SAFETY: each pointer spans its whole matrix with the strides
        // given: `by_output` is rows × outputs stored column-major, `lhs`
        // rows × inputs row-major, and the weights, read as the inputs ×
        // outputs matrix Wᵀ, are outputs rows of `inputs` values.
        unsafe {
            gemm::gemm(
                rows,
                outputs,
                self.inputs,
                by_output.as_mut_ptr(),
                rows as isize,
                1,
                true,
                lhs.as_ptr(),
                1,
                self.inputs as isize,
                self.weight.as_ptr(),
                self.inputs as isize,
                1,
                1.0,
                1.0,
                false,
                false,
                false,
                parallelism,
            );
        }
        let mut out: Vec<f32> = Vec::with_capacity(rows * outputs);
        for row in 0..rows {
            out.extend(by_output[row..].iter().step_by(rows).take(outputs));
        }
        Tensor::from_vec(out, (batch, seq, outputs), x.device())
    }
}

struct Layer {
    /// Query, key and value, in that order in each output row.
    qkv: Dense,
    attention_out: Dense,
    attention_norm: LayerNorm,
    intermediate: Dense,
    output: Dense,
    output_norm: LayerNorm,
}

pub(crate) struct Bert {
    words: Embedding,
    positions: Embedding,
    token_types: Embedding,
    embedding_norm: LayerNorm,
    layers: Vec<Layer>,
    heads: usize,
    head_dim: usize,
}

impl Bert {
    pub(crate) fn load(config: &BertConfig, vb: VarBuilder) -> candle_core::Result<Self> {
        let hidden = config.hidden_size;
        if config.num_attention_heads == 0 || !hidden.is_multiple_of(config.num_attention_heads) {
            candle_core::bail!(
                "hidden_size {hidden} is not a multiple of num_attention_heads {}",
                config.num_attention_heads
            );
        }
        if config.hidden_act != "gelu" {
            candle_core::bail!(
                "hidden_act `{}` is not supported (only gelu)",
                config.hidden_act
            );
        }
        let norm = |vb: VarBuilder| candle_nn::layer_norm(hidden, config.layer_norm_eps, vb);
        let emb = vb.pp("embeddings");
        let words = embedding(&emb.pp("word_embeddings"), hidden)?;
        let positions = embedding(&emb.pp("position_embeddings"), hidden)?;
        let token_types = embedding(&emb.pp("token_type_embeddings"), hidden)?;
        let embedding_norm = norm(emb.pp("LayerNorm"))?;
        let mut layers = Vec::with_capacity(config.num_hidden_layers);
        for i in 0..config.num_hidden_layers {
            let vb = vb.pp(format!("encoder.layer.{i}"));
            let attention = vb.pp("attention");
            layers.push(Layer {
                qkv: Dense::stacked(
                    hidden,
                    hidden,
                    &[
                        attention.pp("self.query"),
                        attention.pp("self.key"),
                        attention.pp("self.value"),
                    ],
                )?,
                attention_out: Dense::load(hidden, hidden, attention.pp("output.dense"))?,
                attention_norm: norm(attention.pp("output.LayerNorm"))?,
                intermediate: Dense::load(
                    hidden,
                    config.intermediate_size,
                    vb.pp("intermediate.dense"),
                )?,
                output: Dense::load(config.intermediate_size, hidden, vb.pp("output.dense"))?,
                output_norm: norm(vb.pp("output.LayerNorm"))?,
            });
        }
        Ok(Self {
            words,
            positions,
            token_types,
            embedding_norm,
            layers,
            heads: config.num_attention_heads,
            head_dim: hidden / config.num_attention_heads,
        })
    }

    /// Hidden states `(batch, seq, hidden)` for `ids` `(batch, seq)`, where
    /// `mask` `(batch, seq)` is 1 for real tokens and 0 for padding.
    pub(crate) fn forward(
        &self,
        ids: &Tensor,
        mask: &Tensor,
        threads: Threads,
    ) -> candle_core::Result<Tensor> {
        let (batch, seq) = ids.dims2()?;
        let device = ids.device();
        let positions = Tensor::arange(0u32, seq as u32, device)?;
        let token_types = Tensor::zeros((batch, seq), DType::U32, device)?;
        let x = self
            .words
            .forward(ids)?
            .broadcast_add(&self.positions.forward(&positions)?)?
            .add(&self.token_types.forward(&token_types)?)?;
        let mut x = self.embedding_norm.forward(&x)?;
        // (batch, 1, 1, seq): 0 where a key may be attended to, MASKED where not.
        let bias = ((1.0 - mask.to_dtype(DType::F32)?)? * f64::from(MASKED))?
            .reshape((batch, 1, 1, seq))?;
        for layer in &self.layers {
            x = self.layer(layer, &x, &bias, threads)?;
        }
        Ok(x)
    }

    fn layer(
        &self,
        layer: &Layer,
        x: &Tensor,
        bias: &Tensor,
        threads: Threads,
    ) -> candle_core::Result<Tensor> {
        let (batch, seq, hidden) = x.dims3()?;
        let heads = |t: Tensor| {
            t.reshape((batch, seq, self.heads, self.head_dim))?
                .transpose(1, 2)?
                .contiguous()
        };
        let qkv = layer.qkv.forward(x, threads)?;
        let q = heads(qkv.narrow(2, 0, hidden)?)?;
        let k = heads(qkv.narrow(2, hidden, hidden)?)?;
        let v = heads(qkv.narrow(2, 2 * hidden, hidden)?)?;
        let scale = 1.0 / (self.head_dim as f64).sqrt();
        let scores = (q.matmul(&k.t()?)? * scale)?.broadcast_add(bias)?;
        let weights = candle_nn::ops::softmax_last_dim(&scores)?;
        let context = weights
            .matmul(&v)?
            .transpose(1, 2)?
            .reshape((batch, seq, hidden))?;
        let attended = layer
            .attention_norm
            .forward(&(layer.attention_out.forward(&context, threads)? + x)?)?;
        let expanded = layer.intermediate.forward(&attended, threads)?.gelu_erf()?;
        layer
            .output_norm
            .forward(&(layer.output.forward(&expanded, threads)? + &attended)?)
    }
}

/// An embedding table whose size is read from the weights themselves.
fn embedding(vb: &VarBuilder, hidden: usize) -> candle_core::Result<Embedding> {
    let table = vb.get_unchecked("weight")?;
    let (_, width) = table.dims2()?;
    if width != hidden {
        candle_core::bail!("embedding width {width} differs from hidden_size {hidden}");
    }
    Ok(Embedding::new(table, hidden))
}

/// Mean of the hidden states over real tokens, scaled to unit length:
/// the sentence vector the model was trained to produce.
pub(crate) fn mean_pool_normalized(
    hidden: &Tensor,
    mask: &Tensor,
) -> candle_core::Result<Vec<Vec<f32>>> {
    let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
    let mean = summed.broadcast_div(&counts)?;
    let norms = mean
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12, f64::MAX)?;
    mean.broadcast_div(&norms)?.to_vec2::<f32>()
}
