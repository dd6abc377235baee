//! The data's lifecycle: backup and restore, files for their owner only, key rotation,
//! the retention purge, the audit trail of commands, and documents through all of them.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use super::support::*;

#[test]
fn backup_restore_export_is_identical_and_verify_catches_tampering() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 300, 51);
    iku.ok(&["import", path_str(&file)]);
    iku.ok(&["publish", "annual", "2020"]);
    let before = iku.export();
    assert!(iku.ok(&["verify"]).starts_with("ok: "));
    let backup = iku.path("backup.db");
    iku.ok(&["backup", path_str(&backup)]);
    assert!(
        iku.fails(&["backup", path_str(&backup)])
            .contains("never overwrites")
    );
    // Restore into another installation that has the same key files.
    let other = Iku::new();
    for key in ["data/keys", "data/audit-key"] {
        std::fs::copy(iku.path(key), other.path(key)).unwrap_or_else(|e| panic!("{e}"));
    }
    other.ok(&["restore", path_str(&backup)]);
    assert_eq!(other.export(), before);
    assert_eq!(
        other.ok(&["publication", "1"]),
        iku.ok(&["publication", "1"])
    );
    // Not into a database that holds something.
    assert!(
        other
            .fails(&["restore", path_str(&backup)])
            .contains("not empty")
    );
    // A changed ciphertext is found, and named by its event.
    let conn =
        rusqlite::Connection::open(other.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch("UPDATE sealed_fields SET ciphertext = zeroblob(40) WHERE event_seq = (SELECT MIN(event_seq) FROM sealed_fields)")
        .unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let stderr = other.fails(&["verify"]);
    assert!(
        stderr.contains("do not decrypt") && stderr.contains("event "),
        "{stderr}"
    );
}

#[test]
fn the_database_its_log_and_its_backups_are_for_their_owner_only() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 20, 3);
    iku.ok(&["import", path_str(&file)]);
    assert_eq!(mode_of(&iku.path("data")), 0o700);
    for name in ["data/iku.db", "data/keys", "data/audit-key"] {
        assert_eq!(mode_of(&iku.path(name)), 0o600, "{name}");
    }
    // The write-ahead log exists while a connection is open.
    let conn =
        rusqlite::Connection::open(iku.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    conn.execute_batch("PRAGMA journal_mode = WAL; SELECT COUNT(*) FROM events;")
        .unwrap_or_else(|e| panic!("{e}"));
    for name in ["data/iku.db-wal", "data/iku.db-shm"] {
        assert_eq!(mode_of(&iku.path(name)), 0o600, "{name}");
    }
    drop(conn);
    let backup = iku.path("backup.db");
    iku.ok(&["backup", path_str(&backup)]);
    assert_eq!(mode_of(&backup), 0o600);
    // Restored from a backup someone made readable: the restored database is not.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&backup, std::fs::Permissions::from_mode(0o644))
        .unwrap_or_else(|e| panic!("{e}"));
    let other = Iku::new();
    for key in ["data/keys", "data/audit-key"] {
        std::fs::copy(iku.path(key), other.path(key)).unwrap_or_else(|e| panic!("{e}"));
    }
    let _ = std::fs::remove_file(other.path("data/iku.db"));
    other.ok(&["restore", path_str(&backup)]);
    assert_eq!(mode_of(&other.path("data/iku.db")), 0o600);
    let out = iku.path("copy.jsonl");
    iku.ok(&["export", "--out", path_str(&out)]);
    assert_eq!(mode_of(&out), 0o600);
}

