//! Logging in and out, and sessions. A password, then a TOTP code; at the first login a TOTP
//! secret is enrolled with its first code. Every failure is the same `LoginFailed`, so nobody
//! learns whether an account exists, is locked or disabled. Failures count towards the
//! account's lock (in the database, `LockPolicy`), and the addresses they came from are kept
//! here: a locked account refuses those unheard, and from any other its owner still gets in
//! with both factors. A login always starts a new session with a new id (a session id planted
//! before it is never adopted); only a hash of the id is stored.

mod checked;

/// How long a session checked against the store is taken as checked: another process's
/// change to it or its account (a logout, `iku user disable`) takes effect within this.
pub use checked::FRESH as SESSION_CHECK_HOLDS;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use iku_domain::Timestamp;
use iku_domain::access::{Role, Username};
use iku_storage::Account;
use iku_storage::access::Session;
use iku_storage::crypto::totp_aad;
use sha2::{Digest, Sha256};

use crate::audit::{Action, entry};
use crate::auth::{password, totp};
use crate::{Actor, App, AppError, now};

/// 32 random bytes, hex: a session id, a CSRF token, an enrolment token.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(format!("random: {e}")))?;
    Ok(hex(&bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is stored of a session id or token.
pub fn hash(id: &str) -> String {
    hex(&Sha256::digest(id.as_bytes()))
}

/// A hash checked when the account does not exist, so that the answer takes as long as for
/// one that does.
fn no_account_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("no such account").unwrap_or_default())
}

/// What someone logging in gives.
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub code: Option<String>,
}

/// A new session: its id (for the cookie only), its CSRF token, and whose it is.
pub struct NewSession {
    pub id: String,
    pub csrf: String,
    pub account: Account,
}

/// A first login: a TOTP secret to enrol, confirmed with `token` and its first code.
pub struct Enrolment {
    pub token: String,
    pub secret: String,
    pub otpauth: String,
}

pub enum Outcome {
    Session(NewSession),
    Enrol(Enrolment),
}

/// A logged-in user, as their session says.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub actor: Actor,
    /// An admin set the password: it must be changed before anything else.
    pub must_change: bool,
    pub session_hash: String,
    pub csrf_token: String,
}

/// A TOTP secret shown at a first login, waiting for its first code.
struct PendingEnrolment {
    username: Username,
    secret: totp::TotpSecret,
    expires: Timestamp,
}

/// What logins keep between attempts, in memory.
#[derive(Default)]
pub(crate) struct Logins {
    failed: FailedAddresses,
    pub(crate) sessions: checked::CheckedSessions,
    /// By the hash of the enrolment token.
    enrolments: Mutex<HashMap<String, PendingEnrolment>>,
}

/// The addresses that failed to log in to each account since its last success. A locked
/// account refuses these without hearing them; an address that did not fail (the account's
/// owner elsewhere) may still log in with both factors, so a lock slows a guesser without
/// locking the owner out.
#[derive(Default)]
struct FailedAddresses {
    failed: Mutex<HashMap<(Username, Option<IpAddr>), Instant>>,
}

impl FailedAddresses {
    /// Failures older than this are forgotten (no lock lasts longer).
    const KEPT: Duration = Duration::from_secs(24 * 3600);

    fn failed(&self, account: &Username, client: Option<IpAddr>) {
        let now = Instant::now();
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        if failed.len() > 100_000 {
            failed.retain(|_, at| now.duration_since(*at) < Self::KEPT);
        }
        failed.insert((account.clone(), client), now);
    }

    fn has_failed(&self, account: &Username, client: Option<IpAddr>) -> bool {
        let failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        failed
            .get(&(account.clone(), client))
            .is_some_and(|at| at.elapsed() < Self::KEPT)
    }

    fn forget(&self, account: &Username) {
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        failed.retain(|(name, _), _| name != account);
    }
}

fn unix_seconds(at: Timestamp) -> i64 {
    at.micros().div_euclid(1_000_000)
}

