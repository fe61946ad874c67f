//! What can go wrong talking to a model, phrased for the person who has to
//! fix it.
//!
//! Each variant is something a user can act on (set a key, start a server,
//! fix a model name, wait). Display is one line saying what happened and
//! what to do. No variant ever carries an API key: URLs are built from the
//! base URL alone and keys only travel in headers.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("no API key: set the {env_var} environment variable (or api_key_env in [llm])")]
    MissingApiKey { env_var: String },

    #[error(
        "cannot reach the model endpoint {url}: {detail}; check that the server is running and \
         that base_url is right"
    )]
    Unreachable { url: String, detail: String },

    #[error("the model API answered HTTP {status}: {message}{hint}", hint = http_hint(*status))]
    Http { status: u16, message: String },

    #[error(
        "rate limited by the model API after {attempts} attempt(s){}; wait and retry, or raise \
         the provider's rate limit",
        retry_after.map(|d| format!(" (it asked to wait {}s)", d.as_secs())).unwrap_or_default()
    )]
    RateLimited {
        retry_after: Option<Duration>,
        attempts: u32,
    },

    #[error(
        "the model's reply stream was cut off before it finished ({detail}); the partial reply \
         is incomplete, retry the request"
    )]
    StreamCut { detail: String },

    #[error(
        "the model API sent a response vtcode cannot read ({detail}); check base_url points at an OpenAI- or Anthropic-compatible API"
    )]
    InvalidResponse { detail: String },

    #[error("invalid LLM settings: {detail}")]
    InvalidSettings { detail: String },

    #[error("{0}")]
    Other(String),

    /// Retrying stopped: `last` is what the final attempt got.
    #[error("{last} (gave up after {attempts} attempts)")]
    GaveUp { attempts: u32, last: Box<LlmError> },
}

impl LlmError {
    /// What went wrong, under any retries that led to it.
    pub fn root(&self) -> &LlmError {
        match self {
            LlmError::GaveUp { last, .. } => last.root(),
            other => other,
        }
    }

    /// How many times the failed request was sent again before this error.
    pub fn retries(&self) -> u32 {
        match self {
            LlmError::RateLimited { attempts, .. } | LlmError::GaveUp { attempts, .. } => {
                attempts.saturating_sub(1)
            }
            _ => 0,
        }
    }

    /// Whether sending the same request again may succeed (before anything
    /// of the reply reached the caller).
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Unreachable { .. } | LlmError::StreamCut { .. } => true,
            LlmError::RateLimited { .. } => true,
            LlmError::Http { status, .. } => is_retryable_status(*status),
            _ => false,
        }
    }
}

pub(crate) fn is_retryable_status(status: u16) -> bool {
    status == 429 || status == 408 || status >= 500
}

fn http_hint(status: u16) -> &'static str {
    match status {
        401 | 403 => " (check the API key and its permissions)",
        404 => " (check the model name and base_url)",
        413 => " (the request is too large; shorten the conversation)",
        429 => " (rate limited; wait and retry)",
        s if s >= 500 => " (the provider had an internal error; retry later)",
        _ => "",
    }
}
