//! The staff's pages: logging in (password and code, a TOTP secret at the first login, a new
//! password when an admin set it), logging out, and the inbox of applications waiting for a
//! decision. A page's form carries the session's CSRF token in a hidden field; its handler
//! gets a `Principal` only through `UncheckedPrincipal::check`.

use std::fmt::Write;

use axum::Form;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::AppError;
use iku_app::access::CaseScope;
use iku_domain::access::Area;
use iku_domain::codes::Lang;
use serde::Deserialize;

use super::{Audience, Refusal, escape, lang, language, not_found, page, t};
use crate::error::ApiError;
use crate::login::{self, LoginRequest, Outcome};
use crate::session::{self, Principal, UncheckedPrincipal};
use crate::state::Shared;

/// A date as the user's language writes it: 31.12.2020 (fi, sv), 31/12/2020 (en).
pub fn date(lang: Lang, d: time::Date) -> String {
    let separator = if lang == Lang::En { '/' } else { '.' };
    format!(
        "{}{separator}{}{separator}{}",
        d.day(),
        u8::from(d.month()),
        d.year()
    )
}

/// A moment as the user's language writes it, in Finnish time (Europe/Helsinki):
/// 3.12.2026 klo 14.05 (fi), 3.12.2026 kl. 14.05 (sv), 3/12/2026 14:05 (en).
pub fn date_time(lang: Lang, at: iku_domain::Timestamp) -> String {
    let local = iku_domain::calendar::finnish_time(at);
    let (hour, minute) = (local.hour(), local.minute());
    let day = date(lang, local.date());
    match lang {
        Lang::Fi => format!("{day} klo {hour}.{minute:02}"),
        Lang::Sv => format!("{day} kl. {hour}.{minute:02}"),
        Lang::En => format!("{day} {hour:02}:{minute:02}"),
    }
}

/// Where an area's page is (after `/{lang}/staff/`), and its word in the menu.
pub(crate) fn area_page(area: Area) -> (&'static str, &'static str) {
    match area {
        Area::Work => ("work", "nav.work"),
        Area::Inbox => ("", "nav.inbox"),
        Area::Cases => ("cases", "nav.cases"),
        Area::Deadlines => ("deadlines", "nav.deadlines"),
        Area::Statistics => ("statistics", "nav.statistics"),
        Area::Accounts => ("admin", "nav.admin"),
        Area::AuditLog => ("audit", "nav.audit"),
        Area::PersonalData => ("personal-data", "nav.personal_data"),
    }
}

/// The staff's page for `rest` in `lang`, with the staff's links, who is signed in and the
/// logout button.
pub(crate) fn staff_page(
    lang: Lang,
    status: StatusCode,
    title: &str,
    rest: &str,
    who: Option<&Principal>,
    body: &str,
) -> Response {
    let mut top = String::new();
    if let Some(p) = who {
        let _ = write!(
            top,
            r#"<nav class="staff" aria-label="{}"><ul>"#,
            escape(&t(lang, "site.title"))
        );
        for area in p.role.areas() {
            let (path, word) = area_page(*area);
            let _ = write!(
                top,
                r#"<li><a href="/{}/staff/{path}">{}</a></li>"#,
                lang.code(),
                escape(&t(lang, word))
            );
        }
        top.push_str("</ul></nav>");
        let _ = write!(
            top,
            r#"<p class="who">{} <strong>{}</strong> ({})</p><form method="post" action="/{}/staff/logout"><input type="hidden" name="csrf" value="{}"><button type="submit" class="secondary">{}</button></form>"#,
            escape(&t(lang, "staff.signed_in")),
            escape(p.username.as_str()),
            escape(&t(lang, &format!("role.{}", p.role.name()))),
            lang.code(),
            escape(p.csrf_token()),
            escape(&t(lang, "staff.logout"))
        );
    }
    page(
        lang,
        status,
        title,
        rest,
        Audience::Staff,
        &format!("{top}{body}"),
    )
}

/// A list of the user's cases: the offices in their scope, and what `list` reads from the
/// scope (on a blocking thread; the listing puts itself on record).
pub(crate) async fn from_scope<T: Send + 'static>(
    state: &Shared,
    principal: &Principal,
    list: impl FnOnce(&mut CaseScope<'_>) -> Result<T, AppError> + Send + 'static,
) -> Result<(Vec<String>, T), ApiError> {
    let p = principal.clone();
    state
        .blocking(move |app| {
            let mut scope = p.cases(app)?;
            let offices = scope.offices()?;
            Ok((offices, list(&mut scope)?))
        })
        .await
}

/// Where a page request without a usable session goes.
pub(crate) fn away(lang: Lang, e: &ApiError) -> Response {
    away_as(lang, e, None)
}

