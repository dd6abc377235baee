//! An application's decision as the administrative decision sent to the person: who decided
//! and when, the outcome and its reasons, the provisions applied (as they stood on the
//! decision's date) and the appeal instructions. In Finnish or Swedish, the languages of
//! the decision; an English page is marked an unofficial translation. Only the document
//! prints: the staff's links and the language choice are left off paper by the style sheet.

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::EventBody;
use iku_domain::codes::Lang;
use iku_domain::decision::{APPEAL_DAYS, Provision, admission_identifies, appeal_act};
use iku_domain::event::Decision;
use iku_domain::ids::{ApplicationId, PersonId};

use super::staff::{Reader, away, date, staff_page};
use super::{escape, lang, not_found, t};
use iku_app::access::DecisionRecord;
use iku_app::history::RecordedBy;
use iku_domain::access::StaffContact;

/// Where the document of `application` is, in the staff's `ui` language and the document's.
pub(crate) fn document_path(
    ui: Lang,
    person: &PersonId,
    application: &ApplicationId,
    doc: Lang,
) -> String {
    format!(
        "/{}/staff/cases/{}/decisions/{}/{}",
        ui.code(),
        person.as_str(),
        application.as_str(),
        doc.code()
    )
}

/// The document's language for a staff page in `ui`: the decision is Finnish or Swedish.
pub(crate) fn official_language(ui: Lang) -> Lang {
    match ui {
        Lang::Sv => Lang::Sv,
        Lang::Fi | Lang::En => Lang::Fi,
    }
}

