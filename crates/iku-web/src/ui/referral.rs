//! The public referral form: anyone may refer a person who needs help (or themself), with the
//! person's consent. One page, labels above fields, hints, an error summary linking to each
//! field and the message beside it, everything typed kept when the page comes back with
//! errors; then a confirmation with the reference number and what happens next. A honeypot
//! field (a referral that fills it is stored flagged for a person to check, not dropped) and a
//! per-address limit instead of a CAPTCHA. What is sent is stored as a new
//! application with the person's details, personal fields sealed, waiting in the inbox; the
//! public side reads nothing back.

use std::fmt::Write;
use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::calendar::finnish_date;
use iku_domain::codes::{Code, CodeList, Gender, Lang, Referrer};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{Audience, escape, lang, not_found, page, t};
use crate::state::{Shared, now};

/// What the form sends (every field a string, as typed).
#[derive(Debug, Default, Deserialize)]
pub struct Referral {
    #[serde(default)]
    who: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    what: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    consent: Option<String>,
    /// The honeypot: hidden from people, filled in by robots. Its name is one no browser's
    /// autofill knows, so that a person's browser does not fill it in.
    #[serde(default, rename = "kx7")]
    trap: String,
}

/// A field in error: its id and the message key.
type Problem = (&'static str, &'static str);

fn check(r: &Referral, year: i32) -> Vec<Problem> {
    let mut problems = Vec::new();
    // Controls and bidirectional overrides are not text anyone types (a paste may bring
    // them): said where they are, before any other check of the field.
    let mut not_text = Vec::new();
    for (field, value, lines) in [
        ("name", &r.name, false),
        ("phone", &r.phone, false),
        ("email", &r.email, false),
        ("what", &r.what, true),
        ("contact", &r.contact, true),
    ] {
        if let Err(iku_domain::personal::TextError::NotText) =
            iku_domain::personal::check_text(value, usize::MAX, lines)
        {
            not_text.push(field);
            problems.push((field, "error.characters"));
        }
    }

    if Code::<Referrer>::parse(&r.who).is_none() {
        problems.push(("who", "error.who"));
    }
    let name = r.name.trim();
    if name.chars().count() > 200 {
        problems.push(("name", "error.name_long"));
    }
    let birth_year = r.birth_year.trim();
    if !birth_year.is_empty() && !is_year(birth_year, year) {
        let future = birth_year.len() == 4 && birth_year.parse::<i32>().is_ok_and(|y| y > year);
        let key = if future {
            "error.birth_year_future"
        } else {
            "error.birth_year"
        };
        problems.push(("birth_year", key));
    }
    if !r.gender.is_empty() && Code::<Gender>::parse(&r.gender).is_none() {
        problems.push(("gender", "error.gender"));
    }
    let phone = r.phone.trim();
    if !phone.is_empty() && !is_phone(phone) {
        problems.push(("phone", "error.phone"));
    }
    let email = r.email.trim();
    if !email.is_empty() && !is_email(email) {
        problems.push(("email", "error.email"));
    }
    if phone.is_empty() && email.is_empty() && r.contact.trim().is_empty() {
        problems.push(("phone", "error.reach"));
    }
    if r.what.chars().count() > 5000 {
        problems.push(("what", "error.what_long"));
    }
    if r.contact.chars().count() > 500 {
        problems.push(("contact", "error.contact_long"));
    }
    if r.consent.as_deref() != Some("yes") {
        problems.push(("consent", "error.consent"));
    }
    // A field that is not text gets that one message.
    problems.retain(|(field, key)| !not_text.contains(field) || *key == "error.characters");
    problems
}

/// Four digits, from 1900 to this year.
fn is_year(s: &str, this_year: i32) -> bool {
    s.len() == 4
        && s.parse::<i32>()
            .is_ok_and(|y| (1900..=this_year).contains(&y))
}

/// Digits (at least five), spaces, + - ( ).
fn is_phone(s: &str) -> bool {
    s.len() <= 40
        && s.chars().filter(char::is_ascii_digit).count() >= 5
        && s.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
}

