//! The `iku` binary end to end: one test binary, a shared `Iku` builder giving each test its
//! own data directory.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// An iku installation in a temporary directory.
struct Iku {
    dir: tempfile::TempDir,
    database: Option<String>,
}

impl Iku {
    fn new() -> Self {
        let iku = Self {
            dir: tempfile::tempdir().unwrap_or_else(|e| panic!("{e}")),
            database: None,
        };
        iku.ok(&["init"]);
        iku
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_iku"));
        c.args(args)
            .env("IKU_DATA_DIR", self.path("data"))
            .env_remove("IKU_DATABASE_URL")
            .env_remove("IKU_KEY")
            .env_remove("IKU_KEY_FILE");
        if let Some(db) = &self.database {
            c.env("IKU_DATABASE_URL", db);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args)
            .output()
            .unwrap_or_else(|e| panic!("iku {args:?}: {e}"))
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "iku {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a command expected to fail; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "iku {args:?} succeeded");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    fn generate(&self, name: &str, persons: usize, seed: u64) -> PathBuf {
        let path = self.path(name);
        let (p, s) = (persons.to_string(), seed.to_string());
        self.ok(&[
            "generate",
            "--persons",
            &p,
            "--seed",
            &s,
            "--out",
            path_str(&path),
        ]);
        path
    }

