//! Logging in and out. A password, then a TOTP code; at the first login, a TOTP secret is
//! enrolled with its first code. Every failure gives the same answer (`login_failed`), so
//! nobody learns whether an account exists, is locked or disabled; failures count towards the
//! account's lock (in the database) and the client's rate limit (in memory). A login always
//! starts a new session with a new id: a session id planted before login is never adopted.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, header};
use axum::response::{IntoResponse, Response};
use iku_domain::Timestamp;
use iku_domain::access::Username;
use iku_storage::access::Session;
use iku_storage::crypto::totp_aad;
use iku_storage::{Account, Store};
use serde::Deserialize;

use crate::auth::{password, totp};
use crate::error::ApiError;
use crate::session::{self, Principal};
use crate::state::{AppState, PendingEnrolment, Shared, now};

/// A hash checked when the account does not exist, so that the answer takes as long as for
/// one that does.
fn no_account_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| password::hash("no such account").unwrap_or_default())
}

#[derive(Deserialize)]
pub struct LoginRequest {
    pub(crate) username: String,
    pub(crate) password: String,
    #[serde(default)]
    pub(crate) code: Option<String>,
}

#[derive(Deserialize)]
pub struct EnrolRequest {
    enrolment: String,
    code: String,
}

/// What a login attempt gave.
pub(crate) enum Outcome {
    /// A session: its id (for the cookie only), its CSRF token, and whose it is.
    Session {
        id: String,
        csrf: String,
        account: Account,
    },
    /// A first login: a TOTP secret to enrol, confirmed with `token` and its first code.
    Enrol {
        token: String,
        secret: String,
        otpauth: String,
    },
}

impl Outcome {
    /// The API's answer: JSON, and the session cookie.
    pub(crate) fn json(self) -> Response {
        match self {
            Outcome::Session { id, csrf, account } => {
                let body = serde_json::json!({
                    "status": "logged_in",
                    "username": account.username.as_str(),
                    "role": account.role.name(),
                    "office": account.office,
                    "must_change_password": account.must_change,
                    "csrf_token": csrf,
                });
                let mut response = Json(body).into_response();
                response
                    .headers_mut()
                    .insert(header::SET_COOKIE, session::set_cookie(&id));
                response
            }
            Outcome::Enrol {
                token,
                secret,
                otpauth,
            } => Json(serde_json::json!({
                "status": "enrol_totp",
                "enrolment": token,
                "secret": secret,
                "otpauth": otpauth,
            }))
            .into_response(),
        }
    }
}

fn unix_seconds(at: Timestamp) -> i64 {
    at.micros().div_euclid(1_000_000)
}

/// Starts a session for `account` (ending the one the request came with, if any), on record
/// as `action`.
pub(crate) fn start_session(
    store: &mut dyn Store,
    state: &AppState,
    account: &Account,
    previous: Option<&str>,
    action: &str,
) -> Result<Outcome, ApiError> {
    let at = now();
    if let Some(previous) = previous {
        store
            .end_session(&session::hash(previous), at)
            .map_err(|e| state.storage(e))?;
    }
    let id = session::random_token()?;
    let csrf = session::random_token()?;
    store
        .create_session(&Session {
            id_hash: session::hash(&id),
            username: account.username.clone(),
            csrf_token: csrf.clone(),
            created_at: at,
            last_seen: at,
            ended_at: None,
        })
        .map_err(|e| state.storage(e))?;
    state.audit(account.username.as_str(), action, "", "")?;
    Ok(Outcome::Session {
        id,
        csrf,
        account: account.clone(),
    })
}

/// A failed attempt at a known account from `client`: counted (towards the account's lock,
/// and against the address), audited, answered like any failure.
fn failed(
    store: &mut dyn Store,
    state: &AppState,
    name: &Username,
    client: Option<std::net::IpAddr>,
    why: &str,
) -> ApiError {
    state.login_failures.failed(name, client);
    let counted = store.login_failed(name, &state.config.lock_policy, now());
    let audited = state.audit(name.as_str(), "login.failed", "", why);
    match (counted, audited) {
        (Ok(_), Ok(())) => ApiError::LOGIN_FAILED,
        (Err(e), _) => state.storage(e),
        (_, Err(e)) => e,
    }
}

pub(crate) fn client(extensions: &Extensions) -> Option<std::net::IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

