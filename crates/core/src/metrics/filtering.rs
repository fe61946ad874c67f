//! Measuring what tools hand a program, for the filtering metric.
//!
//! Each execution gets its own wrapper around the bridge host, so the bytes
//! counted are exactly those this program's tool calls returned, whatever
//! else runs at the same time.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;
use vtcode_sandbox::{TimeoutPause, ToolCallError, ToolHost};

/// A [`ToolHost`] that adds up the JSON size of every result it passes on.
pub struct ByteCountingHost {
    inner: Arc<dyn ToolHost>,
    bytes: AtomicU64,
}

impl ByteCountingHost {
    pub fn new(inner: Arc<dyn ToolHost>) -> Self {
        Self {
            inner,
            bytes: AtomicU64::new(0),
        }
    }

    /// Bytes of results returned so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }
}

/// The size of a value as the program receives it (JSON text).
pub fn json_len(value: &Value) -> u64 {
    match value {
        Value::String(text) => text.len() as u64,
        other => serde_json::to_string(other).map_or(0, |text| text.len() as u64),
    }
}

#[async_trait::async_trait]
impl ToolHost for ByteCountingHost {
    async fn admit(
        &self,
        server: &str,
        tool: &str,
        args: &Value,
        pause: &TimeoutPause,
    ) -> Result<(), ToolCallError> {
        self.inner.admit(server, tool, args, pause).await
    }

    async fn call_tool(
        &self,
        server: &str,
        tool: &str,
        args: Value,
    ) -> Result<Value, ToolCallError> {
        let result = self.inner.call_tool(server, tool, args).await;
        if let Ok(value) = &result {
            self.bytes.fetch_add(json_len(value), Ordering::Relaxed);
        }
        result
    }
}