    fn export(&self) -> String {
        self.ok(&["export"])
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap_or_else(|| panic!("non-UTF-8 temp path"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

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
fn report_writes_the_review_as_json_and_csv_without_a_key() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 400, 31);
    iku.ok(&["import", path_str(&file)]);
    // Statistics need no key: remove it.
    std::fs::remove_file(iku.path("data/keys")).unwrap_or_else(|e| panic!("{e}"));
    let json = iku.ok(&["report", "annual", "2020", "--disclosure", "internal"]);
    let review: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(review["report"], "annual");
    assert_eq!(review["period"]["end"], "2020-12-31");
    assert_eq!(review["disclosure"]["mode"], "internal");
    assert_eq!(review["tables"].as_array().map(Vec::len), Some(30));
    // Published: no nationality cell below 5 but the folded "other".
    let published = iku.ok(&["report", "annual", "2020"]);
    let review: serde_json::Value =
        serde_json::from_str(&published).unwrap_or_else(|e| panic!("{e}"));
    let tables = review["tables"].as_array().cloned().unwrap_or_default();
    let nationality = tables
        .iter()
        .find(|t| t["id"] == "clients_by_nationality")
        .cloned()
        .unwrap_or_default();
    for cell in nationality["cells"].as_array().cloned().unwrap_or_default() {
        let small = cell["value"].as_u64().is_some_and(|v| v < 5);
        assert!(!small || cell["key"]["nationality"] == "other", "{cell}");
    }
    let csv = iku.ok(&[
        "report",
        "semiannual",
        "2021",
        "--format",
        "csv",
        "--lang",
        "sv",
    ]);
    assert!(csv.starts_with("table,key,label,value,share\n"));
    assert!(
        csv.contains("applications_by_referrer,police,Polisen,"),
        "{csv}"
    );
    // The form a Finnish Excel opens as it is.
    let excel = iku.ok(&[
        "report",
        "semiannual",
        "2021",
        "--format",
        "csv-excel",
        "--lang",
        "fi",
    ]);
    assert!(
        excel.starts_with("\u{feff}table;key;label;value;share\n"),
        "{excel}"
    );
    assert!(excel.contains(";100,0\n"), "{excel}");
    let stderr = iku.fails(&["report", "annual", "2020", "--as-recorded-at", "yesterday"]);
    assert!(stderr.contains("--as-recorded-at"), "{stderr}");
}

#[test]
fn a_published_review_stays_frozen_while_corrections_change_the_rerun() {
    let iku = Iku::new();
    let lines = [
        r#"{"id":"e1","event":"application_received","date":"2020-03-01","recorded_at":"2020-03-02T08:00:00Z","application":"a1","person":"p1","referrer":"police","consent":true}"#,
        r#"{"id":"e2","event":"person_details","date":"2020-03-01","recorded_at":"2020-03-02T08:01:00Z","person":"p1","gender":"female","birth_date":"1990-05-05"}"#,
        r#"{"id":"e3","event":"application_decided","date":"2020-03-10","recorded_at":"2020-03-10T08:00:00Z","application":"a1","outcome":"admitted"}"#,
    ];
    let file = iku.path("reg.jsonl");
    std::fs::write(&file, lines.join("\n") + "\n").unwrap_or_else(|e| panic!("{e}"));
    iku.ok(&["import", path_str(&file)]);
    // Internal mode: exact counts, so that one correction shows cell by cell (the published
    // mode's suppressions are `disclosure_control_protects_the_annual_review_with_the_semiannual`).
    let said = iku.ok(&["publish", "annual", "2020", "--disclosure", "internal"]);
    assert!(
        said.starts_with("published annual 2020 version 1 (publication 1)"),
        "{said}"
    );
    let frozen = iku.ok(&["publication", "1"]);
    let listed = iku.ok(&["publications"]);
    assert!(
        listed
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("1\tannual\t2020\t1\tinternal\t")),
        "{listed}"
    );
    assert_eq!(
        iku.ok(&["report", "annual", "2020", "--compare-published"]),
        "table,key,published,current\n"
    );

    // A correction recorded after publication: p1 is a man.
    let correction = r#"{"id":"e4","event":"person_details","date":"2020-03-01","corrects":"e2","person":"p1","gender":"male","birth_date":"1990-05-05"}"#;
    std::fs::write(&file, format!("{correction}\n")).unwrap_or_else(|e| panic!("{e}"));
    iku.ok(&["import", path_str(&file)]);
    assert_eq!(
        iku.ok(&["publication", "1"]),
        frozen,
        "the frozen review never changes"
    );
    let changes = iku.ok(&["report", "annual", "2020", "--compare-published"]);
    for expected in [
        "new_clients_by_gender_age,men,0,1",
        "new_clients_by_gender_age,women,1,0",
        "clients_by_gender_age,women,1,0",
    ] {
        assert!(changes.contains(expected), "{expected}: {changes}");
    }
    assert!(!changes.contains("applications_by_referrer"), "{changes}");
    // The re-run as recorded at the publication's moment is the frozen review, byte for byte.
    let review: serde_json::Value = serde_json::from_str(&frozen).unwrap_or_else(|e| panic!("{e}"));
    let at = review["as_recorded_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        iku.ok(&[
            "report",
            "annual",
            "2020",
            "--disclosure",
            "internal",
            "--as-recorded-at",
            &at
        ]),
        frozen
    );
    assert!(
        iku.fails(&["publication", "7"])
            .contains("no publication 7")
    );
    assert!(
        iku.fails(&["publication", "1", "--disclosure-report"])
            .contains("publication 1 has no disclosure report")
    );
}

