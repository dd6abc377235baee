//! What every request handler shares: the application (`iku_app::App`: the register, the
//! writer, logins and sessions, the scoped handles) and what only the HTTP side keeps (the
//! settings of the listener, the per-address limits, OpenID Connect logins under way,
//! metrics).

use std::sync::Arc;

use iku_app::audit::Audited;
use iku_app::{App, AppConfig, AppError};

use crate::error::ApiError;
use crate::ratelimit::RateLimit;

pub use iku_app::now;

/// How the server runs.
pub struct ServerConfig {
    /// `sqlite:PATH` or `postgres://...`.
    pub database: String,
    /// Opens personal fields, audit notes and TOTP secrets.
    pub keys: iku_app::Keyring,
    /// Chains the audit log.
    pub audit_key: iku_app::AuditKey,
    pub log: iku_app::Log,
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
    /// Where notices of new work are mailed, and when the daily digest goes (Helsinki time).
    pub mail: Option<iku_app::mail::MailConfig>,
    pub digest_at: time::Time,
}

impl ServerConfig {
    /// The defaults: sessions end after 30 idle minutes or 12 hours; 5 failed logins lock an
    /// account for 15 minutes, each lock after that twice as long (`LockPolicy::default`); a
    /// request's headers within 20 seconds and its body within 10, at most 2 MiB; 1,024
    /// connections.
    pub fn new(database: String, keys: iku_app::Keyring, audit_key: iku_app::AuditKey) -> Self {
        let app = AppConfig::new(database, keys, audit_key);
        ServerConfig {
            database: app.database,
            keys: app.keys,
            audit_key: app.audit_key,
            log: app.log,
            idle_timeout: app.idle_timeout,
            session_lifetime: app.session_lifetime,
            lock_policy: app.lock_policy,
            oidc: None,
            referrals_per_minute: 2,
            body_limits: crate::limits::BodyLimits::default(),
            header_read_within: std::time::Duration::from_secs(20),
            max_connections: 1024,
            mail: None,
            digest_at: time::Time::from_hms(7, 0, 0).unwrap_or(time::Time::MIDNIGHT),
        }
    }
}

/// What only the HTTP side keeps of the configuration.
pub(crate) struct HttpConfig {
    pub oidc: Option<crate::oidc::OidcConfig>,
    pub body_limits: crate::limits::BodyLimits,
    pub header_read_within: std::time::Duration,
    pub max_connections: usize,
    pub log: iku_app::Log,
    pub digest_at: time::Time,
}

pub(crate) struct AppState {
    pub app: App,
    pub config: HttpConfig,
    pub metrics: crate::Metrics,
    /// Login attempts per address.
    pub login_limit: RateLimit,
    /// Public referrals per address.
    pub referral_limit: RateLimit,
    pub oidc_logins: crate::oidc::PendingLogins,
    /// Requests whose work runs at once: no more than the application keeps stores for.
    pub workers: tokio::sync::Semaphore,
}

pub(crate) type Shared = Arc<AppState>;

impl AppState {
    pub fn new(config: ServerConfig) -> AppState {
        let referrals = config.referrals_per_minute;
        let http = HttpConfig {
            oidc: config.oidc,
            body_limits: config.body_limits,
            header_read_within: config.header_read_within,
            max_connections: config.max_connections,
            log: config.log.clone(),
            digest_at: config.digest_at,
        };
        let app = App::new(AppConfig {
            database: config.database,
            keys: config.keys,
            audit_key: config.audit_key,
            log: config.log,
            idle_timeout: config.idle_timeout,
            session_lifetime: config.session_lifetime,
            lock_policy: config.lock_policy,
            mail: config.mail,
        });
        AppState {
            app,
            config: http,
            metrics: crate::Metrics::default(),
            login_limit: RateLimit::new(10, 10),
            referral_limit: RateLimit::new(referrals.max(5), referrals),
            oidc_logins: std::sync::Mutex::new(std::collections::HashMap::new()),
            workers: tokio::sync::Semaphore::new(iku_app::STORES_KEPT),
        }
    }

    /// Runs `work` with the application on a blocking thread (its work reads and writes the
    /// database): a use case, through the handles the user's role gives.
    pub async fn blocking<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&App) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let Ok(_permit) = self.workers.acquire().await else {
            return Err(ApiError::internal("the server is stopping".into()));
        };
        let state = self.clone();
        let joined = tokio::task::spawn_blocking(move || work(&state.app)).await;
        match joined {
            Ok(done) => done.map_err(ApiError::from),
            Err(e) => Err(ApiError::internal(format!(
                "a request's worker failed: {e}"
            ))),
        }
    }

    /// Runs a read on a blocking thread, as `blocking`, then waits for the commit of the
    /// audit entry that records it without holding the thread.
    pub async fn audited<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&App) -> Result<Audited<T>, AppError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let read = self.blocking(work).await?;
        Ok(read.confirmed().await?)
    }
}
