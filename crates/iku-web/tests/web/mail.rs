//! Notices of new work by e-mail, through a real SMTP conversation with a sink the test runs
//! on loopback: an admin gives accounts their addresses (a bad one is refused beside its
//! field); a new case tells its office's caseworkers, a child's matter the directors too; the
//! daily digest counts each one's work; no message holds a person's name, identity code,
//! id or reference, and each is on record.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use iku_app::mail::MailConfig;
use iku_app::mail::smtp::{Credentials, Relay, Security};
use iku_domain::access::{Role, StaffEmail, Username};
use iku_domain::calendar::finnish_date;
use iku_domain::tasks::{Change, TaskChange, TaskKind};
use iku_domain::{EventBody, Timestamp};
use serde_json::json;

use super::access::{SECRETS, TestApp};

/// A message the sink took: its envelope and what followed DATA.
#[derive(Debug, Clone)]
struct Received {
    auth: Option<String>,
    to: String,
    data: String,
}

impl Received {
    /// The subject and the text, decoded from base64.
    fn decoded(&self) -> String {
        let (headers, body) = self.data.split_once("\r\n\r\n").unwrap_or_default();
        let subject = headers
            .lines()
            .find_map(|l| l.strip_prefix("Subject: =?UTF-8?B?"))
            .and_then(|s| s.strip_suffix("?="))
            .map(unbase64)
            .unwrap_or_default();
        let text: String = body.lines().filter(|l| *l != ".").collect();
        format!("{headers}\n{subject}\n{}", unbase64(&text))
    }
}

fn unbase64(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let Some(v) = ALPHABET.iter().position(|a| *a == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What the sink talks over: a socket, or TLS on one.
trait Wire: Read + Write + Send {}
impl<T: Read + Write + Send> Wire for T {}

fn say(lines: &mut BufReader<Box<dyn Wire>>, text: &str) {
    let _ = lines.get_mut().write_all(text.as_bytes());
    let _ = lines.get_mut().flush();
}

/// One SMTP conversation (RFC 5321's happy path, AUTH PLAIN, and STARTTLS when `tls` is
/// given: the conversation then goes on, over TLS, from the client's second EHLO).
fn converse(
    wire: Box<dyn Wire>,
    tls: Option<Arc<rustls::ServerConfig>>,
    keep: &Mutex<Vec<Received>>,
) {
    let mut lines = BufReader::new(wire);
    let (mut auth, mut to) = (None, String::new());
    let mut line = String::new();
    while lines.read_line(&mut line).unwrap_or(0) > 0 {
        let command = line.trim_end().to_owned();
        line.clear();
        let verb = command.split(' ').next().unwrap_or_default().to_uppercase();
        match verb.as_str() {
            "EHLO" if tls.is_some() => say(&mut lines, "250-sink\r\n250 STARTTLS\r\n"),
            "EHLO" => say(&mut lines, "250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n"),
            "STARTTLS" => {
                let Some(config) = tls else { return };
                say(&mut lines, "220 go ahead\r\n");
                let Ok(server) = rustls::ServerConnection::new(config) else {
                    return;
                };
                let secured: Box<dyn Wire> =
                    Box::new(rustls::StreamOwned::new(server, lines.into_inner()));
                return converse(secured, None, keep);
            }
            "AUTH" => {
                auth = command.strip_prefix("AUTH PLAIN ").map(unbase64);
                say(&mut lines, "235 ok\r\n");
            }
            "MAIL" => say(&mut lines, "250 ok\r\n"),
            "RCPT" => {
                to = command
                    .trim_start_matches("RCPT TO:<")
                    .trim_end_matches('>')
                    .to_owned();
                say(&mut lines, "250 ok\r\n");
            }
            "DATA" => {
                say(&mut lines, "354 go on\r\n");
                let mut data = String::new();
                while lines.read_line(&mut line).unwrap_or(0) > 0 {
                    let done = line == ".\r\n";
                    data.push_str(&line);
                    line.clear();
                    if done {
                        break;
                    }
                }
                keep.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(Received {
                        auth: auth.clone(),
                        to: to.clone(),
                        data,
                    });
                say(&mut lines, "250 queued\r\n");
            }
            "QUIT" => {
                say(&mut lines, "221 bye\r\n");
                return;
            }
            _ => say(&mut lines, "502 not here\r\n"),
        }
    }
}

/// An SMTP server on loopback that takes every message; with `tls`, only after STARTTLS.
fn sink_with(tls: Option<Arc<rustls::ServerConfig>>) -> (u16, Arc<Mutex<Vec<Received>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
    let got = Arc::new(Mutex::new(Vec::new()));
    let keep = got.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (keep, tls) = (keep.clone(), tls.clone());
            std::thread::spawn(move || {
                let mut wire: Box<dyn Wire> = Box::new(stream);
                let _ = wire.write_all(b"220 sink ready\r\n");
                converse(wire, tls, &keep);
            });
        }
    });
    (port, got)
}

