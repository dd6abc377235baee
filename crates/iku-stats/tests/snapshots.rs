//! The outputs of a fixed register, as snapshots (insta): a change to the JSON contract or to
//! the CSV labels shows up as a diff to review.

use iku_domain::Register;
use iku_domain::codes::Lang;
use iku_domain::grouping::StoredFacts;
use iku_generate::{Options, generate};
use iku_stats::disclosure::protect_facts;
use iku_stats::{Period, Release, THRESHOLD, compute, csv::to_csv};

fn fixed() -> Register {
    let mut options = Options::new(40, 2020);
    options.personal_fields = false;
    Register::new(generate(&options)).unwrap_or_else(|v| panic!("{v}"))
}

#[test]
fn annual_review_json() {
    let release = Release {
        period: Period::annual(2020),
        as_recorded_at: None,
    };
    let review = protect_facts(&StoredFacts::of(&fixed()), &[], release, THRESHOLD)
        .unwrap_or_else(|e| panic!("{e}"))
        .review;
    insta::assert_snapshot!(review.to_json());
}

/// A published review as a reader gets it: a few tables of the annual review in published
/// mode (withheld cells, "other" nationalities, shares of what is shown), as the HTML
/// document in Finnish (numbered figures with "n =" and captions, share columns) and as CSV.
#[test]
fn published_review_html_and_csv_with_shares() {
    let release = Release {
        period: Period::annual(2020),
        as_recorded_at: None,
    };
    let mut review = protect_facts(&StoredFacts::of(&fixed()), &[], release, THRESHOLD)
        .unwrap_or_else(|e| panic!("{e}"))
        .review;
    let kept = [
        "new_clients_by_gender_age",
        "new_clients_by_nationality",
        "new_clients_by_exploitation_and_gender",
    ];
    review.tables.retain(|t| kept.contains(&t.id));
    assert_eq!(review.tables.len(), kept.len());
    assert!(
        review
            .tables
            .iter()
            .flat_map(|t| &t.cells)
            .any(|c| c.share.is_some()),
        "no shares to show"
    );
    insta::assert_snapshot!(
        "published_html_fi",
        iku_stats::html::to_html(&review, Lang::Fi)
    );
    insta::assert_snapshot!("published_csv_en", to_csv(&review, Lang::En));
}

#[test]
fn semiannual_review_csv_in_finnish_swedish_and_english() {
    let review = compute(&fixed(), Period::semiannual(2021), None);
    for lang in Lang::ALL {
        insta::assert_snapshot!(
            format!("semiannual_csv_{}", lang.code()),
            to_csv(&review, lang)
        );
    }
}

/// Every code a review can show has a label in each language (years are their own label).
#[test]
fn every_cell_and_extra_has_a_label_in_fi_sv_and_en() {
    let review = compute(
        &Register::new(generate(&Options::new(600, 5))).unwrap_or_default(),
        Period::annual(2021),
        None,
    );
    let mut missing = Vec::new();
    for t in &review.tables {
        let keys = t
            .cells
            .iter()
            .flat_map(|c| c.key.iter().map(|(d, code)| (*d, code.as_str())));
        let extras = t.extra.keys().map(|k| ("extra", *k));
        for (dim, code) in keys.chain(extras) {
            for lang in Lang::ALL {
                if dim != "year" && iku_stats::labels::find(dim, code, lang).is_none() {
                    missing.push(format!("{}: {dim}={code} ({})", t.id, lang.code()));
                }
            }
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// The workbook read back (calamine): a sheet per table, labels in the language, the numbers.
#[test]
fn the_xlsx_workbook_has_a_sheet_per_table_with_labels_and_numbers() {
    use calamine::{Data, Reader, Xlsx};
    let review = compute(&fixed(), Period::annual(2020), None);
    let bytes = iku_stats::xlsx::to_xlsx(&review, Lang::Sv).unwrap_or_else(|e| panic!("{e}"));
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).unwrap_or_else(|e| panic!("{e}"));
    let names = book.sheet_names();
    assert_eq!(names.len(), 35);
    assert!(names.iter().all(|n| n.chars().count() <= 31));
    // Sheets named in the language, each with its number.
    assert_eq!(names[0], "Statistik");
    assert_eq!(names[1], "01 Ansökningar enligt sökande");
    assert!(names.iter().skip(1).all(|n| !n.contains('_')), "{names:?}");
    let sheet = book
        .worksheet_range(&names[1])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        sheet.get_value((0, 0)),
        Some(&Data::String("Ansökningar enligt sökande".into()))
    );
    assert_eq!(
        sheet.get_value((3, 0)),
        Some(&Data::String("Förläggning".into()))
    );
    let table = review
        .table("applications_by_referrer")
        .unwrap_or_else(|| panic!("table"));
    let first = table.value(&["reception_centre"]).unwrap_or(0) as f64;
    assert_eq!(sheet.get_value((3, 1)), Some(&Data::Float(first)));
    // Its share of the total beside it, in per cent.
    let total = table.total.unwrap_or(1) as f64;
    let share = (first * 1000.0 / total).round() / 10.0;
    assert_eq!(sheet.get_value((3, 2)), Some(&Data::Float(share)));
    let total_row = 3 + table.cells.len() as u32;
    assert_eq!(
        sheet.get_value((total_row, 0)),
        Some(&Data::String("Totalt".into()))
    );
    assert_eq!(
        sheet.get_value((total_row, 1)),
        Some(&Data::Float(table.total.unwrap_or(0) as f64))
    );
}
