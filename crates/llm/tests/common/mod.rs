//! Shared by the provider tests: a provider pointed at a scripted server,
//! and draining a stream with a timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::Value;
use vtcode_llm::testing::ScriptedServer;
use vtcode_llm::{
    ChatRequest, LlmError, LlmEvent, LlmProvider, Message, ProviderKind, ProviderSettings,
    RetryPolicy, ToolCall, build_provider,
};

pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Retries fast enough for tests; `Retry-After` is still honoured in full.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        max_retry_after: Duration::from_secs(10),
    }
}

pub fn start(script: Value) -> ScriptedServer {
    ScriptedServer::start(&script).expect("start the scripted LLM server")
}

pub fn settings(kind: ProviderKind, server: &ScriptedServer) -> ProviderSettings {
    let base_url = match kind {
        ProviderKind::OpenAi => server.openai_base_url(),
        ProviderKind::Anthropic => server.anthropic_base_url(),
    };
    ProviderSettings {
        provider: kind,
        model: "scripted-model".into(),
        base_url: Some(base_url),
        api_key: Some("sk-test-secret-0123456789".into()),
        max_tokens: Some(256),
        temperature: None,
        retry: fast_retry(),
    }
}

pub fn provider(kind: ProviderKind, server: &ScriptedServer) -> Arc<dyn LlmProvider> {
    build_provider(settings(kind, server)).expect("build provider")
}

pub fn ask(text: &str) -> ChatRequest {
    ChatRequest {
        system: "You are terse.".into(),
        messages: vec![Message::User {
            content: text.into(),
        }],
        ..Default::default()
    }
}

/// Every event until the stream ends, and the error that ended it, if any.
pub async fn run(
    provider: &dyn LlmProvider,
    request: ChatRequest,
) -> Result<(Vec<LlmEvent>, Option<LlmError>), LlmError> {
    tokio::time::timeout(TIMEOUT, async {
        let mut stream = provider.stream(request).await?;
        let mut events = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(event) => events.push(event),
                Err(error) => return Ok((events, Some(error))),
            }
        }
        Ok((events, None))
    })
    .await
    .expect("the provider stream did not finish in time")
}

pub fn text_deltas(events: &[LlmEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            LlmEvent::TextDelta { text } => Some(text.clone()),
            _ => None,
        })
        .collect()
}

pub fn text_of(events: &[LlmEvent]) -> String {
    text_deltas(events).concat()
}

pub fn tool_calls(events: &[LlmEvent]) -> Vec<ToolCall> {
    events
        .iter()
        .filter_map(|e| match e {
            LlmEvent::ToolCall { call } => Some(call.clone()),
            _ => None,
        })
        .collect()
}

pub fn model_requests(server: &ScriptedServer) -> Vec<Value> {
    server
        .requests()
        .unwrap()
        .into_iter()
        .filter(|r| r["method"] == "POST")
        .collect()
}
