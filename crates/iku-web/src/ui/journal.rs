//! The case journal (the client narrative) on the client page: its entries in force, newest
//! first, and the form that writes one. An entry is an event of the register, so it is never
//! edited in place (a correction or a retraction in the history amends it); its text is a
//! personal field, sealed at rest. A form with mistakes comes back with what was typed and
//! each mistake beside its field.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::calendar::{finnish_date, format_date, parse_entered_date};
use iku_domain::codes::Lang;
use iku_domain::event::{JournalEntry, JournalKind};
use iku_domain::ids::PersonId;
use iku_domain::{Event, EventBody};
use maud::{Markup, html};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::case::{self, Said};
use super::staff::{Poster, date};
use super::{Refusal, language, not_found, t};
use crate::state::{Shared, now};

/// The longest text of an entry, in characters (the register's limit for a note).
const LONGEST: usize = 10_000;

/// What the journal form sent.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct JournalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    follow_up: String,
}

/// A mistake in the form: the field and the words that say what is wrong.
pub type Mistake = (&'static str, &'static str);

/// A form sent back: what was typed, and what is wrong with it.
pub struct Draft {
    pub form: JournalForm,
    pub mistakes: Vec<Mistake>,
}

impl JournalForm {
    /// The entry as fields of the interchange format (the server adds the author), or what
    /// is wrong with the form.
    fn event(&self, today: time::Date) -> Result<Map<String, Value>, Vec<Mistake>> {
        let mut mistakes = Vec::new();
        let day = parse_entered_date(&self.date);
        match day {
            None => mistakes.push(("date", "journal.error.date")),
            Some(d) if d > today => mistakes.push(("date", "journal.error.future")),
            Some(_) => {}
        }
        if JournalKind::parse(&self.kind).is_none() {
            mistakes.push(("kind", "journal.error.kind"));
        }
        let text = self.text.trim();
        if text.is_empty() {
            mistakes.push(("text", "journal.error.text"));
        } else if let Err(e) = iku_domain::personal::check_text(text, LONGEST, true) {
            let key = match e {
                iku_domain::personal::TextError::TooLong(_) => "journal.error.text_long",
                iku_domain::personal::TextError::NotText => "error.characters",
            };
            mistakes.push(("text", key));
        }
        let follow_up = match self.follow_up.trim() {
            "" => None,
            typed => match parse_entered_date(typed) {
                Some(f) if day.is_none_or(|d| f >= d) => Some(f),
                _ => {
                    mistakes.push(("follow_up", "journal.error.follow_up"));
                    None
                }
            },
        };
        let Some(day) = day.filter(|_| mistakes.is_empty()) else {
            return Err(mistakes);
        };
        let mut event = Map::new();
        event.insert("event".into(), json!("journal_entry"));
        event.insert("date".into(), json!(format_date(day)));
        event.insert("kind".into(), json!(self.kind));
        event.insert("note".into(), json!(text));
        if let Some(f) = follow_up {
            event.insert("follow_up".into(), json!(format_date(f)));
        }
        Ok(event)
    }
}

/// The journal section of the client page.
pub(super) fn section(
    lang: Lang,
    person: &PersonId,
    entries: &[Event],
    csrf: &str,
    draft: Option<&Draft>,
    saved: bool,
) -> Markup {
    let blank = JournalForm {
        date: date(lang, finnish_date(now())),
        ..JournalForm::default()
    };
    let typed = draft.map_or(&blank, |d| &d.form);
    let mistakes: &[Mistake] = draft.map_or(&[], |d| &d.mistakes);
    let mistake = |field: &str| mistakes.iter().find(|(f, _)| *f == field).map(|(_, k)| *k);
    let code = lang.code();
    html! {
        section id="journal" aria-labelledby="journal-title" {
            h2 id="journal-title" { (t(lang, "journal.title")) }
            @if saved {
                p class="notice" role="status" { (t(lang, "journal.saved")) }
            }
            @if !mistakes.is_empty() {
                div class="error-summary" role="alert" tabindex="-1" {
                    h3 { (t(lang, "error.summary")) }
                    ul {
                        @for (field, key) in mistakes {
                            li { a href={ "#journal-" (field) } { (t(lang, key)) } }
                        }
                    }
                }
            }
            details open[draft.is_some()] {
                summary { (t(lang, "journal.write")) }
                form method="post" action={ "/" (code) "/staff/cases/" (person.as_str()) "/journal" } {
                    input type="hidden" name="csrf" value=(csrf);
                    (field_error(lang, mistake("date")))
                    label for="journal-date" { (t(lang, "journal.date")) }
                    p class="hint" id="journal-date-hint" { (t(lang, "journal.date.hint")) }
                    input type="text" id="journal-date" name="date" value=(typed.date)
                        aria-describedby="journal-date-hint" aria-invalid=[mistake("date").map(|_| "true")];
                    (field_error(lang, mistake("kind")))
                    label for="journal-kind" { (t(lang, "journal.kind")) }
                    select id="journal-kind" name="kind" aria-invalid=[mistake("kind").map(|_| "true")] {
                        @for kind in JournalKind::ALL {
                            option value=(kind.name()) selected[typed.kind == kind.name()] {
                                (t(lang, &format!("journal.kind.{}", kind.name())))
                            }
                        }
                    }
                    (field_error(lang, mistake("text")))
                    label for="journal-text" { (t(lang, "journal.text")) }
                    textarea id="journal-text" name="text" rows="6" maxlength=(LONGEST)
                        aria-invalid=[mistake("text").map(|_| "true")] { (typed.text) }
                    (field_error(lang, mistake("follow_up")))
                    label for="journal-follow_up" { (t(lang, "journal.follow_up")) }
                    input type="text" id="journal-follow_up" name="follow_up" value=(typed.follow_up)
                        aria-describedby="journal-date-hint" aria-invalid=[mistake("follow_up").map(|_| "true")];
                    button type="submit" { (t(lang, "journal.save")) }
                }
            }
            @if entries.is_empty() {
                p { (t(lang, "journal.empty")) }
            } @else {
                ol class="journal" {
                    @for e in entries {
                        @if let EventBody::JournalEntry(j) = &e.body {
                            li { (entry(lang, e.date, j)) }
                        }
                    }
                }
            }
        }
    }
}