#[test]
fn disclosure_control_protects_the_annual_review_with_the_semiannual() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 1200, 61);
    iku.ok(&["import", path_str(&file)]);
    iku.ok(&["publish", "semiannual", "2020"]);
    let said = iku.ok(&["publish", "annual", "2020"]);
    assert!(
        said.starts_with("published annual 2020 version 1 (publication 2)"),
        "{said}"
    );
    let json = |s: &str| -> serde_json::Value {
        serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
    };
    let annual = iku.ok(&["publication", "2"]);
    let review = json(&annual);
    assert_eq!(review["disclosure"]["audit_passed"], true);
    // No published cell of a table that could point at a person counts 1 to 4 persons.
    let quasi = ["nationality", "age_group", "residence_status", "referrer"];
    let mut suppressed = 0;
    for t in review["tables"].as_array().cloned().unwrap_or_default() {
        let dims: Vec<String> = t["dims"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|d| d.as_str().map(str::to_owned))
            .collect();
        let identifying = dims.len() >= 2 || dims.iter().any(|d| quasi.contains(&d.as_str()));
        for c in t["cells"].as_array().cloned().unwrap_or_default() {
            match c["value"].as_u64() {
                Some(v) => assert!(!identifying || v == 0 || v >= 5, "{}: {c}", t["id"]),
                None => suppressed += 1,
            }
        }
    }
    assert!(suppressed > 0, "nothing suppressed: {annual}");

    // The disclosure report: with the semiannual review as what an attacker already holds.
    let report = json(&iku.ok(&["publication", "2", "--disclosure-report"]));
    assert_eq!(report["audit_passed"], true);
    assert_eq!(report["earlier_releases"][0]["report"], "semiannual");
    let withheld = report["withheld"].as_array().cloned().unwrap_or_default();
    assert!(withheld.iter().any(|w| w["reason"] == "primary"));
    assert!(withheld.iter().all(|w| w["passed"] == true));
    let first = json(&iku.ok(&["publication", "1", "--disclosure-report"]));
    assert_eq!(first["earlier_releases"].as_array().map(Vec::len), Some(0));

    // Reading a report is on record.
    let conn =
        rusqlite::Connection::open(iku.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    let reads: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'publication.disclosure_report'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(reads, 2);

    // A higher threshold is a setting; below 2 it would protect nothing.
    let stricter = json(&iku.ok(&["report", "semiannual", "2020", "--threshold", "10"]));
    assert_eq!(stricter["disclosure"]["threshold"], 10);
    let referrers = stricter["tables"][0]["cells"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        referrers
            .iter()
            .all(|c| c["value"].as_u64().is_none_or(|v| v == 0 || v >= 10)),
        "{referrers:?}"
    );
    let refused = iku.fails(&["report", "annual", "2020", "--threshold", "1"]);
    assert!(refused.contains("--threshold"), "{refused}");

    // A register far too small for a release to be made safe is not published.
    let small = Iku::new();
    let file = small.generate("reg.jsonl", 40, 2020);
    small.ok(&["import", path_str(&file)]);
    let refused = small.fails(&["publish", "annual", "2020"]);
    assert!(
        refused.contains("not published: the audit found"),
        "{refused}"
    );
    assert_eq!(small.ok(&["publications"]).lines().count(), 1);

    // Re-run as recorded at its moment, the protected review is the frozen one.
    let at = review["as_recorded_at"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        iku.ok(&["report", "annual", "2020", "--as-recorded-at", &at]),
        annual
    );
}

