//! The accept loop: every connection bounded in count and in the time its requests may
//! take to arrive, and each peer to a share of the count, so that slow or half-open clients
//! cannot use up the file descriptors or the memory that normal requests need, nor one peer
//! the connections of all the others.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::Limits;

/// File descriptors kept free of connections: the database, the parts being written, the
/// sources being assembled and read.
const FDS_FOR_FILES: usize = 256;

/// The connection cap actually used: the configured one, kept below the process's
/// open-file limit.
pub fn connection_cap(limits: &Limits) -> usize {
    let cap = limits.max_connections;
    match open_file_limit() {
        Some(fds) => cap.min(fds.saturating_sub(FDS_FOR_FILES).max(1)),
        None => cap,
    }
}

/// The soft limit on open files, from `/proc/self/limits` where there is one.
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// Once the last connection has closed, hands freed heap back to the system: after a flood
/// of connections glibc would otherwise keep the peak's memory.
fn release_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free heap pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The connections one peer may hold: a share of the cap, so that a peer that opens
/// connections and keeps them (slowly, or idle) leaves room for everyone else, and enough for
/// a browser's six connections to a host and then some.
pub fn peer_share(cap: usize) -> usize {
    (cap / 4).max(8).min(cap)
}

/// Open connections by peer (see [`crate::guard::peer_of`]).
#[derive(Debug, Default)]
struct Peers(Mutex<HashMap<IpAddr, usize>>);

impl Peers {
    /// Counts a connection of `peer` in, unless it holds `share` already.
    fn enter(&self, peer: IpAddr, share: usize) -> bool {
        let mut peers = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let count = peers.entry(peer).or_insert(0);
        if *count >= share {
            return false;
        }
        *count += 1;
        true
    }

    fn leave(&self, peer: IpAddr) {
        let mut peers = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = peers.get_mut(&peer) {
            *count -= 1;
            if *count == 0 {
                peers.remove(&peer);
            }
        }
    }
}

/// Serves `app` on `listener` until `shutdown` resolves, then lets running requests finish.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits, shutdown: impl std::future::Future<Output = ()>) {
    let cap = connection_cap(&limits);
    let share = peer_share(cap);
    let peers = Arc::new(Peers::default());
    let mut crowded = false;
    let permits = Arc::new(Semaphore::new(cap));
    let graceful = GracefulShutdown::new();
    let header_timeout = Duration::from_secs(limits.header_timeout_secs);
    tokio::pin!(shutdown);
    let mut full = false;
    loop {
        // A permit first: at the cap, connections wait in the kernel's backlog instead of
        // each taking a descriptor and a task.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        if permits.available_permits() == 0 && !full {
            full = true;
            tracing::warn!(cap, "connection limit reached: new connections wait until one closes (--max-connections)");
        } else if permits.available_permits() > cap / 10 {
            full = false;
            crowded = false;
        }
        let (stream, address) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors despite the cap (other processes' files): back off
                    // rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A peer at its share is closed at once: waiting in the backlog, its connections
        // would stand before everyone else's.
        let peer = crate::guard::peer_of(address.ip());
        if !peers.enter(peer, share) {
            if !crowded {
                crowded = true;
                tracing::warn!(%peer, share, "a peer holds its share of connections: its further connections are closed (--max-connections / 4)");
            }
            drop(stream);
            continue;
        }
        // Without it, a response written in more than one piece (a file from --www or --pkg:
        // headers, then the body in chunks) waits on Nagle's algorithm for the client's
        // delayed ACK, ~40 ms a file on loopback, which is most of a page's start-up.
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let app = app.clone();
            let mut request = request.map(axum::body::Body::new);
            // Who sent it, for the guard against guessing and the rate limits.
            request.extensions_mut().insert(ConnectInfo(address));
            async move { Ok::<_, Infallible>(app.oneshot(request).await.unwrap_or_else(|never| match never {})) }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        let all = permits.clone();
        let peers = peers.clone();
        tokio::spawn(async move {
            let _ = connection.await;
            peers.leave(peer);
            drop(permit);
            if all.available_permits() == cap {
                release_memory();
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
