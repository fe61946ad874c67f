//! The vtcode terminal front end: the command line and the interactive UI.

pub mod cli;
