//! The statistics pages: a review viewed or downloaded (HTML, CSV, XLSX, JSON; fi/sv/en) in
//! published or, for statisticians, internal mode; reviews published (statisticians) with
//! their disclosure reports; the published ones listed and downloaded unchanged.

use std::fmt::Write;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use iku_domain::access::Role;
use iku_stats::Period;
use serde::Deserialize;

use super::staff::{Poster, Reader, away, date, refused, staff_page};
use super::{Refusal, escape, lang, language, not_found, t};
use crate::error::ApiError;
use crate::state::{Shared, now};

fn period(kind: &str, year: &str) -> Option<Period> {
    let year: i32 = year
        .trim()
        .parse()
        .ok()
        .filter(|y| (1990..=2100).contains(y))?;
    match kind {
        "annual" => Some(Period::annual(year)),
        "semiannual" => Some(Period::semiannual(year)),
        _ => None,
    }
}

/// Publications on a page.
const PAGE: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    /// The publications listed are those before this one.
    #[serde(default)]
    before: Option<i64>,
    /// "yes": a review was just published (the page says so).
    #[serde(default)]
    published: String,
}

pub async fn page(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(query): Query<PageQuery>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let p = principal.clone();
    let before = query.before;
    let listed = state
        .blocking(move |app| p.statistics(app)?.publications(before, PAGE))
        .await;
    let (publications, next) = match listed {
        Ok(page) => (page.items, page.next),
        Err(e) => return refused(lang, &e, &principal),
    };
    let statistician = principal.role == Role::Statistician;
    let this_year = iku_domain::calendar::finnish_date(now()).year();
    let mut b = format!("<h1>{}</h1>", escape(&t(lang, "stats.title")));
    if query.published == "yes" {
        let _ = write!(
            b,
            r#"<p class="notice" role="status">{}</p>"#,
            escape(&t(lang, "stats.published.saved"))
        );
    }
    let kinds = |b: &mut String| {
        for kind in ["annual", "semiannual"] {
            let _ = write!(
                b,
                r#"<option value="{kind}">{}</option>"#,
                escape(&t(lang, &format!("stats.{kind}")))
            );
        }
    };
    let _ = write!(
        b,
        r#"<h2>{}</h2><form method="get" action="/{code}/staff/statistics/review"><label for="kind">{}</label><select id="kind" name="kind">"#,
        escape(&t(lang, "stats.view")),
        escape(&t(lang, "stats.kind")),
        code = lang.code(),
    );
    kinds(&mut b);
    let _ = write!(
        b,
        r#"</select><label for="year">{}</label><input type="text" id="year" name="year" inputmode="numeric" value="{}"><label for="disclosure">{}</label><select id="disclosure" name="disclosure"><option value="published">{}</option>"#,
        escape(&t(lang, "stats.year")),
        this_year - 1,
        escape(&t(lang, "stats.disclosure")),
        escape(&t(lang, "stats.published")),
    );
    if statistician {
        let _ = write!(
            b,
            r#"<option value="internal">{}</option>"#,
            escape(&t(lang, "stats.internal"))
        );
    }
    let _ = write!(
        b,
        r#"</select><label for="format">{}</label><select id="format" name="format"><option value="html">HTML</option><option value="csv-excel">CSV (Excel, ;)</option><option value="csv">CSV (,)</option><option value="xlsx">XLSX</option><option value="json">JSON</option></select><button type="submit">{}</button></form>"#,
        escape(&t(lang, "stats.format")),
        escape(&t(lang, "stats.show")),
    );
    if statistician {
        let _ = write!(
            b,
            r#"<h2>{}</h2><p class="hint">{}</p><form method="post" action="/{code}/staff/statistics/publish"><input type="hidden" name="csrf" value="{}"><label for="publish-kind">{}</label><select id="publish-kind" name="kind">"#,
            escape(&t(lang, "stats.publish")),
            escape(&t(lang, "stats.publish.hint")),
            escape(principal.csrf_token()),
            escape(&t(lang, "stats.kind")),
            code = lang.code(),
        );
        kinds(&mut b);
        let _ = write!(
            b,
            r#"</select><label for="publish-year">{}</label><input type="text" id="publish-year" name="year" inputmode="numeric" value="{}"><button type="submit">{}</button></form>"#,
            escape(&t(lang, "stats.year")),
            this_year - 1,
            escape(&t(lang, "stats.publish.submit")),
        );
    }
    let _ = write!(b, "<h2>{}</h2>", escape(&t(lang, "stats.publications")));
    if publications.is_empty() {
        let _ = write!(b, "<p>{}</p>", escape(&t(lang, "stats.none")));
    } else {
        let _ = write!(
            b,
            r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col"></th></tr></thead><tbody>"#,
            escape(&t(lang, "stats.kind")),
            escape(&t(lang, "stats.version")),
            escape(&t(lang, "stats.recorded")),
            escape(&t(lang, "stats.disclosure")),
        );
        for p in &publications {
            let mut links = format!(
                r#"<a href="/{}/staff/statistics/publications/{}/document">{}</a>"#,
                lang.code(),
                p.id,
                escape(&t(lang, "stats.document"))
            );
            if statistician && p.has_report {
                let _ = write!(
                    links,
                    r#" · <a href="/{}/staff/statistics/publications/{}/report">{}</a>"#,
                    lang.code(),
                    p.id,
                    escape(&t(lang, "stats.report"))
                );
            }
            let _ = write!(
                b,
                r#"<tr><th scope="row">{} {}</th><td>{}</td><td>{}</td><td>{}</td><td>{links}</td></tr>"#,
                escape(&t(lang, &format!("stats.{}", p.report))),
                p.year,
                p.version,
                date(lang, p.as_recorded_at.date()),
                escape(&p.disclosure),
            );
        }
        b.push_str("</tbody></table>");
        if let Some(next) = next {
            let _ = write!(
                b,
                r#"<nav class="pages" aria-label="{}"><a href="/{}/staff/statistics?before={next}" rel="next">{}</a></nav>"#,
                escape(&t(lang, "pages.label")),
                lang.code(),
                escape(&t(lang, "pages.next")),
            );
        }
    }
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "stats.title"),
        "/staff/statistics",
        Some(&principal),
        &b,
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    disclosure: String,
    #[serde(default)]
    format: String,
}

