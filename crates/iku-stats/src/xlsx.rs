//! The review as an XLSX workbook: a first sheet describing the review, then a sheet per
//! table with labels in the chosen language, its total and its extras.

use iku_domain::codes::Lang;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::html::title;
use crate::labels::label;
use crate::review::Review;

/// A sheet name for table number `n`, its title in the language: Excel allows 31 characters
/// and none of `[]:*?/\`; the number keeps names apart when titles begin alike.
fn sheet_name(n: usize, id: &str, lang: Lang) -> String {
    let name = format!("{n:02} {}", title(id, lang));
    name.chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect::<String>()
        .trim_end()
        .to_owned()
}

fn about_sheet(lang: Lang) -> &'static str {
    match lang {
        Lang::Fi => "Tilasto",
        Lang::Sv => "Statistik",
        Lang::En => "Review",
    }
}

fn share_head(lang: Lang) -> &'static str {
    match lang {
        Lang::Fi => "Osuus, %",
        Lang::Sv => "Andel, %",
        Lang::En => "Share, %",
    }
}

/// The workbook's bytes.
pub fn to_xlsx(review: &Review, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let about = book.add_worksheet();
    about.set_name(about_sheet(lang))?;
    let tenth = Format::new().set_num_format("0.0");
    let rows: [(&str, String); 5] = [
        ("report", review.report.to_owned()),
        ("start", review.period.start.clone()),
        ("end", review.period.end.clone()),
        (
            "as_recorded_at",
            review.as_recorded_at.clone().unwrap_or_default(),
        ),
        ("disclosure", review.disclosure.mode.to_owned()),
    ];
    for (r, (k, v)) in rows.iter().enumerate() {
        about.write_string_with_format(r as u32, 0, *k, &bold)?;
        about.write_string(r as u32, 1, v)?;
    }
    about.set_column_width(0, 16)?;
    about.set_column_width(1, 28)?;
    for (n, t) in review.tables.iter().enumerate() {
        let sheet = book.add_worksheet();
        sheet.set_name(sheet_name(n + 1, t.id, lang))?;
        sheet.write_string_with_format(0, 0, title(t.id, lang), &bold)?;
        let mut col = 0u16;
        for d in &t.dims {
            sheet.write_string_with_format(2, col, label("dim", d, lang), &bold)?;
            sheet.set_column_width(col, 36)?;
            col += 1;
        }
        sheet.write_string_with_format(2, col, label("extra", "value", lang), &bold)?;
        let shares = t.cells.iter().any(|c| c.share.is_some());
        if shares {
            sheet.write_string_with_format(2, col + 1, share_head(lang), &bold)?;
        }
        let mut row = 3u32;
        for c in &t.cells {
            for (i, d) in t.dims.iter().enumerate() {
                let code = c.key.get(d).map_or("", String::as_str);
                sheet.write_string(row, i as u16, label(d, code, lang))?;
            }
            match c.value {
                Some(v) => sheet.write_number(row, col, v as f64)?,
                None => sheet.write_string(row, col, "–")?,
            };
            if let Some(share) = c.share {
                sheet.write_number_with_format(row, col + 1, share, &tenth)?;
            }
            row += 1;
        }
        if let Some(total) = t.total {
            sheet.write_string_with_format(row, 0, label("any", "total", lang), &bold)?;
            sheet.write_number_with_format(row, col, total as f64, &bold)?;
            row += 1;
        }
        for (k, v) in &t.extra {
            sheet.write_string(row, 0, label("extra", k, lang))?;
            sheet.write_number(row, col, *v as f64)?;
            row += 1;
        }
    }
    book.save_to_buffer()
}
