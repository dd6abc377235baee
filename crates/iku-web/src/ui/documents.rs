//! A case's documents on the client page: the files attached (kind, the name it came with,
//! type, size, who attached it and when; each a link that downloads it, on record), and the
//! form that attaches one. A file is checked from its content by the application layer; a
//! file refused comes back as the page with what was wrong beside the file field, and the
//! kind chosen kept. A file is sent back under a name of its kind and id, never its own.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use iku_app::access::ListedDocument;
use iku_domain::codes::Lang;
use iku_domain::documents::{DocumentKind, download_name};
use iku_domain::ids::PersonId;
use maud::{Markup, html};

use super::case::{self, Said};
use super::staff::{Poster, Reader, away, date_time};
use super::{Refusal, language, not_found, t};
use crate::state::Shared;

/// What a document form sent back: the kind chosen and what was wrong (a key).
pub(super) struct DocumentTyped {
    pub kind: String,
    pub mistake: &'static str,
}

/// A file's size as the language writes it.
fn size(lang: Lang, bytes: u64) -> String {
    let (value, unit) = if bytes >= 1_000_000 {
        (bytes as f64 / 1_000_000.0, "MB")
    } else {
        ((bytes as f64 / 1_000.0).max(0.1), "kB")
    };
    let text = format!("{value:.1}");
    match lang {
        Lang::En => format!("{text} {unit}"),
        Lang::Fi | Lang::Sv => format!("{} {unit}", text.replace('.', ",")),
    }
}

/// The documents section of the client page.
pub(super) fn section(
    lang: Lang,
    person: &PersonId,
    documents: &[ListedDocument],
    csrf: &str,
    saved: bool,
    typed: Option<&DocumentTyped>,
) -> Markup {
    let code = lang.code();
    let base = format!("/{code}/staff/cases/{}/documents", person.as_str());
    let kind = typed.map_or("", |d| d.kind.as_str());
    let mistake = typed.map(|d| d.mistake);
    html! {
        section id="documents" aria-labelledby="documents-title" {
            h2 id="documents-title" { (t(lang, "document.title")) }
            @if saved {
                p class="notice" role="status" { (t(lang, "document.saved")) }
            }
            (table(lang, person, documents))
            details open[typed.is_some()] {
                summary { (t(lang, "document.new")) }
                form method="post" action=(base) enctype="multipart/form-data" novalidate {
                    input type="hidden" name="csrf" value=(csrf);
                    label for="document-kind" { (t(lang, "document.kind")) }
                    select id="document-kind" name="kind" {
                        @for k in DocumentKind::ALL {
                            option value=(k.name()) selected[k.name() == kind] {
                                (t(lang, &format!("document.kind.{}", k.name())))
                            }
                        }
                    }
                    label for="document-file" { (t(lang, "document.file")) }
                    p class="hint" id="document-file-hint" { (t(lang, "document.file.hint")) }
                    @if let Some(key) = mistake {
                        p class="error-message" id="document-file-error" { (t(lang, key)) }
                    }
                    input type="file" id="document-file" name="file"
                        accept=".pdf,.png,.jpg,.jpeg,.docx,.xlsx,.pptx,.odt,.ods,.odp"
                        aria-describedby={ "document-file-hint" @if mistake.is_some() { " document-file-error" } }
                        aria-invalid=[mistake.map(|_| "true")];
                    button type="submit" { (t(lang, "document.attach")) }
                }
            }
        }
    }
}

/// The documents attached to a case, oldest first, each a link that downloads it (as the
/// client page and the history list them).
pub(super) fn table(lang: Lang, person: &PersonId, documents: &[ListedDocument]) -> Markup {
    let base = format!("/{}/staff/cases/{}/documents", lang.code(), person.as_str());
    html! {
    @if documents.is_empty() {
            p { (t(lang, "document.none")) }
        } @else {
            table {
                thead { tr {
                    th scope="col" { (t(lang, "document.kind")) }
                    th scope="col" { (t(lang, "document.file")) }
                    th scope="col" { (t(lang, "document.size")) }
                    th scope="col" { (t(lang, "document.added")) }
                } }
                tbody {
                    @for (info, name) in documents {
                        tr {
                            td { (t(lang, &format!("document.kind.{}", info.kind.name()))) }
                            td {
                                @match name {
                                    Some(name) => {
                                        a href={ (base) "/" (info.id) } download {
                                            @if name.expose().is_empty() {
                                                (download_name(info))
                                            } @else {
                                                (name.expose())
                                            }
                                        }
                                        " (" (info.media.extension().to_uppercase()) ")"
                                    }
                                    None => em { (t(lang, "document.erased")) }
                                }
                            }
                            td { (size(lang, info.size)) }
                            td { (date_time(lang, info.added_at)) " · " (info.added_by.as_str()) }
                        }
                    }
                }
            }
        }
    }
}