impl App {
    /// A password login: a session, a TOTP secret to enrol, or the one failure.
    pub fn login(
        &self,
        credentials: Credentials,
        client: Option<IpAddr>,
        previous: Option<&str>,
    ) -> Result<Outcome, AppError> {
        let mut lease = self.lease()?;
        let account = match Username::parse(&credentials.username) {
            Ok(name) => lease.with(|s| s.account(&name))?,
            Err(_) => None,
        };
        let hash = account
            .as_ref()
            .map_or(no_account_hash(), |a| a.password_hash.as_str());
        let password_ok = password::verify(&credentials.password, hash);
        let Some(account) = account else {
            // The name tried is not recorded: it may be anything, even a person's code.
            self.audit(entry("unknown", Action::LoginFailed, "", "no such account"))?;
            return Err(AppError::LoginFailed);
        };
        let name = account.username.clone();
        // A locked account refuses the addresses that failed at it, unheard; from any
        // other, its owner may still log in with both factors.
        let lock = lease.with(|s| s.login_state(&name))?;
        if lock.is_locked(now()) && self.logins.failed.has_failed(&name, client) {
            self.audit(entry(name.as_str(), Action::LoginFailed, "", "locked"))?;
            return Err(AppError::LoginFailed);
        }
        if account.disabled {
            self.audit(entry(name.as_str(), Action::LoginFailed, "", "disabled"))?;
            return Err(AppError::LoginFailed);
        }
        if !password_ok {
            return Err(self.failed(&mut lease, &name, client, "password"));
        }
        if !account.totp_enrolled {
            return self.enrol_offer(&account).map(Outcome::Enrol);
        }
        let Some(code) = credentials.code.as_deref() else {
            return Err(self.failed(&mut lease, &name, client, "no code"));
        };
        let (sealed, last_step) = lease
            .with(|s| s.totp_secret(&name))?
            .ok_or(AppError::LoginFailed)?;
        let secret =
            self.config()
                .keys
                .open_named(&totp_aad(name.as_str()), &sealed, "a TOTP secret")?;
        let secret = totp::TotpSecret::from_bytes(secret);
        let step = match totp::verify(&secret, code, unix_seconds(now()), last_step) {
            Ok(step) => step,
            Err(totp::TotpError::Replayed) => {
                return Err(self.failed(&mut lease, &name, client, "code used already"));
            }
            Err(_) => return Err(self.failed(&mut lease, &name, client, "code")),
        };
        // Stored only if still after the last step: two logins racing with one code cannot
        // both get in.
        if !lease.with(|s| s.login_succeeded(&name, step))? {
            return Err(self.failed(&mut lease, &name, client, "code used already"));
        }
        self.logins.failed.forget(&name);
        self.start_session(&mut lease, &account, previous, Action::Login)
            .map(Outcome::Session)
    }

    /// A failed attempt at a known account from `client`: counted towards the account's lock
    /// and against the address, on record, answered like any failure.
    fn failed(
        &self,
        lease: &mut crate::Lease<'_>,
        name: &Username,
        client: Option<IpAddr>,
        why: &str,
    ) -> AppError {
        self.logins.failed.failed(name, client);
        let policy = self.config().lock_policy;
        if let Err(e) = lease.with(|s| s.login_failed(name, &policy, now())) {
            return e;
        }
        match self.audit(entry(name.as_str(), Action::LoginFailed, "", why)) {
            Ok(()) => AppError::LoginFailed,
            Err(e) => e,
        }
    }

    /// The first login of an account: a new secret to put in an authenticator app, and a
    /// token to confirm it with its first code (ten minutes).
    fn enrol_offer(&self, account: &Account) -> Result<Enrolment, AppError> {
        let secret = totp::TotpSecret::generate()
            .map_err(|e| AppError::Internal(format!("a TOTP secret: {e}")))?;
        let token = random_token()?;
        let offer = Enrolment {
            token: token.clone(),
            secret: secret.base32(),
            otpauth: secret.otpauth_uri(&account.username),
        };
        let mut pending = self
            .logins
            .enrolments
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let at = now();
        pending.retain(|_, p| p.expires > at);
        pending.insert(
            hash(&token),
            PendingEnrolment {
                username: account.username.clone(),
                secret,
                expires: Timestamp::from_micros(at.micros() + 10 * 60 * 1_000_000),
            },
        );
        Ok(offer)
    }

