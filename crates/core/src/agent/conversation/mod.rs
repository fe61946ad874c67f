//! [`AgentSession`]: the turn loop over one conversation.
//!
//! Every change to the conversation goes through `record`, which appends to
//! the in-memory transcript, updates the message list the model sees, and
//! commits the entry to the session store before anything else happens. A
//! failure (provider error, cancellation, turn limit) is recorded too and
//! leaves the message list well-formed, so the next turn just continues.

use std::path::PathBuf;

use futures::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;
use vtcode_llm::{ChatRequest, LlmError, LlmEvent, Message, ToolCall, ToolSpec, Usage};

use super::approvals::Remembered;
use super::pii_guard::{self, PiiGuard, SharedGuard};
use super::tools;
use super::{
    AgentDeps, AgentError, ApprovalMode, ToolMode, TurnControl, compaction, prompt, tokens,
};
use crate::approval::Grants;
use crate::events::AgentEvent;
use crate::session::{SessionError, TranscriptEntry, dangling_calls, replay, summary_message};

/// Whether a session starts fresh or continues a stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionMode {
    New,
    Resume(String),
    /// The most recently active stored session.
    ResumeLatest,
}

/// Why a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    /// The model answered without calling tools.
    Completed,
    /// `max_turns` model calls were made; the answer may be incomplete.
    MaxTurns,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TurnOutcome {
    /// The model's last text (the answer when `stop` is `Completed`).
    pub final_text: String,
    pub stop: StopReason,
    pub model_calls: u32,
    /// Prompt tokens as the provider reported them (0 if it did not).
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    /// Prompt tokens counted locally over every request sent this turn:
    /// system prompt, tool specs and messages. Comparable across modes.
    pub context_tokens: u64,
}

/// Token counts around one compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompactionReport {
    pub tokens_before: u64,
    pub tokens_after: u64,
}

mod metrics;
mod tool_calls;

pub struct AgentSession {
    deps: AgentDeps,
    id: String,
    created: bool,
    cwd: PathBuf,
    system: String,
    messages: Vec<Message>,
    message_tokens: Vec<u64>,
    transcript: Vec<TranscriptEntry>,
    remembered: Remembered,
    /// "Always" answers for MCP tools, shared with the session's programs.
    grants: Grants,
    turns: u32,
    session_tokens: u64,
    turn_metrics: crate::metrics::TurnTracker,
    pii: Option<SharedGuard>,
}

/// One streamed model reply.
#[derive(Default)]
struct Reply {
    text: String,
    tool_calls: Vec<ToolCall>,
    usage: Option<Usage>,
    cancelled: bool,
}