/// Something before an @, and a dotted domain after it.
fn is_email(s: &str) -> bool {
    s.len() <= 200
        && s.split_once('@')
            .is_some_and(|(a, d)| !a.is_empty() && d.contains('.') && !d.contains('@'))
}

/// One labelled field with its hint and, if any, its error.
/// A list's empty choice: its words, and the code it stands for (left out of the list).
struct Empty<'a> {
    words: &'a str,
    stands_for: Option<&'a str>,
}

struct Field<'a> {
    lang: Lang,
    problems: &'a [Problem],
}

impl Field<'_> {
    fn error(&self, id: &str) -> Option<String> {
        self.problems
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, key)| t(self.lang, key).into_owned())
    }

    /// The opening of a field: its label, hint and error, and the ids that describe it.
    fn head(&self, out: &mut String, id: &str, label: &str, hint: Option<&str>) -> String {
        let error = self.error(id);
        let _ = write!(
            out,
            r#"<div class="field{}"><label for="{id}">{}</label>"#,
            if error.is_some() { " field-error" } else { "" },
            escape(&t(self.lang, label))
        );
        let mut described = Vec::new();
        if let Some(hint) = hint {
            let _ = write!(
                out,
                r#"<p class="hint" id="{id}-hint">{}</p>"#,
                escape(&t(self.lang, hint))
            );
            described.push(format!("{id}-hint"));
        }
        if let Some(error) = &error {
            let _ = write!(
                out,
                r#"<p class="error-message" id="{id}-error">{}</p>"#,
                escape(error)
            );
            described.push(format!("{id}-error"));
        }
        let mut attributes = String::new();
        if !described.is_empty() {
            let _ = write!(attributes, r#" aria-describedby="{}""#, described.join(" "));
        }
        if error.is_some() {
            attributes.push_str(r#" aria-invalid="true""#);
        }
        attributes
    }

    fn input(
        &self,
        out: &mut String,
        id: &str,
        kind: &str,
        value: &str,
        label: &str,
        hint: Option<&str>,
    ) {
        let attributes = self.head(out, id, label, hint);
        // Nothing typed here is kept by the browser, to fill in later or to show again on
        // Back: the phone may be shared, and the person may be afraid.
        let autocomplete = "off";
        let numeric = if id == "birth_year" {
            r#" inputmode="numeric" maxlength="4""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<input type="{kind}" id="{id}" name="{id}" value="{}" autocomplete="{autocomplete}"{numeric}{attributes}></div>"#,
            escape(value)
        );
    }

    fn textarea(&self, out: &mut String, id: &str, value: &str, label: &str, hint: &str) {
        let attributes = self.head(out, id, label, Some(hint));
        let _ = write!(
            out,
            r#"<textarea id="{id}" name="{id}" rows="6"{attributes}>{}</textarea></div>"#,
            escape(value)
        );
    }

    fn select<L: CodeList>(
        &self,
        out: &mut String,
        id: &str,
        value: &str,
        label: &str,
        hint: Option<&str>,
        empty: Empty<'_>,
    ) {
        let attributes = self.head(out, id, label, hint);
        let _ = write!(
            out,
            r#"<select id="{id}" name="{id}"{attributes}><option value="">{}</option>"#,
            escape(&t(self.lang, empty.words))
        );
        for code in Code::<L>::all().filter(|c| Some(c.code()) != empty.stands_for) {
            let _ = write!(
                out,
                r#"<option value="{}"{}>{}</option>"#,
                code.code(),
                if code.code() == value {
                    " selected"
                } else {
                    ""
                },
                escape(code.label(self.lang))
            );
        }
        out.push_str("</select></div>");
    }
}

/// The form, with what was typed, its fields' problems, and (`notice`) why it came back
/// though nothing in it was wrong: too many sends, or the server failed.
fn form_page(
    lang: Lang,
    status: StatusCode,
    r: &Referral,
    problems: &[Problem],
    notice: Option<&str>,
) -> Response {
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p>{}</p>",
        escape(&t(lang, "referral.title")),
        escape(&t(lang, "referral.intro"))
    );
    if let Some(notice) = notice {
        let _ = write!(
            body,
            r#"<div class="error-summary" role="alert" tabindex="-1"><p>{}</p><p>{}</p></div>"#,
            escape(notice),
            super::advice_line(lang)
        );
    }
    if !problems.is_empty() {
        let _ = write!(
            body,
            r#"<div class="error-summary" role="alert" tabindex="-1" autofocus><h2>{}</h2><ul>"#,
            escape(&t(lang, "error.summary"))
        );
        for (field, key) in problems {
            let _ = write!(
                body,
                r##"<li><a href="#{field}">{}</a></li>"##,
                escape(&t(lang, key))
            );
        }
        body.push_str("</ul></div>");
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/{}/referral" novalidate autocomplete="off">"#,
        lang.code()
    );
    let f = Field { lang, problems };
    f.select::<Referrer>(
        &mut body,
        "who",
        &r.who,
        "referral.who",
        Some("referral.who.hint"),
        Empty {
            words: "referral.choose",
            stands_for: None,
        },
    );
    let _ = write!(
        body,
        "<fieldset><legend>{}</legend>",
        escape(&t(lang, "referral.person"))
    );
    f.input(
        &mut body,
        "name",
        "text",
        &r.name,
        "referral.name",
        Some("referral.name.hint"),
    );
    f.input(
        &mut body,
        "birth_year",
        "text",
        &r.birth_year,
        "referral.birth_year",
        Some("referral.birth_year.hint"),
    );
    f.select::<Gender>(
        &mut body,
        "gender",
        &r.gender,
        "referral.gender",
        None,
        // The empty choice says "not known" already: one such option, not two.
        Empty {
            words: "referral.not_known",
            stands_for: Some("unknown"),
        },
    );
    f.input(
        &mut body,
        "phone",
        "tel",
        &r.phone,
        "referral.phone",
        Some("referral.reach.hint"),
    );
    f.input(
        &mut body,
        "email",
        "email",
        &r.email,
        "referral.email",
        None,
    );
    body.push_str("</fieldset>");
    f.textarea(
        &mut body,
        "what",
        &r.what,
        "referral.what",
        "referral.what.hint",
    );
    f.textarea(
        &mut body,
        "contact",
        &r.contact,
        "referral.contact",
        "referral.contact.hint",
    );
    let consent_error = f.error("consent");
    let _ = write!(
        body,
        r#"<div class="checkbox{}">{}<p class="hint" id="consent-hint">{}</p><input type="checkbox" id="consent" name="consent" value="yes"{} aria-describedby="{}"{}><label for="consent">{}</label></div>"#,
        if consent_error.is_some() {
            " field-error"
        } else {
            ""
        },
        consent_error
            .as_ref()
            .map(|e| format!(
                r#"<p class="error-message" id="consent-error">{}</p>"#,
                escape(e)
            ))
            .unwrap_or_default(),
        escape(&t(lang, "referral.consent.hint")),
        if r.consent.as_deref() == Some("yes") {
            " checked"
        } else {
            ""
        },
        if consent_error.is_some() {
            "consent-error consent-hint"
        } else {
            "consent-hint"
        },
        if consent_error.is_some() {
            r#" aria-invalid="true""#
        } else {
            ""
        },
        escape(&t(lang, "referral.consent")),
    );
    // Hidden from people (and from screen readers); robots fill it in.
    let _ = write!(
        body,
        r#"<div class="trap" aria-hidden="true"><label for="kx7">{}</label><input type="text" id="kx7" name="kx7" tabindex="-1" autocomplete="off"></div>"#,
        escape(&t(lang, "referral.website"))
    );
    let _ = write!(
        body,
        r#"<button type="submit">{}</button></form>"#,
        escape(&t(lang, "referral.submit"))
    );
    let title = if problems.is_empty() {
        t(lang, "referral.title").into_owned()
    } else {
        format!("{}: {}", t(lang, "error.title"), t(lang, "referral.title"))
    };
    page(lang, status, &title, "/referral", Audience::Public, &body)
}

