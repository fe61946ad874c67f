//! vtcode core: everything between the front ends and the providers.

pub mod agent;
pub mod catalog;
pub mod config;
pub mod events;
pub mod exec;
pub mod runtime;
pub mod sdk;
pub mod session;
pub mod store;
