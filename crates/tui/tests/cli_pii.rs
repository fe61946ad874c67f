//! `vtcode pii redact | audit`, `[pii]` errors and `sessions rm`, through
//! the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use std::io::Write as _;
use std::process::Stdio;

use cli_support::{Project, stderr, stdout};
use serde_json::Value;

fn redact_stdin(project: &Project, args: &[&str], input: &[u8]) -> std::process::Output {
    let mut child = project
        .command(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn redact_json_gives_kind_token_and_byte_span_of_each_finding() {
    let project = Project::with_config("");
    let text = "ship to ann@example.org, card 4111-1111-1111-1111, key AKIAIOSFODNN7EXAMPLE; \
                order ORD-2026-00012345 at 1733050000123, build 3f2c1a9e8d7b6c5a4f3e2d1c0b9a8f7e6d5c4b3a";
    let out = redact_stdin(&project, &["pii", "redact", "-", "--json"], text.as_bytes());
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let seen: Vec<(String, String, String)> = findings
        .iter()
        .map(|f| {
            let (start, end) = (
                f["start"].as_u64().unwrap() as usize,
                f["end"].as_u64().unwrap() as usize,
            );
            (
                f["kind"].as_str().unwrap().to_owned(),
                f["token"].as_str().unwrap().to_owned(),
                text[start..end].to_owned(),
            )
        })
        .collect();
    let expected = [
        ("email", "<<EMAIL_1>>", "ann@example.org"),
        ("card", "<<CARD_1>>", "4111-1111-1111-1111"),
        ("aws_key", "<<AWS_KEY_1>>", "AKIAIOSFODNN7EXAMPLE"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(k, t, v)| ((*k).to_owned(), (*t).to_owned(), (*v).to_owned()))
        .collect();
    assert_eq!(seen, expected);
    let shown = report["text"].as_str().unwrap();
    assert!(
        shown.contains("ORD-2026-00012345 at 1733050000123"),
        "{shown}"
    );
}

#[test]
fn allow_list_and_custom_patterns_from_the_project_config_apply() {
    let project = Project::with_config(
        "[pii]\nallow = [\"me@example.org\", \"/@test[.]example$/\"]\npatterns = { employee_id = \"EMP-[0-9]{6}\" }\n",
    );
    let file = project.path().join("people.txt");
    std::fs::write(
        &file,
        "me@example.org qa@test.example boss@corp.example EMP-004211\n",
    )
    .unwrap();
    let out = project.vtcode(&["pii", "redact", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "me@example.org qa@test.example <<EMAIL_1>> <<EMPLOYEE_ID_1>>\n"
    );
}

#[test]
fn invalid_utf8_and_binary_input_are_redacted_without_a_crash() {
    let project = Project::with_config("");
    let mut input = vec![0xff, 0xfe, 0x00, 0x9f];
    input.extend_from_slice(b" bob@example.org \x00\x01\xc3");
    let out = redact_stdin(&project, &["pii", "redact"], &input);
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = stdout(&out);
    assert!(
        shown.contains("<<EMAIL_1>>") && !shown.contains("bob@"),
        "{shown}"
    );
}

#[test]
fn a_pattern_that_does_not_compile_is_reported_at_its_line_and_column() {
    let project = Project::with_config("[pii]\npatterns = { ticket = \"TCK-(\\\\d+\" }\n");
    let out = project.vtcode(&["pii", "redact", "-"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(
            "vtcode.toml:2:23: `pii.patterns.ticket`: `TCK-(\\d+` is not a valid regular expression"
        ),
        "{err}"
    );
}

#[test]
fn audit_of_a_fresh_project_says_nothing_was_tokenized() {
    let project = Project::with_config("");
    let out = project.vtcode(&["pii", "audit"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "nothing was tokenized yet\n");
    let out = project.vtcode(&["pii", "audit", "--json", "--session", "nope"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[test]
fn removing_an_unknown_session_says_how_to_list_them() {
    let project = Project::with_config("");
    let out = project.vtcode(&["sessions", "rm", "no-such-session"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("`vtcode sessions list` shows them"),
        "{}",
        stderr(&out)
    );
}
