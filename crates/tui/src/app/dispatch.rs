//! Slash-commands turned into backend calls.
//!
//! A command that needs core runs as a background task; its result comes
//! back to the loop as a closure that adds display lines to the transcript,
//! so a slow backend never blocks typing or drawing.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::backend::{BackendResult, HistoryRole, ServerState};
use super::commands::Command;
use super::markdown::StreamingMarkdown;
use super::state::{App, UiMsg};
use super::transcript::EntryKind;

impl App {
    /// Runs `work` in the background and applies its result here.
    fn spawn<T, W, F>(&mut self, work: W, apply: F)
    where
        T: Send + 'static,
        W: Future<Output = BackendResult<T>> + Send + 'static,
        F: FnOnce(&mut App, T) + Send + 'static,
    {
        self.pending += 1;
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let result = work.await;
            let _ = tx.send(UiMsg::Apply(Box::new(move |app: &mut App| {
                app.pending -= 1;
                match result {
                    Ok(value) => apply(app, value),
                    Err(error) => app.transcript.push(EntryKind::Error(error.message)),
                }
            })));
        });
    }

    fn info(&mut self, title: String, lines: Vec<String>) {
        self.transcript.push(EntryKind::Info { title, lines });
    }

    /// `/skills` Enter: the chosen skill's SKILL.md in the transcript.
    pub(super) fn open_skill(&mut self, name: String) {
        let backend = Arc::clone(&self.backend);
        self.spawn(
            async move { backend.skill_file(name).await },
            |app, (path, lines)| {
                app.info(path, lines);
            },
        );
    }

    pub fn run_command(&mut self, command: Command) {
        let backend = Arc::clone(&self.backend);
        match command {
            Command::Help => self.help_open = true,
            Command::Exit => self.should_quit = true,
            Command::Clear => self.transcript.clear(),
            Command::Tools(query) => {
                let title = if query.is_empty() {
                    "tools".to_string()
                } else {
                    format!("tools matching \"{query}\"")
                };
                self.spawn(
                    async move { backend.search_tools(query).await },
                    move |app, hits| {
                        let lines = if hits.is_empty() {
                            vec!["no tools found".to_string()]
                        } else {
                            hits.iter()
                                .map(|h| format!("{}.{} — {}", h.server, h.tool, h.description))
                                .collect()
                        };
                        app.info(format!("{title} ({})", hits.len()), lines);
                    },
                );
            }
            Command::Servers => {
                self.spawn(async move { backend.servers().await }, |app, servers| {
                    let lines = if servers.is_empty() {
                        vec!["no MCP servers configured ([mcp.servers] in vtcode.toml)".to_string()]
                    } else {
                        servers
                            .iter()
                            .map(|s| match &s.state {
                                ServerState::Up => format!("{}  up  {} tools", s.name, s.tools),
                                ServerState::Starting => format!("{}  starting…", s.name),
                                ServerState::Failed { reason } => {
                                    format!("{}  failed: {reason}", s.name)
                                }
                            })
                            .collect()
                    };
                    app.info("MCP servers".to_string(), lines);
                })
            }
            Command::Skills => self.spawn(async move { backend.skills().await }, |app, skills| {
                if skills.is_empty() {
                    app.info(
                        "skills".to_string(),
                        vec![
                            "no saved skills yet; the agent saves one with save_skill".to_string(),
                        ],
                    );
                } else {
                    app.skills_picker = Some(super::skills_picker::SkillsPicker::new(skills));
                }
            }),
            Command::Metrics => self.spawn(async move { backend.metrics().await }, |app, s| {
                app.metrics_panel = Some(s);
            }),
            Command::Insights => {
                self.spawn(async move { backend.insights().await }, |app, lines| {
                    app.info("insights".to_string(), lines);
                })
            }
            Command::Config => self.spawn(async move { backend.config_show().await }, |app, l| {
                app.info("configuration".to_string(), l);
            }),
            Command::Sandbox => {
                self.spawn(
                    async move { backend.sandbox_status().await },
                    |app, lines| {
                        app.info("sandbox".to_string(), lines);
                    },
                );
            }
            Command::Model(None) => {
                let model = self.status.model.clone();
                self.transcript.push(EntryKind::Notice(format!(
                    "model: {model} (switch with /model NAME)"
                )));
            }
            Command::Model(Some(name)) => {
                self.spawn(async move { backend.set_model(name).await }, notice);
            }
            Command::Mode(mode) => {
                self.spawn(async move { backend.set_tool_mode(mode).await }, notice);
            }
            Command::Approval(mode) => {
                self.spawn(async move { backend.set_approval(mode).await }, notice);
            }
            Command::Sessions => {
                self.spawn(async move { backend.sessions().await }, |app, list| {
                    let lines = if list.is_empty() {
                        vec!["no sessions yet".to_string()]
                    } else {
                        list.iter()
                            .map(|s| {
                                format!(
                                    "{}  {}  {} messages  {}",
                                    s.id, s.updated, s.messages, s.title
                                )
                            })
                            .collect()
                    };
                    app.info("sessions (/resume ID)".to_string(), lines);
                })
            }
            Command::Run { language, code } => {
                if self.refuse_while_busy(&format!("/run {language}\n{code}")) {
                    return;
                }
                let (events, receiver) = mpsc::unbounded_channel();
                let tx = self.tx.clone();
                let task = tokio::spawn(async move {
                    if let Err(error) = backend.run_code(language, code, events).await {
                        let _ = tx.send(UiMsg::Apply(Box::new(move |app: &mut App| {
                            app.transcript.push(EntryKind::Error(error.message));
                        })));
                    }
                });
                self.begin_activity("running code", receiver, None, Some(task.abort_handle()));
            }
            Command::Resume(_) | Command::New | Command::Compact if self.activity.is_some() => {
                self.transcript.push(EntryKind::Notice(
                    "wait for the running turn to finish (or Ctrl+C) first".to_string(),
                ));
            }
            Command::Resume(id) => self.spawn(async move { backend.resume(id).await }, |app, s| {
                app.transcript.clear();
                for message in s.messages {
                    let kind = match message.role {
                        HistoryRole::User => EntryKind::User(message.text),
                        HistoryRole::Assistant => {
                            EntryKind::Assistant(StreamingMarkdown::complete(&message.text))
                        }
                        HistoryRole::Tool => EntryKind::Notice(format!(
                            "tool: {}",
                            message.text.lines().next().unwrap_or("")
                        )),
                    };
                    app.transcript.push(kind);
                }
                app.transcript
                    .push(EntryKind::Notice(format!("resumed session {}", s.id)));
            }),
            Command::New => self.spawn(async move { backend.new_session().await }, |app, id| {
                app.transcript.clear();
                app.transcript
                    .push(EntryKind::Notice(format!("new session {id}")));
            }),
            Command::Compact => self.spawn(async move { backend.compact().await }, notice),
        }
    }
}

fn notice(app: &mut App, text: String) {
    app.transcript.push(EntryKind::Notice(text));
}
