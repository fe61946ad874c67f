//! Slash-commands: the table, parsing, completion and "did you mean".
//!
//! The table is the single source for `/help`, for Tab completion and for
//! the closest-match suggestion, so the three never disagree.

/// One entry of the command table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    pub args: &'static str,
    pub help: &'static str,
}

pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "help",
        args: "",
        help: "list commands and keys",
    },
    CommandSpec {
        name: "tools",
        args: "[QUERY]",
        help: "search the tool catalog",
    },
    CommandSpec {
        name: "servers",
        args: "",
        help: "MCP servers and why one failed",
    },
    CommandSpec {
        name: "skills",
        args: "",
        help: "saved skills and their state; Enter opens one",
    },
    CommandSpec {
        name: "metrics",
        args: "",
        help: "charts of latency, tokens, reduction, top tools",
    },
    CommandSpec {
        name: "insights",
        args: "",
        help: "what worked, what keeps failing, what to save",
    },
    CommandSpec {
        name: "config",
        args: "",
        help: "the effective configuration",
    },
    CommandSpec {
        name: "model",
        args: "[NAME]",
        help: "show or switch the model",
    },
    CommandSpec {
        name: "mode",
        args: "code|direct",
        help: "code mode or direct tool calls",
    },
    CommandSpec {
        name: "approval",
        args: "auto|ask-writes|ask-all",
        help: "when to ask before acting",
    },
    CommandSpec {
        name: "sandbox",
        args: "",
        help: "sandbox backend and warm pool",
    },
    CommandSpec {
        name: "run",
        args: "python|javascript",
        help: "run the following lines in the sandbox",
    },
    CommandSpec {
        name: "sessions",
        args: "",
        help: "recent sessions",
    },
    CommandSpec {
        name: "resume",
        args: "[ID]",
        help: "continue a session (latest by default)",
    },
    CommandSpec {
        name: "new",
        args: "",
        help: "start a new session",
    },
    CommandSpec {
        name: "clear",
        args: "",
        help: "clear the screen (the session continues)",
    },
    CommandSpec {
        name: "compact",
        args: "",
        help: "summarise older turns now",
    },
    CommandSpec {
        name: "exit",
        args: "",
        help: "quit",
    },
];

/// A parsed slash-command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Tools(String),
    Servers,
    Skills,
    Metrics,
    Insights,
    Config,
    Model(Option<String>),
    Mode(String),
    Approval(String),
    Sandbox,
    Run { language: String, code: String },
    Sessions,
    Resume(Option<String>),
    New,
    Clear,
    Compact,
    Exit,
}

/// Why a line starting with `/` is not a command; the text is shown as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("unknown command /{name}{}", suggestion.map(|s| format!(" — did you mean /{s}?")).unwrap_or_else(|| " — type /help for the list".to_string()))]
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
    #[error("usage: /{name} {args}")]
    Usage {
        name: &'static str,
        args: &'static str,
    },
}

/// Parses `input` if it is a slash-command; `None` means "send to the model".
pub fn parse(input: &str) -> Option<Result<Command, ParseError>> {
    let body = input.trim_start().strip_prefix('/')?;
    let (first_line, rest) = body.split_once('\n').unwrap_or((body, ""));
    let mut words = first_line.split_whitespace();
    let name = words.next().unwrap_or("");
    if name.contains(['/', '.']) {
        // `/usr/bin/env …` or `/etc/hosts?` is a message about a path.
        return None;
    }
    let arg = words.collect::<Vec<_>>().join(" ");
    let opt_arg = (!arg.is_empty()).then(|| arg.clone());
    let command = match name {
        "help" | "?" => Command::Help,
        "tools" => Command::Tools(arg),
        "servers" => Command::Servers,
        "skills" => Command::Skills,
        "metrics" => Command::Metrics,
        "insights" => Command::Insights,
        "config" => Command::Config,
        "model" => Command::Model(opt_arg),
        "mode" => match arg.as_str() {
            "code" | "direct" => Command::Mode(arg),
            _ => return Some(Err(usage("mode"))),
        },
        "approval" => match arg.as_str() {
            "auto" | "ask-writes" | "ask-all" => Command::Approval(arg),
            _ => return Some(Err(usage("approval"))),
        },
        "sandbox" => Command::Sandbox,
        "run" => {
            let language = match arg.as_str() {
                "python" | "py" => "python",
                "javascript" | "js" => "javascript",
                _ => return Some(Err(usage("run"))),
            };
            if rest.trim().is_empty() {
                return Some(Err(usage("run")));
            }
            Command::Run {
                language: language.to_string(),
                code: rest.to_string(),
            }
        }
        "sessions" => Command::Sessions,
        "resume" => Command::Resume(opt_arg),
        "new" => Command::New,
        "clear" => Command::Clear,
        "compact" => Command::Compact,
        "exit" | "quit" => Command::Exit,
        other => {
            return Some(Err(ParseError::Unknown {
                name: other.to_string(),
                suggestion: closest(other),
            }));
        }
    };
    Some(Ok(command))
}

fn usage(name: &'static str) -> ParseError {
    let args = COMMANDS
        .iter()
        .find(|c| c.name == name)
        .map(|c| c.args)
        .unwrap_or("");
    let args = if name == "run" {
        "python|javascript, then the code on the next lines (Shift+Enter for a newline)"
    } else {
        args
    };
    ParseError::Usage { name, args }
}

/// The command whose name is closest to `name`, if any is reasonably close.
pub fn closest(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return None;
    }
    COMMANDS
        .iter()
        .map(|c| (strsim::damerau_levenshtein(name, c.name), c.name))
        .filter(|(distance, candidate)| *distance <= 2.max(candidate.len() / 3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
        .or_else(|| {
            COMMANDS
                .iter()
                .find(|c| c.name.starts_with(name))
                .map(|c| c.name)
        })
}

/// Commands whose name starts with what follows the `/` in `input`, while
/// the user is still typing the name (no space yet).
pub fn completions(input: &str) -> Vec<&'static CommandSpec> {
    let Some(prefix) = input.strip_prefix('/') else {
        return Vec::new();
    };
    if prefix.contains(char::is_whitespace) {
        return Vec::new();
    }
    COMMANDS
        .iter()
        .filter(|c| c.name.starts_with(prefix))
        .collect()
}

/// What Tab turns `input` into: the single match plus a space, or the
/// longest common prefix of several matches.
pub fn complete(input: &str) -> Option<String> {
    let matches = completions(input);
    match matches.as_slice() {
        [] => None,
        [only] => Some(format!("/{} ", only.name)),
        [first, rest @ ..] => {
            let common = rest.iter().fold(first.name.len(), |len, spec| {
                first
                    .name
                    .bytes()
                    .zip(spec.name.bytes())
                    .take(len)
                    .take_while(|(a, b)| a == b)
                    .count()
            });
            let completed = format!("/{}", &first.name[..common]);
            (completed.len() > input.len()).then_some(completed)
        }
    }
}
