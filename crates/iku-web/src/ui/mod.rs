//! The HTML pages: server-rendered, every page working without JavaScript, no external
//! resources (a strict Content-Security-Policy), the words of every page in Finnish, Swedish
//! and English (`data/ui.tsv`), and a language switch that keeps the user on the same page.

pub mod account_actions;
mod account_contact;
pub mod accounts;
pub mod audit_export;
pub mod audit_log;
pub mod case;
pub mod case_forms;
pub mod cases;
mod confirm;
pub mod consent;
pub mod deadlines;
pub mod decide;
pub mod decision;
mod documents;
pub use documents::{download as document_download, upload as document_upload};
mod disclosure_report;
pub mod duplicates;
pub mod history;
pub mod inbox;
pub mod journal;
pub mod person_data;
pub mod plan;
mod plan_form;
pub mod record_form;
pub mod referral;
pub mod referral_done;
mod referral_form;
pub mod reflection_notice;
pub mod removal;
pub mod routing;
pub mod search;
pub mod staff;
pub mod statistics;
pub mod tasks;
pub mod work;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::OnceLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::codes::Lang;

const WORDS_TSV: &str = include_str!("../../data/ui.tsv");
pub const STYLE: &str = include_str!("../../assets/iku.css");

/// Nothing from elsewhere, no inline script or style, no framing, forms only to here.
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'; \
                   script-src 'sha256-b9/R6rZUz9aEaV73WD6okWJ9zRuwBm8EfZSazPA9K4w='";

/// The one script of the public pages, allowed by its hash in `CSP` (the browser test fails if
/// the two part): a page the browser brings back from its memory on Back (its
/// back-forward cache keeps what was typed, and the check page shows it) is hidden and asked
/// for again, which answers an empty form, so that a phone that may be shared does not show
/// the story again.
const FORGET_ON_RETURN: &str = r#"addEventListener("pageshow",function(e){if(e.persisted){document.documentElement.hidden=true;location.replace(location.href)}})"#;

fn words() -> &'static HashMap<&'static str, [&'static str; 3]> {
    static WORDS: OnceLock<HashMap<&'static str, [&'static str; 3]>> = OnceLock::new();
    WORDS.get_or_init(|| {
        WORDS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .skip(1)
            .filter_map(|l| match l.split('\t').collect::<Vec<_>>()[..] {
                [key, fi, sv, en] => Some((key, [fi, sv, en])),
                _ => None,
            })
            .collect()
    })
}

/// The word for `key` in `lang`; a missing one shows as ⟦key⟧ (a test looks for those).
pub fn t(lang: Lang, key: &str) -> Cow<'static, str> {
    words().get(key).map_or_else(
        || Cow::Owned(format!("⟦{key}⟧")),
        |w| Cow::Borrowed(w[lang as usize]),
    )
}

/// The page a handler answers instead of the one asked for (boxed: a response is large).
pub struct Refusal(Box<Response>);

