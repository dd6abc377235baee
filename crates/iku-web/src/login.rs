//! Logging in and out over HTTP: the application's login flow (`iku_app::login`: password
//! and TOTP, enrolment, locks, sessions) behind the per-address rate limit, its session id
//! in a cookie and its CSRF token in the answer. Every failure gives the same answer
//! (`login_failed`).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, header};
use axum::response::{IntoResponse, Response};
use iku_app::login::{Credentials, Enrolment, NewSession};
use serde::Deserialize;

use crate::error::ApiError;
use crate::session::{self, Principal};
use crate::state::Shared;

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
    Session(NewSession),
    Enrol(Enrolment),
}

impl Outcome {
    /// The API's answer: JSON, and the session cookie.
    pub(crate) fn json(self) -> Response {
        match self {
            Outcome::Session(NewSession { id, csrf, account }) => {
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
            Outcome::Enrol(Enrolment {
                token,
                secret,
                otpauth,
            }) => Json(serde_json::json!({
                "status": "enrol_totp",
                "enrolment": token,
                "secret": secret,
                "otpauth": otpauth,
            }))
            .into_response(),
        }
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
    let credentials = Credentials {
        username: request.username,
        password: request.password,
        code: request.code,
    };
    state
        .blocking(move |app| app.login(credentials, client, previous.as_deref()))
        .await
        .map(|outcome| match outcome {
            iku_app::login::Outcome::Session(s) => Outcome::Session(s),
            iku_app::login::Outcome::Enrol(e) => Outcome::Enrol(e),
        })
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
        request.enrolment,
        request.code,
    )
    .await
    .map(Outcome::json)
}

/// Confirms an enrolment with its first code: a session, or the one failure.
pub(crate) async fn attempt_enrol(
    state: &Shared,
    client: Option<std::net::IpAddr>,
    previous: Option<String>,
    enrolment: String,
    code: String,
) -> Result<Outcome, ApiError> {
    if !state.login_limit.allow(client) {
        return Err(ApiError::RATE_LIMITED);
    }
    state
        .blocking(move |app| app.enrol(&enrolment, &code, client, previous.as_deref()))
        .await
        .map(Outcome::Session)
}

pub async fn logout(
    State(state): State<Shared>,
    principal: Principal,
) -> Result<Response, ApiError> {
    state
        .blocking(move |app| app.logout(principal.session()))
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
    state
        .blocking(move |app| app.change_password(principal.session(), &current, &new))
        .await
}

pub async fn whoami(principal: Principal) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "username": principal.username.as_str(),
        "role": principal.role.name(),
        "office": principal.office,
        "must_change_password": principal.must_change(),
        "csrf_token": principal.csrf_token(),
    }))
}
