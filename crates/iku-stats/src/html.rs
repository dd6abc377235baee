//! The review as one accessible HTML document: a section per table with an SVG bar chart
//! (`role="img"`, a title and a description), the data table behind it (real `<th>` headers),
//! and a text alternative; no scripts, no external resources; print styles.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::OnceLock;

use iku_domain::codes::Lang;

use crate::labels::label;
use crate::review::{Review, Table};

const TITLES_TSV: &str = include_str!("../data/titles.tsv");

/// The title of a table in a language (the id if none).
pub fn title(id: &str, lang: Lang) -> &str {
    static TITLES: OnceLock<BTreeMap<&'static str, [&'static str; 3]>> = OnceLock::new();
    let titles = TITLES.get_or_init(|| {
        TITLES_TSV
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .skip(1)
            .filter_map(|l| match l.split('\t').collect::<Vec<_>>()[..] {
                [id, fi, sv, en] => Some((id, [fi, sv, en])),
                _ => None,
            })
            .collect()
    });
    titles.get(id).map_or(id, |t| t[lang as usize])
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Words {
    review: &'static str,
    period: &'static str,
    total: &'static str,
    value: &'static str,
    largest: &'static str,
    no_cases: &'static str,
    contents: &'static str,
    internal: &'static str,
    /// `{k}` stands for the threshold.
    published: &'static str,
    as_recorded: &'static str,
    suppressed: &'static str,
    /// A period whose tables count nobody.
    nobody: &'static str,
    /// The share column's head.
    share: &'static str,
    /// A figure's number: "Kuvio 3." and so on.
    figure: &'static str,
    /// A table of which every figure is withheld.
    all_withheld: &'static str,
}

fn words(lang: Lang) -> Words {
    match lang {
        Lang::Fi => Words {
            review: "Ihmiskaupan uhrien auttamisjärjestelmän tilastot",
            period: "Ajanjakso",
            total: "Yhteensä",
            value: "Lukumäärä",
            largest: "Suurimmat",
            no_cases: "Ei tapauksia.",
            contents: "Sisältö",
            internal: "Sisäiseen käyttöön: tarkat luvut, ei tietosuojakäsittelyä.",
            published: "Luvut, joissa on alle {k} henkilöä, ja luvut, joista ne voisi päätellä, on jätetty pois (–). Kansalaisuudet, joita on alle {k} henkilöllä, on yhdistetty ryhmään \"muut\". Näin ketään ei voi tunnistaa.",
            as_recorded: "Tiedot sellaisina kuin ne oli kirjattu",
            suppressed: "– Lukua ei julkaista, jotta siinä laskettuja henkilöitä ei voisi tunnistaa \
                (tilastollinen tietosuoja).",
            nobody: "Rekisterissä ei ole tältä ajanjaksolta yhtään hakemusta eikä asiakasta: \
                kaikki luvut ovat nollia.",
            share: "Osuus, %",
            figure: "Kuvio",
            all_withheld: "Taulukon kaikki luvut on jätetty pois tietosuojan vuoksi.",
        },
        Lang::Sv => Words {
            review: "Statistik från hjälpsystemet för offer för människohandel",
            period: "Period",
            total: "Totalt",
            value: "Antal",
            largest: "Störst",
            no_cases: "Inga fall.",
            contents: "Innehåll",
            internal: "För internt bruk: exakta tal, ingen röjandekontroll.",
            published: "Uppgifter om färre än {k} personer, och uppgifter som de kunde härledas ur, visas inte (–). Medborgarskap som färre än {k} personer har är sammanförda till \"övriga\". Så kan ingen identifieras.",
            as_recorded: "Uppgifterna såsom de var registrerade",
            suppressed: "– Uppgiften visas inte, för att de personer som räknas inte ska kunna \
                identifieras (röjandekontroll).",
            nobody: "Registret har inga ansökningar och inga klienter från den här perioden: \
                alla tal är nollor.",
            share: "Andel, %",
            figure: "Figur",
            all_withheld: "Alla uppgifter i tabellen visas inte, av hänsyn till röjandekontrollen.",
        },
        Lang::En => Words {
            review: "Statistics of the Assistance System for Victims of Human Trafficking",
            period: "Period",
            total: "Total",
            value: "Number",
            largest: "Largest",
            no_cases: "No cases.",
            contents: "Contents",
            internal: "For internal use: exact counts, no disclosure control.",
            published: "Figures of fewer than {k} persons, and figures from which they could be worked out, are not shown (–). Nationalities of fewer than {k} persons are grouped as \"other\". So no one can be identified.",
            as_recorded: "Data as recorded at",
            suppressed: "– Not shown, so that the persons counted cannot be identified \
                (disclosure control).",
            nobody: "The register holds no applications and no clients for this period: every \
                figure is zero.",
            share: "Share, %",
            figure: "Figure",
            all_withheld: "Every figure of this table is withheld by disclosure control.",
        },
    }
}

