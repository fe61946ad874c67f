//! A `UiBackend` that answers with fixed data: a stand-in for core at the UI
//! boundary, used only to drive rendering and key handling.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;
use tokio::sync::mpsc;
use vtcode_core::events::{AgentEvent, ApprovalDecision};
use vtcode_core::metrics::{StoredEvent, Summary};
use vtcode_tui::app::{
    App, BackendError, BackendResult, HistoryMessage, HistoryRole, ResumedSession, ServerInfo,
    ServerState, SessionInfo, SkillInfo, StatusSnapshot, ToolHit, TurnHandle, UiBackend, UiMsg,
};

#[derive(Default)]
pub struct FixedBackend {
    /// Events each successive turn sends, in order.
    pub turns: Mutex<VecDeque<Vec<AgentEvent>>>,
    pub prompts: Mutex<Vec<String>>,
    pub answers: Mutex<Vec<(String, ApprovalDecision)>>,
    pub models: Mutex<Vec<String>>,
    pub status: Mutex<StatusSnapshot>,
    /// How many times Ctrl+C asked to stop running programs.
    pub program_cancels: Mutex<usize>,
    /// What `/skills` lists.
    pub skills: Vec<SkillInfo>,
    /// Lines handed to the UI on its next tick.
    pub notices: Mutex<Vec<String>>,
    /// What `/metrics` shows (core's summary of some events).
    pub metrics: Summary,
}

pub fn status() -> StatusSnapshot {
    StatusSnapshot {
        model: "gpt-test".to_string(),
        tokens_used: 1234,
        context_left: 126_000,
        sandbox_backend: "docker".to_string(),
        pool_ready: 2,
        pool_target: 2,
        servers_up: 1,
        servers_total: 2,
        programs_running: 0,
        approval_mode: "ask-writes".to_string(),
        tool_mode: "code".to_string(),
        api_key_hint: None,
    }
}

impl FixedBackend {
    pub fn new() -> Arc<Self> {
        let backend = Self::default();
        *backend.status.lock().unwrap() = status();
        Arc::new(backend)
    }

    /// A backend whose `/metrics` summarises `events`.
    pub fn with_metrics(events: &[StoredEvent]) -> Arc<Self> {
        let mut backend = Self {
            metrics: Summary::from_events(events, None),
            ..Self::default()
        };
        backend.status = Mutex::new(status());
        Arc::new(backend)
    }

    pub fn with_turn(self: &Arc<Self>, events: Vec<AgentEvent>) -> Arc<Self> {
        self.turns.lock().unwrap().push_back(events);
        Arc::clone(self)
    }
}

#[async_trait]
impl UiBackend for FixedBackend {
    fn start_turn(&self, input: String, events: mpsc::UnboundedSender<AgentEvent>) -> TurnHandle {
        self.prompts.lock().unwrap().push(input);
        let script = self.turns.lock().unwrap().pop_front().unwrap_or_default();
        let handle = TurnHandle::default();
        let cancel = handle.cancel.clone();
        let ends = matches!(
            script.last(),
            Some(AgentEvent::TurnCompleted { .. } | AgentEvent::Error { .. })
        );
        tokio::spawn(async move {
            for event in script {
                if cancel.is_cancelled() {
                    return;
                }
                let _ = events.send(event);
            }
            // A script that does not end waits to be cancelled.
            if !ends {
                cancel.cancelled().await;
            }
        });
        handle
    }

    fn answer_approval(&self, request_id: &str, decision: ApprovalDecision) {
        self.answers
            .lock()
            .unwrap()
            .push((request_id.to_string(), decision));
    }

    fn status(&self) -> StatusSnapshot {
        self.status.lock().unwrap().clone()
    }

    fn cancel_programs(&self) -> usize {
        *self.program_cancels.lock().unwrap() += 1;
        let mut status = self.status.lock().unwrap();
        std::mem::take(&mut status.programs_running)
    }

