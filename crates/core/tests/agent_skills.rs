//! Skills through the model, end to end: one session saves a program with
//! `save_skill` (real files, real SQLite); the next session's first request
//! lists it in the system prompt; a program imports it in the real sandbox
//! (both backends) and gets the right answer from a real MCP server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod agent_support;

use std::sync::Arc;

use agent_support::*;
use serde_json::json;
use vtcode_core::agent::{AgentDeps, AgentSession, ApprovalMode, SessionMode, ToolMode};
use vtcode_core::config::{ProjectPaths, SkillsConfig};
use vtcode_core::events::{ApprovalDecision, ApprovalKind};
use vtcode_core::skills::SkillLibrary;
use vtcode_core::store::Store;
use vtcode_sandbox::Backend;

const SKILL_CODE: &str = r#"from servers.records import list_records

def shipped_revenue(region: str) -> dict:
    """Orders and revenue of the shipped records of one region."""
    rows = [r for r in list_records()["records"] if r["region"] == region and r["status"] == "shipped"]
    return {"orders": len(rows), "revenue": round(sum(r["total"] for r in rows), 2)}
"#;

fn library(env: &Env) -> Arc<SkillLibrary> {
    let paths = ProjectPaths::at_root(&env.workspace());
    paths.ensure_dirs().unwrap();
    let store = Arc::new(Store::open(env.dir.path().join("vtcode.db")).unwrap());
    Arc::new(
        SkillLibrary::with_home(&paths, &SkillsConfig::default(), store, None)
            .with_catalog(Arc::new(env.catalog.clone())),
    )
}

fn with_skills(mut deps: AgentDeps, skills: &Arc<SkillLibrary>) -> AgentDeps {
    deps.mounts.skills = Some(skills.view_dir().to_path_buf());
    deps.skills_summary = skills.prompt_section("scripted-model").unwrap();
    deps.skills = Some(Arc::clone(skills));
    deps
}

async fn saved_then_reused(backend: Backend) {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "s1", "name": "save_skill", "arguments": {
            "name": "shipped-revenue",
            "description": "Orders and revenue of shipped records in one region.",
            "code": SKILL_CODE,
            "tags": ["records"]
        }}]},
        {"text": "Saved it."},
        {"tool_calls": [{"id": "e1", "name": "execute_code", "arguments": {
            "code": "from skills.shipped_revenue import shipped_revenue\nresult = shipped_revenue('emea')"
        }}]},
        {"text": "Reused it."}
    ]))
    .await;
    env.catalog.refresh();
    let skills = library(&env);

    // Session one saves; under ask-writes that is asked like a patch.
    let deps = with_skills(env.deps(ToolMode::Code, ApprovalMode::AskWrites), &skills);
    assert!(deps.skills_summary.is_none(), "no skills yet");
    let mut first = AgentSession::new(deps, SessionMode::New).unwrap();
    let answer = Answer::new(ApprovalDecision::Once);
    let (result, events) =
        turn_with(&mut first, "keep that program", control(answer.clone())).await;
    assert_eq!(result.unwrap().final_text, "Saved it.");
    let (name, output, is_error) = &tool_results(&events)[0];
    assert_eq!(name, "save_skill");
    assert!(!is_error, "{output}");
    assert!(
        output.contains("saved skill `shipped-revenue` version 1"),
        "{output}"
    );
    assert!(
        output.contains("tools recorded: records.list_records"),
        "{output}"
    );
    let asked = answer.asked.lock().unwrap().clone();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].0, ApprovalKind::Patch);
    let skill_file = env
        .workspace()
        .join(".agents/skills/shipped-revenue/SKILL.md");
    let text = std::fs::read_to_string(&skill_file).unwrap();
    assert!(text.contains("records.list_records@"), "{text}");

    // Session two: its very first request lists the skill.
    let sandbox = env.sandbox(backend).await;
    let deps = with_skills(
        env.deps_with(ToolMode::Code, ApprovalMode::Auto, sandbox.clone()),
        &skills,
    );
    let mut second = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut second, "revenue of shipped EMEA records?").await;
    assert_eq!(result.unwrap().final_text, "Reused it.");
    let requests = bodies(&env.server);
    let first_of_second = requests[2].to_string();
    assert!(
        first_of_second
            .contains("shipped-revenue: Orders and revenue of shipped records in one region."),
        "{first_of_second}"
    );
    let (_, output, is_error) = &tool_results(&events)[0];
    assert!(!is_error, "{output}");
    let (orders, revenue) = records_expected(&env.hub).await;
    assert!(
        output.contains(&format!(
            "result: {{\"orders\":{orders},\"revenue\":{revenue}}}"
        )),
        "{output}"
    );
    // The use is counted in the index.
    let row = skills
        .refresh()
        .unwrap()
        .skills
        .into_iter()
        .find(|s| s.name == "shipped-revenue")
        .unwrap();
    assert_eq!((row.uses, row.failures), (1, 0));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_saved_skill_is_listed_next_session_and_imported_on_the_process_backend() {
    saved_then_reused(Backend::Process).await;
}

#[tokio::test]
async fn a_saved_skill_is_listed_next_session_and_imported_in_docker() {
    saved_then_reused(Backend::Docker).await;
}

#[tokio::test]
async fn a_bad_save_is_explained_and_writes_nothing() {
    let env = Env::new(json!([
        {"tool_calls": [{"id": "s1", "name": "save_skill", "arguments": {
            "name": "Broken Name", "description": "d", "code": SKILL_CODE
        }}]},
        {"tool_calls": [{"id": "s2", "name": "save_skill", "arguments": {
            "name": "broken", "description": "d", "code": "def f(:\n"
        }}]},
        {"text": "Could not save."}
    ]))
    .await;
    let skills = library(&env);
    let deps = with_skills(env.deps(ToolMode::Code, ApprovalMode::Auto), &skills);
    let mut session = AgentSession::new(deps, SessionMode::New).unwrap();
    let (result, events) = turn(&mut session, "save it").await;
    assert_eq!(result.unwrap().final_text, "Could not save.");
    let results = tool_results(&events);
    assert!(
        results[0].2 && results[0].1.contains("the name `Broken Name` contains `B`"),
        "{:?}",
        results[0]
    );
    assert!(
        results[1].2 && results[1].1.contains("does not parse: line 1"),
        "{:?}",
        results[1]
    );
    assert!(!env.workspace().join(".agents/skills/broken").exists());
}
