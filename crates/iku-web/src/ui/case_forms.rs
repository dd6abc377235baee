//! The client page's forms, one for each thing a caseworker records, and the event of the
//! interchange format each one sends: details, an exploitation assessment (a primary form and
//! up to two secondary ones), a reflection period (granted, extended, interrupted), an
//! assistance measure, a child admitted or gone, the official identification (records of
//! 2015-2022), and the termination on a statutory ground. Every form posts to
//! `/{lang}/staff/cases/{person}/record` with its `kind`; what the register refuses comes
//! back on the page with the reason.

use std::any::TypeId;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock, RwLock};

use iku_domain::calendar::{finnish_date, format_date};
use iku_domain::codes::{
    AssistanceMeasure, Code, CodeList, ExploitationForm, Gender, Lang, Nationality, Place,
    ReflectionGrantedBy, ResidenceStatus, ServiceProvider, TerminationReason,
};
use iku_domain::state::PersonState;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{escape, t};
use crate::state::now;

/// What a form sends (every field a string, as typed; each form uses some).
#[derive(Debug, Default, Deserialize)]
pub struct RecordForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    minor_at_time: Option<String>,
    #[serde(default)]
    form_2: String,
    #[serde(default)]
    place_2: String,
    #[serde(default)]
    minor_2: Option<String>,
    #[serde(default)]
    form_3: String,
    #[serde(default)]
    place_3: String,
    #[serde(default)]
    minor_3: Option<String>,
    #[serde(default)]
    days: String,
    #[serde(default)]
    granted_by: String,
    #[serde(default)]
    measure: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    child: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    nationality: String,
    #[serde(default)]
    residence_status: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    retracts: String,
}

