//! What every request handler shares: where the register is, the keys, the log, and the
//! settings of logins and sessions.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use iku_domain::Timestamp;
use iku_domain::access::Username;
use iku_storage::audit::{AuditKey, NewAuditEntry};
use iku_storage::{Keyring, Store};

use crate::auth::totp::TotpSecret;
use crate::error::ApiError;
use crate::log::Log;
use crate::ratelimit::RateLimit;

/// At most this many stores stay open for the next requests.
const POOLED: usize = 16;

/// How the server runs.
pub struct ServerConfig {
    /// `sqlite:PATH` or `postgres://...`.
    pub database: String,
    /// Opens personal fields and TOTP secrets.
    pub keys: Keyring,
    /// Chains the audit log.
    pub audit_key: AuditKey,
    pub log: Log,
    /// A session unused this long (µs) has ended.
    pub idle_timeout: i64,
    /// A session this old (µs) has ended, however much it is used.
    pub session_lifetime: i64,
    /// How failed logins lock an account.
    pub lock_policy: iku_domain::access::LockPolicy,
    /// Logging in with an OpenID Connect provider, if configured.
    pub oidc: Option<crate::oidc::OidcConfig>,
    /// Public referrals accepted from one address per minute, after a first five at once.
    pub referrals_per_minute: u32,
    /// How long and how large a request's body may be.
    pub body_limits: crate::limits::BodyLimits,
    /// How long a client may take to send a request's headers (also: how long an idle
    /// connection is kept), and how many connections are served at once (`serve`).
    pub header_read_within: std::time::Duration,
    pub max_connections: usize,
}

impl ServerConfig {
    /// The defaults: sessions end after 30 idle minutes or 12 hours; 5 failed logins lock an account for
    /// 15 minutes, each lock after that twice as long (`LockPolicy::default`); a request's
    /// headers within 20 seconds and its body within 10, at most 2 MiB; 1,024 connections.
    pub fn new(database: String, keys: Keyring, audit_key: AuditKey) -> Self {
        ServerConfig {
            database,
            keys,
            audit_key,
            log: Log::stderr(),
            idle_timeout: 30 * 60 * 1_000_000,
            session_lifetime: 12 * 3600 * 1_000_000,
            lock_policy: iku_domain::access::LockPolicy::default(),
            oidc: None,
            referrals_per_minute: 2,
            body_limits: crate::limits::BodyLimits::default(),
            header_read_within: std::time::Duration::from_secs(20),
            max_connections: 1024,
        }
    }
}

/// A TOTP secret shown at a first login, waiting for its first code.
pub(crate) struct PendingEnrolment {
    pub username: Username,
    pub secret: TotpSecret,
    pub expires: Timestamp,
}

pub(crate) struct AppState {
    pub config: ServerConfig,
    pub metrics: crate::Metrics,
    pub login_limit: RateLimit,
    /// The addresses each account's failed logins came from, for its lock.
    pub login_failures: crate::ratelimit::FailedAddresses,
    /// Public referrals per address.
    pub referral_limit: RateLimit,
    /// By the hash of the enrolment token.
    pub enrolments: Mutex<HashMap<String, PendingEnrolment>>,
    pub oidc_logins: crate::oidc::PendingLogins,
    /// Open stores, for the next request to take (opening one per request costs more than
    /// most requests).
    pub stores: Mutex<Vec<Box<dyn Store + Send>>>,
    /// Every request's events and audit entries, committed in batches.
    pub writer: crate::writer::Writer,
    /// The register as it stands, held between requests.
    pub current: crate::current::CurrentRegister,
}

pub(crate) type Shared = Arc<AppState>;

/// The current time.
pub(crate) fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp::from_micros(micros)
}

impl AppState {
    /// Runs `work` with a store on a blocking thread. A storage failure is logged with its
    /// details and answered as `internal`. The store goes back to the pool after work that
    /// succeeded; after a failure it is dropped (it may be in any state), and a new one is
    /// opened when needed.
    pub async fn with_store<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&mut dyn Store, &AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let state = self.clone();
        let joined = tokio::task::spawn_blocking(move || {
            // A pooled store whose file was replaced, or whose connection the database
            // closed, is dropped: the request gets a working one, not an error.
            let take = || state.stores.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let pooled = std::iter::from_fn(take)
                .find_map(|mut s| (!s.is_stale() && s.is_alive()).then_some(s));
            let mut store = match pooled {
                Some(store) => store,
                None => iku_storage::open(&state.config.database).map_err(|e| {
                    state.config.log.line(&format!("storage: {e}"));
                    ApiError::INTERNAL
                })?,
            };
            let done = work(store.as_mut(), &state);
            if done
                .as_ref()
                .map_or_else(|e| e.status.is_client_error(), |_| true)
            {
                let mut stores = state.stores.lock().unwrap_or_else(|p| p.into_inner());
                if stores.len() < POOLED {
                    stores.push(store);
                }
            }
            done
        })
        .await;
        joined.unwrap_or_else(|e| {
            self.config
                .log
                .line(&format!("a request's worker failed: {e}"));
            Err(ApiError::INTERNAL)
        })
    }

    /// A storage error, logged and turned into `internal`.
    pub fn storage(&self, e: impl std::fmt::Display) -> ApiError {
        self.config.log.line(&format!("storage: {e}"));
        ApiError::INTERNAL
    }

    /// Appends an audit entry, committed before this returns (on a blocking thread); a
    /// request whose entry cannot be written fails.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        record: &str,
        reason: &str,
    ) -> Result<(), ApiError> {
        let entry = NewAuditEntry::new(actor, action, record, reason);
        self.writer.audit(entry).wait().map_err(|e| self.storage(e))
    }

    /// Appends an entry whose reason is in a person's own words: the note is sealed
    /// (`iku_storage::audit`), only its presence is in the chain.
    pub fn audit_with_note(
        &self,
        actor: &str,
        action: &str,
        record: &str,
        note: iku_domain::personal::Personal,
    ) -> Result<(), ApiError> {
        let mut entry = NewAuditEntry::new(actor, action, record, "");
        entry.note = Some(note);
        self.writer.audit(entry).wait().map_err(|e| self.storage(e))
    }

    /// `audit`, awaited: no thread waits for the commit.
    pub async fn audit_async(
        &self,
        actor: &str,
        action: &str,
        record: &str,
        reason: &str,
    ) -> Result<(), ApiError> {
        let entry = NewAuditEntry::new(actor, action, record, reason);
        let pending = self.writer.audit(entry);
        pending.done().await.map_err(|e| self.storage(e))
    }
}
