//! The HTML review: its structure (every table a section with a chart that has a title and a
//! description, a data table with header cells, a text alternative), and rendered in a real
//! headless Chromium (Debian's; `.ci/run` installs it). The screenshots and pages are kept in
//! `test-artifacts/` at the workspace root.

use std::path::PathBuf;
use std::process::Command;

use iku_domain::Register;
use iku_domain::codes::Lang;
use iku_domain::grouping::StoredFacts;
use iku_generate::{Options, generate};
use iku_stats::disclosure::protect_facts;
use iku_stats::html::to_html;
use iku_stats::{Period, Release, THRESHOLD};

fn review_html(lang: Lang) -> String {
    let mut options = Options::new(800, 2020);
    options.personal_fields = false;
    let register = Register::new(generate(&options)).unwrap_or_else(|v| panic!("{v}"));
    let release = Release {
        period: Period::annual(2020),
        as_recorded_at: None,
    };
    let review = protect_facts(&StoredFacts::of(&register), &[], release, THRESHOLD)
        .unwrap_or_else(|e| panic!("{e}"))
        .review;
    to_html(&review, lang)
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-artifacts");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

#[test]
fn every_table_is_a_section_with_an_accessible_chart_and_a_data_table() {
    for lang in Lang::ALL {
        let html = review_html(lang);
        assert!(html.starts_with(&format!(r#"<!DOCTYPE html><html lang="{}">"#, lang.code())));
        assert_eq!(
            html.matches("<section aria-labelledby=").count(),
            34,
            "{lang:?}"
        );
        // Every table with dimensions has a chart; the two without (applications_persons,
        // finland_minor_at_time) have only their total.
        assert_eq!(html.matches(r#"<svg class="chart" role="img""#).count(), 32);
        assert_eq!(html.matches("<title id=").count(), 32);
        assert_eq!(html.matches("<desc id=").count(), 32);
        assert_eq!(html.matches(r#"<table><caption id=""#).count(), 34);
        // Each table in a box that scrolls on a phone, reachable and named by its caption.
        assert_eq!(
            html.matches(r#"<div class="table" role="region" tabindex="0" aria-labelledby=""#)
                .count(),
            34
        );
        // Every figure numbered and captioned with what it counts.
        assert_eq!(html.matches("<figcaption>").count(), 32);
        assert!(html.contains(r#"<th scope="row">"#) && html.contains(r#"<th scope="col">"#));
        // Nothing external: no scripts, no links to other hosts.
        assert!(
            !html.contains("<script") && !html.contains("http://") && !html.contains("https://")
        );
        assert!(html.contains("@media print"));
        // Suppressed cells show as a dash, and each table with one says why beneath it.
        let dashes = html.matches("<td>–</td>").count();
        assert!(dashes > 0, "{lang:?}: nothing suppressed in published mode");
        assert!(html.contains(r#"<p class="footnote">– "#), "{lang:?}");
    }
    assert!(review_html(Lang::Fi).contains("Hakemukset hakijatahon mukaan"));
    assert!(review_html(Lang::Sv).contains("Ansökningar enligt sökande"));
}

#[test]
fn the_review_renders_in_headless_chromium() {
    let dir = artifacts();
    for lang in Lang::ALL {
        let page = dir.join(format!("review-{}.html", lang.code()));
        let shot = dir.join(format!("review-{}.png", lang.code()));
        std::fs::write(&page, review_html(lang)).unwrap_or_else(|e| panic!("{e}"));
        let _ = std::fs::remove_file(&shot);
        let profile = tempfile_dir();
        let run = |args: &[String]| {
            Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .args(args)
                .output()
                .unwrap_or_else(|e| {
                    panic!("Debian's chromium is needed (apt-get install chromium): {e}")
                })
        };
        let url = format!(
            "file://{}",
            page.canonicalize().unwrap_or(page.clone()).display()
        );
        let out = run(&[
            "--window-size=1280,3000".into(),
            format!("--screenshot={}", shot.display()),
            url.clone(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let png = std::fs::read(&shot).unwrap_or_default();
        assert!(
            png.starts_with(b"\x89PNG") && png.len() > 20_000,
            "screenshot of {lang:?}: {} bytes",
            png.len()
        );
        // The browser's own DOM: all sections and charts were parsed as HTML and SVG.
        let dom = run(&["--dump-dom".into(), url]);
        let dom = String::from_utf8_lossy(&dom.stdout);
        assert_eq!(dom.matches("<section").count(), 34, "{lang:?}");
        assert_eq!(dom.matches("<svg").count(), 32, "{lang:?}");
        let _ = std::fs::remove_dir_all(&profile);
    }
}

fn tempfile_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "iku-chromium-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// The series of new clients over a chosen range of years, as bars stacked by form group with
/// a legend: kept as a screenshot (`test-artifacts/series-new-clients.png`).
#[test]
fn the_series_is_a_stacked_chart_over_the_years_chosen() {
    let mut options = Options::new(800, 2020);
    options.personal_fields = false;
    let register = Register::new(generate(&options)).unwrap_or_else(|v| panic!("{v}"));
    let release = Release {
        period: Period::annual(2022),
        as_recorded_at: None,
    };
    let mut review = protect_facts(&StoredFacts::of(&register), &[], release, THRESHOLD)
        .unwrap_or_else(|e| panic!("{e}"))
        .review;
    review.keep_years(2019, 2022);
    review.tables.retain(|t| t.id == "series_new_clients");
    let table = &review.tables[0];
    let years: std::collections::BTreeSet<&str> = table
        .cells
        .iter()
        .filter_map(|c| c.key.get("year").map(String::as_str))
        .collect();
    assert_eq!(
        years.into_iter().collect::<Vec<_>>(),
        ["2019", "2020", "2021", "2022"]
    );
    let html = to_html(&review, Lang::Fi);
    // One bar a year, stacked by the three form groups, each named in the legend.
    for legend in ["Seksuaalinen hyväksikäyttö", "Pakkotyö"] {
        assert!(
            html.contains(&format!(">{legend}</text>")),
            "{legend}: {html}"
        );
    }
    assert!(html.contains("fill:#1f5f99") && html.contains("fill:#c25e00"));
    assert!(html.contains(r#"text-anchor="end">2019</text>"#));
    let dir = artifacts();
    let page = dir.join("series-new-clients.html");
    let shot = dir.join("series-new-clients.png");
    std::fs::write(&page, &html).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_file(&shot);
    let profile = tempfile_dir();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            "--window-size=1100,900",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!(
            "file://{}",
            page.canonicalize().unwrap_or(page.clone()).display()
        ))
        .output()
        .unwrap_or_else(|e| panic!("Debian's chromium is needed: {e}"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&shot).unwrap_or_default();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{} bytes",
        png.len()
    );
    let _ = std::fs::remove_dir_all(&profile);
}
