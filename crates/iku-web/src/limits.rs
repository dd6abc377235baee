//! What every request passes through before its handler: its body read whole within a time
//! and a size (a client that sends a body slowly, or an endless one, is cut off), and for the
//! JSON API the headers an answer with personal fields needs (`Cache-Control: no-store`,
//! `nosniff`) and the one error shape for every refusal, the framework's own (a body too
//! large, JSON that does not parse) included.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::state::Shared;

/// How long a request's body may take to arrive, and how large it may be.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    pub read_within: Duration,
    pub largest: usize,
    /// A document attached to a case, by a signed-in user: the file (20 MB, checked by the
    /// application layer, which says so in the user's language) and its form, within this time.
    pub document_within: Duration,
    pub largest_document: usize,
}

impl Default for BodyLimits {
    /// Ten seconds and 2 MiB: a page's form or an API's event is a few kilobytes. Two
    /// minutes and 24 MiB for a document: a file a little over 20 MB still reaches the
    /// page that explains the limit; 20 MB arrive in two minutes at 1.5 Mbit/s.
    fn default() -> Self {
        BodyLimits {
            read_within: Duration::from_secs(10),
            largest: 2 << 20,
            document_within: Duration::from_secs(120),
            largest_document: 24 << 20,
        }
    }
}

/// Whether a request attaches a document to a case (`POST /{lang}/staff/cases/{person}/
/// documents`) with a session cookie: only then is the larger limit taken.
fn attaches_document(request: &Request) -> bool {
    let mut parts = request.uri().path().split('/').skip(1);
    let shape = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    );
    request.method() == axum::http::Method::POST
        && matches!(
            shape,
            (
                Some(_),
                Some("staff"),
                Some("cases"),
                Some(_),
                Some("documents"),
                None
            )
        )
        && request
            .headers()
            .get(header::COOKIE)
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.contains(crate::session::COOKIE))
}

/// The language of a staff page's path, to refuse it in words.
fn staff_language(request: &Request) -> Option<iku_domain::codes::Lang> {
    let mut parts = request.uri().path().split('/').skip(1);
    let lang = parts.next().and_then(crate::ui::lang)?;
    (parts.next() == Some("staff")).then_some(lang)
}

pub const TOO_LARGE: ApiError = ApiError::new(
    StatusCode::PAYLOAD_TOO_LARGE,
    "too_large",
    "the request's body is larger than the server takes",
);
pub const TOO_SLOW: ApiError = ApiError::new(
    StatusCode::REQUEST_TIMEOUT,
    "too_slow",
    "the request's body did not arrive in time",
);

fn is_api(request: &Request) -> bool {
    request.uri().path().starts_with("/api/")
}

/// Reads the body whole (within the limits) before the handler sees the request.
pub async fn read_body(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let limits = state.config.body_limits;
    let api = is_api(&request);
    let staff = staff_language(&request);
    let (read_within, largest) = if attaches_document(&request) {
        (limits.document_within, limits.largest_document)
    } else {
        (limits.read_within, limits.largest)
    };
    let (parts, body) = request.into_parts();
    let refused = |error: ApiError| {
        let mut response = if api {
            error.into_response()
        } else if let Some(lang) = staff {
            crate::ui::staff::away(lang, &error)
        } else {
            (error.status, error.message).into_response()
        };
        // The rest of the body is not read: the connection cannot carry another request.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        response
    };
    let bytes = match tokio::time::timeout(read_within, to_bytes(body, largest)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => return refused(TOO_LARGE),
        Err(_) => return refused(TOO_SLOW),
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Logs the cause of every failure (once, here: a handler only passes its error on).
pub async fn log_causes(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if let Some(crate::error::Cause(cause)) = response.extensions().get() {
        state.config.log.line(cause);
    }
    response
}

/// The API's answers: never cached, never sniffed, every refusal in the one JSON shape.
pub async fn api_answers(request: Request, next: Next) -> Response {
    if !is_api(&request) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"application/json"));
    let status = response.status();
    let mut response = if (status.is_client_error() || status.is_server_error()) && !json {
        framework_error(status).into_response()
    } else {
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// A refusal the framework made before a handler could (its text is not for programs).
fn framework_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => TOO_LARGE,
        StatusCode::REQUEST_TIMEOUT => TOO_SLOW,
        StatusCode::NOT_FOUND => ApiError::NOT_FOUND,
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            status,
            "method_not_allowed",
            "this endpoint does not take this method",
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            status,
            "unsupported_media_type",
            "send JSON, with Content-Type: application/json",
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::new(
            status,
            "invalid_request",
            "the JSON does not have the fields this endpoint takes",
        ),
        s if s.is_server_error() => ApiError::INTERNAL,
        _ => ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "the request is not what this endpoint takes (is the JSON well-formed?)",
        ),
    }
}
