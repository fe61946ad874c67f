//! The example scripts shipped next to the scripted server play out as
//! their turns describe, so they stay correct as documentation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;
use vtcode_llm::{LlmError, ProviderKind};

fn example(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/llm/examples")
        .join(name);
    let text = std::fs::read_to_string(&path).expect("read the example script");
    serde_json::from_str(&text).expect("the example script is JSON")
}

#[tokio::test]
async fn tool_then_answer_for_both_providers() {
    for kind in [ProviderKind::OpenAi, ProviderKind::Anthropic] {
        let server = start(example("tool_then_answer.json"));
        let provider = provider(kind, &server);
        let (events, error) = run(&*provider, ask("what time is it in Paris?"))
            .await
            .unwrap();
        assert!(error.is_none(), "{kind}: {error:?}");
        assert_eq!(text_of(&events), "Let me look that up.");
        let calls = tool_calls(&events);
        assert_eq!(calls.len(), 1, "{kind}");
        assert_eq!(calls[0].name, "search_tools");
        let (events, _) = run(&*provider, ask("and?")).await.unwrap();
        assert_eq!(text_of(&events), "It is noon in Paris.");
    }
}

#[tokio::test]
async fn faults_play_out_in_order() {
    let server = start(example("faults.json"));
    let provider = provider(ProviderKind::OpenAi, &server);

    // 429 (waits a second), 500, then a reply cut after some text.
    let (events, error) = run(&*provider, ask("one")).await.unwrap();
    assert!(
        matches!(error, Some(LlmError::StreamCut { .. })),
        "{error:?}"
    );
    assert!(!text_of(&events).is_empty());

    let (events, error) = run(&*provider, ask("two")).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    let calls = tool_calls(&events);
    assert!(serde_json::from_str::<Value>(&calls[0].arguments).is_err());

    let error = run(&*provider, ask("three")).await.unwrap_err();
    assert!(error.to_string().contains("no-such-model"), "{error}");
    assert_eq!(model_requests(&server).len(), 5);
}
