//! Sessions on the HTTP side: the id in a cookie (HttpOnly, Secure, SameSite=Strict; the
//! application keeps only its hash, and ends it by logout, when idle, or when old), and the
//! session's CSRF token in `X-CSRF-Token` on every state-changing request.
//!
//! `Principal` is the extractor that turns a request into a logged-in user, or refuses it;
//! handlers that need one cannot run without it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use iku_app::Actor;
use iku_app::login::SessionUser;

use crate::error::ApiError;
use crate::state::Shared;

pub const COOKIE: &str = "iku_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

pub(crate) use iku_app::login::{hash, random_token};

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

/// A logged-in user, as the request's session says: an actor of the application with a
/// session (dereferences to the `Actor`, whose role the handles check).
#[derive(Debug, Clone)]
pub struct Principal(SessionUser);

impl Principal {
    pub fn csrf_token(&self) -> &str {
        &self.0.csrf_token
    }

    pub fn must_change(&self) -> bool {
        self.0.must_change
    }

    pub fn session(&self) -> &SessionUser {
        &self.0
    }
}

impl std::ops::Deref for Principal {
    type Target = Actor;

    fn deref(&self) -> &Actor {
        &self.0.actor
    }
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
    // A session checked within the second is taken from memory, without a blocking thread.
    let user = match state.app.checked_session_user(&id) {
        Some(user) => user,
        None => state.blocking(move |app| app.session_user(&id)).await?,
    };
    if changes && csrf == Csrf::Header && sent_csrf.as_deref() != Some(user.csrf_token.as_str()) {
        return Err(ApiError::CSRF);
    }
    if user.must_change && !open_while_changing {
        return Err(ApiError::PASSWORD_CHANGE_REQUIRED);
    }
    Ok(Principal(user))
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
        if token.is_empty() || token != self.0.csrf_token() {
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
