//! Both providers against the scripted server: streaming, tool calls,
//! usage, and every failure a user can meet.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use vtcode_llm::{LlmError, LlmEvent, ProviderKind, Usage, build_provider};

/// Runs each scenario once per provider, as separately named tests.
macro_rules! both_providers {
    ($($name:ident),* $(,)?) => {
        mod openai {
            $(#[tokio::test] async fn $name() { super::$name(vtcode_llm::ProviderKind::OpenAi).await })*
        }
        mod anthropic {
            $(#[tokio::test] async fn $name() { super::$name(vtcode_llm::ProviderKind::Anthropic).await })*
        }
    };
}

both_providers!(
    text_streams_in_order_then_usage_then_done,
    tool_calls_are_assembled_from_split_fragments,
    rate_limit_waits_for_retry_after,
    rate_limit_reported_when_retries_run_out,
    server_error_then_success,
    server_errors_until_retries_run_out_say_how_many,
    stream_cut_before_any_output_is_retried,
    stream_cut_after_output_is_reported_not_truncated,
    error_inside_the_stream_before_output_is_retried,
    error_inside_the_stream_after_output_is_reported,
    malformed_tool_arguments_pass_through_raw,
    wrong_model_surfaces_the_api_message,
    unreachable_endpoint_names_the_url,
    missing_key_names_the_env_var,
    local_endpoint_runs_without_a_key,
    key_never_appears_in_errors,
    models_are_listed_with_the_key,
);

async fn text_streams_in_order_then_usage_then_done(kind: ProviderKind) {
    let server = start(json!([
        {"text": "alpha beta gamma delta", "usage": {"prompt_tokens": 42, "completion_tokens": 7}}
    ]));
    let mut request = ask("hello");
    request.temperature = Some(0.7);
    let (events, error) = run(&*provider(kind, &server), request).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_deltas(&events), ["alpha ", "beta ", "gamma ", "delta"]);
    let n = events.len();
    assert_eq!(
        events[n - 2],
        LlmEvent::Usage {
            usage: Usage {
                prompt_tokens: 42,
                completion_tokens: 7
            }
        }
    );
    assert!(matches!(
        &events[n - 1],
        LlmEvent::Done {
            stop_reason: Some(_)
        }
    ));
    let sent = &model_requests(&server)[0]["body"];
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["temperature"], 0.7);
    assert_eq!(sent["max_tokens"], 256);
    match kind {
        ProviderKind::OpenAi => {
            assert_eq!(sent["stream_options"]["include_usage"], true);
            assert_eq!(
                sent["messages"][0],
                json!({"role": "system", "content": "You are terse."})
            );
            assert_eq!(
                sent["messages"][1],
                json!({"role": "user", "content": "hello"})
            );
        }
        ProviderKind::Anthropic => {
            assert_eq!(sent["system"], "You are terse.");
            assert_eq!(sent["messages"][0]["content"][0]["text"], "hello");
            let headers = &model_requests(&server)[0]["headers"];
            assert_eq!(headers["anthropic-version"], "2023-06-01");
        }
    }
}