/// A file to download, or a document to show.
pub(super) fn file(bytes: Vec<u8>, content_type: &'static str, name: Option<String>) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(name) = name
        && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
    {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // A review's HTML has its own styles inline, and nothing else.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn review(
    State(state): State<Shared>,
    Path(code): Path<String>,
    reader: Reader,
    Query(q): Query<ReviewQuery>,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let Some(period) = period(&q.kind, &q.year) else {
        return away(lang, &ApiError::BAD_REQUEST);
    };
    let principal = reader.principal();
    let who = principal.clone();
    let internal = q.disclosure == "internal";
    let what = format!("{} {}", q.kind, period.year);
    let made = state
        .blocking(move |app| who.statistics(app)?.review(period, internal, &what))
        .await;
    let review = match made {
        Ok(r) => r,
        Err(e) => return refused(lang, &e, &principal),
    };
    let name = format!("{}-{}-{}", q.kind, period.year, lang.code());
    match q.format.as_str() {
        "csv" => file(
            iku_stats::csv::to_csv(&review, lang).into_bytes(),
            "text/csv; charset=utf-8",
            Some(format!("{name}.csv")),
        ),
        "csv-excel" => file(
            iku_stats::csv::to_csv_excel(&review, lang).into_bytes(),
            "text/csv; charset=utf-8",
            Some(format!("{name}-excel.csv")),
        ),
        "json" => file(
            review.to_json().into_bytes(),
            "application/json",
            Some(format!("{name}.json")),
        ),
        "xlsx" => match iku_stats::xlsx::to_xlsx(&review, lang) {
            Ok(bytes) => file(
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                Some(format!("{name}.xlsx")),
            ),
            Err(_) => away(lang, &ApiError::INTERNAL),
        },
        _ => file(
            iku_stats::html::to_html_linked(
                &review,
                lang,
                Some((
                    &format!("/{}/staff/statistics", lang.code()),
                    &t(lang, "stats.back"),
                )),
            )
            .into_bytes(),
            "text/html; charset=utf-8",
            None,
        ),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    year: String,
    /// "yes": the publication shown back was confirmed.
    #[serde(default)]
    confirm: String,
}

/// What publishing would publish, shown back before it is done: the disclosure report of the
/// review as it would be frozen, a link to the review itself, and the button that publishes
/// it (a publication is frozen for good) or, if its audit fails, why it cannot be.
fn publish_confirmation(
    lang: iku_domain::codes::Lang,
    principal: &crate::session::Principal,
    form: &PublishForm,
    report: &serde_json::Value,
) -> Response {
    let code = lang.code();
    let review = t(lang, &format!("stats.{}", form.kind));
    let preview = format!(
        "/{code}/staff/statistics/review?kind={}&year={}&disclosure=published&format=html",
        super::url_encode(&form.kind),
        super::url_encode(&form.year),
    );
    let shown = maud::html! {
        p { strong { (review) " " (form.year) } }
        p { a href=(preview) { (t(lang, "stats.report.preview")) } }
        (super::disclosure_report::summary(lang, report))
    };
    let withheld = super::disclosure_report::withheld_table(lang, report);
    if report["audit_passed"] != true {
        let body = maud::html! {
            h1 { (t(lang, "stats.report.cannot")) }
            (shown)
            p { a href={ "/" (code) "/staff/statistics" } { (t(lang, "stats.back")) } }
            (withheld)
        };
        return staff_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &t(lang, "stats.report.cannot"),
            "/staff/statistics",
            Some(principal),
            &body.into_string(),
        );
    }
    let ask = super::confirm::Ask {
        title: "stats.confirm.title",
        shown: maud::html! {
            (shown)
            p { (t(lang, "stats.confirm.text")) }
        },
        action: format!("/{code}/staff/statistics/publish"),
        fields: vec![("kind", &form.kind), ("year", &form.year)],
        yes: "stats.confirm.yes",
        back: (format!("/{code}/staff/statistics"), "stats.confirm.no"),
        after: withheld,
    };
    super::confirm::page(lang, principal, "/staff/statistics", ask)
}

pub async fn publish(
    State(state): State<Shared>,
    Path(code): Path<String>,
    poster: Poster,
    Form(form): Form<PublishForm>,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let principal = poster.check(lang, &form.csrf)?;
    let who = principal.clone();
    let period = period(&form.kind, &form.year)
        .ok_or_else(|| Refusal::from(away(lang, &ApiError::BAD_REQUEST)))?;
    // Only those who may publish are asked; anyone else is refused by the publishing itself.
    let asked = principal.role == Role::Statistician;
    if asked && form.confirm != "yes" {
        let p = principal.clone();
        let previewed = state
            .blocking(move |app| p.statistics(app)?.preview(period))
            .await
            .map_err(|e| Refusal::from(refused(lang, &e, &principal)))?;
        let report = serde_json::to_value(&previewed.1)
            .map_err(|_| Refusal::from(away(lang, &ApiError::INTERNAL)))?;
        return Ok(publish_confirmation(lang, &principal, &form, &report));
    }
    let shown = principal.clone();
    let published = state
        .blocking(move |app| who.statistics(app)?.publish(period))
        .await;
    Ok(match published {
        Ok(_) => Redirect::to(&format!("/{}/staff/statistics?published=yes", lang.code()))
            .into_response(),
        Err(e) if e.code == ApiError::DISCLOSURE_AUDIT_FAILED.code => staff_page(
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            &t(lang, "stats.title"),
            "/staff/statistics",
            Some(&shown),
            &format!(
                r#"<div class="error-summary" role="alert"><p>{}</p></div>"#,
                escape(&t(lang, "stats.refused"))
            ),
        ),
        Err(e) => refused(lang, &e, &principal),
    })
}

pub async fn publication(
    State(state): State<Shared>,
    Path((code, id, part)): Path<(String, i64, String)>,
    reader: Reader,
) -> Response {
    let Some(lang) = lang(&code) else {
        return not_found();
    };
    let principal = reader.principal();
    let who = principal.clone();
    let report = match part.as_str() {
        "document" => false,
        "report" | "report.json" => true,
        _ => return not_found(),
    };
    let found = state
        .blocking(move |app| who.statistics(app)?.frozen(id, report))
        .await;
    let text = match found {
        Ok(Some(text)) => text,
        Ok(None) => return not_found(),
        Err(e) => return refused(lang, &e, &principal),
    };
    if part != "report" {
        let name = format!("publication-{id}-{}.json", part.trim_end_matches(".json"));
        return file(text.into_bytes(), "application/json", Some(name));
    }
    let Ok(report) = serde_json::from_str::<serde_json::Value>(&text) else {
        return away(lang, &ApiError::INTERNAL);
    };
    let code = lang.code();
    let body = maud::html! {
        p { a href={ "/" (code) "/staff/statistics" } { (t(lang, "stats.back")) } }
        h1 {
            (t(lang, &format!("stats.{}", report["report"].as_str().unwrap_or_default())))
            " " (report["period"]["start"].as_str().unwrap_or_default().get(..4).unwrap_or_default())
        }
        (super::disclosure_report::report(lang, &report))
        p { a href={ "/" (code) "/staff/statistics/publications/" (id) "/report.json" } download {
            (t(lang, "stats.report.json"))
        } }
    };
    staff_page(
        lang,
        StatusCode::OK,
        &t(lang, "stats.report.title"),
        "/staff/statistics",
        Some(&principal),
        &body.into_string(),
    )
}
