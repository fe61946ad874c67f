//! HTTP transport shared by the providers: send a streaming request with
//! retries, then pump its SSE body through a provider-specific decoder.
//!
//! Two phases. `Endpoint::connect` sends the request until a 2xx arrives,
//! retrying 429, 5xx and connection failures under the [`RetryPolicy`]; any
//! other status becomes [`LlmError::Http`] carrying the API's own error
//! message. `spawn_stream` then reads the body on a task and forwards events
//! through a channel. A body that ends before the decoder saw the API's final
//! event is a cut: if nothing reached the caller yet the whole request is
//! sent again, otherwise the caller gets [`LlmError::StreamCut`], so a partial
//! reply is never mistaken for a complete one. A body-less endpoint is a
//! GET with the same headers and retries (model listing).

use std::time::{Duration, SystemTime};

use futures::StreamExt;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use crate::retry::{RetryPolicy, parse_retry_after};
use crate::sse::{SseDecoder, SseEvent};
use crate::{LlmError, LlmEvent, LlmStream};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// Longest silence tolerated inside a reply; reasoning models can think for
/// minutes before the first token.
const READ_TIMEOUT: Duration = Duration::from_secs(300);
/// Longest API error body quoted in an error message.
const MAX_ERROR_MESSAGE: usize = 500;

fn http_client() -> Result<reqwest::Client, LlmError> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(READ_TIMEOUT)
        .build()
        .map_err(|e| LlmError::InvalidSettings {
            detail: format!("HTTP client: {e}"),
        })
}

/// Turns one provider's SSE events into [`LlmEvent`]s.
pub(crate) trait Decoder: Send + 'static {
    /// Decodes one event, appending what it yields to `out`. Returns
    /// whether it was the API's final event.
    fn event(&mut self, event: &SseEvent, out: &mut Vec<LlmEvent>) -> Result<bool, LlmError>;
}

/// An accepted request: its response, and why it had to be sent again
/// before (one reason per retry, oldest first).
pub(crate) struct Connected {
    pub response: reqwest::Response,
    pub retries: Vec<String>,
}

/// One streaming request, ready to be (re)sent.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub client: reqwest::Client,
    pub url: String,
    pub headers: HeaderMap,
    /// `None` sends a GET (model listing), `Some` a POST of this JSON.
    pub body: Option<serde_json::Value>,
    pub retry: RetryPolicy,
}

impl Endpoint {
    /// A provider's endpoint, before any request body is known.
    pub fn new(url: String, headers: HeaderMap, retry: RetryPolicy) -> Result<Self, LlmError> {
        Ok(Self {
            client: http_client()?,
            url,
            headers,
            body: None,
            retry,
        })
    }

    /// This endpoint carrying `body`.
    pub fn with_body(&self, body: serde_json::Value) -> Self {
        Self {
            body: Some(body),
            ..self.clone()
        }
    }

    /// A GET of `url` with this endpoint's headers and retries.
    pub fn get(&self, url: String) -> Self {
        Self {
            url,
            body: None,
            ..self.clone()
        }
    }

    /// The model ids of a `{"data": [{"id": ...}]}` listing (OpenAI,
    /// Anthropic, Ollama, vLLM and llama.cpp all answer in this shape).
    pub async fn model_ids(&self) -> Result<Vec<String>, LlmError> {
        let listing: serde_json::Value =
            self.connect()
                .await?
                .json()
                .await
                .map_err(|e| LlmError::InvalidResponse {
                    detail: format!("the model list is not JSON: {}", describe(&e)),
                })?;
        let data = listing.get("data").and_then(|d| d.as_array());
        let data = data.ok_or_else(|| LlmError::InvalidResponse {
            detail: "the model list has no `data` array".into(),
        })?;
        Ok(data
            .iter()
            .filter_map(|m| m.get("id").and_then(|id| id.as_str()).map(str::to_string))
            .collect())
    }

    /// Sends the request until the API accepts it (2xx) or retrying stops.
    pub async fn connect(&self) -> Result<reqwest::Response, LlmError> {
        Ok(self.connect_counting().await?.response)
    }

    /// [`Self::connect`], saying why each retry was made. When retrying
    /// stops after more than one attempt, the error says how many there
    /// were ([`LlmError::RateLimited`] or [`LlmError::GaveUp`]).
    pub async fn connect_counting(&self) -> Result<Connected, LlmError> {
        let mut retries = Vec::new();
        loop {
            let (error, retry_after) = match self.send_once().await {
                Ok(response) => return Ok(Connected { response, retries }),
                Err(failure) => failure,
            };
            let failed = u32::try_from(retries.len()).unwrap_or(u32::MAX) + 1;
            match self.retry.delay(failed, retry_after) {
                Some(wait) if error.is_retryable() => {
                    tracing::warn!(url = %self.url, attempt = failed, ?wait, "retrying model request: {error}");
                    retries.push(error.to_string());
                    tokio::time::sleep(wait).await;
                }
                _ if matches!(&error, LlmError::Http { status: 429, .. }) => {
                    return Err(LlmError::RateLimited {
                        retry_after,
                        attempts: failed,
                    });
                }
                _ if failed > 1 => {
                    return Err(LlmError::GaveUp {
                        attempts: failed,
                        last: Box::new(error),
                    });
                }
                _ => return Err(error),
            }
        }
    }

