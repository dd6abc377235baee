//! The application layer: the use cases the command line and the server share, between the
//! front ends and storage/statistics. A front end gets a scoped handle for what its user may
//! do (`access`): the handle owns the store it was granted (`Lease`) and writes the audit
//! entry of what it reads or changes; nothing here knows HTTP or a terminal.

pub mod access;
pub mod audit;
pub mod auth;
pub mod error;
pub mod history;
pub mod log;
pub mod login;
pub mod mail;
pub mod register;
pub mod reviews;
pub mod writer;

use std::sync::Mutex;

use iku_domain::Timestamp;
use iku_domain::access::LockPolicy;
use iku_storage::audit::NewAuditEntry;
use iku_storage::{Store, StoreError};

pub use access::Actor;
// The data the application hands out, as storage keeps it (a front end needs no storage of
// its own).
pub use audit::Action;
pub use error::AppError;
pub use iku_storage::access::CaseAssignment;
pub use iku_storage::audit::{AuditEntry, AuditFilter, AuditKey};
pub use iku_storage::{Account, Keyring, Publication, PublicationInfo};
pub use log::Log;

/// At most this many stores stay open for the next use. A front end that runs more pieces
/// of work at once than this opens and closes a store for each one beyond it (on SQLite:
/// the schema read and the file mapped again, costlier than the work), so it should not.
pub const STORES_KEPT: usize = 16;

/// What the application runs with.
pub struct AppConfig {
    /// `sqlite:PATH` or `postgres://...`.
    pub database: String,
    /// Opens personal fields, audit notes and TOTP secrets.
    pub keys: Keyring,
    /// Chains the audit log.
    pub audit_key: AuditKey,
    pub log: Log,
    /// A session unused this long (µs) has ended.
    pub idle_timeout: i64,
    /// A session this old (µs) has ended, however much it is used.
    pub session_lifetime: i64,
    /// How failed logins lock an account.
    pub lock_policy: LockPolicy,
    /// Where notices of new work are mailed (none: no mail is sent).
    pub mail: Option<mail::MailConfig>,
}

impl AppConfig {
    /// The defaults: sessions end after 30 idle minutes or 12 hours; failed logins lock an
    /// account as `LockPolicy::default` says.
    pub fn new(database: String, keys: Keyring, audit_key: AuditKey) -> Self {
        AppConfig {
            database,
            keys,
            audit_key,
            log: Log::stderr(),
            idle_timeout: 30 * 60 * 1_000_000,
            session_lifetime: 12 * 3600 * 1_000_000,
            lock_policy: LockPolicy::default(),
            mail: None,
        }
    }
}

/// The application: its settings, the stores kept open, the one writer, the register held in
/// memory, and what logins keep between attempts. Shared by every request (it is `Sync`);
/// its work is blocking (a front end runs it on threads of its own).
pub struct App {
    config: AppConfig,
    stores: Mutex<Vec<Box<dyn Store + Send>>>,
    pub(crate) writer: writer::Writer,
    pub(crate) register: register::HeldRegister,
    pub(crate) logins: login::Logins,
    pub(crate) outbox: mail::Outbox,
}

impl App {
    pub fn new(config: AppConfig) -> App {
        let writer = writer::Writer::new(
            config.database.clone(),
            config.keys.clone(),
            config.audit_key.clone(),
        );
        App {
            config,
            stores: Mutex::new(Vec::new()),
            writer,
            register: register::HeldRegister::default(),
            logins: login::Logins::default(),
            outbox: mail::Outbox::new(),
        }
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// A store for one piece of work: a kept one whose file and connection still work, or a
    /// new one. It goes back when the lease ends, unless the work failed in it.
    pub fn lease(&self) -> Result<Lease<'_>, AppError> {
        let take = || self.stores.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let kept =
            std::iter::from_fn(take).find_map(|mut s| (!s.is_stale() && s.is_alive()).then_some(s));
        let store = match kept {
            Some(store) => store,
            None => iku_storage::open(&self.config.database)?,
        };
        Ok(Lease {
            app: self,
            store: Some(store),
            broken: false,
        })
    }

    /// Appends an audit entry, committed before this returns.
    pub(crate) fn audit(&self, entry: NewAuditEntry) -> Result<(), AppError> {
        self.writer
            .audit(entry)
            .wait()
            .map(drop)
            .map_err(AppError::from)
    }

    /// Logs a failure of the system (its details; never a personal value).
    pub fn log_failure(&self, what: &dyn std::fmt::Display) {
        self.config.log.line(&format!("error: {what}"));
    }
}

/// A store lent for one piece of work (`App::lease`).
pub struct Lease<'a> {
    app: &'a App,
    store: Option<Box<dyn Store + Send>>,
    broken: bool,
}

impl<'a> Lease<'a> {
    /// Runs `work` on the store; a failure marks the store as not to be kept.
    pub(crate) fn with<T>(
        &mut self,
        work: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, AppError> {
        let Some(store) = self.store.as_mut() else {
            return Err(AppError::Internal("a lease without a store".into()));
        };
        let done = work(store.as_mut());
        self.broken |= done.is_err();
        done.map_err(AppError::from)
    }

    pub(crate) fn app(&self) -> &'a App {
        self.app
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if self.broken {
            return;
        }
        if let Some(store) = self.store.take() {
            let mut stores = self.app.stores.lock().unwrap_or_else(|p| p.into_inner());
            if stores.len() < STORES_KEPT {
                stores.push(store);
            }
        }
    }
}

/// A register of stored events (they were checked when they came in: a failure means the
/// database was changed behind iku's back).
pub(crate) fn register_of(
    events: Vec<iku_domain::Event>,
) -> Result<iku_domain::Register, StoreError> {
    iku_domain::Register::new(events).map_err(|v| StoreError::Corrupt {
        seq: -1,
        message: v.to_string(),
    })
}

/// The current time.
pub fn now() -> Timestamp {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp::from_micros(micros)
}

/// What events are checked against when a user enters them now.
pub fn entry_context() -> iku_domain::interchange::ParseContext {
    let at = now();
    iku_domain::interchange::ParseContext::new(iku_domain::calendar::finnish_date(at), at)
}

impl App {
    /// Whether the application can serve: its database answers (else an error) and the
    /// register it holds in memory is built (false while it is being built).
    pub fn ready(&self) -> Result<bool, AppError> {
        let mut lease = self.lease()?;
        lease.with(|s| s.count().map(drop))?;
        lease.with(|s| self.register.ready(s))
    }

    /// Gets ready to serve: brings the blind index under the active key (a database from
    /// before the index, or one whose key was rotated, is indexed again whole) and builds the
    /// register held in memory. The server calls it when it starts listening, so that the
    /// first request does not wait for it.
    pub fn start(&self) -> Result<(), AppError> {
        let mut lease = self.lease()?;
        let keys = &self.config.keys;
        if lease.with(|s| s.blind_index_key())?.as_deref() != Some(keys.active_key_id()) {
            let terms = lease.with(|s| s.rebuild_blind_index(keys))?;
            self.config.log.line(&format!(
                "the search index built again under key {}: {terms} terms",
                keys.active_key_id()
            ));
        }
        lease.with(|s| self.register.build(s))
    }
}
