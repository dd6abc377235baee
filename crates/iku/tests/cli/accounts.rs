//! Staff accounts from the command line.

use super::support::*;

#[test]
fn admins_add_disable_reset_and_unlock_accounts_on_record() {
    let iku = Iku::new();
    let out = iku.ok(&[
        "user",
        "add",
        "maria",
        "--role",
        "caseworker",
        "--office",
        "helsinki",
    ]);
    let password = out
        .lines()
        .nth(1)
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(password.len(), 20, "{out}");
    let conn =
        rusqlite::Connection::open(iku.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    let stored: String = conn
        .query_row(
            "SELECT password_hash FROM accounts WHERE username = 'maria'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(stored.starts_with("$argon2id$") && !stored.contains(&password));
    assert!(iku_password_matches(&password, &stored));
    assert!(
        iku.fails(&["user", "add", "maria", "--role", "director"])
            .contains("exists already")
    );
    assert!(
        iku.fails(&["user", "add", "sten", "--role", "caseworker"])
            .contains("belongs to an office")
    );
    assert!(
        iku.fails(&[
            "user",
            "add",
            "sten",
            "--role",
            "statistician",
            "--office",
            "oulu"
        ])
        .contains("only a caseworker")
    );
    assert!(
        iku.fails(&["user", "add", "Sten", "--role", "statistician"])
            .contains("lowercase")
    );
    iku.ok(&["user", "disable", "maria"]);
    iku.ok(&["user", "reset-totp", "maria"]);
    // A lock left by failed logins is shown, and lifted.
    let future = time::OffsetDateTime::now_utc().unix_timestamp() * 1_000_000 + 600_000_000;
    conn.execute(
        "UPDATE accounts SET failed_logins = 0, locked_until = ?1, lock_count = 1 WHERE username = 'maria'",
        [future],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let listed = iku.ok(&["user", "list"]);
    assert!(
        listed.contains("maria\tcaseworker\thelsinki\tnot enrolled\tdisabled\t20"),
        "{listed}"
    );
    iku.ok(&["user", "unlock", "maria"]);
    let listed = iku.ok(&["user", "list"]);
    assert!(
        listed.contains("maria\tcaseworker\thelsinki\tnot enrolled\tdisabled\t-"),
        "{listed}"
    );
    assert!(
        iku.fails(&["user", "disable", "nobody"])
            .contains("no account nobody")
    );
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        actions,
        ["user.add", "user.disable", "user.reset_totp", "user.unlock"]
    );
    assert!(
        iku.ok(&["audit", "verify"])
            .starts_with("ok: 4 audit entries")
    );
}

fn iku_password_matches(password: &str, stored: &str) -> bool {
    iku_app::auth::password::verify(password, stored)
}
