//! vtcode core: everything between the front ends and the providers.

pub mod catalog;
pub mod events;
pub mod sdk;
