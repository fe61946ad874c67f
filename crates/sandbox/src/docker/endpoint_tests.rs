#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::Path;

use super::*;

/// A temp HOME with an optional `.docker/config.json` and contexts.
struct Home {
    dir: tempfile::TempDir,
    env: HashMap<String, String>,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            env: HashMap::new(),
        }
    }

    fn docker(&self) -> std::path::PathBuf {
        self.dir.path().join(".docker")
    }

    fn set(mut self, name: &str, value: &str) -> Self {
        self.env.insert(name.into(), value.into());
        self
    }

    fn current_context(self, name: &str) -> Self {
        std::fs::create_dir_all(self.docker()).unwrap();
        std::fs::write(
            self.docker().join("config.json"),
            format!(r#"{{"auths": {{}}, "currentContext": "{name}"}}"#),
        )
        .unwrap();
        self
    }

    /// Writes a context the way `docker context create` lays it out.
    fn context(self, name: &str, host: &str, with_tls: bool) -> Self {
        let id = hex::encode(Sha256::digest(name.as_bytes()));
        let meta = self.docker().join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        let body = serde_json::json!({
            "Name": name,
            "Metadata": {},
            "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": false}}
        });
        std::fs::write(meta.join("meta.json"), body.to_string()).unwrap();
        if with_tls {
            let tls = self.docker().join("contexts/tls").join(&id).join("docker");
            std::fs::create_dir_all(&tls).unwrap();
            for f in ["ca.pem", "cert.pem", "key.pem"] {
                std::fs::write(tls.join(f), "pem").unwrap();
            }
        }
        self
    }

    fn resolve(
        &self,
        docker_host: Option<&str>,
        remote: Option<bool>,
    ) -> Result<Endpoint, SandboxError> {
        let env = |name: &str| self.env.get(name).cloned();
        resolve(&EndpointInput {
            docker_host,
            remote,
            env: &env,
            home: Some(self.dir.path()),
        })
    }
}

#[test]
fn nothing_set_means_the_local_socket() {
    let e = Home::new().resolve(None, None).unwrap();
    assert_eq!(e.host, DEFAULT_HOST);
    assert_eq!(e.source, EndpointSource::Default);
    assert!(!e.remote);
    assert!(e.tls.is_none());
}

#[test]
fn config_beats_docker_host_which_beats_the_context() {
    let home = Home::new()
        .set("DOCKER_HOST", "tcp://10.0.0.2:2375")
        .context("vm", "unix:///run/vm.sock", false)
        .current_context("vm");
    let e = home.resolve(Some("unix:///srv/docker.sock"), None).unwrap();
    assert_eq!(
        (e.host.as_str(), &e.source),
        ("unix:///srv/docker.sock", &EndpointSource::Config)
    );
    assert!(!e.remote);

    let e = home.resolve(None, None).unwrap();
    assert_eq!(
        (e.host.as_str(), &e.source),
        ("tcp://10.0.0.2:2375", &EndpointSource::Env)
    );
    assert!(e.remote, "a tcp engine cannot see this machine's files");

    let home = Home::new()
        .context("vm", "unix:///run/vm.sock", false)
        .current_context("vm");
    let e = home.resolve(None, None).unwrap();
    assert_eq!(e.host, "unix:///run/vm.sock");
    assert_eq!(e.source, EndpointSource::Context("vm".into()));
}

#[test]
fn docker_context_variable_beats_the_config_file_and_default_means_none() {
    let home = Home::new()
        .context("a", "tcp://a.example:2375", false)
        .context("b", "tcp://b.example:2375", false)
        .current_context("a")
        .set("DOCKER_CONTEXT", "b");
    assert_eq!(
        home.resolve(None, None).unwrap().host,
        "tcp://b.example:2375"
    );
    let home = Home::new().current_context("default");
    assert_eq!(
        home.resolve(None, None).unwrap().source,
        EndpointSource::Default
    );
}

#[test]
fn docker_config_moves_the_config_directory() {
    let other = tempfile::tempdir().unwrap();
    let id = hex::encode(Sha256::digest(b"far"));
    let meta = other.path().join("contexts/meta").join(id);
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(
        meta.join("meta.json"),
        r#"{"Name":"far","Endpoints":{"docker":{"Host":"ssh://me@far"}}}"#,
    )
    .unwrap();
    std::fs::write(
        other.path().join("config.json"),
        r#"{"currentContext":"far"}"#,
    )
    .unwrap();
    let home = Home::new().set("DOCKER_CONFIG", other.path().to_str().unwrap());
    let e = home.resolve(None, None).unwrap();
    assert_eq!(e.host, "ssh://me@far");
    assert!(e.remote);
}

#[test]
fn tls_comes_from_the_environment_or_the_context() {
    let home = Home::new()
        .set("DOCKER_HOST", "tcp://build.example")
        .set("DOCKER_TLS_VERIFY", "1")
        .set("DOCKER_CERT_PATH", "/certs");
    let e = home.resolve(None, None).unwrap();
    assert_eq!(
        e.host, "tcp://build.example:2376",
        "the TLS port by default"
    );
    let tls = e.tls.unwrap();
    assert_eq!(tls.ca, Path::new("/certs/ca.pem"));
    assert_eq!(tls.key, Path::new("/certs/key.pem"));

    // Without DOCKER_CERT_PATH the certificates are in ~/.docker.
    let home = Home::new()
        .set("DOCKER_HOST", "tcp://build.example:2376")
        .set("DOCKER_TLS_VERIFY", "1");
    let e = home.resolve(None, None).unwrap();
    assert_eq!(e.tls.unwrap().cert, home.docker().join("cert.pem"));

    let home = Home::new()
        .context("tls", "tcp://secure.example:2376", true)
        .current_context("tls");
    let e = home.resolve(None, None).unwrap();
    let tls = e.tls.clone().unwrap();
    assert!(tls.ca.starts_with(home.docker().join("contexts/tls")));
    assert_eq!(
        e.cli_env()[1..],
        [
            ("DOCKER_TLS_VERIFY", "1".to_string()),
            ("DOCKER_CERT_PATH", tls.dir.display().to_string())
        ]
    );
}

#[test]
fn remote_setting_overrides_the_guess() {
    let home = Home::new();
    assert!(home.resolve(None, Some(true)).unwrap().remote);
    let e = home
        .resolve(Some("tcp://127.0.0.1:2375"), Some(false))
        .unwrap();
    assert!(!e.remote);
}

#[test]
fn bad_hosts_say_what_to_write() {
    let home = Home::new().set("DOCKER_HOST", "localhost:2375");
    let err = home.resolve(None, None).unwrap_err().to_string();
    assert!(
        err.contains("DOCKER_HOST") && err.contains("tcp://host:port"),
        "{err}"
    );
    let err = Home::new()
        .resolve(Some("fd://"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("[sandbox] docker_host") && err.contains("`fd`"),
        "{err}"
    );
    let err = Home::new()
        .set("DOCKER_HOST", "tcp://h:2376")
        .set("DOCKER_TLS", "1")
        .resolve(None, None)
        .unwrap_err()
        .to_string();
    assert!(err.contains("DOCKER_TLS_VERIFY=1"), "{err}");
}

#[test]
fn a_missing_context_says_how_to_go_back() {
    let home = Home::new().current_context("gone");
    let err = home.resolve(None, None).unwrap_err().to_string();
    assert!(err.contains("docker context `gone`"), "{err}");
    assert!(err.contains("docker context use default"), "{err}");
}
