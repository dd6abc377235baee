//! One person's data (`iku person export`) and the HTCDS release (`iku htcds`).

use super::support::*;

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
