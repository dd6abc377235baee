//! Access, end to end through the router: logins, sessions, CSRF, and who may see what.
//! One test app per test (`TestApp`): a SQLite register of three persons with names and
//! identity codes no one else has, an account of every role, and cases in three offices.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use iku_app::auth::totp::{TotpSecret, code};
use iku_app::log::Log;
use iku_domain::Timestamp;
use iku_domain::access::{Role, Username};
use iku_domain::ids::PersonId;
use iku_domain::interchange::ParseContext;
use iku_storage::access::CaseAssignment;
use iku_storage::audit::AuditKey;
use iku_storage::crypto::totp_aad;
use iku_storage::import::{Silent, read_lines};
use iku_storage::{Account, Keyring, Store};
use iku_web::{CSRF_HEADER, ServerConfig, router};
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// Values that must never leave the server except in a case's record to those allowed.
pub(crate) const SECRETS: [&str; 6] = [
    "Zyxwa Qwertyson",
    "010190-913X",
    "Vlatka Brnovich",
    "230285-27AK",
    "Oona Pkkrainen",
    "121212-1212",
];

fn register() -> String {
    let person = |p: &str, name: &str, code: &str, day: u8| {
        [
            json!({"id": format!("{p}-app"), "event": "application_received", "date": format!("2026-03-{day:02}"),
                   "recorded_at": format!("2026-03-{day:02}T08:00:00Z"), "application": format!("{p}-a"),
                   "person": p, "referrer": "police", "consent": true}),
            json!({"id": format!("{p}-det"), "event": "person_details", "date": format!("2026-03-{day:02}"),
                   "recorded_at": format!("2026-03-{day:02}T08:01:00Z"), "person": p, "gender": "female",
                   "birth_year": 1990, "name": name, "personal_identity_code": code}),
            json!({"id": format!("{p}-dec"), "event": "application_decided", "date": format!("2026-03-{:02}", day + 5),
                   "recorded_at": format!("2026-03-{:02}T08:00:00Z", day + 5), "application": format!("{p}-a"),
                   "outcome": "admitted"}),
        ]
        .map(|v| v.to_string() + "\n")
        .concat()
    };
    [
        person("p1", SECRETS[0], SECRETS[1], 1),
        person("p2", SECRETS[2], SECRETS[3], 2),
        person("p3", SECRETS[4], SECRETS[5], 3),
    ]
    .concat()
}

/// The accounts: (name, role, office).
const ACCOUNTS: [(&str, Role, Option<&str>); 8] = [
    ("cw.helsinki", Role::Caseworker, Some("helsinki")),
    ("cw.tampere", Role::Caseworker, Some("tampere")),
    ("director", Role::Director, None),
    ("statistician", Role::Statistician, None),
    ("admin", Role::Admin, None),
    ("auditor", Role::Auditor, None),
    ("newcomer", Role::Caseworker, Some("oulu")),
    ("dpo", Role::DataProtection, None),
];

pub(crate) struct TestApp {
    router: Router,
    keys_text: String,
    _dir: Arc<tempfile::TempDir>,
    db: std::path::PathBuf,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
    pub(crate) secret: TotpSecret,
    /// The cookie the last form sent by `post_form` was answered with.
    set_cookie: Arc<Mutex<Option<String>>>,
}

/// A logged-in user's cookie and CSRF token.
#[derive(Clone)]
pub(crate) struct Login {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
}

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    set_cookie: Option<String>,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Answer {
    /// A string field of the JSON answer (empty if it has none).
    pub(crate) fn field(&self, key: &str) -> String {
        self.body[key].as_str().unwrap_or_default().to_owned()
    }
}

pub(crate) fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl TestApp {
    pub(crate) fn new() -> Self {
        Self::with(|c| c)
    }

    pub(crate) fn with(adjust: impl FnOnce(ServerConfig) -> ServerConfig) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite:{}", dir.path().join("iku.db").display());
        Self::on(url, dir, adjust)
    }

    /// The test app on the database at `url` (empty), its files in `dir`. On PostgreSQL,
    /// call it where blocking is allowed.
    pub(crate) fn on(
        url: String,
        dir: tempfile::TempDir,
        adjust: impl FnOnce(ServerConfig) -> ServerConfig,
    ) -> Self {
        let db = dir.path().join("iku.db");
        let (keys, keys_text) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let ctx = ParseContext::new(
            time::Date::from_calendar_date(2026, time::Month::November, 1)
                .unwrap_or(time::Date::MIN),
            Timestamp::parse("2026-11-01T00:00:00Z").unwrap_or(Timestamp::from_micros(0)),
        );
        let lines =
            read_lines(register().as_bytes(), &ctx, &Silent).unwrap_or_else(|e| panic!("{e}"));
        store
            .import(lines, &keys, &Silent)
            .unwrap_or_else(|e| panic!("{e}"));
        let hash = iku_app::auth::password::hash(PASSWORD).unwrap_or_else(|e| panic!("{e}"));
        let secret = TotpSecret::from_bytes(b"a secret of twenty b".to_vec());
        for (name, role, office) in ACCOUNTS {
            let username = Username::parse(name).unwrap_or_else(|e| panic!("{e}"));
            let account = Account {
                username: username.clone(),
                role,
                office: office.map(str::to_owned),
                password_hash: hash.clone(),
                // The newcomer's password was set by an admin.
                must_change: name == "newcomer",
                totp_enrolled: false,
                disabled: false,
                locked_until: None,
            };
            store
                .add_account(&account, Timestamp::from_micros(0))
                .unwrap_or_else(|e| panic!("{e}"));
            if name != "newcomer" {
                let sealed = keys
                    .seal_bytes(&totp_aad(name), secret.expose())
                    .unwrap_or_else(|e| panic!("{e}"));
                store
                    .enroll_totp(&username, &sealed)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        }
        let assign = |p: &str, office: &str, assignee: Option<&str>| CaseAssignment {
            person: PersonId::parse(p).unwrap_or_else(|e| panic!("{e}")),
            office: office.into(),
            assignee: assignee.map(|a| Username::parse(a).unwrap_or_else(|e| panic!("{e}"))),
            assigned_at: Timestamp::from_micros(0),
            assigned_by: "director".into(),
        };
        // p1: Helsinki's; p2: Tampere's, assigned to a Helsinki caseworker; p3: Oulu's.
        for a in [
            assign("p1", "helsinki", None),
            assign("p2", "tampere", Some("cw.helsinki")),
            assign("p3", "oulu", None),
        ] {
            store.assign_case(&a).unwrap_or_else(|e| panic!("{e}"));
        }
        drop(store);
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let audit_key = AuditKey::parse(&"cd".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
        let mut config = ServerConfig::new(url.clone(), keys, audit_key);
        config.log = Log::to(move |line| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(line.to_owned())
        });
        TestApp {
            router: router(adjust(config)),
            keys_text,
            _dir: Arc::new(dir),
            db,
            url,
            log,
            secret,
            set_cookie: Arc::default(),
        }
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        login: Option<&Login>,
        body: Option<Value>,
    ) -> Answer {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(login) = login {
            request = request
                .header(header::COOKIE, format!("iku_session={}", login.cookie))
                .header(CSRF_HEADER, &login.csrf);
        }
        let request = match body {
            Some(body) => request
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap_or_else(|e| panic!("{e}"));
        self.send(request).await
    }

    async fn send(&self, request: Request<Body>) -> Answer {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status();
        let set_cookie = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            set_cookie,
            body,
            text,
        }
    }

    /// A new application through the API (the case goes to the office of the one who
    /// records it): its person and its application.
    pub(crate) async fn new_application(&self, login: &Login, body: Value) -> (String, String) {
        let created = self
            .call(Method::POST, "/api/applications", Some(login), Some(body))
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.text);
        (created.field("person"), created.field("application"))
    }

    /// A case's record through the API.
    pub(crate) async fn read_case(&self, login: &Login, person: &str) -> Answer {
        let path = format!("/api/cases/{person}");
        self.call(Method::GET, &path, Some(login), None).await
    }

    /// Logs in with the code of the time step `ahead` steps from now (codes of the next
    /// step are accepted too, so one account can log in twice in a test).
    pub(crate) async fn try_login(&self, name: &str, password: &str, ahead: i64) -> Answer {
        let code = code(&self.secret, unix_now() + 30 * ahead);
        self.call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"username": name, "password": password, "code": code})),
        )
        .await
    }

    /// `try_login` from the client address `from`, as the server sees it.
    pub(crate) async fn try_login_from(
        &self,
        from: std::net::SocketAddr,
        name: &str,
        password: &str,
        ahead: i64,
    ) -> Answer {
        let code = code(&self.secret, unix_now() + 30 * ahead);
        let body = json!({"username": name, "password": password, "code": code});
        let mut request = Request::builder()
            .method(Method::POST)
            .uri("/api/login")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap_or_else(|e| panic!("{e}"));
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(from));
        self.send(request).await
    }

    pub(crate) async fn login(&self, name: &str) -> Login {
        self.login_at(name, 0).await
    }

    /// `login` with the code of `ahead` steps on (a code is taken once per account and step:
    /// a second login of an account in one test needs another step's).
    pub(crate) async fn login_at(&self, name: &str, ahead: i64) -> Login {
        let answer = self.try_login(name, PASSWORD, ahead).await;
        assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.text);
        session_of(&answer)
    }

    /// A second server on the same database: a process of its own in all but name (its own
    /// register held in memory, writer, stores and session checks).
    pub(crate) fn twin(&self) -> TestApp {
        let keys = self.keys();
        let audit_key = AuditKey::parse(&"cd".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
        let mut config = ServerConfig::new(self.url.clone(), keys, audit_key);
        let sink = self.log.clone();
        config.log = Log::to(move |line| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(line.to_owned())
        });
        TestApp {
            router: router(config),
            keys_text: self.keys_text.clone(),
            _dir: self._dir.clone(),
            db: self.db.clone(),
            url: self.url.clone(),
            log: self.log.clone(),
            secret: TotpSecret::from_bytes(self.secret.expose().to_vec()),
            set_cookie: Arc::default(),
        }
    }

    /// The same server, listening on a port of its own (for clients from outside).
    pub(crate) fn listen(&self) -> std::net::SocketAddr {
        self.listen_with(|c| c)
    }

    /// `listen`, with the server's settings adjusted.
    pub(crate) fn listen_with(
        &self,
        adjust: impl FnOnce(ServerConfig) -> ServerConfig,
    ) -> std::net::SocketAddr {
        let keys = Keyring::parse(&self.keys_text, "test").unwrap_or_else(|e| panic!("{e}"));
        let audit_key = AuditKey::parse(&"cd".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
        let mut config = adjust(ServerConfig::new(self.url.clone(), keys, audit_key));
        let sink = self.log.clone();
        config.log = Log::to(move |line| {
            sink.lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(line.to_owned())
        });
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
            let any = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
            let _ = runtime.block_on(iku_web::serve(config, any, any, |b| {
                let _ = send.send(b.app);
            }));
        });
        receive
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// The application's routes, to send a request of one's own.
    pub(crate) fn router(&self) -> Router {
        self.router.clone()
    }

    /// The server's encryption keys.
    pub(crate) fn keys(&self) -> Keyring {
        Keyring::parse(&self.keys_text, "test").unwrap_or_else(|e| panic!("{e}"))
    }

    /// The SQLite database file.
    pub(crate) fn db_path(&self) -> &std::path::Path {
        &self.db
    }

    /// The database's address.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn store(&self) -> Box<dyn Store> {
        iku_storage::open(&self.url).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The audit chain's entries as stored.
    pub(crate) fn audit_entries(&self) -> Vec<iku_storage::audit::AuditEntry> {
        self.store()
            .audit_chain()
            .unwrap_or_else(|e| panic!("{e}"))
            .entries
    }

    /// The note of audit entry `seq`, opened with the server's keys.
    pub(crate) fn audit_note(&self, seq: i64) -> Option<String> {
        let keys = Keyring::parse(&self.keys_text, "test").unwrap_or_else(|e| panic!("{e}"));
        self.store()
            .audit_notes(&keys, &[seq])
            .unwrap_or_else(|e| panic!("{e}"))
            .pop()
            .flatten()
            .map(|n| n.expose().to_owned())
    }

    /// The reference of the last referral sent by `post_form` (from the cookie that takes
    /// it to the confirmation); empty if there is none.
    pub(crate) fn last_reference(&self) -> String {
        let cookie = self.set_cookie.lock().unwrap_or_else(|p| p.into_inner());
        cookie
            .as_deref()
            .and_then(|c| c.strip_prefix("iku_reference=")?.split(';').next())
            .unwrap_or_default()
            .to_owned()
    }

    /// What the server has logged.
    pub(crate) fn logged(&self) -> String {
        self.log
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .join("\n")
    }

    pub(crate) fn audit_actions(&self) -> Vec<(String, String, String, String)> {
        let chain = self.store().audit_chain().unwrap_or_else(|e| panic!("{e}"));
        chain
            .entries
            .into_iter()
            .map(|e| {
                (
                    e.entry.actor,
                    e.entry.action,
                    e.entry.record,
                    e.entry.reason,
                )
            })
            .collect()
    }
}

