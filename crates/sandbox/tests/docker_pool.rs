//! The Docker pool's housekeeping: container hardening, orphan removal at
//! start, status, warm and prune.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::ContainerCreateBody;
use bollard::query_parameters::{CreateContainerOptionsBuilder, ListContainersOptionsBuilder};
use common::{ensure_image, settings};
use vtcode_sandbox::{Backend, DockerSandbox, Mounts, Sandbox};

async fn containers(
    docker: &bollard::Docker,
    project: &str,
) -> Vec<bollard::models::ContainerSummary> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            "vtcode.sandbox=1".to_string(),
            format!("vtcode.sandbox.project={project}"),
        ],
    )]);
    let options = ListContainersOptionsBuilder::new()
        .all(true)
        .filters(&filters)
        .build();
    docker.list_containers(Some(options)).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_containers_are_hardened_orphans_removed_and_prune_cleans_up() {
    ensure_image().await;
    let docker = vtcode_sandbox::connect_docker().await.unwrap();
    let project = format!("pool-test-{}", std::process::id());

    // An orphan: a container of this installation whose vtcode is gone.
    let mut s = settings(Backend::Docker, Mounts::default());
    let installation = s.installation.clone();
    let dead = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = dead.id();
    let mut dead = dead;
    dead.wait().unwrap();
    let labeled = |installation: &str| {
        HashMap::from([
            ("vtcode.sandbox".to_string(), "1".to_string()),
            ("vtcode.sandbox.project".to_string(), project.clone()),
            ("vtcode.sandbox.pid".to_string(), dead_pid.to_string()),
            (
                "vtcode.sandbox.installation".to_string(),
                installation.to_string(),
            ),
        ])
    };
    let create = |name: String, labels: HashMap<String, String>| {
        let docker = docker.clone();
        async move {
            let options = CreateContainerOptionsBuilder::new().name(&name).build();
            let body = ContainerCreateBody {
                image: Some(vtcode_sandbox::DEFAULT_IMAGE.into()),
                labels: Some(labels),
                ..Default::default()
            };
            docker
                .create_container(Some(options), body)
                .await
                .unwrap()
                .id
        }
    };
    let orphan = create(format!("{project}-orphan"), labeled(&installation)).await;
    // Made by another vtcode installation sharing the engine: not ours to
    // judge, nor to prune.
    let foreign = create(format!("{project}-foreign"), labeled("elsewhere")).await;

    s.project = Some(project.clone());
    s.pool_size = 2;
    let sandbox = DockerSandbox::start(s.clone()).await.unwrap();
    assert!(
        docker.inspect_container(&orphan, None).await.is_err(),
        "the orphaned container survived the start"
    );
    assert!(docker.inspect_container(&foreign, None).await.is_ok());

    let warm = tokio::time::timeout(Duration::from_secs(60), sandbox.warm())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((warm.ready, warm.busy, warm.target), (2, 0, 2));
    let status = vtcode_sandbox::sandbox_status(&s, Some(&sandbox)).await;
    assert_eq!(status.backend, "docker");
    let image = status.image.unwrap();
    assert!(image.present && image.hash.is_some(), "{image:?}");
    assert_eq!(status.pool.unwrap().ready, 2);

    let listed = containers(&docker, &project).await;
    let pool: Vec<_> = listed
        .iter()
        .filter(|c| c.id.as_deref() != Some(foreign.as_str()))
        .collect();
    assert_eq!(pool.len(), 2, "{listed:?}");
    let inspected = docker
        .inspect_container(pool[0].id.as_deref().unwrap(), None)
        .await
        .unwrap();
    let host = inspected.host_config.unwrap();
    let config = inspected.config.unwrap();
    assert_eq!(host.network_mode.as_deref(), Some("none"));
    assert_eq!(host.readonly_rootfs, Some(true));
    assert_eq!(host.cap_drop, Some(vec!["ALL".to_string()]));
    assert!(
        host.security_opt
            .unwrap()
            .iter()
            .any(|o| o.starts_with("no-new-privileges"))
    );
    assert_eq!(host.memory, Some(256 << 20));
    assert_eq!(host.memory_swap, host.memory);
    // The program's 64, plus 16 for the Node spare that waits beside it.
    assert_eq!(host.pids_limit, Some(64 + 16));
    assert_eq!(host.init, Some(true));
    assert!(host.tmpfs.unwrap().contains_key("/tmp"));
    let user = config.user.unwrap();
    assert!(
        !user.is_empty() && !user.starts_with("0") && !user.starts_with("root"),
        "{user}"
    );

    let removed = vtcode_sandbox::prune(&s, Some(&project)).await.unwrap();
    assert!(removed >= 2, "prune removed {removed}");
    assert!(
        docker.inspect_container(&foreign, None).await.is_ok(),
        "prune removed another installation's container"
    );
    docker
        .remove_container(
            &foreign,
            Some(
                bollard::query_parameters::RemoveContainerOptionsBuilder::new()
                    .force(true)
                    .build(),
            ),
        )
        .await
        .unwrap();
    // Whatever the pool started meanwhile goes with its shutdown.
    sandbox.shutdown().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let left = containers(&docker, &project).await;
        if left.is_empty() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "containers left behind: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