pub(super) fn field(b: &mut String, label: &str, value: &str) {
    let _ = write!(b, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
}

pub(super) fn section(b: &mut String, heading: &str, paragraphs: &[String]) {
    let _ = write!(b, "<h2>{}</h2>", escape(heading));
    for p in paragraphs {
        let _ = write!(b, "<p>{}</p>", escape(p));
    }
}

/// The document itself, in `doc`.
fn document(doc: Lang, r: &DecisionRecord) -> String {
    let (decided_on, decision) = (r.decided_on, r.decision);
    let mut b = format!(
        r#"<article class="decision" lang="{}"><p class="authority">{}</p><p class="secret"><strong>{}</strong> ({})</p><h1>{}</h1><dl>"#,
        doc.code(),
        escape(&t(doc, "site.title")),
        escape(&t(doc, "decision.secret")),
        escape(Provision::PublicityAct.cite(doc)),
        escape(&t(doc, "decision.title")),
    );
    field(&mut b, &t(doc, "decision.date"), &date(doc, decided_on));
    field(
        &mut b,
        &t(doc, "decision.matter"),
        &t(doc, "decision.matter.text"),
    );
    field(
        &mut b,
        &t(doc, "decision.reference"),
        r.application.id.as_str(),
    );
    field(
        &mut b,
        &t(doc, "decision.received"),
        &date(doc, r.application.received),
    );
    field(
        &mut b,
        &t(doc, "decision.referrer"),
        r.application.referrer.label(doc),
    );
    parties(&mut b, doc, &r.person);
    b.push_str("</dl>");

    let mut outcome = vec![match decision {
        Decision::Admitted => {
            t(doc, "decision.outcome.admitted").replace("{date}", &date(doc, decided_on))
        }
        Decision::Rejected { .. } => t(doc, "decision.outcome.rejected").into_owned(),
        Decision::Withdrawn => t(doc, "decision.outcome.withdrawn").into_owned(),
    }];
    if admission_identifies(decision, decided_on) {
        outcome.push(t(doc, "decision.outcome.identifies").into_owned());
    }
    section(&mut b, &t(doc, "decision.outcome"), &outcome);
    let reasons = match decision {
        Decision::Admitted => "decision.reasons.admitted".to_owned(),
        Decision::Rejected { reason } => format!("decision.reasons.{}", reason.code()),
        Decision::Withdrawn => "decision.reasons.withdrawn".to_owned(),
    };
    // The standard reasoning, then the reasons of this case as the official wrote them.
    let mut reasoning = vec![t(doc, &reasons).into_owned()];
    if let EventBody::ApplicationDecided(d) = &r.decided.event.body
        && let Some(own) = d.reasons()
    {
        reasoning.extend(
            own.expose()
                .split("\n\n")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        );
    }
    section(&mut b, &t(doc, "decision.reasons"), &reasoning);
    let _ = write!(b, "<h2>{}</h2><ul>", escape(&t(doc, "decision.provisions")));
    for p in iku_domain::decision::provisions_applied(decided_on) {
        let _ = write!(b, "<li>{}</li>", escape(p.cite(doc)));
    }
    b.push_str("</ul>");
    close(
        &mut b,
        doc,
        &r.decided.recorded_by,
        r.official.as_ref(),
        decided_on,
    );
    b
}

/// Whom a decision is addressed to: the person by name (or that it is not known) with the
/// year of birth, and the client's id.
pub(super) fn parties(b: &mut String, doc: Lang, person: &iku_domain::state::PersonState) {
    let details = &person.details;
    let mut party = details.personal.name.as_ref().map_or_else(
        || t(doc, "decision.name_unknown").into_owned(),
        |n| n.expose().to_owned(),
    );
    if let Some(year) = details.birth_year {
        let _ = write!(party, ", {} {year}", t(doc, "decision.born"));
    }
    field(b, &t(doc, "decision.party"), &party);
    field(b, &t(doc, "decision.client"), person.id.as_str());
}

/// The end of a decision document: who recorded it, the appeal instructions of the act of its
/// date, an English page's note that it is an unofficial translation.
pub(super) fn close(
    b: &mut String,
    doc: Lang,
    recorded_by: &RecordedBy,
    contact: Option<&StaffContact>,
    on: time::Date,
) {
    let official = match (recorded_by, contact) {
        // The official by name and title, as an administrative decision is signed.
        (RecordedBy::Account(_), Some(c)) if c.title.is_empty() => c.full_name.clone(),
        (RecordedBy::Account(_), Some(c)) => format!("{}, {}", c.full_name, c.title),
        (RecordedBy::Account(name), None) => name.clone(),
        (RecordedBy::ReferralForm | RecordedBy::Import, _) => {
            t(doc, "decision.official.imported").into_owned()
        }
    };
    section(b, &t(doc, "decision.official"), &[official]);
    section(
        b,
        &t(doc, "decision.appeal"),
        &[
            t(doc, "decision.appeal.text").replace("{days}", &APPEAL_DAYS.to_string()),
            format!(
                "{}: {}.",
                t(doc, "decision.appeal.act"),
                appeal_act(on).cite(doc)
            ),
        ],
    );
    if doc == Lang::En {
        let _ = write!(
            b,
            r#"<p class="translation">{}</p>"#,
            escape(&t(doc, "decision.translation"))
        );
    }
    b.push_str("</article>");
}

/// The document's languages: the one shown, and links to the others (`path` of each).
pub(super) fn languages(doc: Lang, path: impl Fn(Lang) -> String) -> Vec<String> {
    Lang::ALL
        .iter()
        .map(|&l| {
            let name = match l {
                Lang::Fi => "suomi",
                Lang::Sv => "svenska",
                Lang::En => "English",
            };
            if l == doc {
                format!(r#"<strong aria-current="page">{name}</strong>"#)
            } else {
                format!(
                    r#"<a href="{}" lang="{}" hreflang="{}">{name}</a>"#,
                    escape(&path(l)),
                    l.code(),
                    l.code()
                )
            }
        })
        .collect()
}

/// What surrounds the document on screen: the way back, the document's languages, how to
/// print. None of it prints.
fn around(ui: Lang, r: &DecisionRecord, doc: Lang) -> String {
    let person = &r.person.id;
    let mut b = format!(
        r#"<div class="noprint"><p><a href="/{}/staff/cases/{}">{}</a></p><p>{}: "#,
        ui.code(),
        escape(person.as_str()),
        escape(&t(ui, "history.back")),
        escape(&t(ui, "decision.languages")),
    );
    let links = languages(doc, |l| document_path(ui, person, &r.application.id, l));
    let _ = write!(
        b,
        "{}</p><p>{}</p></div>",
        links.join(" · "),
        escape(&t(ui, "decision.print"))
    );
    b.push_str(&document(doc, r));
    b
}

/// `GET /{lang}/staff/cases/{person}/decisions/{application}/{doc}`
pub async fn decision(
    State(state): State<crate::state::Shared>,
    Path((code, person, application, doc)): Path<(String, String, String, String)>,
    reader: Reader,
) -> Response {
    let (Some(ui), Some(doc), Ok(person), Ok(application)) = (
        lang(&code),
        lang(&doc),
        PersonId::parse(&person),
        ApplicationId::parse(&application),
    ) else {
        return not_found();
    };
    let principal = reader.principal();
    let (p, id, app) = (principal.clone(), person.clone(), application.clone());
    let read = state
        .audited(move |iku| p.open_case(iku, &id)?.decision(&app))
        .await;
    match read {
        Ok(Some(record)) => {
            let rest = format!(
                "/staff/cases/{}/decisions/{}/{}",
                person.as_str(),
                application.as_str(),
                doc.code()
            );
            staff_page(
                ui,
                StatusCode::OK,
                &t(ui, "case.decision.document"),
                &rest,
                Some(&principal),
                &around(ui, &record, doc),
            )
        }
        Ok(None) => not_found(),
        Err(e) => away(ui, &e),
    }
}

#[cfg(test)]
mod tests {
    use iku_domain::calendar::parse_date;
    use iku_domain::interchange::{ParseContext, parse_line};
    use iku_domain::{Event, EventBody, Register, Timestamp};
    use time::Date;

    use super::*;
    use iku_app::history::Recorded;

    /// The decision record of the person `p1`'s one application, from interchange lines.
    fn record(lines: &[&str], recorded_by: RecordedBy) -> DecisionRecord {
        let ctx = ParseContext::new(
            parse_date("2026-12-01").unwrap_or(Date::MIN),
            Timestamp::from_micros(1_790_000_000_000_000),
        );
        let events: Vec<Event> = lines
            .iter()
            .map(|l| parse_line(l, &ctx).map(|p| p.event))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"));
        let decided = events
            .iter()
            .find(|e| matches!(e.body, EventBody::ApplicationDecided(_)))
            .cloned()
            .unwrap_or_else(|| panic!("no decision"));
        let register = Register::new(events).unwrap_or_else(|e| panic!("{e:?}"));
        let mut state = register.view(None).state_as_of(ctx.today);
        let person = PersonId::parse("p1")
            .ok()
            .and_then(|p| state.persons.remove(&p))
            .unwrap_or_else(|| panic!("no p1"));
        let application = person.applications[0].clone();
        let (decided_on, decision) = application.decided.unwrap_or_else(|| panic!("undecided"));
        DecisionRecord {
            application,
            decision,
            decided_on,
            person,
            decided: Recorded {
                event: decided,
                amended_by: None,
                recorded_by,
            },
            official: None,
        }
    }

    /// The document's text, a line for each heading, paragraph, field and provision.
    fn text(html: &str) -> String {
        let mut out = String::new();
        for piece in html.split('<').skip(1) {
            let (tag, text) = piece.split_once('>').unwrap_or((piece, ""));
            if tag == "/dt" {
                out.push(':');
            }
            if ["/p", "/h1", "/h2", "/li", "/dd", "/dt"].contains(&tag) {
                out.push('\n');
            }
            out.push_str(text);
        }
        out.replace("&#39;", "'").replace("&amp;", "&")
    }

    const RECEIVED_2019: &str = r#"{"id":"e1","event":"application_received","date":"2019-11-04","application":"a-1","person":"p1","referrer":"ngo","consent":true}"#;
    const DETAILS: &str = r#"{"id":"e2","event":"person_details","date":"2019-11-04","person":"p1","birth_year":1994,"name":"Ilse Marjatta Korppoo"}"#;
    const REJECTED_2019: &str = r#"{"id":"e3","event":"application_decided","date":"2019-12-02","application":"a-1","outcome":"rejected","reason":"not_trafficking"}"#;

    #[test]
    fn a_rejection_of_2019_cites_the_acts_of_2019() {
        let r = record(
            &[RECEIVED_2019, DETAILS, REJECTED_2019],
            RecordedBy::Account("cw.helsinki".into()),
        );
        insta::assert_snapshot!(text(&document(Lang::Fi, &r)));
    }

    #[test]
    fn an_admission_of_2023_is_the_identification_and_an_imported_one_says_so() {
        let r = record(
            &[
                r#"{"id":"e1","event":"application_received","date":"2023-02-01","application":"a-2","person":"p1","referrer":"police","consent":true}"#,
                r#"{"id":"e3","event":"application_decided","date":"2023-02-10","application":"a-2","outcome":"admitted"}"#,
            ],
            RecordedBy::Import,
        );
        insta::assert_snapshot!(text(&document(Lang::Sv, &r)));
        let en = text(&document(Lang::En, &r));
        assert!(en.contains("Unofficial translation"), "{en}");
        assert!(en.contains("the identification as a victim"), "{en}");
    }

    #[test]
    fn the_official_is_named_by_full_name_and_title_once_an_admin_gave_them() {
        let mut r = record(
            &[RECEIVED_2019, DETAILS, REJECTED_2019],
            RecordedBy::Account("cw.helsinki".into()),
        );
        assert!(text(&document(Lang::Fi, &r)).contains("cw.helsinki"));
        r.official = StaffContact::parse("Maria Virtanen", "ylitarkastaja", "").ok();
        let signed = text(&document(Lang::Fi, &r));
        assert!(signed.contains("Maria Virtanen, ylitarkastaja"), "{signed}");
        assert!(!signed.contains("cw.helsinki"), "{signed}");
    }
}
