//! Stdio servers start with a minimal environment, not vtcode's: a server
//! that prints its environment (the guarded fixture's `environment` tool)
//! sees none of the secrets set in vtcode's own environment, while the base
//! variables, the config's `env` table and the names in `env_vars` do reach
//! it (the control: the same tool shows what it is given). `env_names`, what
//! `vtcode servers` and `doctor` print, lists names and never values.
//!
//! One test in its own binary: it sets variables in the process environment.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use serde_json::{Value, json};
use vtcode_mcp::Transport;

const SECRETS: &[(&str, &str)] = &[
    ("OPENAI_API_KEY", "sk-test-openai-secret"),
    ("GITHUB_TOKEN", "ghp_test_github_secret"),
    ("AWS_SECRET_ACCESS_KEY", "test-aws-secret"),
];

#[tokio::test]
async fn a_stdio_server_gets_no_secret_of_vtcodes_environment() {
    bounded(async {
        // SAFETY: this binary has one test, and it sets these before any
        // thread it starts reads the environment.
        unsafe {
            for (name, value) in SECRETS {
                std::env::set_var(name, value);
            }
            std::env::set_var("VTCODE_PASSED_THROUGH", "named-in-env_vars");
            std::env::set_var("LC_TIME", "C.UTF-8");
        }
        let mut spec = fixture_spec("guarded", "guarded_server.py", &[]);
        if let Transport::Stdio { env, env_vars, .. } = &mut spec.transport {
            env.insert("FROM_CONFIG".into(), "config-value".into());
            env_vars.push("VTCODE_PASSED_THROUGH".into());
            env_vars.push("VTCODE_NEVER_SET".into());
        }
        let names = spec.transport.env_names();
        let (hub, _logs) = start_ready(vec![spec]).await;
        let text = call_text(&hub, "guarded", "environment", json!({})).await;
        let seen: Value = serde_json::from_str(&text).unwrap();
        let seen = seen.get("result").unwrap_or(&seen);
        for (name, value) in SECRETS {
            assert!(seen.get(name).is_none(), "{name} reached the server");
            assert!(
                !text.contains(value),
                "the value of {name} reached the server"
            );
        }
        assert_eq!(seen["VTCODE_PASSED_THROUGH"], "named-in-env_vars");
        assert_eq!(seen["FROM_CONFIG"], "config-value");
        assert_eq!(seen["LC_TIME"], "C.UTF-8");
        assert!(seen.get("PATH").is_some() && seen.get("HOME").is_some());

        for expected in [
            "PATH",
            "HOME",
            "FROM_CONFIG",
            "VTCODE_PASSED_THROUGH",
            "VTCODE_NEVER_SET (unset)",
        ] {
            assert!(
                names.iter().any(|n| n == expected),
                "{expected} not in {names:?}"
            );
        }
        assert!(
            !names
                .iter()
                .any(|n| n.contains("OPENAI") || n.contains("config-value"))
        );
        let status = status(&hub, "guarded");
        assert_eq!(status.env_names, names);
        hub.shutdown().await;
    })
    .await;
}
