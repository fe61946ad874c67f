//! OpenAI-specific behaviour: choosing and falling back between
//! `max_tokens` and `max_completion_tokens`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::json;
use vtcode_llm::ProviderKind;

const REJECTION: &str = "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.";

#[tokio::test]
async fn rejected_max_tokens_is_resent_as_max_completion_tokens_and_remembered() {
    let server = start(json!([
        {"status": 400, "error": REJECTION, "param": "max_tokens", "code": "unsupported_parameter"},
        {"text": "first"},
        {"text": "second"}
    ]));
    let provider = provider(ProviderKind::OpenAi, &server);
    let mut request = ask("hi");
    request.model = "gpt-4.1-reasoner".into();
    let (events, error) = run(&*provider, request.clone()).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&events), "first");
    let (events, _) = run(&*provider, request).await.unwrap();
    assert_eq!(text_of(&events), "second");

    let bodies: Vec<_> = model_requests(&server)
        .into_iter()
        .map(|r| r["body"].clone())
        .collect();
    assert_eq!(bodies.len(), 3);
    assert_eq!(bodies[0]["max_tokens"], 256);
    assert!(bodies[0].get("max_completion_tokens").is_none());
    for body in &bodies[1..] {
        assert_eq!(body["max_completion_tokens"], 256);
        assert!(body.get("max_tokens").is_none(), "{body}");
    }
}

#[tokio::test]
async fn reasoning_models_get_max_completion_tokens_from_the_start() {
    let server = start(json!([{"text": "ok"}]));
    let mut request = ask("hi");
    request.model = "o3-mini".into();
    request.max_tokens = Some(99);
    let (_, error) = run(&*provider(ProviderKind::OpenAi, &server), request)
        .await
        .unwrap();
    assert!(error.is_none(), "{error:?}");
    let body = &model_requests(&server)[0]["body"];
    assert_eq!(body["max_completion_tokens"], 99);
    assert_eq!(body["model"], "o3-mini");
    assert!(body.get("max_tokens").is_none());
}

#[tokio::test]
async fn other_bad_requests_are_not_resent() {
    let server =
        start(json!([{"status": 400, "error": "messages: at least one message is required"}]));
    let error = run(&*provider(ProviderKind::OpenAi, &server), ask("hi"))
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("at least one message"),
        "{error}"
    );
    assert_eq!(model_requests(&server).len(), 1);
}
