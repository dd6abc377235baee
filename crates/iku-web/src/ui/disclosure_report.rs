//! A disclosure report as a statistician reads it (from its JSON, the form it is frozen in):
//! how many numbers a release publishes and withholds, and why; whether the audit found every
//! withheld number safe; the earlier releases it was checked against; and each withheld number
//! by its table's title and its categories' names, with what an attacker could work out of it.

use iku_domain::codes::Lang;
use iku_stats::labels::label_anywhere;
use maud::{Markup, html};
use serde_json::Value;

use super::t;

/// A withheld number (`table[code,code]`, `table.total` or `table.extra`) in words: the
/// table's title, then its categories' names or the total.
fn number_words(lang: Lang, number: &str) -> String {
    let (table, part) = match number.split_once('[') {
        Some((table, rest)) => {
            let codes = rest.trim_end_matches(']');
            let names: Vec<String> = codes.split(',').map(|c| label_anywhere(c, lang)).collect();
            (table, names.join(" / "))
        }
        None => match number.split_once('.') {
            Some((table, "total")) => (table, t(lang, "stats.report.total").into_owned()),
            Some((table, extra)) => (table, label_anywhere(extra, lang)),
            None => (number, String::new()),
        },
    };
    let title = iku_stats::html::title(table, lang);
    if part.is_empty() {
        title.to_owned()
    } else {
        format!("{title}: {part}")
    }
}

/// What an attacker could work out of a withheld number: between two bounds, or no upper
/// bound at all.
fn bounds(lang: Lang, w: &Value) -> String {
    let show = |v: &Value| {
        v.as_f64().map(|f| {
            if f.fract() == 0.0 {
                format!("{f:.0}")
            } else {
                let shown = format!("{f:.1}");
                match lang {
                    Lang::Fi | Lang::Sv => shown.replace('.', ","),
                    Lang::En => shown,
                }
            }
        })
    };
    match (show(&w["lower"]), show(&w["upper"])) {
        // Only a number withheld for its own sake has an interval to keep.
        (None, _) if w["required_width"].is_null() && w["reason"] != "primary" => {
            t(lang, "stats.report.for_others").into_owned()
        }
        (Some(lower), Some(upper)) => t(lang, "stats.report.between")
            .replace("{lower}", &lower)
            .replace("{upper}", &upper),
        (Some(lower), None) => t(lang, "stats.report.at_least").replace("{lower}", &lower),
        _ => t(lang, "stats.report.unsolved").into_owned(),
    }
}

fn count(report: &Value, path: &[&str]) -> u64 {
    path.iter()
        .fold(report, |v, key| &v[*key])
        .as_u64()
        .unwrap_or(0)
}

/// The report, readable: its summary, then every withheld number.
pub(super) fn report(lang: Lang, report: &Value) -> Markup {
    html! {
        section class="disclosure-report" aria-labelledby="report-title" {
            (summary(lang, report))
            (withheld_table(lang, report))
        }
    }
}

