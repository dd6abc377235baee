//! Sessions: a random id in a cookie (HttpOnly, Secure, SameSite=Strict), only its SHA-256
//! stored; a new id at every login; ended by logout or after the idle timeout. Every
//! state-changing request carries the session's CSRF token in `X-CSRF-Token`.
//!
//! `Principal` is the extractor that turns a request into a logged-in user, or refuses it;
//! handlers that need one cannot run without it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use iku_domain::access::{Role, Username};
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::state::{Shared, now};

pub const COOKIE: &str = "iku_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// 32 random bytes, hex.
pub(crate) fn random_token() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| ApiError::INTERNAL)?;
    Ok(hex(&bytes))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What is stored of a session id or token.
pub(crate) fn hash(id: &str) -> String {
    hex(&Sha256::digest(id.as_bytes()))
}

/// The session id the request's cookie carries, if any.
pub(crate) fn cookie(headers: &HeaderMap) -> Option<String> {
    cookie_named(headers, COOKIE)
}

/// The value of the request's cookie `name`, if any.
pub(crate) fn cookie_named(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value.to_owned())
}

/// The `Set-Cookie` value that gives the browser a session id.
pub(crate) fn set_cookie(id: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{COOKIE}={id}; HttpOnly; Secure; SameSite=Strict; Path=/"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that makes the browser forget it.
pub(crate) fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("iku_session=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
}

/// A logged-in user, as the request's session says.
#[derive(Debug, Clone)]
pub struct Principal {
    pub username: Username,
    pub role: Role,
    pub office: Option<String>,
    pub must_change: bool,
    pub(crate) session_hash: String,
    pub(crate) csrf_token: String,
}

/// Where a request's CSRF token is: in the header (the API), or in a form's field (pages,
/// checked by the handler through `UncheckedPrincipal::check`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Csrf {
    Header,
    FormField,
}

/// The user of a request's session, or why there is none.
async fn resolve(parts: &Parts, state: &Shared, csrf: Csrf) -> Result<Principal, ApiError> {
    let id = cookie(&parts.headers).ok_or(ApiError::UNAUTHENTICATED)?;
    let changes = !matches!(parts.method, Method::GET | Method::HEAD);
    // An account whose password an admin set may only change it (or look, or leave).
    let path = parts.uri.path().to_owned();
    let open_while_changing = matches!(
        path.as_str(),
        "/api/password" | "/api/session" | "/api/logout"
    ) || path.ends_with("/staff/password")
        || path.ends_with("/staff/logout");
    let sent_csrf = parts
        .headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let id_hash = hash(&id);
    state
        .with_store(move |store, state| {
            let session = store
                .session(&id_hash)
                .map_err(|e| state.storage(e))?
                .filter(|s| s.ended_at.is_none())
                .ok_or(ApiError::UNAUTHENTICATED)?;
            let at = now();
            // Idle too long, or older than a working day however busy: log in again.
            if at.micros() - session.last_seen.micros() > state.config.idle_timeout
                || at.micros() - session.created_at.micros() > state.config.session_lifetime
            {
                store
                    .end_session(&id_hash, at)
                    .map_err(|e| state.storage(e))?;
                return Err(ApiError::UNAUTHENTICATED);
            }
            let account = store
                .account(&session.username)
                .map_err(|e| state.storage(e))?
                .filter(|a| !a.disabled)
                .ok_or(ApiError::UNAUTHENTICATED)?;
            if changes
                && csrf == Csrf::Header
                && sent_csrf.as_deref() != Some(session.csrf_token.as_str())
            {
                return Err(ApiError::CSRF);
            }
            if account.must_change && !open_while_changing {
                return Err(ApiError::PASSWORD_CHANGE_REQUIRED);
            }
            // The idle time counts in steps of a thirtieth of the timeout (a minute of 30):
            // a write for every request would cost more than the request.
            if at.micros() - session.last_seen.micros() > state.config.idle_timeout / 30 {
                store
                    .touch_session(&id_hash, at)
                    .map_err(|e| state.storage(e))?;
            }
            Ok(Principal {
                username: account.username,
                role: account.role,
                office: account.office,
                must_change: account.must_change,
                session_hash: id_hash,
                csrf_token: session.csrf_token,
            })
        })
        .await
}

impl FromRequestParts<Shared> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        resolve(parts, state, Csrf::Header).await
    }
}

/// The user behind a page's form post, before the form's CSRF token is checked: the only way
/// to a `Principal` is `check`.
pub struct UncheckedPrincipal(Principal);

impl UncheckedPrincipal {
    pub fn check(self, token: &str) -> Result<Principal, ApiError> {
        if token.is_empty() || token != self.0.csrf_token {
            return Err(ApiError::CSRF);
        }
        Ok(self.0)
    }
}

impl FromRequestParts<Shared> for UncheckedPrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        resolve(parts, state, Csrf::FormField)
            .await
            .map(UncheckedPrincipal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_set_with_every_flag() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; iku_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers).as_deref(), Some("abc"));
        let set = set_cookie("abc");
        let set = set.to_str().unwrap_or_default();
        for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(set.contains(flag), "{set}");
        }
        assert_ne!(hash("abc"), "abc");
        assert_eq!(hash("abc").len(), 64);
    }
}
