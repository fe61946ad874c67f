//! The application state and what keys and events do to it.
//!
//! Everything that changes the screen arrives as a [`UiMsg`] on one channel:
//! agent events of the running activity (a turn or a `/run`), the end of an
//! activity (its event sender was dropped), and results of slash-commands,
//! which run as background tasks and come back as closures applied here.
//! The loop in `mod.rs` only feeds terminal events, messages and ticks in.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;
use vtcode_core::events::{AgentEvent, ApprovalDecider, ApprovalDecision, ApprovalKind};

use super::backend::{StatusSnapshot, UiBackend};
use super::cards::{Finished, ToolCard};
use super::commands::{self, Command};
use super::input::{InputEditor, InputOutcome};
use super::markdown::StreamingMarkdown;
use super::transcript::{EntryKind, Transcript};
use super::{ResumeTarget, UiOptions};

/// A message for the UI loop.
pub enum UiMsg {
    Agent { activity: u64, event: AgentEvent },
    ActivityEnded { activity: u64 },
    Apply(Box<dyn FnOnce(&mut App) + Send>),
}

/// A turn or a `/run` in progress.
pub struct Activity {
    pub id: u64,
    pub started: Instant,
    /// What the spinner says: `thinking`, `running execute_code`, …
    pub label: String,
    cancel: Option<CancellationToken>,
    abort: Option<AbortHandle>,
    pub cancelled: bool,
}

/// An approval waiting for the user.
#[derive(Debug, Clone)]
pub struct PendingApproval {
    pub request_id: String,
    pub kind: ApprovalKind,
    pub summary: String,
    pub body: String,
}

pub struct App {
    pub(super) backend: Arc<dyn UiBackend>,
    pub(super) tx: mpsc::UnboundedSender<UiMsg>,
    pub transcript: Transcript,
    pub input: InputEditor,
    pub status: StatusSnapshot,
    pub activity: Option<Activity>,
    next_activity: u64,
    pub approvals: VecDeque<PendingApproval>,
    /// `Some` while the user types a reason for a denial.
    pub deny_reason: Option<String>,
    pub modal_scroll: u16,
    pub help_open: bool,
    /// `Some` while the `/metrics` panel is open.
    pub metrics_panel: Option<vtcode_core::metrics::Summary>,
    /// `/skills`, while it is open.
    pub skills_picker: Option<super::skills_picker::SkillsPicker>,
    pub quit_armed: bool,
    pub should_quit: bool,
    /// Slash-commands still running in the background.
    pub(super) pending: usize,
    /// Whether text streamed since the turn began or the last tool call;
    /// if not, `TurnCompleted` carries the only copy of the answer.
    text_since_tool: bool,
    /// Tokens whose real values this turn's answer shows, for the notice
    /// that marks them as protected when the answer is complete.
    protected: Vec<String>,
}

impl App {
    /// Creates the app and the receiver the loop must feed back through
    /// [`App::handle_msg`]. Must be called inside a tokio runtime.
    pub fn new(backend: Arc<dyn UiBackend>) -> (Self, mpsc::UnboundedReceiver<UiMsg>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let status = backend.status();
        let app = Self {
            backend,
            tx,
            transcript: Transcript::default(),
            input: InputEditor::new(),
            status,
            activity: None,
            next_activity: 0,
            approvals: VecDeque::new(),
            deny_reason: None,
            modal_scroll: 0,
            help_open: false,
            metrics_panel: None,
            skills_picker: None,
            quit_armed: false,
            should_quit: false,
            pending: 0,
            text_since_tool: false,
            protected: Vec::new(),
        };
        (app, rx)
    }

    /// Acts on the startup options (resume a session).
    pub fn start(&mut self, options: UiOptions) {
        if let Some(target) = options.resume {
            let id = match target {
                ResumeTarget::Latest => None,
                ResumeTarget::Id(id) => Some(id),
            };
            self.run_command(Command::Resume(id));
        }
    }

    pub fn is_busy(&self) -> bool {
        self.activity.is_some()
    }

    /// True when nothing runs in the background (no activity, no command).
    pub fn is_idle(&self) -> bool {
        self.activity.is_none() && self.pending == 0
    }

