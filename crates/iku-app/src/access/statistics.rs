//! Reviews: statisticians (exact counts on record, publishing, disclosure reports) and
//! directors (published mode).

use iku_domain::access::Role;
use iku_stats::disclosure::DisclosureReport;
use iku_stats::{Period, Review};
use iku_storage::PublicationInfo;

use super::{Actor, Page};
use crate::audit::{Action, entry};
use crate::reviews::{Mode, Published};
use crate::{AppError, Lease};

pub struct Statistics<'a> {
    actor: &'a Actor,
    lease: Lease<'a>,
}

impl<'a> Statistics<'a> {
    pub(super) fn new(actor: &'a Actor, lease: Lease<'a>) -> Self {
        Statistics { actor, lease }
    }

    fn audit(&self, action: Action, record: &str) -> Result<(), AppError> {
        self.lease
            .app()
            .audit(entry(self.actor.username.as_str(), action, record, ""))
    }

    /// The review of `period` as recorded now: exact counts (`internal`: statisticians only,
    /// every run on record) or disclosure-controlled; `what` names it in the audit log.
    pub fn review(
        &mut self,
        period: Period,
        internal: bool,
        what: &str,
    ) -> Result<Review, AppError> {
        let mode = if internal {
            if self.actor.role != Role::Statistician {
                return Err(AppError::Forbidden);
            }
            self.audit(Action::ReportInternal, what)?;
            Mode::Internal
        } else {
            self.audit(Action::ReportPublished, what)?;
            Mode::Published {
                threshold: iku_stats::THRESHOLD,
            }
        };
        let (review, _) = crate::reviews::review_in(&mut self.lease, period, None, mode)?;
        Ok(review)
    }

    /// Publishes (freezes) the review of `period` in published mode, with its disclosure
    /// report (statisticians); refused, nothing stored, if its disclosure audit fails.
    pub fn publish(&mut self, period: Period) -> Result<Published, AppError> {
        if self.actor.role != Role::Statistician {
            return Err(AppError::Forbidden);
        }
        let published = crate::reviews::publish(&mut self.lease, period)?;
        self.audit(Action::Publish, &published.record())?;
        Ok(published)
    }

    /// What publishing `period` now would publish, and its disclosure report (what is
    /// withheld and why, and whether the audit passed), stored nowhere: for a statistician to
    /// look at before publishing. The report holds exact counts, so reading it is on record
    /// as a report is.
    pub fn preview(&mut self, period: Period) -> Result<(Review, DisclosureReport), AppError> {
        if self.actor.role != Role::Statistician {
            return Err(AppError::Forbidden);
        }
        let mode = Mode::Published {
            threshold: iku_stats::THRESHOLD,
        };
        let at = crate::now();
        let (review, report) = crate::reviews::review_in(&mut self.lease, period, Some(at), mode)?;
        let report = report.ok_or_else(|| {
            AppError::Internal("a published-mode review without its disclosure report".into())
        })?;
        self.audit(
            Action::PublicationDisclosureReport,
            &format!("preview {} {}", review.report, period.year),
        )?;
        Ok((review, report))
    }

    /// A page of the publications, newest first, before id `before`.
    pub fn publications(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Page<PublicationInfo, i64>, AppError> {
        let found = self
            .lease
            .with(|s| s.publications_page(before, limit + 1))?;
        Ok(Page::of(found, limit, |p: &PublicationInfo| p.id))
    }

    /// A frozen publication's review, or (statisticians, on record) its disclosure report.
    pub fn frozen(&mut self, id: i64, report: bool) -> Result<Option<String>, AppError> {
        if report && self.actor.role != Role::Statistician {
            return Err(AppError::Forbidden);
        }
        let found = self.lease.with(|s| s.publication(id))?;
        let Some(publication) = found else {
            return Ok(None);
        };
        if report {
            self.audit(
                Action::PublicationDisclosureReport,
                &format!("publication {id}"),
            )?;
            return Ok(publication.disclosure_report);
        }
        Ok(Some(publication.document))
    }
}
