//! vtcode core: everything between the front ends and the providers.

pub mod config;
pub mod events;
pub mod store;
