//! Reviews: internal and published, frozen publications, disclosure control across
//! releases, the series of earlier years.

use super::support::*;

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
    assert_eq!(review["tables"].as_array().map(Vec::len), Some(34));
    // The series over the years asked for.
    let ranged = iku.ok(&[
        "report",
        "annual",
        "2020",
        "--disclosure",
        "internal",
        "--years",
        "2019-2020",
    ]);
    let ranged: serde_json::Value = serde_json::from_str(&ranged).unwrap_or_default();
    let series = ranged["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["id"] == "series_applications"))
        .cloned()
        .unwrap_or_default();
    let years: Vec<&str> = series["cells"]
        .as_array()
        .map(|c| c.iter().filter_map(|c| c["key"]["year"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(years, ["2019", "2020"]);
    let refused = iku.fails(&["report", "annual", "2020", "--years", "2020-2019"]);
    assert!(refused.contains("--years"), "{refused}");
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

    // A register of a handful of new clients is published with its totals, every table that
    // could point at one of them (fewer than 5 persons) given as its total alone.
    let small = Iku::new();
    let file = small.generate("reg.jsonl", 40, 2020);
    small.ok(&["import", path_str(&file)]);
    small.ok(&["publish", "annual", "2020"]);
    let tiny = json(&small.ok(&["publication", "1"]));
    assert_eq!(tiny["disclosure"]["audit_passed"], true);
    let mut alone = 0;
    for t in tiny["tables"].as_array().cloned().unwrap_or_default() {
        assert!(
            t["total"].is_u64()
                || t.get("total").is_none_or(serde_json::Value::is_null)
                    && t.get("total_suppressed").is_none(),
            "{} total withheld",
            t["id"]
        );
        let dims = t["dims"].as_array().cloned().unwrap_or_default();
        let identifying = dims.len() >= 2
            || dims
                .iter()
                .any(|d| quasi.contains(&d.as_str().unwrap_or_default()));
        let total = t["total"].as_u64().unwrap_or(0);
        let series = dims.iter().any(|d| d == "year");
        if identifying && !series && (1..5).contains(&total) {
            // Nationalities are all folded into "other", which is then the total.
            let cells = t["cells"].as_array().cloned().unwrap_or_default();
            assert!(
                cells
                    .iter()
                    .all(|c| c["value"].is_null() || c["key"]["nationality"] == "other"),
                "{}",
                t["id"]
            );
            alone += 1;
        }
    }
    assert!(
        alone > 0,
        "no table small enough to be given as its total alone"
    );

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
        csv.contains("series_applications,2006,2006,12,\n")
            && csv.contains("series_applications,2007,2007,15,\n"),
        "{csv}"
    );
}
