//! vtcode core: everything between the front ends and the providers.

pub mod catalog;
pub mod config;
pub mod events;
pub mod runtime;
pub mod sdk;
pub mod store;