pub async fn login(
    State(state): State<Shared>,
    extensions: Extensions,
    headers: HeaderMap,
    Json(request): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    attempt_login(
        &state,
        client(&extensions),
        session::cookie(&headers),
        request,
    )
    .await
    .map(Outcome::json)
}

/// A password login (the API's and the login page's): a session, a TOTP secret to enrol, or
/// the one answer every failure gets.
pub(crate) async fn attempt_login(
    state: &Shared,
    client: Option<std::net::IpAddr>,
    previous: Option<String>,
    request: LoginRequest,
) -> Result<Outcome, ApiError> {
    if !state.login_limit.allow(client) {
        return Err(ApiError::RATE_LIMITED);
    }
    let shared = state.clone();
    state
        .with_store(move |store, state| {
            let accounts = store.accounts().map_err(|e| state.storage(e))?;
            let account = Username::parse(&request.username)
                .ok()
                .and_then(|name| accounts.into_iter().find(|a| a.username == name));
            let hash = account
                .as_ref()
                .map_or(no_account_hash(), |a| a.password_hash.as_str());
            let password_ok = password::verify(&request.password, hash);
            let Some(account) = account else {
                // The name tried is not recorded: it may be anything, even a person's code.
                state.audit("unknown", "login.failed", "", "no such account")?;
                return Err(ApiError::LOGIN_FAILED);
            };
            let name = account.username.clone();
            // A locked account refuses the addresses that failed at it, unheard; from any
            // other, its owner may still log in with both factors.
            let lock = store.login_state(&name).map_err(|e| state.storage(e))?;
            if lock.is_locked(now()) && state.login_failures.has_failed(&name, client) {
                state.audit(name.as_str(), "login.failed", "", "locked")?;
                return Err(ApiError::LOGIN_FAILED);
            }
            if account.disabled {
                state.audit(name.as_str(), "login.failed", "", "disabled")?;
                return Err(ApiError::LOGIN_FAILED);
            }
            if !password_ok {
                return Err(failed(store, state, &name, client, "password"));
            }
            if !account.totp_enrolled {
                return enrol_offer(&shared, &account);
            }
            let Some(code) = request.code.as_deref() else {
                return Err(failed(store, state, &name, client, "no code"));
            };
            let (sealed, last_step) = store
                .totp_secret(&name)
                .map_err(|e| state.storage(e))?
                .ok_or(ApiError::LOGIN_FAILED)?;
            let secret = state
                .config
                .keys
                .open_named(&totp_aad(name.as_str()), &sealed, "a TOTP secret")
                .map_err(|e| state.storage(e))?;
            let secret = totp::TotpSecret::from_bytes(secret);
            let step = match totp::verify(&secret, code, unix_seconds(now()), last_step) {
                Ok(step) => step,
                Err(totp::TotpError::Replayed) => {
                    return Err(failed(store, state, &name, client, "code used already"));
                }
                Err(_) => return Err(failed(store, state, &name, client, "code")),
            };
            // Stored only if still after the last step: two logins racing with one code
            // cannot both get in.
            if !store
                .login_succeeded(&name, step)
                .map_err(|e| state.storage(e))?
            {
                return Err(failed(store, state, &name, client, "code used already"));
            }
            state.login_failures.forget(&name);
            start_session(store, state, &account, previous.as_deref(), "login")
        })
        .await
}

/// The first login of an account: a new secret to put in an authenticator app, and a token
/// to confirm it with its first code (ten minutes).
fn enrol_offer(state: &Shared, account: &Account) -> Result<Outcome, ApiError> {
    let secret = totp::TotpSecret::generate().map_err(|_| ApiError::INTERNAL)?;
    let token = session::random_token()?;
    let offer = Outcome::Enrol {
        token: token.clone(),
        secret: secret.base32(),
        otpauth: secret.otpauth_uri(&account.username),
    };
    let mut pending = state.enrolments.lock().unwrap_or_else(|p| p.into_inner());
    let at = now();
    pending.retain(|_, p| p.expires > at);
    pending.insert(
        session::hash(&token),
        PendingEnrolment {
            username: account.username.clone(),
            secret,
            expires: Timestamp::from_micros(at.micros() + 10 * 60 * 1_000_000),
        },
    );
    Ok(offer)
}