#[test]
fn series_aggregates_load_from_a_file_and_show_in_the_review() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 100, 41);
    iku.ok(&["import", path_str(&file)]);
    let bad = iku.path("bad.json");
    std::fs::write(&bad, r#"{"series_applications": {"2006": "many"}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let stderr = iku.fails(&["series-aggregates", path_str(&bad)]);
    assert!(stderr.contains("series_applications 2006"), "{stderr}");
    let good = iku.path("series.json");
    std::fs::write(
        &good,
        r#"{"series_applications": {"2006": 12, "2007": 15}}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    iku.ok(&["series-aggregates", path_str(&good)]);
    let csv = iku.ok(&["report", "annual", "2020", "--format", "csv"]);
    assert!(
        csv.contains("series_applications,2006,2006,12\n")
            && csv.contains("series_applications,2007,2007,15\n"),
        "{csv}"
    );
}

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

/// The mode bits of a file: who may read it.
fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
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

/// A plain HTTP/1.1 GET on loopback; returns the status line and the body.
fn http_get(addr: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.lines().next().unwrap_or_default().to_owned();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Starts `iku COMMAND` listening on free ports: the process, what it said up to the line
/// "listening on http://APP (metrics on http://METRICS/metrics)", and those two addresses.
fn start_server(iku: &Iku, command: &str) -> (std::process::Child, String, Vec<String>) {
    let mut child = iku
        .command(&[
            command,
            "--listen",
            "127.0.0.1:0",
            "--metrics-listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut said = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap_or_else(|| panic!("no stdout")));
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        said.push_str(&line);
    }
    let addrs: Vec<String> = line
        .split("http://")
        .skip(1)
        .map(|s| s.split([' ', ')', '/']).next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(addrs.len(), 2, "{said}");
    (child, said, addrs)
}

#[test]
fn the_server_answers_health_readiness_and_metrics_on_its_own_listener() {
    let iku = Iku::new();
    let (mut child, _, addrs) = start_server(&iku, "serve");
    let (status, body) = http_get(&addrs[0], "/health");
    assert!(
        status.contains("200") && body.contains("ok"),
        "{status} {body}"
    );
    let (status, body) = http_get(&addrs[0], "/ready");
    assert!(
        status.contains("200") && body.contains("ready"),
        "{status} {body}"
    );
    // Metrics are not on the public listener, only on their own.
    let (status, _) = http_get(&addrs[0], "/metrics");
    assert!(status.contains("404"), "{status}");
    let (status, body) = http_get(&addrs[1], "/metrics");
    assert!(status.contains("200"), "{status}");
    assert!(
        body.contains("iku_health_requests_total 1")
            && body.contains("iku_ready_requests_total{result=\"ready\"} 1"),
        "{body}"
    );
    let _ = child.kill();
    let _ = child.wait();
}

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

#[test]
fn the_demo_starts_the_server_with_the_demo_register_and_an_account_of_every_role() {
    let iku = Iku::new();
    let (mut child, said, addrs) = start_server(&iku, "demo");
    for role in ["caseworker", "director", "statistician", "admin", "auditor", "dpo"] {
        assert!(said.contains(&format!("demo.{role}")), "{said}");
    }
    let addr = addrs[0].clone();
    // Log in as the director with the demo's password and current code.
    let code = iku.ok(&["demo-code"]).trim().to_owned();
    let body = format!(
        r#"{{"username":"demo.director","password":"demo-password-2020","code":"{code}"}}"#
    );
    let mut stream = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
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
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let cookie = response
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .and_then(|c| c.split(';').next())
        .unwrap_or_default()
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap_or_else(|e| panic!("{e}"));
    write!(
        stream,
        "GET /api/cases?limit=500 HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut cases = String::new();
    stream
        .read_to_string(&mut cases)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(cases.starts_with("HTTP/1.1 200"), "{cases}");
    // A page of the demo register's cases, and more after it.
    assert_eq!(cases.matches("\"person\"").count(), 500, "{cases}");
    assert!(!cases.contains("\"next\":null"), "{cases}");
    let (status, _) = http_get(&addr, "/fi/staff/login");
    assert!(status.contains("200"), "{status}");
    let _ = child.kill();
    let _ = child.wait();
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

/// `iku person export`: everything held about one person as JSON, only theirs, in a file for
/// its owner's eyes, on record; an unknown person is said so.
#[test]
fn a_persons_data_is_exported_for_their_request_and_the_export_is_on_record() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 60, 81);
    iku.ok(&["import", path_str(&file)]);
    let exported = iku.export();
    let person = exported
        .split("\"person\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned();
    let out = iku.path("answer.json");
    iku.ok(&["person", "export", &person, "--out", path_str(&out)]);
    assert_eq!(mode_of(&out) & 0o777, 0o600);
    let answer: serde_json::Value =
        serde_json::from_str(&read(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(answer["person"], person.as_str());
    let events = answer["events"].as_array().cloned().unwrap_or_default();
    assert!(!events.is_empty());
    // Every event that names a person names this one; their details carry their name.
    assert!(
        events
            .iter()
            .all(|e| e["person"].is_null() || e["person"] == person.as_str())
    );
    let theirs_in_export = exported
        .lines()
        .filter(|l| l.contains(&format!("\"person\":\"{person}\"")))
        .count();
    let with_person = events.iter().filter(|e| !e["person"].is_null()).count();
    assert_eq!(with_person, theirs_in_export);
    // Never overwritten; an unknown person is said so.
    assert!(
        iku.fails(&["person", "export", &person, "--out", path_str(&out)])
            .contains("answer.json")
    );
    let other = iku.path("nobody.json");
    assert!(
        iku.fails(&["person", "export", "nobody123", "--out", path_str(&other)])
            .contains("no person nobody123")
    );
    let conn =
        rusqlite::Connection::open(iku.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    let recorded: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'gdpr.export' AND record = ?1 AND actor LIKE 'cli:%'",
            [&person],
            |r| r.get(0),
        )
        .unwrap_or(0);
    assert_eq!(recorded, 1);
    assert!(iku.ok(&["audit", "verify"]).starts_with("ok"));
}

/// `iku htcds`: the register in HTCDS's field names with every combination of the known
/// attributes at least k persons, nothing personal and no id in it, what was recoded said,
/// on record.
#[test]
fn the_htcds_release_holds_no_personal_value_and_no_small_combination() {
    let iku = Iku::new();
    let file = iku.generate("reg.jsonl", 400, 91);
    iku.ok(&["import", path_str(&file)]);
    let exported = iku.export();
    let (json_out, csv_out) = (iku.path("htcds.json"), iku.path("htcds.csv"));
    let said = iku.ok(&["htcds", "--out", path_str(&json_out)]);
    assert!(
        said.contains("k = 11") && said.contains("recoded"),
        "{said}"
    );
    iku.ok(&[
        "htcds",
        "--format",
        "csv",
        "--k",
        "5",
        "--out",
        path_str(&csv_out),
    ]);
    let (json, csv) = (read(&json_out), read(&csv_out));
    // Every personal value and every id of the register, searched for in both files.
    let mut secrets = Vec::new();
    for line in exported.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
        for field in [
            "name",
            "personal_identity_code",
            "phone",
            "email",
            "note",
            "person",
            "application",
            "id",
        ] {
            if let Some(v) = event[field].as_str().filter(|v| v.len() >= 4) {
                secrets.push(v.to_owned());
            }
        }
    }
    assert!(secrets.len() > 400);
    for secret in &secrets {
        for (name, text) in [("json", &json), ("csv", &csv)] {
            assert!(
                !text.contains(&format!("\"{secret}\"")) && !text.contains(&format!(",{secret},")),
                "{secret} in the {name} release"
            );
        }
    }
    // Counted here: every combination of the known attributes at least k.
    let release: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let columns: Vec<String> = release["columns"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let known: Vec<usize> = [
        "yearOfRegistration",
        "prs_Gender",
        "ageBroad",
        "majorityStatus",
        "prs_Nationality",
        "CountryOfExploitation",
    ]
    .iter()
    .filter_map(|k| columns.iter().position(|c| c == k))
    .collect();
    assert_eq!(known.len(), 6);
    let mut counts = std::collections::HashMap::new();
    for record in release["records"].as_array().cloned().unwrap_or_default() {
        let key: Vec<String> = known.iter().map(|&i| record[i].to_string()).collect();
        *counts.entry(key).or_insert(0usize) += 1;
    }
    assert!(
        !counts.is_empty() && counts.values().all(|&n| n >= 11),
        "{counts:?}"
    );
    let csv_counts = csv
        .lines()
        .skip(1)
        .fold(std::collections::HashMap::new(), |mut m, l| {
            let cells: Vec<&str> = l.split(',').collect();
            let key: Vec<&str> = known.iter().map(|&i| cells[i]).collect();
            *m.entry(key).or_insert(0usize) += 1;
            m
        });
    assert!(csv_counts.values().all(|&n| n >= 5), "{csv_counts:?}");
    assert!(release["recoded"].is_array() && release["withheld_records"].is_number());
    let conn =
        rusqlite::Connection::open(iku.path("data/iku.db")).unwrap_or_else(|e| panic!("{e}"));
    let on_record: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'htcds.export'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    assert_eq!(on_record, 2);
}
