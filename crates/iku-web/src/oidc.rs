//! Logging in with an OpenID Connect provider instead of a password and TOTP (the provider
//! then answers for the second factor). The authorization code flow with PKCE: `/api/oidc/login`
//! sends the browser to the provider with a state (also in a cookie, so that only the browser
//! that started a login can finish it) and a nonce; `/api/oidc/callback` exchanges the code,
//! verifies the ID token, reads the user's groups from the user-info endpoint, maps them to
//! exactly one role (and a caseworker's office), keeps the local account in step, and starts a
//! session as a password login does.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use iku_domain::Timestamp;
use iku_domain::access::{Role, Username};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::session;
use crate::state::{AppState, Shared, now};

/// How to reach the provider, and how its groups become roles.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// This server's `/api/oidc/callback`, as the provider knows it.
    pub redirect_url: String,
    /// The provider's group that gives each role.
    pub role_groups: Vec<(Role, String)>,
    /// A caseworker's office is the group named this prefix and the office.
    pub office_prefix: String,
}

const STATE_COOKIE: &str = "iku_oidc";

/// A login started here, waiting for the provider's answer.
pub(crate) struct PendingLogin {
    nonce: String,
    verifier: String,
    expires: Timestamp,
}

pub(crate) type PendingLogins = Mutex<HashMap<String, PendingLogin>>;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
struct Groups {
    #[serde(default)]
    groups: Vec<String>,
}

impl AdditionalClaims for Groups {}

/// An HTTP client that follows no redirects (following them would let a provider's answer
/// send this server anywhere).
fn http() -> openidconnect::ureq::Agent {
    openidconnect::ureq::AgentBuilder::new()
        .redirects(0)
        .build()
}

fn config(state: &AppState) -> Result<&OidcConfig, ApiError> {
    state.config.oidc.as_ref().ok_or(ApiError::NOT_FOUND)
}