pub async fn form(Path(code): Path<String>) -> Response {
    match lang(&code) {
        Some(lang) => form_page(lang, StatusCode::OK, &Referral::default(), &[], None),
        None => not_found(),
    }
}

/// A reference number: what the person can quote, and the application's id.
fn reference() -> Result<String, crate::error::ApiError> {
    let token = crate::session::random_token()?;
    Ok(format!("R-{}", token[..10].to_uppercase()))
}

pub async fn submit(
    State(state): State<Shared>,
    Path(code): Path<String>,
    extensions: Extensions,
    Form(referral): Form<Referral>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let client = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let today = finnish_date(now());
    let problems = check(&referral, today.year());
    if !problems.is_empty() {
        return form_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &referral,
            &problems,
            None,
        );
    }
    // Only referrals sent count towards an address's limit; a limited one comes back with
    // everything typed, and when to send it again.
    if let Some(wait) = state.referral_limit.wait(client) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        let notice = t(lang, "error.busy").replace("{minutes}", &minutes.to_string());
        return form_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            &referral,
            &[],
            Some(&notice),
        );
    }
    let server_error = |referral: &Referral| {
        form_page(
            lang,
            StatusCode::INTERNAL_SERVER_ERROR,
            referral,
            &[],
            Some(&t(lang, "error.server")),
        )
    };
    let Ok(reference) = reference() else {
        return server_error(&referral);
    };
    // The reference goes to the confirmation in a cookie of that page alone, never in an
    // address (which a shared phone's history would keep); the page shows it once.
    let mut done = Redirect::to(&format!("/{}/referral/done", lang.code())).into_response();
    if let Ok(cookie) = axum::http::HeaderValue::from_str(&format!(
        "{}={reference}; HttpOnly; Secure; SameSite=Strict; Path=/{}/referral/done; Max-Age=600",
        super::referral_done::REFERENCE_COOKIE,
        lang.code()
    )) {
        done.headers_mut()
            .insert(axum::http::header::SET_COOKIE, cookie);
    }
    // Perhaps a robot, perhaps a person whose browser filled the hidden field in: stored,
    // flagged for a person to check, never dropped.
    let flagged = !referral.trap.is_empty();
    match store(&state, &referral, &reference, flagged).await {
        Ok(()) => {
            state.referral_limit.take(client);
            done
        }
        Err(_) => server_error(&referral),
    }
}