/// How many numbers are published and withheld, and why; the audit's verdict; the earlier
/// releases it was checked against.
pub(super) fn summary(lang: Lang, report: &Value) -> Markup {
    let k = count(report, &["threshold"]).to_string();
    let withheld = report["withheld"].as_array().map_or(&[][..], Vec::as_slice);
    let this: Vec<&Value> = withheld.iter().filter(|w| w["release"] == "this").collect();
    let unsafe_numbers = withheld.iter().filter(|w| w["passed"] == false).count();
    let passed = report["audit_passed"] == true;
    let reasons = [
        ("primary", count(report, &["counts", "primary"])),
        ("folded", count(report, &["counts", "folded"])),
        ("secondary", count(report, &["counts", "secondary"])),
        ("cross_release", count(report, &["counts", "cross_release"])),
    ];
    let earlier = report["earlier_releases"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    html! {
            h2 id="report-title" { (t(lang, "stats.report.title")) }
            p {
                (t(lang, "stats.report.numbers")
                    .replace("{published}", &count(report, &["published_numbers"]).to_string())
                    .replace("{withheld}", &this.len().to_string()))
            }
            ul {
                @for (reason, n) in reasons {
                    @if n > 0 {
                        li { (t(lang, &format!("stats.report.reason.{reason}"))
                            .replace("{n}", &n.to_string()).replace("{k}", &k)) }
                    }
                }
            }
            @if passed {
                p class="notice" { (t(lang, "stats.report.passed").replace("{k}", &k)) }
            } @else {
                div class="error-summary" role="alert" {
                    p { (t(lang, "stats.report.failed")
                        .replace("{n}", &unsafe_numbers.to_string()).replace("{k}", &k)) }
                }
            }
            @if !earlier.is_empty() {
                p { (t(lang, "stats.report.earlier")) }
                ul {
                    @for r in earlier {
                        li {
                            (t(lang, &format!("stats.{}", r["report"].as_str().unwrap_or_default())))
                            " " (r["period"]["start"].as_str().unwrap_or_default().get(..4).unwrap_or_default())
                        }
                    }
                }
            }
    }
}

/// Every withheld number: its table and categories, why, its value and what an attacker could
/// work out of it.
pub(super) fn withheld_table(lang: Lang, report: &Value) -> Markup {
    let k = count(report, &["threshold"]).to_string();
    let withheld = report["withheld"].as_array().map_or(&[][..], Vec::as_slice);
    html! {
            @if !withheld.is_empty() {
                table {
                    caption { (t(lang, "stats.report.withheld")) }
                    thead { tr {
                        th scope="col" { (t(lang, "stats.report.number")) }
                        th scope="col" { (t(lang, "stats.report.release")) }
                        th scope="col" { (t(lang, "stats.report.why")) }
                        th scope="col" { (t(lang, "stats.report.value")) }
                        th scope="col" { (t(lang, "stats.report.worked_out")) }
                        th scope="col" { (t(lang, "stats.report.safe")) }
                    } }
                    tbody {
                        @for w in withheld {
                            tr {
                                th scope="row" { (number_words(lang, w["number"].as_str().unwrap_or_default())) }
                                td {
                                    @match w["release"].as_str().unwrap_or_default() {
                                        "this" => (t(lang, "stats.report.this")),
                                        other => (t(lang, &format!("stats.{other}"))),
                                    }
                                }
                                td { (t(lang, &format!("stats.report.why.{}", w["reason"].as_str().unwrap_or_default())).replace("{k}", &k)) }
                                td class="number" { (w["value"].as_u64().unwrap_or(0)) }
                                td { (bounds(lang, w)) }
                                td { (t(lang, if w["passed"] == true { "admin.yes" } else { "admin.no" })) }
                            }
                        }
                    }
                }
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_withheld_number_is_named_by_its_table_and_categories() {
        let cell = number_words(Lang::En, "new_clients_by_exploitation[forced_labour]");
        assert!(cell.ends_with(": Forced labour"), "{cell}");
        assert!(!cell.contains("new_clients"), "{cell}");
        let total = number_words(Lang::Fi, "new_clients_by_exploitation.total");
        assert!(total.ends_with(": yhteensä"), "{total}");
    }

    #[test]
    fn a_failed_audit_says_how_many_figures_could_be_worked_out_and_that_it_cannot_be_published() {
        let report = serde_json::json!({
            "report": "annual", "threshold": 5, "published_numbers": 40, "audit_passed": false,
            "counts": {"primary": 1, "folded": 0, "secondary": 1, "cross_release": 0},
            "earlier_releases": [{"report": "semiannual", "period": {"start": "2021-01-01"}}],
            "withheld": [
                {"number": "new_clients_by_exploitation[forced_labour]", "release": "this",
                 "reason": "primary", "value": 2, "lower": 2.0, "upper": 2.0, "passed": false},
                {"number": "new_clients_by_exploitation.total", "release": "this",
                 "reason": "secondary", "value": 9, "lower": 6.0, "upper": 12.0, "passed": true},
            ],
        });
        let html = report_html(Lang::En, &report);
        assert!(
            html.contains("The audit found 1 withheld figures"),
            "{html}"
        );
        assert!(html.contains("cannot be published"), "{html}");
        assert!(html.contains("Semiannual review 2021"), "{html}");
        assert!(html.contains("<td>2–2</td><td>No</td>"), "{html}");
        assert!(html.contains("fewer than 5 persons"), "{html}");
        assert!(!html.contains('⟦'), "{html}");
    }

    fn report_html(lang: Lang, r: &Value) -> String {
        report(lang, r).into_string()
    }

    #[test]
    fn bounds_are_written_as_the_language_writes_numbers() {
        let w = serde_json::json!({"lower": 0.0, "upper": 4.5});
        assert_eq!(bounds(Lang::Fi, &w), "0–4,5");
        assert_eq!(bounds(Lang::En, &w), "0–4.5");
        let open = serde_json::json!({"lower": 2.0, "upper": null});
        assert_eq!(bounds(Lang::En, &open), "2 or more (no upper bound)");
    }

    /// A figure withheld only to protect others has no interval of its own to keep: the
    /// report says so rather than that something was not solved.
    #[test]
    fn a_figure_withheld_for_others_is_said_not_to_need_an_audit() {
        let others = serde_json::json!({"reason": "secondary", "lower": null, "upper": null,
            "required_width": null});
        assert_eq!(
            bounds(Lang::En, &others),
            "not audited: withheld to protect others"
        );
        let unsolved = serde_json::json!({"reason": "primary", "lower": null, "upper": null,
            "required_width": 5.0});
        assert_eq!(bounds(Lang::En, &unsolved), "not solved");
    }
}
