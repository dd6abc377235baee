//! What a case's documents are read from: an application's decision and a removal from the
//! assistance system, each with the person's record (personal fields opened: a document is
//! addressed to the person) and the event in force with who recorded it; each read on record.

use iku_domain::EventBody;
use iku_domain::ids::ApplicationId;
use iku_domain::state::{ApplicationState, PersonState};

use super::case::CaseAccess;
use crate::AppError;
use crate::audit::Action;
use crate::audit::Audited;
use crate::history::{self, Recorded, RecordedBy};
use iku_domain::access::StaffContact;

/// An application's decision as its document shows it (`CaseAccess::decision`).
pub struct DecisionRecord {
    pub person: PersonState,
    pub application: ApplicationState,
    /// The application's decision in force, and its date.
    pub decision: iku_domain::event::Decision,
    pub decided_on: time::Date,
    /// The decision event in force, with who recorded it.
    pub decided: Recorded,
    /// Who that account is (full name and title), if an admin has said.
    pub official: Option<StaffContact>,
}

/// A removal from the assistance system as its decision document shows it
/// (`CaseAccess::removal`): the person (personal fields opened), the client period ended, and
/// the termination in force with who recorded it.
pub struct RemovalRecord {
    pub person: PersonState,
    pub admitted: time::Date,
    pub removed_on: time::Date,
    pub reason: iku_domain::codes::Code<iku_domain::codes::TerminationReason>,
    pub terminated: Recorded,
    /// Who recorded it (full name and title), if an admin has said.
    pub official: Option<StaffContact>,
}

impl CaseAccess<'_> {
    /// What the decision document of an application shows: the record (personal fields
    /// opened: the document is addressed to the person), the application, and the decision
    /// in force with who recorded it; given once its read is on record. None (and nothing
    /// recorded) if there is no such decided application in the case.
    pub fn decision(
        &mut self,
        application: &ApplicationId,
    ) -> Result<Audited<Option<DecisionRecord>>, AppError> {
        let group = self.group()?;
        let keys = &self.lease.app().config().keys;
        let person_id = self.person.clone();
        let Some(person) = self.lease.with(|s| group.record(s, keys, &person_id))? else {
            return Ok(Audited::new(None, None));
        };
        let Some((applied, (decided_on, decision))) = person
            .applications
            .iter()
            .find(|a| &a.id == application)
            .and_then(|a| Some((a.clone(), a.decided?)))
        else {
            return Ok(Audited::new(None, None));
        };
        let decided = self
            .lease
            .with(|s| history::gather(&group.register, s, &person_id))?
            .into_iter()
            .find(|r| {
                r.in_force()
                    && matches!(&r.event.body,
                        EventBody::ApplicationDecided(d) if &d.application == application)
            });
        let Some(mut decided) = decided else {
            return Ok(Audited::new(None, None));
        };
        // The case-specific reasons the official wrote, opened for the document.
        self.lease
            .with(|s| group.open(s, keys, std::slice::from_mut(&mut decided.event), |_| true))?;
        let entry = self.audit_read(Action::CaseDecision, Some(application.as_str()));
        let record = DecisionRecord {
            person,
            application: applied,
            decision,
            decided_on,
            official: self.official(&decided.recorded_by)?,
            decided,
        };
        Ok(Audited::new(Some(record), Some(entry)))
    }

    /// The person's latest removal from the assistance system, as its decision document
    /// shows it; given once its read is on record. None (and nothing recorded) if the person
    /// was never removed.
    pub fn removal(&mut self) -> Result<Audited<Option<RemovalRecord>>, AppError> {
        let group = self.group()?;
        let keys = &self.lease.app().config().keys;
        let person_id = self.person.clone();
        let Some(person) = self.lease.with(|s| group.record(s, keys, &person_id))? else {
            return Ok(Audited::new(None, None));
        };
        let Some((admitted, (removed_on, reason))) = person
            .client_periods
            .iter()
            .rev()
            .find_map(|c| Some((c.admitted, c.terminated?)))
        else {
            return Ok(Audited::new(None, None));
        };
        let terminated = self
            .lease
            .with(|s| history::gather(&group.register, s, &person_id))?
            .into_iter()
            .rev()
            .find(|r| {
                r.in_force()
                    && r.event.date == removed_on
                    && matches!(r.event.body, EventBody::AssistanceTerminated { .. })
            });
        let Some(terminated) = terminated else {
            return Ok(Audited::new(None, None));
        };
        let entry = self.audit_read(Action::CaseDecision, Some("removal"));
        let record = RemovalRecord {
            person,
            admitted,
            removed_on,
            reason,
            official: self.official(&terminated.recorded_by)?,
            terminated,
        };
        Ok(Audited::new(Some(record), Some(entry)))
    }

    /// The full name and title of the account that recorded an event, if an admin gave them.
    fn official(&mut self, by: &RecordedBy) -> Result<Option<StaffContact>, AppError> {
        let RecordedBy::Account(name) = by else {
            return Ok(None);
        };
        let contacts = self.with_store(|s| s.contacts())?;
        Ok(contacts
            .into_iter()
            .find(|(account, _)| account.as_str() == name)
            .map(|(_, contact)| contact)
            .filter(|c| !c.full_name.is_empty()))
    }
}
