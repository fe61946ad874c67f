//! Builds the configured LLM provider.
//!
//! The key is read from the environment at this moment only (the variable
//! named by `llm.api_key_env`) and handed to the provider; it never enters
//! the config, the logs or the database.

use std::sync::Arc;

use vtcode_llm::{LlmError, LlmProvider, ProviderKind, ProviderSettings, RetryPolicy};

use crate::config::{LlmConfig, Provider};

/// The provider settings `llm` describes, with the key from the environment.
pub fn provider_settings(llm: &LlmConfig) -> ProviderSettings {
    ProviderSettings {
        provider: match llm.provider {
            Provider::OpenAi => ProviderKind::OpenAi,
            Provider::Anthropic => ProviderKind::Anthropic,
        },
        model: llm.model.clone(),
        base_url: llm.base_url.clone(),
        api_key: llm.api_key(),
        max_tokens: llm.max_tokens,
        temperature: llm.temperature.map(|t| t as f32),
        retry: RetryPolicy::default(),
    }
}

/// Builds the provider, naming the user's own key variable when it is unset.
pub fn build_provider(llm: &LlmConfig) -> Result<Arc<dyn LlmProvider>, LlmError> {
    vtcode_llm::build_provider(provider_settings(llm)).map_err(|err| match err {
        LlmError::MissingApiKey { .. } => LlmError::MissingApiKey {
            env_var: llm.api_key_env.clone(),
        },
        other => other,
    })
}
