//! The written notice of a reflection period (Aliens Act 52 b-c §), given to the person: its
//! purpose, its first day, its length and last day (extensions included), who decided it, and
//! on what grounds it may be interrupted. In Finnish, Swedish or English (the person's
//! language, not only the decision's); only the notice prints. Read with the person's record,
//! so on record as a read of the case.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use iku_domain::state::PersonState;

use super::decision::{field, languages, parties, section};
use super::staff::{Reader, away, date, staff_page};
use super::{escape, lang, not_found, t};

/// Where the notice of the person's latest reflection period is.
pub(crate) fn notice_path(ui: Lang, person: &PersonId, doc: Lang) -> String {
    format!(
        "/{}/staff/cases/{}/reflection/{}",
        ui.code(),
        person.as_str(),
        doc.code()
    )
}

/// The notice of `person`'s latest reflection period; None if they have had none.
fn notice(doc: Lang, person: &PersonState) -> Option<String> {
    let period = person.reflection_periods.last()?;
    let mut b = format!(
        r#"<article class="decision" lang="{}"><p class="authority">{}</p><h1>{}</h1><dl>"#,
        doc.code(),
        escape(&t(doc, "site.title")),
        escape(&t(doc, "reflection.notice.title")),
    );
    parties(&mut b, doc, person);
    field(
        &mut b,
        &t(doc, "reflection.notice.start"),
        &date(doc, period.granted),
    );
    field(
        &mut b,
        &t(doc, "reflection.notice.length"),
        &t(doc, "reflection.notice.days").replace("{days}", &period.days.to_string()),
    );
    field(
        &mut b,
        &t(doc, "reflection.notice.last"),
        &date(doc, period.last_day()),
    );
    field(
        &mut b,
        &t(doc, "reflection.notice.by"),
        period.granted_by.label(doc),
    );
    if let Some(day) = period.interrupted {
        field(
            &mut b,
            &t(doc, "reflection.notice.interrupted"),
            &date(doc, day),
        );
    }
    b.push_str("</dl>");
    section(
        &mut b,
        &t(doc, "reflection.notice.purpose"),
        &[t(doc, "reflection.notice.purpose.text").into_owned()],
    );
    section(
        &mut b,
        &t(doc, "reflection.notice.interruption"),
        &[t(doc, "reflection.notice.interruption.text").into_owned()],
    );
    section(
        &mut b,
        &t(doc, "reflection.notice.law"),
        &[t(doc, "reflection.notice.law.text").into_owned()],
    );
    b.push_str("</article>");
    Some(b)
}

/// `GET /{lang}/staff/cases/{person}/reflection/{doc}`
pub async fn reflection_notice(
    State(state): State<crate::state::Shared>,
    Path((code, person, doc)): Path<(String, String, String)>,
    reader: Reader,
) -> Response {
    let (Some(ui), Some(doc), Ok(person)) = (lang(&code), lang(&doc), PersonId::parse(&person))
    else {
        return not_found();
    };
    let principal = reader.principal();
    let (p, id) = (principal.clone(), person.clone());
    let read = state
        .audited(move |iku| p.open_case(iku, &id)?.read())
        .await;
    let record = match read {
        Ok(Some(record)) => record,
        Ok(None) => return not_found(),
        Err(e) => return away(ui, &e),
    };
    let Some(document) = notice(doc, &record) else {
        return not_found();
    };
    let links = languages(doc, |l| notice_path(ui, &person, l));
    let mut body = format!(
        r#"<div class="noprint"><p><a href="/{}/staff/cases/{}">{}</a></p><p>{}: {}</p><p>{}</p></div>"#,
        ui.code(),
        escape(person.as_str()),
        escape(&t(ui, "history.back")),
        escape(&t(ui, "reflection.notice.languages")),
        links.join(" · "),
        escape(&t(ui, "reflection.notice.print")),
    );
    let _ = write!(body, "{document}");
    staff_page(
        ui,
        StatusCode::OK,
        &t(ui, "reflection.notice.title"),
        &format!("/staff/cases/{}/reflection/{}", person.as_str(), doc.code()),
        Some(&principal),
        &body,
    )
}