pub async fn enrol(
    State(state): State<Shared>,
    extensions: Extensions,
    headers: HeaderMap,
    Json(request): Json<EnrolRequest>,
) -> Result<Response, ApiError> {
    attempt_enrol(
        &state,
        client(&extensions),
        session::cookie(&headers),
        &request.enrolment,
        &request.code,
    )
    .await
    .map(Outcome::json)
}

/// Confirms an enrolment with its first code: a session, or the one failure.
pub(crate) async fn attempt_enrol(
    state: &Shared,
    client: Option<std::net::IpAddr>,
    previous: Option<String>,
    enrolment: &str,
    code: &str,
) -> Result<Outcome, ApiError> {
    if !state.login_limit.allow(client) {
        return Err(ApiError::RATE_LIMITED);
    }
    // One try per enrolment: a wrong code means logging in (with the password) again.
    let pending = state
        .enrolments
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&session::hash(enrolment))
        .filter(|p| p.expires > now())
        .ok_or(ApiError::LOGIN_FAILED)?;
    let code = code.to_owned();
    state
        .with_store(move |store, state| {
            let name = pending.username;
            let Ok(step) = totp::verify(&pending.secret, &code, unix_seconds(now()), None) else {
                return Err(failed(store, state, &name, client, "enrolment code"));
            };
            let sealed = state
                .config
                .keys
                .seal_bytes(&totp_aad(name.as_str()), pending.secret.expose())
                .map_err(|e| state.storage(e))?;
            store
                .enroll_totp(&name, &sealed)
                .map_err(|e| state.storage(e))?;
            if !store
                .login_succeeded(&name, step)
                .map_err(|e| state.storage(e))?
            {
                return Err(ApiError::LOGIN_FAILED);
            }
            let account = store
                .accounts()
                .map_err(|e| state.storage(e))?
                .into_iter()
                .find(|a| a.username == name)
                .ok_or(ApiError::LOGIN_FAILED)?;
            state.audit(name.as_str(), "totp.enrolled", "", "")?;
            state.login_failures.forget(&name);
            start_session(store, state, &account, previous.as_deref(), "login")
        })
        .await
}

pub async fn logout(
    State(state): State<Shared>,
    principal: Principal,
) -> Result<Response, ApiError> {
    state
        .with_store(move |store, state| {
            store
                .end_session(&principal.session_hash, now())
                .map_err(|e| state.storage(e))?;
            state.audit(principal.username.as_str(), "logout", "", "")
        })
        .await?;
    let mut response = Json(serde_json::json!({"status": "logged_out"})).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie());
    Ok(response)
}

#[derive(Deserialize)]
pub struct PasswordChange {
    current: String,
    new: String,
}

/// Changes the user's own password (required first when an admin set it).
pub async fn change_password(
    State(state): State<Shared>,
    principal: Principal,
    Json(request): Json<PasswordChange>,
) -> Result<Json<serde_json::Value>, ApiError> {
    change_own_password(&state, principal, request.current, request.new).await?;
    Ok(Json(serde_json::json!({ "status": "changed" })))
}

/// The user's new password, if the current one is right and the new one good enough.
pub(crate) async fn change_own_password(
    state: &Shared,
    principal: Principal,
    current: String,
    new: String,
) -> Result<(), ApiError> {
    let length = new.chars().count();
    if !(12..=200).contains(&length) || new == current {
        return Err(ApiError::WEAK_PASSWORD);
    }
    state
        .with_store(move |store, state| {
            let name = principal.username;
            let account = store
                .accounts()
                .map_err(|e| state.storage(e))?
                .into_iter()
                .find(|a| a.username == name)
                .ok_or(ApiError::UNAUTHENTICATED)?;
            if !password::verify(&current, &account.password_hash) {
                return Err(failed(store, state, &name, None, "password change"));
            }
            let hash = password::hash(&new).map_err(|e| state.storage(e))?;
            store
                .set_password(&name, &hash, false)
                .map_err(|e| state.storage(e))?;
            state.audit(name.as_str(), "password.change", "", "")
        })
        .await
}

pub async fn whoami(principal: Principal) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "username": principal.username.as_str(),
        "role": principal.role.name(),
        "office": principal.office,
        "must_change_password": principal.must_change,
        "csrf_token": principal.csrf_token,
    }))
}
