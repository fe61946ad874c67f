//! Which Docker engine to use, found the way the `docker` CLI finds it.
//!
//! In order: `[sandbox] docker_host` in vtcode.toml, else `DOCKER_HOST`,
//! else the current docker context (`DOCKER_CONTEXT`, else
//! `currentContext` in `$DOCKER_CONFIG/config.json`, read from
//! `contexts/meta/<sha256 of its name>/meta.json`), else the local socket.
//! TLS for a `tcp://` host comes from `DOCKER_TLS_VERIFY` and
//! `DOCKER_CERT_PATH` (a context keeps its own certificates under
//! `contexts/tls/`). The result also says whether the engine can see this
//! machine's files: a unix socket can, anything reached over the network
//! cannot, and `[sandbox] remote` overrides the guess.
//!
//! [`resolve`] is a pure function of its [`EndpointInput`] (the config,
//! an environment lookup and the docker config directory), so the order is
//! tested without touching the real environment.

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::SandboxError;

/// Where the engine is expected when nothing says otherwise.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// What decided the engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum EndpointSource {
    /// `[sandbox] docker_host`.
    Config,
    /// The `DOCKER_HOST` variable.
    Env,
    /// A docker context, by name.
    Context(String),
    /// Nothing set: the local socket.
    Default,
}

impl fmt::Display for EndpointSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config => f.write_str("[sandbox] docker_host"),
            Self::Env => f.write_str("DOCKER_HOST"),
            Self::Context(name) => write!(f, "docker context `{name}`"),
            Self::Default => f.write_str("the default socket"),
        }
    }
}

/// Client certificates for a TLS engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TlsFiles {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The directory holding them, as `DOCKER_CERT_PATH` names it.
    pub dir: PathBuf,
}

/// The engine vtcode talks to.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// `unix:///path`, `tcp://host:port` or `ssh://[user@]host[:port]`.
    pub host: String,
    pub tls: Option<TlsFiles>,
    pub source: EndpointSource,
    /// The engine cannot see this machine's files: nothing is bind-mounted.
    pub remote: bool,
}

impl Endpoint {
    /// `tcp://127.0.0.1:2375 (from DOCKER_HOST; remote: ...)`, for status
    /// lines.
    pub fn describe(&self) -> String {
        let tls = if self.tls.is_some() { ", TLS" } else { "" };
        let mode = if self.remote {
            "remote: files are shipped in, nothing is mounted"
        } else {
            "local: host directories are mounted"
        };
        format!("{}{tls} (from {}; {mode})", self.host, self.source)
    }

    /// The variables that make the `docker` CLI reach this same engine.
    pub fn cli_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![("DOCKER_HOST", self.host.clone())];
        if let Some(tls) = &self.tls {
            env.push(("DOCKER_TLS_VERIFY", "1".into()));
            env.push(("DOCKER_CERT_PATH", tls.dir.display().to_string()));
        }
        env
    }
}

/// What the resolution reads.
pub struct EndpointInput<'a> {
    /// `[sandbox] docker_host`.
    pub docker_host: Option<&'a str>,
    /// `[sandbox] remote`: `Some` overrides the guess from the scheme.
    pub remote: Option<bool>,
    /// An environment lookup (`std::env::var` in real use).
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// The user's home, where `.docker/` is unless `DOCKER_CONFIG` says.
    pub home: Option<&'a Path>,
}

impl EndpointInput<'_> {
    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.trim().is_empty())
    }

    fn config_dir(&self) -> Option<PathBuf> {
        self.var("DOCKER_CONFIG")
            .map(PathBuf::from)
            .or_else(|| self.home.map(|h| h.join(".docker")))
    }
}

/// The engine of this process's environment and the given config.
pub fn resolve_from_env(
    docker_host: Option<&str>,
    remote: Option<bool>,
) -> Result<Endpoint, SandboxError> {
    let env = |name: &str| std::env::var(name).ok();
    let home = dirs::home_dir();
    resolve(&EndpointInput {
        docker_host,
        remote,
        env: &env,
        home: home.as_deref(),
    })
}

pub fn resolve(input: &EndpointInput<'_>) -> Result<Endpoint, SandboxError> {
    let (host, source, context_tls) = if let Some(host) = input.docker_host {
        (host.trim().to_string(), EndpointSource::Config, None)
    } else if let Some(host) = input.var("DOCKER_HOST") {
        (host.trim().to_string(), EndpointSource::Env, None)
    } else if let Some((name, host, tls)) = current_context(input)? {
        (host, EndpointSource::Context(name), tls)
    } else {
        (DEFAULT_HOST.to_string(), EndpointSource::Default, None)
    };
    let host = normalize(&host, &source, context_tls.is_some() || tls_wanted(input))?;
    let tls = if host.starts_with("tcp://") {
        match context_tls {
            Some(tls) => Some(tls),
            None => env_tls(input, &source)?,
        }
    } else {
        None
    };
    let remote = input.remote.unwrap_or(!host.starts_with("unix://"));
    Ok(Endpoint {
        host,
        tls,
        source,
        remote,
    })
}

