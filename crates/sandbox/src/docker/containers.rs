//! Whose containers and volumes are whose, on an engine that may be shared.
//!
//! Every container carries `vtcode.sandbox=1`, its project, the id of the
//! vtcode installation that made it (a random id kept in the user's data
//! directory) and the pid and start time of the vtcode process. An orphan is
//! a container of *this* installation whose process is gone: only this
//! machine can judge its own pids, and an engine shared by many machines
//! (or by containers with their own pid namespace) never has another
//! installation's containers removed from here. The persistent `/state` of a
//! remote engine is a named volume per installation and project.

use std::collections::HashMap;

use bollard::Docker;
use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::{ListContainersOptionsBuilder, RemoveContainerOptionsBuilder};

use crate::SandboxError;

pub const LABEL: &str = "vtcode.sandbox";
pub(crate) const PROJECT_LABEL: &str = "vtcode.sandbox.project";
pub(crate) const INSTALLATION_LABEL: &str = "vtcode.sandbox.installation";
const PID_LABEL: &str = "vtcode.sandbox.pid";
const STARTED_LABEL: &str = "vtcode.sandbox.started";

/// The labels of a container made by this process.
pub(crate) fn labels(installation: &str, project: Option<&str>) -> HashMap<String, String> {
    let mut labels = HashMap::from([
        (LABEL.to_string(), "1".to_string()),
        (INSTALLATION_LABEL.to_string(), installation.to_string()),
        (PID_LABEL.to_string(), std::process::id().to_string()),
    ]);
    if let Some(started) = start_time(std::process::id()) {
        labels.insert(STARTED_LABEL.to_string(), started);
    }
    if let Some(project) = project {
        labels.insert(PROJECT_LABEL.to_string(), project.to_string());
    }
    labels
}

/// When process `pid` started, in clock ticks since boot (field 22 of
/// `/proc/PID/stat`): with the pid it names one process, even after the pid
/// is reused.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces; count after its ')'.
    let rest = stat.rsplit_once(')')?.1;
    rest.split_whitespace().nth(19).map(str::to_string)
}

/// Removes this installation's sandbox containers: with `only_orphans`,
/// those whose vtcode process is gone; otherwise all of them (of `project`,
/// if given). Returns how many were removed.
pub async fn remove_containers(
    docker: &Docker,
    installation: &str,
    project: Option<&str>,
    only_orphans: bool,
) -> Result<usize, SandboxError> {
    let mut filters = vec![
        format!("{LABEL}=1"),
        format!("{INSTALLATION_LABEL}={installation}"),
    ];
    if let Some(project) = project {
        filters.push(format!("{PROJECT_LABEL}={project}"));
    }
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&HashMap::from([("label".to_string(), filters)]))
        .build();
    let containers = docker
        .list_containers(Some(options))
        .await
        .map_err(|e| SandboxError::Runner(format!("could not list sandbox containers: {e}")))?;
    let mut removed = 0;
    for container in containers {
        if only_orphans && !is_orphan(container.labels.as_ref(), installation) {
            continue;
        }
        if let Some(id) = container.id {
            remove(docker, &id).await;
            removed += 1;
        }
    }
    Ok(removed)
}

/// Whether a container of `installation` outlived the vtcode that made it.
fn is_orphan(labels: Option<&HashMap<String, String>>, installation: &str) -> bool {
    let Some(labels) = labels else {
        return false;
    };
    if labels.get(INSTALLATION_LABEL).map(String::as_str) != Some(installation) {
        return false;
    }
    let Some(pid) = labels.get(PID_LABEL).and_then(|p| p.parse::<u32>().ok()) else {
        return false;
    };
    match (start_time(pid), labels.get(STARTED_LABEL)) {
        (None, _) => true,
        (Some(now), Some(then)) => now != *then,
        (Some(_), None) => false,
    }
}

pub(crate) async fn remove(docker: &Docker, id: &str) {
    let options = RemoveContainerOptionsBuilder::new()
        .force(true)
        .v(true)
        .build();
    if let Err(err) = docker.remove_container(id, Some(options)).await {
        tracing::debug!("removing sandbox container {id}: {err}");
    }
}

/// The named volume holding `/state` on a remote engine, created (with
/// labels saying whose it is) when missing.
pub(crate) async fn state_volume(
    docker: &Docker,
    installation: &str,
    project: Option<&str>,
) -> Result<String, SandboxError> {
    let project = project.unwrap_or("default");
    let short: String = installation
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect();
    let safe: String = project
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let name = format!("vtcode-state-{short}-{safe}");
    let request = VolumeCreateRequest {
        name: Some(name.clone()),
        labels: Some(HashMap::from([
            (LABEL.to_string(), "1".to_string()),
            (INSTALLATION_LABEL.to_string(), installation.to_string()),
            (PROJECT_LABEL.to_string(), project.to_string()),
        ])),
        ..Default::default()
    };
    // Creating an existing volume returns it unchanged.
    docker.create_volume(request).await.map_err(|e| {
        SandboxError::Runner(format!("could not create the state volume {name}: {e}"))
    })?;
    Ok(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn only_this_installations_dead_owners_make_orphans() {
        let mine = labels("inst-a", Some("p"));
        assert!(!is_orphan(Some(&mine), "inst-a"), "this process is alive");
        assert!(!is_orphan(Some(&mine), "inst-b"), "another installation's");
        let mut dead = mine.clone();
        dead.insert(PID_LABEL.into(), "999999999".into());
        assert!(is_orphan(Some(&dead), "inst-a"));
        assert!(!is_orphan(Some(&dead), "inst-b"));
        // The pid is alive again, but it is another process now.
        let mut reused = mine;
        reused.insert(STARTED_LABEL.into(), "1".into());
        assert!(is_orphan(Some(&reused), "inst-a"));
    }
}
