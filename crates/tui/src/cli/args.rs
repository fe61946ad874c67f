//! The `vtcode` command line.
//!
//! Every subcommand is a thin call into `vtcode-core`; this module only
//! describes the flags. Flags that change configuration (`--model`,
//! `--tool-mode`, `--approval`, `-c key=value`) become the highest config
//! layer, so `vtcode config show` reports them as coming from the CLI.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "vtcode",
    version,
    about = "A terminal coding agent that finds MCP tools on demand and calls them from sandboxed code",
    long_about = "A terminal coding agent that finds MCP tools on demand and calls them from \
sandboxed code.\n\nWith no subcommand, vtcode opens the interactive UI in the current project. \
Configuration comes from built-in defaults, ~/.config/vtcode/vtcode.toml, ./vtcode.toml and \
./.mcp.json, VTCODE_* environment variables, and these flags, in that order.",
    after_help = "Examples:\n  vtcode                                  open the UI\n  \
vtcode exec \"summarise failing tests\"   one-shot answer on stdout\n  \
vtcode tools search \"convert a time between timezones\"\n  \
vtcode run --code 'from servers.time import get_current_time; print(get_current_time(timezone=\"UTC\"))'\n  \
vtcode doctor                           check config, LLM key, Docker, MCP servers"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    /// Resume a session in the UI: the latest one, or the one with this ID.
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Run as if started in this directory (the project is found from here).
    #[arg(long, global = true, value_name = "DIR")]
    pub cwd: Option<PathBuf>,

    /// Override a config value, e.g. `-c sandbox.pool_size=4` (repeatable).
    #[arg(short = 'c', long = "config", global = true, value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,

    /// Model to use (overrides llm.model).
    #[arg(long, global = true)]
    pub model: Option<String>,

    /// `code` (tools through search_tools + execute_code) or `direct` (every MCP tool given to the model).
    #[arg(long, global = true, value_name = "MODE")]
    pub tool_mode: Option<String>,

    /// `auto`, `ask-writes` or `ask-all` (overrides agent.approval).
    #[arg(long, global = true, value_name = "MODE")]
    pub approval: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run one prompt to completion with no UI: progress on stderr, the answer on stdout.
    Exec(ExecArgs),
    /// Run a Python or JavaScript program in the sandbox with the SDK of every configured server and the saved skills (no LLM).
    ///
    /// The program imports `servers.<server>` and `skills.<name>`, and may keep a function it defines as a skill with `call_tool("vtcode", "save_skill", {"name", "description", "code"})` (from `_vtcode`).
    Run(RunArgs),
    /// List, search and inspect the tools of the configured MCP servers, and their history.
    #[command(subcommand)]
    Tools(ToolsCommand),
    /// Generate the Python or JavaScript SDK of the configured servers.
    #[command(subcommand)]
    Sdk(SdkCommand),
    /// Show the state of each configured MCP server.
    Servers(ServersArgs),
    /// List saved sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Saved skills (Agent Skills folders): list, show, search, remove, import, check.
    #[command(subcommand)]
    Skills(SkillsCommand),
    /// Show or validate the effective configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Inspect and manage the code sandbox.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Serve code mode itself (search_tools, execute_code) as an MCP server.
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Check config, LLM key, sandbox and MCP servers, and say what to fix.
    Doctor,
}

#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Speak MCP on stdin/stdout, offering search_tools and execute_code over this project's servers.
    Serve,
}

#[derive(Debug, Args)]
pub struct ExecArgs {
    /// The prompt; `-` reads it from standard input.
    pub prompt: String,
    /// Print one JSON object per event instead of text.
    #[arg(long)]
    pub json: bool,
    /// Stop after this many model turns.
    #[arg(long, value_name = "N")]
    pub max_turns: Option<u32>,
    /// Continue a session: the latest one, or the one with this ID.
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Python,
    #[value(alias = "js")]
    Javascript,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("source").required(true).args(["file", "code"]))]