async fn tool_calls_are_assembled_from_split_fragments(kind: ProviderKind) {
    let first = json!({"query": "current time in Paris", "detail_level": "full", "limit": 5});
    let second = json!({"language": "python", "code": "print(\"hi\")\nresult = 1 + 1"});
    let server = start(json!([
        {"text": "Looking.", "tool_calls": [
            {"id": "call_a", "name": "search_tools", "arguments": first},
            {"id": "call_b", "name": "execute_code", "arguments": second}
        ]},
        {"text": "Done."}
    ]));
    let provider = provider(kind, &server);
    let mut request = ask("what time is it?");
    request.tools = vec![vtcode_llm::ToolSpec {
        name: "search_tools".into(),
        description: "Find tools".into(),
        parameters: json!({"type": "object", "properties": {"query": {"type": "string"}}}),
    }];
    let (events, error) = run(&*provider, request.clone()).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    let calls = tool_calls(&events);
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[0].id.as_str(), calls[0].name.as_str()),
        ("call_a", "search_tools")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&calls[0].arguments).unwrap(),
        first
    );
    assert_eq!(
        (calls[1].id.as_str(), calls[1].name.as_str()),
        ("call_b", "execute_code")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&calls[1].arguments).unwrap(),
        second
    );
    let fragments = events
        .iter()
        .filter(|e| matches!(e, LlmEvent::ToolCallDelta { arguments_delta, .. } if !arguments_delta.is_empty()))
        .count();
    assert!(
        fragments >= 4,
        "arguments should stream in fragments, got {fragments}"
    );
    let done = events
        .iter()
        .position(|e| matches!(e, LlmEvent::Done { .. }))
        .unwrap();
    let last_call = events
        .iter()
        .rposition(|e| matches!(e, LlmEvent::ToolCall { .. }))
        .unwrap();
    assert!(last_call < done);

    // The calls and their results go back in the provider's own shape.
    request.messages.push(vtcode_llm::Message::Assistant {
        content: "Looking.".into(),
        tool_calls: calls,
    });
    request.messages.push(vtcode_llm::Message::Tool {
        call_id: "call_a".into(),
        content: "[time.get_current_time]".into(),
        is_error: false,
    });
    request.messages.push(vtcode_llm::Message::Tool {
        call_id: "call_b".into(),
        content: "NameError".into(),
        is_error: true,
    });
    let (events, _) = run(&*provider, request).await.unwrap();
    assert_eq!(text_of(&events), "Done.");
    let sent = &model_requests(&server)[1]["body"];
    match kind {
        ProviderKind::OpenAi => {
            assert_eq!(sent["tools"][0]["type"], "function");
            assert_eq!(sent["tools"][0]["function"]["name"], "search_tools");
            let messages = sent["messages"].as_array().unwrap();
            assert_eq!(
                messages[2]["tool_calls"][1]["function"]["name"],
                "execute_code"
            );
            assert_eq!(
                messages[3],
                json!({"role": "tool", "tool_call_id": "call_a", "content": "[time.get_current_time]"})
            );
            assert_eq!(messages[4]["tool_call_id"], "call_b");
        }
        ProviderKind::Anthropic => {
            assert_eq!(sent["tools"][0]["input_schema"]["type"], "object");
            let messages = sent["messages"].as_array().unwrap();
            assert_eq!(
                messages.len(),
                3,
                "tool results share one user message: {messages:?}"
            );
            assert_eq!(messages[1]["content"][0]["text"], "Looking.");
            assert_eq!(messages[1]["content"][1]["type"], "tool_use");
            assert_eq!(messages[1]["content"][2]["input"], second);
            assert_eq!(messages[2]["role"], "user");
            assert_eq!(messages[2]["content"][0]["type"], "tool_result");
            assert_eq!(messages[2]["content"][1]["tool_use_id"], "call_b");
            assert_eq!(messages[2]["content"][1]["is_error"], true);
        }
    }
}

async fn rate_limit_waits_for_retry_after(kind: ProviderKind) {
    let server = start(json!([{"status": 429, "retry_after": 1}, {"text": "after the wait"}]));
    let (events, error) = run(&*provider(kind, &server), ask("hi")).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&events), "after the wait");
    match &events[0] {
        LlmEvent::Retry { attempt, reason } => {
            assert_eq!(*attempt, 1);
            assert!(reason.contains("429"), "{reason}");
        }
        other => panic!("the retry is announced before the reply, got {other:?}"),
    }
    assert_eq!(retries(&events), 1);
    let requests = model_requests(&server);
    assert_eq!(requests.len(), 2);
    let waited = requests[1]["ts"].as_f64().unwrap() - requests[0]["ts"].as_f64().unwrap();
    assert!(
        waited >= 1.0,
        "retried after {waited}s, before Retry-After: 1"
    );
}

async fn rate_limit_reported_when_retries_run_out(kind: ProviderKind) {
    let server = start(json!([
        {"status": 429, "retry_after": 0}, {"status": 429, "retry_after": 0},
        {"status": 429, "retry_after": 0}, {"text": "never reached"}
    ]));
    let error = run(&*provider(kind, &server), ask("hi")).await.unwrap_err();
    assert!(
        matches!(error, LlmError::RateLimited { attempts: 3, .. }),
        "{error:?}"
    );
    assert_eq!(error.retries(), 2);
    assert!(error.to_string().contains("rate limited"), "{error}");
    assert_eq!(model_requests(&server).len(), 3);
}

