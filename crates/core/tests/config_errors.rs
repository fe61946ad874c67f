#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Every way a config can be wrong, each reported at the exact place.

mod config_support;

use config_support::{Project, pairs};

fn project_error(toml: &str) -> String {
    let project = Project::new();
    project.write("vtcode.toml", toml);
    project.load_err(&project.options())
}

/// The error for a project with `toml` as its vtcode.toml, plus environment
/// variables and command-line overrides.
fn layered_error(toml: &str, env: &[(&str, &str)], cli: &[(&str, &str)]) -> String {
    let project = Project::new();
    project.write("vtcode.toml", toml);
    let mut options = project.options();
    options.env = pairs(env);
    options.cli_overrides = pairs(cli);
    project.load_err(&options)
}

#[test]
fn unknown_key_names_the_place_the_closest_key_and_the_valid_ones() {
    let err = project_error("[sandbox]\nimage = \"x\"\npool_sise = 4\n");
    assert_eq!(
        err,
        "vtcode.toml:3:1: unknown key `pool_sise` in [sandbox]; did you mean `pool_size`? \
         valid keys: backend, image, pool_size, timeout_s, memory_mb, cpus, pids, workspace, output_bytes, max_running, docker_host, remote, workspace_max_mb"
    );
}

#[test]
fn unknown_key_far_from_any_valid_one_gets_no_suggestion() {
    let err = project_error("[agent]\n  colour_scheme = \"dark\"\n");
    assert_eq!(
        err,
        "vtcode.toml:2:3: unknown key `colour_scheme` in [agent]; \
         valid keys: tool_mode, approval, max_turns, tool_output_bytes"
    );
}

#[test]
fn unknown_section_is_an_error_with_a_suggestion() {
    let err = project_error("[sandbx]\npool_size = 1\n");
    assert!(
        err.starts_with("vtcode.toml:1:2: unknown section `sandbx`; did you mean `sandbox`?"),
        "{err}"
    );
}

#[test]
fn wrong_type_points_at_the_value_and_says_what_was_expected() {
    let err = project_error("[sandbox]\npool_size = \"four\"\n");
    assert_eq!(
        err,
        "vtcode.toml:2:13: `sandbox.pool_size` expects an integer from 0 to 64, found string \"four\""
    );
    let err = project_error("[metrics]\nenabled = 1\n");
    assert_eq!(
        err,
        "vtcode.toml:2:11: `metrics.enabled` expects true or false, found integer 1"
    );
}

#[test]
fn out_of_range_number_is_rejected() {
    let err = project_error("[sandbox]\ntimeout_s = 0\n");
    assert_eq!(
        err,
        "vtcode.toml:2:13: `sandbox.timeout_s` expects an integer of at least 1, found 0"
    );
}

#[test]
fn bad_enum_value_lists_choices_and_the_closest() {
    let err = project_error("[sandbox]\nbackend = \"dokcer\"\n");
    assert_eq!(
        err,
        "vtcode.toml:2:11: `sandbox.backend` expects one of \"auto\", \"docker\", \"process\", \
         found \"dokcer\"; did you mean \"docker\"?"
    );
}

#[test]
fn bad_list_element_points_at_the_element() {
    let err = project_error("[pii]\nkinds = [\"email\", \"passport\"]\n");
    assert!(
        err.starts_with("vtcode.toml:2:19: `pii.kinds` expects an array of strings from"),
        "{err}"
    );
    assert!(err.ends_with("found string \"passport\""), "{err}");
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let err = project_error("[llm]\nmodel = \"gpt\n");
    assert!(err.starts_with("vtcode.toml:2:"), "{err}");
    assert!(err.contains("invalid TOML"), "{err}");
}

#[test]
fn user_file_errors_name_the_user_file() {
    let project = Project::new();
    let home = tempfile::tempdir().unwrap();
    let user = home.path().join("vtcode.toml");
    std::fs::write(&user, "[llm]\nprovider = \"mistral\"\n").unwrap();
    let mut options = project.options();
    options.user_config = Some(user.clone());
    let err = project.load_err(&options);
    assert!(
        err.starts_with(&format!(
            "{}:2:12: `llm.provider` expects one of",
            user.display()
        )),
        "{err}"
    );
}

#[test]
fn error_in_a_project_file_above_the_cwd_shows_its_path() {
    let project = Project::new();
    project.write("vtcode.toml", "[agent]\nmax_turns = -1\n");
    std::fs::create_dir_all(project.root().join("sub")).unwrap();
    let mut options = project.options();
    options.cwd = project.root().join("sub");
    let err = project.load_err(&options);
    let expected = format!("{}:2:13:", project.root().join("vtcode.toml").display());
    assert!(err.starts_with(&expected), "{err}");
}

#[test]
fn server_with_both_command_and_url_is_rejected_at_the_url() {
    let err = project_error(
        "[mcp.servers.git]\ncommand = \"git-mcp\"\nurl = \"http://127.0.0.1:1/mcp\"\n",
    );
    assert_eq!(
        err,
        "vtcode.toml:3:1: server `git` has both `url` and `command` (at vtcode.toml:2:1); \
         a server is either stdio (`command`) or http (`url`)"
    );
}

#[test]
fn server_with_neither_command_nor_url_is_rejected_at_its_table() {
    let err = project_error("[mcp.servers.git]\nenabled = true\n");
    assert_eq!(
        err,
        "vtcode.toml:1:14: server `git` needs `command` (a stdio server) or `url` (an http server)"
    );
}

