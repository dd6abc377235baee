//! A review as the system gives it out, for the command line, the API and the pages alike:
//! computed from the register's stored facts; in published mode disclosure-controlled
//! together with what an attacker already holds (for an annual review, the semiannual review
//! of its year, as it was frozen), with its disclosure report; and the published aggregates of
//! the years before the register added to the long series.

use iku_domain::Timestamp;
use iku_stats::disclosure::{DisclosureReport, PublishError};
use iku_stats::{FactsReviewError, Period, Release, Review, ReviewKind};
use iku_storage::{Store, StoreError};

/// Exact counts, or disclosure-controlled with a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Internal,
    Published { threshold: u64 },
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Facts(#[from] FactsReviewError),
    #[error(transparent)]
    Disclosure(#[from] PublishError),
    #[error("the stored series aggregates: {0}")]
    Aggregates(String),
    /// A release refused: its disclosure audit found suppressed numbers that could be narrowed
    /// below the threshold.
    #[error(
        "not published: the audit found {unsafe_cells} suppressed numbers that could be narrowed to less than {threshold} persons; the register is too small for this release to be made safe"
    )]
    AuditFailed { unsafe_cells: usize, threshold: u64 },
}

/// A review frozen: the publication as stored.
#[derive(Debug, Clone)]
pub struct Published {
    pub publication: iku_storage::Publication,
}

impl Published {
    /// How the audit log names it.
    pub fn record(&self) -> String {
        let p = &self.publication;
        format!("{} {} version {}", p.report, p.year, p.version)
    }
}

/// Computes the review of `period` as recorded now, in `mode`, and freezes it (its JSON, the
/// moment, the disclosure settings and report); refused, nothing stored, if the disclosure
/// audit of a published-mode release fails. The one way to publish, for every front end.
pub fn publish_review(
    store: &mut dyn Store,
    period: Period,
    mode: Mode,
) -> Result<Published, ReviewError> {
    let at = crate::now();
    let (review, report) = review_of(store, period, Some(at), mode)?;
    if let Some(report) = &report
        && !report.audit_passed
    {
        return Err(ReviewError::AuditFailed {
            unsafe_cells: report.withheld.iter().filter(|w| !w.passed).count(),
            threshold: report.threshold,
        });
    }
    let publication = store.publish(
        iku_storage::NewPublication {
            report: review.report.to_owned(),
            year: period.year,
            as_recorded_at: at,
            disclosure: review.disclosure.mode.to_owned(),
            document: review.to_json(),
            disclosure_report: report.map(|r| r.to_json()),
        },
        at,
    )?;
    Ok(Published { publication })
}

/// `review_of` in a lease; a storage failure marks its store as not to be kept.
pub(crate) fn review_in(
    lease: &mut crate::Lease<'_>,
    period: Period,
    as_recorded_at: Option<Timestamp>,
    mode: Mode,
) -> Result<(Review, Option<DisclosureReport>), crate::AppError> {
    in_lease(lease, |store| {
        review_of(store, period, as_recorded_at, mode)
    })
}

/// Publishes in published mode (`publish_review`) in a lease.
pub(crate) fn publish(
    lease: &mut crate::Lease<'_>,
    period: Period,
) -> Result<Published, crate::AppError> {
    let mode = Mode::Published {
        threshold: iku_stats::THRESHOLD,
    };
    in_lease(lease, |store| publish_review(store, period, mode))
}

/// Runs review work in a lease: its storage errors are the lease's, an audit that failed is
/// a refusal, anything else a failure.
fn in_lease<T>(
    lease: &mut crate::Lease<'_>,
    work: impl FnOnce(&mut dyn Store) -> Result<T, ReviewError>,
) -> Result<T, crate::AppError> {
    let done = lease.with(|store| match work(store) {
        Err(ReviewError::Store(e)) => Err(e),
        other => Ok(other),
    })?;
    done.map_err(|e| match e {
        ReviewError::AuditFailed {
            unsafe_cells,
            threshold,
        } => crate::AppError::DisclosureAuditFailed {
            unsafe_cells,
            threshold,
        },
        other => crate::AppError::Review(other),
    })
}

/// The review of `period`, as recorded at `as_recorded_at` (now if None).
pub fn review_of(
    store: &mut dyn Store,
    period: Period,
    as_recorded_at: Option<Timestamp>,
    mode: Mode,
) -> Result<(Review, Option<DisclosureReport>), ReviewError> {
    let facts = store.load_facts()?;
    let release = Release {
        period,
        as_recorded_at,
    };
    let (mut review, report) = match mode {
        Mode::Internal => (
            iku_stats::compute_from_facts(&facts, period, as_recorded_at)?,
            None,
        ),
        Mode::Published { threshold } => {
            let earlier = earlier_releases(store, period)?;
            let earlier: Vec<(Release, &str)> = earlier
                .iter()
                .map(|(r, document)| (*r, document.as_str()))
                .collect();
            let protected =
                iku_stats::disclosure::protect_facts(&facts, &earlier, release, threshold)?;
            (protected.review, Some(protected.report))
        }
    };
    drop(facts);
    if let Some(document) = store.series_aggregates()? {
        // Checked when loaded; a document that no longer parses is reported, not skipped.
        iku_stats::series::SeriesAggregates::parse(&document)
            .map_err(|e| ReviewError::Aggregates(e.to_string()))?
            .apply(&mut review);
    }
    Ok((review, report))
}

/// The releases an attacker holds beside this one: for an annual review, the latest
/// semiannual review of the same year published in published mode (as it was frozen).
fn earlier_releases(
    store: &mut dyn Store,
    period: Period,
) -> Result<Vec<(Release, String)>, StoreError> {
    if period.kind == ReviewKind::Semiannual {
        return Ok(Vec::new());
    }
    let year = period.year;
    Ok(store
        .publications()?
        .into_iter()
        .rfind(|p| p.report == "semiannual" && p.year == year && p.disclosure == "published")
        .map(|p| {
            let release = Release {
                period: Period::semiannual(year),
                as_recorded_at: Some(p.as_recorded_at),
            };
            vec![(release, p.document)]
        })
        .unwrap_or_default())
}
