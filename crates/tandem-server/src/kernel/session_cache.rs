//! Signed-in sessions cached for a few seconds so that a page view does not read the session
//! table; a user's entries are forgotten when the account changes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tandem_platform::User;

/// A signed-in user with the session's CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub token: String,
}

/// Live sessions seen recently, so that not every request reads the session table. An entry
/// is trusted for [`SESSION_CACHE_SECONDS`]. Signing out in this process removes it at once,
/// and so does disabling an account, setting its password or ending its sessions through this
/// process ([`SessionCache::forget_user`]). A session ended by another process (the
/// `tandem user` command, or another server sharing a PostgreSQL database) stays usable here
/// for at most that long.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Session, Instant)>>,
    /// Incremented (under the `entries` lock) whenever a user's entries are dropped.
    epoch: std::sync::atomic::AtomicU64,
}

/// How long a cached session is trusted without reading the database again.
pub const SESSION_CACHE_SECONDS: u64 = 5;

impl SessionCache {
    pub(crate) fn get(&self, token: &str) -> Option<Session> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token)
            .filter(|(_, at)| at.elapsed() < Duration::from_secs(SESSION_CACHE_SECONDS))
            .map(|(s, _)| s.clone())
    }

    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Caches a session read from the database when no user's entries were dropped since
    /// `epoch` (else it may be a session that was ended meanwhile: the next request reads it
    /// again).
    pub(crate) fn put(&self, s: Session, epoch: u64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch() != epoch {
            return;
        }
        if map.len() > 10_000 {
            map.retain(|_, (_, at)| at.elapsed() < Duration::from_secs(SESSION_CACHE_SECONDS));
        }
        map.insert(s.token.clone(), (s, Instant::now()));
    }

    /// Forgets a session (sign-out).
    pub fn remove(&self, token: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token);
    }

    /// Forgets every session of user `user_id`: call after the account was disabled, its
    /// password set or its sessions ended (`tandem_platform::accounts`), so this process
    /// stops accepting them at once instead of after [`SESSION_CACHE_SECONDS`].
    pub fn forget_user(&self, user_id: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (s, _)| s.user.id != user_id);
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}