/// kill -9 in the middle of a key rotation; running it again completes it, and every
/// personal field is still readable.
#[test]
fn an_interrupted_key_rotation_resumes_and_completes() {
    let iku = Iku::new();
    let file = iku.path("reg.jsonl");
    iku.ok(&[
        "generate",
        "--persons",
        "12000",
        "--seed",
        "61",
        "--out",
        path_str(&file),
    ]);
    iku.ok(&["import", path_str(&file)]);
    let before = iku.export();
    let first_key = read(&iku.path("data/keys"));
    let mut child = iku
        .command(&["keys", "rotate"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut reader = BufReader::new(child.stderr.take().unwrap_or_else(|| panic!("no stderr")));
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.starts_with("resealed") {
            break;
        }
    }
    assert!(
        line.starts_with("resealed"),
        "the rotation never got going: {line}"
    );
    let still_running = child.try_wait().map(|s| s.is_none()).unwrap_or(false);
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    assert!(
        still_running,
        "the rotation finished before the kill; make the register larger"
    );
    // Half done: both keys in the file, the register readable.
    assert_eq!(read(&iku.path("data/keys")).lines().count(), 2);
    assert_eq!(iku.export(), before);
    let resumed = iku.ok(&["keys", "rotate"]);
    assert!(resumed.starts_with("key rotated"), "{resumed}");
    let keys = read(&iku.path("data/keys"));
    assert_eq!(keys.lines().count(), 1, "the old key is retired");
    assert!(!first_key.lines().any(|k| keys.contains(k)));
    assert_eq!(iku.export(), before);
    assert!(iku.ok(&["verify"]).starts_with("ok: "));
    // The search index was built again under the new key.
    let active = iku_storage::Keyring::parse(&keys, "keys")
        .map(|k| k.active_key_id().to_owned())
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!("sqlite:{}", iku.path("data/iku.db").display());
    let indexed = iku_storage::open(&url).and_then(|mut s| s.blind_index_key());
    assert_eq!(indexed.ok().flatten(), Some(active));
}

/// The retention purge: personal fields of cases ended before the cut-off are erased and
/// leave no trace in the database file or its WAL; frozen reviews and re-runs are unchanged;
/// a second purge erases nothing.
#[test]
fn the_retention_purge_erases_without_trace_and_changes_no_figure() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 1500, 71);
    iku.ok(&["import", path_str(&file)]);
    iku.ok(&["publish", "annual", "2019"]);
    let frozen = iku.ok(&["publication", "1"]);
    let rerun = iku.ok(&["report", "annual", "2019", "--disclosure", "internal"]);
    let db = iku.path("data/iku.db");
    let sealed = |sql: &str| -> Vec<(i64, Vec<u8>)> {
        let conn = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
        let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}"));
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap_or_else(|e| panic!("{e}"))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let before = sealed("SELECT event_seq, ciphertext FROM sealed_fields");
    let plan = iku.ok(&["retention", "plan", "--as-of", "2024-06-30"]);
    assert!(
        plan.contains("(5 years) are due") && !plan.contains(" 0 persons"),
        "{plan}"
    );
    let purged = iku.ok(&["retention", "purge", "--as-of", "2024-06-30"]);
    assert!(
        purged.starts_with("erased the personal fields of "),
        "{purged}"
    );

    let erased: Vec<i64> =
        sealed("SELECT event_seq, nonce FROM sealed_fields WHERE key_id = 'erased'")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
    assert!(!erased.is_empty());
    let mut raw = std::fs::read(&db).unwrap_or_default();
    raw.extend(std::fs::read(iku.path("data/iku.db-wal")).unwrap_or_default());
    for (seq, ciphertext) in before.iter().filter(|(s, _)| erased.contains(s)) {
        assert!(ciphertext.len() >= 32);
        assert!(
            !raw.windows(ciphertext.len())
                .any(|w| w == ciphertext.as_slice()),
            "event {seq}: ciphertext still in the file"
        );
    }
    // What was not due is intact.
    let kept = sealed("SELECT event_seq, ciphertext FROM sealed_fields WHERE key_id <> 'erased'");
    assert!(!kept.is_empty() && kept.iter().all(|k| before.contains(k)));

    assert_eq!(iku.ok(&["publication", "1"]), frozen);
    assert_eq!(
        iku.ok(&["report", "annual", "2019", "--disclosure", "internal"]),
        rerun
    );
    assert!(iku.ok(&["verify"]).starts_with("ok: "));
    let again = iku.ok(&["retention", "purge", "--as-of", "2024-06-30"]);
    assert!(
        again.starts_with("erased the personal fields of 0 persons (0 values)"),
        "{again}"
    );
    // The erasure survives an export and import.
    let exported = iku.export();
    assert!(exported.contains("\"personal_erased\":true"));
    let other = Iku::new();
    std::fs::copy(iku.path("data/keys"), other.path("data/keys")).unwrap_or_else(|e| panic!("{e}"));
    let path = other.path("copy.jsonl");
    std::fs::write(&path, &exported).unwrap_or_else(|e| panic!("{e}"));
    other.ok(&["import", path_str(&path)]);
    assert_eq!(other.export(), exported);
}

#[test]
fn commands_leave_an_audit_trail_that_verifies_and_names_a_changed_entry() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 50, 81);
    iku.ok(&["import", path_str(&file)]);
    iku.export();
    iku.ok(&["report", "annual", "2020", "--disclosure", "internal"]);
    iku.ok(&["report", "annual", "2020"]);
    let said = iku.ok(&["audit", "verify"]);
    assert!(said.starts_with("ok: 3 audit entries; head 3 "), "{said}");
    let conn =
        rusqlite::Connection::open(iku.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    let actions: Vec<String> = conn
        .prepare("SELECT action FROM audit_log ORDER BY seq")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(actions, ["import", "export", "report.internal"]);
    conn.execute_batch("DROP TRIGGER audit_log_append_only_update; UPDATE audit_log SET action = 'nothing' WHERE seq = 2")
        .unwrap_or_else(|e| panic!("{e}"));
    drop(conn);
    let stderr = iku.fails(&["audit", "verify"]);
    assert!(stderr.contains("audit entry 2"), "{stderr}");
    assert!(iku.fails(&["verify"]).contains("audit entry 2"));
}