/// A share as the language writes per cents: 42,1 in Finnish and Swedish, 42.1 in English.
fn percent(share: f64, lang: Lang) -> String {
    let text = format!("{share:.1}");
    match lang {
        Lang::En => text,
        Lang::Fi | Lang::Sv => text.replace('.', ","),
    }
}

/// Dates as the user's language writes them (31.12.2020; 2020-12-31 in English).
fn show_date(iso: &str, lang: Lang) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match (lang, &parts[..]) {
        (Lang::Fi | Lang::Sv, [y, m, d]) => format!(
            "{}.{}.{y}",
            d.trim_start_matches('0'),
            m.trim_start_matches('0')
        ),
        _ => iso.to_owned(),
    }
}

/// Rows of a table for the chart and the text alternative: label and value, the cells of a
/// two-dimensional table summed over the second dimension.
fn rows(t: &Table, lang: Lang) -> Vec<(String, Option<u64>)> {
    let Some(first) = t.dims.first() else {
        return Vec::new();
    };
    let mut out: Vec<(String, Option<u64>)> = Vec::new();
    for c in &t.cells {
        let code = c.key.get(first).map_or("", String::as_str);
        let l = label(first, code, lang);
        match out.iter_mut().find(|(x, _)| *x == l) {
            Some((_, v)) => *v = v.zip(c.value).map(|(a, b)| a + b),
            None => out.push((l, c.value)),
        }
    }
    out
}

/// Whether a row of the chart is one of the rest ("other", "unknown"): shown last.
fn is_rest(t: &Table, label_of_row: &str, lang: Lang) -> bool {
    let Some(first) = t.dims.first() else {
        return false;
    };
    ["other", "unknown", "XXX"]
        .iter()
        .any(|code| label(first, code, lang) == label_of_row)
}

/// The fills of a stacked chart's groups (dark enough to tell apart from white and each
/// other; the legend and the data table name them).
const FILLS: [&str; 5] = ["#1f5f99", "#c25e00", "#2e7d32", "#6a3d9a", "#555555"];

