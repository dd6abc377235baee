//! A case's history as the history page and the decision document show it: every event
//! about the person (voided ones too, without personal fields), what amended each, and who
//! recorded it, as the audit trail says (`case.write` entries name the event; the events that
//! opened the case are those of its `application.create` entry, or of the public form's
//! `referral.received`). Events that came in through an import have no such entry: their
//! recorder is not known to iku.

use std::collections::HashMap;

use iku_domain::ids::PersonId;
use iku_domain::{Event, EventBody};
use iku_storage::{Store, StoreError};

use crate::audit::Action;

/// One event of the history.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub event: Event,
    /// The correction or retraction that amended it.
    pub amended_by: Option<Event>,
    pub recorded_by: RecordedBy,
}

/// Who put an event in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordedBy {
    /// An account of iku (the audit trail's actor).
    Account(String),
    /// The public referral form, sent by someone without an account.
    ReferralForm,
    /// Not iku: the event came in through an import.
    Import,
}

impl RecordedBy {
    /// As an export names it: the account, `referral_form` or `import`.
    pub fn name(&self) -> &str {
        match self {
            RecordedBy::Account(name) => name,
            RecordedBy::ReferralForm => "referral_form",
            RecordedBy::Import => "import",
        }
    }
}

impl Recorded {
    pub fn in_force(&self) -> bool {
        self.amended_by.is_none() && !matches!(self.event.body, EventBody::Retraction { .. })
    }
}

pub use crate::access::case_write_record as write_record;

/// The person's history, in the order of `Register::history_of`.
pub fn gather(
    register: &iku_domain::Register,
    store: &mut dyn Store,
    person: &PersonId,
) -> Result<Vec<Recorded>, StoreError> {
    let entries = register.history_of(person);
    let mut records: Vec<String> = entries
        .iter()
        .map(|h| write_record(person, h.event))
        .collect();
    records.push(person.as_str().to_owned());
    let mut writers: HashMap<String, String> = HashMap::new();
    // The entry that opened the case: its events are those recorded until then.
    let mut opened: Option<(iku_domain::Timestamp, RecordedBy)> = None;
    for a in store.audit_entries_for(&records)? {
        match Action::parse(&a.entry.action) {
            Some(Action::CaseWrite) => {
                if let Some(id) = a.entry.record.rsplit(' ').next() {
                    writers.entry(id.to_owned()).or_insert(a.entry.actor);
                }
            }
            Some(Action::ApplicationCreate) if opened.is_none() => {
                opened = Some((a.at, RecordedBy::Account(a.entry.actor)));
            }
            Some(Action::ReferralReceived) if opened.is_none() => {
                opened = Some((a.at, RecordedBy::ReferralForm));
            }
            _ => {}
        }
    }
    Ok(entries
        .into_iter()
        .map(|h| {
            let recorded_by = match (writers.get(h.event.id.as_str()), &opened) {
                (Some(account), _) => RecordedBy::Account(account.clone()),
                (None, Some((at, by))) if h.event.recorded_at <= *at => by.clone(),
                (None, _) => RecordedBy::Import,
            };
            Recorded {
                event: h.event.clone(),
                amended_by: h.amended_by.cloned(),
                recorded_by,
            }
        })
        .collect())
}
