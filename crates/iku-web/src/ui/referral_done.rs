//! The referral's confirmation: the reference shown once (carried from the form in a cookie
//! of this page alone, never in an address), and what happens next.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;

use super::{Audience, escape, lang, not_found, page, t};

/// The cookie that carries a new referral's reference to its confirmation.
pub(super) const REFERENCE_COOKIE: &str = "iku_reference";

/// The confirmation: the reference shown once (from its cookie, which the answer clears),
/// and what happens next. Seen again (Back, a reload), it says the referral was received
/// and nothing more.
pub async fn done(Path(code): Path<String>, headers: axum::http::HeaderMap) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    // Only the shape of a reference is shown back: the page reads nothing stored.
    let reference = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(REFERENCE_COOKIE)?.strip_prefix('='))
        .find(|r| {
            r.len() == 12 && r.starts_with("R-") && r[2..].chars().all(|c| c.is_ascii_hexdigit())
        })
        .map(str::to_owned);
    let title = escape(&t(lang, "done.title"));
    let next = escape(&t(lang, "done.next"));
    let body = match &reference {
        Some(reference) => format!(
            r#"<div class="panel"><h1>{title}</h1><p>{label}</p><p class="reference">{reference}</p></div><p>{next}</p><p>{keep}</p>"#,
            label = escape(&t(lang, "done.reference")),
            reference = escape(reference),
            keep = escape(&t(lang, "done.keep")),
        ),
        None => format!(
            r#"<div class="panel"><h1>{title}</h1></div><p>{next}</p><p>{}</p>"#,
            super::advice_line(lang),
        ),
    };
    let mut shown = page(
        lang,
        StatusCode::OK,
        &t(lang, "done.title"),
        "/referral",
        Audience::Public,
        &body,
    );
    if reference.is_none() {
        return shown;
    }
    if let Ok(clear) = axum::http::HeaderValue::from_str(&format!(
        "{REFERENCE_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/{}/referral/done; Max-Age=0",
        lang.code()
    )) {
        shown
            .headers_mut()
            .insert(axum::http::header::SET_COOKIE, clear);
    }
    shown
}
