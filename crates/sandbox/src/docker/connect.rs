//! Opening a client to a resolved [`Endpoint`] and checking that it answers.
//!
//! unix sockets and plain tcp go through bollard's own connectors, tcp with
//! TLS through its rustls one, and ssh through bollard's ssh transport,
//! which runs `docker system dial-stdio` on the far host over the system's
//! `ssh` exactly like the docker CLI does.

use std::time::Duration;

use bollard::{API_DEFAULT_VERSION, Docker};

use super::endpoint::{Endpoint, resolve_from_env};
use crate::SandboxError;

/// Seconds a single engine request may take (image loads and archive
/// uploads included).
const REQUEST_TIMEOUT: u64 = 120;
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to the engine the environment names (no vtcode config) and
/// checks that it answers.
pub async fn connect() -> Result<Docker, SandboxError> {
    let endpoint = resolve_from_env(None, None)?;
    connect_to(&endpoint).await
}

/// Connects to `endpoint` and checks that it answers.
pub async fn connect_to(endpoint: &Endpoint) -> Result<Docker, SandboxError> {
    let unavailable = |detail: String| {
        SandboxError::Unavailable(format!(
            "no Docker engine answered at {} (from {}: {detail}); start Docker, or set sandbox.backend = \"process\"",
            endpoint.host, endpoint.source
        ))
    };
    let docker = client(endpoint).map_err(|e| unavailable(e.to_string()))?;
    match tokio::time::timeout(PING_TIMEOUT, docker.ping()).await {
        Ok(Ok(_)) => Ok(docker),
        Ok(Err(err)) if endpoint.host.starts_with("ssh://") => Err(unavailable(format!(
            "{err}; vtcode runs `ssh {} docker system dial-stdio`, which needs key-based login and docker on that host. Or forward the socket: `ssh -NL /tmp/vtcode-docker.sock:/var/run/docker.sock HOST`, then DOCKER_HOST=unix:///tmp/vtcode-docker.sock with [sandbox] remote = true",
            endpoint.host.trim_start_matches("ssh://")
        ))),
        Ok(Err(err)) => Err(unavailable(err.to_string())),
        Err(_) => Err(unavailable(format!(
            "no answer within {}s",
            PING_TIMEOUT.as_secs()
        ))),
    }
}

fn client(endpoint: &Endpoint) -> Result<Docker, bollard::errors::Error> {
    let host = endpoint.host.as_str();
    if host.starts_with("unix://") {
        Docker::connect_with_unix(host, REQUEST_TIMEOUT, API_DEFAULT_VERSION)
    } else if host.starts_with("ssh://") {
        Docker::connect_with_ssh(host, REQUEST_TIMEOUT, API_DEFAULT_VERSION, None)
    } else if let Some(tls) = &endpoint.tls {
        Docker::connect_with_ssl(
            host,
            &tls.key,
            &tls.cert,
            &tls.ca,
            REQUEST_TIMEOUT,
            API_DEFAULT_VERSION,
        )
    } else {
        Docker::connect_with_http(host, REQUEST_TIMEOUT, API_DEFAULT_VERSION)
    }
}