    /// Processes messages until nothing runs in the background.
    pub async fn settle(&mut self, rx: &mut mpsc::UnboundedReceiver<UiMsg>) {
        while !self.is_idle() {
            match rx.recv().await {
                Some(msg) => self.handle_msg(msg),
                None => return,
            }
        }
    }

    /// Re-reads the status; returns whether the screen needs a redraw.
    pub fn on_tick(&mut self) -> bool {
        let status = self.backend.status();
        let changed = status != self.status;
        self.status = status;
        let notices = self.backend.take_notices();
        let noticed = !notices.is_empty();
        for notice in notices {
            self.transcript.push(EntryKind::Notice(notice));
        }
        changed || noticed || self.activity.is_some()
    }

    pub fn handle_event(&mut self, event: Event) {
        match event {
            Event::Key(key) => self.handle_key(key),
            Event::Paste(text) => match self.deny_reason.as_mut() {
                Some(reason) => reason.push_str(&text.replace(['\r', '\n'], " ")),
                None => self.input.insert_str(&text),
            },
            _ => {}
        }
    }

    pub fn handle_key(&mut self, key: KeyEvent) {
        if key.kind == KeyEventKind::Release {
            return;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && key.code == KeyCode::Char('c') {
            self.interrupt();
            return;
        }
        self.quit_armed = false;
        if !self.approvals.is_empty() {
            self.approval_key(key);
            return;
        }
        if self.help_open || self.metrics_panel.is_some() {
            // Esc only closes; anything else closes and does what it does
            // without the overlay, so typing goes to the input.
            self.help_open = false;
            self.metrics_panel = None;
            if key.code == KeyCode::Esc {
                return;
            }
        }
        if let Some(picker) = self.skills_picker.as_mut() {
            use super::skills_picker::PickerOutcome;
            match picker.key(key) {
                PickerOutcome::Stay => return,
                PickerOutcome::Close => {
                    self.skills_picker = None;
                    return;
                }
                PickerOutcome::Open(name) => {
                    self.skills_picker = None;
                    self.open_skill(name);
                    return;
                }
                // Typing closes the list and goes to the input, as with /help.
                PickerOutcome::PassThrough => self.skills_picker = None,
            }
        }
        match key.code {
            KeyCode::PageUp => self.transcript.scroll += 10,
            KeyCode::PageDown => {
                self.transcript.scroll = self.transcript.scroll.saturating_sub(10);
            }
            KeyCode::Char('o') if ctrl => {
                self.transcript.expand_cards = !self.transcript.expand_cards;
            }
            _ => match self.input.handle_key(key) {
                InputOutcome::Submit(text) => {
                    self.transcript.scroll = 0;
                    self.submit(text);
                }
                InputOutcome::Tab => {
                    if let Some(completed) = commands::complete(&self.input.text()) {
                        self.input.set_text(&completed);
                    }
                }
                InputOutcome::Edited | InputOutcome::NotHandled => {}
            },
        }
    }

    /// Ctrl+C: cancel what runs (the turn and the session's programs), else
    /// clear the input; twice in a row quits.
    fn interrupt(&mut self) {
        if self.quit_armed {
            self.should_quit = true;
            return;
        }
        self.quit_armed = true;
        if self.status.programs_running > 0 {
            let stopped = self.backend.cancel_programs();
            self.status.programs_running = 0;
            if stopped > 0 {
                let noun = if stopped == 1 { "program" } else { "programs" };
                self.transcript.push(EntryKind::Notice(format!(
                    "stopped {stopped} running {noun}"
                )));
            }
        }
        if let Some(activity) = self.activity.as_mut() {
            if let Some(token) = &activity.cancel {
                token.cancel();
            }
            if let Some(abort) = &activity.abort {
                abort.abort();
            }
            activity.cancelled = true;
            activity.label = "cancelling".to_string();
            self.approvals.clear();
            self.deny_reason = None;
        } else if !self.input.is_empty() {
            self.input.clear();
        }
    }

    fn approval_key(&mut self, key: KeyEvent) {
        if let Some(reason) = self.deny_reason.as_mut() {
            match key.code {
                KeyCode::Enter => {
                    let reason = std::mem::take(reason).trim().to_string();
                    self.answer(ApprovalDecision::Deny {
                        reason: (!reason.is_empty()).then_some(reason),
                    });
                }
                KeyCode::Esc => self.answer(ApprovalDecision::Deny { reason: None }),
                KeyCode::Backspace => {
                    reason.pop();
                }
                KeyCode::Char(c) => reason.push(c),
                _ => {}
            }
            return;
        }
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => self.answer(ApprovalDecision::Once),
            KeyCode::Char('a') | KeyCode::Char('A') => self.answer(ApprovalDecision::Always),
            KeyCode::Char('n') | KeyCode::Char('N') => self.deny_reason = Some(String::new()),
            KeyCode::Esc => self.answer(ApprovalDecision::Deny { reason: None }),
            KeyCode::Down => self.modal_scroll = self.modal_scroll.saturating_add(1),
            KeyCode::Up => self.modal_scroll = self.modal_scroll.saturating_sub(1),
            KeyCode::PageDown => self.modal_scroll = self.modal_scroll.saturating_add(10),
            KeyCode::PageUp => self.modal_scroll = self.modal_scroll.saturating_sub(10),
            _ => {}
        }
    }

