//! Which provider to talk to, and building it.
//!
//! Settings arrive fully resolved: core's config has already layered files,
//! `VTCODE_LLM_*` overrides and read the key from the environment variable
//! the user named. This module only checks that they make sense (a key is
//! present unless a custom endpoint such as a local Ollama is used) and
//! builds the provider.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::anthropic::AnthropicProvider;
use crate::openai::OpenAiProvider;
use crate::retry::RetryPolicy;
use crate::{ChatRequest, LlmError, LlmProvider};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Any OpenAI-compatible chat completions API (OpenAI, Azure OpenAI,
    /// Ollama, vLLM, llama.cpp's server, OpenRouter).
    #[default]
    OpenAi,
    /// Anthropic's Messages API.
    Anthropic,
}

impl ProviderKind {
    /// The environment variable a key is conventionally read from.
    pub fn default_api_key_env(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "OPENAI_API_KEY",
            ProviderKind::Anthropic => "ANTHROPIC_API_KEY",
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "https://api.openai.com/v1",
            ProviderKind::Anthropic => "https://api.anthropic.com",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderKind {
    type Err = LlmError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(ProviderKind::OpenAi),
            "anthropic" => Ok(ProviderKind::Anthropic),
            other => Err(LlmError::InvalidSettings {
                detail: format!("unknown provider `{other}`: use `openai` or `anthropic`"),
            }),
        }
    }
}

#[derive(Clone, Default, PartialEq)]
pub struct ProviderSettings {
    pub provider: ProviderKind,
    /// Used when a [`crate::ChatRequest`] leaves `model` empty.
    pub model: String,
    /// `None` means the provider's public API.
    pub base_url: Option<String>,
    /// `None` or empty is only accepted with a custom `base_url`.
    pub api_key: Option<String>,
    /// Used when a request sets none (Anthropic requires a value; 4096 then).
    pub max_tokens: Option<u32>,
    /// Used when a request sets none.
    pub temperature: Option<f32>,
    pub retry: RetryPolicy,
}

/// Hand-written so the key never reaches a log line.
impl fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("retry", &self.retry)
            .finish()
    }
}

impl ProviderSettings {
    /// The base URL without a trailing slash.
    pub(crate) fn endpoint_base(&self) -> String {
        let base = self.base_url.as_deref().filter(|b| !b.trim().is_empty());
        base.unwrap_or(self.provider.default_base_url())
            .trim()
            .trim_end_matches('/')
            .to_string()
    }

    /// What `request` asks for, with these settings filling what it leaves
    /// unset.
    pub(crate) fn resolve<'a>(&'a self, request: &'a ChatRequest) -> Resolved<'a> {
        Resolved {
            model: if request.model.is_empty() {
                &self.model
            } else {
                &request.model
            },
            max_tokens: request.max_tokens.or(self.max_tokens),
            temperature: request.temperature.or(self.temperature),
        }
    }

    /// The key to send, if any (empty counts as none).
    pub(crate) fn key(&self) -> Option<&str> {
        self.api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
    }
}

/// A request's model and sampling after defaults.
pub(crate) struct Resolved<'a> {
    pub model: &'a str,
    pub max_tokens: Option<u32>,
    pub temperature: Option<f32>,
}

/// Builds the provider `settings` describe.
///
/// Fails with [`LlmError::MissingApiKey`] when no key is given for the
/// provider's public API; a custom `base_url` (a local server) may run
/// without one.
pub fn build_provider(settings: ProviderSettings) -> Result<Arc<dyn LlmProvider>, LlmError> {
    let custom_endpoint = settings
        .base_url
        .as_deref()
        .is_some_and(|b| !b.trim().is_empty());
    if settings.key().is_none() && !custom_endpoint {
        return Err(LlmError::MissingApiKey {
            env_var: settings.provider.default_api_key_env().to_string(),
        });
    }
    let base = settings.endpoint_base();
    if !(base.starts_with("http://") || base.starts_with("https://")) {
        return Err(LlmError::InvalidSettings {
            detail: format!("base_url `{base}` must start with http:// or https://"),
        });
    }
    Ok(match settings.provider {
        ProviderKind::OpenAi => Arc::new(OpenAiProvider::new(settings)?),
        ProviderKind::Anthropic => Arc::new(AnthropicProvider::new(settings)?),
    })
}