fn tls_wanted(input: &EndpointInput<'_>) -> bool {
    input.var("DOCKER_TLS_VERIFY").is_some()
}

/// TLS from `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH`, as `docker -H` uses.
fn env_tls(
    input: &EndpointInput<'_>,
    source: &EndpointSource,
) -> Result<Option<TlsFiles>, SandboxError> {
    if !tls_wanted(input) {
        if input.var("DOCKER_TLS").is_some() {
            return Err(bad(
                source,
                "DOCKER_TLS without DOCKER_TLS_VERIFY asks for TLS without checking the engine's certificate, which vtcode does not do; set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the directory with ca.pem, cert.pem and key.pem",
            ));
        }
        return Ok(None);
    }
    let dir = input
        .var("DOCKER_CERT_PATH")
        .map(PathBuf::from)
        .or_else(|| input.config_dir())
        .ok_or_else(|| bad(source, "DOCKER_TLS_VERIFY is set but DOCKER_CERT_PATH is not, and there is no home directory to look in"))?;
    Ok(Some(tls_files(dir)))
}

fn tls_files(dir: PathBuf) -> TlsFiles {
    TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
        dir,
    }
}

/// Checks the scheme and fills in the default port, as the CLI does.
fn normalize(host: &str, source: &EndpointSource, tls: bool) -> Result<String, SandboxError> {
    let (scheme, rest) = host.split_once("://").ok_or_else(|| {
        bad(
            source,
            &format!(
                "`{host}` has no scheme; write unix:///path, tcp://host:port or ssh://user@host"
            ),
        )
    })?;
    match scheme {
        "unix" if rest.starts_with('/') => Ok(host.to_string()),
        "unix" => Err(bad(
            source,
            &format!("`{host}` is not an absolute socket path"),
        )),
        "tcp" | "http" | "https" => {
            let authority = rest.trim_end_matches('/');
            if authority.is_empty() {
                return Err(bad(source, &format!("`{host}` names no host")));
            }
            let has_port = authority
                .rsplit_once(':')
                .is_some_and(|(_, port)| port.parse::<u16>().is_ok());
            let port = if tls || scheme == "https" { 2376 } else { 2375 };
            Ok(if has_port {
                format!("tcp://{authority}")
            } else {
                format!("tcp://{authority}:{port}")
            })
        }
        "ssh" if !rest.is_empty() => Ok(host.trim_end_matches('/').to_string()),
        "npipe" => Err(bad(source, "named pipes exist only on Windows")),
        other => Err(bad(
            source,
            &format!("the scheme `{other}` is not one vtcode speaks; use unix, tcp or ssh"),
        )),
    }
}

/// The docker context in use, unless it is `default` (which means
/// `DOCKER_HOST` or the local socket, both handled by the caller).
fn current_context(
    input: &EndpointInput<'_>,
) -> Result<Option<(String, String, Option<TlsFiles>)>, SandboxError> {
    let Some(dir) = input.config_dir() else {
        return Ok(None);
    };
    let name = match input.var("DOCKER_CONTEXT") {
        Some(name) => name,
        None => {
            let Ok(text) = std::fs::read_to_string(dir.join("config.json")) else {
                return Ok(None);
            };
            let config: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                SandboxError::Unavailable(format!(
                    "{} is not valid JSON ({e}); fix it or remove currentContext",
                    dir.join("config.json").display()
                ))
            })?;
            match config.get("currentContext").and_then(|c| c.as_str()) {
                Some(name) if !name.is_empty() => name.to_string(),
                _ => return Ok(None),
            }
        }
    };
    if name == "default" {
        return Ok(None);
    }
    let id = hex::encode(Sha256::digest(name.as_bytes()));
    let meta_file = dir.join("contexts/meta").join(&id).join("meta.json");
    let source = EndpointSource::Context(name.clone());
    let meta: serde_json::Value = std::fs::read_to_string(&meta_file)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
        .map_err(|e| {
            bad(
                &source,
                &format!(
                    "cannot read {} ({e}); `docker context ls` lists the contexts, `docker context use default` goes back to the local engine",
                    meta_file.display()
                ),
            )
        })?;
    let endpoint = &meta["Endpoints"]["docker"];
    let host = endpoint["Host"]
        .as_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            bad(
                &source,
                &format!("{} has no docker endpoint host", meta_file.display()),
            )
        })?
        .to_string();
    if endpoint["SkipTLSVerify"].as_bool() == Some(true) {
        return Err(bad(
            &source,
            "the context skips TLS verification, which vtcode does not do; give it the engine's CA (`docker context update --docker ca=...`)",
        ));
    }
    let tls_dir = dir.join("contexts/tls").join(&id).join("docker");
    let tls = tls_dir.join("ca.pem").is_file().then(|| tls_files(tls_dir));
    Ok(Some((name, host, tls)))
}

fn bad(source: &EndpointSource, detail: &str) -> SandboxError {
    SandboxError::Unavailable(format!("the Docker engine from {source}: {detail}"))
}

#[cfg(test)]
#[path = "endpoint_tests.rs"]
mod tests;
