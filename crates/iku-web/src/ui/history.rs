//! The history of a case: every entry ever recorded about the person, in the order the
//! register applies them, each correction and retraction right after what it amended, and who
//! recorded each (from the audit trail). An entry in force can be retracted from here, after
//! a confirmation step: a retraction cannot itself be undone.

use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::EventBody;
use iku_domain::calendar::{finnish_date, format_date};
use iku_domain::codes::Lang;
use iku_domain::ids::PersonId;
use serde::Deserialize;

use super::staff::{Reader, date, date_time, refused, staff_page};
use super::{escape, lang, not_found, t};
use crate::state::{Shared, now};
use iku_app::history::{Recorded, RecordedBy};

/// What an entry says, without personal fields: the kind, and its codes in words.
pub(crate) fn describe(lang: Lang, body: &EventBody) -> String {
    let kind = t(lang, &format!("event.{}", body.kind().name()));
    let what = match body {
        EventBody::ApplicationReceived(a) => {
            format!("{} ({})", a.application.as_str(), a.referrer.label(lang))
        }
        EventBody::PersonDetails(d) => {
            let d = &d.details;
            let mut given: Vec<String> = Vec::new();
            given.extend(d.gender.map(|g| g.label(lang).to_owned()));
            given.extend(d.nationality.map(|n| n.label(lang).to_owned()));
            given.extend(d.residence_status.map(|r| r.label(lang).to_owned()));
            given.extend(d.birth_year.map(|y| y.to_string()));
            given.join(", ")
        }
        EventBody::ApplicationDecided(d) => {
            let outcome = t(lang, &format!("outcome.{}", d.decision.outcome()));
            match d.decision {
                iku_domain::event::Decision::Rejected { reason } => format!(
                    "{}: {outcome} ({})",
                    d.application.as_str(),
                    reason.label(lang)
                ),
                _ => format!("{}: {outcome}", d.application.as_str()),
            }
        }
        EventBody::ExploitationAssessed(a) => a
            .assessment
            .forms()
            .iter()
            .map(|f| format!("{} ({})", f.form.label(lang), f.place.label(lang)))
            .collect::<Vec<_>>()
            .join(", "),
        EventBody::ChildAdmitted { child, .. } | EventBody::ChildLeft { child } => {
            child.as_str().to_owned()
        }
        EventBody::ReflectionPeriodGranted(g) => format!(
            "{} ({})",
            days(lang, u32::from(g.days)),
            g.granted_by.label(lang)
        ),
        EventBody::ReflectionPeriodExtended { days: d, .. } => {
            format!("+{}", days(lang, u32::from(*d)))
        }
        EventBody::IdentificationDecided { outcome, .. } => {
            t(lang, &format!("identification.{}", outcome.name())).into_owned()
        }
        EventBody::AssistanceMeasure(m) => m.measure.label(lang).to_owned(),
        EventBody::AssistanceTerminated { reason, .. } => reason.label(lang).to_owned(),
        EventBody::Retraction { retracts } => retracts.as_str().to_owned(),
        EventBody::NeedAssessed(_) | EventBody::PlanMeasure(_) => {
            super::plan::describe(lang, body).unwrap_or_default()
        }
        EventBody::JournalEntry(j) => {
            let mut what = format!(
                "{} ({})",
                t(lang, &format!("journal.kind.{}", j.kind.name())),
                j.author.as_str()
            );
            if let Some(f) = j.follow_up {
                let _ = write!(
                    what,
                    ", {} {}",
                    t(lang, "journal.follow_up.short"),
                    date(lang, f)
                );
            }
            match j.text() {
                Some(text) => {
                    let _ = write!(what, ": {}", text.expose());
                }
                None if j.personal.erased => {
                    let _ = write!(what, ": {}", t(lang, "journal.erased"));
                }
                None => {}
            }
            what
        }
        EventBody::ReflectionPeriodInterrupted { .. }
        | EventBody::IdentificationStarted { .. }
        | EventBody::ExpertGroupHeard { .. }
        | EventBody::ConsentWithdrawn { .. }
        | EventBody::ProcessingRestricted { .. }
        | EventBody::RestrictionLifted { .. } => String::new(),
    };
    if what.is_empty() {
        kind.into_owned()
    } else {
        format!("{kind}: {what}")
    }
}

fn days(lang: Lang, n: u32) -> String {
    let word = if n == 1 {
        "history.day"
    } else {
        "history.days"
    };
    format!("{n} {}", t(lang, word))
}