/// Why a form's input is not an event yet (the message key of the field in error).
pub struct Unfit(pub &'static str);

impl RecordForm {
    /// The event this form records, as the interchange format writes it (without the id,
    /// the recorded time and the person, which the server adds).
    /// Whether the form retracts an entry (sent from the case's history, shown again after).
    pub fn is_retraction(&self) -> bool {
        self.kind == "retraction"
    }

    pub fn event(&self) -> Result<Map<String, Value>, Unfit> {
        let date = self.date.trim();
        let days = || {
            self.days
                .trim()
                .parse::<u16>()
                .map_err(|_| Unfit("case.days"))
        };
        let event = match self.kind.as_str() {
            "assessment" => {
                let mut forms = vec![json!({
                    "form": self.form, "primary": true, "place": self.place,
                    "minor_at_time": self.minor_at_time.as_deref() == Some("yes"),
                })];
                for (form, place, minor) in [
                    (&self.form_2, &self.place_2, &self.minor_2),
                    (&self.form_3, &self.place_3, &self.minor_3),
                ] {
                    if !form.is_empty() {
                        forms.push(json!({
                            "form": form, "primary": false, "place": place,
                            "minor_at_time": minor.as_deref() == Some("yes"),
                        }));
                    }
                }
                json!({"event": "exploitation_assessed", "date": date, "forms": forms})
            }
            "reflection" => json!({
                "event": "reflection_period_granted", "date": date,
                "days": days()?, "granted_by": self.granted_by,
            }),
            "extension" => {
                json!({"event": "reflection_period_extended", "date": date, "days": days()?})
            }
            "interruption" => json!({"event": "reflection_period_interrupted", "date": date}),
            "measure" => {
                let mut e =
                    json!({"event": "assistance_measure", "date": date, "measure": self.measure});
                if !self.provider.is_empty() {
                    e["provider"] = json!(self.provider);
                }
                e
            }
            "child" => json!({"event": "child_admitted", "date": date, "child": new_child()?}),
            "child_left" => json!({"event": "child_left", "date": date, "child": self.child}),
            "termination" => {
                json!({"event": "assistance_terminated", "date": date, "reason": self.reason})
            }
            "identification_started" => json!({"event": "identification_started", "date": date}),
            "expert_group_heard" => json!({"event": "expert_group_heard", "date": date}),
            "identification_decided" => {
                json!({"event": "identification_decided", "date": date, "outcome": self.outcome})
            }
            "details" => self.details(date)?,
            "retraction" => {
                json!({"event": "retraction", "date": date, "retracts": self.retracts.trim()})
            }
            _ => return Err(Unfit("case.unknown_form")),
        };
        Ok(event.as_object().cloned().unwrap_or_default())
    }

    /// The details typed in; what was left empty stays as it was.
    fn details(&self, date: &str) -> Result<Value, Unfit> {
        let mut e = json!({"event": "person_details", "date": date});
        for (field, value) in [
            ("gender", &self.gender),
            ("nationality", &self.nationality),
            ("residence_status", &self.residence_status),
        ] {
            if !value.is_empty() {
                e[field] = json!(value);
            }
        }
        match self.municipality.as_str() {
            "yes" => e["municipality_of_residence"] = json!(true),
            "no" => e["municipality_of_residence"] = json!(false),
            _ => {}
        }
        let year = self.birth_year.trim();
        if !year.is_empty() {
            let year: i32 = year.parse().map_err(|_| Unfit("case.birth_year"))?;
            e["birth_year"] = json!(year);
        }
        if e.as_object().is_some_and(|o| o.len() == 2) {
            return Err(Unfit("case.details.nothing"));
        }
        Ok(e)
    }
}

/// A child's id: children carry no other data, and a child who comes back gets a new one.
fn new_child() -> Result<String, Unfit> {
    crate::session::random_token()
        .map(|t| format!("c-{}", &t[..16]))
        .map_err(|_| Unfit("staff.error"))
}

/// `<option>`s of a code list, after an empty one if `optional`: written once per list and
/// language (every client page has the same lists, the nationalities' 251 among them).
fn options<L: CodeList + 'static>(lang: Lang, optional: bool) -> Arc<str> {
    type Key = (TypeId, Lang, bool);
    static WRITTEN: OnceLock<RwLock<HashMap<Key, Arc<str>>>> = OnceLock::new();
    let written = WRITTEN.get_or_init(RwLock::default);
    let key = (TypeId::of::<L>(), lang, optional);
    if let Some(found) = written.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return found.clone();
    }
    let mut out = String::new();
    if optional {
        out.push_str(r#"<option value="">–</option>"#);
    }
    for c in Code::<L>::all() {
        let _ = write!(
            out,
            r#"<option value="{}">{}</option>"#,
            c.code(),
            escape(c.label(lang))
        );
    }
    let out: Arc<str> = out.into();
    written
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, out.clone());
    out
}

/// One form being written: its fields' ids are prefixed by its kind, so that every id on
/// the page is unique.
struct FormHtml<'a> {
    b: &'a mut String,
    lang: Lang,
    kind: &'static str,
}

impl FormHtml<'_> {
    fn select(&mut self, name: &str, label: &str, options: &str) {
        let _ = write!(
            self.b,
            r#"<label for="{k}-{name}">{label}</label><select id="{k}-{name}" name="{name}">{options}</select>"#,
            k = self.kind,
            label = escape(&t(self.lang, label)),
        );
    }

    fn text(&mut self, name: &str, label: &str, value: &str) {
        let _ = write!(
            self.b,
            r#"<label for="{k}-{name}">{label}</label><input type="text" id="{k}-{name}" name="{name}" value="{value}">"#,
            k = self.kind,
            label = escape(&t(self.lang, label)),
            value = escape(value),
        );
    }

    fn checkbox(&mut self, name: &str, label: &str) {
        let _ = write!(
            self.b,
            r#"<div class="checkbox"><input type="checkbox" id="{k}-{name}" name="{name}" value="yes"><label for="{k}-{name}">{label}</label></div>"#,
            k = self.kind,
            label = escape(&t(self.lang, label)),
        );
    }

    /// The date field (today's date filled in, or empty with a hint where today is not
    /// allowed) and the button; closes the form.
    fn finish(self, today: &str) {
        let lang = self.lang;
        let _ = write!(
            self.b,
            r#"<label for="{k}-date">{date}</label><p class="hint" id="{k}-date-hint">{hint}</p><input type="text" id="{k}-date" name="date" value="{today}" aria-describedby="{k}-date-hint"><button type="submit">{save}</button></form>"#,
            k = self.kind,
            date = escape(&t(lang, "case.date")),
            hint = escape(&t(lang, "case.date.hint")),
            save = escape(&t(lang, "case.record")),
        );
    }
}

