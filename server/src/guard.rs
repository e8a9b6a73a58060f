//! Guessing credentials is slow, and only for the guesser.
//!
//! Every answer that refuses credentials (a wrong API key or access token on any API route, a
//! wrong key or refresh token at `/auth/*`, an unknown or expired upload token) counts against
//! the peer address that sent it, in a table of bounded size. A peer with
//! [`MAX_FAILURES`] refusals in the current [`WINDOW`] is answered 429 with `Retry-After`
//! until the window ends, whatever it sends; every other peer, the owner with the right key
//! included, goes on as before.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::problem::Problem;
use crate::state::AppState;
use crate::windows::Windows;

/// Refused credentials a peer may send in a window.
pub const MAX_FAILURES: u32 = 20;
/// How long a peer's count lasts from its first refusal.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Peers tracked at once. When it is full, expired entries go first, then the oldest.
const CAPACITY: usize = 10_000;

/// The refusals by peer.
#[derive(Debug)]
pub struct Guard {
    peers: Windows<IpAddr>,
    max_failures: u32,
}

impl Default for Guard {
    fn default() -> Guard {
        Guard::new(MAX_FAILURES, WINDOW)
    }
}

/// Marks an answer that refused credentials; the guard counts it against the peer.
#[derive(Debug, Clone, Copy)]
pub struct Refused;

impl Guard {
    /// A guard that answers 429 to a peer's refusals past `max_failures` in `window`.
    pub fn new(max_failures: u32, window: Duration) -> Guard {
        Guard { peers: Windows::new(window, CAPACITY), max_failures }
    }

    /// Seconds until `peer` may be served again, when it is over the limit at `now`.
    fn blocked(&self, peer: IpAddr, now: Instant) -> Option<u64> {
        let (failures, left) = self.peers.peek(&peer, now)?;
        (failures >= u64::from(self.max_failures)).then(|| left.as_secs_f64().ceil() as u64)
    }

    /// Counts one refusal of `peer` at `now`.
    fn refused(&self, peer: IpAddr, now: Instant) {
        self.peers.count(peer, now, |failures, _| *failures += 1);
    }

    /// Peers tracked now (for tests).
    pub fn tracked(&self) -> usize {
        self.peers.len()
    }
}

/// The peer a request comes from: its connection's address, an IPv6 one by its /64 (the
/// block one host is given), or the unspecified address where there is no connection (a
/// router driven without a socket, in tests).
pub fn peer(request: &Request) -> IpAddr {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| peer_of(info.0.ip()))
}

/// `ip` as a peer: an IPv4-mapped address as IPv4, any other IPv6 address by its /64.
pub fn peer_of(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
        v4 => v4,
    }
}

/// The middleware, on every route.
pub(crate) async fn guard(State(app): State<AppState>, request: Request, next: Next) -> Response {
    let peer = peer(&request);
    if let Some(wait) = app.guard.blocked(peer, Instant::now()) {
        let mut response = Problem::new(StatusCode::TOO_MANY_REQUESTS, "too-many-requests", "Too many refused credentials from this address; try again later.")
            .detail(format!("Retry in {wait} seconds."))
            .into_response();
        response.headers_mut().insert("retry-after", HeaderValue::from(wait));
        return response;
    }
    let response = next.run(request).await;
    if response.extensions().get::<Refused>().is_some() {
        app.guard.refused(peer, Instant::now());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

    #[test]
    fn a_peer_over_the_limit_waits_out_its_window_and_no_other_peer_does() {
        let guard = Guard::default();
        let start = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            guard.refused(A, start);
        }
        assert_eq!(guard.blocked(A, start), None);
        guard.refused(A, start);
        assert_eq!(guard.blocked(A, start + Duration::from_secs(15)), Some(45));
        assert_eq!(guard.blocked(B, start), None);
        assert_eq!(guard.blocked(A, start + WINDOW), None);
        // A new window counts from zero.
        guard.refused(A, start + WINDOW);
        assert_eq!(guard.blocked(A, start + WINDOW), None);
    }

    #[test]
    fn an_ipv6_host_is_one_peer_by_its_64() {
        let one: IpAddr = "2001:db8:1:2::5".parse().unwrap();
        let two: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::5".parse().unwrap();
        assert_eq!(peer_of(one), peer_of(two));
        assert_ne!(peer_of(one), peer_of(other));
        assert_eq!(peer_of("::ffff:127.0.0.2".parse().unwrap()), B);
        assert_eq!(peer_of(A), A);
    }

    #[test]
    fn the_table_stays_bounded() {
        let guard = Guard::default();
        let start = Instant::now();
        for i in 0..(CAPACITY as u32 + 50) {
            guard.refused(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i)), start + Duration::from_millis(u64::from(i)));
        }
        assert_eq!(guard.tracked(), CAPACITY);
    }
}
