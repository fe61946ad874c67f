//! `vtcode metrics serve`: `/metrics` over HTTP/1.1 for a Prometheus server.
//!
//! A scrape is one short GET, so a few lines over tokio's TCP listener do:
//! read the request head, answer `/metrics` with the current export read
//! fresh from the store, anything else with 404, and close the connection.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::export::{families, render_prometheus};
use crate::store::Store;

/// Longest request head read; a scrape's is a few hundred bytes.
const MAX_HEAD: usize = 16 * 1024;
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Answers scrapes on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, store: Arc<Store>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            if let Err(err) = answer(stream, &store).await {
                tracing::debug!("metrics scrape connection: {err}");
            }
        });
    }
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::new();
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..read]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

async fn answer(mut stream: TcpStream, store: &Arc<Store>) -> std::io::Result<()> {
    let head = tokio::time::timeout(READ_TIMEOUT, read_head(&mut stream))
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "request too slow"))??;
    let mut words = head.split_whitespace();
    let method = words.next().unwrap_or("");
    let path = words.next().unwrap_or("");
    let path = path.split('?').next().unwrap_or("");
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let store = Arc::clone(store);
            let export = tokio::task::spawn_blocking(move || {
                store
                    .metric_events(None)
                    .map(|events| render_prometheus(&families(&events)))
            })
            .await;
            match export {
                Ok(Ok(text)) => ("200 OK", CONTENT_TYPE, text),
                Ok(Err(err)) => (
                    "500 Internal Server Error",
                    "text/plain",
                    format!("cannot read the metrics: {err}\n"),
                ),
                Err(err) => (
                    "500 Internal Server Error",
                    "text/plain",
                    format!("{err}\n"),
                ),
            }
        }
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain",
            "not found: the metrics are at /metrics\n".to_string(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain",
            "only GET is supported\n".to_string(),
        ),
    };
    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if method != "HEAD" {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}
