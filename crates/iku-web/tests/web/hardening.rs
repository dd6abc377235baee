//! What probing the running server found, each kept as a test: personal data in the audit
//! log, ...

use axum::http::{Method, StatusCode};
use serde_json::json;

use super::access::{SECRETS, TestApp};
use super::support::PostgresDb;

/// The raw database file and its write-ahead log, as text.
fn raw_database(app: &TestApp) -> String {
    let mut raw = std::fs::read(app.db_path()).unwrap_or_default();
    let wal = app.db_path().with_extension("db-wal");
    raw.extend(std::fs::read(wal).unwrap_or_default());
    String::from_utf8_lossy(&raw).into_owned()
}

#[tokio::test]
async fn a_break_the_glass_reason_is_sealed_auditors_see_one_was_given_and_directors_read_it() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    // A reason that names someone, as a hurried caseworker would write it.
    let reason = format!("{} called about {}", SECRETS[4], SECRETS[5]);
    let opened = app
        .call(
            Method::POST,
            "/api/cases/p3/break-the-glass",
            Some(&helsinki),
            Some(json!({ "reason": reason })),
        )
        .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    // Not in the database file: the reason's words nowhere, though the record's fields are
    // sealed too (so a name is found in neither).
    let raw = raw_database(&app);
    assert!(
        !raw.contains("called about"),
        "the reason is stored in plain text"
    );
    let auditor = app.login("auditor").await;
    let (_, _, _, html) = app
        .page(Method::GET, "/en/staff/audit", Some(&auditor.cookie), None)
        .await;
    assert!(html.contains("A reason was given (sealed"), "{html}");
    assert!(!html.contains("called about"));
    let director = app.login("director").await;
    let (_, _, _, html) = app
        .page(Method::GET, "/en/staff/audit", Some(&director.cookie), None)
        .await;
    assert!(html.contains("called about"), "{html}");
}

const STORY: [(&str, &str); 6] = [
    ("who", "victim_self"),
    ("name", "Marja Esimerkki-Tapaus"),
    ("phone", "040 765 4321"),
    ("what", "Työnantaja otti passini eikä maksa palkkaa."),
    ("consent", "yes"),
    ("step", "send"),
];

/// Everything typed is in the page that came back, and so is the advice line to call.
fn keeps_the_story(html: &str) {
    for needle in [
        r#"value="Marja Esimerkki-Tapaus""#,
        r#"value="040 765 4321""#,
        "Työnantaja otti passini eikä maksa palkkaa.</textarea>",
        r#"<option value="victim_self" selected>"#,
        r#"id="consent" name="consent" value="yes" checked"#,
        r#"href="tel:+358295463177""#,
    ] {
        assert!(html.contains(needle), "{needle} is not in {html}");
    }
}

