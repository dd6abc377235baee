//! The audit log as a file for the auditor (`/{lang}/staff/audit.csv`, with the page's
//! filters): every entry the filters keep, newest first, its columns named in the language and
//! its fields parted as the language's spreadsheets expect (a semicolon in Finnish and
//! Swedish, where the comma is the decimal sign; a comma in English), UTF-8 with a byte order
//! mark so that a spreadsheet reads the letters right. The export is one entry of the log.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use iku_app::AuditEntry;
use iku_domain::calendar::finnish_date;
use iku_domain::codes::Lang;
use iku_stats::csv::cell;

use super::audit_log::{AuditQuery, action_words};
use super::staff::{Reader, date_time, refused};
use super::statistics::file;
use super::{Refusal, language, t};
use crate::state::{Shared, now};

/// What parts the fields in the language's spreadsheets.
fn separator(lang: Lang) -> char {
    match lang {
        Lang::Fi | Lang::Sv => ';',
        Lang::En => ',',
    }
}

/// The entries as CSV: a header row in the language, then one row an entry. The time is
/// given twice: as the language writes it in Finnish time, and in UTC (RFC 3339) for sorting
/// and for machines; the action by its words and its code.
pub(super) fn to_csv(lang: Lang, entries: &[AuditEntry]) -> String {
    let sep = separator(lang);
    let mut out = String::from("\u{feff}");
    let mut row = |fields: &[&str]| {
        let cells: Vec<String> = fields.iter().map(|f| cell(f, sep)).collect();
        out.push_str(&cells.join(&sep.to_string()));
        out.push_str("\r\n");
    };
    let head = [
        "#".to_owned(),
        t(lang, "audit.time").into_owned(),
        "UTC".to_owned(),
        t(lang, "audit.actor").into_owned(),
        t(lang, "audit.action").into_owned(),
        t(lang, "audit.code").into_owned(),
        t(lang, "audit.record").into_owned(),
        t(lang, "audit.reason").into_owned(),
    ];
    row(&head.iter().map(String::as_str).collect::<Vec<_>>());
    for e in entries {
        let reason = if e.noted {
            t(lang, "audit.note_sealed").into_owned()
        } else {
            e.entry.reason.clone()
        };
        row(&[
            &e.seq.to_string(),
            &date_time(lang, e.at),
            &e.at.to_string(),
            &e.entry.actor,
            &action_words(lang, &e.entry.action),
            &e.entry.action,
            &e.entry.record,
            &reason,
        ]);
    }
    out
}

/// `GET /{lang}/staff/audit.csv`: the log as the page's filters keep it, as a file.
pub async fn export(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<AuditQuery>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = reader.principal();
    let filter = query
        .filter()
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let p = principal.clone();
    let entries = state
        .blocking(move |app| p.audit_log(app)?.export(filter))
        .await
        .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
    let today = iku_domain::calendar::format_date(finnish_date(now()));
    Ok(file(
        to_csv(lang, &entries).into_bytes(),
        "text/csv; charset=utf-8",
        Some(format!("iku-audit-log-{today}.csv")),
    ))
}
