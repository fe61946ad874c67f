//! Connections to MCP servers, and the server side of `vtcode mcp serve`.
//!
//! The [`McpHub`] owns one background task per configured server. Each task
//! connects (stdio child process or streamable HTTP), lists the server's tools
//! to the end of its pagination, and then watches the connection: a
//! `tools/list_changed` notification triggers a re-list, and a connection that
//! dies is restarted with exponential backoff. Callers never wait on that
//! machinery: they read snapshots (`statuses`, `tools`), subscribe to
//! [`HubEvent`]s, and make calls that fail fast with an [`McpError`] saying
//! what to do when a server is not usable.
//!
//! The [`serve`] module is the reverse direction: vtcode's own code-mode
//! tools offered as an MCP server.
//!
//! This crate does not read configuration files; the caller turns its own
//! configuration into [`ServerSpec`]s.

mod connect;
mod error;
mod hub;
pub mod serve;
mod spec;
mod stderr;
mod supervisor;
mod types;

pub use error::{HubError, McpError};
pub use hub::McpHub;
pub use spec::{BASE_ENV, HubOptions, ServerSpec, Transport};
pub use types::{HubEvent, ServerState, ServerStatus, ToolDescriptor, ToolOutput};
