//! The interactive terminal UI.
//!
//! [`run`] owns the terminal and a single loop that waits for a terminal
//! event, a message from the background (agent events, command results) or a
//! tick, updates [`App`], and redraws when something changed. Core is reached
//! only through [`UiBackend`].

pub mod backend;
mod cards;
pub mod commands;
mod dispatch;
mod highlight;
pub mod input;
mod markdown;
mod metrics_panel;
mod skills_picker;
mod state;
mod terminal;
mod transcript;
mod view;
mod wrap;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::EventStream;
use futures::StreamExt;

pub use backend::{
    BackendError, BackendResult, HistoryMessage, HistoryRole, ResumedSession, ServerInfo,
    ServerState, SessionInfo, SkillInfo, StatusSnapshot, ToolHit, TurnHandle, UiBackend,
};
pub use state::{Activity, App, PendingApproval, UiMsg};

/// How often the status is polled and the spinner advances.
const TICK: Duration = Duration::from_millis(100);

/// Which session `--resume` continues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeTarget {
    Latest,
    Id(String),
}

/// Startup choices from the command line.
#[derive(Debug, Clone, Default)]
pub struct UiOptions {
    /// Continue a stored session before the first prompt.
    pub resume: Option<ResumeTarget>,
}

/// Runs the UI until the user quits. The terminal is restored on return,
/// on error and on panic.
pub async fn run(backend: Arc<dyn UiBackend>, options: UiOptions) -> anyhow::Result<()> {
    let mut guard = terminal::TerminalGuard::enter()?;
    let (mut app, mut messages) = App::new(backend);
    guard.terminal.draw(|frame| app.draw(frame))?;
    // Syntax definitions load off the UI thread, after the first frame.
    tokio::task::spawn_blocking(highlight::warm_up);
    app.start(options);
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    while !app.should_quit {
        if terminal::panicked() {
            anyhow::bail!(
                "vtcode stopped after an internal error (the panic message is above); \
                 the terminal was restored"
            );
        }
        if dirty {
            guard.terminal.draw(|frame| app.draw(frame))?;
            dirty = false;
        }
        tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => {
                    app.handle_event(event);
                    dirty = true;
                }
                Some(Err(error)) => return Err(error.into()),
                None => break,
            },
            Some(message) = messages.recv() => {
                app.handle_msg(message);
                // Drain what is queued, so a burst of chunks costs one draw.
                while let Ok(message) = messages.try_recv() {
                    app.handle_msg(message);
                }
                dirty = true;
            }
            _ = tick.tick() => dirty |= app.on_tick(),
        }
    }
    drop(guard);
    Ok(())
}
