//! A case's documents on the client page: a file attached comes back byte for byte, on
//! record both ways, sealed at rest and never named in a log or a download's name; a file
//! refused (none, empty, too large, of a type not taken) stores nothing and says why beside
//! the file field in the user's language, the kind chosen kept; only those who see the case
//! see its documents.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use tower::ServiceExt;

use super::access::{Login, TestApp, hidden};

const NAME: &str = "Zyxwa Qwertyson lausunto.pdf";
/// A file as chosen: its name and content.
type File<'a> = (&'a str, &'a [u8]);

const BOUNDARY: &str = "----iku-test-boundary-7MA4YWxkTrZu0gW";

/// A PDF whose text names the person.
fn pdf(size: usize) -> Vec<u8> {
    let mut file = b"%PDF-1.7\n(Zyxwa Qwertyson, police statement)\n".to_vec();
    let mut n: u32 = 11;
    while file.len() < size {
        n = n.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        file.push((n >> 16) as u8);
    }
    file
}

/// The form as a browser sends it: the token, the kind and the file (None: none chosen).
pub(super) fn multipart(csrf: &str, kind: &str, file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("kind", kind)] {
        body.extend(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .bytes(),
        );
    }
    let (filename, content) = file.unwrap_or(("", b""));
    body.extend(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .bytes(),
    );
    body.extend_from_slice(content);
    body.extend(format!("\r\n--{BOUNDARY}--\r\n").bytes());
    body
}

/// A request of the test's own: (status, headers, body).
pub(super) async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    cookie: &str,
    body: Option<Vec<u8>>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::COOKIE, format!("iku_session={cookie}"));
    let request = match body {
        Some(body) => request
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(body)),
        None => request.body(Body::empty()),
    }
    .unwrap_or_else(|e| panic!("{e}"));
    let response = app
        .router()
        .oneshot(request)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, headers) = (response.status(), response.headers().clone());
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap_or_default();
    (status, headers, bytes.to_vec())
}

async fn upload(
    app: &TestApp,
    who: &Login,
    path: &str,
    csrf: &str,
    kind: &str,
    file: Option<(&str, &[u8])>,
) -> (StatusCode, Option<String>, String) {
    let (status, headers, body) = send(
        app,
        Method::POST,
        path,
        &who.cookie,
        Some(multipart(csrf, kind, file)),
    )
    .await;
    let location = headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (
        status,
        location,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

fn stored_documents(app: &TestApp) -> i64 {
    rusqlite::Connection::open(app.db_path())
        .and_then(|c| c.query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0)))
        .unwrap_or(-1)
}

/// The first document link on a page.
fn document_link(html: &str) -> String {
    html.split(r#"href="/fi/staff/cases/p1/documents/"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|id| format!("/fi/staff/cases/p1/documents/{id}"))
        .unwrap_or_default()
}

/// Helsinki's caseworker signed in, and p1's client page as they see it.
async fn client_page(app: &TestApp) -> (Login, String) {
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    (helsinki, html)
}

#[tokio::test]
async fn a_caseworker_attaches_a_file_and_takes_it_back_byte_for_byte() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(
        html.contains("Asiakkaalle ei ole liitetty asiakirjoja."),
        "{html}"
    );
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    let csrf = hidden(&html, "csrf");
    let file = pdf(1_500_000);
    let (status, location, _) = upload(
        &app,
        &helsinki,
        "/fi/staff/cases/p1/documents",
        &csrf,
        "police_statement",
        Some((NAME, &file)),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        location.as_deref(),
        Some("/fi/staff/cases/p1?saved=document#documents")
    );
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1?saved=document",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(html.contains("Asiakirja liitettiin."), "{html}");
    assert!(html.contains("Poliisin lausunto") && html.contains(NAME));
    assert!(html.contains("1,5 MB"), "{html}");
    let link = document_link(&html);
    assert!(!link.is_empty(), "{html}");
    // The file itself, under a name of its kind and id, never cached.
    let (status, headers, body) = send(&app, Method::GET, &link, &helsinki.cookie, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body == file, "the file came back changed");
    let header = |name| {
        headers
            .get(name)
            .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(header(header::CONTENT_TYPE), "application/pdf");
    let id = link.rsplit('/').next().unwrap_or_default();
    assert_eq!(
        header(header::CONTENT_DISPOSITION),
        format!("attachment; filename=\"police_statement-{id}.pdf\"")
    );
    assert_eq!(header(header::CACHE_CONTROL), "no-store");
    // Both ways on record, by the person's id and the document's.
    let actions = app.audit_actions();
    for action in ["document.add", "document.read"] {
        assert!(
            actions
                .iter()
                .any(|(actor, a, record, _)| actor == "cw.helsinki"
                    && a == action
                    && record.starts_with("p1 ")
                    && record.contains(id)),
            "{action}: {actions:?}"
        );
    }
    // The history lists it with who attached it.
    let (_, _, _, history) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1/history",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert!(
        history.contains(NAME) && history.contains("cw.helsinki") && history.contains(&link),
        "{history}"
    );
    // Sealed at rest; named in no log.
    let mut raw = std::fs::read(app.db_path()).unwrap_or_default();
    raw.extend(std::fs::read(app.db_path().with_extension("db-wal")).unwrap_or_default());
    let raw = String::from_utf8_lossy(&raw);
    assert!(!raw.contains("Qwertyson"));
    assert!(!app.logged().contains("Qwertyson"));
}

