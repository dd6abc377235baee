//! The admins' and auditors' pages: the accounts (admins; no case data), and the audit log
//! (auditors: every entry; directors: the break-the-glass openings with their reasons).

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::access::Role;

use super::staff::{Reader, away, staff_page};
use super::{escape, lang, not_found, t};
use crate::state::Shared;

pub async fn accounts(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let p = principal.clone();
    let listed = state
        .with_store(move |store, state| p.administration()?.accounts(store, state))
        .await;
    let accounts = match listed {
        Ok(a) => a,
        Err(e) => return away(lang, &e),
    };
    let yes_no = |b: bool| t(lang, if b { "admin.yes" } else { "admin.no" });
    let mut b = format!(
        r#"<h1>{}</h1><table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "admin.title")),
        escape(&t(lang, "staff.username")),
        escape(&t(lang, "admin.role")),
        escape(&t(lang, "staff.inbox.office")),
        escape(&t(lang, "admin.totp")),
        escape(&t(lang, "admin.state")),
    );
    for a in &accounts {
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            escape(a.username.as_str()),
            escape(a.role.name()),
            escape(a.office.as_deref().unwrap_or("")),
            escape(&yes_no(a.totp_enrolled)),
            escape(&t(
                lang,
                if a.disabled {
                    "admin.disabled"
                } else {
                    "admin.active"
                }
            )),
        );
    }
    b.push_str("</tbody></table>");
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "admin.title"),
        "/staff/admin",
        Some(&principal),
        &b,
    )
}

pub async fn audit(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let p = principal.clone();
    let read = state
        .with_store(move |store, state| p.audit_log()?.entries(store, state))
        .await;
    let entries = match read {
        Ok(e) => e,
        Err(e) => return away(lang, &e),
    };
    let title = if principal.role == Role::Auditor {
        "audit.title"
    } else {
        "audit.glass"
    };
    let mut b = format!(
        r#"<h1>{}</h1><table><thead><tr><th scope="col">#</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, title)),
        escape(&t(lang, "audit.time")),
        escape(&t(lang, "audit.actor")),
        escape(&t(lang, "audit.action")),
        escape(&t(lang, "audit.record")),
        escape(&t(lang, "audit.reason")),
    );
    // Newest first: what an auditor looks for is usually recent.
    for e in entries.iter().rev() {
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>"#,
            e.seq,
            escape(&e.at.to_string()),
            escape(&e.entry.actor),
            escape(&e.entry.action),
            escape(&e.entry.record),
            escape(&e.entry.reason),
        );
    }
    b.push_str("</tbody></table>");
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, title),
        "/staff/audit",
        Some(&principal),
        &b,
    )
}