    async fn send_once(&self) -> Result<reqwest::Response, (LlmError, Option<Duration>)> {
        let request = match &self.body {
            Some(body) => self.client.post(&self.url).json(body),
            None => self.client.get(&self.url),
        };
        let sent = request.headers(self.headers.clone()).send().await;
        let response = sent.map_err(|e| (self.unreachable(&e), None))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = response.text().await.unwrap_or_default();
        let message = api_error_message(&body).unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("no details")
                .to_string()
        });
        Err((
            LlmError::Http {
                status: status.as_u16(),
                message,
            },
            retry_after,
        ))
    }

    fn unreachable(&self, error: &reqwest::Error) -> LlmError {
        LlmError::Unreachable {
            url: self.url.clone(),
            detail: describe(error),
        }
    }
}

/// The innermost cause of a transport error, which names the actual
/// problem (connection refused, DNS failure, TLS) rather than the wrapper.
fn describe(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    let detail = source.to_string();
    if error.is_timeout() {
        format!("timed out ({detail})")
    } else {
        detail
    }
}

/// The human message inside an API error body: `{"error": {"message"}}`
/// (OpenAI, Anthropic, vLLM), `{"error": "..."}` (Ollama) or `{"message"}`.
fn api_error_message(body: &str) -> Option<String> {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return None;
    }
    let message = match serde_json::from_str::<serde_json::Value>(trimmed) {
        Ok(json) => {
            let error = json.get("error").unwrap_or(&json);
            error
                .get("message")
                .and_then(|m| m.as_str())
                .or_else(|| error.as_str())
                .map(str::to_string)
                .unwrap_or_else(|| trimmed.to_string())
        }
        Err(_) => trimmed.to_string(),
    };
    Some(truncate(&message, MAX_ERROR_MESSAGE))
}

/// An `f32` setting as the JSON number its decimal text reads as, so a
/// temperature of 0.7 is sent as 0.7 rather than 0.699999988079071.
pub(crate) fn json_decimal(value: f32) -> serde_json::Value {
    let decimal = value.to_string().parse::<f64>().unwrap_or(f64::from(value));
    serde_json::json!(decimal)
}

pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

/// Streams the reply of `first` (a request `endpoint` already accepted),
/// re-sending the request when the body is cut before anything was emitted.
/// Every retry, those made before `first` was accepted included, reaches
/// the caller as an [`LlmEvent::Retry`] ahead of the reply.
pub(crate) fn spawn_stream<D: Decoder>(
    endpoint: Endpoint,
    first: Connected,
    new_decoder: impl Fn() -> D + Send + 'static,
) -> LlmStream {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut retries = 0;
        let mut connected = first;
        let mut failed = 0;
        loop {
            for reason in std::mem::take(&mut connected.retries) {
                retries += 1;
                let retry = LlmEvent::Retry {
                    attempt: retries,
                    reason,
                };
                if tx.send(Ok(retry)).await.is_err() {
                    return;
                }
            }
            let mut emitted = false;
            let error = match pump(connected.response, new_decoder(), &tx, &mut emitted).await {
                Ok(()) => return,
                Err(error) => error,
            };
            failed += 1;
            let wait = endpoint.retry.delay(failed, None);
            let Some(wait) = wait.filter(|_| !emitted && error.is_retryable()) else {
                let _ = tx.send(Err(error)).await;
                return;
            };
            tracing::warn!(url = %endpoint.url, attempt = failed, "re-sending model request: {error}");
            tokio::time::sleep(wait).await;
            if tx.is_closed() {
                return;
            }
            connected = match endpoint.connect_counting().await {
                Ok(mut connected) => {
                    connected.retries.insert(0, error.to_string());
                    connected
                }
                Err(later) => {
                    retries += 1;
                    let retry = LlmEvent::Retry {
                        attempt: retries,
                        reason: error.to_string(),
                    };
                    let _ = tx.send(Ok(retry)).await;
                    let _ = tx.send(Err(later)).await;
                    return;
                }
            };
        }
    });
    Box::pin(ReceiverStream::new(rx))
}

type Sender = mpsc::Sender<Result<LlmEvent, LlmError>>;

/// Reads one response body to its final event. `Ok` also when the caller
/// dropped the stream (nobody is left to tell).
async fn pump<D: Decoder>(
    response: reqwest::Response,
    mut decoder: D,
    tx: &Sender,
    emitted: &mut bool,
) -> Result<(), LlmError> {
    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if is_json {
        // A proxy or server that ignored `"stream": true`.
        let body = response.text().await.unwrap_or_default();
        return Err(LlmError::InvalidResponse {
            detail: format!(
                "expected an event stream, got JSON: {}",
                truncate(&body, 200)
            ),
        });
    }
    let mut body = response.bytes_stream();
    let mut sse = SseDecoder::default();
    let mut events = Vec::new();
    let mut out = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| LlmError::StreamCut {
            detail: describe(&e),
        })?;
        sse.feed(&chunk, &mut events);
        for event in events.drain(..) {
            let done = decoder.event(&event, &mut out)?;
            for item in out.drain(..) {
                if tx.send(Ok(item)).await.is_err() {
                    return Ok(());
                }
                *emitted = true;
            }
            if done {
                return Ok(());
            }
        }
    }
    Err(LlmError::StreamCut {
        detail: "the connection closed before the final event".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_from_each_api_shape() {
        let openai = r#"{"error":{"message":"The model `x` does not exist","type":"invalid_request_error"}}"#;
        assert_eq!(
            api_error_message(openai).unwrap(),
            "The model `x` does not exist"
        );
        let anthropic =
            r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#;
        assert_eq!(api_error_message(anthropic).unwrap(), "model: x");
        assert_eq!(
            api_error_message(r#"{"error":"model 'x' not found"}"#).unwrap(),
            "model 'x' not found"
        );
        assert_eq!(api_error_message("Bad Gateway").unwrap(), "Bad Gateway");
        assert_eq!(api_error_message("  "), None);
    }
}