#[tokio::test]
async fn a_file_refused_stores_nothing_and_says_why_beside_the_field() {
    let app = TestApp::new();
    let (helsinki, html) = client_page(&app).await;
    let csrf = hidden(&html, "csrf");
    let path = "/fi/staff/cases/p1/documents";
    let mut large = pdf(20_000_001);
    let cases: [(Option<File>, StatusCode, &str); 4] = [
        (
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Valitse liitettävä tiedosto.",
        ),
        (
            Some(("tyhja.pdf", b"")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tiedosto on tyhjä.",
        ),
        (
            Some(("ohjelma.pdf", b"MZ\x90\0\x03 not a pdf at all")),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Tiedosto ei ole PDF",
        ),
        (
            Some(("iso.pdf", &large)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "Tiedosto on yli 20 Mt.",
        ),
    ];
    for (file, expected, said) in cases {
        let (status, _, html) = upload(&app, &helsinki, path, &csrf, "medical_report", file).await;
        assert_eq!(status, expected, "{said}");
        assert!(
            html.contains(&format!(
                r#"<p class="error-message" id="document-file-error">{said}"#
            )),
            "{said}: {html}"
        );
        assert!(html.contains(r#"aria-invalid="true""#));
        // The kind chosen is kept.
        assert!(
            html.contains(r#"<option value="medical_report" selected>"#),
            "{html}"
        );
    }
    assert_eq!(stored_documents(&app), 0);
    // In Swedish, in Swedish.
    let (status, _, html) = upload(
        &app,
        &helsinki,
        "/sv/staff/cases/p1/documents",
        &csrf,
        "other",
        Some(("tom.pdf", b"")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Filen är tom."), "{html}");
    // A body beyond what the server reads at all is refused in words before any of it is
    // kept.
    large.resize(25 << 20, b' ');
    let (status, _, html) = upload(
        &app,
        &helsinki,
        path,
        &csrf,
        "other",
        Some(("valtava.pdf", &large)),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        html.contains("suurempi kuin palvelin ottaa vastaan"),
        "{html}"
    );
    // Without the session's token, nothing.
    let (status, _, _) = upload(
        &app,
        &helsinki,
        path,
        "not-the-token",
        "other",
        Some(("ok.pdf", &pdf(100))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stored_documents(&app), 0);
    assert!(
        !app.audit_actions()
            .iter()
            .any(|(_, action, _, _)| action == "document.add")
    );
}

#[tokio::test]
async fn documents_are_seen_only_by_those_who_see_the_case() {
    let app = TestApp::new();
    let (helsinki, html) = client_page(&app).await;
    let csrf = hidden(&html, "csrf");
    let (status, _, _) = upload(
        &app,
        &helsinki,
        "/fi/staff/cases/p1/documents",
        &csrf,
        "consent",
        Some((NAME, &pdf(2_000))),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/fi/staff/cases/p1",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    let link = document_link(&html);
    let id = link.rsplit('/').next().unwrap_or_default().to_owned();
    // Another office's caseworker: refused, on record.
    let tampere = app.login("cw.tampere").await;
    let (status, _, body) = send(&app, Method::GET, &link, &tampere.cookie, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!String::from_utf8_lossy(&body).contains("Qwertyson"));
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, _, _)| actor == "cw.tampere" && action == "case.refused")
    );
    // Through another case the caseworker sees, the document is not found.
    let other = format!("/fi/staff/cases/p2/documents/{id}");
    let (status, _, _) = send(&app, Method::GET, &other, &helsinki.cookie, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Nor can a file be attached to a case out of scope.
    let (_, token) = app.page_and_token("/fi/staff/", &tampere.cookie).await;
    let (status, _, _) = upload(
        &app,
        &tampere,
        "/fi/staff/cases/p1/documents",
        &token,
        "other",
        Some(("x.pdf", &pdf(100))),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stored_documents(&app), 1);
}
