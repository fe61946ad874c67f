//! `vtcode config show | check`.

use std::process::ExitCode;

use vtcode_core::config::LoadedConfig;

pub fn show(loaded: &LoadedConfig) -> ExitCode {
    print!("{}", loaded.render_show());
    ExitCode::SUCCESS
}

/// Loading already validated every layer; here the warnings become the
/// verdict, because a user running `check` wants to hear about them.
pub fn check(loaded: &LoadedConfig) -> ExitCode {
    let servers = loaded.config.mcp.servers.len();
    if loaded.warnings.is_empty() {
        println!(
            "config ok: project {} with {servers} MCP server(s)",
            loaded.paths.root.display()
        );
        return ExitCode::SUCCESS;
    }
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!(
        "config loaded with {} warning(s); fix them and run `vtcode config check` again",
        loaded.warnings.len()
    );
    ExitCode::FAILURE
}