/// Documents of cases go where the register goes: a backup restored holds them byte for
/// byte, key rotation re-seals them (the old key retired, every file still opens), and the
/// retention purge erases those of the persons it purges from the database file, keeping the
/// others.
#[test]
fn documents_survive_backup_and_rotation_and_leave_with_the_retention_purge() {
    use iku_domain::documents::{DocumentInfo, DocumentKind, MediaType};
    use iku_domain::personal::Personal;
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 400, 71);
    iku.ok(&["import", path_str(&file)]);
    let mut persons: Vec<String> = iku
        .export()
        .split("\"person\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_owned))
        .collect();
    persons.sort();
    persons.dedup();
    let url = |iku: &Iku| format!("sqlite:{}", iku.path("data/iku.db").display());
    let keys = |iku: &Iku| {
        iku_storage::Keyring::load(&iku.path("data/keys")).unwrap_or_else(|e| panic!("{e}"))
    };
    let audit_key = iku_storage::audit::AuditKey::load(&iku.path("data/audit-key"))
        .unwrap_or_else(|e| panic!("{e}"));
    let content = |person: &str| format!("%PDF-1.4\n(statement of {person})\n").into_bytes();
    let mut store = iku_storage::open(&url(&iku)).unwrap_or_else(|e| panic!("{e}"));
    for (n, person) in persons.iter().enumerate() {
        let info = DocumentInfo {
            id: format!("d-{n}"),
            person: iku_domain::ids::PersonId::parse(person).unwrap_or_else(|e| panic!("{e}")),
            kind: DocumentKind::PoliceStatement,
            media: MediaType::Pdf,
            size: content(person).len() as u64,
            added_by: iku_domain::access::Username::parse("cw.helsinki")
                .unwrap_or_else(|e| panic!("{e}")),
            added_at: iku_domain::Timestamp::from_micros(1_700_000_000_000_000),
            erased: false,
        };
        let record = format!("{person} document.add d-{n}");
        store
            .add_document(
                iku_storage::documents::NewDocument {
                    info: &info,
                    name: &Personal::new("lausunto.pdf"),
                    content: &content(person),
                },
                &keys(&iku),
                iku_storage::AuditBatch {
                    key: &audit_key,
                    entries: vec![iku_storage::audit::NewAuditEntry::new(
                        "cw.helsinki",
                        "document.add",
                        &record,
                        "",
                    )],
                    at: info.added_at,
                },
            )
            .unwrap_or_else(|e| panic!("{e}"));
    }
    drop(store);
    // Every document as `iku` holds it: its file, or None once erased.
    let files = |iku: &Iku| -> Vec<Option<Vec<u8>>> {
        let mut store = iku_storage::open(&url(iku)).unwrap_or_else(|e| panic!("{e}"));
        (0..persons.len())
            .map(|n| {
                let d = store
                    .document(&format!("d-{n}"), &keys(iku))
                    .unwrap_or_else(|e| panic!("{e}"))
                    .unwrap_or_else(|| panic!("d-{n} is missing"));
                (!d.info.erased).then_some(d.content)
            })
            .collect()
    };
    let expected: Vec<Option<Vec<u8>>> = persons.iter().map(|p| Some(content(p))).collect();
    assert!(files(&iku) == expected);

    let backup = iku.path("backup.db");
    iku.ok(&["backup", path_str(&backup)]);
    let other = Iku::new();
    for key in ["data/keys", "data/audit-key"] {
        std::fs::copy(iku.path(key), other.path(key)).unwrap_or_else(|e| panic!("{e}"));
    }
    other.ok(&["restore", path_str(&backup)]);
    assert!(
        files(&other) == expected,
        "the restored backup lacks a file"
    );

    let first_key = read(&iku.path("data/keys"));
    assert!(iku.ok(&["keys", "rotate"]).starts_with("key rotated"));
    let rotated = read(&iku.path("data/keys"));
    assert!(!first_key.lines().any(|k| rotated.contains(k)));
    assert!(
        files(&iku) == expected,
        "a file does not open after rotation"
    );

    let db = iku.path("data/iku.db");
    let sealed = || -> Vec<Vec<u8>> {
        let conn = rusqlite::Connection::open(&db).unwrap_or_else(|e| panic!("{e}"));
        let mut stmt = conn
            .prepare("SELECT content FROM documents ORDER BY seq")
            .unwrap_or_else(|e| panic!("{e}"));
        stmt.query_map([], |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}"))
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let before = sealed();
    iku.ok(&["retention", "purge", "--as-of", "2024-06-30"]);
    let after = files(&iku);
    let erased = after.iter().filter(|f| f.is_none()).count();
    assert!(erased > 0 && erased < persons.len(), "{erased} erased");
    let mut raw = std::fs::read(&db).unwrap_or_default();
    raw.extend(std::fs::read(iku.path("data/iku.db-wal")).unwrap_or_default());
    for (n, file) in after.iter().enumerate() {
        match file {
            Some(kept) => assert!(Some(kept) == expected[n].as_ref()),
            None => assert!(
                !raw.windows(before[n].len())
                    .any(|w| w == before[n].as_slice()),
                "d-{n}: the sealed file is still in the database file"
            ),
        }
    }
    assert!(iku.ok(&["verify"]).starts_with("ok: "));
}
