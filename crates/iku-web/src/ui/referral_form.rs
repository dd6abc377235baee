//! The referral's two pages: the form (labels above fields, hints, an error summary linking to
//! each field and the message beside it, everything typed kept) and the check of the answers
//! before they are sent (every answer with a button to change it, what was typed carried in the
//! page's form, never stored before the person sends it). On both, the language switch sends
//! the form to the same page in the other language, so that nothing typed is lost.

use axum::http::StatusCode;
use axum::response::Response;
use iku_domain::codes::{Code, CodeList, Gender, Lang, Referrer};
use maud::{Markup, PreEscaped, html};

use super::referral::{Problem, Referral};
use super::{Audience, Switch, page_switching, t};

/// The form's id, which the language switch's buttons name.
const FORM: &str = "referral";

/// The answers the check page lists, in the form's order: the field and its label.
pub(super) const ANSWERS: [(&str, &str); 9] = [
    ("who", "referral.who"),
    ("name", "referral.name"),
    ("birth_year", "referral.birth_year"),
    ("gender", "referral.gender"),
    ("phone", "referral.phone"),
    ("email", "referral.email"),
    ("what", "referral.what"),
    ("contact", "referral.contact"),
    ("consent", "referral.consent.short"),
];

/// Why the form is shown: with the problems of what was sent, a notice that is no field's
/// (too many sends, the server failed), and the field to put the cursor in (one the person
/// chose to change on the check page).
pub(super) struct Shown<'a> {
    pub problems: &'a [Problem],
    pub notice: Option<&'a str>,
    pub focus: Option<&'a str>,
}

impl Shown<'_> {
    /// The form as it is, nothing to say about it.
    pub(super) fn nothing() -> Self {
        Shown {
            problems: &[],
            notice: None,
            focus: None,
        }
    }
}

/// The fields of a form, with their problems.
struct Fields<'a> {
    lang: Lang,
    problems: &'a [Problem],
    focus: Option<&'a str>,
}

impl Fields<'_> {
    fn error(&self, id: &str) -> Option<String> {
        self.problems
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, key)| t(self.lang, key).into_owned())
    }

    /// The ids that describe a field: its hint, and its error if it has one.
    fn described(&self, id: &str, hint: bool) -> Option<String> {
        let mut ids = Vec::new();
        if hint {
            ids.push(format!("{id}-hint"));
        }
        if self.error(id).is_some() {
            ids.push(format!("{id}-error"));
        }
        (!ids.is_empty()).then(|| ids.join(" "))
    }

    fn invalid(&self, id: &str) -> Option<&'static str> {
        self.error(id).map(|_| "true")
    }

    fn focused(&self, id: &str) -> bool {
        self.focus == Some(id)
    }

    /// A field: its label, hint and error around its control.
    fn field(&self, id: &str, label: &str, hint: Option<&str>, control: Markup) -> Markup {
        let error = self.error(id);
        html! {
            div.field.field-error[error.is_some()] {
                label for=(id) { (t(self.lang, label)) }
                @if let Some(hint) = hint {
                    p.hint id={(id) "-hint"} { (t(self.lang, hint)) }
                }
                @if let Some(error) = &error {
                    p.error-message id={(id) "-error"} { (error) }
                }
                (control)
            }
        }
    }

    /// A text input. Nothing typed is kept by the browser, to fill in later or to show again
    /// on Back: the phone may be shared, and the person may be afraid.
    fn input(&self, id: &str, kind: &str, value: &str, label: &str, hint: Option<&str>) -> Markup {
        let year = id == "birth_year";
        let control = html! {
            input type=(kind) id=(id) name=(id) value=(value) autocomplete="off"
                inputmode=[year.then_some("numeric")] maxlength=[year.then_some("4")]
                aria-describedby=[self.described(id, hint.is_some())]
                aria-invalid=[self.invalid(id)] autofocus[self.focused(id)];
        };
        self.field(id, label, hint, control)
    }

    fn textarea(&self, id: &str, value: &str, label: &str, hint: &str) -> Markup {
        let control = html! {
            textarea id=(id) name=(id) rows="6" aria-describedby=[self.described(id, true)]
                aria-invalid=[self.invalid(id)] autofocus[self.focused(id)] { (value) }
        };
        self.field(id, label, Some(hint), control)
    }

    /// A list of codes; `empty` is the words of the empty choice, and `stands_for` the code
    /// those words already say (left out of the list, so that no choice is there twice).
    fn select<L: CodeList>(
        &self,
        id: &str,
        value: &str,
        label: &str,
        hint: Option<&str>,
        (empty, stands_for): (&str, Option<&str>),
    ) -> Markup {
        let control = html! {
            select id=(id) name=(id) aria-describedby=[self.described(id, hint.is_some())]
                aria-invalid=[self.invalid(id)] autofocus[self.focused(id)] {
                option value="" { (t(self.lang, empty)) }
                @for code in Code::<L>::all().filter(|c| Some(c.code()) != stands_for) {
                    option value=(code.code()) selected[code.code() == value] {
                        (code.label(self.lang))
                    }
                }
            }
        };
        self.field(id, label, hint, control)
    }
}