fn sink() -> (u16, Arc<Mutex<Vec<Received>>>) {
    sink_with(None)
}

fn mail_config(port: u16) -> MailConfig {
    MailConfig {
        relay: Relay {
            host: "127.0.0.1".into(),
            port,
            security: Security::Plain,
            credentials: Some(Credentials {
                username: "iku-relay".into(),
                password: "relay-password".into(),
            }),
            from: StaffEmail::parse("iku@iku.example").unwrap_or_else(|e| panic!("{e}")),
            extra_roots: Vec::new(),
        },
        site: "https://iku.example".into(),
    }
}

/// The sink's messages once there are `n` (waits up to ten seconds: notices are sent from a
/// thread of their own).
fn wait_for(got: &Arc<Mutex<Vec<Received>>>, n: usize) -> Vec<Received> {
    let until = Instant::now() + Duration::from_secs(10);
    loop {
        let now = got.lock().unwrap_or_else(|p| p.into_inner()).clone();
        if now.len() >= n || Instant::now() > until {
            // A moment more, for a message that should not come.
            std::thread::sleep(Duration::from_millis(200));
            return got.lock().unwrap_or_else(|p| p.into_inner()).clone();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every personal value, person id and reference the register holds: none may be mailed.
fn everything_personal(app: &TestApp) -> Vec<String> {
    let register = app
        .store()
        .load(iku_storage::Personals::Open(&app.keys()))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut found: Vec<String> = SECRETS.iter().map(|s| (*s).to_owned()).collect();
    for event in register.events() {
        if let EventBody::PersonDetails(d) = &event.body {
            let fields = d.details.personal.iter();
            found.extend(fields.map(|(_, v)| v.expose().to_owned()));
        }
        if let EventBody::ApplicationReceived(a) = &event.body {
            found.push(a.person.as_str().to_owned());
            found.push(a.application.as_str().to_owned());
        }
    }
    found.retain(|v| v.len() >= 3);
    found
}

/// An admin gives an account its address on the account's page.
async fn give_address(app: &TestApp, cookie: &str, csrf: &str, account: &str, email: &str) {
    let path = format!("/fi/staff/admin/accounts/{account}");
    let (status, location, _, html) = app
        .page(
            Method::POST,
            &path,
            Some(cookie),
            Some(&[
                ("csrf", csrf),
                ("action", "contact"),
                ("full_name", "Maria Virtanen"),
                ("title", "sosiaalityöntekijä"),
                ("email", email),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(location.as_deref(), Some("/fi/staff/admin?done=contact"));
}

#[tokio::test]
async fn new_cases_and_the_digest_are_mailed_without_anything_personal() {
    let (port, got) = sink();
    let app = TestApp::with(|mut c| {
        c.mail = Some(mail_config(port));
        c
    });
    let admin = app.login("admin").await;
    let (_, csrf) = app
        .page_and_token("/fi/staff/admin/accounts/cw.helsinki", &admin.cookie)
        .await;
    // A bad address is refused beside its field, what was typed kept.
    let (status, _, _, html) = app
        .page(
            Method::POST,
            "/fi/staff/admin/accounts/cw.helsinki",
            Some(&admin.cookie),
            Some(&[
                ("csrf", csrf.as_str()),
                ("action", "contact"),
                ("full_name", "Maria Virtanen"),
                ("title", ""),
                ("email", "maria at iku"),
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(
            r#"<p class="error-message" id="contact-email-error">Kirjoita sähköpostiosoite"#
        ),
        "{html}"
    );
    assert!(html.contains(r#"value="maria at iku""#));
    for (account, email) in [
        ("cw.helsinki", "maria@iku.example"),
        ("cw.tampere", "tuomas@iku.example"),
        ("director", "dora@iku.example"),
    ] {
        give_address(&app, &admin.cookie, &csrf, account, email).await;
    }
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "admin"
                && action == "user.contact"
                && record == "cw.helsinki")
    );

    // A new case in Helsinki: its caseworker hears of it, not Tampere's, not the director.
    let helsinki = app.login("cw.helsinki").await;
    let (person, _) = app
        .new_application(
            &helsinki,
            json!({"date": "2026-11-20", "referrer": "ngo", "consent": true,
                   "details": {"gender": "male", "birth_year": 1988, "name": "Quillon Ardhvark",
                               "phone": "+358 40 765 4321"}}),
        )
        .await;
    let mail = wait_for(&got, 1);
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, "maria@iku.example");
    assert_eq!(mail[0].auth.as_deref(), Some("\0iku-relay\0relay-password"));
    let text = mail[0].decoded();
    assert!(text.contains("uusi asia") && text.contains("https://iku.example/fi/staff/\n"));

    // A child's matter: the office's caseworker and the director.
    let (child, _) = app
        .new_application(
            &helsinki,
            json!({"date": "2026-11-21", "referrer": "child_welfare", "consent": true,
                   "details": {"birth_year": 2015, "name": "Xenia Pöllönen"}}),
        )
        .await;
    let mail = wait_for(&got, 3);
    assert_eq!(mail.len(), 3, "{mail:?}");
    let mut told: Vec<&str> = mail[1..].iter().map(|m| m.to.as_str()).collect();
    told.sort();
    assert_eq!(told, ["dora@iku.example", "maria@iku.example"]);
    assert!(
        mail[1..]
            .iter()
            .all(|m| m.decoded().contains("lapsen asia"))
    );
    for person in [&person, &child] {
        assert!(
            app.audit_actions()
                .iter()
                .any(|(actor, action, record, _)| actor == "system"
                    && action == "mail.notice"
                    && record.starts_with(&format!("{person} ")))
        );
    }

    // The digest: a task overdue and one due this week add one to each count. (The
    // application layer blocks: on a thread of its own, as the server runs it.)
    let (url, keys) = (app.url().to_owned(), app.keys());
    let today = finnish_date(iku_app::now());
    let (after, sent) = tokio::task::spawn_blocking(move || {
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let own = iku_app::App::new({
            let mut c = iku_app::AppConfig::new(
                url.clone(),
                keys,
                iku_app::AuditKey::parse(&"cd".repeat(32), "test")
                    .unwrap_or_else(|e| panic!("{e}")),
            );
            c.mail = Some(mail_config(port));
            c
        });
        let maria = iku_app::access::Actor {
            username: Username::parse("cw.helsinki").unwrap_or_else(|e| panic!("{e}")),
            role: Role::Caseworker,
            office: Some("helsinki".into()),
        };
        let before = own
            .workload(&maria, today)
            .unwrap_or_else(|e| panic!("{e}"));
        for (task, due) in [
            ("t-late", today - time::Duration::days(3)),
            ("t-soon", today + time::Duration::days(2)),
        ] {
            store
                .add_task_change(&TaskChange {
                    task: task.into(),
                    change: Change::Made {
                        owner: maria.username.clone(),
                        kind: TaskKind::Call,
                        person: None,
                        due,
                    },
                    by: maria.username.clone(),
                    at: Timestamp::from_micros(0),
                })
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let after = own
            .workload(&maria, today)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (after.overdue, after.this_week),
            (before.overdue + 1, before.this_week + 1)
        );
        let sent = own.send_digests(today).unwrap_or_else(|e| panic!("{e}"));
        (after, sent)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let mail = wait_for(&got, 3 + sent);
    let digests: Vec<&Received> = mail[3..].iter().collect();
    assert_eq!(digests.len(), sent);
    let theirs = digests
        .iter()
        .find(|m| m.to == "maria@iku.example")
        .map(|m| m.decoded())
        .unwrap_or_default();
    assert!(
        theirs.contains(&format!(
            "Myöhässä {}, tällä viikolla erääntyy {}.",
            after.overdue, after.this_week
        )),
        "{theirs}"
    );
    assert!(theirs.contains("https://iku.example/sv/staff/work"));
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "system"
                && action == "mail.digest"
                && record == "cw.helsinki")
    );

    // Nothing personal in any message, headers included.
    let personal = everything_personal(&app);
    assert!(personal.iter().any(|v| v == "Quillon Ardhvark"));
    for message in wait_for(&got, 3 + sent) {
        let text = message.decoded() + message.data.as_str();
        for value in &personal {
            assert!(!text.contains(value.as_str()), "{value:?} was mailed");
        }
    }
}

/// A certificate authority and a certificate for `localhost` it signed, made by openssl for
/// the test: (CA, certificate, key) as PEM.
fn certificates() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let file = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    std::fs::write(
        file("leaf.cnf"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let steps: [Vec<String>; 3] = [
        ["req", "-x509", "-days", "1", "-subj", "/CN=iku test CA"]
            .iter()
            .chain(&ec)
            .map(|a| (*a).to_owned())
            .chain([
                "-keyout".into(),
                file("ca.key"),
                "-out".into(),
                file("ca.pem"),
            ])
            .collect(),
        ["req", "-subj", "/CN=localhost"]
            .iter()
            .chain(&ec)
            .map(|a| (*a).to_owned())
            .chain([
                "-keyout".into(),
                file("key.pem"),
                "-out".into(),
                file("leaf.csr"),
            ])
            .collect(),
        [
            "x509",
            "-req",
            "-days",
            "1",
            "-in",
            &file("leaf.csr"),
            "-CA",
            &file("ca.pem"),
            "-CAkey",
            &file("ca.key"),
            "-CAcreateserial",
            "-extfile",
            &file("leaf.cnf"),
            "-out",
            &file("cert.pem"),
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect(),
    ];
    for args in steps {
        let made = std::process::Command::new("openssl")
            .args(&args)
            .output()
            .unwrap_or_else(|e| panic!("openssl: {e}"));
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let read = |name: &str| std::fs::read(file(name)).unwrap_or_else(|e| panic!("{e}"));
    (read("ca.pem"), read("cert.pem"), read("key.pem"))
}

#[test]
fn mail_goes_over_starttls_and_not_to_a_relay_whose_certificate_is_not_trusted() {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let (ca, cert, key) = certificates();
    let chain = vec![CertificateDer::from_pem_slice(&cert).unwrap_or_else(|e| panic!("{e}"))];
    let key = PrivateKeyDer::from_pem_slice(&key).unwrap_or_else(|e| panic!("{e}"));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| b.with_no_client_auth().with_single_cert(chain, key))
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let (port, got) = sink_with(Some(Arc::new(server)));
    let mut relay = mail_config(port).relay;
    relay.host = "localhost".into();
    relay.security = Security::StartTls;
    let message = iku_app::mail::smtp::Message {
        to: StaffEmail::parse("maria@iku.example").unwrap_or_else(|e| panic!("{e}")),
        subject: "iku: uusi asia".into(),
        text: "A new case has come in.".into(),
    };
    // Without the relay's CA the certificate is not trusted: nothing is said in the clear.
    let refused = iku_app::mail::smtp::send(&relay, std::slice::from_ref(&message));
    assert!(
        matches!(refused, Err(iku_app::mail::smtp::MailError::Tls(_))),
        "{refused:?}"
    );
    assert!(got.lock().unwrap_or_else(|p| p.into_inner()).is_empty());
    // With it (--smtp-ca-file), over TLS, the credentials too.
    relay.extra_roots = vec![ca];
    iku_app::mail::smtp::send(&relay, std::slice::from_ref(&message))
        .unwrap_or_else(|e| panic!("{e}"));
    let mail = wait_for(&got, 1);
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].auth.as_deref(), Some("\0iku-relay\0relay-password"));
    assert!(mail[0].decoded().contains("A new case has come in."));
}