pub struct RunArgs {
    /// The program to run (its language is taken from the extension unless --lang is given).
    pub file: Option<PathBuf>,
    /// The program text.
    #[arg(long)]
    pub code: Option<String>,
    /// Language of the program (default: from the file extension, else python).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Print the whole execution result as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DetailArg {
    Name,
    Description,
    Full,
}

#[derive(Debug, Subcommand)]
pub enum ToolsCommand {
    /// List every tool, grouped by server.
    List {
        /// Only this server's tools.
        #[arg(long)]
        server: Option<String>,
        #[arg(long)]
        json: bool,
        /// Read the catalog from this JSON file instead of the live servers.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
    },
    /// Rank tools for a query, as the model's search_tools does.
    Search {
        query: String,
        #[arg(long, value_enum, default_value = "description")]
        detail: DetailArg,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Read the catalog from this JSON file instead of the live servers.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
    },
    /// Show one tool in full: SERVER.TOOL.
    Show {
        #[arg(value_name = "SERVER.TOOL")]
        tool: String,
        #[arg(long)]
        json: bool,
        /// Read the catalog from this JSON file instead of the live servers.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
    },
    /// Every recorded version of one tool: when seen, server version, class and what changed.
    #[command(
        long_about = "Every recorded version of one tool, oldest first: when it was first and last \
seen, the server's version, and how it changed from the version before.\n\n\
vtcode records a server's tools whenever it starts the server (any command that uses tools, \
and the UI), and while it runs, so a tool changed under a running session is recorded too. \
This command only reads that record; it starts no server.\n\n\
Classes, from harmless to breaking:\n  \
compatible: reworded description, new optional parameter, new output field\n  \
warning: marked deprecated, a parameter's description or default changed, safety hints changed\n  \
migration needed: optional parameter or enum value removed, type narrowed\n  \
incompatible: new required parameter, parameter removed or renamed, type changed, tool removed",
        after_help = "Examples:\n  vtcode tools history time.convert_time\n  vtcode tools history convert_time --json"
    )]
    History {
        /// The tool: SERVER.TOOL, or a tool name only one server has.
        #[arg(value_name = "SERVER.TOOL")]
        tool: String,
        /// Print the history as JSON, each version with its full definition.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SdkCommand {
    /// Write the SDK packages (servers/<server>/) into DIR.
    Generate {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Only this language (default: both).
        #[arg(long, value_enum)]
        lang: Option<LangArg>,
        /// Read the catalog from this JSON file instead of the live servers.
        #[arg(long, value_name = "FILE")]
        catalog: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ServersArgs {
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions, newest first.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the effective configuration and where each value came from.
    Show,
    /// Validate the configuration files; exit non-zero with the problems found.
    Check,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Which backend would run code, the image, and the warm pool.
    Status,
    /// Start the warm pool and wait until it is full.
    Warm,
    /// Build the sandbox image from Debian packages (no registry needed); skipped when up to date.
    BuildImage,
    /// Remove every vtcode sandbox container.
    Prune,
}

#[derive(Debug, Subcommand)]
pub enum SkillsCommand {
    /// Every skill from every root, and the folders that could not be read (file:line: why).
    List {
        #[arg(long)]
        json: bool,
    },
    /// Print a skill's SKILL.md and list its files.
    Show {
        name: String,
        /// An earlier version kept when the skill was saved again.
        #[arg(long, value_name = "N")]
        version: Option<u32>,
    },
    /// Rank skills for a query by name, tags and description.
    Search {
        query: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Delete a skill's folder (and its kept versions); asks first.
    Rm {
        name: String,
        /// Do not ask.
        #[arg(long)]
        yes: bool,
    },
    /// Validate a skill folder and copy it into the project's skills.
    Import {
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// Compare each skill's recorded tool schemas with the live servers: compatible, warning, migration needed or incompatible, why, and the fix. Exits 1 when a skill needs migrating or is incompatible.
    Check {
        #[arg(long)]
        json: bool,
    },
}