#[tokio::test]
async fn a_limited_send_comes_back_with_everything_typed_and_when_to_send_again() {
    let app = TestApp::new();
    let from = Some(std::net::SocketAddr::from(([198, 51, 100, 4], 5555)));
    // Mistakes do not count towards the limit.
    for _ in 0..6 {
        let (status, _, _) = app
            .post_form_from(from, "/fi/referral", &[("who", "victim_self")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    for _ in 0..5 {
        let (status, _, html) = app.post_form_from(from, "/fi/referral", &STORY).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    }
    let (status, _, html) = app.post_form_from(from, "/fi/referral", &STORY).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    keeps_the_story(&html);
    assert!(html.contains("minuutin kuluttua"), "{html}");
    // Another address is not held back.
    let other = Some(std::net::SocketAddr::from(([198, 51, 100, 5], 5555)));
    let (status, _, _) = app.post_form_from(other, "/fi/referral", &STORY).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_send_the_server_cannot_store_comes_back_with_everything_typed() {
    let app = TestApp::new();
    // The database is gone (and cannot be opened again: a directory in its place).
    std::fs::remove_file(app.db_path()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(app.db_path()).unwrap_or_else(|e| panic!("{e}"));
    let (status, _, html) = app.post_form("/en/referral", &STORY).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    keeps_the_story(&html);
    assert!(
        html.contains("Sending did not work. What you wrote is kept below"),
        "{html}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_postgresql_connection_costs_no_referral_and_no_request() {
    let db = tokio::task::spawn_blocking(PostgresDb::new)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = db.url();
    let (keys, _) = iku_storage::Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
    let audit_key = iku_storage::audit::AuditKey::parse(&"cd".repeat(32), "test")
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::task::spawn_blocking({
        let url = url.clone();
        move || iku_storage::open(&url).map(drop)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
    let router = iku_web::router(iku_web::ServerConfig::new(url.clone(), keys, audit_key));
    let send = |path: &'static str, form: String| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let request = axum::http::Request::builder()
                .method(Method::POST)
                .uri(path)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(axum::body::Body::from(form))
                .unwrap_or_else(|e| panic!("{e}"));
            router
                .oneshot(request)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .status()
        }
    };
    let story = "who=victim_self&phone=040+765+4321&consent=yes&step=send".to_owned();
    assert_eq!(
        send("/fi/referral", story.clone()).await,
        StatusCode::SEE_OTHER
    );
    // A login through the pool, so that a pooled connection exists too.
    let login = r#"{"username":"nobody","password":"wrong"}"#.to_owned();
    let api_login = |body: String| {
        let router = router.clone();
        async move {
            use tower::ServiceExt;
            let request = axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/login")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap_or_else(|e| panic!("{e}"));
            router
                .oneshot(request)
                .await
                .unwrap_or_else(|e| panic!("{e}"))
                .status()
        }
    };
    assert_eq!(api_login(login.clone()).await, StatusCode::UNAUTHORIZED);
    let dropped = tokio::task::spawn_blocking(move || db.drop_connections_and_keep())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        dropped.0 >= 2,
        "the writer's and the pool's connections: {}",
        dropped.0
    );
    let db = dropped.1;
    // The next referral and the next pooled request work, on new connections.
    assert_eq!(send("/fi/referral", story).await, StatusCode::SEE_OTHER);
    assert_eq!(api_login(login).await, StatusCode::UNAUTHORIZED);
    // The server's pooled connections close off the runtime (their client blocks).
    tokio::task::spawn_blocking(move || drop(router))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let applications = tokio::task::spawn_blocking(move || {
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let n = store.count().unwrap_or_default();
        drop(db);
        n
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        applications, 4,
        "two referrals, each an application and details"
    );
}

impl PostgresDb {
    /// `drop_connections`, handing the database back (for a blocking thread).
    fn drop_connections_and_keep(self) -> (u64, Self) {
        (self.drop_connections(), self)
    }
}

#[tokio::test]
async fn a_referral_whose_hidden_field_was_filled_is_kept_and_flagged_for_a_person_to_check() {
    let app = TestApp::new();
    let (_, _, _, form) = app.page(Method::GET, "/en/referral", None, None).await;
    // The trap is a field no autofill knows: not named or labelled like a website, an
    // address, a name.
    let trap = form
        .split(r#"<div class="trap""#)
        .nth(1)
        .and_then(|rest| rest.split("</div>").next())
        .unwrap_or_default();
    assert!(trap.contains(r#"autocomplete="off""#), "{trap}");
    for known in [
        "website",
        "url",
        "email",
        "name=\"name",
        "address",
        "company",
    ] {
        assert!(!trap.contains(&format!("name=\"{known}")), "{trap}");
    }
    let mut story = STORY.to_vec();
    story.push(("kx7", "https://example.invalid"));
    let (status, location, _) = app.post_form("/en/referral", &story).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.is_some_and(|l| l.ends_with("/referral/done")));
    let stored = app.persons().into_iter().find(|p| {
        let phone = p.details.personal.phone.as_ref();
        phone.is_some_and(|phone| phone.expose() == "040 765 4321")
    });
    let person = stored
        .map(|p| p.id)
        .unwrap_or_else(|| panic!("the referral was dropped"));
    let director = app.login("director").await;
    let (_, _, _, inbox) = app
        .page(Method::GET, "/en/staff/", Some(&director.cookie), None)
        .await;
    let row = inbox
        .split("<tr>")
        .find(|row| row.contains(&format!("/cases/{}\"", person.as_str())))
        .unwrap_or_else(|| panic!("not in the inbox: {inbox}"));
    assert!(row.contains("hidden field was filled in"), "{row}");
    // Referrals without it are not flagged.
    assert_eq!(inbox.matches("hidden field was filled in").count(), 1);
}

#[tokio::test]
async fn events_before_the_system_began_and_implausible_birth_years_are_refused() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    for date in ["0000-01-01", "1700-01-01", "2005-12-31"] {
        let answer = app
            .call(
                Method::POST,
                "/api/applications",
                Some(&helsinki),
                Some(json!({"date": date, "referrer": "police", "consent": true})),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{date}");
        assert!(answer.text.contains("2006"), "{}", answer.text);
    }
    let old = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(json!({"event": "person_details", "date": "2026-04-01", "birth_year": 1800})),
        )
        .await;
    assert_eq!(old.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", old.text);
    assert!(old.text.contains("birth_year"), "{}", old.text);
    assert_eq!(app.persons().len(), 3, "nothing stored");
}

/// Reads what the server sends until it closes the connection or `within` passes: (the
/// text, whether it closed).
fn read_until_closed(
    stream: &mut std::net::TcpStream,
    within: std::time::Duration,
) -> (String, bool) {
    use std::io::Read;
    let started = std::time::Instant::now();
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    while started.elapsed() < within {
        let left = within
            .saturating_sub(started.elapsed())
            .max(std::time::Duration::from_millis(10));
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return (String::from_utf8_lossy(&got).into_owned(), true);
            }
            Err(_) => {}
        }
    }
    (String::from_utf8_lossy(&got).into_owned(), false)
}

#[test]
fn slow_and_idle_clients_are_cut_off_and_connections_are_capped() {
    use std::io::Write;
    use std::time::Duration;
    let app = TestApp::new();
    let addr = app.listen_with(|mut c| {
        c.header_read_within = Duration::from_secs(1);
        c.body_limits.read_within = Duration::from_secs(1);
        c.max_connections = 3;
        c
    });
    let connect = || std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    let patience = Duration::from_secs(5);
    // Idle: nothing sent at all.
    let mut idle = connect();
    assert!(
        read_until_closed(&mut idle, patience).1,
        "an idle connection stays open"
    );
    // Headers begun and never finished.
    let mut partial = connect();
    let _ = partial.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n");
    assert!(
        read_until_closed(&mut partial, patience).1,
        "partial headers stay open"
    );
    // A body announced and never sent whole.
    let mut slow_body = connect();
    let _ = slow_body.write_all(
        b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"user",
    );
    let (answer, closed) = read_until_closed(&mut slow_body, patience);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"too_slow""#), "{answer}");
    assert!(closed, "the connection of a slow body stays open");
    // A kept-alive connection that goes quiet after a request is closed too.
    let mut kept = connect();
    let _ = kept.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    let (answer, closed) = read_until_closed(&mut kept, patience);
    assert!(answer.starts_with("HTTP/1.1 200") && closed, "{answer}");

    // At most three connections are served at once: a fourth waits until one closes.
    let mut held: Vec<std::net::TcpStream> = (0..3).map(|_| connect()).collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut fourth = connect();
    let _ = fourth.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let (early, _) = read_until_closed(&mut fourth, Duration::from_millis(500));
    assert!(early.is_empty(), "served beyond the cap: {early}");
    held.truncate(2);
    drop(held);
    // The held ones are closed (by us, or by the header timeout): the fourth is served.
    let (answer, _) = read_until_closed(&mut fourth, patience);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn api_answers_are_never_cached_or_sniffed_and_every_refusal_is_json() {
    use axum::body::Body;
    use axum::http::{Request, header};
    use tower::ServiceExt;
    let app = TestApp::new();
    let director = app.login("director").await;
    let send = |request: Request<Body>| {
        let router = app.router();
        async move {
            let response = router
                .oneshot(request)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let headers = response.headers().clone();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
            (headers, body)
        }
    };
    let record = Request::get("/api/cases/p1")
        .header(header::COOKIE, format!("iku_session={}", director.cookie))
        .body(Body::empty())
        .unwrap_or_default();
    let (headers, body) = send(record).await;
    assert!(body["details"]["personal"]["name"].is_string(), "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let cases: [(&str, Body, &str, &str); 3] = [
        (
            "application/json",
            Body::from("{\"username\": "),
            "bad_request",
            "400",
        ),
        (
            "application/json",
            Body::from(format!("{{\"username\":\"{}\"}}", "x".repeat(3 << 20))),
            "too_large",
            "413",
        ),
        (
            "text/plain",
            Body::from("hello"),
            "unsupported_media_type",
            "415",
        ),
    ];
    for (content_type, body, code, status) in cases {
        let request = Request::post("/api/login")
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .unwrap_or_default();
        let response = app
            .router()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_str(), status);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!(answer["code"], code, "{}", String::from_utf8_lossy(&bytes));
        assert!(answer["message"].is_string());
    }
}

#[tokio::test]
async fn every_field_is_bounded_text_and_cases_go_only_to_offices_where_caseworkers_work() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let before = app.store().count().unwrap_or_default();
    for (value, what) in [
        ("x".repeat(1_500_000), "200"),
        ("Anna\u{0}".to_owned(), "control characters"),
        ("Anna \u{1b}[2J".to_owned(), "control characters"),
        ("Anna \u{202e}nimeN".to_owned(), "control characters"),
    ] {
        let answer = app
            .call(
                Method::POST,
                "/api/cases/p1/events",
                Some(&helsinki),
                Some(json!({"event": "person_details", "date": "2026-04-01", "name": value})),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            answer.text
        );
        let detail = answer.body["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("`name`") && detail.contains(what),
            "{detail}"
        );
    }
    assert_eq!(
        app.store().count().unwrap_or_default(),
        before,
        "nothing stored"
    );
    // The public form says so beside the field, and keeps the rest.
    let (status, _, html) = app
        .post_form(
            "/en/referral",
            &[
                ("who", "victim_self"),
                ("name", "Anna \u{202e}nimeN"),
                ("phone", "040 765 4321"),
                ("consent", "yes"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        html.contains(r#"id="name-error""#) && html.contains("not text"),
        "{html}"
    );
    assert!(html.contains(r#"value="040 765 4321""#));

    let director = app.login("director").await;
    let assign = |body: serde_json::Value| {
        let (app, director) = (&app, director.clone());
        async move {
            app.call(
                Method::PUT,
                "/api/cases/p1/assignment",
                Some(&director),
                Some(body),
            )
            .await
        }
    };
    let nowhere = assign(json!({"office": "atlantis"})).await;
    assert_eq!(nowhere.body["code"], "unknown_office", "{}", nowhere.text);
    let not_a_caseworker = assign(json!({"office": "tampere", "assignee": "auditor"})).await;
    assert_eq!(not_a_caseworker.body["code"], "unknown_assignee");
    let office = app
        .store()
        .case_assignment(&iku_domain::ids::PersonId::parse("p1").unwrap_or_else(|e| panic!("{e}")))
        .ok()
        .flatten()
        .map(|a| a.office);
    assert_eq!(office.as_deref(), Some("helsinki"), "unchanged");
    let moved = assign(json!({"office": "tampere", "assignee": "cw.tampere"})).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.text);
    let intake = app
        .call(
            Method::POST,
            "/api/applications",
            Some(&director),
            Some(json!({"date": "2026-06-01", "referrer": "police", "consent": true, "office": "atlantis"})),
        )
        .await;
    assert_eq!(intake.body["code"], "unknown_office");
    assert_eq!(app.persons().len(), 3, "no application stored");
}

#[tokio::test]
async fn a_session_ends_at_its_lifetime_however_busy_and_access_is_checked_before_input() {
    let app = TestApp::with(|mut c| {
        c.session_lifetime = 1_500_000;
        c
    });
    let helsinki = app.login("cw.helsinki").await;
    // Busy all along: every request well within the idle timeout.
    for _ in 0..3 {
        let me = app
            .call(Method::GET, "/api/session", Some(&helsinki), None)
            .await;
        assert_eq!(me.status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let late = app
        .call(Method::GET, "/api/session", Some(&helsinki), None)
        .await;
    assert_eq!(late.status, StatusCode::UNAUTHORIZED, "{}", late.text);

    // Bad input for a case out of scope is refused as out of scope: nothing tells whether
    // the case exists, or what was wrong.
    let again = app.login("cw.tampere").await;
    for path in ["/api/cases/p3/events", "/api/cases/nobody/events"] {
        let answer = app
            .call(
                Method::POST,
                path,
                Some(&again),
                Some(json!({"event": "assistance_measure", "date": "2026-10-07", "measure": "massage"})),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{path}: {}",
            answer.text
        );
        assert!(answer.body["detail"].is_null(), "{}", answer.text);
    }
}
