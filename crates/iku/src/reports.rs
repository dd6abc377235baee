//! `iku report`, `publish`, `publications`, `publication`, `series-aggregates`: the reviews
//! from the command line.

use std::path::{Path, PathBuf};

use iku_domain::Timestamp;
use iku_stats::disclosure::DisclosureReport;

use crate::config::Config;
use crate::{CliError, file_error, write_output};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum ReportKind {
    Annual,
    Semiannual,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    /// Commas, a dot in decimals.
    Csv,
    /// For a Finnish or Swedish Excel: semicolons, a decimal comma, a byte-order mark.
    CsvExcel,
    Html,
    Xlsx,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Language {
    Fi,
    Sv,
    En,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DisclosureMode {
    Published,
    Internal,
}

/// What `iku report` was asked for.
#[derive(clap::Args)]
pub struct ReportRequest {
    #[arg(value_enum)]
    kind: ReportKind,
    year: i32,
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// Language of the labels (CSV, HTML, XLSX).
    #[arg(long, value_enum, default_value_t = Language::Fi)]
    lang: Language,
    /// `published` (the default for anything that leaves the system) or `internal` (exact
    /// counts, for statisticians).
    #[arg(long, value_enum, default_value_t = DisclosureMode::Published)]
    disclosure: DisclosureMode,
    /// Published mode: cells counting fewer persons than this are suppressed.
    #[arg(long, default_value_t = iku_stats::THRESHOLD, value_parser = clap::value_parser!(u64).range(2..))]
    threshold: u64,
    /// Read the register as it was recorded at this moment (RFC 3339), e.g. to reproduce a
    /// published review.
    #[arg(long)]
    as_recorded_at: Option<String>,
    /// The series' years to show, FROM-TO (e.g. 2020-2025).
    #[arg(long)]
    years: Option<String>,
    /// Instead of the review, list the cells that changed since its latest publication
    /// (CSV: table, key, published, current).
    #[arg(long)]
    compare_published: bool,
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn report(config: &Config, request: ReportRequest) -> Result<(), CliError> {
    let ReportRequest {
        kind,
        year,
        format,
        lang,
        disclosure,
        threshold,
        as_recorded_at,
        compare_published,
        years,
        out,
    } = request;
    let years = years
        .map(|range| {
            range
                .split_once('-')
                .and_then(|(a, b)| {
                    Some((a.trim().parse::<i32>().ok()?, b.trim().parse::<i32>().ok()?))
                })
                .filter(|(a, b)| a <= b)
                .ok_or_else(|| {
                    CliError::Config(format!("--years {range}: expected FROM-TO, e.g. 2020-2025"))
                })
        })
        .transpose()?;
    let as_recorded_at = as_recorded_at
        .map(|t| {
            Timestamp::parse(&t).map_err(|e| CliError::Config(format!("--as-recorded-at: {e}")))
        })
        .transpose()?;
    let mut store = iku_storage::open(&config.database)?;
    if compare_published {
        return compare_published_review(store.as_mut(), kind, year, out.as_deref());
    }
    let (mut review, _) = review_of(
        store.as_mut(),
        kind,
        year,
        as_recorded_at,
        disclosure,
        threshold,
    )?;
    // Exact counts are for statisticians only, and every such run is on record.
    if let DisclosureMode::Internal = disclosure {
        config.audit(
            store.as_mut(),
            "report.internal",
            format!("{} {year}", review.report),
        )?;
    }
    if let Some((from, to)) = years {
        review.keep_years(from, to);
    }
    let lang = match lang {
        Language::Fi => iku_domain::codes::Lang::Fi,
        Language::Sv => iku_domain::codes::Lang::Sv,
        Language::En => iku_domain::codes::Lang::En,
    };
    let bytes = match format {
        Format::Json => review.to_json().into_bytes(),
        Format::Csv => iku_stats::csv::to_csv(&review, lang).into_bytes(),
        Format::CsvExcel => iku_stats::csv::to_csv_excel(&review, lang).into_bytes(),
        Format::Html => iku_stats::html::to_html(&review, lang).into_bytes(),
        Format::Xlsx => iku_stats::xlsx::to_xlsx(&review, lang)
            .map_err(|e| CliError::Config(format!("cannot make the workbook: {e}")))?,
    };
    write_output(out.as_deref(), |w| w.write_all(&bytes))
}

pub fn publish(
    config: &Config,
    kind: ReportKind,
    year: i32,
    disclosure: DisclosureMode,
    threshold: u64,
) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    let mode = match disclosure {
        DisclosureMode::Internal => iku_app::reviews::Mode::Internal,
        DisclosureMode::Published => iku_app::reviews::Mode::Published { threshold },
    };
    let published = iku_app::reviews::publish_review(store.as_mut(), period_of(kind, year), mode)
        .map_err(review_error)?;
    config.audit(store.as_mut(), "publish", published.record())?;
    let publication = &published.publication;
    println!(
        "published {} {} version {} (publication {}), as recorded at {}",
        publication.report,
        publication.year,
        publication.version,
        publication.id,
        publication.as_recorded_at
    );
    Ok(())
}

pub fn series_aggregates(config: &Config, file: &Path) -> Result<(), CliError> {
    let document = std::fs::read_to_string(file).map_err(file_error(file))?;
    iku_stats::series::SeriesAggregates::parse(&document)
        .map_err(|e| CliError::Config(format!("{}: {e}", file.display())))?;
    let now = Timestamp::from_offset_date_time(time::OffsetDateTime::now_utc());
    let mut store = iku_storage::open(&config.database)?;
    store.load_series_aggregates(&document, now)?;
    config.audit(store.as_mut(), "series.load", file.display().to_string())?;
    println!("loaded the series aggregates of {}", file.display());
    Ok(())
}

pub fn publications(config: &Config) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    println!("id\treport\tyear\tversion\tdisclosure\tas recorded at");
    for p in store.publications()? {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}",
            p.id, p.report, p.year, p.version, p.disclosure, p.as_recorded_at
        );
    }
    Ok(())
}