    fn take_notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.notices.lock().unwrap())
    }

    async fn search_tools(&self, query: String) -> BackendResult<Vec<ToolHit>> {
        Ok(vec![ToolHit {
            server: "time".to_string(),
            tool: "get_current_time".to_string(),
            description: format!("Get the current time (matched \"{query}\")"),
            score: 1.0,
        }])
    }

    async fn servers(&self) -> BackendResult<Vec<ServerInfo>> {
        Ok(vec![
            ServerInfo {
                name: "time".to_string(),
                state: ServerState::Up,
                tools: 2,
            },
            ServerInfo {
                name: "github".to_string(),
                state: ServerState::Failed {
                    reason: "GITHUB_TOKEN is not set; export it and restart".to_string(),
                },
                tools: 0,
            },
        ])
    }

    async fn skills(&self) -> BackendResult<Vec<SkillInfo>> {
        Ok(self.skills.clone())
    }

    async fn skill_file(&self, name: String) -> BackendResult<(String, Vec<String>)> {
        Ok((
            format!(".agents/skills/{name}/SKILL.md"),
            vec![
                "---".to_string(),
                format!("name: {name}"),
                "---".to_string(),
            ],
        ))
    }

    async fn metrics(&self) -> BackendResult<Summary> {
        Ok(self.metrics.clone())
    }

    async fn insights(&self) -> BackendResult<Vec<String>> {
        Ok(vec![
            "flaky.lookup_order: Order '…' not found ×4".to_string(),
        ])
    }

    async fn config_show(&self) -> BackendResult<Vec<String>> {
        Ok(vec![
            "[llm]".to_string(),
            "model = \"gpt-test\"".to_string(),
        ])
    }

    async fn set_model(&self, name: String) -> BackendResult<String> {
        if name == "bogus" {
            return Err(BackendError::new(
                "model bogus is not served by the endpoint; pick one from its /models list",
            ));
        }
        self.models.lock().unwrap().push(name.clone());
        Ok(format!("model set to {name}"))
    }

    async fn set_tool_mode(&self, mode: String) -> BackendResult<String> {
        Ok(format!("tool mode: {mode}"))
    }

    async fn set_approval(&self, mode: String) -> BackendResult<String> {
        Ok(format!("approval: {mode}"))
    }

    async fn sandbox_status(&self) -> BackendResult<Vec<String>> {
        Ok(vec!["backend: docker, pool 2/2 warm".to_string()])
    }

    async fn run_code(
        &self,
        language: String,
        code: String,
        events: mpsc::UnboundedSender<AgentEvent>,
    ) -> BackendResult<()> {
        let arguments = json!({ "language": language, "code": code });
        let _ = events.send(AgentEvent::ToolCallStarted {
            call_id: "run-1".to_string(),
            name: "run_code".to_string(),
            arguments,
        });
        let _ = events.send(AgentEvent::ToolCallFinished {
            call_id: "run-1".to_string(),
            name: "run_code".to_string(),
            output: "2".to_string(),
            is_error: false,
            duration_ms: 9,
            details: Some(json!({
                "status": "ok", "exit_code": 0, "stdout": "2\n", "stderr": "",
                "result": null, "duration": 9.0, "tool_calls": []
            })),
        });
        Ok(())
    }

    async fn sessions(&self) -> BackendResult<Vec<SessionInfo>> {
        Ok(vec![SessionInfo {
            id: "s-1".to_string(),
            title: "fix the build".to_string(),
            updated: "2026-01-02 10:00".to_string(),
            messages: 4,
        }])
    }

    async fn resume(&self, id: Option<String>) -> BackendResult<ResumedSession> {
        Ok(ResumedSession {
            id: id.unwrap_or_else(|| "s-1".to_string()),
            messages: vec![
                HistoryMessage {
                    role: HistoryRole::User,
                    text: "what time is it?".to_string(),
                },
                HistoryMessage {
                    role: HistoryRole::Assistant,
                    text: "It is **noon**.".to_string(),
                },
            ],
        })
    }

    async fn new_session(&self) -> BackendResult<String> {
        Ok("s-2".to_string())
    }

    async fn compact(&self) -> BackendResult<String> {
        Ok("compacted 3 turns".to_string())
    }
}

/// An app over `backend`, with its message receiver.
pub fn app(backend: &Arc<FixedBackend>) -> (App, mpsc::UnboundedReceiver<UiMsg>) {
    let backend: Arc<dyn UiBackend> = Arc::clone(backend) as Arc<dyn UiBackend>;
    App::new(backend)
}

/// Processes background messages until the app is idle, or fails after 5 s.
pub async fn settle(app: &mut App, rx: &mut mpsc::UnboundedReceiver<UiMsg>) {
    tokio::time::timeout(Duration::from_secs(5), app.settle(rx))
        .await
        .expect("the UI did not become idle within 5 s");
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.handle_key(key(KeyCode::Char(c)));
    }
}

/// Types `text` and presses Enter.
pub fn submit(app: &mut App, text: &str) {
    type_text(app, text);
    app.handle_key(key(KeyCode::Enter));
}

/// Draws the app on an 80x24 test terminal and returns the screen as text.
pub fn screen(app: &mut App) -> String {
    screen_sized(app, 80, 24)
}

pub fn screen_sized(app: &mut App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| app.draw(frame)).unwrap();
    terminal.backend().to_string()
}
