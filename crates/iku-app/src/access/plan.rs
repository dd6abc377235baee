//! The client plan's use cases beyond a plain write: a measure moved on (started, done,
//! cancelled, or its dates changed) is a correction of the measure in force, carrying what was
//! agreed along; a measure done is also the `assistance_measure` the statistics count, both in
//! one commit with their audit entries.

use iku_domain::event::{EventBody, PlanStatus};
use iku_domain::ids::EventId;
use serde_json::{Map, Value, json};
use time::Date;

use super::case::{CaseAccess, event_of};
use crate::AppError;

/// What changes in a measure: its status, and its due and review dates (None: as they were).
#[derive(Debug, Clone, Copy)]
pub struct MeasureChange {
    pub status: PlanStatus,
    pub due: Option<Date>,
    pub review: Option<Date>,
}

impl CaseAccess<'_> {
    /// Moves the plan's measure `measure` (the event in force) on, as of `on`: a correction
    /// of it with `change`, written by the user; a measure done for the first time is also
    /// recorded as given (`assistance_measure`, with its provider), which the reviews count.
    /// The ids of the events written.
    pub fn change_measure(
        &mut self,
        measure: &EventId,
        change: MeasureChange,
        on: Date,
    ) -> Result<Vec<String>, AppError> {
        let group = self.group()?;
        let person = self.person().clone();
        let mut current: Vec<_> = group
            .events_of(&person)
            .into_iter()
            .filter(|e| &e.id == measure && matches!(e.body, EventBody::PlanMeasure(_)))
            .collect();
        if current.is_empty() {
            return Err(AppError::NotFound);
        }
        let keys = self.keys().clone();
        self.with_store(|s| group.open(s, &keys, &mut current, |_| true))?;
        let Some(EventBody::PlanMeasure(m)) = current.pop().map(|e| e.body) else {
            return Err(AppError::NotFound);
        };
        let date = iku_domain::calendar::format_date(on);
        let mut fields: Map<String, Value> = json!({
            "event": "plan_measure",
            "date": date,
            "corrects": measure.as_str(),
            "person": person.as_str(),
            "area": m.area.name(),
            "measure": m.measure.code(),
            "status": change.status.name(),
            "author": self.actor().username.as_str(),
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        let mut put = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                fields.insert(key.into(), Value::String(value));
            }
        };
        put("provider", m.provider.map(|p| p.code().to_owned()));
        let dated = |d: Option<Date>| d.map(iku_domain::calendar::format_date);
        put("due", dated(change.due.or(m.due)));
        put("review", dated(change.review.or(m.review)));
        put("note", m.text().map(|t| t.expose().to_owned()));
        let mut events = vec![event_of(fields)?];
        if change.status == PlanStatus::Done && m.status != PlanStatus::Done {
            let mut given: Map<String, Value> = json!({
                "event": "assistance_measure",
                "date": date,
                "person": person.as_str(),
                "measure": m.measure.code(),
            })
            .as_object()
            .cloned()
            .unwrap_or_default();
            if let Some(p) = m.provider {
                given.insert("provider".into(), Value::String(p.code().to_owned()));
            }
            events.push(event_of(given)?);
        }
        let ids = events.iter().map(|e| e.id.as_str().to_owned()).collect();
        self.write_events(events)?;
        Ok(ids)
    }
}
