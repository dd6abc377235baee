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
