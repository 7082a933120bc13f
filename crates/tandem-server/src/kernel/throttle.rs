//! The login limiter: failed sign-ins counted per user name and per client within a window,
//! and the client key it counts by (the peer address, or the first untrusted hop of
//! `X-Forwarded-For` behind a trusted proxy).

use axum::http::HeaderMap;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins allowed per (client address, user name) in [`WINDOW`].
pub const MAX_FAILURES_PER_NAME: u32 = 5;

/// Failed sign-ins allowed per client address in [`WINDOW`], whatever the names.
pub const MAX_FAILURES_PER_CLIENT: u32 = 20;

/// The window failed sign-ins are counted over.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// The longest user name a sign-in may carry; longer ones are refused before any work (user
/// names are at most 64 bytes, see `tandem_platform::auth::add_user`), so a name cannot
/// become a large key in the limiter.
pub const MAX_USERNAME_BYTES: usize = 64;

/// The longest password a sign-in may carry: argon2 reads the whole of it.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Counts sign-in attempts and refuses further ones when there were too many failures. An
/// attempt is counted as a failure *before* its password is checked and forgiven when it
/// succeeds, so a burst of concurrent guesses cannot all be verified before the first failure
/// is recorded. In memory: a restart forgets, which is acceptable because argon2 already
/// makes each guess slow.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn keys(client: &str, username: &str) -> [(String, u32); 2] {
        [
            (
                format!("{client}|{}", username.trim().to_lowercase()),
                MAX_FAILURES_PER_NAME,
            ),
            (client.to_string(), MAX_FAILURES_PER_CLIENT),
        ]
    }

    /// `Err(seconds to wait)` when this client may not try this name now.
    pub fn check(&self, client: &str, username: &str) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::over(&map, client, username)
    }

    fn over(
        map: &HashMap<String, (u32, Instant)>,
        client: &str,
        username: &str,
    ) -> Result<(), u64> {
        for (key, max) in Self::keys(client, username) {
            if let Some((n, since)) = map.get(&key) {
                let elapsed = since.elapsed();
                if *n >= max && elapsed < WINDOW {
                    return Err((WINDOW - elapsed).as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    /// Starts an attempt: `Err(seconds to wait)` when this client may not try this name now,
    /// else the attempt is counted as a failure until [`LoginLimiter::succeeded`] forgives it.
    /// Checking and counting happen under one lock, so concurrent attempts cannot slip past.
    pub fn attempt(&self, client: &str, username: &str) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::over(&map, client, username)?;
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        for (key, _) in Self::keys(client, username) {
            let e = map.entry(key).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
        Ok(())
    }

    /// Takes an attempt back that was never decided (the server was too busy to check it).
    pub fn withdraw(&self, client: &str, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in Self::keys(client, username) {
            if let Some(e) = map.get_mut(&key) {
                e.0 = e.0.saturating_sub(1);
            }
        }
    }

    /// The attempt succeeded: forgets this name's failures from this client and takes the
    /// attempt back from the client's count.
    pub fn succeeded(&self, client: &str, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let [(name_key, _), (client_key, _)] = Self::keys(client, username);
        map.remove(&name_key);
        if let Some(e) = map.get_mut(&client_key) {
            e.0 = e.0.saturating_sub(1);
        }
    }
}

/// The client's address as the limiter keys it: the peer's address, or, when the peer is one
/// of the `trusted` proxies, the nearest address in `X-Forwarded-For` that is not a trusted
/// proxy (read from the right: only the entries our proxies appended can be believed).
pub fn client_key(
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> String {
    let Some(peer) = peer.map(|a| a.ip()) else {
        return "local".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if trusted.contains(&ip) => continue,
            Some(ip) => return ip.to_string(),
            // A hop our proxy did not write sensibly: key on the proxy rather than believe it.
            None => break,
        }
    }
    peer.to_string()
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_the_fifth_failure_for_that_name() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES_PER_NAME {
            assert!(l.attempt("1.2.3.4", "alice").is_ok());
        }
        assert!(l.attempt("1.2.3.4", "alice").is_err());
        assert!(l.check("1.2.3.4", "bob").is_ok());
        assert!(l.check("5.6.7.8", "alice").is_ok());
    }

    #[test]
    fn a_success_forgives_its_own_attempt() {
        let l = LoginLimiter::default();
        for _ in 0..(MAX_FAILURES_PER_CLIENT * 2) {
            assert!(l.attempt("1.2.3.4", "alice").is_ok());
            l.succeeded("1.2.3.4", "alice");
        }
        assert!(l.check("1.2.3.4", "bob").is_ok());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let peer = |ip: IpAddr| Some(std::net::SocketAddr::new(ip, 50000));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        // From the proxy: the right-most hop it appended.
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "1.2.3.4");
        // From anyone else the header is the client's own word: ignored.
        assert_eq!(
            client_key(peer("9.9.9.9".parse().unwrap()), &h, &[proxy]),
            "9.9.9.9"
        );
        assert_eq!(client_key(peer(proxy), &h, &[]), "10.0.0.2");
        // Chained proxies are skipped; garbage falls back to the proxy.
        h.insert("x-forwarded-for", "1.2.3.4, 10.0.0.2".parse().unwrap());
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "1.2.3.4");
        h.insert("x-forwarded-for", "nonsense".parse().unwrap());
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "10.0.0.2");
        h.insert("x-forwarded-for", "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "2001:db8::1");
    }
}
