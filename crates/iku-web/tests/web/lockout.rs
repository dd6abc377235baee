//! Failed logins slow a guesser down without keeping the account's owner out: a lock refuses
//! only the addresses that failed, it ends on time and is forgotten then, it grows with each
//! lock, and an admin sees it and lifts it (on record).

use std::net::SocketAddr;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use iku_domain::access::LockPolicy;

use super::access::{PASSWORD, TestApp};

fn address(last: u8) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, last], 40_000))
}

/// A test app whose locks last `seconds`.
fn with_locks_of(seconds: i64) -> TestApp {
    TestApp::with(|mut c| {
        c.lock_policy = LockPolicy {
            max_failed: 5,
            first_lock: seconds * 1_000_000,
            longest_lock: 3600 * 1_000_000,
        };
        c
    })
}

#[tokio::test]
async fn a_lock_refuses_the_failing_address_but_not_the_owner_elsewhere() {
    let app = with_locks_of(600);
    let (attacker, owner) = (address(66), address(7));
    for _ in 0..5 {
        let wrong = app.try_login_from(attacker, "director", "guess", 0).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    // From the address that failed, even the right password and code are refused.
    let refused = app.try_login_from(attacker, "director", PASSWORD, 0).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert_eq!(refused.body["code"], "login_failed");
    // The owner, from elsewhere, gets in with both factors; that forgets the lock.
    let owner_in = app.try_login_from(owner, "director", PASSWORD, 1).await;
    assert_eq!(owner_in.status, StatusCode::OK, "{}", owner_in.text);
    let state = app
        .store()
        .login_state(
            &iku_domain::access::Username::parse("director").unwrap_or_else(|e| panic!("{e}")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state, iku_domain::access::LoginState::default());
    // And the owner's elsewhere needs both factors: a password alone does not get in.
    let no_code = app
        .call(
            Method::POST,
            "/api/login",
            None,
            Some(serde_json::json!({"username": "auditor", "password": PASSWORD})),
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_lock_is_forgotten_so_one_more_failure_does_not_lock_again() {
    let app = with_locks_of(1);
    let from = address(9);
    for _ in 0..5 {
        app.try_login_from(from, "cw.tampere", "guess", 0).await;
    }
    let locked = app.try_login_from(from, "cw.tampere", PASSWORD, 0).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "locked");
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    // The lock has run out: one failure counts as the first of a new run, not the sixth.
    let again = app.try_login_from(from, "cw.tampere", "guess", 0).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED);
    let name = iku_domain::access::Username::parse("cw.tampere").unwrap_or_else(|e| panic!("{e}"));
    let state = app
        .store()
        .login_state(&name)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((state.failed, state.locked_until), (1, None), "{state:?}");
    let owner = app.try_login_from(from, "cw.tampere", PASSWORD, 0).await;
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.text);
}

#[tokio::test]
async fn each_lock_lasts_longer_than_the_one_before() {
    let app = with_locks_of(1);
    let name = iku_domain::access::Username::parse("cw.tampere").unwrap_or_else(|e| panic!("{e}"));
    let mut lengths = Vec::new();
    // Each run from an address of its own: one address is also rate-limited.
    for run in 0..3 {
        let from = address(20 + run);
        let started = super::access::unix_now() * 1_000_000;
        for _ in 0..5 {
            app.try_login_from(from, "cw.tampere", "guess", 0).await;
        }
        let state = app
            .store()
            .login_state(&name)
            .unwrap_or_else(|e| panic!("{e}"));
        let until = state.locked_until.map_or(0, |u| u.micros());
        lengths.push((until - started) / 1_000_000);
        let wait = until - super::access::unix_now() * 1_000_000 + 200_000;
        tokio::time::sleep(Duration::from_micros(u64::try_from(wait).unwrap_or(0))).await;
    }
    let state = app
        .store()
        .login_state(&name)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(state.locks, 3, "{state:?}");
    // 1, 2 and 4 seconds (whole seconds: the runs start within a second).
    assert!(
        lengths[0] <= 2 && (2..=3).contains(&lengths[1]) && (4..=5).contains(&lengths[2]),
        "{lengths:?}"
    );
}

#[tokio::test]
async fn an_admin_sees_a_lock_and_lifts_it_on_record() {
    let app = with_locks_of(600);
    let from = address(11);
    for _ in 0..5 {
        app.try_login_from(from, "cw.tampere", "guess", 0).await;
    }
    let admin = app.login("admin").await;
    let (status, _, _, html) = app
        .page(Method::GET, "/en/staff/admin", Some(&admin.cookie), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("locked until"), "{html}");
    let csrf = super::access::hidden(&html, "csrf");
    let (status, location, _, _) = app
        .page(
            Method::POST,
            "/en/staff/admin/accounts/cw.tampere",
            Some(&admin.cookie),
            Some(&[("csrf", csrf.as_str()), ("action", "unlock")]),
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(location.as_deref(), Some("/en/staff/admin?done=unlock"));
    let (_, _, _, html) = app
        .page(
            Method::GET,
            "/en/staff/admin?done=unlock",
            Some(&admin.cookie),
            None,
        )
        .await;
    assert!(html.contains("The lock was lifted"), "{html}");
    assert!(!html.contains("locked until"), "{html}");
    // The failing address may try again at once.
    let back = app.try_login_from(from, "cw.tampere", PASSWORD, 0).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.text);
    assert!(
        app.audit_actions()
            .iter()
            .any(|(actor, action, record, _)| actor == "admin"
                && action == "user.unlock"
                && record == "cw.tampere")
    );
    // Other roles may not.
    let director = app.login("director").await;
    let (status, _, _, _) = app
        .page(
            Method::POST,
            "/en/staff/admin/accounts/cw.tampere",
            Some(&director.cookie),
            Some(&[("csrf", director.csrf.as_str()), ("action", "unlock")]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
