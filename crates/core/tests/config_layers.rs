#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Layer precedence and origins: defaults < user < project < env < CLI.

mod config_support;

use config_support::{Project, pairs};
use vtcode_core::config::{
    ApprovalMode, Config, Origin, Provider, SandboxBackend, SandboxConfig, ServerTransport,
    ToolMode, WorkspaceAccess,
};

#[test]
fn empty_project_gets_documented_defaults() {
    let project = Project::new();
    let loaded = project.load(&project.options());
    let config = &loaded.config;
    assert_eq!(config.sandbox, SandboxConfig::default());
    assert_eq!(config.sandbox.backend, SandboxBackend::Auto);
    assert_eq!(config.sandbox.image, "vtcode-sandbox:latest");
    assert_eq!(config.sandbox.pool_size, 2);
    assert_eq!(config.sandbox.workspace, WorkspaceAccess::ReadOnly);
    assert_eq!(config.sandbox.output_bytes, 64 * 1024);
    assert_eq!(config.llm.provider, Provider::OpenAi);
    assert_eq!(config.llm.api_key_env, "OPENAI_API_KEY");
    assert_eq!(config.agent.tool_mode, ToolMode::Code);
    assert_eq!(config.agent.approval, ApprovalMode::AskWrites);
    assert!(config.mcp.servers.is_empty());
    assert!(loaded.warnings.is_empty());
    assert_eq!(loaded.origins["sandbox.pool_size"], Origin::Default);
    assert_eq!(loaded.origins["llm.model"], Origin::Default);
}

#[test]
fn each_layer_overrides_the_one_below_and_is_recorded() {
    let project = Project::new();
    let user = project.write(
        "user-home/vtcode.toml",
        "[sandbox]\npool_size = 3\nimage = \"user-image\"\nmemory_mb = 1024\n[llm]\nmodel = \"user-model\"\n",
    );
    let project_file = project.write(
        "vtcode.toml",
        "[sandbox]\npool_size = 4\nmemory_mb = 2048\n[llm]\nmodel = \"project-model\"\n",
    );
    let mut options = project.options();
    options.env = pairs(&[
        ("VTCODE_SANDBOX_POOL_SIZE", "5"),
        ("VTCODE_LLM_MODEL", "env-model"),
        ("VTCODE_SANDBOX_BACKEND", "process"),
        ("VTCODE_TEST_PYTHON", "/not/config"),
        ("HOME", "/elsewhere"),
    ]);
    options.cli_overrides = pairs(&[("sandbox.pool_size", "6"), ("agent.tool_mode", "direct")]);
    let loaded = project.load(&options);
    let (config, origins) = (&loaded.config, &loaded.origins);

    assert_eq!(config.sandbox.pool_size, 6);
    assert_eq!(origins["sandbox.pool_size"], Origin::Cli);
    assert_eq!(config.llm.model, "env-model");
    assert_eq!(origins["llm.model"], Origin::Env("VTCODE_LLM_MODEL".into()));
    assert_eq!(config.sandbox.backend, SandboxBackend::Process);
    assert_eq!(config.sandbox.memory_mb, 2048);
    assert_eq!(
        origins["sandbox.memory_mb"],
        Origin::ProjectFile(project_file)
    );
    assert_eq!(config.sandbox.image, "user-image");
    assert_eq!(origins["sandbox.image"], Origin::UserFile(user));
    assert_eq!(config.agent.tool_mode, ToolMode::Direct);
    assert_eq!(origins["sandbox.timeout_s"], Origin::Default);
}

