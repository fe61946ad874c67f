//! vtcode core: everything between the front ends and the providers.

pub mod events;
