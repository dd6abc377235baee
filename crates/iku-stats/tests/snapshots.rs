//! The outputs of a fixed register, as snapshots (insta): a change to the JSON contract or to
//! the CSV labels shows up as a diff to review.

use iku_domain::Register;
use iku_domain::codes::Lang;
use iku_generate::{Options, generate};
use iku_stats::{Period, compute, csv::to_csv, publish_simple};

fn fixed() -> Register {
    let mut options = Options::new(40, 2020);
    options.personal_fields = false;
    Register::new(generate(&options)).unwrap_or_else(|v| panic!("{v}"))
}

#[test]
fn annual_review_json() {
    let review = publish_simple(compute(&fixed(), Period::annual(2020), None));
    insta::assert_snapshot!(review.to_json());
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