#[test]
fn field_of_the_other_transport_is_rejected() {
    let err = project_error(
        "[mcp.servers.remote]\nurl = \"https://example.test/mcp\"\nargs = [\"--x\"]\n",
    );
    assert_eq!(
        err,
        "vtcode.toml:3:1: `args` does not apply to server `remote`: it is a http server (it has `url`)"
    );
    let err = project_error("[mcp.servers.local]\ncommand = \"x\"\nheaders = { A = \"b\" }\n");
    assert_eq!(
        err,
        "vtcode.toml:3:1: `headers` does not apply to server `local`: it is a stdio server (it has `command`)"
    );
}

#[test]
fn unknown_server_key_and_bad_url_are_reported() {
    let err = project_error("[mcp.servers.git]\ncommand = \"x\"\ntimeout = 5\n");
    assert!(
        err.starts_with(
            "vtcode.toml:3:1: unknown key `timeout` in [mcp.servers.git]; did you mean `tool_timeout_s`?"
        ) || err.starts_with("vtcode.toml:3:1: unknown key `timeout` in [mcp.servers.git];"),
        "{err}"
    );
    assert!(
        err.contains("valid keys: command, args, env, cwd, url, headers"),
        "{err}"
    );
    let err = project_error("[mcp.servers.web]\nurl = \"localhost:8080\"\n");
    assert_eq!(
        err,
        "vtcode.toml:2:1: server `web` has url `localhost:8080`; it must start with http:// or https://"
    );
}

#[test]
fn env_variable_that_looks_like_config_but_is_unknown_is_named() {
    let err = layered_error("", &[("VTCODE_SANDBOX_POOL_SIZ", "3")], &[]);
    assert_eq!(
        err,
        "environment variable VTCODE_SANDBOX_POOL_SIZ: unknown key `pool_siz` in [sandbox]; \
         did you mean `pool_size`? valid keys: backend, image, pool_size, timeout_s, memory_mb, \
         cpus, pids, workspace, output_bytes, max_running, docker_host, remote, \
         workspace_max_mb (VTCODE_SANDBOX_POOL_SIZE)"
    );
}

#[test]
fn env_variable_with_a_wrong_value_is_named() {
    let err = layered_error("", &[("VTCODE_AGENT_TOOL_MODE", "pythn")], &[]);
    assert_eq!(
        err,
        "environment variable VTCODE_AGENT_TOOL_MODE: `agent.tool_mode` expects one of \"code\", \"direct\", found \"pythn\""
    );
}

#[test]
fn cli_override_errors_name_the_key() {
    let err = layered_error("", &[], &[("sandbox.pool_size", "lots")]);
    assert_eq!(
        err,
        "command-line override `sandbox.pool_size`: `sandbox.pool_size` expects an integer from 0 to 64, found `lots`"
    );
    let err = layered_error("", &[], &[("sandboxx.pool_size", "1")]);
    assert!(
        err.starts_with("command-line override `sandboxx.pool_size`: unknown section `sandboxx`; did you mean `sandbox`?"),
        "{err}"
    );
    let err = layered_error("", &[], &[("llm.modle", "x")]);
    assert!(
        err.contains("unknown key `modle` in [llm]; did you mean `model`?"),
        "{err}"
    );
    let err = layered_error("", &[], &[("llm", "x")]);
    assert!(
        err.contains("`llm` is not a config key; write SECTION.KEY"),
        "{err}"
    );
}

#[test]
fn cli_override_of_an_unconfigured_server_suggests_the_real_one() {
    let toml = "[mcp.servers.github]\ncommand = \"gh-mcp\"\n";
    let err = layered_error(toml, &[], &[("mcp.servers.githb.enabled", "false")]);
    assert_eq!(
        err,
        "command-line override `mcp.servers.githb.enabled`: no MCP server named `githb` is configured; did you mean `github`?"
    );
}

#[test]
fn cli_override_that_adds_a_conflicting_transport_is_rejected() {
    let toml = "[mcp.servers.git]\ncommand = \"git-mcp\"\n";
    let err = layered_error(
        toml,
        &[],
        &[("mcp.servers.git.url", "http://127.0.0.1:1/mcp")],
    );
    assert_eq!(
        err,
        "command-line override `mcp.servers.git.url`: server `git` has both `url` and `command` \
         (at vtcode.toml:2:1); a server is either stdio (`command`) or http (`url`)"
    );
}

#[test]
fn columns_count_characters_not_bytes() {
    let err = project_error("[llm]\nmodel = \"é\" ; \n");
    assert!(err.starts_with("vtcode.toml:2:13:"), "{err}");
}

#[test]
fn a_bad_approval_glob_or_trust_is_reported_where_it_is() {
    let err =
        project_error("[mcp.servers.mail]\ncommand = \"mail-server\"\ndeny = [\"send_[mail\"]\n");
    assert!(
        err.starts_with("vtcode.toml:3:")
            && err.contains("`mcp.servers.mail.deny` has an invalid glob `send_[mail`"),
        "{err}"
    );
    let err = project_error("[mcp.servers.mail]\ncommand = \"mail-server\"\ntrust = \"some\"\n");
    assert!(
        err.contains("expects one of \"all\", \"read-only\", \"none\""),
        "{err}"
    );
}
