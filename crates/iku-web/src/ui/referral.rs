//! The public referral: anyone may refer a person who needs help (or themself), with the
//! person's consent. The form (`referral_form`), its answers checked on a page of their own,
//! then sent; a confirmation with the reference number and what happens next. A honeypot
//! field (a referral that fills it is stored flagged for a person to check, not dropped) and a
//! per-address limit instead of a CAPTCHA. What is sent is stored as a new
//! application with the person's details, personal fields sealed, waiting in the inbox; the
//! public side reads nothing back.

use std::net::SocketAddr;

use axum::Form;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{Extensions, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::calendar::finnish_date;
use iku_domain::codes::{Code, Gender, Referrer};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::referral_form::{ANSWERS, Shown, check_page, form_page};
use super::{lang, not_found, t};
use crate::state::{Shared, now};

/// What the form sends (every field a string, as typed).
#[derive(Debug, Default, Deserialize)]
pub struct Referral {
    #[serde(default)]
    pub(super) who: String,
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) birth_year: String,
    #[serde(default)]
    pub(super) gender: String,
    #[serde(default)]
    pub(super) phone: String,
    #[serde(default)]
    pub(super) email: String,
    #[serde(default)]
    pub(super) what: String,
    #[serde(default)]
    pub(super) contact: String,
    #[serde(default)]
    pub(super) consent: Option<String>,
    /// The honeypot: hidden from people, filled in by robots. Its name is one no browser's
    /// autofill knows, so that a person's browser does not fill it in.
    #[serde(default, rename = "kx7")]
    pub(super) trap: String,
    /// The button pressed: see `Step`.
    #[serde(default)]
    step: String,
}

impl Referral {
    /// A field's value as typed, by its name in the form.
    pub(super) fn field(&self, name: &str) -> &str {
        match name {
            "who" => &self.who,
            "name" => &self.name,
            "birth_year" => &self.birth_year,
            "gender" => &self.gender,
            "phone" => &self.phone,
            "email" => &self.email,
            "what" => &self.what,
            "contact" => &self.contact,
            "consent" => self.consent.as_deref().unwrap_or_default(),
            _ => "",
        }
    }

    /// What the person asked for by the button they pressed.
    fn step(&self) -> Step {
        match self.step.as_str() {
            "send" => Step::Send,
            "form" => Step::Form,
            other => other
                .strip_prefix("change-")
                .and_then(|field| ANSWERS.iter().find(|(f, _)| *f == field))
                .map_or(Step::Check, |(field, _)| Step::Change(field)),
        }
    }
}

/// The buttons of the referral's pages.
enum Step {
    /// Go on from the form to the check of the answers (the form's button, and Enter).
    Check,
    /// Send the checked answers.
    Send,
    /// Show the form again with what was typed (the language switch on the form).
    Form,
    /// Back from the check to the form, at this field.
    Change(&'static str),
}

/// A field in error: its id and the message key.
pub(super) type Problem = (&'static str, &'static str);

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

pub async fn form(Path(code): Path<String>) -> Response {
    match lang(&code) {
        Some(lang) => form_page(
            lang,
            StatusCode::OK,
            &Referral::default(),
            &Shown::nothing(),
        ),
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
    let step = referral.step();
    match step {
        Step::Form => return form_page(lang, StatusCode::OK, &referral, &Shown::nothing()),
        Step::Change(field) => {
            let shown = Shown {
                focus: Some(field),
                ..Shown::nothing()
            };
            return form_page(lang, StatusCode::OK, &referral, &shown);
        }
        Step::Check | Step::Send => {}
    }
    let problems = check(&referral, today.year());
    if !problems.is_empty() {
        let shown = Shown {
            problems: &problems,
            ..Shown::nothing()
        };
        return form_page(lang, StatusCode::UNPROCESSABLE_ENTITY, &referral, &shown);
    }
    if matches!(step, Step::Check) {
        return check_page(lang, &referral);
    }
    // Only referrals sent count towards an address's limit; a limited one comes back with
    // everything typed, and when to send it again.
    if let Some(wait) = state.referral_limit.wait(client) {
        let minutes = wait.as_secs().div_ceil(60).max(1);
        // "1 minute", "2 minutes": the count's own form of the word.
        let key = if minutes == 1 {
            "error.busy.one"
        } else {
            "error.busy"
        };
        let notice = t(lang, key).replace("{minutes}", &minutes.to_string());
        let shown = Shown {
            notice: Some(&notice),
            ..Shown::nothing()
        };
        return form_page(lang, StatusCode::TOO_MANY_REQUESTS, &referral, &shown);
    }
    let server_error = |referral: &Referral| {
        let notice = t(lang, "error.server");
        let shown = Shown {
            notice: Some(&notice),
            ..Shown::nothing()
        };
        form_page(lang, StatusCode::INTERNAL_SERVER_ERROR, referral, &shown)
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
    } else {
        // Those who handle it hear of it; the sender does not wait for the mail.
        let today = iku_domain::calendar::finnish_date(crate::state::now());
        let notifying = state.clone();
        tokio::spawn(async move {
            let _ = notifying
                .blocking(move |app| {
                    if let Err(e) = app.notify_new_case(&person, today) {
                        app.log_failure(&e);
                    }
                    Ok(())
                })
                .await;
        });
    }
    Ok(())
}