/// The request succeeds on the attempt after `faults` (one turn each), and
/// nothing of the failed attempts reaches the caller.
async fn recovers_after(kind: ProviderKind, faults: Value) {
    let mut script = faults.as_array().unwrap().clone();
    let attempts = script.len() + 1;
    script.push(json!({"text": "recovered reply"}));
    let server = start(Value::Array(script));
    let (events, error) = run(&*provider(kind, &server), ask("hi")).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&events), "recovered reply");
    assert_eq!(model_requests(&server).len(), attempts);
    assert_eq!(retries(&events) as usize, attempts - 1, "{events:?}");
}

/// The retries a stream announced.
fn retries(events: &[LlmEvent]) -> u32 {
    let attempts: Vec<u32> = events
        .iter()
        .filter_map(|e| match e {
            LlmEvent::Retry { attempt, .. } => Some(*attempt),
            _ => None,
        })
        .collect();
    let numbered: Vec<u32> = (1..=attempts.len() as u32).collect();
    assert_eq!(attempts, numbered, "retries are numbered from 1");
    attempts.len() as u32
}

async fn server_errors_until_retries_run_out_say_how_many(kind: ProviderKind) {
    let server =
        start(json!([{"status": 503}, {"status": 503}, {"status": 500}, {"text": "never"}]));
    let error = run(&*provider(kind, &server), ask("hi")).await.unwrap_err();
    assert!(
        matches!(error.root(), LlmError::Http { status: 500, .. }),
        "{error:?}"
    );
    assert_eq!(error.retries(), 2);
    assert!(
        error.to_string().contains("gave up after 3 attempts"),
        "{error}"
    );
    assert_eq!(model_requests(&server).len(), 3);
}

async fn server_error_then_success(kind: ProviderKind) {
    recovers_after(kind, json!([{"status": 500}, {"status": 503}])).await;
}

async fn stream_cut_before_any_output_is_retried(kind: ProviderKind) {
    // The first frame (OpenAI: the role chunk; Anthropic: message_start)
    // carries no output, so nothing reached the caller when the cut happens.
    recovers_after(kind, json!([{"text": "lost reply", "cut_after_chunks": 1}])).await;
}

async fn stream_cut_after_output_is_reported_not_truncated(kind: ProviderKind) {
    let server = start(json!([
        {"text": "one two three four five", "cut_after_chunks": 4},
        {"text": "must not be requested"}
    ]));
    let (events, error) = run(&*provider(kind, &server), ask("hi")).await.unwrap();
    let error = error.expect("a cut stream must end with an error");
    assert!(matches!(error, LlmError::StreamCut { .. }), "{error:?}");
    assert!(error.to_string().contains("cut off"), "{error}");
    let partial = text_of(&events);
    assert!(
        !partial.is_empty() && "one two three four five".starts_with(&partial),
        "{partial:?}"
    );
    assert!(!events.iter().any(|e| matches!(e, LlmEvent::Done { .. })));
    assert_eq!(
        model_requests(&server).len(),
        1,
        "partial output must not be retried"
    );
}

async fn error_inside_the_stream_before_output_is_retried(kind: ProviderKind) {
    let fault =
        json!({"text": "lost", "stream_error": {"after_chunks": 1, "message": "Overloaded"}});
    recovers_after(kind, json!([fault])).await;
}

async fn error_inside_the_stream_after_output_is_reported(kind: ProviderKind) {
    let server = start(json!([
        {"text": "half of a reply", "stream_error": {"after_chunks": 4, "message": "Overloaded"}},
        {"text": "must not be requested"}
    ]));
    let (events, error) = run(&*provider(kind, &server), ask("hi")).await.unwrap();
    assert!(!text_of(&events).is_empty());
    match error {
        Some(LlmError::Http { status, message }) => {
            assert!(status >= 500, "{status}");
            assert_eq!(message, "Overloaded");
        }
        other => panic!("expected the in-stream error, got {other:?}"),
    }
    assert_eq!(model_requests(&server).len(), 1);
}

async fn malformed_tool_arguments_pass_through_raw(kind: ProviderKind) {
    let raw = "{\"language\": \"python\", \"code\": \"print(1)";
    let server = start(
        json!([{"tool_calls": [{"id": "c1", "name": "execute_code", "raw_arguments": raw}]}]),
    );
    let (events, error) = run(&*provider(kind, &server), ask("run it")).await.unwrap();
    assert!(error.is_none(), "{error:?}");
    let calls = tool_calls(&events);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].arguments, raw);
    assert!(serde_json::from_str::<Value>(&calls[0].arguments).is_err());
}