    fn answer(&mut self, decision: ApprovalDecision) {
        let Some(request) = self.approvals.pop_front() else {
            return;
        };
        self.deny_reason = None;
        self.modal_scroll = 0;
        let notice = match &decision {
            ApprovalDecision::Once => format!("approved once: {}", request.summary),
            ApprovalDecision::Always => {
                format!("approved for this session: {}", request.summary)
            }
            ApprovalDecision::Deny { reason: None } => format!("denied: {}", request.summary),
            ApprovalDecision::Deny {
                reason: Some(reason),
            } => format!("denied: {} ({reason})", request.summary),
        };
        self.backend.answer_approval(&request.request_id, decision);
        self.transcript.push(EntryKind::Notice(notice));
    }

    /// Enter in the input: a slash-command, or a prompt for the agent.
    pub fn submit(&mut self, text: String) {
        match commands::parse(&text) {
            Some(Ok(command)) => self.run_command(command),
            Some(Err(error)) => self.transcript.push(EntryKind::Error(error.to_string())),
            None => {
                if self.refuse_while_busy(&text) {
                    return;
                }
                self.transcript.push(EntryKind::User(text.clone()));
                let (events, receiver) = mpsc::unbounded_channel();
                let handle = self.backend.start_turn(text, events);
                self.begin_activity("thinking", receiver, Some(handle.cancel), None);
            }
        }
    }

    /// While a turn runs, a new prompt goes back into the input, not lost.
    pub(super) fn refuse_while_busy(&mut self, text: &str) -> bool {
        if self.activity.is_none() {
            return false;
        }
        self.input.set_text(text);
        self.transcript.push(EntryKind::Notice(
            "still working: wait for the answer, or press Ctrl+C to cancel".to_string(),
        ));
        true
    }

    pub(super) fn begin_activity(
        &mut self,
        label: &str,
        mut events: mpsc::UnboundedReceiver<AgentEvent>,
        cancel: Option<CancellationToken>,
        abort: Option<AbortHandle>,
    ) {
        self.next_activity += 1;
        let id = self.next_activity;
        let tx = self.tx.clone();
        tokio::spawn(async move {
            while let Some(event) = events.recv().await {
                if tx
                    .send(UiMsg::Agent {
                        activity: id,
                        event,
                    })
                    .is_err()
                {
                    return;
                }
            }
            let _ = tx.send(UiMsg::ActivityEnded { activity: id });
        });
        self.activity = Some(Activity {
            id,
            started: Instant::now(),
            label: label.to_string(),
            cancel,
            abort,
            cancelled: false,
        });
        self.text_since_tool = false;
    }

    pub fn handle_msg(&mut self, msg: UiMsg) {
        match msg {
            UiMsg::Agent { activity, event } => {
                if self.activity.as_ref().is_some_and(|a| a.id == activity) {
                    self.agent_event(event);
                }
            }
            UiMsg::ActivityEnded { activity } => {
                if self.activity.as_ref().is_some_and(|a| a.id == activity) {
                    self.transcript.finish_text();
                    if self.activity.take().is_some_and(|a| a.cancelled) {
                        self.transcript
                            .push(EntryKind::Notice("cancelled".to_string()));
                    }
                    self.approvals.clear();
                    self.deny_reason = None;
                }
            }
            UiMsg::Apply(apply) => apply(self),
        }
    }