/// The provider's client, from its discovery document (fetched per login: logins are rare,
/// and a provider's keys change).
fn discover(
    state: &AppState,
    oidc: &OidcConfig,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    ApiError,
> {
    let issuer = IssuerUrl::new(oidc.issuer.clone())
        .map_err(|e| ApiError::internal(format!("oidc issuer: {e}")))?;
    let metadata = CoreProviderMetadata::discover(&issuer, &http()).map_err(|e| {
        state.config.log.line(&format!("oidc discovery: {e}"));
        ApiError::OIDC_UNAVAILABLE
    })?;
    let redirect = RedirectUrl::new(oidc.redirect_url.clone())
        .map_err(|e| ApiError::internal(format!("oidc redirect URL: {e}")))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(oidc.client_id.clone()),
        Some(ClientSecret::new(oidc.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// Sends the browser to the provider.
pub async fn login(State(state): State<Shared>) -> Result<Response, ApiError> {
    let shared = state.clone();
    let (url, csrf) = tokio::task::spawn_blocking(move || {
        let state = &*shared;
        let oidc = config(state)?;
        let client = discover(state, oidc)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, csrf, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("profile".into()))
            .add_scope(Scope::new("groups".into()))
            .set_pkce_challenge(challenge)
            .url();
        let mut pending = state.oidc_logins.lock().unwrap_or_else(|p| p.into_inner());
        let at = now();
        pending.retain(|_, p| p.expires > at);
        pending.insert(
            session::hash(csrf.secret()),
            PendingLogin {
                nonce: nonce.secret().clone(),
                verifier: verifier.secret().clone(),
                expires: Timestamp::from_micros(at.micros() + 10 * 60 * 1_000_000),
            },
        );
        Ok::<_, ApiError>((url.to_string(), csrf.secret().clone()))
    })
    .await
    .unwrap_or(Err(ApiError::INTERNAL))?;
    let mut response = StatusCode::SEE_OTHER.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(&url).map_err(|_| ApiError::INTERNAL)?,
    );
    // Lax: the provider's redirect back is a top-level navigation from another site.
    headers.insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{STATE_COOKIE}={csrf}; HttpOnly; Secure; SameSite=Lax; Path=/api/oidc; Max-Age=600"
        ))
        .map_err(|_| ApiError::INTERNAL)?,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct Callback {
    code: String,
    state: String,
}

/// The one role the groups give, and a caseworker's office; None if no role or more than
/// one (an account gets exactly one role, never the union of several).
fn role_of(oidc: &OidcConfig, groups: &[String]) -> Option<(Role, Option<String>)> {
    let roles: Vec<Role> = oidc
        .role_groups
        .iter()
        .filter(|(_, group)| groups.contains(group))
        .map(|(role, _)| *role)
        .collect();
    let [role] = roles[..] else { return None };
    let offices: Vec<&str> = groups
        .iter()
        .filter_map(|g| g.strip_prefix(&oidc.office_prefix))
        .collect();
    match (role.needs_office(), &offices[..]) {
        (true, [office]) => Some((role, Some((*office).to_owned()))),
        (true, _) => None,
        (false, _) => Some((role, None)),
    }
}

/// The provider's answer: the code, exchanged and verified, becomes a session.
pub async fn callback(
    State(state): State<Shared>,
    headers: HeaderMap,
    Query(answer): Query<Callback>,
) -> Result<Response, ApiError> {
    // Only the browser that started the login may finish it.
    if session::cookie_named(&headers, STATE_COOKIE).as_deref() != Some(answer.state.as_str()) {
        return Err(ApiError::LOGIN_FAILED);
    }
    let pending = state
        .oidc_logins
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&session::hash(&answer.state))
        .filter(|p| p.expires > now())
        .ok_or(ApiError::LOGIN_FAILED)?;
    let previous = session::cookie(&headers);
    let shared = state.clone();
    let (username, role) = tokio::task::spawn_blocking(move || {
        let state = &*shared;
        let oidc = config(state)?;
        let client = discover(state, oidc)?;
        let refused = |what: &str, e: &dyn std::fmt::Display| {
            state.config.log.line(&format!("oidc {what}: {e}"));
            ApiError::LOGIN_FAILED
        };
        let tokens = client
            .exchange_code(AuthorizationCode::new(answer.code))
            .map_err(|e| refused("token endpoint", &e))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier))
            .request(&http())
            .map_err(|e| refused("code exchange", &e))?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| refused("answer", &"no ID token"))?;
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(pending.nonce))
            .map_err(|e| refused("ID token", &e))?;
        let info: UserInfoClaims<Groups, CoreGenderClaim> = client
            .user_info(
                tokens.access_token().clone(),
                Some(claims.subject().clone()),
            )
            .map_err(|e| refused("user info endpoint", &e))?
            .request(&http())
            .map_err(|e| refused("user info", &e))?;
        let name = info
            .preferred_username()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|| claims.subject().as_str().to_owned());
        let username = Username::parse(&name).map_err(|e| refused("user name", &e))?;
        Ok::<_, ApiError>((username, role_of(oidc, &info.additional_claims().groups)))
    })
    .await
    .map_err(|e| ApiError::internal(format!("the OIDC worker failed: {e}")))??;
    state
        .blocking(move |app| app.oidc_login(&username, role, previous.as_deref()))
        .await
        .map(|session| crate::login::Outcome::Session(session).json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_give_exactly_one_role_and_a_caseworker_one_office() {
        let oidc = OidcConfig {
            issuer: String::new(),
            client_id: String::new(),
            client_secret: String::new(),
            redirect_url: String::new(),
            role_groups: vec![
                (Role::Director, "directors".into()),
                (Role::Caseworker, "caseworkers".into()),
                (Role::Admin, "admins".into()),
            ],
            office_prefix: "office-".into(),
        };
        let g = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            role_of(&oidc, &g(&["directors"])),
            Some((Role::Director, None))
        );
        assert_eq!(
            role_of(&oidc, &g(&["caseworkers", "office-oulu"])),
            Some((Role::Caseworker, Some("oulu".into())))
        );
        assert_eq!(role_of(&oidc, &g(&["caseworkers"])), None);
        assert_eq!(
            role_of(&oidc, &g(&["caseworkers", "office-a", "office-b"])),
            None
        );
        assert_eq!(role_of(&oidc, &g(&["directors", "admins"])), None);
        assert_eq!(role_of(&oidc, &g(&["other"])), None);
    }
}