/// The referral as a new application and the person's details; `flagged`: for a person to
/// check before it is trusted.
async fn store(
    state: &Shared,
    r: &Referral,
    reference: &str,
    flagged: bool,
) -> Result<(), crate::error::ApiError> {
    let date = iku_domain::calendar::format_date(finnish_date(now()));
    let application: Map<String, Value> = json!({
        "date": date, "referrer": r.who, "consent": true,
    })
    .as_object()
    .cloned()
    .unwrap_or_default();
    let mut details = Map::new();
    details.insert("date".into(), json!(date));
    let mut put = |key: &str, value: &str| {
        if !value.trim().is_empty() {
            details.insert(key.into(), json!(value.trim()));
        }
    };
    put("name", &r.name);
    put("phone", &r.phone);
    put("email", &r.email);
    put("gender", &r.gender);
    let note = match (r.what.trim(), r.contact.trim()) {
        (what, "") => what.to_owned(),
        ("", contact) => format!("Referrer: {contact}"),
        (what, contact) => format!("{what}\n\nReferrer: {contact}"),
    };
    put("note", &note);
    if let Ok(year) = r.birth_year.trim().parse::<i32>() {
        details.insert("birth_year".into(), json!(year));
    }
    let person = state
        .app
        .receive_referral(application, details, reference, flagged)
        .await?;
    if flagged {
        state
            .blocking(move |app| app.flag_referral(&person))
            .await?;
    }
    Ok(())
}