#[test]
fn provider_picks_its_own_key_variable_and_model_unless_set() {
    let project = Project::new();
    project.write("vtcode.toml", "[llm]\nprovider = \"anthropic\"\n");
    let loaded = project.load(&project.options());
    assert_eq!(loaded.config.llm.provider, Provider::Anthropic);
    assert_eq!(loaded.config.llm.api_key_env, "ANTHROPIC_API_KEY");
    assert!(loaded.config.llm.model.starts_with("claude"));

    let mut options = project.options();
    options.env = pairs(&[("VTCODE_LLM_API_KEY_ENV", "MY_PROXY_KEY")]);
    let loaded = project.load(&options);
    assert_eq!(loaded.config.llm.api_key_env, "MY_PROXY_KEY");
}

#[test]
fn api_key_is_read_from_the_named_variable_at_call_time() {
    let project = Project::new();
    let var = "VTCODE_CONFIG_TEST_KEY_7f3a";
    project.write("vtcode.toml", &format!("[llm]\napi_key_env = \"{var}\"\n"));
    let llm = project.load(&project.options()).config.llm;
    assert_eq!(llm.api_key(), None);
    // SAFETY: the variable name is unique to this test; nothing else reads it.
    unsafe { std::env::set_var(var, "sk-test-value") };
    assert_eq!(llm.api_key().as_deref(), Some("sk-test-value"));
    unsafe { std::env::remove_var(var) };
}

#[test]
fn project_root_is_found_from_a_subdirectory() {
    let project = Project::new();
    project.write("vtcode.toml", "[sandbox]\npool_size = 7\n");
    let nested = project.root().join("src/deep");
    std::fs::create_dir_all(&nested).unwrap();
    let mut options = project.options();
    options.cwd = nested;
    let loaded = project.load(&options);
    assert_eq!(loaded.config.sandbox.pool_size, 7);
    assert_eq!(loaded.paths.root, project.root());
    assert_eq!(loaded.paths.db, project.root().join(".vtcode/vtcode.db"));

    loaded.paths.ensure_dirs().unwrap();
    for dir in [&loaded.paths.logs, &loaded.paths.state, &loaded.paths.sdk] {
        assert!(dir.is_dir(), "{} should exist", dir.display());
    }
}

#[test]
fn a_project_server_replaces_the_user_server_of_the_same_name() {
    let project = Project::new();
    project.write(
        "user-home/vtcode.toml",
        "[mcp.servers.git]\ncommand = \"git-mcp\"\nargs = [\"--user\"]\n\n[mcp.servers.time]\ncommand = \"time-mcp\"\n",
    );
    let project_file = project.write(
        "vtcode.toml",
        "[mcp.servers.git]\nurl = \"http://127.0.0.1:9000/mcp\"\nheaders = { Authorization = \"Bearer x\" }\n",
    );
    let loaded = project.load(&project.options());
    let servers = &loaded.config.mcp.servers;
    assert_eq!(
        servers["git"].transport,
        ServerTransport::Http {
            url: "http://127.0.0.1:9000/mcp".into(),
            headers: [("Authorization".to_owned(), "Bearer x".to_owned())].into(),
        }
    );
    assert_eq!(
        loaded.origins["mcp.servers.git.url"],
        Origin::ProjectFile(project_file)
    );
    assert!(!loaded.origins.contains_key("mcp.servers.git.args"));
    assert!(matches!(
        servers["time"].transport,
        ServerTransport::Stdio { .. }
    ));
    assert!(servers["time"].enabled);
    assert_eq!(servers["time"].startup_timeout_s, 30);
    assert_eq!(servers["time"].tool_timeout_s, 60);
}

