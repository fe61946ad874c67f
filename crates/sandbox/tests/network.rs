//! Network containment that an offline host cannot fake: the test starts a
//! TCP and a UDP listener on the host's loopback and on the Docker bridge
//! gateway (the host as seen from a container), shows that the host itself
//! reaches every one of them (the control), then runs a program on each
//! backend that tries the same. The program must fail every attempt, and
//! the listeners must see nothing from it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{py, sandbox, settings};
use vtcode_sandbox::{Backend, ExecStatus, Mounts};

/// A TCP and a UDP listener on one address, counting what reaches them.
struct Listeners {
    ip: IpAddr,
    tcp: u16,
    udp: u16,
    tcp_accepted: Arc<AtomicUsize>,
    udp_received: Arc<AtomicUsize>,
}

impl Listeners {
    fn start(ip: IpAddr) -> Self {
        let tcp =
            TcpListener::bind((ip, 0)).unwrap_or_else(|e| panic!("cannot listen on {ip}: {e}"));
        let udp = UdpSocket::bind((ip, 0)).unwrap();
        let (tcp_port, udp_port) = (
            tcp.local_addr().unwrap().port(),
            udp.local_addr().unwrap().port(),
        );
        let tcp_accepted = Arc::new(AtomicUsize::new(0));
        let udp_received = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::clone(&tcp_accepted);
        std::thread::spawn(move || {
            for stream in tcp.incoming() {
                if stream.is_ok() {
                    accepted.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
        let received = Arc::clone(&udp_received);
        std::thread::spawn(move || {
            let mut buf = [0u8; 64];
            while let Ok((_, from)) = udp.recv_from(&mut buf) {
                received.fetch_add(1, Ordering::SeqCst);
                let _ = udp.send_to(b"pong", from);
            }
        });
        Self {
            ip,
            tcp: tcp_port,
            udp: udp_port,
            tcp_accepted,
            udp_received,
        }
    }

    fn seen(&self) -> (usize, usize) {
        (
            self.tcp_accepted.load(Ordering::SeqCst),
            self.udp_received.load(Ordering::SeqCst),
        )
    }

    /// The host reaches both listeners: what the program is denied works.
    fn control(&self) {
        let before = self.seen();
        TcpStream::connect_timeout(&SocketAddr::new(self.ip, self.tcp), Duration::from_secs(2))
            .unwrap_or_else(|e| {
                panic!(
                    "control: the host cannot reach its own TCP listener on {}: {e}",
                    self.ip
                )
            });
        let probe = UdpSocket::bind((self.ip, 0)).unwrap();
        probe
            .set_read_timeout(Some(Duration::from_secs(2)))
            .unwrap();
        probe.send_to(b"ping", (self.ip, self.udp)).unwrap();
        let mut buf = [0u8; 8];
        let (n, _) = probe
            .recv_from(&mut buf)
            .unwrap_or_else(|e| panic!("control: no UDP answer from {}: {e}", self.ip));
        assert_eq!(&buf[..n], b"pong");
        for _ in 0..50 {
            if self.seen() == (before.0 + 1, before.1 + 1) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "control: the listeners on {} did not count the host's own attempts",
            self.ip
        );
    }
}

/// The Docker bridge's gateway: the host's address on the network
/// containers would be on, from the engine's own description.
async fn bridge_gateway() -> IpAddr {
    let docker = bollard::Docker::connect_with_local_defaults()
        .unwrap_or_else(|e| panic!("this test needs a Docker engine: {e}"));
    let network = docker
        .inspect_network("bridge", None)
        .await
        .unwrap_or_else(|e| panic!("this test needs Docker's bridge network: {e}"));
    let config = network
        .ipam
        .and_then(|ipam| ipam.config)
        .and_then(|c| c.into_iter().next())
        .expect("the bridge network has an address range");
    if let Some(gateway) = config.gateway.filter(|g| !g.is_empty()) {
        return gateway.parse().unwrap();
    }
    // No gateway recorded: the engine gives the bridge the first address.
    let subnet = config.subnet.expect("the bridge network has a subnet");
    let base: Ipv4Addr = subnet.split('/').next().unwrap().parse().unwrap();
    IpAddr::V4(Ipv4Addr::from(u32::from(base) + 1))
}

fn attempts(targets: &[&Listeners]) -> String {
    let list: Vec<String> = targets
        .iter()
        .map(|l| format!("({:?}, {}, {})", l.ip.to_string(), l.tcp, l.udp))
        .collect();
    format!(
        "import socket
for host, tcp, udp in [{}]:
    try:
        socket.create_connection((host, tcp), timeout=2).close()
        print('ESCAPED tcp', host)
    except BaseException as e:
        print('BLOCKED tcp', host, type(e).__name__)
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(b'ping', (host, udp))
        s.recv(16)
        print('ESCAPED udp', host)
    except BaseException as e:
        print('BLOCKED udp', host, type(e).__name__)
",
        list.join(", ")
    )
}

async fn network_suite(backend: Backend) {
    let loopback = Listeners::start(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let gateway = Listeners::start(bridge_gateway().await);
    let targets = [&loopback, &gateway];
    for listeners in targets {
        listeners.control();
    }
    let before: Vec<(usize, usize)> = targets.iter().map(|l| l.seen()).collect();

    let sb = sandbox(backend, settings(backend, Mounts::default())).await;
    let r = py(&sb, &attempts(&targets), &Mounts::default()).await;
    sb.shutdown().await;
    assert_eq!(r.status, ExecStatus::Ok, "{r:?}");
    assert_eq!(
        r.stdout.matches("BLOCKED").count(),
        4,
        "every attempt must fail:\n{}{}",
        r.stdout,
        r.stderr
    );
    assert!(!r.stdout.contains("ESCAPED"), "{}", r.stdout);
    std::thread::sleep(Duration::from_millis(200));
    let after: Vec<(usize, usize)> = targets.iter().map(|l| l.seen()).collect();
    assert_eq!(before, after, "a listener saw traffic from the program");
}

on_both_backends!(network_suite: the_process_backend_reaches_no_host_listener, the_docker_backend_reaches_no_host_listener);