impl AgentSession {
    pub fn new(deps: AgentDeps, mode: SessionMode) -> Result<Self, AgentError> {
        let cwd = std::env::current_dir().unwrap_or_else(|_| deps.workspace_root.clone());
        let (id, created, transcript) = match mode {
            SessionMode::New => (uuid::Uuid::new_v4().to_string(), false, Vec::new()),
            SessionMode::Resume(id) => {
                let store = deps
                    .sessions
                    .as_ref()
                    .ok_or_else(|| SessionError::NotFound(id.clone()))?;
                let entries = store.load(&id)?;
                (id, true, entries)
            }
            SessionMode::ResumeLatest => {
                let store = deps.sessions.as_ref().ok_or(SessionError::NoneToResume)?;
                let id = store.latest()?;
                let entries = store.load(&id)?;
                (id, true, entries)
            }
        };
        let pii = match &deps.pii {
            Some(setup) => Some(PiiGuard::open(setup, &id, deps.metrics.clone())?.shared()),
            None => None,
        };
        let messages = replay(&transcript);
        let message_tokens = messages
            .iter()
            .map(|m| tokens::message_tokens(&deps.model, m))
            .collect();
        let turns = transcript
            .iter()
            .filter(|e| matches!(e, TranscriptEntry::User { .. }))
            .count() as u32;
        let system = String::new();
        let mut session = Self {
            deps,
            id,
            created,
            cwd,
            system,
            messages,
            message_tokens,
            transcript,
            remembered: Remembered::default(),
            grants: Grants::default(),
            turns,
            session_tokens: 0,
            turn_metrics: crate::metrics::TurnTracker::default(),
            pii,
        };
        session.rebuild_system_prompt();
        Ok(session)
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Everything that happened in this session, oldest first.
    pub fn transcript(&self) -> &[TranscriptEntry] {
        &self.transcript
    }

    /// The messages the model will see next (after compaction).
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    pub fn system_prompt(&self) -> &str {
        &self.system
    }

    /// The session's running programs (for a status line, or to cancel).
    pub fn programs(&self) -> &crate::programs::Programs {
        &self.deps.programs
    }

    pub fn model(&self) -> &str {
        &self.deps.model
    }

    pub fn tool_mode(&self) -> ToolMode {
        self.deps.tool_mode
    }

    pub fn approval(&self) -> ApprovalMode {
        self.deps.approval
    }

    pub fn set_model(&mut self, model: impl Into<String>, context_window: u64) {
        self.deps.model = model.into();
        self.deps.context_window = context_window;
    }

    pub fn set_tool_mode(&mut self, mode: ToolMode) {
        self.deps.tool_mode = mode;
        self.rebuild_system_prompt();
    }

    /// Changing the policy also forgets earlier "always" answers.
    pub fn set_approval(&mut self, mode: ApprovalMode) {
        self.deps.approval = mode;
        self.remembered.clear();
        self.grants.clear();
    }

    fn rebuild_system_prompt(&mut self) {
        self.system = prompt::system_prompt(
            self.deps.tool_mode,
            &self.deps.workspace_root,
            &self.cwd,
            self.deps.skills_summary.as_deref(),
            self.deps.lessons.as_deref(),
        );
    }

    /// Appends `entry` to the transcript and the message list, and commits
    /// it to the store.
    fn record(&mut self, entry: TranscriptEntry) -> Result<(), AgentError> {
        if let Some(store) = &self.deps.sessions {
            if !self.created {
                store.create(&self.id, &self.deps.model, self.deps.tool_mode.as_str())?;
                self.created = true;
            }
            store.append(&self.id, &entry)?;
        }
        if let Some(message) = entry.message() {
            self.message_tokens
                .push(tokens::message_tokens(&self.deps.model, &message));
            self.messages.push(message);
        }
        self.transcript.push(entry);
        Ok(())
    }

    /// Tokens the next request would carry (system prompt, tool specs,
    /// messages), for a "context used" display.
    pub fn context_used(&self) -> u64 {
        let tools = tools::specs(&self.deps, self.deps.tool_mode);
        self.context_tokens(tokens::tools_tokens(&self.deps.model, &tools))
    }

    fn context_tokens(&self, tools_tokens: u64) -> u64 {
        tokens::base_tokens(&self.deps.model)
            + tokens::system_tokens(&self.deps.model, &self.system)
            + tools_tokens
            + self.message_tokens.iter().sum::<u64>()
    }

    /// Runs one user turn to completion: model calls and tool calls until
    /// the model answers, the turn limit is hit, or `control.cancel` fires.
    /// Failures are emitted as `AgentEvent::Error` and recorded before they
    /// are returned; the session stays usable.
    pub async fn run_turn(
        &mut self,
        input: String,
        events: UnboundedSender<AgentEvent>,
        control: TurnControl,
    ) -> Result<TurnOutcome, AgentError> {
        self.turns += 1;
        let _ = events.send(AgentEvent::TurnStarted {
            session_id: self.id.clone(),
            turn: self.turns,
        });
        self.record(TranscriptEntry::User { content: input })?;
        let mut outcome = TurnOutcome {
            final_text: String::new(),
            stop: StopReason::Completed,
            model_calls: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            context_tokens: 0,
        };
        let result = self.turn_loop(&events, &control, &mut outcome).await;
        self.record_turn(result.is_ok().then_some(&outcome));
        match result {
            Ok(()) => {
                let note = match outcome.stop {
                    StopReason::Completed => None,
                    StopReason::Cancelled => Some("the turn was cancelled".to_string()),
                    StopReason::MaxTurns => Some(format!(
                        "stopped after {} model calls (the turn limit); the task may be unfinished: continue it with another message or raise --max-turns",
                        outcome.model_calls
                    )),
                };
                self.close_turn(note, &events)?;
                outcome.final_text = pii_guard::shown(self.pii.as_deref(), &outcome.final_text);
                if outcome.stop == StopReason::Completed {
                    let _ = events.send(AgentEvent::TurnCompleted {
                        final_text: outcome.final_text.clone(),
                    });
                }
                Ok(outcome)
            }
            Err(e) => {
                self.close_turn(Some(e.to_string()), &events)?;
                Err(e)
            }
        }
    }

    /// Answers tool calls left without a result and records why the turn
    /// ended early, if it did.
    fn close_turn(
        &mut self,
        note: Option<String>,
        events: &UnboundedSender<AgentEvent>,
    ) -> Result<(), AgentError> {
        for missing in dangling_calls(&self.messages) {
            if let Message::Tool {
                call_id,
                content,
                is_error,
                ..
            } = missing
            {
                let name = self.call_name(&call_id);
                self.record(TranscriptEntry::ToolResult {
                    call_id,
                    name,
                    content,
                    is_error,
                    duration_ms: 0,
                })?;
            }
        }
        if let Some(message) = note {
            let _ = events.send(AgentEvent::Error {
                message: message.clone(),
            });
            self.record(TranscriptEntry::Error { message })?;
        }
        Ok(())
    }

    fn call_name(&self, call_id: &str) -> String {
        self.messages
            .iter()
            .rev()
            .find_map(|m| match m {
                Message::Assistant { tool_calls, .. } => tool_calls
                    .iter()
                    .find(|c| c.id == call_id)
                    .map(|c| c.name.clone()),
                _ => None,
            })
            .unwrap_or_default()
    }

    async fn turn_loop(
        &mut self,
        events: &UnboundedSender<AgentEvent>,
        control: &TurnControl,
        outcome: &mut TurnOutcome,
    ) -> Result<(), AgentError> {
        let mode = self.deps.tool_mode;
        let tools = tools::specs(&self.deps, mode);
        let offered: Vec<String> = tools.iter().map(|t| t.name.clone()).collect();
        let tools_tokens = tokens::tools_tokens(&self.deps.model, &tools);
        loop {
            if control
                .max_turns
                .is_some_and(|max| outcome.model_calls >= max)
            {
                outcome.stop = StopReason::MaxTurns;
                return Ok(());
            }
            if control.cancel.is_cancelled() {
                outcome.stop = StopReason::Cancelled;
                return Ok(());
            }
            self.compact_if_full(tools_tokens, events, &control.cancel)
                .await?;
            let context = self.context_tokens(tools_tokens);
            let asked = std::time::Instant::now();
            let mut retries = 0;
            let reply = self
                .stream_reply(&tools, events, &control.cancel, &mut retries)
                .await;
            self.record_llm_request(asked, &reply, context, retries);
            let reply = reply?;
            outcome.model_calls += 1;
            outcome.context_tokens += context;
            let usage = reply.usage.unwrap_or_default();
            outcome.prompt_tokens += usage.prompt_tokens;
            outcome.completion_tokens += usage.completion_tokens;
            // A provider that reports no usage is shown the local count.
            let prompt = if usage.prompt_tokens > 0 {
                usage.prompt_tokens
            } else {
                context
            };
            self.session_tokens += prompt + usage.completion_tokens;
            let _ = events.send(AgentEvent::Usage {
                prompt_tokens: prompt,
                completion_tokens: usage.completion_tokens,
                session_total_tokens: self.session_tokens,
                context_window: self.deps.context_window,
            });
            if !reply.text.is_empty() {
                outcome.final_text = reply.text.clone();
            }
            let calls = reply.tool_calls;
            if !reply.text.is_empty() || !calls.is_empty() {
                self.record(TranscriptEntry::Assistant {
                    content: reply.text,
                    tool_calls: calls.clone(),
                })?;
            }
            if reply.cancelled {
                outcome.stop = StopReason::Cancelled;
                return Ok(());
            }
            if calls.is_empty() {
                return Ok(());
            }
            for call in calls {
                if control.cancel.is_cancelled() {
                    break;
                }
                self.run_tool(call, mode, &offered, events, control).await?;
            }
        }
    }

    async fn stream_reply(
        &self,
        tools: &[ToolSpec],
        events: &UnboundedSender<AgentEvent>,
        cancel: &CancellationToken,
        retries: &mut u32,
    ) -> Result<Reply, AgentError> {
        let request = ChatRequest {
            model: self.deps.model.clone(),
            system: self.system.clone(),
            messages: self.messages.clone(),
            tools: tools.to_vec(),
            temperature: None,
            max_tokens: None,
        };
        let mut reply = Reply::default();
        let mut shown = crate::pii::StreamRestorer::default();
        let pii = self.pii.as_deref();
        let mut stream = tokio::select! {
            s = self.deps.provider.stream(request) => s?,
            () = cancel.cancelled() => {
                reply.cancelled = true;
                return Ok(reply);
            }
        };
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                () = cancel.cancelled() => {
                    pii_guard::show_delta(pii, &mut shown, None, events);
                    // Keep what was said; drop half-streamed tool calls.
                    reply.tool_calls.clear();
                    reply.cancelled = true;
                    return Ok(reply);
                }
            };
            match next {
                Some(Ok(LlmEvent::TextDelta { text })) => {
                    pii_guard::show_delta(pii, &mut shown, Some(&text), events);
                    reply.text.push_str(&text);
                }
                Some(Ok(LlmEvent::ToolCall { mut call })) => {
                    if call.id.is_empty() {
                        call.id = format!("call_{}", uuid::Uuid::new_v4().simple());
                    }
                    reply.tool_calls.push(call);
                }
                Some(Ok(LlmEvent::Usage { usage })) => reply.usage = Some(usage),
                Some(Ok(LlmEvent::Done { .. })) => {
                    pii_guard::show_delta(pii, &mut shown, None, events);
                    return Ok(reply);
                }
                Some(Ok(LlmEvent::ToolCallDelta { .. })) => {}
                Some(Ok(LlmEvent::Retry { .. })) => *retries += 1,
                Some(Err(e)) => return Err(e.into()),
                None => {
                    return Err(LlmError::Other(
                        "the model's reply stopped before it finished; your message is saved, send it again to retry".to_string(),
                    )
                    .into());
                }
            }
        }
    }

    /// Compacts when the context passed its trigger; also inside long tool
    /// loops, since it runs before every model call.
    async fn compact_if_full(
        &mut self,
        tools_tokens: u64,
        events: &UnboundedSender<AgentEvent>,
        cancel: &CancellationToken,
    ) -> Result<(), AgentError> {
        let window = self.deps.context_window;
        if !compaction::needs_compaction(self.context_tokens(tools_tokens), window) {
            return Ok(());
        }
        let keep = compaction::keep_budget(window);
        let Some(split) =
            compaction::split_point(&self.messages, &self.message_tokens, keep, window)
        else {
            return Ok(());
        };
        if let Some(report) = self.compact_before(split, tools_tokens, cancel).await? {
            let _ = events.send(AgentEvent::Compacted {
                tokens_before: report.tokens_before,
                tokens_after: report.tokens_after,
            });
        }
        Ok(())
    }

    /// Summarises every message so far into one; `None` when there is
    /// nothing to compact or it was cancelled.
    pub async fn compact(&mut self) -> Result<Option<CompactionReport>, AgentError> {
        let tools_tokens = tokens::tools_tokens(
            &self.deps.model,
            &tools::specs(&self.deps, self.deps.tool_mode),
        );
        let split = self.messages.len();
        if split == 0 {
            return Ok(None);
        }
        self.compact_before(split, tools_tokens, &CancellationToken::new())
            .await
    }

    async fn compact_before(
        &mut self,
        split: usize,
        tools_tokens: u64,
        cancel: &CancellationToken,
    ) -> Result<Option<CompactionReport>, AgentError> {
        let tokens_before = self.context_tokens(tools_tokens);
        // Show the summariser at most half the window, at ~3 bytes a token.
        let max_bytes =
            usize::try_from(self.deps.context_window.saturating_mul(3) / 2).unwrap_or(usize::MAX);
        let rendered = compaction::render(&self.messages[..split], max_bytes);
        let Some(summary) = compaction::summarise(
            self.deps.provider.as_ref(),
            &self.deps.model,
            rendered,
            cancel,
        )
        .await?
        else {
            return Ok(None);
        };
        let kept = self.messages.len() - split;
        let summary_msg = summary_message(&summary);
        let tail_tokens = self.message_tokens.split_off(split);
        let tail = self.messages.split_off(split);
        self.message_tokens =
            std::iter::once(tokens::message_tokens(&self.deps.model, &summary_msg))
                .chain(tail_tokens)
                .collect();
        self.messages = std::iter::once(summary_msg).chain(tail).collect();
        let tokens_after = self.context_tokens(tools_tokens);
        self.record(TranscriptEntry::Compaction {
            summary,
            kept,
            tokens_before,
            tokens_after,
        })?;
        Ok(Some(CompactionReport {
            tokens_before,
            tokens_after,
        }))
    }
}
