//! Two servers on one PostgreSQL database, as an authority would run them behind a load
//! balancer: each holds its own copy of the register in memory, but the rules of a write are
//! checked against what is committed, so a race between them has one winner; each sees what
//! the other wrote; and the audit chain they both append to stays one chain.

use std::collections::HashMap;

use axum::http::{Method, StatusCode};
use iku_domain::EventBody;
use iku_storage::Personals;
use iku_storage::audit::{AuditChain, AuditKey, verify};
use serde_json::json;

use super::access::TestApp;
use super::support::PostgresDb;

/// How many applications the servers race to decide.
const RACES: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_decide_each_application_once_and_see_each_others_writes() {
    let (db, one, two) = tokio::task::spawn_blocking(|| {
        let db = PostgresDb::new();
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let one = TestApp::on(db.url(), dir, |c| c);
        let two = one.twin();
        (db, one, two)
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // One session: sessions are stored, so it is good on both servers.
    let caseworker = one.login("cw.helsinki").await;

    // Applications written on both servers, each read at once on the other.
    let mut waiting = Vec::new();
    for i in 0..RACES {
        let (writer, reader) = if i % 2 == 0 {
            (&one, &two)
        } else {
            (&two, &one)
        };
        let (person, application) = writer
            .new_application(
                &caseworker,
                json!({"date": "2026-10-01", "referrer": "ngo", "consent": true,
                       "details": {"gender": "female", "name": format!("Racer Number{i}")}}),
            )
            .await;
        let seen = reader.read_case(&caseworker, &person).await;
        assert_eq!(seen.status, StatusCode::OK, "{}", seen.text);
        assert_eq!(
            seen.body["details"]["personal"]["name"],
            format!("Racer Number{i}")
        );
        waiting.push((person, application));
    }

    // Each application decided by both servers at once, one admitting, one rejecting.
    let mut winners = HashMap::new();
    for (person, application) in &waiting {
        let path = format!("/api/cases/{person}/events");
        let admit = json!({"event": "application_decided", "date": "2026-10-05",
                           "application": application, "outcome": "admitted"});
        let reject = json!({"event": "application_decided", "date": "2026-10-05",
                            "application": application, "outcome": "rejected",
                            "reason": "not_trafficking"});
        let (admitted, rejected) = tokio::join!(
            one.call(Method::POST, &path, Some(&caseworker), Some(admit)),
            two.call(Method::POST, &path, Some(&caseworker), Some(reject)),
        );
        let outcome = match (admitted.status, rejected.status) {
            (StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY) => "admitted",
            (StatusCode::UNPROCESSABLE_ENTITY, StatusCode::OK) => "rejected",
            other => panic!(
                "{application}: not one winner: {other:?} {} {}",
                admitted.text, rejected.text
            ),
        };
        let loser = if outcome == "admitted" {
            &rejected
        } else {
            &admitted
        };
        assert_eq!(loser.body["code"], "invalid_event", "{}", loser.text);
        winners.insert(application.clone(), outcome);
    }

    // Both servers show the winner's decision.
    for (person, application) in &waiting {
        for server in [&one, &two] {
            let record = server.read_case(&caseworker, person).await;
            assert_eq!(
                record.body["applications"][0]["decided"]["outcome"], winners[application],
                "{}",
                record.text
            );
        }
    }

    // The register holds every application and one decision each, the winner's; the audit
    // chain verifies from its first entry to the head.
    let url = db.url();
    let (decisions, applications, chain) = tokio::task::spawn_blocking({
        move || {
            let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
            let register = store
                .load(Personals::Leave)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut decisions: HashMap<String, Vec<String>> = HashMap::new();
            let mut applications = 0;
            for e in register.events() {
                match &e.body {
                    EventBody::ApplicationDecided(d) => decisions
                        .entry(d.application.as_str().to_owned())
                        .or_default()
                        .push(d.decision.outcome().to_owned()),
                    EventBody::ApplicationReceived(_) => applications += 1,
                    _ => {}
                }
            }
            let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
            (decisions, applications, chain)
        }
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // The three persons the test app starts with, and the racers.
    assert_eq!(applications, 3 + RACES);
    for (application, outcome) in &winners {
        assert_eq!(
            decisions.get(application).map(Vec::as_slice),
            Some(&[(*outcome).to_owned()][..]),
            "{application}"
        );
    }
    let AuditChain { entries, head } = chain;
    let key = AuditKey::parse(&"cd".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
    verify(&key, &entries, head).unwrap_or_else(|e| panic!("the audit chain: {e}"));
    for action in ["application.create", "case.write"] {
        let recorded = entries.iter().filter(|e| e.entry.action == action).count();
        assert_eq!(
            recorded, RACES,
            "one {action} on record for each write stored"
        );
    }
    // The servers' pooled PostgreSQL clients are closed where blocking is allowed.
    tokio::task::spawn_blocking(move || drop((one, two, db)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}