fn session_of(answer: &Answer) -> Login {
    let cookie = answer
        .set_cookie
        .as_deref()
        .and_then(|c| c.strip_prefix("iku_session="))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie: {:?}", answer.set_cookie))
        .to_owned();
    Login {
        cookie,
        csrf: answer.body["csrf_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    }
}

#[tokio::test]
async fn a_login_sets_a_strict_cookie_and_always_a_new_session() {
    let app = TestApp::new();
    // A session id planted before login (session fixation) is never adopted.
    let planted = Login {
        cookie: "a".repeat(64),
        csrf: String::new(),
    };
    let code = code(&app.secret, unix_now());
    let answer = app
        .call(
            Method::POST,
            "/api/login",
            Some(&planted),
            Some(json!({"username": "director", "password": PASSWORD, "code": code})),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let set = answer.set_cookie.clone().unwrap_or_default();
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(flag), "{set}");
    }
    let login = session_of(&answer);
    assert_ne!(login.cookie, planted.cookie);
    assert_eq!(login.cookie.len(), 64);
    assert_eq!(
        app.call(Method::GET, "/api/session", Some(&planted), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let me = app
        .call(Method::GET, "/api/session", Some(&login), None)
        .await;
    assert_eq!(me.body["username"], "director");
    // A second login gets another id; the first session stays valid until it ends.
    let again = session_of(&app.try_login("director", PASSWORD, 1).await);
    assert_ne!(again.cookie, login.cookie);
    // Only a hash of the id is stored.
    let stored = rusqlite::Connection::open(&app.db)
        .and_then(|c| {
            c.query_row("SELECT group_concat(id_hash) FROM sessions", [], |r| {
                r.get::<_, String>(0)
            })
        })
        .unwrap_or_default();
    assert!(
        !stored.contains(&login.cookie) && stored.len() >= 64,
        "{stored}"
    );
}

#[tokio::test]
async fn failures_look_the_same_and_lock_the_account() {
    let app = TestApp::new();
    let unknown = app.try_login("nobody", PASSWORD, 0).await;
    let wrong = app.try_login("cw.tampere", "wrong password", 0).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!((wrong.status, &wrong.text), (unknown.status, &unknown.text));
    for _ in 0..4 {
        app.try_login("cw.tampere", "wrong password", 0).await;
    }
    // Five in a row: locked, even with the right password and code, and it looks the same.
    let locked = app.try_login("cw.tampere", PASSWORD, 0).await;
    assert_eq!(
        (locked.status, &locked.text),
        (unknown.status, &unknown.text)
    );
    let failures = app
        .audit_actions()
        .into_iter()
        .filter(|(actor, action, _, _)| actor == "cw.tampere" && action == "login.failed")
        .count();
    assert_eq!(failures, 6);
    // Other accounts are not affected.
    app.login("cw.helsinki").await;
}

#[tokio::test]
async fn a_totp_code_is_accepted_once() {
    let app = TestApp::new();
    // One code, sent twice (the time step may turn between the two sends).
    let once = code(&app.secret, unix_now());
    let send = || {
        app.call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"username": "auditor", "password": PASSWORD, "code": once})),
        )
    };
    assert_eq!(send().await.status, StatusCode::OK);
    let replay = send().await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert_eq!(replay.body["code"], "login_failed");
    let wrong = app
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"username": "auditor", "password": PASSWORD, "code": "000000x"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // The next step's code is still good.
    assert_eq!(
        app.try_login("auditor", PASSWORD, 1).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_first_login_enrols_a_totp_secret() {
    let app = TestApp::new();
    let offer = app
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"username": "newcomer", "password": PASSWORD})),
        )
        .await;
    assert_eq!(offer.body["status"], "enrol_totp", "{}", offer.text);
    assert!(
        offer.set_cookie.is_none(),
        "no session before the first code"
    );
    let secret = base32_decode(offer.body["secret"].as_str().unwrap_or_default());
    let enrolment = offer.body["enrolment"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let code = code(&TotpSecret::from_bytes(secret), unix_now());
    let done = app
        .call(
            Method::POST,
            "/api/login/enrol",
            None,
            Some(json!({"enrolment": enrolment, "code": code})),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text);
    let login = session_of(&done);
    let me = app
        .call(Method::GET, "/api/session", Some(&login), None)
        .await;
    assert_eq!(me.body["username"], "newcomer");
    assert_eq!(me.body["must_change_password"], true);
    // The password an admin set must be replaced before anything else.
    let blocked = app
        .call(Method::GET, "/api/cases", Some(&login), None)
        .await;
    assert_eq!(blocked.body["code"], "password_change_required");
    let weak = app
        .call(
            Method::POST,
            "/api/password",
            Some(&login),
            Some(json!({"current": PASSWORD, "new": "short"})),
        )
        .await;
    assert_eq!(weak.body["code"], "weak_password");
    let wrong = app
        .call(
            Method::POST,
            "/api/password",
            Some(&login),
            Some(json!({"current": "not it", "new": "a long new passphrase"})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let changed = app
        .call(
            Method::POST,
            "/api/password",
            Some(&login),
            Some(json!({"current": PASSWORD, "new": "a long new passphrase"})),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(
        app.call(Method::GET, "/api/cases", Some(&login), None)
            .await
            .status,
        StatusCode::OK
    );
    // An enrolment is used once.
    let again = app
        .call(
            Method::POST,
            "/api/login/enrol",
            None,
            Some(json!({"enrolment": enrolment, "code": code})),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
}

fn base32_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap_or(0) as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            out.push((buffer >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    out
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token_and_logout_ends_the_session() {
    let app = TestApp::new();
    let login = app.login("director").await;
    let forged = Login {
        csrf: "not the token".into(),
        ..login.clone()
    };
    let refused = app
        .call(Method::POST, "/api/logout", Some(&forged), None)
        .await;
    assert_eq!(
        (refused.status, refused.body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("csrf"))
    );
    let assign = app
        .call(
            Method::PUT,
            "/api/cases/p1/assignment",
            Some(&forged),
            Some(json!({"office": "oulu"})),
        )
        .await;
    assert_eq!(assign.status, StatusCode::FORBIDDEN);
    let out = app
        .call(Method::POST, "/api/logout", Some(&login), None)
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.set_cookie.unwrap_or_default().contains("Max-Age=0"));
    assert_eq!(
        app.call(Method::GET, "/api/session", Some(&login), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

/// An account disabled by another process (`iku user disable`, a second server) loses its
/// sessions here within the time a session check holds.
#[tokio::test]
async fn an_account_disabled_elsewhere_is_out_within_a_check() {
    let app = TestApp::new();
    let login = app.login("director").await;
    let session = |login| app.call(Method::GET, "/api/session", Some(login), None);
    assert_eq!(session(&login).await.status, StatusCode::OK);
    let director = Username::parse("director").unwrap_or_else(|e| panic!("{e}"));
    app.store()
        .set_disabled(&director, true)
        .unwrap_or_else(|e| panic!("{e}"));
    std::thread::sleep(iku_app::login::SESSION_CHECK_HOLDS);
    assert_eq!(session(&login).await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_idle_session_ends() {
    let app = TestApp::with(|mut c| {
        c.idle_timeout = 60 * 1_000_000;
        c
    });
    let login = app.login("director").await;
    assert_eq!(
        app.call(Method::GET, "/api/session", Some(&login), None)
            .await
            .status,
        StatusCode::OK
    );
    // The time passes in the database; in the server, the session's last check passes too.
    let idle_for = |seconds: i64| {
        rusqlite::Connection::open(&app.db)
            .and_then(|c| {
                c.execute(
                    "UPDATE sessions SET last_seen = last_seen - ?1",
                    [seconds * 1_000_000],
                )
            })
            .unwrap_or_else(|e| panic!("{e}"));
        std::thread::sleep(iku_app::login::SESSION_CHECK_HOLDS);
    };
    // Using the session keeps it alive: 40 idle seconds twice are never 60 in a row.
    for _ in 0..2 {
        idle_for(40);
        assert_eq!(
            app.call(Method::GET, "/api/session", Some(&login), None)
                .await
                .status,
            StatusCode::OK
        );
    }
    idle_for(120);
    assert_eq!(
        app.call(Method::GET, "/api/session", Some(&login), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn login_attempts_from_one_address_are_rate_limited() {
    let app = TestApp::new();
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(app.try_login("nobody", PASSWORD, 0).await.status);
    }
    assert!(
        statuses[..10]
            .iter()
            .all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

/// Who may call what: every route, every role, and for cases: their own office's, another
/// office's, one assigned to them, and another office's opened with a reason.
#[tokio::test]
async fn the_authorization_matrix_holds_and_leaks_nothing() {
    let app = TestApp::new();
    let roles = [
        "cw.helsinki",
        "cw.tampere",
        "director",
        "statistician",
        "admin",
        "auditor",
    ];
    let mut logins = Vec::new();
    for name in roles {
        logins.push((name, app.login(name).await));
    }
    // (method, path, body, who may: caseworker's scope is decided per case below)
    let reason = json!({"reason": "the client called the advice line at night"});
    let measure =
        json!({"event": "assistance_measure", "date": "2026-06-01", "measure": "advice_guidance"});
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/cases".into(), None),
        (Method::GET, "/api/cases/p1".into(), None),
        (Method::GET, "/api/cases/p2".into(), None),
        (Method::GET, "/api/cases/p3".into(), None),
        (
            Method::POST,
            "/api/cases/p3/break-the-glass".into(),
            Some(reason.clone()),
        ),
        (
            Method::PUT,
            "/api/cases/p3/assignment".into(),
            Some(json!({"office": "oulu"})),
        ),
        (Method::GET, "/api/reviews/annual/2026".into(), None),
        (
            Method::GET,
            "/api/reviews/annual/2026?disclosure=internal".into(),
            None,
        ),
        (Method::GET, "/api/audit".into(), None),
        (Method::GET, "/api/accounts".into(), None),
        (
            Method::POST,
            "/api/cases/p1/events".into(),
            Some(measure.clone()),
        ),
        (
            Method::POST,
            "/api/cases/p3/events".into(),
            Some(measure.clone()),
        ),
        (
            Method::POST,
            "/api/applications".into(),
            Some(
                json!({"date": "2026-06-01", "referrer": "police", "consent": true, "office": "oulu"}),
            ),
        ),
    ];
    // Expected: allowed for these (role, route) pairs; every other pair is forbidden.
    let allowed = |who: &str, method: &Method, path: &str| -> bool {
        match (who, method.as_str(), path) {
            ("cw.helsinki" | "cw.tampere" | "director", "GET", "/api/cases") => true,
            // Helsinki's own office (p1), assigned (p2); not Oulu's (p3).
            ("cw.helsinki", "GET", "/api/cases/p1" | "/api/cases/p2") => true,
            // Tampere's own office (p2) only.
            ("cw.tampere", "GET", "/api/cases/p2") => true,
            ("director", "GET", p) if p.starts_with("/api/cases/") => true,
            (_, "POST", "/api/cases/p3/break-the-glass") => {
                matches!(who, "cw.helsinki" | "cw.tampere" | "director")
            }
            ("director", "PUT", _) => true,
            ("statistician" | "director", "GET", "/api/reviews/annual/2026") => true,
            ("statistician", "GET", "/api/reviews/annual/2026?disclosure=internal") => true,
            ("auditor" | "director", "GET", "/api/audit") => true,
            ("admin", "GET", "/api/accounts") => true,
            // Writing: in scope only (Helsinki's p1), directors everywhere.
            ("cw.helsinki" | "director", "POST", "/api/cases/p1/events") => true,
            ("director", "POST", "/api/cases/p3/events") => true,
            // A director names the office; a caseworker may only record into their own.
            ("director", "POST", "/api/applications") => true,
            _ => false,
        }
    };
    let mut leaks = Vec::new();
    for (who, login) in &logins {
        for (method, path, body) in &routes {
            let before = app.audit_actions().len();
            let answer = app
                .call(method.clone(), path, Some(login), body.clone())
                .await;
            let expect = allowed(who, method, path);
            let got = answer.status == StatusCode::OK;
            assert_eq!(
                got, expect,
                "{who} {method} {path}: {} {}",
                answer.status, answer.text
            );
            if !got {
                assert_eq!(
                    answer.status,
                    StatusCode::FORBIDDEN,
                    "{who} {method} {path}"
                );
                assert_eq!(answer.body["code"], "forbidden");
                // A refused attempt at a case is on record, with the case it was at.
                let case = path
                    .strip_prefix("/api/cases/")
                    .and_then(|rest| rest.split('/').next())
                    .filter(|_| {
                        !path.ends_with("/assignment") && !path.ends_with("break-the-glass")
                    });
                if let Some(case) = case {
                    let entries = app.audit_actions();
                    assert!(
                        entries[before..].iter().any(|(actor, action, record, _)| {
                            actor == who && action == "case.refused" && record == case
                        }),
                        "{who} {method} {path}: no refusal on record in {:?}",
                        &entries[before..]
                    );
                }
                continue;
            }
            // Every allowed call is on record, and says who did it.
            let entries = app.audit_actions();
            let new: Vec<_> = entries[before..].iter().collect();
            assert!(
                new.iter().any(|(actor, _, _, _)| actor == who),
                "{who} {method} {path}: no audit entry in {new:?}"
            );
            if path.contains("break-the-glass") && who.starts_with("cw.") {
                // The reason in the user's words is a sealed note, not in the chain.
                let glass =
                    app.audit_entries().into_iter().rev().find(|e| {
                        e.entry.action == "case.break_the_glass" && e.entry.record == "p3"
                    });
                let glass = glass.unwrap_or_else(|| panic!("no break-the-glass entry: {new:?}"));
                assert!(glass.noted && glass.entry.reason.is_empty(), "{glass:?}");
                assert!(
                    app.audit_note(glass.seq)
                        .is_some_and(|n| n.contains("advice line"))
                );
            }
            // Personal values only in a case's record, to those who may read it.
            let is_record = path.starts_with("/api/cases/") && !path.ends_with("assignment");
            if !is_record {
                for secret in SECRETS {
                    if answer.text.contains(secret) {
                        leaks.push(format!("{who} {path}: {secret}"));
                    }
                }
            }
        }
    }
    assert!(leaks.is_empty(), "{leaks:?}");
    // A caseworker's record of an allowed case holds the personal fields.
    let (_, helsinki) = &logins[0];
    let record = app
        .call(Method::GET, "/api/cases/p1", Some(helsinki), None)
        .await;
    assert_eq!(record.body["details"]["personal"]["name"], SECRETS[0]);
    // A director sees the break-the-glass entries with their reasons.
    let (_, director) = &logins[2];
    let glass = app
        .call(Method::GET, "/api/audit", Some(director), None)
        .await;
    let entries = glass.body["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(!entries.is_empty());
    assert!(
        entries
            .iter()
            .all(|e| e["action"] == "case.break_the_glass")
    );
    assert!(entries.iter().any(|e| {
        e["actor"] == "cw.helsinki"
            && e["note"]
                .as_str()
                .is_some_and(|r| r.contains("advice line"))
    }));
    // An auditor sees that a reason was given, not the reason.
    let (_, auditor) = &logins[5];
    let all = app
        .call(Method::GET, "/api/audit", Some(auditor), None)
        .await;
    assert!(!all.text.contains("advice line"), "{}", all.text);
    assert!(
        all.body["entries"]
            .as_array()
            .is_some_and(|e| e.iter().any(|e| e["note"] == "sealed"))
    );
    // Breaking the glass needs a real reason.
    let (_, tampere) = &logins[1];
    let short = app
        .call(
            Method::POST,
            "/api/cases/p3/break-the-glass",
            Some(tampere),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(short.body["code"], "reason_required");
}

#[tokio::test]
async fn no_personal_value_reaches_the_log() {
    let app = TestApp::new();
    let login = app.login("cw.helsinki").await;
    // Reads, refusals, bad input, failed logins with personal values typed in as names.
    app.call(Method::GET, "/api/cases/p1", Some(&login), None)
        .await;
    app.call(Method::GET, "/api/cases/p3", Some(&login), None)
        .await;
    app.call(Method::GET, "/api/cases/010190-913X", Some(&login), None)
        .await;
    for secret in SECRETS {
        app.call(
            Method::POST,
            "/api/login",
            None,
            Some(json!({"username": secret, "password": secret})),
        )
        .await;
    }
    app.call(
        Method::POST,
        "/api/cases/p3/break-the-glass",
        Some(&login),
        Some(json!({"reason": "Zyxwa Qwertyson"})),
    )
    .await;
    // A storage failure is logged with its details: make one.
    std::fs::remove_file(&app.db).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(&app.db).unwrap_or_else(|e| panic!("{e}"));
    let failed = app
        .call(Method::GET, "/api/cases/p1", Some(&login), None)
        .await;
    assert_eq!(
        (failed.status, failed.body["code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("internal")),
        "{}",
        failed.text
    );
    let log = app.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
    assert!(log.contains("storage"), "the failure was not logged: {log}");
    for secret in SECRETS {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
}

#[tokio::test]
async fn a_caseworker_records_a_case_and_the_register_keeps_its_rules() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let tampere = app.login("cw.tampere").await;
    // A new application: the case goes to the recording caseworker's office.
    let created = app
        .call(
            Method::POST,
            "/api/applications",
            Some(&helsinki),
            Some(
                json!({"date": "2026-10-01", "referrer": "ngo", "consent": true,
                        "details": {"gender": "male", "name": "Quillon Ardhvark"}}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let person = created.field("person");
    let application = created.field("application");
    let cases = app
        .call(Method::GET, "/api/cases", Some(&helsinki), None)
        .await;
    assert!(cases.text.contains(&person), "{}", cases.text);
    let theirs = app
        .call(Method::GET, "/api/cases", Some(&tampere), None)
        .await;
    assert!(!theirs.text.contains(&person), "{}", theirs.text);
    // Admission, assessment, reflection period: each an event of the case.
    let path = format!("/api/cases/{person}/events");
    for event in [
        json!({"event": "application_decided", "date": "2026-10-05", "application": application, "outcome": "admitted"}),
        json!({"event": "exploitation_assessed", "date": "2026-10-06",
               "forms": [{"form": "forced_labour", "primary": true, "place": "finland"}]}),
        json!({"event": "reflection_period_granted", "date": "2026-10-06", "days": 60, "granted_by": "assistance_system"}),
    ] {
        let answer = app
            .call(Method::POST, &path, Some(&helsinki), Some(event))
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    }
    let record = app
        .call(
            Method::GET,
            &format!("/api/cases/{person}"),
            Some(&helsinki),
            None,
        )
        .await;
    assert_eq!(
        record.body["details"]["personal"]["name"],
        "Quillon Ardhvark"
    );
    assert_eq!(record.body["client_periods"][0]["admitted"], "2026-10-05");
    assert_eq!(
        record.body["assessment"]["forms"][0]["form"],
        "forced_labour"
    );
    assert_eq!(record.body["reflection_periods"][0]["days"], 60);
    // The register's rules hold: a second admission of the same application is refused,
    // and says why; nothing is stored.
    let again = app
        .call(
            Method::POST,
            &path,
            Some(&helsinki),
            Some(json!({"event": "application_decided", "date": "2026-10-07", "application": application, "outcome": "admitted"})),
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.text
    );
    assert_eq!(again.body["code"], "invalid_event");
    assert!(
        again.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        again.text
    );
    // An event about another case is refused, even in scope.
    let other = app
        .call(
            Method::POST,
            &path,
            Some(&helsinki),
            Some(json!({"event": "application_decided", "date": "2026-10-07", "application": "p1-a", "outcome": "rejected", "reason": "not_trafficking"})),
        )
        .await;
    assert_eq!(other.body["code"], "other_case", "{}", other.text);
    // So is a retraction or a correction of another case's event, sent to a case in scope.
    for body in [
        json!({"event": "retraction", "date": "2026-10-07", "retracts": "p1-det"}),
        json!({"event": "person_details", "date": "2026-03-02", "corrects": "p1-det", "gender": "male"}),
    ] {
        let answer = app
            .call(
                Method::POST,
                "/api/cases/p2/events",
                Some(&helsinki),
                Some(body),
            )
            .await;
        assert_eq!(answer.body["code"], "other_case", "{}", answer.text);
    }
    // Bad input names the field.
    let bad = app
        .call(
            Method::POST,
            &path,
            Some(&helsinki),
            Some(
                json!({"event": "assistance_measure", "date": "2026-10-07", "measure": "massage"}),
            ),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("measure")),
        "{}",
        bad.text
    );
    // The server sets ids and times.
    let forged = app
        .call(
            Method::POST,
            &path,
            Some(&helsinki),
            Some(json!({"event": "assistance_measure", "id": "mine", "date": "2026-10-07", "measure": "advice_guidance"})),
        )
        .await;
    assert_eq!(forged.body["code"], "invalid_event");
    // Every write is on record, by kind, without its content.
    let writes: Vec<_> = app
        .audit_actions()
        .into_iter()
        .filter(|(actor, action, _, _)| actor == "cw.helsinki" && action == "case.write")
        .map(|(_, _, record, _)| record)
        .collect();
    assert_eq!(writes.len(), 3, "{writes:?}");
    assert!(
        writes
            .iter()
            .all(|r| r.starts_with(&person) && !r.contains("Quillon"))
    );
}

/// The OpenAPI document names every route and only those, and every route answers.
#[tokio::test]
async fn the_openapi_document_and_the_routes_agree() {
    let app = TestApp::new();
    let served = app.call(Method::GET, "/api/openapi.json", None, None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.text, iku_web::OPENAPI);
    let mut documented: Vec<(String, String)> = served.body["paths"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .into_iter()
                .flatten()
                .map(move |(method, _)| (method.to_uppercase(), path.clone()))
        })
        .collect();
    documented.sort();
    let mut routes: Vec<(String, String)> = iku_web::ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    routes.sort();
    assert_eq!(documented, routes);
    for (method, path) in iku_web::ROUTES {
        let concrete = path
            .replace("{person}", "p1")
            .replace("{kind}", "annual")
            .replace("{year}", "2026");
        let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
        let body = (method != Method::GET).then(|| json!({}));
        let answer = app.call(method.clone(), &concrete, None, body).await;
        assert!(
            ![StatusCode::NOT_FOUND, StatusCode::METHOD_NOT_ALLOWED].contains(&answer.status)
                || answer.body["code"] == "not_found",
            "{method} {concrete}: {}",
            answer.status
        );
    }
}

/// Logs in over a real connection: the session cookie and CSRF token.
fn login_over_tcp(addr: std::net::SocketAddr, name: &str, secret: &TotpSecret) -> (String, String) {
    use std::io::{Read, Write};
    let body = json!({"username": name, "password": PASSWORD, "code": code(secret, unix_now())})
        .to_string();
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = response
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: iku_session="))
        .and_then(|c| c.split(';').next())
        .unwrap_or_else(|| panic!("no session: {response}"))
        .to_owned();
    let json: Value = response
        .split("\r\n\r\n")
        .nth(1)
        .and_then(|b| serde_json::from_str(b).ok())
        .unwrap_or(Value::Null);
    (
        cookie,
        json["csrf_token"].as_str().unwrap_or_default().to_owned(),
    )
}

/// schemathesis (PyPI; `.ci/run` installs it) against the running server's OpenAPI
/// document, logged in as a director: no request makes a server error.
#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_server_error() {
    let app = TestApp::new();
    let addr = app.listen();
    let (cookie, csrf) = login_over_tcp(addr, "director", &app.secret);
    let output = std::process::Command::new("schemathesis")
        .args([
            "run",
            &format!("http://{addr}/api/openapi.json"),
            "--checks",
            "not_a_server_error",
            "--phases",
            "examples,coverage,fuzzing",
            "--max-examples",
            "40",
            "--seed",
            "1",
            // The session's cookie and token are ours, not generated; and logging out would
            // end the session the rest of the run needs (logout has tests of its own).
            "--generation-with-security-parameters",
            "false",
            "--exclude-path",
            "/api/logout",
            "-H",
            &format!("Cookie: iku_session={cookie}"),
            "-H",
            &format!("X-CSRF-Token: {csrf}"),
        ])
        .output()
        .unwrap_or_else(|e| panic!("schemathesis (pip install schemathesis; .ci/run does): {e}"));
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = app.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
    for secret in SECRETS {
        assert!(!log.contains(secret), "{secret} in the log");
    }
}

/// A browser's cookies for one host: (name, value, path).
#[derive(Default)]
struct Jar(Vec<(String, String, String)>);

impl Jar {
    fn header(&self, path: &str) -> String {
        self.0
            .iter()
            .filter(|(_, _, p)| path.starts_with(p.as_str()))
            .map(|(n, v, _)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, set_cookie: &str) {
        let mut parts = set_cookie.split(';').map(str::trim);
        let Some((name, value)) = parts.next().and_then(|p| p.split_once('=')) else {
            return;
        };
        let mut path = "/".to_owned();
        let mut expired = false;
        for attribute in parts {
            let lower = attribute.to_ascii_lowercase();
            if lower.starts_with("path=") {
                path = attribute[5..].to_owned();
            }
            expired |= lower.contains("1970") || lower == "max-age=0";
        }
        self.0.retain(|(n, _, p)| !(n == name && *p == path));
        if !expired {
            self.0.push((name.to_owned(), value.to_owned(), path));
        }
    }
}

/// One HTTP/1.1 request over a fresh connection: (status, location, body).
fn browse(
    jar: &mut Jar,
    method: &str,
    url: &str,
    form: Option<&str>,
) -> (u16, Option<String>, String) {
    use std::io::{Read, Write};
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("{url}"));
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = std::net::TcpStream::connect(host).unwrap_or_else(|e| panic!("{host}: {e}"));
    let body = form.unwrap_or("");
    let cookie_path = path.split('?').next().unwrap_or(path);
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        jar.header(cookie_path),
        body.len()
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut location = None;
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.to_ascii_lowercase().as_str() {
            "set-cookie" => jar.take(value.trim()),
            "location" => location = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    (status, location, body.to_owned())
}

/// Logs `user` in at the provider's development login form, consents, and returns where the
/// provider sends the browser back (this server's callback, with the code).
fn at_the_provider(provider: &str, auth_url: &str, user: &str) -> String {
    let mut jar = Jar::default();
    let absolute = |location: &str| {
        if location.starts_with("http") {
            location.to_owned()
        } else {
            format!("{provider}{location}")
        }
    };
    let mut url = auth_url.to_owned();
    for _ in 0..12 {
        let (status, location, body) = browse(&mut jar, "GET", &url, None);
        if let Some(location) = location {
            if location.contains("/api/oidc/callback") {
                return location;
            }
            url = absolute(&location);
            continue;
        }
        assert_eq!(status, 200, "{url}: {body}");
        // A form: the login prompt or the consent prompt.
        let action = body
            .split("action=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .unwrap_or_else(|| panic!("no form at {url}: {body}"))
            .to_owned();
        let form = if body.contains("value=\"login\"") {
            format!("prompt=login&login={user}&password=anything")
        } else {
            "prompt=consent".to_owned()
        };
        let (_, location, body) = browse(&mut jar, "POST", &action, Some(&form));
        url = absolute(&location.unwrap_or_else(|| panic!("no redirect after the form: {body}")));
    }
    panic!("the provider never sent the browser back");
}

struct Provider {
    child: std::process::Child,
    url: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The OpenID Connect provider of `tests/oidc` (npm oidc-provider; `.ci/run` installs it).
fn provider() -> Provider {
    use std::io::BufRead;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    assert!(
        dir.join("node_modules/oidc-provider").exists(),
        "run `npm ci` in {} (.ci/run does)",
        dir.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut child = std::process::Command::new("node")
        .current_dir(&dir)
        .args([
            "provider.mjs",
            &port.to_string(),
            "http://127.0.0.1:8080/api/oidc/callback",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("node: {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut lines = std::io::BufReader::new(stdout).lines();
    assert!(
        lines.any(|l| l.is_ok_and(|l| l.contains("listening"))),
        "the provider did not start"
    );
    // It goes on writing notices: keep reading, or it dies of a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Provider {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

/// A whole provider login of `user`: this server's redirect, the provider's forms, and the
/// way back to the callback with the browser's state cookie (or without it).
async fn through_provider(
    app: &TestApp,
    provider: &Provider,
    user: &str,
    with_state: bool,
) -> Answer {
    let start = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/api/oidc/login")
                .body(Body::empty())
                .unwrap_or_default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let header_of = |name| {
        start.headers()[name]
            .to_str()
            .unwrap_or_default()
            .to_owned()
    };
    let (auth, cookie) = (header_of(header::LOCATION), header_of(header::SET_COOKIE));
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let state = cookie.split(';').next().unwrap_or_default().to_owned();
    let (url, user) = (provider.url.clone(), user.to_owned());
    let back = tokio::task::spawn_blocking(move || at_the_provider(&url, &auth, &user))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let path = back.trim_start_matches("http://127.0.0.1:8080").to_owned();
    let mut request = Request::builder().uri(path);
    if with_state {
        request = request.header(header::COOKIE, state);
    }
    app.send(request.body(Body::empty()).unwrap_or_default())
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_provider_login_maps_groups_to_one_role_and_starts_a_session() {
    let provider = provider();
    let issuer = provider.url.clone();
    let app = TestApp::with(move |mut c| {
        c.oidc = Some(iku_web::OidcConfig {
            issuer,
            client_id: "iku".into(),
            client_secret: "a client secret for the tests only".into(),
            redirect_url: "http://127.0.0.1:8080/api/oidc/callback".into(),
            role_groups: vec![
                (Role::Director, "iku-directors".into()),
                (Role::Caseworker, "iku-caseworkers".into()),
                (Role::Admin, "iku-admins".into()),
            ],
            office_prefix: "iku-office-".into(),
        });
        c
    });
    // A director.
    let answer = through_provider(&app, &provider, "dora.director", true).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    assert_eq!(answer.body["role"], "director");
    let director = session_of(&answer);
    assert_eq!(
        app.call(Method::GET, "/api/cases", Some(&director), None)
            .await
            .status,
        StatusCode::OK
    );
    // A caseworker of Tampere: Tampere's case, not Helsinki's.
    let answer = through_provider(&app, &provider, "cora.caseworker", true).await;
    assert_eq!(answer.body["office"], "tampere", "{}", answer.text);
    let cora = session_of(&answer);
    assert_eq!(
        app.call(Method::GET, "/api/cases/p2", Some(&cora), None)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.call(Method::GET, "/api/cases/p1", Some(&cora), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // Two roles' groups, or none: refused. And a callback without the browser's state cookie.
    for (user, with_state) in [
        ("two.hats", true),
        ("no.groups", true),
        ("dora.director", false),
    ] {
        let answer = through_provider(&app, &provider, user, with_state).await;
        assert_eq!(
            answer.body["code"], "login_failed",
            "{user}: {}",
            answer.text
        );
    }
    // On record: the logins, and the accounts made from the provider's groups.
    let actions = app.audit_actions();
    for (who, what) in [
        ("dora.director", "login.oidc"),
        ("dora.director", "user.add_from_oidc"),
        ("cora.caseworker", "login.oidc"),
        ("two.hats", "login.failed"),
    ] {
        assert!(
            actions
                .iter()
                .any(|(actor, action, _, _)| actor == who && action == what),
            "{who} {what}: {actions:?}"
        );
    }
}

fn form_encoded(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let value: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                        (b as char).to_string()
                    }
                    b' ' => "+".to_owned(),
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

impl TestApp {
    pub(crate) async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        self.post_form_from(None, path, fields).await
    }

    /// A form sent from the client address `from` (as the server sees it), if given.
    pub(crate) async fn post_form_from(
        &self,
        from: Option<std::net::SocketAddr>,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, Option<String>, String) {
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_encoded(fields)))
            .unwrap_or_default();
        if let Some(from) = from {
            request
                .extensions_mut()
                .insert(axum::extract::ConnectInfo(from));
        }
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        *self.set_cookie.lock().unwrap_or_else(|p| p.into_inner()) = response
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap_or_default();
        (
            status,
            location,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }

    /// The register's persons, with their personal fields opened.
    pub(crate) fn persons(&self) -> Vec<iku_domain::state::PersonState> {
        let keys = Keyring::parse(&self.keys_text, "test").unwrap_or_else(|e| panic!("{e}"));
        let register = self
            .store()
            .load(iku_storage::Personals::Open(&keys))
            .unwrap_or_else(|e| panic!("{e}"));
        let today = time::OffsetDateTime::now_utc().date();
        register
            .view(None)
            .state_as_of(today)
            .persons
            .into_values()
            .collect()
    }
}

#[tokio::test]
async fn the_public_referral_form_in_three_languages_keeps_what_was_typed_and_stores_a_referral() {
    let app = TestApp::new();
    for lang in ["fi", "sv", "en"] {
        let page = app
            .call(Method::GET, &format!("/{lang}/referral"), None, None)
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text
                .starts_with(&format!(r#"<!DOCTYPE html><html lang="{lang}">"#))
        );
        assert!(!page.text.contains('⟦'), "a word missing in {lang}");
        assert!(
            page.text.contains(r#"<label for="who">"#) && page.text.contains(r#"name="consent""#)
        );
        // The language switch keeps the page, and what was typed in it.
        for other in ["fi", "sv", "en"].iter().filter(|o| **o != lang) {
            assert!(
                page.text
                    .contains(&format!(r#"formaction="/{other}/referral" name="step""#)),
                "{lang} -> {other}"
            );
        }
    }
    let page = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/fi/referral")
                .body(Body::empty())
                .unwrap_or_default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let csp = page.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("form-action 'self'"),
        "{csp}"
    );

    // Errors: a summary linking to each field, the message beside it, everything kept.
    let (status, _, html) = app
        .post_form(
            "/en/referral",
            &[
                ("who", ""),
                ("name", "Ilse <b>Marquardt</b>"),
                ("birth_year", "19x0"),
                ("what", "Worked without pay"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    for anchor in ["#who", "#birth_year", "#phone", "#consent"] {
        assert!(
            html.contains(&format!(r#"<a href="{anchor}">"#)),
            "{anchor}: {html}"
        );
    }
    assert!(
        html.contains("Ilse &lt;b&gt;Marquardt&lt;/b&gt;"),
        "typed name kept, escaped"
    );
    assert!(html.contains(r#"value="19x0""#) && html.contains(">Worked without pay</textarea>"));
    assert!(html.contains(r#"aria-invalid="true""#));
    assert!(app.persons().len() == 3, "nothing stored");

    // A good referral: stored, sealed, waiting; the confirmation gives the reference.
    let (status, location, _) = app
        .post_form(
            "/sv/referral",
            &[
                ("who", "ngo"),
                ("name", "Ilse Marquardt"),
                ("birth_year", "1994"),
                ("gender", "female"),
                ("phone", "+358 40 123 4567"),
                ("what", "Worked without pay"),
                ("contact", "Anna, Pro-tukipiste"),
                ("consent", "yes"),
                ("step", "send"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // The reference is in no address: it goes to the confirmation in a cookie of that page.
    assert_eq!(location.as_deref(), Some("/sv/referral/done"));
    let reference = app.last_reference();
    assert!(reference.starts_with("R-"), "{reference}");
    let done = |cookie: Option<String>| {
        let mut request = Request::builder().uri("/sv/referral/done");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        let request = request.body(Body::empty()).unwrap_or_default();
        app.send(request)
    };
    let shown = done(Some(format!("iku_reference={reference}"))).await;
    assert!(shown.text.contains(&reference) && shown.text.contains("Referensnummer"));
    assert!(
        shown
            .set_cookie
            .as_deref()
            .is_some_and(|c| c.starts_with("iku_reference=;") && c.contains("Max-Age=0")),
        "shown once: {:?}",
        shown.set_cookie
    );
    let again = done(None).await;
    assert!(!again.text.contains(&reference), "{}", again.text);
    assert!(
        again.text.contains("Hänvisningen har tagits emot"),
        "{}",
        again.text
    );
    let persons = app.persons();
    let new = persons
        .iter()
        .find(|p| p.applications.iter().any(|a| a.id.as_str() == reference))
        .unwrap_or_else(|| panic!("no application {reference}"));
    assert_eq!(new.applications[0].referrer.code(), "ngo");
    assert_eq!(new.details.birth_year, Some(1994));
    let name = new
        .details
        .personal
        .name
        .as_ref()
        .map(|n| n.expose().to_owned());
    assert_eq!(name.as_deref(), Some("Ilse Marquardt"));
    for file in [app.db.clone(), app.db.with_extension("db-wal")] {
        let raw = std::fs::read(&file).unwrap_or_default();
        assert!(
            !raw.windows(14).any(|w| w == b"Ilse Marquardt"),
            "the name is sealed in {}",
            file.display()
        );
    }
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, _, _)| actor == "public" && action == "referral.received")
    );

    // The hidden field filled in (a robot, or a browser's autofill): stored, flagged for a
    // person to check, never dropped.
    let before = app.persons().len();
    let (status, _, _) = app
        .post_form(
            "/fi/referral",
            &[
                ("who", "ngo"),
                ("phone", "040 1234567"),
                ("consent", "yes"),
                ("step", "send"),
                ("kx7", "http://spam"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.persons().len(), before + 1);
    assert!(
        app.audit_actions().iter().any(
            |(_, action, _, why)| action == "referral.received" && why == "hidden_field_filled"
        )
    );
    // And one address cannot send many: sends with errors do not count, the sixth sent
    // referral in a burst is held back.
    let good = [
        ("who", "ngo"),
        ("phone", "040 1234567"),
        ("consent", "yes"),
        ("step", "send"),
    ];
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(app.post_form("/fi/referral", &[("who", "")]).await.0);
    }
    for _ in 0..6 {
        statuses.push(app.post_form("/fi/referral", &good).await.0);
    }
    // A burst of five per address; the referral above counted, the ones with errors did not.
    assert!(
        statuses[..4]
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{statuses:?}"
    );
    let limited = statuses[4..]
        .iter()
        .position(|s| *s == StatusCode::TOO_MANY_REQUESTS);
    assert!(matches!(limited, Some(3 | 4)), "{statuses:?}");
    // Nothing typed reaches the log.
    let log = app.log.lock().unwrap_or_else(|p| p.into_inner()).join("\n");
    assert!(!log.contains("Ilse") && !log.contains("4567"), "{log}");
}

impl TestApp {
    /// A page request with a session cookie: (status, location, set-cookie, body).
    pub(crate) async fn page(
        &self,
        method: Method,
        path: &str,
        cookie: Option<&str>,
        form: Option<&[(&str, &str)]>,
    ) -> (StatusCode, Option<String>, Option<String>, String) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, format!("iku_session={cookie}"));
        }
        let request = match form {
            Some(fields) => request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form_encoded(fields))),
            None => request.body(Body::empty()),
        }
        .unwrap_or_default();
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status();
        let header_of = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &axum::http::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (location, set_cookie) = (header_of(header::LOCATION), header_of(header::SET_COOKIE));
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
            .await
            .unwrap_or_default();
        (
            status,
            location,
            set_cookie,
            String::from_utf8_lossy(&bytes).into_owned(),
        )
    }
}

fn cookie_of(set_cookie: Option<&str>) -> String {
    set_cookie
        .and_then(|c| c.strip_prefix("iku_session="))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned()
}

impl TestApp {
    /// A page as the user of `cookie` sees it, and the form token it carries.
    pub(crate) async fn page_and_token(&self, path: &str, cookie: &str) -> (String, String) {
        let (_, _, _, html) = self.page(Method::GET, path, Some(cookie), None).await;
        let token = hidden(&html, "csrf");
        (html, token)
    }
}

pub(crate) fn hidden(html: &str, name: &str) -> String {
    html.split(&format!(r#"name="{name}" value=""#))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn staff_pages_log_in_with_a_code_show_the_inbox_and_log_out() {
    let app = TestApp::new();
    // Without a session, to the login page; the login page in every language.
    let (status, location, _, _) = app.page(Method::GET, "/fi/staff/", None, None).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/fi/staff/login"))
    );
    for lang in ["fi", "sv", "en"] {
        let (status, _, _, html) = app
            .page(Method::GET, &format!("/{lang}/staff/login"), None, None)
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            !html.contains('⟦') && html.contains(r#"autocomplete="one-time-code""#),
            "{lang}"
        );
    }
    // A referral from the public waits in the inbox (no office yet: a director's to place).
    let (_, location, _) = app
        .post_form(
            "/fi/referral",
            &[
                ("who", "victim_self"),
                ("phone", "040 1234567"),
                ("consent", "yes"),
                ("step", "send"),
            ],
        )
        .await;
    assert!(location.is_some_and(|l| l.ends_with("/referral/done")));
    let reference = app.last_reference();
    // A wrong password: the form again, the name kept, one message for every failure.
    let (status, _, cookie, html) = app
        .page(
            Method::POST,
            "/en/staff/login",
            None,
            Some(&[
                ("username", "director"),
                ("password", "nope"),
                ("code", "123456"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        cookie.is_none()
            && html.contains(r#"value="director""#)
            && html.contains("cannot log in now")
    );
    // The right password and code: a session, and the inbox.
    let code_now = code(&app.secret, unix_now());
    let (status, location, set_cookie, _) = app
        .page(
            Method::POST,
            "/en/staff/login",
            None,
            Some(&[
                ("username", "director"),
                ("password", PASSWORD),
                ("code", &code_now),
            ]),
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/en/staff/cases"))
    );
    let director = cookie_of(set_cookie.as_deref());
    let (status, _, _, inbox) = app
        .page(Method::GET, "/en/staff/", Some(&director), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{inbox}");
    assert!(
        inbox.contains(&reference) && inbox.contains("No office"),
        "{inbox}"
    );
    assert!(inbox.contains(r#"<th scope="col">"#) && !inbox.contains('⟦'));
    // A caseworker does not see a case outside their scope.
    let helsinki = app.login("cw.helsinki").await;
    let (_, _, _, theirs) = app
        .page(Method::GET, "/fi/staff/", Some(&helsinki.cookie), None)
        .await;
    assert!(
        !theirs.contains(&reference) && theirs.contains("Ei päätöstä odottavia"),
        "{theirs}"
    );
    // Logging out needs the form's token.
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/en/staff/logout",
            Some(&director),
            Some(&[("csrf", "forged")]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let token = hidden(&inbox, "csrf");
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/en/staff/logout",
            Some(&director),
            Some(&[("csrf", &token)]),
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/en/staff/login"))
    );
    let (status, _, _, _) = app
        .page(Method::GET, "/en/staff/", Some(&director), None)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_first_login_in_the_browser_enrols_a_code_and_changes_the_password() {
    let app = TestApp::new();
    let (status, _, cookie, html) = app
        .page(
            Method::POST,
            "/sv/staff/login",
            None,
            Some(&[("username", "newcomer"), ("password", PASSWORD)]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        cookie.is_none() && html.contains("code class=\"secret\""),
        "{html}"
    );
    let secret = html
        .split(r#"<code class="secret">"#)
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap_or_default();
    let enrolment = hidden(&html, "enrolment");
    let first = code(&TotpSecret::from_bytes(base32_decode(secret)), unix_now());
    let (status, location, set_cookie, _) = app
        .page(
            Method::POST,
            "/sv/staff/enrol",
            None,
            Some(&[("enrolment", &enrolment), ("code", &first)]),
        )
        .await;
    // The password an admin set is replaced first.
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/sv/staff/password"))
    );
    let session = cookie_of(set_cookie.as_deref());
    let (status, location, _, _) = app
        .page(Method::GET, "/sv/staff/", Some(&session), None)
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/sv/staff/password"))
    );
    let (_, _, _, form) = app
        .page(Method::GET, "/sv/staff/password", Some(&session), None)
        .await;
    let token = hidden(&form, "csrf");
    let (status, _, _, again) = app
        .page(
            Method::POST,
            "/sv/staff/password",
            Some(&session),
            Some(&[("csrf", &token), ("current", PASSWORD), ("new", "kort")]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.contains("12–200"), "{again}");
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/sv/staff/password",
            Some(&session),
            Some(&[
                ("csrf", &token),
                ("current", PASSWORD),
                ("new", "ett långt nytt lösenord"),
            ]),
        )
        .await;
    // On to the caseworker's home.
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/sv/staff/work"))
    );
    let (status, _, _, _) = app
        .page(Method::GET, "/sv/staff/work", Some(&session), None)
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_client_page_shows_the_record_and_records_a_decision() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let created = app
        .call(
            Method::POST,
            "/api/applications",
            Some(&helsinki),
            Some(
                json!({"date": "2026-10-01", "referrer": "police", "consent": true,
                        "details": {"name": "Tamsin Vaerholt", "birth_year": 2012}}),
            ),
        )
        .await;
    let person = created.field("person");
    let application = created.field("application");
    // The inbox links to the case; a child's matter is urgent.
    let (_, _, _, inbox) = app
        .page(Method::GET, "/en/staff/", Some(&helsinki.cookie), None)
        .await;
    assert!(
        inbox.contains(&format!("/en/staff/cases/{person}")),
        "{inbox}"
    );
    assert!(inbox.contains("Child – urgent"), "{inbox}");
    // The record, read on record.
    let path = format!("/fi/staff/cases/{person}");
    let (status, _, _, html) = app
        .page(Method::GET, &path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("Tamsin Vaerholt")
            && html.contains("Odottaa päätöstä")
            && !html.contains('⟦')
    );
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "cw.helsinki"
                && action == "case.read"
                && *record == person)
    );
    // Another office's caseworker is refused the page.
    let tampere = app.login("cw.tampere").await;
    let (status, _, _, _) = app
        .page(Method::GET, &path, Some(&tampere.cookie), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The decision: admitted, by the form, with the session's token.
    let token = hidden(&html, "csrf");
    let decide = format!("/fi/staff/cases/{person}/decision");
    let fields = [
        ("csrf", token.as_str()),
        ("application", application.as_str()),
        ("outcome", "admitted"),
        ("date", "5.10.2026"),
    ];
    // First shown back to be confirmed, nothing recorded yet.
    let before = app.store().count().unwrap_or_default();
    let (status, _, _, html) = app
        .page(Method::POST, &decide, Some(&helsinki.cookie), Some(&fields))
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("<h1>Vahvista päätös</h1>"), "{html}");
    assert!(
        html.contains("<dd>Otetaan auttamisjärjestelmään</dd>"),
        "{html}"
    );
    assert!(html.contains(r#"name="confirm" value="yes""#), "{html}");
    assert_eq!(app.store().count().ok(), Some(before));
    let confirmed = [fields.as_slice(), &[("confirm", "yes")]].concat();
    let (status, location, _, _) = app
        .page(
            Method::POST,
            &decide,
            Some(&helsinki.cookie),
            Some(&confirmed),
        )
        .await;
    let saved = format!("{path}?saved=decision");
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some(saved.as_str()))
    );
    let (_, _, _, html) = app
        .page(Method::GET, &saved, Some(&helsinki.cookie), None)
        .await;
    assert!(html.contains("Päätös kirjattiin."), "{html}");
    assert!(
        html.contains("Otetaan auttamisjärjestelmään, 5.10.2026"),
        "{html}"
    );
    // Deciding it again is refused by the register's rules, and the page says so.
    let again = [
        ("csrf", token.as_str()),
        ("application", application.as_str()),
        ("outcome", "withdrawn"),
        ("date", "2026-10-06"),
        ("confirm", "yes"),
    ];
    let (status, _, _, html) = app
        .page(Method::POST, &decide, Some(&helsinki.cookie), Some(&again))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Mitään ei tallennettu"), "{html}");
    // Without the token, nothing is recorded.
    let forged = [
        ("csrf", "forged"),
        ("application", application.as_str()),
        ("outcome", "withdrawn"),
        ("date", "2026-10-06"),
    ];
    let (status, _, _, _) = app
        .page(Method::POST, &decide, Some(&helsinki.cookie), Some(&forged))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_deadlines_page_lists_what_is_due_in_scope() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let today = time::OffsetDateTime::now_utc().date();
    let iso = |d: time::Date| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day());
    // A child's application, waiting 40 days.
    let created = app
        .call(
            Method::POST,
            "/api/applications",
            Some(&helsinki),
            Some(
                json!({"date": iso(today - time::Duration::days(40)), "referrer": "child_welfare",
                        "consent": true, "details": {"birth_year": today.year() - 12}}),
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let child = created.field("person");
    // p1's reflection period, granted 20 days ago for 30 days.
    let granted = app
        .call(
            Method::POST,
            "/api/cases/p1/events",
            Some(&helsinki),
            Some(json!({"event": "reflection_period_granted", "date": iso(today - time::Duration::days(20)),
                        "days": 30, "granted_by": "assistance_system"})),
        )
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.text);
    let (status, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/deadlines",
            Some(&helsinki.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let section = |title: &str| {
        html.split(title)
            .nth(1)
            .and_then(|rest| rest.split("<h2>").next())
            .unwrap_or_default()
            .to_owned()
    };
    // Each case named by its latest application's reference, as people name it.
    assert!(
        section("Reflection periods ending within 14 days")
            .contains(r#"<a href="/en/staff/cases/p1">p1-a</a>"#),
        "{html}"
    );
    let application = created.field("application");
    assert!(!application.is_empty(), "{}", created.text);
    assert!(
        section("Applications waiting over 30 days").contains(&format!(">{application}</a>")),
        "{html}"
    );
    assert!(
        section("Applications waiting over 30 days").contains(&child),
        "{html}"
    );
    assert!(section("Children&#39;s matters").contains(&child), "{html}");
    // Another office's caseworker sees none of it.
    let tampere = app.login("cw.tampere").await;
    let (_, _, _, theirs) = app
        .page(
            Method::GET,
            "/en/staff/deadlines",
            Some(&tampere.cookie),
            None,
        )
        .await;
    assert!(
        !theirs.contains(&child) && !theirs.contains("/en/staff/cases/p1"),
        "{theirs}"
    );
}

#[tokio::test]
async fn the_statistics_pages_show_download_and_publish_reviews_by_role() {
    let app = TestApp::new();
    let statistician = app.login("statistician").await;
    let (status, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/statistics",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains(r#"value="internal""#) && html.contains("/en/staff/statistics/publish"));
    assert!(!html.contains('⟦'));
    // Viewed as HTML, downloaded as CSV; the internal one on record.
    let (status, _, _, review) = app
        .page(
            Method::GET,
            "/sv/staff/statistics/review?kind=annual&year=2026&disclosure=published&format=html",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(review.starts_with(r#"<!DOCTYPE html><html lang="sv">"#));
    let csv = app
        .router
        .clone()
        .oneshot(
            Request::builder()
                .uri("/fi/staff/statistics/review?kind=semiannual&year=2026&disclosure=internal&format=csv")
                .header(header::COOKIE, format!("iku_session={}", statistician.cookie))
                .body(Body::empty())
                .unwrap_or_default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(csv.status(), StatusCode::OK);
    let disposition = csv.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.contains("semiannual-2026-fi.csv"),
        "{disposition}"
    );
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, _, _)| actor == "statistician" && action == "report.internal")
    );
    // Published: frozen with its disclosure report, listed, downloaded unchanged.
    let token = hidden(&html, "csrf");
    let publish = [
        ("csrf", token.as_str()),
        ("kind", "annual"),
        ("year", "2026"),
    ];
    // Shown back to be confirmed first: nothing is published until then.
    let (status, _, _, asked) = app
        .page(
            Method::POST,
            "/en/staff/statistics/publish",
            Some(&statistician.cookie),
            Some(&publish),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{asked}");
    assert!(
        asked.contains("<h1>Publish the review?</h1>") && asked.contains("Annual review 2026"),
        "{asked}"
    );
    assert!(app.store().publications().unwrap_or_default().is_empty());
    let confirmed = [publish.as_slice(), &[("confirm", "yes")]].concat();
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/en/staff/statistics/publish",
            Some(&statistician.cookie),
            Some(&confirmed),
        )
        .await;
    assert_eq!(
        (status, location.as_deref()),
        (
            StatusCode::SEE_OTHER,
            Some("/en/staff/statistics?published=yes")
        )
    );
    let (_, _, _, said) = app
        .page(
            Method::GET,
            "/en/staff/statistics?published=yes",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert!(
        said.contains("The review was published and frozen."),
        "{said}"
    );
    let stored = app.store().publications().unwrap_or_default();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].disclosure_report.is_some() && stored[0].disclosure == "published");
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/statistics",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert!(
        html.contains("/en/staff/statistics/publications/1/report"),
        "{html}"
    );
    let (status, _, _, document) = app
        .page(
            Method::GET,
            "/en/staff/statistics/publications/1/document",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!(
        (status, document.as_str()),
        (StatusCode::OK, stored[0].document.as_str())
    );
    // Without the form's token, nothing is published.
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/en/staff/statistics/publish",
            Some(&statistician.cookie),
            Some(&[
                ("csrf", "forged"),
                ("kind", "annual"),
                ("year", "2026"),
                ("confirm", "yes"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.store().publications().unwrap_or_default().len(), 1);
    let director = app.login("director").await;
    let (_, _, _, theirs) = app
        .page(
            Method::GET,
            "/en/staff/statistics",
            Some(&director.cookie),
            None,
        )
        .await;
    assert!(!theirs.contains(r#"value="internal""#) && !theirs.contains("/publications/1/report"));
    for path in [
        "/en/staff/statistics/publications/1/report",
        "/en/staff/statistics/review?kind=annual&year=2026&disclosure=internal&format=json",
    ] {
        let (status, _, _, _) = app
            .page(Method::GET, path, Some(&director.cookie), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/en/staff/statistics/publications/1/report",
            Some(&statistician.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Caseworkers have no statistics pages.
    let caseworker = app.login("cw.helsinki").await;
    let (status, _, _, _) = app
        .page(
            Method::GET,
            "/en/staff/statistics",
            Some(&caseworker.cookie),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn admins_see_accounts_and_auditors_the_log_and_nobody_else_does() {
    let app = TestApp::new();
    let admin = app.login("admin").await;
    let auditor = app.login("auditor").await;
    let director = app.login("director").await;
    let caseworker = app.login("cw.helsinki").await;
    // A break-the-glass opening, for the director's view.
    app.call(
        Method::POST,
        "/api/cases/p3/break-the-glass",
        Some(&caseworker),
        Some(json!({"reason": "the client called the advice line at night"})),
    )
    .await;
    let (status, _, _, accounts) = app
        .page(Method::GET, "/en/staff/admin", Some(&admin.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        accounts.contains("cw.tampere") && accounts.contains("newcomer") && !accounts.contains('⟦')
    );
    assert!(!accounts.contains("argon2"), "no password hash on the page");
    let (status, _, _, log) = app
        .page(Method::GET, "/fi/staff/audit", Some(&auditor.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    // Actions named in the page's language, in the list and in the filter.
    assert!(
        log.contains("<td>Kirjautui sisään</td>")
            && log.contains("<td>Avasi toisen asian (syy annettu)</td>")
            && !log.contains("<td>case.break_the_glass</td>"),
        "{log}"
    );
    assert!(
        log.contains(
            r#"<option value="case.break_the_glass">Avasi toisen asian (syy annettu)</option>"#
        ),
        "{log}"
    );
    let (status, _, _, glass) = app
        .page(Method::GET, "/sv/staff/audit", Some(&director.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        glass.contains("advice line") && !glass.contains(">login<"),
        "{glass}"
    );
    for (who, path) in [
        (&caseworker, "/en/staff/admin"),
        (&caseworker, "/en/staff/audit"),
        (&auditor, "/en/staff/admin"),
        (&admin, "/en/staff/audit"),
    ] {
        let (status, _, _, _) = app.page(Method::GET, path, Some(&who.cookie), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }
    // No personal value on either page.
    for secret in SECRETS {
        assert!(
            !accounts.contains(secret) && !log.contains(secret),
            "{secret}"
        );
    }
}

/// The day's work in pages: a public referral, admitted by a caseworker, assessed, given a
/// reflection period; the statistician's review then counts the new client.
#[tokio::test]
async fn from_a_public_referral_to_the_review_through_the_pages() {
    let app = TestApp::new();
    let (_, location, _) = app
        .post_form(
            "/en/referral",
            &[
                ("who", "victim_self"),
                ("name", "Ottilie Brennwald"),
                ("phone", "040 7654321"),
                ("consent", "yes"),
                ("step", "send"),
            ],
        )
        .await;
    assert!(location.is_some_and(|l| l.ends_with("/referral/done")));
    let reference = app.last_reference();
    // The director places the case in Helsinki; a Helsinki caseworker takes it from there.
    let director = app.login("director").await;
    let (_, _, _, inbox) = app
        .page(Method::GET, "/en/staff/", Some(&director.cookie), None)
        .await;
    let person = inbox
        .split("/en/staff/cases/")
        .find(|rest| rest.contains(&reference))
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    assert!(person.starts_with("p-"), "{inbox}");
    let placed = app
        .call(
            Method::PUT,
            &format!("/api/cases/{person}/assignment"),
            Some(&director),
            Some(json!({"office": "helsinki"})),
        )
        .await;
    assert_eq!(placed.status, StatusCode::OK);
    let helsinki = app.login("cw.helsinki").await;
    let path = format!("/en/staff/cases/{person}");
    let (_, _, _, html) = app
        .page(Method::GET, &path, Some(&helsinki.cookie), None)
        .await;
    let token = hidden(&html, "csrf");
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let admit = [
        ("csrf", token.as_str()),
        ("application", reference.as_str()),
        ("outcome", "admitted"),
        ("date", day.as_str()),
        ("confirm", "yes"),
    ];
    let (status, _, _, body) = app
        .page(
            Method::POST,
            &format!("{path}/decision"),
            Some(&helsinki.cookie),
            Some(&admit),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    for fields in [
        vec![
            ("csrf", token.as_str()),
            ("kind", "assessment"),
            ("form", "forced_labour"),
            ("place", "finland"),
            ("date", day.as_str()),
        ],
        vec![
            ("csrf", token.as_str()),
            ("kind", "reflection"),
            ("days", "60"),
            ("granted_by", "assistance_system"),
            ("date", day.as_str()),
        ],
    ] {
        let (status, _, _, body) = app
            .page(
                Method::POST,
                &format!("{path}/record"),
                Some(&helsinki.cookie),
                Some(&fields),
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    }
    let (_, _, _, html) = app
        .page(Method::GET, &path, Some(&helsinki.cookie), None)
        .await;
    // 60 days from today (the server's day is Finland's: a day ahead of UTC near midnight).
    assert!(html.contains("Forced labour"), "{html}");
    assert!(
        html.contains("59 days left") || html.contains("58 days left"),
        "{html}"
    );
    // A bad number of days is shown back, nothing stored.
    let bad = [
        ("csrf", token.as_str()),
        ("kind", "reflection"),
        ("days", "lots"),
        ("granted_by", "police"),
        ("date", day.as_str()),
    ];
    let (status, _, _, _) = app
        .page(
            Method::POST,
            &format!("{path}/record"),
            Some(&helsinki.cookie),
            Some(&bad),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The statistician's internal review of this year counts the new client.
    let statistician = app.login("statistician").await;
    let review = app
        .call(
            Method::GET,
            &format!("/api/reviews/annual/{}?disclosure=internal", today.year()),
            Some(&statistician),
            None,
        )
        .await;
    let table = review.body["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == "new_clients_by_exploitation"))
        .cloned()
        .unwrap_or_default();
    let forced_labour = table["cells"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["key"]["form"] == "forced_labour"))
        .and_then(|c| c["value"].as_u64());
    assert_eq!(forced_labour, Some(1), "{table}");
}

#[tokio::test]
async fn every_form_of_the_client_page_records_its_event() {
    let app = TestApp::new();
    let helsinki = app.login("cw.helsinki").await;
    let path = "/en/staff/cases/p1";
    let (status, _, _, html) = app
        .page(Method::GET, path, Some(&helsinki.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let token = hidden(&html, "csrf");
    let record = format!("{path}/record");
    let post = |fields: Vec<(&'static str, String)>| {
        let mut all = vec![("csrf", token.clone())];
        all.extend(fields);
        let record = record.clone();
        let cookie = helsinki.cookie.clone();
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let (status, _, _, body) = app
                .page(Method::POST, &record, Some(&cookie), Some(&fields))
                .await;
            (status, body)
        }
    };
    let s = |v: &str| v.to_owned();
    let p1 = || {
        app.persons()
            .into_iter()
            .find(|p| p.id.as_str() == "p1")
            .unwrap_or_else(|| panic!("p1"))
    };
    let steps: Vec<Vec<(&'static str, String)>> = vec![
        vec![
            ("kind", s("details")),
            ("residence_status", s("asylum_seeker")),
            ("municipality", s("no")),
            ("date", s("2026-04-01")),
        ],
        vec![
            ("kind", s("assessment")),
            ("form", s("forced_labour")),
            ("place", s("finland")),
            ("form_2", s("sexual_exploitation")),
            ("place_2", s("abroad")),
            ("form_3", s("")),
            ("place_3", s("finland")),
            ("date", s("2026-04-01")),
        ],
        vec![
            ("kind", s("reflection")),
            ("days", s("30")),
            ("granted_by", s("assistance_system")),
            ("date", s("2026-04-02")),
        ],
        vec![
            ("kind", s("extension")),
            ("days", s("20")),
            ("date", s("2026-04-10")),
        ],
        vec![("kind", s("interruption")), ("date", s("2026-04-20"))],
        vec![
            ("kind", s("measure")),
            ("measure", s("safe_accommodation")),
            ("provider", s("")),
            ("date", s("2026-04-03")),
        ],
        vec![("kind", s("child")), ("date", s("2026-04-03"))],
    ];
    for fields in steps {
        let (status, body) = post(fields.clone()).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{fields:?}: {body}");
    }
    let p = p1();
    assert_eq!(
        p.details.service_provider().code(),
        "reception_centre",
        "asylum seekers' services come from a reception centre"
    );
    let forms: Vec<(&str, bool)> = p
        .assessment
        .as_ref()
        .map(|(_, a)| {
            a.forms()
                .iter()
                .map(|f| (f.form.code(), f.primary))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        forms,
        [("forced_labour", true), ("sexual_exploitation", false)]
    );
    let reflection = p.reflection_periods.first().cloned();
    assert_eq!(reflection.as_ref().map(|r| r.days), Some(50));
    assert!(reflection.is_some_and(|r| r.interrupted.is_some()));
    assert_eq!(p.measures.len(), 1);
    let child = p
        .children
        .first()
        .map(|c| c.id.as_str().to_owned())
        .unwrap_or_default();
    assert!(child.starts_with("c-"), "{:?}", p.children);
    // The page shows it all, in every word.
    let (_, _, _, html) = app
        .page(Method::GET, path, Some(&helsinki.cookie), None)
        .await;
    assert!(
        html.contains("Safe accommodation") && html.contains(&child),
        "{html}"
    );
    assert!(!html.contains('⟦'));

    let (status, body) = post(vec![
        ("kind", s("child_left")),
        ("child", child.clone()),
        ("date", s("2026-05-01")),
    ])
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(p1().children[0].left.is_some());
    // The official identification was for 2015-2022: a step dated now is refused, with the
    // register's reason, and nothing is stored.
    let before = app.store().count().unwrap_or_default();
    let (status, body) = post(vec![
        ("kind", s("identification_started")),
        ("date", s("2026-04-05")),
    ])
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("Nothing was saved") && body.contains("2023"),
        "{body}"
    );
    // Details with nothing in them, and days that are no number, are refused before the
    // register sees them.
    for fields in [
        vec![("kind", s("details")), ("date", s("2026-04-05"))],
        vec![
            ("kind", s("extension")),
            ("days", s("many")),
            ("date", s("2026-04-05")),
        ],
    ] {
        let (status, _) = post(fields).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(app.store().count().unwrap_or_default(), before);
    // Removal on a statutory ground ends the client period.
    let (status, body) = post(vec![
        ("kind", s("termination")),
        ("reason", s("own_request")),
        ("date", s("2026-06-01")),
    ])
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert!(!p1().is_client());
}