pub fn publication(
    config: &Config,
    id: i64,
    disclosure_report: bool,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let mut store = iku_storage::open(&config.database)?;
    let publication = store
        .publications()?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| CliError::Config(format!("no publication {id}: see `iku publications`")))?;
    if !disclosure_report {
        return write_output(out, |w| w.write_all(publication.document.as_bytes()));
    }
    let report = publication.disclosure_report.ok_or_else(|| {
        CliError::Config(format!(
            "publication {id} has no disclosure report (internal mode, or published before \
             disclosure control)"
        ))
    })?;
    // The report holds exact small counts: reading it is on record, as an internal report is.
    config.audit(
        store.as_mut(),
        "publication.disclosure_report",
        format!("publication {id}"),
    )?;
    write_output(out, |w| w.write_all(report.as_bytes()))
}

fn period_of(kind: ReportKind, year: i32) -> iku_stats::Period {
    match kind {
        ReportKind::Annual => iku_stats::Period::annual(year),
        ReportKind::Semiannual => iku_stats::Period::semiannual(year),
    }
}

/// Computes a review as the system gives it out (`iku_web::reviews`): from the register's
/// stored facts, no personal field, so no key is loaded; in published mode with the disclosure
/// report.
pub(crate) fn review_of(
    store: &mut dyn iku_storage::Store,
    kind: ReportKind,
    year: i32,
    as_recorded_at: Option<Timestamp>,
    disclosure: DisclosureMode,
    threshold: u64,
) -> Result<(iku_stats::Review, Option<DisclosureReport>), CliError> {
    let mode = match disclosure {
        DisclosureMode::Internal => iku_app::reviews::Mode::Internal,
        DisclosureMode::Published => iku_app::reviews::Mode::Published { threshold },
    };
    iku_app::reviews::review_of(store, period_of(kind, year), as_recorded_at, mode)
        .map_err(review_error)
}

fn review_error(e: iku_app::reviews::ReviewError) -> CliError {
    use iku_app::reviews::ReviewError;
    match e {
        ReviewError::Store(e) => CliError::Store(e),
        ReviewError::Facts(e) => CliError::Review(e),
        ReviewError::Disclosure(e) => CliError::Disclosure(e),
        ReviewError::Aggregates(e) => CliError::Config(e),
        refused @ ReviewError::AuditFailed { .. } => CliError::Config(refused.to_string()),
    }
}

/// The cells that changed since the latest publication of a review, with the same disclosure
/// settings (mode and threshold), as CSV.
fn compare_published_review(
    store: &mut dyn iku_storage::Store,
    kind: ReportKind,
    year: i32,
    out: Option<&Path>,
) -> Result<(), CliError> {
    let period = period_of(kind, year);
    let report = match kind {
        ReportKind::Annual => "annual",
        ReportKind::Semiannual => "semiannual",
    };
    let published = store
        .publications()?
        .into_iter()
        .rfind(|p| p.report == report && p.year == year)
        .ok_or_else(|| {
            CliError::Config(format!(
                "the {report} review of {year} has not been published"
            ))
        })?;
    let disclosure = if published.disclosure == "internal" {
        DisclosureMode::Internal
    } else {
        DisclosureMode::Published
    };
    // The same threshold as the publication's.
    let threshold = serde_json::from_str::<serde_json::Value>(&published.document)
        .ok()
        .and_then(|d| d["disclosure"]["threshold"].as_u64())
        .unwrap_or(iku_stats::THRESHOLD);
    let (current, _) = review_of(store, kind, period.year, None, disclosure, threshold)?;
    let changes = iku_stats::compare::compare(&published.document, &current).map_err(|e| {
        CliError::Config(format!("publication {} is not a review: {e}", published.id))
    })?;
    let show = |v: Option<u64>| v.map_or("–".to_owned(), |v| v.to_string());
    write_output(out, |w| {
        writeln!(w, "table,key,published,current")?;
        for c in &changes {
            writeln!(
                w,
                "{},{},{},{}",
                c.table,
                c.key,
                show(c.published),
                show(c.current)
            )?;
        }
        Ok(())
    })
}