#[test]
fn cli_and_env_override_single_fields_of_a_server() {
    let project = Project::new();
    project.write(
        "vtcode.toml",
        "[mcp.servers.git]\ncommand = \"git-mcp\"\ncwd = \"tools\"\nenabled_tools = [\"git_status\"]\n",
    );
    let mut options = project.options();
    options.cli_overrides = pairs(&[
        ("mcp.servers.git.enabled", "false"),
        ("mcp.servers.git.disabled_tools", "git_push, git_reset"),
        ("pii.kinds", "[\"email\"]"),
    ]);
    options.env = pairs(&[("VTCODE_PII_ENABLED", "true"), ("VTCODE_SANDBOX_CPUS", "2")]);
    let loaded = project.load(&options);
    let git = &loaded.config.mcp.servers["git"];
    assert!(!git.enabled);
    assert_eq!(git.disabled_tools, ["git_push", "git_reset"]);
    assert!(git.tool_allowed("git_status"));
    assert!(!git.tool_allowed("git_push"));
    assert!(!git.tool_allowed("git_log"));
    let ServerTransport::Stdio { cwd, command, .. } = &git.transport else {
        panic!("git should be a stdio server");
    };
    assert_eq!(command, "git-mcp");
    assert_eq!(cwd.as_deref(), Some(project.root().join("tools").as_path()));
    assert_eq!(loaded.origins["mcp.servers.git.enabled"], Origin::Cli);
    assert!(loaded.config.pii.enabled);
    assert_eq!(loaded.config.pii.kinds, ["email"]);
    assert_eq!(loaded.config.sandbox.cpus, 2.0);
}

#[test]
fn enums_parse_from_cli_flag_spellings() {
    assert_eq!("ask-all".parse::<ApprovalMode>(), Ok(ApprovalMode::AskAll));
    assert_eq!(
        "rw".parse::<WorkspaceAccess>(),
        Ok(WorkspaceAccess::ReadWrite)
    );
    let err = "python".parse::<ToolMode>().unwrap_err();
    assert_eq!(
        err,
        "invalid tool mode `python`; expected one of: code, direct"
    );
}

#[test]
fn show_lists_every_value_with_its_origin_and_hides_secrets() {
    let project = Project::new();
    project.write(
        "vtcode.toml",
        r#"[mcp.servers.github]
command = "github-mcp"
env = { GITHUB_TOKEN = "ghp_abcdefghijklmnop1234", LOG_LEVEL = "debug", OTHER = "a1b2c3d4e5f6g7h8i9j0k1" }

[mcp.servers.remote]
url = "https://mcp.example.test/mcp"
headers = { "X-Api" = "plain-looking" }
"#,
    );
    let mut options = project.options();
    options.env = pairs(&[("VTCODE_SANDBOX_POOL_SIZE", "3")]);
    let shown = project.load(&options).render_show();
    assert!(shown.contains("[sandbox]\n"), "{shown}");
    assert!(
        shown.contains("pool_size = 3  # from: environment variable VTCODE_SANDBOX_POOL_SIZE"),
        "{shown}"
    );
    assert!(
        shown.contains("image = \"vtcode-sandbox:latest\"  # from: default"),
        "{shown}"
    );
    assert!(shown.contains("# base_url is not set"), "{shown}");
    assert!(
        shown.contains("[mcp.servers.github]\ncommand = \"github-mcp\"  # from: project config"),
        "{shown}"
    );
    assert!(shown.contains("LOG_LEVEL = \"debug\""), "{shown}");
    for secret in [
        "ghp_abcdefghijklmnop1234",
        "a1b2c3d4e5f6g7h8i9j0k1",
        "plain-looking",
    ] {
        assert!(!shown.contains(secret), "`{secret}` leaked:\n{shown}");
    }
    assert!(shown.contains("X-Api = \"********\""), "{shown}");
}

#[test]
fn config_struct_default_matches_an_empty_load() {
    let project = Project::new();
    let loaded = project.load(&project.options());
    assert_eq!(loaded.config, Config::default());
}

#[test]
fn without_a_marker_the_cwd_is_the_root() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().join("loose");
    std::fs::create_dir(&cwd).unwrap();
    let paths = vtcode_core::config::ProjectPaths::discover(&cwd);
    assert_eq!(paths.root, cwd);
    assert_eq!(paths.dot_dir, cwd.join(".vtcode"));
    assert_eq!(paths.db, cwd.join(".vtcode/vtcode.db"));
}
