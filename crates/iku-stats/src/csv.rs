//! CSV output: one row per cell, with the codes and their labels in the chosen language.
//! Cells that a spreadsheet would read as a formula are neutralised.

use iku_domain::codes::Lang;

use crate::labels::label;
use crate::review::Review;

/// A field of a CSV file whose fields `separator` parts: quoted when it holds the separator, a
/// quote or a line break; one that a spreadsheet would read as a formula (a leading `= + - @`,
/// tab or carriage return) gets a `'` first.
pub fn cell(s: &str, separator: char) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([separator, '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// How a CSV file is written: the comma form (a dot in decimals), or the form a Finnish or
/// Swedish Excel opens as it is (semicolons, a decimal comma, UTF-8 with a byte-order mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Comma,
    Excel,
}

/// The review as CSV: `table,key,label,value,share` rows (the share in per cent); totals and
/// extras as rows of their own.
pub fn to_csv(review: &Review, lang: Lang) -> String {
    write(review, lang, Dialect::Comma)
}

/// The review as CSV for a spreadsheet in Finland (`Dialect::Excel`).
pub fn to_csv_excel(review: &Review, lang: Lang) -> String {
    write(review, lang, Dialect::Excel)
}

fn write(review: &Review, lang: Lang, dialect: Dialect) -> String {
    let (separator, bom) = match dialect {
        Dialect::Comma => (',', ""),
        Dialect::Excel => (';', "\u{feff}"),
    };
    let share = |s: Option<f64>| match (s, dialect) {
        (None, _) => String::new(),
        (Some(s), Dialect::Comma) => format!("{s:.1}"),
        (Some(s), Dialect::Excel) => format!("{s:.1}").replace('.', ","),
    };
    let mut out = String::from(bom);
    let header = ["table", "key", "label", "value", "share"];
    out.push_str(&header.join(&separator.to_string()));
    out.push('\n');
    let mut row = |fields: [&str; 5]| {
        let cells: Vec<String> = fields.iter().map(|f| cell(f, separator)).collect();
        out.push_str(&cells.join(&separator.to_string()));
        out.push('\n');
    };
    for t in &review.tables {
        for c in &t.cells {
            let codes: Vec<&str> = t
                .dims
                .iter()
                .filter_map(|d| c.key.get(d).map(String::as_str))
                .collect();
            let labels: Vec<String> = t
                .dims
                .iter()
                .zip(&codes)
                .map(|(d, code)| label(d, code, lang))
                .collect();
            let value = c.value.map_or("–".to_owned(), |v| v.to_string());
            row([
                t.id,
                &codes.join("/"),
                &labels.join(" / "),
                &value,
                &share(c.share),
            ]);
        }
        if let Some(total) = t.total {
            let all = if t.dims.first() == Some(&"year") {
                None
            } else {
                Some(100.0)
            };
            row([
                t.id,
                "total",
                &label("any", "total", lang),
                &total.to_string(),
                &share(all),
            ]);
        }
        for (k, v) in &t.extra {
            row([t.id, k, &label("extra", k, lang), &v.to_string(), ""]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_is_quoted_for_its_separator_and_never_read_as_a_formula() {
        assert_eq!(cell("a;b", ';'), "\"a;b\"");
        assert_eq!(cell("a;b", ','), "a;b");
        assert_eq!(cell("a,b", ','), "\"a,b\"");
        assert_eq!(cell("say \"hi\"", ';'), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(1)", ';'), "'=HYPERLINK(1)");
        assert_eq!(cell("\t=1", ';'), "'\t=1");
        assert_eq!(cell("line\nbreak", ';'), "\"line\nbreak\"");
    }

    #[test]
    fn the_excel_form_has_semicolons_a_decimal_comma_and_a_byte_order_mark() {
        use crate::review::{Cell, Disclosure, PeriodDates, Table};
        let cell = |code: &str, value: u64| Cell {
            key: [("gender", code.to_owned())].into_iter().collect(),
            value: Some(value),
            suppressed: None,
            share: None,
        };
        let mut review = Review {
            report: "annual",
            period: PeriodDates {
                start: "2020-01-01".into(),
                end: "2020-12-31".into(),
            },
            as_recorded_at: None,
            disclosure: Disclosure {
                mode: "internal",
                threshold: 5,
                note: None,
                audit_passed: None,
            },
            tables: vec![Table {
                id: "new_clients_by_gender",
                unit: "persons",
                dims: vec!["gender"],
                cells: vec![cell("female", 2), cell("male", 1)],
                total: Some(3),
                total_suppressed: None,
                extra: Default::default(),
                extra_suppressed: Vec::new(),
            }],
        };
        review.fill_shares();
        let excel = to_csv_excel(&review, Lang::Fi);
        assert!(
            excel.starts_with("\u{feff}table;key;label;value;share\n"),
            "{excel}"
        );
        assert!(
            excel.contains(";2;66,7\n") && excel.contains(";1;33,3\n"),
            "{excel}"
        );
        assert!(excel.contains(";3;100,0\n"), "{excel}");
        let comma = to_csv(&review, Lang::En);
        assert!(comma.starts_with("table,key,label,value,share\n"));
        assert!(comma.contains(",2,66.7\n"), "{comma}");
    }
}
