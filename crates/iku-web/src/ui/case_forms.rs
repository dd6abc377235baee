//! The client page's forms, one for each thing a caseworker records (details, an
//! exploitation assessment, a reflection period granted, extended or interrupted, an
//! assistance measure, a child admitted or gone, the official identification of 2015-2022,
//! the termination on a statutory ground), each posting to
//! `/{lang}/staff/cases/{person}/record` with its `kind` (`record_form` reads what they
//! send).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};

use iku_domain::calendar::{finnish_date, format_date};
use iku_domain::codes::{
    AssistanceMeasure, Code, CodeList, ExploitationForm, Gender, Lang, Nationality, Place,
    ReflectionGrantedBy, ResidenceStatus, ServiceProvider, TerminationReason,
};
use iku_domain::state::PersonState;

use super::staff::date;
use super::{escape, t};
use crate::state::now;

/// `<option>`s of a code list, after an empty one if `optional` (written into a section's
/// template, which is kept).
fn options<L: CodeList>(lang: Lang, optional: bool) -> String {
    let codes: Vec<Code<L>> = Code::<L>::all().collect();
    written_options(lang, optional, &codes)
}

/// The options of a long list of names (nationalities), in the language's alphabetical order.
fn sorted_options<L: CodeList>(lang: Lang, optional: bool) -> String {
    let mut codes: Vec<Code<L>> = Code::<L>::all().collect();
    codes.sort_by_cached_key(|c| lang.sort_key(c.label(lang)));
    written_options(lang, optional, &codes)
}

fn written_options<L: CodeList>(lang: Lang, optional: bool, codes: &[Code<L>]) -> String {
    let mut out = String::new();
    if optional {
        out.push_str(r#"<option value="">–</option>"#);
    }
    for c in codes {
        let _ = write!(
            out,
            r#"<option value="{}">{}</option>"#,
            c.code(),
            escape(c.label(lang))
        );
    }
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

    /// Opens a group of fields under `legend` (so that a label that repeats in the form says
    /// which group it belongs to); `end_group` closes it.
    fn group(&mut self, legend: &str) {
        let _ = write!(self.b, "<fieldset><legend>{}</legend>", escape(legend));
    }

    fn end_group(&mut self) {
        self.b.push_str("</fieldset>");
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
            let today = date(lang, finnish_date(now()));
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
            let shown = date(lang, finnish_date(now()));
            write_section(&mut b, lang, shape, &action, &csrf, &shown, section);
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
                &sorted_options::<Nationality>(lang, true),
            );
            h.select("gender", "case.gender", &options::<Gender>(lang, true));
            h.text("birth_year", "case.birth_year", "");
            h.finish(today);
        }
        Section::Assessment => {
            let mut h = form(b, lang, action, csrf, "assessment", "case.assess");
            // Three forms of exploitation, each with its place and whether the person was a
            // minor: a group each, its legend naming it.
            h.group(&t(lang, "case.exploitation.primary"));
            h.select(
                "form",
                "case.form.primary",
                &options::<ExploitationForm>(lang, false),
            );
            h.select("place", "case.place", &options::<Place>(lang, false));
            h.checkbox("minor_at_time", "case.minor_at_time");
            h.end_group();
            for n in ["2", "3"] {
                h.group(&t(lang, "case.exploitation.other").replace("{n}", n));
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
                h.end_group();
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

    /// Nationalities are offered in the alphabetical order of the page's language.
    #[test]
    fn nationalities_are_in_the_languages_order() {
        for lang in Lang::ALL {
            let html = sorted_options::<Nationality>(lang, true);
            let labels: Vec<&str> = html
                .split("\">")
                .skip(2)
                .filter_map(|rest| rest.split('<').next())
                .collect();
            assert!(labels.len() > 100, "{}", labels.len());
            let keys: Vec<String> = labels.iter().map(|l| lang.sort_key(l)).collect();
            assert!(keys.is_sorted(), "{lang:?}: {labels:?}");
        }
        let swedish = sorted_options::<Nationality>(Lang::Sv, false);
        let (sweden, zimbabwe) = (swedish.find(">Sverige<"), swedish.find(">Zimbabwe<"));
        let austria = swedish.find(">Österrike<");
        assert!(sweden.is_some() && austria.is_some(), "{swedish}");
        assert!(sweden < zimbabwe && zimbabwe < austria, "{swedish}");
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
        let (action, csrf) = ("/sv/staff/cases/p-00'1/record", "a<b>&\"c'");
        for lang in [Lang::Fi, Lang::Sv, Lang::En] {
            for section in sections {
                for (client, periods) in [(false, false), (true, false), (true, true)] {
                    let shape = Shape { client, periods };
                    let mut direct = String::new();
                    let today = date(lang, finnish_date(now()));
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
}