/// Opens a form of `kind` under a heading.
fn form<'a>(
    b: &'a mut String,
    lang: Lang,
    action: &str,
    csrf: &str,
    kind: &'static str,
    title: &str,
) -> FormHtml<'a> {
    let _ = write!(
        b,
        r#"<h3>{title}</h3><form method="post" action="{action}" class="record"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="kind" value="{kind}">"#,
        title = escape(&t(lang, title)),
        csrf = escape(csrf),
    );
    FormHtml { b, lang, kind }
}

/// Where a form belongs on the client page.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Details,
    Assessment,
    Reflection,
    Measures,
    Children,
    Identification,
    Termination,
}

/// What of a person decides which forms of a section they get.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    client: bool,
    periods: bool,
}

/// The forms of one section of `p`'s page (those that can apply to them now).
pub fn forms(b: &mut String, lang: Lang, p: &PersonState, csrf: &str, section: Section) {
    let shape = Shape {
        client: p.is_client(),
        periods: !p.reflection_periods.is_empty(),
    };
    let action = action(lang, p);
    fill(b, &template(lang, section, shape), &action, &escape(csrf));
    if section == Section::Children && shape.client {
        let present: String = p
            .children_present()
            .map(|c| format!(r#"<option value="{0}">{0}</option>"#, escape(c.id.as_str())))
            .collect();
        if !present.is_empty() {
            let today = format_date(finnish_date(now()));
            let mut h = form(b, lang, &action, csrf, "child_left", "case.child.left");
            h.select("child", "case.child", &present);
            h.finish(&today);
        }
    }
}

fn action(lang: Lang, p: &PersonState) -> String {
    format!(
        "/{}/staff/cases/{}/record",
        lang.code(),
        escape(p.id.as_str())
    )
}

/// A section's forms as written for a language and a day, with holes for what is each
/// page's own. The client page is read far more often than its forms change, and they are
/// most of its bytes (the nationalities alone are 251 options).
enum Piece {
    Text(Box<str>),
    Action,
    Csrf,
}

/// Marks a hole while a template is written: nothing written into a form contains it (the
/// words and code lists are ours, and no personal value is part of a form).
const HOLE: char = '\u{1}';

fn template(lang: Lang, section: Section, shape: Shape) -> Arc<[Piece]> {
    type Written = (String, HashMap<(Lang, Section, Shape), Arc<[Piece]>>);
    static WRITTEN: OnceLock<Mutex<Written>> = OnceLock::new();
    let today = format_date(finnish_date(now()));
    let mut written = WRITTEN
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    // The date filled in and the grounds valid change with the day.
    if written.0 != today {
        *written = (today.clone(), HashMap::new());
    }
    written
        .1
        .entry((lang, section, shape))
        .or_insert_with(|| {
            let mut b = String::new();
            let action = format!("{HOLE}a");
            let csrf = format!("{HOLE}c");
            write_section(&mut b, lang, shape, &action, &csrf, &today, section);
            pieces(&b)
        })
        .clone()
}

/// Writes a template with its holes filled (`csrf` escaped already).
fn fill(b: &mut String, pieces: &[Piece], action: &str, csrf: &str) {
    for piece in pieces {
        match piece {
            Piece::Text(text) => b.push_str(text),
            Piece::Action => b.push_str(action),
            Piece::Csrf => b.push_str(csrf),
        }
    }
}

/// A template's text cut at its holes.
fn pieces(written: &str) -> Arc<[Piece]> {
    let mut out = Vec::new();
    let mut parts = written.split(HOLE);
    if let Some(first) = parts.next() {
        out.push(Piece::Text(first.into()));
    }
    for part in parts {
        let (hole, rest) = part.split_at(1.min(part.len()));
        out.push(if hole == "a" {
            Piece::Action
        } else {
            Piece::Csrf
        });
        out.push(Piece::Text(rest.into()));
    }
    out.into()
}

/// Writes the forms of a section (all but the list of a client's children, which is theirs
/// alone).
fn write_section(
    b: &mut String,
    lang: Lang,
    shape: Shape,
    action: &str,
    csrf: &str,
    today: &str,
    section: Section,
) {
    match section {
        Section::Details => {
            let mut h = form(b, lang, action, csrf, "details", "case.details.record");
            let yes_no = format!(
                r#"<option value="">–</option><option value="yes">{}</option><option value="no">{}</option>"#,
                escape(&t(lang, "case.yes")),
                escape(&t(lang, "case.no"))
            );
            h.select(
                "residence_status",
                "case.residence",
                &options::<ResidenceStatus>(lang, true),
            );
            h.select("municipality", "case.municipality", &yes_no);
            h.select(
                "nationality",
                "case.nationality",
                &options::<Nationality>(lang, true),
            );
            h.select("gender", "case.gender", &options::<Gender>(lang, true));
            h.text("birth_year", "case.birth_year", "");
            h.finish(today);
        }
        Section::Assessment => {
            let mut h = form(b, lang, action, csrf, "assessment", "case.assess");
            h.select(
                "form",
                "case.form.primary",
                &options::<ExploitationForm>(lang, false),
            );
            h.select("place", "case.place", &options::<Place>(lang, false));
            h.checkbox("minor_at_time", "case.minor_at_time");
            for n in ["2", "3"] {
                h.select(
                    &format!("form_{n}"),
                    "case.form.secondary",
                    &options::<ExploitationForm>(lang, true),
                );
                h.select(
                    &format!("place_{n}"),
                    "case.place",
                    &options::<Place>(lang, false),
                );
                h.checkbox(&format!("minor_{n}"), "case.minor_at_time");
            }
            h.finish(today);
        }
        Section::Reflection => {
            let mut h = form(b, lang, action, csrf, "reflection", "case.grant");
            h.text("days", "case.days", "30");
            h.select(
                "granted_by",
                "case.granted_by",
                &options::<ReflectionGrantedBy>(lang, false),
            );
            h.finish(today);
            if shape.periods {
                let mut h = form(b, lang, action, csrf, "extension", "case.extend");
                h.text("days", "case.days.more", "");
                h.finish(today);
                form(b, lang, action, csrf, "interruption", "case.interrupt").finish(today);
            }
        }
        Section::Measures if shape.client => {
            let mut h = form(b, lang, action, csrf, "measure", "case.measure.record");
            h.select(
                "measure",
                "case.measure",
                &options::<AssistanceMeasure>(lang, false),
            );
            h.select(
                "provider",
                "case.provider",
                &options::<ServiceProvider>(lang, true),
            );
            h.finish(today);
        }
        Section::Children if shape.client => {
            form(b, lang, action, csrf, "child", "case.child.admit").finish(today);
        }
        Section::Identification => {
            // Records of the years 2015-2022 only: no date is filled in.
            form(
                b,
                lang,
                action,
                csrf,
                "identification_started",
                "case.identification.start",
            )
            .finish("");
            form(
                b,
                lang,
                action,
                csrf,
                "expert_group_heard",
                "case.identification.heard",
            )
            .finish("");
            let mut h = form(
                b,
                lang,
                action,
                csrf,
                "identification_decided",
                "case.identification.decide",
            );
            let outcomes = ["identified", "not_identified"]
                .map(|o| {
                    format!(
                        r#"<option value="{o}">{}</option>"#,
                        escape(&t(lang, &format!("identification.{o}")))
                    )
                })
                .concat();
            h.select("outcome", "case.outcome", &outcomes);
            h.finish("");
        }
        Section::Termination if shape.client => {
            let day = finnish_date(now());
            let reasons: String = Code::<TerminationReason>::all()
                .filter(|r| r.entry().valid_on(day))
                .map(|r| {
                    format!(
                        r#"<option value="{}">{}</option>"#,
                        r.code(),
                        escape(r.label(lang))
                    )
                })
                .collect();
            let mut h = form(b, lang, action, csrf, "termination", "case.terminate");
            h.select("reason", "case.termination.reason", &reasons);
            h.finish(today);
        }
        Section::Measures | Section::Children | Section::Termination => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The form as its fields come in.
    fn form(fields: &[(&str, &str)]) -> RecordForm {
        let pairs: Map<String, Value> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect();
        serde_json::from_value(Value::Object(pairs)).unwrap_or_default()
    }

    #[test]
    fn a_filled_template_is_the_section_as_written_for_the_page() {
        let sections = [
            Section::Details,
            Section::Assessment,
            Section::Reflection,
            Section::Measures,
            Section::Children,
            Section::Identification,
            Section::Termination,
        ];
        let today = format_date(finnish_date(now()));
        let (action, csrf) = ("/sv/staff/cases/p-00'1/record", "a<b>&\"c'");
        for lang in [Lang::Fi, Lang::Sv, Lang::En] {
            for section in sections {
                for (client, periods) in [(false, false), (true, false), (true, true)] {
                    let shape = Shape { client, periods };
                    let mut direct = String::new();
                    write_section(&mut direct, lang, shape, action, csrf, &today, section);
                    let mut filled = String::new();
                    fill(
                        &mut filled,
                        &template(lang, section, shape),
                        action,
                        &escape(csrf),
                    );
                    assert_eq!(filled, direct);
                    assert!(!filled.contains(HOLE));
                }
            }
        }
        let cut = pieces("x\u{1}ay\u{1}c");
        assert!(matches!(
            &cut[..],
            [Piece::Text(x), Piece::Action, Piece::Text(y), Piece::Csrf, Piece::Text(end)]
                if &**x == "x" && &**y == "y" && end.is_empty()
        ));
    }

    #[test]
    fn an_assessment_has_one_primary_form_and_the_secondary_ones_given() {
        let e = form(&[
            ("kind", "assessment"),
            ("date", "2026-03-01"),
            ("form", "forced_labour"),
            ("place", "finland"),
            ("form_2", "sexual"),
            ("place_2", "abroad"),
            ("minor_2", "yes"),
            ("form_3", ""),
            ("place_3", "finland"),
        ])
        .event()
        .unwrap_or_default();
        assert_eq!(e["event"], "exploitation_assessed");
        let forms = e["forms"].as_array().cloned().unwrap_or_default();
        assert_eq!(forms.len(), 2);
        assert_eq!(forms[0]["primary"], true);
        assert_eq!(forms[1]["form"], "sexual");
        assert_eq!(forms[1]["minor_at_time"], true);
        assert_eq!(forms[1]["primary"], false);
    }

    #[test]
    fn details_carry_only_what_was_given_and_need_something() {
        let e = form(&[
            ("kind", "details"),
            ("date", "2026-03-01"),
            ("residence_status", "asylum_seeker"),
            ("municipality", "no"),
        ])
        .event()
        .unwrap_or_default();
        assert_eq!(e["residence_status"], "asylum_seeker");
        assert_eq!(e["municipality_of_residence"], false);
        assert!(!e.contains_key("gender") && !e.contains_key("birth_year"));
        let empty = form(&[("kind", "details"), ("date", "2026-03-01")]).event();
        assert!(matches!(empty, Err(Unfit("case.details.nothing"))));
        let bad = form(&[("kind", "details"), ("birth_year", "nineteen")]).event();
        assert!(matches!(bad, Err(Unfit("case.birth_year"))));
    }

    #[test]
    fn days_must_be_a_number_and_an_unknown_form_is_refused() {
        for kind in ["reflection", "extension"] {
            let e = form(&[("kind", kind), ("days", "lots")]).event();
            assert!(matches!(e, Err(Unfit("case.days"))));
        }
        assert!(matches!(
            form(&[("kind", "sell_the_house")]).event(),
            Err(Unfit("case.unknown_form"))
        ));
        let child = form(&[("kind", "child"), ("date", "2026-03-01")])
            .event()
            .unwrap_or_default();
        assert!(child["child"].as_str().is_some_and(|c| c.starts_with("c-")));
    }
}
