//! Consent and restriction of processing (issue 22). A person who withdraws the consent they
//! gave at referral has their case closed as the law says, in one commit: every application
//! still waiting decided as withdrawn, the assistance ended on their own request, and the
//! withdrawal itself; the register then takes nothing more about them but what closes the
//! case (`Rule::AfterConsentWithdrawn`), and what happened before stays counted. A restriction
//! (GDPR art. 18) is set and lifted by the data protection officer: the record is then
//! read-only (`Rule::ProcessingRestricted`) and opened only by directors and the officer.

use iku_domain::calendar::format_date;
use iku_domain::ids::PersonId;
use serde_json::{Map, Value, json};
use time::Date;

use super::case::{CaseAccess, event_of, write_record};
use super::person_data::PersonData;
use crate::AppError;
use crate::audit::{Action, entry};

fn fields(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl CaseAccess<'_> {
    /// Records that the person withdrew their consent on `on`, closing the case: waiting
    /// applications decided as withdrawn, a client's assistance ended on their own request.
    pub fn withdraw_consent(&mut self, on: Date) -> Result<(), AppError> {
        let group = self.group()?;
        let person = self.person().clone();
        let Some(state) = group.state_of(&person) else {
            return Err(AppError::NotFound);
        };
        let day = format_date(on);
        let mut events = Vec::new();
        for waiting in state.applications.iter().filter(|a| a.decided.is_none()) {
            events.push(event_of(fields(json!({
                "event": "application_decided", "date": day,
                "application": waiting.id.as_str(), "outcome": "withdrawn"
            })))?);
        }
        if state.is_client() {
            events.push(event_of(fields(json!({
                "event": "assistance_terminated", "date": day,
                "person": person.as_str(), "reason": "own_request"
            })))?);
        }
        events.push(event_of(fields(json!({
            "event": "consent_withdrawn", "date": day, "person": person.as_str()
        })))?);
        self.write_events(events)
    }
}

impl PersonData<'_> {
    /// Restricts processing of `person`'s data from `on` (or lifts the restriction): the
    /// event written and on record, as a case's writes are.
    pub fn restrict(
        &mut self,
        person: &PersonId,
        on: Date,
        restricted: bool,
    ) -> Result<(), AppError> {
        let kind = if restricted {
            "processing_restricted"
        } else {
            "restriction_lifted"
        };
        let event = event_of(fields(json!({
            "event": kind, "date": format_date(on), "person": person.as_str()
        })))?;
        let record = entry(
            self.actor_name(),
            Action::CaseWrite,
            &write_record(person, &event),
            "",
        );
        let app = self.app();
        app.writer.write(vec![event], vec![record]).wait()?;
        self.catch_up()
    }
}