/// What a signed-in user is told when a page is refused or fails: the page says so, with
/// their menu kept.
pub(crate) fn refused(lang: Lang, e: &ApiError, who: &Principal) -> Response {
    away_as(lang, e, Some(who))
}

fn away_as(lang: Lang, e: &ApiError, who: Option<&Principal>) -> Response {
    let mut response = away_page(lang, e, who);
    e.mark(&mut response);
    response
}

fn away_page(lang: Lang, e: &ApiError, who: Option<&Principal>) -> Response {
    let said = match e.code {
        "unauthenticated" => {
            return Redirect::to(&format!("/{}/staff/login", lang.code())).into_response();
        }
        "password_change_required" => {
            return Redirect::to(&format!("/{}/staff/password", lang.code())).into_response();
        }
        "forbidden" => "staff.forbidden",
        "gone" => "document.gone",
        "too_large" => "error.too_large",
        "too_slow" => "error.too_slow",
        _ => "staff.error",
    };
    staff_page(
        lang,
        e.status,
        &t(lang, "staff.error"),
        "/staff/",
        who,
        &format!("<p>{}</p>", escape(&t(lang, said))),
    )
}

fn lang_of(parts: &Parts) -> Lang {
    parts
        .uri
        .path()
        .split('/')
        .nth(1)
        .and_then(lang)
        .unwrap_or(Lang::Fi)
}

/// The user of a page that only reads (GET): without a session, to the login page.
pub struct Reader(Principal);

impl Reader {
    pub fn principal(self) -> Principal {
        self.0
    }
}

impl FromRequestParts<Shared> for Reader {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
        let lang = lang_of(parts);
        if parts.method != axum::http::Method::GET {
            return Err(StatusCode::METHOD_NOT_ALLOWED.into_response());
        }
        Principal::from_request_parts(parts, state)
            .await
            .map(Reader)
            .map_err(|e| away(lang, &e))
    }
}

/// The user of a page's form post (its CSRF token still to check).
pub struct Poster(UncheckedPrincipal);

impl Poster {
    /// The user, if the form carries the session's token; else the page that says why.
    pub fn check(self, lang: Lang, token: &str) -> Result<Principal, Refusal> {
        self.0.check(token).map_err(|e| away(lang, &e).into())
    }
}