/// Where an entry stands: in force, or amended (by which entry, when); and what it amends.
fn standing(lang: Lang, r: &Recorded) -> String {
    let mut out = match &r.amended_by {
        None if r.in_force() => t(lang, "history.in_force").into_owned(),
        None => String::new(),
        Some(by) => {
            let key = match by.body {
                EventBody::Retraction { .. } => "history.retracted_by",
                _ => "history.corrected_by",
            };
            format!(
                "{} {} ({})",
                t(lang, key),
                by.id.as_str(),
                date_time(lang, by.recorded_at)
            )
        }
    };
    let amends = match (&r.event.corrects, &r.event.body) {
        (Some(t), _) => Some(("history.correction_of", t)),
        (None, EventBody::Retraction { retracts }) => Some(("history.retraction_of", retracts)),
        _ => None,
    };
    if let Some((key, id)) = amends {
        if !out.is_empty() {
            out.push_str("; ");
        }
        let _ = write!(out, "{} {}", t(lang, key), id.as_str());
    }
    out
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    /// The entry to confirm a retraction of.
    #[serde(default)]
    retract: Option<String>,
}

fn history_html(
    lang: Lang,
    person: &PersonId,
    history: &[Recorded],
    retract: Option<&str>,
    csrf: &str,
) -> String {
    let case = format!("/{}/staff/cases/{}", lang.code(), escape(person.as_str()));
    let mut b = format!(
        r#"<h1>{} {}</h1><p><a href="{case}">{}</a></p>"#,
        escape(&t(lang, "case.history")),
        escape(person.as_str()),
        escape(&t(lang, "history.back")),
    );
    if let Some(target) = retract.and_then(|id| {
        history
            .iter()
            .find(|r| r.event.id.as_str() == id && r.in_force())
    }) {
        let _ = write!(
            b,
            r#"<div class="confirm" role="region" aria-labelledby="confirm-title"><h2 id="confirm-title">{}</h2><p>{}</p><p>{}</p><form method="post" action="{case}/record"><input type="hidden" name="csrf" value="{}"><input type="hidden" name="kind" value="retraction"><input type="hidden" name="retracts" value="{}"><input type="hidden" name="date" value="{}"><button type="submit">{}</button></form><p><a href="{case}/history">{}</a></p></div>"#,
            escape(&t(lang, "history.retract.confirm")),
            escape(&describe(lang, &target.event.body)),
            escape(&t(lang, "history.retract.explain")),
            escape(csrf),
            escape(target.event.id.as_str()),
            format_date(finnish_date(now())),
            escape(&t(lang, "history.retract.yes")),
            escape(&t(lang, "history.cancel")),
        );
    }
    let _ = write!(
        b,
        r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
        escape(&t(lang, "history.entry")),
        escape(&t(lang, "history.recorded")),
        escape(&t(lang, "case.date")),
        escape(&t(lang, "history.what")),
        escape(&t(lang, "history.by")),
        escape(&t(lang, "history.status")),
    );
    for r in history {
        let e = &r.event;
        let by = match &r.recorded_by {
            RecordedBy::Account(name) => name.clone(),
            RecordedBy::ReferralForm => t(lang, "history.referral_form").into_owned(),
            RecordedBy::Import => t(lang, "history.imported").into_owned(),
        };
        let action = if r.in_force() {
            format!(
                r#" <a href="{case}/history?retract={0}">{1}<span class="visually-hidden"> {0}</span></a>"#,
                escape(e.id.as_str()),
                escape(&t(lang, "history.retract"))
            )
        } else {
            String::new()
        };
        let _ = write!(
            b,
            r#"<tr{}><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{action}</td></tr>"#,
            if r.in_force() { "" } else { r#" class="void""# },
            escape(e.id.as_str()),
            escape(&date_time(lang, e.recorded_at)),
            date(lang, e.date),
            escape(&describe(lang, &e.body)),
            escape(&by),
            escape(&standing(lang, r)),
        );
    }
    b.push_str("</tbody></table>");
    b
}

/// `GET /{lang}/staff/cases/{person}/history[?retract=EVENT]`
pub async fn history(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    Query(query): Query<HistoryQuery>,
    reader: Reader,
) -> Response {
    let (Some(lang), Ok(person)) = (lang(&code), PersonId::parse(&person)) else {
        return not_found();
    };
    let principal = reader.principal();
    let (p, id) = (principal.clone(), person.clone());
    let read = state
        .audited(move |app| {
            let mut case = p.open_case(app, &id)?;
            let history = case.history()?;
            let documents = case.documents()?;
            Ok(history.map(|h| h.map(|h| (h, documents))))
        })
        .await;
    match read {
        Ok(Some((history, documents))) => {
            let mut body = history_html(
                lang,
                &person,
                &history,
                query.retract.as_deref(),
                principal.csrf_token(),
            );
            // The files attached, with who attached them and when (a file is never
            // replaced: only the purge erases it).
            let attached = maud::html! {
                section aria-labelledby="history-documents" {
                    h2 id="history-documents" { (t(lang, "document.title")) }
                    (super::documents::table(lang, &person, &documents))
                }
            };
            body.push_str(&attached.into_string());
            let rest = format!("/staff/cases/{}/history", person.as_str());
            staff_page(
                lang,
                StatusCode::OK,
                &t(lang, "case.history"),
                &rest,
                Some(&principal),
                &body,
            )
        }
        Ok(None) => not_found(),
        Err(e) => refused(lang, &e, &principal),
    }
}