/// A series by year and group as bars stacked by group, a legend beside: how the groups
/// grew or shrank over the years at one look.
fn stacked(t: &Table, lang: Lang, out: &mut String) {
    let (Some(year_dim), Some(group_dim)) = (t.dims.first(), t.dims.get(1)) else {
        return;
    };
    let mut years: Vec<&str> = Vec::new();
    let mut groups: Vec<&str> = Vec::new();
    for c in &t.cells {
        if let (Some(y), Some(g)) = (c.key.get(year_dim), c.key.get(group_dim)) {
            if !years.contains(&y.as_str()) {
                years.push(y);
            }
            if !groups.contains(&g.as_str()) {
                groups.push(g);
            }
        }
    }
    if years.is_empty() {
        return;
    }
    let value = |y: &str, g: &str| {
        t.cells
            .iter()
            .find(|c| {
                c.key.get(year_dim).map(String::as_str) == Some(y)
                    && c.key.get(group_dim).map(String::as_str) == Some(g)
            })
            .and_then(|c| c.value)
            .unwrap_or(0)
    };
    let sums: Vec<u64> = years
        .iter()
        .map(|y| groups.iter().map(|g| value(y, g)).sum())
        .collect();
    let max = sums.iter().copied().max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h, legend_h) = (60.0, 420.0, 22.0, 22.0 * groups.len() as f64);
    let height = row_h * years.len() as f64 + legend_h + 16.0;
    svg_open(t, lang, label_w + bar_w + 60.0, height, out);
    for (i, y) in years.iter().enumerate() {
        let top = 4.0 + row_h * i as f64;
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty}" text-anchor="end">{y}</text>"#,
            lx = label_w - 6.0,
            ty = top + 15.0,
            y = escape(y),
        );
        let mut x = label_w;
        for (n, g) in groups.iter().enumerate() {
            let len = bar_w * value(y, g) as f64 / max as f64;
            if len > 0.0 {
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{top}" width="{len:.1}" height="{bh}" style="fill:{fill}"/>"#,
                    bh = row_h - 6.0,
                    fill = FILLS[n % FILLS.len()],
                );
            }
            x += len;
        }
        let _ = write!(
            out,
            r#"<text x="{vx:.1}" y="{ty}">{sum}</text>"#,
            vx = x + 4.0,
            ty = top + 15.0,
            sum = sums[i],
        );
    }
    let legend_top = 8.0 + row_h * years.len() as f64;
    for (n, g) in groups.iter().enumerate() {
        let y = legend_top + 22.0 * n as f64;
        let _ = write!(
            out,
            r#"<rect x="{label_w}" y="{y}" width="14" height="14" style="fill:{fill}"/><text x="{tx}" y="{ty}">{name}</text>"#,
            fill = FILLS[n % FILLS.len()],
            tx = label_w + 20.0,
            ty = y + 12.0,
            name = escape(&label(group_dim, g, lang)),
        );
    }
    out.push_str("</svg>");
}

fn chart(t: &Table, lang: Lang, out: &mut String) {
    if t.dims.len() == 2 && t.dims.first() == Some(&"year") {
        return stacked(t, lang, out);
    }
    let mut rows = rows(t, lang);
    if rows.is_empty() {
        return;
    }
    // Largest first, as the eye compares bars; the rest and the withheld last. A series
    // keeps its years in order.
    if t.dims.first() != Some(&"year") {
        rows.sort_by_key(|(l, v)| (is_rest(t, l, lang), v.is_none(), std::cmp::Reverse(*v)));
    }
    let max = rows
        .iter()
        .filter_map(|(_, v)| *v)
        .max()
        .unwrap_or(0)
        .max(1);
    // A long label is broken onto two lines, never cut: every row is as tall as the tallest.
    let lines: Vec<Vec<String>> = rows.iter().map(|(l, _)| label_lines(l, 40)).collect();
    let two = lines.iter().any(|l| l.len() > 1);
    let (label_w, bar_w, row_h) = (300.0, 300.0, if two { 34.0 } else { 22.0 });
    let height = row_h * rows.len() as f64 + 8.0;
    svg_open(t, lang, label_w + bar_w + 60.0, height, out);
    for (i, ((_, v), label_lines)) in rows.iter().zip(&lines).enumerate() {
        let y = 4.0 + row_h * i as f64;
        let len = v.map_or(0.0, |v| bar_w * v as f64 / max as f64);
        let shown = v.map_or("–".to_owned(), |v| v.to_string());
        let middle = y + (row_h - 6.0) / 2.0 + 5.0;
        let first = middle - 7.0 * (label_lines.len() as f64 - 1.0);
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{first}" text-anchor="end">"#,
            lx = label_w - 6.0
        );
        for (n, line) in label_lines.iter().enumerate() {
            let _ = write!(
                out,
                r#"<tspan x="{lx}" dy="{dy}">{line}</tspan>"#,
                lx = label_w - 6.0,
                dy = if n == 0 { 0.0 } else { 14.0 },
                line = escape(line),
            );
        }
        let _ = write!(
            out,
            r#"</text><rect x="{label_w}" y="{y}" width="{len:.1}" height="{bh}"/><text x="{vx:.1}" y="{middle}">{shown}</text>"#,
            bh = row_h - 6.0,
            vx = label_w + len + 4.0,
        );
    }
    out.push_str("</svg>");
}