impl FromRequestParts<Shared> for Poster {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, Response> {
        let lang = lang_of(parts);
        UncheckedPrincipal::from_request_parts(parts, state)
            .await
            .map(Poster)
            .map_err(|e| away(lang, &e))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

fn login_page(lang: Lang, status: StatusCode, username: &str, problem: Option<&str>) -> Response {
    let mut body = format!("<h1>{}</h1>", escape(&t(lang, "staff.login.title")));
    if let Some(key) = problem {
        let _ = write!(
            body,
            r#"<div class="error-summary" role="alert"><p>{}</p></div>"#,
            escape(&t(lang, key))
        );
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/{code}/staff/login"><label for="username">{user}</label><input type="text" id="username" name="username" value="{name}" autocomplete="username" autocapitalize="none" spellcheck="false"><label for="password">{password}</label><input type="password" id="password" name="password" autocomplete="current-password"><label for="code">{code_label}</label><p class="hint" id="code-hint">{hint}</p><input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" aria-describedby="code-hint"><button type="submit">{submit}</button></form>"#,
        code = lang.code(),
        user = escape(&t(lang, "staff.username")),
        name = escape(username),
        password = escape(&t(lang, "staff.password")),
        code_label = escape(&t(lang, "staff.code")),
        hint = escape(&t(lang, "staff.code.hint")),
        submit = escape(&t(lang, "staff.login.submit")),
    );
    staff_page(
        lang,
        status,
        &t(lang, "staff.login.title"),
        "/staff/login",
        None,
        &body,
    )
}

pub async fn login_form(Path(code): Path<String>) -> Response {
    match lang(&code) {
        Some(lang) => login_page(lang, StatusCode::OK, "", None),
        None => not_found(),
    }
}

/// The answer to a login: the inbox with a new session, the enrolment page, or the form again.
fn after_login(lang: Lang, outcome: Result<Outcome, ApiError>, username: &str) -> Response {
    match outcome {
        Ok(Outcome::Session(iku_app::login::NewSession { id, account, .. })) => {
            // Each role starts from its home.
            let to = match account.must_change {
                true => "password",
                false => area_page(account.role.home()).0,
            };
            let mut response =
                Redirect::to(&format!("/{}/staff/{to}", lang.code())).into_response();
            response
                .headers_mut()
                .insert(header::SET_COOKIE, session::set_cookie(&id));
            response
        }
        Ok(Outcome::Enrol(iku_app::login::Enrolment { token, secret, .. })) => {
            let body = format!(
                r#"<h1>{title}</h1><p>{intro}</p><p>{key}: <code class="secret">{secret}</code></p><form method="post" action="/{code}/staff/enrol"><input type="hidden" name="enrolment" value="{token}"><label for="code">{code_label}</label><input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code"><button type="submit">{submit}</button></form>"#,
                title = escape(&t(lang, "staff.enrol.title")),
                intro = escape(&t(lang, "staff.enrol.intro")),
                key = escape(&t(lang, "staff.enrol.key")),
                secret = escape(&secret),
                code = lang.code(),
                token = escape(&token),
                code_label = escape(&t(lang, "staff.code")),
                submit = escape(&t(lang, "staff.enrol.submit")),
            );
            staff_page(
                lang,
                StatusCode::OK,
                &t(lang, "staff.enrol.title"),
                "/staff/login",
                None,
                &body,
            )
        }
        Err(e) if e.code == "rate_limited" => login_page(
            lang,
            StatusCode::TOO_MANY_REQUESTS,
            username,
            Some("staff.login.busy"),
        ),
        Err(e) => login_page(lang, e.status, username, Some("staff.login.failed")),
    }
}

pub async fn login(
    State(state): State<Shared>,
    Path(code): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let username = form.username.clone();
    let request = LoginRequest {
        username: form.username,
        password: form.password,
        code: Some(form.code).filter(|c| !c.is_empty()),
    };
    let outcome = login::attempt_login(
        &state,
        login::client(&extensions),
        session::cookie(&headers),
        request,
    )
    .await;
    after_login(lang, outcome, &username)
}

#[derive(Debug, Default, Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    enrolment: String,
    #[serde(default)]
    code: String,
}

pub async fn enrol(
    State(state): State<Shared>,
    Path(code): Path<String>,
    extensions: Extensions,
    headers: HeaderMap,
    Form(form): Form<EnrolForm>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let outcome = login::attempt_enrol(
        &state,
        login::client(&extensions),
        session::cookie(&headers),
        form.enrolment,
        form.code,
    )
    .await;
    after_login(lang, outcome, "")
}

#[derive(Debug, Default, Deserialize)]
pub struct Csrf {
    #[serde(default)]
    csrf: String,
}

pub async fn logout(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(form): Form<Csrf>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    state
        .blocking(move |app| app.logout(principal.session()))
        .await
        .map_err(|e| Refusal::from(away(lang, &e)))?;
    let mut response = Redirect::to(&format!("/{}/staff/login", lang.code())).into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie());
    Ok(response)
}

fn password_page(lang: Lang, status: StatusCode, p: &Principal, problem: Option<&str>) -> Response {
    let mut body = format!(
        "<h1>{}</h1><p>{}</p>",
        escape(&t(lang, "staff.password.title")),
        escape(&t(lang, "staff.password.intro"))
    );
    if let Some(key) = problem {
        let _ = write!(
            body,
            r#"<div class="error-summary" role="alert"><p>{}</p></div>"#,
            escape(&t(lang, key))
        );
    }
    let _ = write!(
        body,
        r#"<form method="post" action="/{code}/staff/password"><input type="hidden" name="csrf" value="{csrf}"><label for="current">{current}</label><input type="password" id="current" name="current" autocomplete="current-password"><label for="new">{new}</label><input type="password" id="new" name="new" autocomplete="new-password"><button type="submit">{submit}</button></form>"#,
        code = lang.code(),
        csrf = escape(p.csrf_token()),
        current = escape(&t(lang, "staff.password.current")),
        new = escape(&t(lang, "staff.password.new")),
        submit = escape(&t(lang, "staff.password.submit")),
    );
    staff_page(
        lang,
        status,
        &t(lang, "staff.password.title"),
        "/staff/password",
        Some(p),
        &body,
    )
}

pub async fn password_form(Path(code): Path<String>, reader: Reader) -> Response {
    match lang(&code) {
        Some(lang) => password_page(lang, StatusCode::OK, &reader.principal(), None),
        None => not_found(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

pub async fn password(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(form): Form<PasswordForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    let shown = principal.clone();
    // Then on to the role's home.
    let home = format!(
        "/{}/staff/{}",
        lang.code(),
        area_page(principal.role.home()).0
    );
    Ok(
        match login::change_own_password(&state, principal, form.current, form.new).await {
            Ok(()) => Redirect::to(&home).into_response(),
            Err(e) if e.code == "weak_password" => {
                password_page(lang, e.status, &shown, Some("staff.password.weak"))
            }
            Err(e) if e.code == "login_failed" => {
                password_page(lang, e.status, &shown, Some("staff.password.wrong"))
            }
            Err(e) => away(lang, &e),
        },
    )
}
