//! vtcode core: everything between the front ends and the providers.

pub mod agent;
pub mod approval;
pub mod catalog;
pub mod config;
pub mod events;
pub mod exec;
pub mod insights;
pub mod metrics;
pub mod pii;
pub mod programs;
pub mod runtime;
pub mod sdk;
pub mod session;
pub mod skills;
pub mod store;
pub mod versioning;

// The lower crates, so front ends depend on core alone.
pub use vtcode_llm as llm;
pub use vtcode_mcp as mcp;
pub use vtcode_sandbox as sandbox;