/// A label in lines of at most `width` characters, broken between words (a word longer than
/// a line gets a line of its own).
fn label_lines(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in label.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The text alternative: the total and the largest rows, in words.
fn summary(t: &Table, lang: Lang) -> String {
    let w = words(lang);
    let mut rows = rows(t, lang);
    rows.retain(|(_, v)| v.is_some_and(|v| v > 0));
    let total = t
        .total
        .map(|n| format!("{} {n}. ", w.total))
        .unwrap_or_default();
    if t.dims.is_empty() {
        return total.trim_end().to_owned();
    }
    if !t.cells.is_empty() && t.cells.iter().all(|c| c.value.is_none()) {
        return format!("{total}{}", w.all_withheld);
    }
    if rows.is_empty() {
        return format!("{total}{}", w.no_cases);
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    let largest: Vec<String> = rows
        .iter()
        .take(3)
        .map(|(l, v)| format!("{l} {}", v.unwrap_or(0)))
        .collect();
    format!("{total}{}: {}.", w.largest, largest.join(", "))
}

/// A chart's opening: an image named by the table's title, described by its summary.
fn svg_open(t: &Table, lang: Lang, w: f64, height: f64, out: &mut String) {
    let id = t.id;
    let _ = write!(
        out,
        r#"<svg class="chart" role="img" aria-labelledby="{id}-chart-title {id}-chart-desc" viewBox="0 0 {w} {height}" width="{w}" height="{height}"><title id="{id}-chart-title">{title}</title><desc id="{id}-chart-desc">{desc}</desc>"#,
        title = escape(title(id, lang)),
        desc = escape(&summary(t, lang)),
    );
}

fn data_table(t: &Table, lang: Lang, out: &mut String) {
    let w = words(lang);
    let _ = write!(
        out,
        r#"<table><caption id="{}-caption">{}</caption>"#,
        t.id,
        escape(title(t.id, lang))
    );
    let value = |v: Option<u64>| v.map_or("–".to_owned(), |v| v.to_string());
    match t.dims[..] {
        [] => {}
        [dim] => {
            let shares = t.cells.iter().any(|c| c.share.is_some());
            let _ = write!(
                out,
                r#"<thead><tr><th scope="col">{}</th><th scope="col">{}</th>{}</tr></thead><tbody>"#,
                escape(&label("dim", dim, lang)),
                w.value,
                if shares {
                    format!(r#"<th scope="col">{}</th>"#, w.share)
                } else {
                    String::new()
                }
            );
            for c in &t.cells {
                let code = c.key.get(dim).map_or("", String::as_str);
                let share = match (shares, c.share) {
                    (false, _) => String::new(),
                    (true, Some(s)) => format!("<td>{}</td>", percent(s, lang)),
                    (true, None) => "<td>–</td>".to_owned(),
                };
                let _ = write!(
                    out,
                    r#"<tr><th scope="row">{}</th><td>{}</td>{share}</tr>"#,
                    escape(&label(dim, code, lang)),
                    value(c.value)
                );
            }
            out.push_str("</tbody>");
        }
        [rows_dim, cols_dim, ..] => {
            let mut cols: Vec<&str> = Vec::new();
            let mut rows: Vec<&str> = Vec::new();
            for c in &t.cells {
                let (r, k) = (c.key.get(rows_dim), c.key.get(cols_dim));
                if let (Some(r), Some(k)) = (r, k) {
                    if !rows.contains(&r.as_str()) {
                        rows.push(r);
                    }
                    if !cols.contains(&k.as_str()) {
                        cols.push(k);
                    }
                }
            }
            // A series gives each year's total (a sum over the years may mean nothing: the
            // clients at each year's end are mostly the same persons).
            let yearly = rows_dim == "year";
            out.push_str(r#"<thead><tr><td></td>"#);
            for k in &cols {
                let _ = write!(
                    out,
                    r#"<th scope="col">{}</th>"#,
                    escape(&label(cols_dim, k, lang))
                );
            }
            if yearly {
                let _ = write!(out, r#"<th scope="col">{}</th>"#, w.total);
            }
            out.push_str("</tr></thead><tbody>");
            for r in &rows {
                let _ = write!(
                    out,
                    r#"<tr><th scope="row">{}</th>"#,
                    escape(&label(rows_dim, r, lang))
                );
                for k in &cols {
                    let v = t
                        .cells
                        .iter()
                        .find(|c| {
                            c.key.get(rows_dim).map(String::as_str) == Some(*r)
                                && c.key.get(cols_dim).map(String::as_str) == Some(*k)
                        })
                        .and_then(|c| c.value);
                    let _ = write!(out, "<td>{}</td>", value(v));
                }
                if yearly {
                    let year: Option<u64> = t
                        .cells
                        .iter()
                        .filter(|c| c.key.get(rows_dim).map(String::as_str) == Some(*r))
                        .map(|c| c.value)
                        .sum();
                    let _ = write!(out, "<td>{}</td>", value(year));
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody>");
        }
    }
    out.push_str("<tfoot>");
    if t.total.is_some() || t.total_suppressed.is_some() {
        // A series' grand total goes under its column of yearly totals.
        let groups = match t.dims[..] {
            ["year", group] => {
                let mut seen: Vec<&str> = Vec::new();
                for c in &t.cells {
                    if let Some(g) = c.key.get(group).filter(|g| !seen.contains(&g.as_str())) {
                        seen.push(g);
                    }
                }
                seen.len()
            }
            _ => 0,
        };
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th>{}<td>{}</td></tr>"#,
            w.total,
            "<td></td>".repeat(groups),
            value(t.total)
        );
    }
    let extras = t
        .extra
        .iter()
        .map(|(k, v)| (*k, Some(*v)))
        .chain(t.extra_suppressed.iter().map(|k| (*k, None)));
    for (k, v) in extras {
        let _ = write!(
            out,
            r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
            escape(&label("extra", k, lang)),
            value(v)
        );
    }
    out.push_str("</tfoot></table>");
    let suppressed = t.cells.iter().any(|c| c.value.is_none())
        || t.total_suppressed.is_some()
        || !t.extra_suppressed.is_empty();
    if suppressed {
        let _ = write!(out, r#"<p class="footnote">{}</p>"#, w.suppressed);
    }
}

const STYLE: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1a1a1a;line-height:1.5}\
h1{font-size:1.8rem}h2{font-size:1.25rem;margin-top:2.5rem;border-top:1px solid #999;padding-top:1rem}\
.review-section{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5rem;align-items:start}\
.chart{max-width:100%;height:auto}.chart rect{fill:#1f5f99}.chart text{font-size:13px;fill:#1a1a1a}\
table{border-collapse:collapse;width:100%}caption{text-align:left;font-weight:600;padding-bottom:.25rem}\
th,td{border-bottom:1px solid #ccc;padding:.2rem .5rem;text-align:left}.table{overflow-x:auto}td{text-align:right;font-variant-numeric:tabular-nums}\
tfoot th,tfoot td{font-weight:600;border-top:2px solid #1a1a1a}.footnote{font-size:.9rem;margin:.25rem 0 0}.note{background:#f3f3f3;padding:.5rem 1rem;border-left:4px solid #1f5f99}\
a{color:#0b4a82}a:focus{outline:3px solid #ffbf47;outline-offset:2px}\
@media (max-width:50rem){.review-section{grid-template-columns:minmax(0,1fr)}th,td{padding:.2rem .3rem}}\
@media print{nav{display:none}body{margin:0;max-width:none}section{break-inside:avoid}h2{break-after:avoid}.chart rect{fill:#555}}";

/// The whole review as an HTML document in `lang`.
pub fn to_html(review: &Review, lang: Lang) -> String {
    to_html_linked(review, lang, None)
}

/// `to_html` with, at its top, a link back to where it was opened from (`back`: the address
/// and its words), for a review viewed from the staff's pages.
pub fn to_html_linked(review: &Review, lang: Lang, back: Option<(&str, &str)>) -> String {
    let w = words(lang);
    let period = format!(
        "{}–{}",
        show_date(&review.period.start, lang),
        show_date(&review.period.end, lang)
    );
    let mut out = String::with_capacity(200_000);
    let _ = write!(
        out,
        r#"<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} {period}</title><style>{STYLE}</style></head><body><header>{back}<h1>{title}</h1><p>{p}: {period}</p>"#,
        lang = lang.code(),
        title = w.review,
        p = w.period,
        back = back.map_or_else(String::new, |(href, words)| format!(
            r#"<p class="back"><a href="{}">{}</a></p>"#,
            escape(href),
            escape(words)
        )),
    );
    if let Some(t) = &review.as_recorded_at {
        let _ = write!(out, "<p>{} {}</p>", w.as_recorded, escape(t));
    }
    let note = if review.disclosure.mode == "internal" {
        w.internal.to_owned()
    } else {
        w.published
            .replace("{k}", &review.disclosure.threshold.to_string())
    };
    let _ = write!(out, r#"<p class="note">{note}</p>"#);
    if review.counts_nobody() {
        let _ = write!(out, r#"<p class="note nobody">{}</p>"#, w.nobody);
    }
    let _ = write!(
        out,
        r#"</header><nav aria-label="{0}"><h2>{0}</h2><ol>"#,
        w.contents
    );
    for t in &review.tables {
        let _ = write!(
            out,
            r##"<li><a href="#{}">{}</a></li>"##,
            t.id,
            escape(title(t.id, lang))
        );
    }
    out.push_str("</ol></nav><main>");
    let mut figures = 0;
    for t in &review.tables {
        let _ = write!(
            out,
            r#"<section aria-labelledby="{id}"><h2 id="{id}">{title}</h2><p>{summary}</p><div class="review-section"><figure>"#,
            id = t.id,
            title = escape(title(t.id, lang)),
            summary = escape(&summary(t, lang)),
        );
        let before = out.len();
        chart(t, lang, &mut out);
        // A chart is numbered and captioned as the authority's publications do, with what
        // it counts.
        if out.len() > before {
            figures += 1;
            let _ = write!(
                out,
                "<figcaption>{} {figures}. {}{}</figcaption>",
                w.figure,
                escape(title(t.id, lang)),
                t.total
                    .map_or_else(String::new, |total| format!(" (n = {total})")),
            );
        }
        // On a phone a wide table scrolls in its own box, which the keyboard can reach and a
        // screen reader names by the table's caption; its words are never broken.
        let _ = write!(
            out,
            r#"</figure><div class="table" role="region" tabindex="0" aria-labelledby="{}-caption">"#,
            t.id
        );
        data_table(t, lang, &mut out);
        out.push_str("</div></div></section>");
    }
    out.push_str("</main></body></html>\n");
    out
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn a_long_label_is_broken_between_words_and_nothing_is_cut() {
        let label = "Kunnan tai hyvinvointialueen sosiaalitoimi";
        let lines = super::label_lines(label, 40);
        assert_eq!(lines, ["Kunnan tai hyvinvointialueen", "sosiaalitoimi"]);
        assert_eq!(lines.join(" "), label);
        assert_eq!(super::label_lines("Poliisi", 40), ["Poliisi"]);
    }
}