    fn set_label(&mut self, label: String) {
        if let Some(activity) = self.activity.as_mut().filter(|a| !a.cancelled) {
            activity.label = label;
        }
    }

    /// Renders one agent event into the transcript.
    pub fn agent_event(&mut self, event: AgentEvent) {
        match event {
            AgentEvent::TurnStarted { .. } => {
                self.text_since_tool = false;
                self.set_label("thinking".to_string());
            }
            AgentEvent::TextDelta { text } => {
                self.text_since_tool = true;
                self.transcript.push_text(&text);
            }
            AgentEvent::ToolCallStarted {
                call_id,
                name,
                arguments,
            } => {
                self.transcript.finish_text();
                self.text_since_tool = false;
                self.set_label(format!("running {name}"));
                self.transcript
                    .push(EntryKind::Tool(ToolCard::new(call_id, name, arguments)));
            }
            AgentEvent::CodeOutput {
                call_id,
                stream,
                line,
            } => {
                if let Some(entry) = self.transcript.card_mut(&call_id) {
                    if let EntryKind::Tool(card) = &mut entry.kind {
                        card.push_output(stream, line);
                    }
                    entry.invalidate();
                }
            }
            AgentEvent::ToolCallFinished {
                call_id,
                name,
                output,
                is_error,
                duration_ms,
                details,
            } => {
                self.set_label("thinking".to_string());
                let finished = Finished {
                    output,
                    is_error,
                    duration_ms,
                    details,
                };
                if self.transcript.card_mut(&call_id).is_none() {
                    self.transcript.push(EntryKind::Tool(ToolCard::new(
                        call_id.clone(),
                        name,
                        serde_json::Value::Null,
                    )));
                }
                if let Some(entry) = self.transcript.card_mut(&call_id) {
                    if let EntryKind::Tool(card) = &mut entry.kind {
                        card.finished = Some(finished);
                    }
                    entry.invalidate();
                }
            }
            AgentEvent::ApprovalRequested {
                request_id,
                kind,
                summary,
                body,
            } => {
                self.transcript.finish_text();
                self.approvals.push_back(PendingApproval {
                    request_id,
                    kind,
                    summary,
                    body,
                });
            }
            // The text events already carry the real values.
            AgentEvent::ProtectedValues { values } => {
                for value in values {
                    if !self.protected.contains(&value.token) {
                        self.protected.push(value.token);
                    }
                }
            }
            AgentEvent::ApprovalResolved {
                request_id,
                subject,
                decided_by,
                reason,
                ..
            } => {
                // Settled elsewhere (a cancelled turn): the modal goes away.
                self.approvals.retain(|a| a.request_id != request_id);
                if decided_by == ApprovalDecider::Config {
                    self.transcript.push(EntryKind::Notice(format!(
                        "{subject} was not called: {}",
                        reason.unwrap_or_default()
                    )));
                }
            }
            AgentEvent::Usage { .. } => self.status = self.backend.status(),
            // The tool card shows the report; the status bar counts what runs.
            AgentEvent::ProgramYielded { .. }
            | AgentEvent::ProgramWaited { .. }
            | AgentEvent::ProgramEnded { .. } => self.status = self.backend.status(),
            AgentEvent::Compacted {
                tokens_before,
                tokens_after,
            } => self.transcript.push(EntryKind::Notice(format!(
                "context compacted: {tokens_before} → {tokens_after} tokens"
            ))),
            AgentEvent::TurnCompleted { final_text } => {
                self.transcript.finish_text();
                if !self.text_since_tool && !final_text.trim().is_empty() {
                    self.transcript
                        .push(EntryKind::Assistant(StreamingMarkdown::complete(
                            &final_text,
                        )));
                }
                if !self.protected.is_empty() {
                    let tokens = std::mem::take(&mut self.protected).join(", ");
                    self.transcript.push(EntryKind::Notice(format!(
                        "protected: this answer shows your data where the model only saw {tokens}"
                    )));
                }
            }
            AgentEvent::Error { message } => {
                self.transcript.finish_text();
                self.transcript.push(EntryKind::Error(message));
            }
        }
    }
}