impl From<Response> for Refusal {
    fn from(response: Response) -> Self {
        Refusal(Box::new(response))
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// The language of a handler's path, or the "not found" it answers for an unknown one.
pub fn language(code: &str) -> Result<Lang, Refusal> {
    lang(code).ok_or_else(|| not_found().into())
}

/// The language of a path's first segment.
pub fn lang(code: &str) -> Option<Lang> {
    Lang::ALL.into_iter().find(|l| l.code() == code)
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    // The characters replaced are ASCII, so every cut falls between characters; the runs
    // between them are copied whole.
    let mut from = 0;
    for (i, byte) in s.bytes().enumerate() {
        let replacement = match byte {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&s[from..i]);
        out.push_str(replacement);
        from = i + 1;
    }
    out.push_str(&s[from..]);
    out
}

/// Which kind of page: public pages have the "leave quickly" link.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Public,
    Staff,
}

/// How a page's language switch leads to the other languages.
#[derive(Clone, Copy)]
pub enum Switch<'a> {
    /// Links to the same page (`rest`: the path after the language).
    Links(&'a str),
    /// Buttons that send the form `form` to the same path in the other language with
    /// `step=` the given step: what was typed comes along instead of being lost. `enter` is
    /// the step (and the words) of the button Enter presses in the form's fields.
    Carrying {
        form: &'a str,
        rest: &'a str,
        step: &'a str,
        enter: (&'a str, &'a str),
    },
}

/// A whole page: `rest` is the path after the language (for the language switch).
pub fn page(
    lang: Lang,
    status: StatusCode,
    title: &str,
    rest: &str,
    audience: Audience,
    body: &str,
) -> Response {
    page_switching(lang, status, title, Switch::Links(rest), audience, body)
}

/// A whole page whose language switch is `switch`.
pub fn page_switching(
    lang: Lang,
    status: StatusCode,
    title: &str,
    switch: Switch<'_>,
    audience: Audience,
    body: &str,
) -> Response {
    let mut html = String::with_capacity(body.len() + 2048);
    let _ = write!(
        html,
        r##"<!DOCTYPE html><html lang="{code}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} – {site}</title><link rel="stylesheet" href="/assets/iku.css"></head><body>{enter}<a class="skip" href="#main">{skip}</a><header class="site"><a class="name" href="/{code}/">{site}</a><nav class="languages" aria-label="{language}"><ul>"##,
        code = lang.code(),
        title = escape(title),
        site = escape(&t(lang, "site.title")),
        skip = escape(&t(lang, "nav.skip")),
        language = escape(&t(lang, "nav.language")),
        enter = default_button(lang, switch),
    );
    for other in Lang::ALL {
        let name = match other {
            Lang::Fi => "Suomeksi",
            Lang::Sv => "På svenska",
            Lang::En => "In English",
        };
        let other_code = other.code();
        if other == lang {
            let _ = write!(html, r#"<li><span aria-current="true">{name}</span></li>"#);
        } else {
            match switch {
                Switch::Links(rest) => {
                    let _ = write!(
                        html,
                        r#"<li><a href="/{other_code}{}" lang="{other_code}" hreflang="{other_code}">{name}</a></li>"#,
                        escape(rest),
                    );
                }
                Switch::Carrying {
                    form, rest, step, ..
                } => {
                    let _ = write!(
                        html,
                        r#"<li><button type="submit" class="link" form="{}" formaction="/{other_code}{}" name="step" value="{}" lang="{other_code}">{name}</button></li>"#,
                        escape(form),
                        escape(rest),
                        escape(step),
                    );
                }
            }
        }
    }
    html.push_str("</ul></nav>");
    if audience == Audience::Public {
        // A neutral page, so that someone who must hide what they were reading can.
        let _ = write!(
            html,
            r#"<a class="leave" href="https://www.yle.fi/" rel="noreferrer">{}</a>"#,
            escape(&t(lang, "nav.leave"))
        );
    }
    html.push_str("</header>");
    let _ = write!(html, r#"<main id="main">{body}</main>"#);
    if audience == Audience::Public {
        // Someone afraid, on a phone, finds help on every public page, error pages too.
        let _ = write!(
            html,
            r#"<footer class="site"><p class="advice">{}</p></footer><script>{FORGET_ON_RETURN}</script>"#,
            advice_line(lang)
        );
    }
    html.push_str("</body></html>");
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Enter in a field presses its form's first button in the page, and a language switch that
/// carries the form puts the form's buttons in the header, above the form: this one, first
/// in the page and out of sight, makes Enter go on rather than to another language.
fn default_button(lang: Lang, switch: Switch<'_>) -> String {
    match switch {
        Switch::Links(_) => String::new(),
        Switch::Carrying {
            form,
            enter: (step, words),
            ..
        } => format!(
            r#"<button type="submit" class="default-button" form="{}" name="step" value="{}" tabindex="-1" aria-hidden="true">{}</button>"#,
            escape(form),
            escape(step),
            escape(&t(lang, words)),
        ),
    }
}

pub async fn style() -> Response {
    let mut response = STYLE.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    response
}

/// `/`: Finnish first (the authority's language), the switch on every page.
pub async fn root() -> Redirect {
    Redirect::to("/fi/")
}

/// `/{lang}/`: what the service is, and the way to ask for help.
pub async fn home(axum::extract::Path(code): axum::extract::Path<String>) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let body = format!(
        r#"<h1>{title}</h1><p>{intro}</p><p><a href="/{code}/referral">{refer}</a></p>"#,
        title = escape(&t(lang, "home.title")),
        intro = escape(&t(lang, "home.intro")),
        code = lang.code(),
        refer = escape(&t(lang, "home.refer")),
    );
    page(
        lang,
        StatusCode::OK,
        &t(lang, "home.title"),
        "/",
        Audience::Public,
        &body,
    )
}

/// A value for a URL's query string (what is not a letter, digit, or `-_.~` is %-encoded).
/// Why the register refused what a form sent, in the user's language: the rule it broke,
/// or (a form sent what no event can be: a field missing or out of shape) that the form's
/// fields should be checked. Never the register's own message, which speaks to developers.
pub fn refusal(lang: Lang, e: &crate::error::ApiError) -> String {
    match (e.rule, e.code) {
        (Some(rule), _) => t(lang, &format!("rule.{}", rule.name())).into_owned(),
        (None, "other_case") => t(lang, "case.other_case").into_owned(),
        (None, _) => t(lang, "case.invalid").into_owned(),
    }
}

pub fn url_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The advice line, its numbers as links a phone can call.
pub fn advice_line(lang: Lang) -> String {
    let phone = match lang {
        Lang::En => "+358 29 54 63 177",
        Lang::Fi | Lang::Sv => "029 54 63 177",
    };
    escape(&t(lang, "home.advice"))
        .replace(
            "{phone}",
            &format!(r#"<a href="tel:+358295463177">{phone}</a>"#),
        )
        .replace("{emergency}", r#"<a href="tel:112">112</a>"#)
}

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_there_in_finnish_swedish_and_english() {
        let mut missing = Vec::new();
        for line in WORDS_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let columns: Vec<&str> = line.split('\t').collect();
            if columns.len() != 4 || columns.iter().any(|c| c.trim().is_empty()) {
                missing.push(line.to_owned());
            }
        }
        assert!(missing.is_empty(), "{missing:#?}");
        assert!(words().len() > 40);
        assert!(t(Lang::Sv, "no.such.key").starts_with('⟦'));
    }

    /// Every word the pages ask for by name is in the table (a missing one would show as
    /// ⟦key⟧): the keys written in the source, and those made from codes.
    #[test]
    fn every_word_the_pages_use_is_there() {
        let sources = [
            include_str!("mod.rs"),
            include_str!("case.rs"),
            include_str!("case_forms.rs"),
            include_str!("consent.rs"),
            include_str!("cases.rs"),
            include_str!("confirm.rs"),
            include_str!("journal.rs"),
            include_str!("search.rs"),
            include_str!("deadlines.rs"),
            include_str!("duplicates.rs"),
            include_str!("decide.rs"),
            include_str!("decision.rs"),
            include_str!("documents.rs"),
            include_str!("disclosure_report.rs"),
            include_str!("history.rs"),
            include_str!("plan.rs"),
            include_str!("person_data.rs"),
            include_str!("plan_form.rs"),
            include_str!("accounts.rs"),
            include_str!("audit_export.rs"),
            include_str!("audit_log.rs"),
            include_str!("account_actions.rs"),
            include_str!("account_contact.rs"),
            include_str!("removal.rs"),
            include_str!("reflection_notice.rs"),
            include_str!("referral.rs"),
            include_str!("referral_form.rs"),
            include_str!("referral_done.rs"),
            include_str!("routing.rs"),
            include_str!("staff.rs"),
            include_str!("statistics.rs"),
            include_str!("work.rs"),
            include_str!("tasks.rs"),
        ];
        let mut keys: Vec<String> = Vec::new();
        for source in sources {
            // A module's tests name accounts and ids, which are no words.
            let source = source.split("#[cfg(test)]").next().unwrap_or(source);
            // Keys are the string literals that look like `area.word` in a t(…) call or
            // handed to a form builder: dotted lowercase words.
            for piece in source.split('"').skip(1).step_by(2) {
                let dotted = piece.contains('.')
                    && !piece.contains("..")
                    && piece.split('.').all(|w| {
                        !w.is_empty()
                            && w.chars()
                                .all(|c| c.is_ascii_lowercase() || c == '_' || c.is_ascii_digit())
                    });
                // The one dotted literal that is no word: an audit entry's action.
                let audit_action = piece == "referral.received";
                if dotted
                    && !audit_action
                    && ![".css", ".fi", ".json"]
                        .iter()
                        .any(|end| piece.ends_with(end))
                {
                    keys.push(piece.to_owned());
                }
            }
        }
        for outcome in ["admitted", "rejected", "withdrawn"] {
            keys.push(format!("outcome.{outcome}"));
        }
        for o in ["identified", "not_identified"] {
            keys.push(format!("identification.{o}"));
        }
        for kind in iku_domain::EventKind::ALL {
            keys.push(format!("event.{}", kind.name()));
        }
        for reason in ["not_trafficking", "no_need_for_assistance", "other"] {
            keys.push(format!("decision.reasons.{reason}"));
        }
        for action in ["disable", "enable", "reset_totp", "unlock", "role"] {
            keys.push(format!("admin.done.{action}"));
        }
        for action in ["disable", "reset_totp"] {
            for part in ["", ".text", ".yes"] {
                keys.push(format!("admin.confirm.{action}{part}"));
            }
        }
        for code in ["own_account", "bad_request"] {
            keys.push(format!("admin.refused.{code}"));
        }
        for status in iku_app::register::Status::ALL {
            keys.push(format!("cases.status.{}", status.name()));
        }
        for action in iku_app::Action::ALL {
            keys.push(format!("action.{}", action.name()));
        }
        for rule in iku_domain::rules::Rule::ALL {
            keys.push(format!("rule.{}", rule.name()));
        }
        for role in iku_domain::access::Role::ALL {
            keys.push(format!("role.{}", role.name()));
        }
        for probe in ["identity_code", "phone", "email", "name"] {
            keys.push(format!("duplicates.why.{probe}"));
        }
        for reason in ["primary", "folded", "secondary", "cross_release"] {
            keys.push(format!("stats.report.reason.{reason}"));
        }
        for reason in iku_stats::disclosure::Reason::ALL {
            keys.push(format!("stats.report.why.{}", reason.name()));
        }
        for kind in ["annual", "semiannual"] {
            keys.push(format!("stats.{kind}"));
        }
        for reason in iku_domain::codes::Code::<iku_domain::codes::TerminationReason>::all() {
            keys.push(format!("removal.reasons.{}", reason.code()));
        }
        for kind in iku_domain::tasks::TaskKind::ALL {
            keys.push(format!("task.kind.{}", kind.name()));
        }
        for kind in iku_domain::documents::DocumentKind::ALL {
            keys.push(format!("document.kind.{}", kind.name()));
        }
        for reminder in iku_domain::reminders::Reminder::ALL {
            keys.push(format!("work.reminder.{}", reminder.name()));
        }
        for when in iku_domain::reminders::When::ALL {
            keys.push(format!("work.when.{}", when.name()));
        }
        for area in iku_domain::event::NeedArea::ALL {
            keys.push(format!("plan.area.{}", area.name()));
        }
        for status in iku_domain::event::PlanStatus::ALL {
            keys.push(format!("plan.status.{}", status.name()));
        }
        for name in ["name", "personal_identity_code", "phone", "email", "note"] {
            keys.push(format!("case.field.{name}"));
        }
        let missing: Vec<&String> = keys
            .iter()
            .filter(|k| !words().contains_key(k.as_str()))
            .collect();
        assert!(keys.len() > 100, "{}", keys.len());
        assert!(missing.is_empty(), "no words for {missing:?}");
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
