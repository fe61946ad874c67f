//! vtcode's terminal front end: the interactive UI and the command line.

pub mod app;
