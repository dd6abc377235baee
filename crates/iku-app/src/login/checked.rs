//! Sessions checked against the store in the last second, kept in memory: a user's requests
//! in a burst (a page and what it loads, a busy screen) cost one read of the session and the
//! account between them, not one each. What this process changes (a logout, a password, an
//! account disabled or its role) forgets them at once; what another process changes (`iku
//! user disable`, a second server's logout) takes effect within the second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::SessionUser;

/// How long a check holds.
pub const FRESH: Duration = Duration::from_secs(1);

/// At most this many sessions are kept (when full, all are forgotten).
const KEPT: usize = 10_000;

#[derive(Default)]
pub(crate) struct CheckedSessions {
    /// By the hash of the session id.
    checked: Mutex<HashMap<String, (SessionUser, Instant)>>,
}

impl CheckedSessions {
    /// The user of the session with this id hash, if it was checked within the second.
    pub(crate) fn get(&self, id_hash: &str) -> Option<SessionUser> {
        let checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        checked
            .get(id_hash)
            .filter(|(_, at)| at.elapsed() < FRESH)
            .map(|(user, _)| user.clone())
    }

    pub(crate) fn keep(&self, user: &SessionUser) {
        let mut checked = self.checked.lock().unwrap_or_else(|p| p.into_inner());
        if checked.len() >= KEPT {
            checked.clear();
        }
        checked.insert(user.session_hash.clone(), (user.clone(), Instant::now()));
    }

    /// Forgets every session: an account changed.
    pub(crate) fn forget_all(&self) {
        self.checked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    pub(crate) fn forget(&self, id_hash: &str) {
        self.checked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id_hash);
    }
}
