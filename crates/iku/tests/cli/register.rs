//! Import and export: byte-identical round trips, refusals that name line and field,
//! history, PostgreSQL, and a kill -9 that leaves the database as it was.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::*;

#[test]
fn export_import_export_is_byte_identical() {
    let a = Iku::new();
    let file = a.generate("reg.jsonl", 500, 11);
    a.ok(&["import", path_str(&file)]);
    let first = a.export();
    assert_eq!(first, read(&file), "export reproduces the imported file");
    let b = Iku::new();
    let exported = b.path("first.jsonl");
    std::fs::write(&exported, &first).unwrap_or_else(|e| panic!("{e}"));
    b.ok(&["import", path_str(&exported)]);
    assert_eq!(b.export(), first);
}

#[test]
fn an_identical_reimport_is_a_no_op_and_says_so() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 100, 12);
    let first = iku.ok(&["import", path_str(&file)]);
    let before = iku.export();
    let again = iku.ok(&["import", path_str(&file)]);
    assert!(
        first.starts_with("imported ") && !first.starts_with("imported 0 "),
        "{first}"
    );
    assert!(again.starts_with("imported 0 events"), "{again}");
    assert_eq!(iku.export(), before);
}

#[test]
fn bad_files_import_nothing_and_the_error_names_line_and_field() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 60, 13);
    let good = read(&file);
    let lines: Vec<&str> = good.lines().collect();
    let bad_json = format!("{}\n{}\n{{not json\n", lines[0], lines[1]);
    let unknown_code = good.replacen("\"referrer\":\"", "\"referrer\":\"x", 1);
    let cut_off = &good[..good.len() - 20];
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "malformed JSON",
            bad_json,
            "line 3: expected one JSON object",
        ),
        ("unknown code", unknown_code, "field `referrer`"),
        ("cut off", cut_off.to_owned(), "cut off"),
    ];
    for (what, text, needle) in cases {
        let path = iku.path("bad.jsonl");
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
        let stderr = iku.fails(&["import", path_str(&path)]);
        assert!(
            stderr.contains("nothing was imported") && stderr.contains(needle),
            "{what}: {stderr}"
        );
        assert_eq!(iku.export(), "", "{what}: the database is still empty");
    }
    // The good file still imports afterwards.
    iku.ok(&["import", path_str(&file)]);
    assert_eq!(iku.export(), good);
}

#[test]
fn records_from_before_the_system_began_import_only_as_history() {
    let iku = Iku::new();
    let old = iku.path("old.jsonl");
    let lines = [
        r#"{"id":"h1","event":"application_received","date":"1999-05-03","recorded_at":"1999-05-04T09:00:00Z","application":"ha1","person":"hp1","referrer":"police","consent":true}"#,
        r#"{"id":"h2","event":"application_decided","date":"1999-06-01","recorded_at":"1999-06-02T09:00:00Z","application":"ha1","outcome":"withdrawn"}"#,
    ];
    std::fs::write(&old, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    let stderr = iku.fails(&["import", path_str(&old)]);
    assert!(
        stderr.contains("line 1") && stderr.contains("field `date`") && stderr.contains("2006"),
        "{stderr}"
    );
    assert_eq!(iku.export(), "");
    iku.ok(&["import", "--history", path_str(&old)]);
    assert_eq!(iku.export().lines().count(), 2);
}

#[test]
fn errors_and_output_never_show_personal_values() {
    let iku = Iku::new();
    let line = r#"{"id":"d1","event":"person_details","date":"2020-01-02","person":"nobody","name":"Qwertyuiop Asdfgh","email":"zxcv@example.invalid"}"#;
    let path = iku.path("leak.jsonl");
    std::fs::write(&path, format!("{line}\n")).unwrap_or_else(|e| panic!("{e}"));
    let out = iku.run(&["import", path_str(&path)]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("line 1"), "{all}");
    assert!(
        !all.contains("Qwertyuiop") && !all.contains("zxcv"),
        "{all}"
    );
}

#[test]
fn generate_is_deterministic_per_seed() {
    let iku = Iku::new();
    let a = read(&iku.generate("a.jsonl", 200, 5));
    let b = read(&iku.generate("b.jsonl", 200, 5));
    let c = read(&iku.generate("c.jsonl", 200, 6));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn import_without_init_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = Command::new(env!("CARGO_BIN_EXE_iku"))
        .args(["import", "-"])
        .env("IKU_DATA_DIR", dir.path().join("nothing"))
        .env_remove("IKU_KEY")
        .env_remove("IKU_KEY_FILE")
        .env_remove("IKU_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("iku init"));
}

#[test]
fn the_database_flag_selects_postgresql() {
    let admin = std::env::var("IKU_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("iku_cli_{}", std::process::id());
    let mut client = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("PostgreSQL needed: {e}"));
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap_or_else(|e| panic!("{e}"));
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap_or_else(|e| panic!("{e}"));
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    let mut iku = Iku::new();
    iku.database = Some(format!("{base}/{name}"));
    let file = iku.generate("reg.jsonl", 200, 14);
    iku.ok(&["import", path_str(&file)]);
    assert_eq!(iku.export(), read(&file));
    let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
}

/// kill -9 while the import writes: SQLite's transaction leaves the database as before.
#[test]
fn kill_9_during_a_large_import_leaves_the_database_as_before() {
    let iku = Iku::new();
    let small = iku.generate("small.jsonl", 50, 21);
    iku.ok(&["import", path_str(&small)]);
    let before = iku.export();
    let large = iku.path("large.jsonl");
    iku.ok(&[
        "generate",
        "--persons",
        "40000",
        "--seed",
        "22",
        "--id-prefix",
        "big-",
        "--out",
        path_str(&large),
    ]);
    let mut child = iku
        .command(&["import", path_str(&large)])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait until it writes, then kill it mid-transaction.
    let stderr = child.stderr.take().unwrap_or_else(|| panic!("no stderr"));
    let mut reader = BufReader::new(stderr);
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.starts_with("storing") {
            break;
        }
    }
    assert!(
        line.starts_with("storing"),
        "the import never reached the storing phase: {line}"
    );
    std::thread::sleep(Duration::from_millis(100));
    let still_running = child.try_wait().map(|s| s.is_none()).unwrap_or(false);
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    assert!(
        still_running,
        "the import finished before the kill; make the file larger"
    );
    assert_eq!(iku.export(), before);
    let check = rusqlite::Connection::open(iku.path("data/iku.db"))
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)));
    assert_eq!(check.ok().as_deref(), Some("ok"));
    // And the same import, run to the end, works.
    iku.ok(&["import", path_str(&large)]);
}

#[test]
fn export_to_a_dash_writes_to_standard_output() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 10, 4);
    iku.ok(&["import", path_str(&file)]);
    let mut command = iku.command(&["export", "--out", "-"]);
    let out = command
        .current_dir(iku.path(""))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), iku.export());
    assert!(!iku.path("-").exists(), "a file named - was written");
}