/// The form, with what was typed, its fields' problems, and why it came back.
pub(super) fn form_page(
    lang: Lang,
    status: StatusCode,
    r: &Referral,
    shown: &Shown<'_>,
) -> Response {
    let problems = shown.problems;
    let f = Fields {
        lang,
        problems,
        focus: shown.focus,
    };
    let consent_error = f.error("consent");
    let body = html! {
        h1 { (t(lang, "referral.title")) }
        p { (t(lang, "referral.intro")) }
        @if let Some(notice) = shown.notice {
            div.error-summary role="alert" tabindex="-1" {
                p { (notice) }
                p { (PreEscaped(super::advice_line(lang))) }
            }
        }
        @if !problems.is_empty() {
            div.error-summary role="alert" tabindex="-1" autofocus {
                h2 { (t(lang, "error.summary")) }
                ul {
                    @for (field, key) in problems {
                        li { a href={"#" (field)} { (t(lang, key)) } }
                    }
                }
            }
        }
        form id=(FORM) method="post" action={"/" (lang.code()) "/referral"} novalidate
            autocomplete="off" {
            (f.select::<Referrer>("who", &r.who, "referral.who", Some("referral.who.hint"),
                ("referral.choose", None)))
            fieldset {
                legend { (t(lang, "referral.person")) }
                (f.input("name", "text", &r.name, "referral.name", Some("referral.name.hint")))
                (f.input("birth_year", "text", &r.birth_year, "referral.birth_year",
                    Some("referral.birth_year.hint")))
                // The empty choice says "not known" already: one such option, not two.
                (f.select::<Gender>("gender", &r.gender, "referral.gender", None,
                    ("referral.not_known", Some("unknown"))))
                (f.input("phone", "tel", &r.phone, "referral.phone", Some("referral.reach.hint")))
                (f.input("email", "email", &r.email, "referral.email", None))
            }
            (f.textarea("what", &r.what, "referral.what", "referral.what.hint"))
            (f.textarea("contact", &r.contact, "referral.contact", "referral.contact.hint"))
            div.checkbox.field-error[consent_error.is_some()] {
                @if let Some(error) = &consent_error {
                    p.error-message id="consent-error" { (error) }
                }
                p.hint id="consent-hint" { (t(lang, "referral.consent.hint")) }
                input type="checkbox" id="consent" name="consent" value="yes"
                    checked[r.consent.as_deref() == Some("yes")]
                    aria-describedby=(if consent_error.is_some() { "consent-error consent-hint" } else { "consent-hint" })
                    aria-invalid=[f.invalid("consent")] autofocus[f.focused("consent")];
                label for="consent" { (t(lang, "referral.consent")) }
            }
            // Hidden from people (and from screen readers); robots fill it in.
            div.trap aria-hidden="true" {
                label for="kx7" { (t(lang, "referral.website")) }
                input type="text" id="kx7" name="kx7" value=(r.trap) tabindex="-1" autocomplete="off";
            }
            button type="submit" name="step" value="check" { (t(lang, "referral.continue")) }
        }
    };
    let title = if problems.is_empty() {
        t(lang, "referral.title").into_owned()
    } else {
        format!("{}: {}", t(lang, "error.title"), t(lang, "referral.title"))
    };
    let switch = Switch::Carrying {
        form: FORM,
        rest: "/referral",
        step: "form",
        enter: ("check", "referral.continue"),
    };
    page_switching(
        lang,
        status,
        &title,
        switch,
        Audience::Public,
        &body.into_string(),
    )
}

/// What the person answered to `field`, as the check page shows it.
fn answer(lang: Lang, r: &Referral, field: &str) -> String {
    let shown = match field {
        "who" => Code::<Referrer>::parse(&r.who).map(|c| c.label(lang).to_owned()),
        "gender" => Code::<Gender>::parse(&r.gender).map(|c| c.label(lang).to_owned()),
        "consent" => Some(t(lang, "referral.consent.given").into_owned()),
        _ => Some(r.field(field).trim().to_owned()),
    };
    shown
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| t(lang, "referral.not_given").into_owned())
}

/// The answers to check before sending, each with a button that takes the person back to
/// that field; what was typed travels in the page's form until it is sent.
pub(super) fn check_page(lang: Lang, r: &Referral) -> Response {
    let body = html! {
        h1 { (t(lang, "referral.check.title")) }
        p { (t(lang, "referral.check.intro")) }
        form id=(FORM) method="post" action={"/" (lang.code()) "/referral"} novalidate
            autocomplete="off" {
            @for (field, _) in ANSWERS {
                input type="hidden" name=(field) value=(r.field(field));
            }
            input type="hidden" name="kx7" value=(r.trap);
            dl.answers {
                @for (field, label) in ANSWERS {
                    div {
                        dt { (t(lang, label)) }
                        dd.answer { (answer(lang, r, field)) }
                        dd {
                            button.link type="submit" name="step" value={"change-" (field)} {
                                (t(lang, "referral.change"))
                                span.visually-hidden { ": " (t(lang, label)) }
                            }
                        }
                    }
                }
            }
            p { (t(lang, "referral.check.send")) }
            button type="submit" name="step" value="send" { (t(lang, "referral.submit")) }
        }
    };
    let switch = Switch::Carrying {
        form: FORM,
        rest: "/referral",
        step: "check",
        enter: ("send", "referral.submit"),
    };
    page_switching(
        lang,
        StatusCode::OK,
        &t(lang, "referral.check.title"),
        switch,
        Audience::Public,
        &body.into_string(),
    )
}