    /// Confirms an enrolment with its first code: a session, or the one failure. One try per
    /// enrolment: a wrong code means logging in (with the password) again.
    pub fn enrol(
        &self,
        token: &str,
        code: &str,
        client: Option<IpAddr>,
        previous: Option<&str>,
    ) -> Result<NewSession, AppError> {
        let pending = self
            .logins
            .enrolments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&hash(token))
            .filter(|p| p.expires > now())
            .ok_or(AppError::LoginFailed)?;
        let mut lease = self.lease()?;
        let name = pending.username;
        let Ok(step) = totp::verify(&pending.secret, code, unix_seconds(now()), None) else {
            return Err(self.failed(&mut lease, &name, client, "enrolment code"));
        };
        let sealed = self
            .config()
            .keys
            .seal_bytes(&totp_aad(name.as_str()), pending.secret.expose())?;
        lease.with(|s| s.enroll_totp(&name, &sealed))?;
        if !lease.with(|s| s.login_succeeded(&name, step))? {
            return Err(AppError::LoginFailed);
        }
        let account = lease
            .with(|s| s.account(&name))?
            .ok_or(AppError::LoginFailed)?;
        self.audit(entry(name.as_str(), Action::TotpEnrolled, "", ""))?;
        self.logins.failed.forget(&name);
        self.start_session(&mut lease, &account, previous, Action::Login)
    }

    /// A login through the identity provider, whose groups gave `role_and_office` (None: no
    /// one role): the local account is created or brought in step with them, and a session
    /// starts.
    pub fn oidc_login(
        &self,
        username: &Username,
        role_and_office: Option<(Role, Option<String>)>,
        previous: Option<&str>,
    ) -> Result<NewSession, AppError> {
        let Some((role, office)) = role_and_office else {
            self.audit(entry(
                username.as_str(),
                Action::LoginFailed,
                "",
                "oidc groups",
            ))?;
            return Err(AppError::LoginFailed);
        };
        let mut lease = self.lease()?;
        let account = match lease.with(|s| s.account(username))? {
            Some(mut a) => {
                if a.role != role || a.office != office {
                    lease.with(|s| s.set_role(username, role, office.as_deref()))?;
                    self.logins.sessions.forget_all();
                    self.audit(entry(
                        username.as_str(),
                        Action::UserRoleFromOidc,
                        role.name(),
                        "",
                    ))?;
                    a.role = role;
                    a.office = office;
                }
                a
            }
            None => {
                let account = Account {
                    username: username.clone(),
                    role,
                    office,
                    // Not a password hash: no password ever matches it.
                    password_hash: "!oidc".into(),
                    must_change: false,
                    totp_enrolled: false,
                    disabled: false,
                    locked_until: None,
                };
                lease.with(|s| s.add_account(&account, now()))?;
                self.audit(entry(
                    username.as_str(),
                    Action::UserAddFromOidc,
                    role.name(),
                    "",
                ))?;
                account
            }
        };
        if account.disabled {
            self.audit(entry(
                username.as_str(),
                Action::LoginFailed,
                "",
                "disabled",
            ))?;
            return Err(AppError::LoginFailed);
        }
        self.start_session(&mut lease, &account, previous, Action::LoginOidc)
    }

    /// Starts a session for `account` (ending the one the request came with, if any), on
    /// record as `action`.
    fn start_session(
        &self,
        lease: &mut crate::Lease<'_>,
        account: &Account,
        previous: Option<&str>,
        action: Action,
    ) -> Result<NewSession, AppError> {
        let at = now();
        if let Some(previous) = previous {
            let previous = hash(previous);
            self.logins.sessions.forget(&previous);
            lease.with(|s| s.end_session(&previous, at))?;
        }
        let id = random_token()?;
        let csrf = random_token()?;
        let session = Session {
            id_hash: hash(&id),
            username: account.username.clone(),
            csrf_token: csrf.clone(),
            created_at: at,
            last_seen: at,
            ended_at: None,
        };
        lease.with(|s| s.create_session(&session))?;
        self.audit(entry(account.username.as_str(), action, "", ""))?;
        Ok(NewSession {
            id,
            csrf,
            account: account.clone(),
        })
    }

    /// The user of a session id: its account as it is now (a disabled account's sessions end
    /// with it), or `Unauthenticated` if the session ended, was idle too long or is older than
    /// a working day.
    pub fn session_user(&self, session_id: &str) -> Result<SessionUser, AppError> {
        let id_hash = hash(session_id);
        if let Some(user) = self.logins.sessions.get(&id_hash) {
            return Ok(user);
        }
        let mut lease = self.lease()?;
        let session = lease
            .with(|s| s.session(&id_hash))?
            .filter(|s| s.ended_at.is_none())
            .ok_or(AppError::Unauthenticated)?;
        let at = now();
        let config = self.config();
        if at.micros() - session.last_seen.micros() > config.idle_timeout
            || at.micros() - session.created_at.micros() > config.session_lifetime
        {
            lease.with(|s| s.end_session(&id_hash, at))?;
            return Err(AppError::Unauthenticated);
        }
        let account = lease
            .with(|s| s.account(&session.username))?
            .filter(|a| !a.disabled)
            .ok_or(AppError::Unauthenticated)?;
        // The idle time counts in steps of a thirtieth of the timeout (a minute of 30): a
        // write for every request would cost more than the request.
        if at.micros() - session.last_seen.micros() > config.idle_timeout / 30 {
            lease.with(|s| s.touch_session(&id_hash, at))?;
        }
        let user = SessionUser {
            actor: Actor {
                username: account.username,
                role: account.role,
                office: account.office,
            },
            must_change: account.must_change,
            session_hash: id_hash,
            csrf_token: session.csrf_token,
        };
        self.logins.sessions.keep(&user);
        Ok(user)
    }

    /// The user of a session id if it was checked within the last second (from memory: no
    /// store is read, so a server may ask without leaving its request's thread); otherwise
    /// `session_user` checks it.
    pub fn checked_session_user(&self, session_id: &str) -> Option<SessionUser> {
        self.logins.sessions.get(&hash(session_id))
    }

    /// Ends the user's session.
    pub fn logout(&self, user: &SessionUser) -> Result<(), AppError> {
        self.logins.sessions.forget(&user.session_hash);
        self.lease()?
            .with(|s| s.end_session(&user.session_hash, now()))?;
        self.audit(entry(user.actor.username.as_str(), Action::Logout, "", ""))
    }

    /// The user's new password, if the current one is right and the new one good enough.
    pub fn change_password(
        &self,
        user: &SessionUser,
        current: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let length = new.chars().count();
        if !(12..=200).contains(&length) || new == current {
            return Err(AppError::WeakPassword);
        }
        let name = &user.actor.username;
        let mut lease = self.lease()?;
        let account = lease
            .with(|s| s.account(name))?
            .ok_or(AppError::Unauthenticated)?;
        if !password::verify(current, &account.password_hash) {
            return Err(self.failed(&mut lease, name, None, "password change"));
        }
        let hash = password::hash(new).map_err(|e| AppError::Internal(e.to_string()))?;
        lease.with(|s| s.set_password(name, &hash, false))?;
        self.logins.sessions.forget_all();
        self.audit(entry(name.as_str(), Action::PasswordChange, "", ""))
    }

    /// Forgets the sessions checked lately: an account changed.
    pub(crate) fn forget_checked_sessions(&self) {
        self.logins.sessions.forget_all();
    }

    /// Forgets the addresses that failed at an account (an admin lifted its lock).
    pub(crate) fn forget_failed_logins(&self, account: &Username) {
        self.logins.failed.forget(account);
    }
}