async fn wrong_model_surfaces_the_api_message(kind: ProviderKind) {
    let server = start(json!([{"status": 404, "error": "The model `gpt-9-turbo` does not exist"}]));
    let error = run(&*provider(kind, &server), ask("hi")).await.unwrap_err();
    match &error {
        LlmError::Http { status, message } => {
            assert_eq!(*status, 404);
            assert_eq!(message, "The model `gpt-9-turbo` does not exist");
        }
        other => panic!("expected an HTTP error, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.contains("gpt-9-turbo") && shown.contains("model name"),
        "{shown}"
    );
    assert!(!shown.contains('\n'));
    assert_eq!(model_requests(&server).len(), 1, "a 404 is not retried");
}

async fn unreachable_endpoint_names_the_url(kind: ProviderKind) {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let settings = vtcode_llm::ProviderSettings {
        provider: kind,
        model: "m".into(),
        base_url: Some(format!("http://127.0.0.1:{port}/v1")),
        api_key: Some("sk-unreachable-secret".into()),
        retry: fast_retry(),
        ..Default::default()
    };
    let provider = build_provider(settings).unwrap();
    let error = run(&*provider, ask("hi")).await.unwrap_err();
    match error.root() {
        LlmError::Unreachable { url, .. } => assert!(url.contains(&port.to_string()), "{url}"),
        other => panic!("expected Unreachable, got {other:?}"),
    }
    let shown = error.to_string();
    assert!(
        shown.contains("refused"),
        "the cause should be named: {shown}"
    );
    assert!(
        shown.contains("base_url") && !shown.contains("sk-unreachable-secret"),
        "{shown}"
    );
}

async fn missing_key_names_the_env_var(kind: ProviderKind) {
    let settings = vtcode_llm::ProviderSettings {
        provider: kind,
        model: "m".into(),
        ..Default::default()
    };
    let error = build_provider(settings)
        .err()
        .expect("no key and the public API must fail");
    let want = match kind {
        ProviderKind::OpenAi => "OPENAI_API_KEY",
        ProviderKind::Anthropic => "ANTHROPIC_API_KEY",
    };
    assert!(
        matches!(&error, LlmError::MissingApiKey { env_var } if env_var == want),
        "{error:?}"
    );
    assert!(error.to_string().contains(want));
}

async fn local_endpoint_runs_without_a_key(kind: ProviderKind) {
    let server = start(json!([{"text": "local model here"}]));
    let mut settings = settings(kind, &server);
    settings.api_key = Some(String::new());
    let (events, error) = run(&*build_provider(settings).unwrap(), ask("hi"))
        .await
        .unwrap();
    assert!(error.is_none(), "{error:?}");
    assert_eq!(text_of(&events), "local model here");
    assert_eq!(model_requests(&server)[0]["has_auth"], false);
}

async fn key_never_appears_in_errors(kind: ProviderKind) {
    let server = start(json!([{"status": 401, "error": "invalid x-api-key"}]));
    let settings = settings(kind, &server);
    let key = settings.api_key.clone().unwrap();
    assert!(!format!("{settings:?}").contains(&key));
    let error = run(&*build_provider(settings).unwrap(), ask("hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, LlmError::Http { status: 401, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("API key"), "{error}");
    assert!(!format!("{error} {error:?}").contains(&key));
    assert_eq!(model_requests(&server)[0]["has_auth"], true);
}

#[tokio::test]
async fn retry_after_longer_than_allowed_is_reported_at_once() {
    let server = start(json!([{"status": 429, "retry_after": 3600}, {"text": "never"}]));
    let error = run(&*provider(ProviderKind::OpenAi, &server), ask("hi"))
        .await
        .unwrap_err();
    match error {
        LlmError::RateLimited {
            retry_after,
            attempts,
        } => {
            assert_eq!(retry_after, Some(Duration::from_secs(3600)));
            assert_eq!(attempts, 1);
        }
        other => panic!("expected RateLimited, got {other:?}"),
    }
    assert_eq!(model_requests(&server).len(), 1);
}

async fn models_are_listed_with_the_key(kind: ProviderKind) {
    let server = start(json!([]));
    let models = tokio::time::timeout(TIMEOUT, provider(kind, &server).list_models())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(models, ["scripted-model"]);
    let requests = server.requests().unwrap();
    assert_eq!(requests[0]["method"], "GET");
    assert_eq!(requests[0]["path"], "/v1/models");
    assert_eq!(requests[0]["has_auth"], true);
}
