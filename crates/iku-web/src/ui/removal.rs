//! The decision on removal from the assistance system (38 f § of the reception act, from the
//! 2015 reform on) as the document sent to the person: the date, the ground and its standard
//! reasoning, the provisions of its day, that assistance may go on for a reasonable time, and
//! the appeal instructions. In Finnish or Swedish; an English page is marked an unofficial
//! translation. Only the document prints.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_app::access::RemovalRecord;
use iku_domain::codes::Lang;
use iku_domain::decision::{Provision, removal_provisions};
use iku_domain::ids::PersonId;

use super::decision::{close, field, languages, parties, section};
use super::staff::{Reader, away, date, staff_page};
use super::{escape, lang, not_found, t};

/// Where the removal document is, in the staff's `ui` language and the document's.
pub(crate) fn document_path(ui: Lang, person: &PersonId, doc: Lang) -> String {
    format!(
        "/{}/staff/cases/{}/removal/{}",
        ui.code(),
        person.as_str(),
        doc.code()
    )
}

fn document(doc: Lang, r: &RemovalRecord) -> String {
    let mut b = format!(
        r#"<article class="decision" lang="{}"><p class="authority">{}</p><p class="secret"><strong>{}</strong> ({})</p><h1>{}</h1><dl>"#,
        doc.code(),
        escape(&t(doc, "site.title")),
        escape(&t(doc, "decision.secret")),
        escape(Provision::PublicityAct.cite(doc)),
        escape(&t(doc, "removal.title")),
    );
    field(&mut b, &t(doc, "decision.date"), &date(doc, r.removed_on));
    field(
        &mut b,
        &t(doc, "decision.matter"),
        &t(doc, "removal.matter"),
    );
    parties(&mut b, doc, &r.person);
    field(&mut b, &t(doc, "removal.admitted"), &date(doc, r.admitted));
    b.push_str("</dl>");
    section(
        &mut b,
        &t(doc, "decision.outcome"),
        &[t(doc, "removal.outcome").replace("{date}", &date(doc, r.removed_on))],
    );
    section(
        &mut b,
        &t(doc, "decision.reasons"),
        &[
            format!("{}: {}.", t(doc, "removal.ground"), r.reason.label(doc)),
            t(doc, &format!("removal.reasons.{}", r.reason.code())).into_owned(),
            t(doc, "removal.continues").into_owned(),
        ],
    );
    let _ = write!(b, "<h2>{}</h2><ul>", escape(&t(doc, "decision.provisions")));
    for p in removal_provisions(r.removed_on) {
        let _ = write!(b, "<li>{}</li>", escape(p.cite(doc)));
    }
    b.push_str("</ul>");
    close(
        &mut b,
        doc,
        &r.terminated.recorded_by,
        r.official.as_ref(),
        r.removed_on,
    );
    b
}

/// The way back and the document's languages (none of it prints), then the document.
fn around(ui: Lang, r: &RemovalRecord, doc: Lang) -> String {
    let person = &r.person.id;
    let links = languages(doc, |l| document_path(ui, person, l));
    format!(
        r#"<div class="noprint"><p><a href="/{}/staff/cases/{}">{}</a></p><p>{}: {}</p><p>{}</p></div>{}"#,
        ui.code(),
        escape(person.as_str()),
        escape(&t(ui, "history.back")),
        escape(&t(ui, "decision.languages")),
        links.join(" · "),
        escape(&t(ui, "decision.print")),
        document(doc, r)
    )
}

/// `GET /{lang}/staff/cases/{person}/removal/{doc}`
pub async fn removal(
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
        .audited(move |iku| p.open_case(iku, &id)?.removal())
        .await;
    match read {
        Ok(Some(record)) => staff_page(
            ui,
            StatusCode::OK,
            &t(ui, "removal.document"),
            &format!("/staff/cases/{}/removal/{}", person.as_str(), doc.code()),
            Some(&principal),
            &around(ui, &record, doc),
        ),
        Ok(None) => not_found(),
        Err(e) => away(ui, &e),
    }
}