/// What the form sent: its token, the kind, the file's name and the file.
#[derive(Default)]
struct Sent {
    csrf: String,
    kind: String,
    name: String,
    file: Vec<u8>,
}

/// Reads the form's parts (the body is already read whole within the server's limits).
async fn sent(mut form: Multipart) -> Result<Sent, axum::extract::multipart::MultipartError> {
    let mut sent = Sent::default();
    while let Some(field) = form.next_field().await? {
        match field.name() {
            Some("csrf") => sent.csrf = field.text().await?,
            Some("kind") => sent.kind = field.text().await?,
            Some("file") => {
                sent.name = field.file_name().unwrap_or_default().to_owned();
                sent.file = field.bytes().await?.to_vec();
            }
            _ => {}
        }
    }
    Ok(sent)
}

/// `POST /{lang}/staff/cases/{person}/documents`: attaches a file.
pub async fn upload(
    State(state): State<Shared>,
    Path((code, person)): Path<(String, String)>,
    poster: Poster,
    form: Multipart,
) -> Result<Response, Refusal> {
    let lang = language(&code)?;
    let person = PersonId::parse(&person).map_err(|_| Refusal::from(not_found()))?;
    let Ok(sent) = sent(form).await else {
        let refused = crate::error::ApiError::BAD_REQUEST;
        return Err(away(lang, &refused).into());
    };
    let principal = poster.check(lang, &sent.csrf)?;
    let Some(kind) = DocumentKind::parse(&sent.kind) else {
        let refused = crate::error::ApiError::BAD_REQUEST;
        return Err(away(lang, &refused).into());
    };
    let mistake = if sent.file.is_empty() && sent.name.is_empty() {
        // No file was chosen at all.
        Err(("document.file.missing", StatusCode::UNPROCESSABLE_ENTITY))
    } else {
        let (who, whom) = (principal.clone(), person.clone());
        let Sent { name, file, .. } = sent;
        let done = state
            .blocking(move |app| who.open_case(app, &whom)?.add_document(kind, &name, &file))
            .await;
        match done {
            Ok(_) => Ok(()),
            Err(e) => match e.code {
                "file_empty" => Err(("document.file.empty", e.status)),
                "file_too_large" => Err(("document.file.too_large", e.status)),
                "file_type" => Err(("document.file.type", e.status)),
                _ => return Ok(away(lang, &e)),
            },
        }
    };
    match mistake {
        Ok(()) => {
            let saved = format!(
                "/{}/staff/cases/{}?saved=document#documents",
                lang.code(),
                person.as_str()
            );
            Ok(Redirect::to(&saved).into_response())
        }
        Err((mistake, status)) => {
            let typed = DocumentTyped {
                kind: kind.name().to_owned(),
                mistake,
            };
            let said_there = t(lang, mistake);
            let said = Said {
                document_typed: Some(&typed),
                mistake_at: Some(("document-file", &said_there)),
                ..Said::default()
            };
            Ok(case::page(&state, lang, principal, person, status, &said).await)
        }
    }
}

/// `GET /{lang}/staff/cases/{person}/documents/{id}`: the file, once its read is on record.
pub async fn download(
    State(state): State<Shared>,
    Path((code, person, id)): Path<(String, String, String)>,
    reader: Reader,
) -> Response {
    let (Some(lang), Ok(person)) = (super::lang(&code), PersonId::parse(&person)) else {
        return not_found();
    };
    let principal = reader.principal();
    let read = state
        .audited(move |app| principal.open_case(app, &person)?.document(&id))
        .await;
    match read {
        Ok(Some(document)) => file(document),
        Ok(None) => not_found(),
        Err(e) => away(lang, &e),
    }
}

/// A document's file as sent back: its type, a name of its kind and id, never cached.
pub(super) fn file(document: iku_domain::documents::Document) -> Response {
    let disposition = format!("attachment; filename=\"{}\"", download_name(&document.info));
    let mut response = (StatusCode::OK, document.content).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(document.info.media.mime()),
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    // A client's file is kept by no cache, and never read as anything but its type.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_as_the_language_writes_numbers() {
        assert_eq!(size(Lang::Fi, 1_234_567), "1,2 MB");
        assert_eq!(size(Lang::En, 1_234_567), "1.2 MB");
        assert_eq!(size(Lang::Sv, 20_000_000), "20,0 MB");
        assert_eq!(size(Lang::En, 512), "0.5 kB");
        assert_eq!(size(Lang::En, 3), "0.1 kB");
    }
}