/// One entry as the journal and the history show it.
pub(super) fn entry(lang: Lang, day: time::Date, j: &JournalEntry) -> Markup {
    html! {
        p class="journal-head" {
            strong { (date(lang, day)) " · " (t(lang, &format!("journal.kind.{}", j.kind.name()))) }
            " · " (t(lang, "journal.author")) " " (j.author.as_str())
            @if let Some(f) = j.follow_up {
                " · " (t(lang, "journal.follow_up.short")) " " (date(lang, f))
            }
        }
        @match j.text() {
            Some(text) => p class="journal-text" { (text.expose()) },
            None => p class="hint" { (t(lang, "journal.erased")) },
        }
    }
}

fn field_error(lang: Lang, key: Option<&str>) -> Markup {
    html! {
        @if let Some(key) = key {
            p class="field-error" { (t(lang, key)) }
        }
    }
}

/// Writes a journal entry to the case; back to the case's journal once stored, or the case
/// again with the form as it was typed and what is wrong with it.
pub async fn write(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    Form(form): Form<JournalForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let principal = poster.check(lang, &form.csrf)?;
    let (why, mistakes, status) = match form.event(finnish_date(now())) {
        Err(mistakes) => (None, mistakes, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(event) => {
            let (who, whom) = (principal.clone(), person.clone());
            match crate::writes::record_case_event(&state, who, whom, event).await {
                Ok(_) => {
                    let saved = format!(
                        "/{}/staff/cases/{}?saved=journal#journal",
                        lang.code(),
                        person.as_str()
                    );
                    return Ok(Redirect::to(&saved).into_response());
                }
                // What the register's rules refused (rare: the form checks what it can).
                Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
                    let why = super::refusal(lang, &e);
                    (Some(why), Vec::new(), e.status)
                }
                Err(e) => return Ok(super::staff::away(lang, &e)),
            }
        }
    };
    let draft = Draft { form, mistakes };
    let said = Said {
        problem: why.as_deref(),
        draft: Some(&draft),
        ..Said::default()
    };
    Ok(case::page(&state, lang, principal, person, status, &said).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> time::Date {
        iku_domain::calendar::parse_date(s).unwrap_or(time::Date::MIN)
    }

    fn form(date: &str, kind: &str, text: &str, follow_up: &str) -> JournalForm {
        JournalForm {
            date: date.into(),
            kind: kind.into(),
            text: text.into(),
            follow_up: follow_up.into(),
            ..JournalForm::default()
        }
    }

    #[test]
    fn a_form_becomes_an_entry_with_iso_dates() {
        let event = form("2.12.2026", "phone_call", " Called. ", "9.12.2026")
            .event(day("2026-12-03"))
            .unwrap_or_default();
        assert_eq!(event.get("date"), Some(&json!("2026-12-02")));
        assert_eq!(event.get("follow_up"), Some(&json!("2026-12-09")));
        assert_eq!(event.get("note"), Some(&json!("Called.")));
        assert_eq!(event.get("kind"), Some(&json!("phone_call")));
        assert!(!event.contains_key("author"), "the server sets the author");
    }

    #[test]
    fn each_mistake_is_named_with_its_field() {
        let today = day("2026-12-03");
        let fields = |f: JournalForm| -> Vec<&'static str> {
            f.event(today)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|(field, _)| field)
                .collect()
        };
        assert_eq!(fields(form("31.13.2026", "meeting", "x", "")), ["date"]);
        assert_eq!(fields(form("4.12.2026", "meeting", "x", "")), ["date"]);
        assert_eq!(fields(form("1.12.2026", "party", "x", "")), ["kind"]);
        assert_eq!(fields(form("1.12.2026", "meeting", "  ", "")), ["text"]);
        assert_eq!(
            fields(form("1.12.2026", "meeting", "x", "30.11.2026")),
            ["follow_up"]
        );
        let long = "a".repeat(LONGEST + 1);
        assert_eq!(
            fields(form("", "", &long, "x")),
            ["date", "kind", "text", "follow_up"]
        );
    }

    #[test]
    fn what_was_typed_comes_back_escaped() {
        let person = PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}"));
        let draft = Draft {
            form: form("1.12.2026", "meeting", "<b>met</b> at the office", ""),
            mistakes: vec![("follow_up", "journal.error.follow_up")],
        };
        let html = section(Lang::Fi, &person, &[], "token", Some(&draft), false).into_string();
        assert!(
            html.contains("&lt;b&gt;met&lt;/b&gt; at the office"),
            "{html}"
        );
        assert!(html.contains(r##"href="#journal-follow_up""##), "{html}");
        assert!(html.contains("Anna palaamispäivä"), "{html}");
        assert!(
            html.contains(r#"<option value="meeting" selected>"#),
            "{html}"
        );
    }
}
