//! `vtcode sandbox status` and `doctor` name the Docker engine the way the
//! docker CLI would pick it, say how it was chosen and whether it is remote:
//! a docker context in the (test) home, `DOCKER_HOST` over it, and
//! `[sandbox] docker_host` over both. Nothing listens on the endpoints, so
//! each also says that no engine answered there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cli_support;

use cli_support::{Project, stdout};
use sha2::{Digest, Sha256};

/// Writes a docker context `name` for `host` and makes it current, as
/// `docker context create` and `docker context use` do.
fn docker_context(project: &Project, name: &str, host: &str) {
    let docker = project.path().join(".docker");
    let meta = docker
        .join("contexts/meta")
        .join(hex::encode(Sha256::digest(name.as_bytes())));
    std::fs::create_dir_all(&meta).unwrap();
    let body = serde_json::json!({
        "Name": name,
        "Metadata": {},
        "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
    });
    std::fs::write(meta.join("meta.json"), body.to_string()).unwrap();
    std::fs::write(
        docker.join("config.json"),
        format!(r#"{{"currentContext": "{name}"}}"#),
    )
    .unwrap();
}

fn status(project: &Project, env: &[(&str, &str)], args: &[&str]) -> String {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["sandbox", "status"]);
    let mut command = project.command(&all);
    command
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{out:?}");
    stdout(&out)
}

#[test]
fn sandbox_status_names_the_engine_and_how_it_was_chosen() {
    let project = Project::with_config("");
    docker_context(&project, "build-host", "tcp://127.0.0.1:9");
    let out = status(&project, &[], &[]);
    assert!(
        out.contains(
            "engine:  tcp://127.0.0.1:9 (from docker context `build-host`; remote: files are shipped in, nothing is mounted)"
        ),
        "{out}"
    );
    assert!(out.contains("backend: process"), "auto falls back: {out}");
    assert!(
        out.contains("no Docker engine answered at tcp://127.0.0.1:9"),
        "{out}"
    );

    let out = status(
        &project,
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
        &[],
    );
    assert!(
        out.contains("engine:  unix:///nonexistent/docker.sock (from DOCKER_HOST; local: host directories are mounted)"),
        "{out}"
    );

    let out = status(
        &project,
        &[("DOCKER_HOST", "unix:///nonexistent/docker.sock")],
        &[
            "-c",
            "sandbox.docker_host=tcp://127.0.0.1:10",
            "-c",
            "sandbox.remote=false",
        ],
    );
    assert!(
        out.contains("engine:  tcp://127.0.0.1:10 (from [sandbox] docker_host; local: host directories are mounted)"),
        "{out}"
    );

    let doctor = project
        .command(&["doctor"])
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    let text = format!("{}{}", stdout(&doctor), cli_support::stderr(&doctor));
    assert!(text.contains("docker context `build-host`"), "{text}");
}
