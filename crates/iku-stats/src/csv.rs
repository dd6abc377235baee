//! CSV output: one row per cell, with the codes and their labels in the chosen language.
//! Cells that a spreadsheet would read as a formula are neutralised.

use iku_domain::codes::Lang;

use crate::labels::label;
use crate::review::Review;

/// A field as CSV: quoted when needed; a leading `= + - @` gets a `'` so no spreadsheet runs
/// it as a formula.
fn field(s: &str) -> String {
    cell(s, ',')
}

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

/// The review as CSV: `table,key,label,value` rows; totals and extras as rows of their own.
pub fn to_csv(review: &Review, lang: Lang) -> String {
    let mut out = String::from("table,key,label,value\n");
    let mut row = |table: &str, key: &str, label: &str, value: &str| {
        out.push_str(&[field(table), field(key), field(label), field(value)].join(","));
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
            row(t.id, &codes.join("/"), &labels.join(" / "), &value);
        }
        if let Some(total) = t.total {
            row(
                t.id,
                "total",
                &label("any", "total", lang),
                &total.to_string(),
            );
        }
        for (k, v) in &t.extra {
            row(t.id, k, &label("extra", k, lang), &v.to_string());
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
}
