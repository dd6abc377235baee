//! Every write of the server's requests to the register and to the audit log, made by one
//! thread in batches. A request hands its events or its audit entry over and waits until the
//! transaction that holds them has committed (nothing is answered that is not durable and on
//! record), while the work of every request waiting meanwhile shares that commit. The events
//! of all waiting requests go into one import (one check of the register's rules, which reads
//! the whole register); if they break a rule together, each request's events are imported
//! alone, so a request is refused only for its own. One thread writes both, so the server's
//! writes never wait on each other's locks.

use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, Sender, channel};

use tokio::sync::oneshot;

use iku_domain::Event;
use iku_domain::interchange::ParsedLine;
use iku_storage::audit::{AuditKey, NewAuditEntry};
use iku_storage::import::{ImportError, NumberedLine, Silent};
use iku_storage::{Keyring, Store};

/// At most this many requests' work goes into one batch.
const MOST: usize = 1024;

/// Why a request's work was not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// The events break a rule of the register (the import's message: ids and rules, never
    /// a personal value).
    #[error("{0}")]
    Invalid(String),
    /// The database failed (for the log).
    #[error("{0}")]
    Storage(String),
}

impl From<WriteError> for crate::AppError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Invalid(why) => crate::AppError::InvalidEvent(why),
            WriteError::Storage(why) => crate::AppError::Internal(format!("storage: {why}")),
        }
    }
}

type Answer = oneshot::Sender<Result<(), WriteError>>;
type EventJobs = Vec<(Vec<Event>, Answer)>;
type AuditJobs = Vec<(NewAuditEntry, Answer)>;

enum Job {
    Events(Vec<Event>, Answer),
    Audit(NewAuditEntry, Answer),
}

/// A request's work, handed over: wait for it on a blocking thread, or await it (so that
/// no thread waits for the commit).
pub struct Pending(Result<oneshot::Receiver<Result<(), WriteError>>, WriteError>);

fn stopped() -> WriteError {
    WriteError::Storage("the server's writer has stopped".into())
}

impl Pending {
    pub fn wait(self) -> Result<(), WriteError> {
        self.0?.blocking_recv().map_err(|_| stopped())?
    }

    pub async fn done(self) -> Result<(), WriteError> {
        self.0?.await.map_err(|_| stopped())?
    }
}

pub struct Writer {
    database: String,
    keys: Keyring,
    audit_key: AuditKey,
    queue: OnceLock<Sender<Job>>,
}

impl Writer {
    pub fn new(database: String, keys: Keyring, audit_key: AuditKey) -> Writer {
        Writer {
            database,
            keys,
            audit_key,
            queue: OnceLock::new(),
        }
    }

    /// Stores the events, all or none, every rule checked; done once they are committed.
    pub fn store_events(&self, events: Vec<Event>) -> Pending {
        self.hand_over(|done| Job::Events(events, done))
    }

    /// Appends an entry to the audit log; done once it is committed.
    pub fn audit(&self, entry: NewAuditEntry) -> Pending {
        self.hand_over(|done| Job::Audit(entry, done))
    }

    fn hand_over(&self, job: impl FnOnce(Answer) -> Job) -> Pending {
        let queue = self.queue.get_or_init(|| {
            let (send, receive) = channel();
            let thread = Thread {
                database: self.database.clone(),
                keys: self.keys.clone(),
                audit_key: self.audit_key.clone(),
            };
            std::thread::spawn(move || thread.run(&receive));
            send
        });
        let (done, answer) = oneshot::channel();
        Pending(
            queue
                .send(job(done))
                .map(|()| answer)
                .map_err(|_| stopped()),
        )
    }
}

struct Thread {
    database: String,
    keys: Keyring,
    audit_key: AuditKey,
}

impl Thread {
    /// Takes every job waiting, writes them, answers each; ends when the server (every
    /// sender) is gone.
    fn run(&self, queue: &Receiver<Job>) {
        let mut store: Option<Box<dyn Store + Send>> = None;
        while let Ok(first) = queue.recv() {
            let mut events = Vec::new();
            let mut entries = Vec::new();
            let mut take = |job| match job {
                Job::Events(e, done) => events.push((e, done)),
                Job::Audit(e, done) => entries.push((e, done)),
            };
            take(first);
            for _ in 1..MOST {
                match queue.try_recv() {
                    Ok(job) => take(job),
                    Err(_) => break,
                }
            }
            // A connection the database closed (a restart, a dropped connection) costs no
            // request: the batch is written again on a new one. Writing it twice is safe:
            // an identical re-import stores nothing more.
            let mut failed = None;
            for attempt in 0..2 {
                // After a failure `store` is empty: the second attempt opens a new one.
                let mut opened = match store.take().filter(|s| !s.is_stale()) {
                    Some(s) => s,
                    None => match iku_storage::open(&self.database) {
                        Ok(s) => s,
                        Err(e) => {
                            failed = Some(WriteError::Storage(e.to_string()));
                            continue;
                        }
                    },
                };
                let (healthy, left) = self.write(opened.as_mut(), events, entries, attempt == 1);
                if healthy {
                    store = Some(opened);
                }
                (events, entries) = left;
                if events.is_empty() && entries.is_empty() {
                    failed = None;
                    break;
                }
            }
            if let Some(failed) = failed {
                let answers = events.into_iter().map(|(_, d)| d);
                for done in answers.chain(entries.into_iter().map(|(_, d)| d)) {
                    let _ = done.send(Err(failed.clone()));
                }
            }
        }
    }

    fn import_one(&self, store: &mut dyn Store, events: Vec<Event>) -> Result<(), WriteError> {
        let lines = events
            .into_iter()
            .enumerate()
            .map(|(i, event)| NumberedLine {
                line: i + 1,
                parsed: ParsedLine {
                    event,
                    recorded_at_given: false,
                },
            })
            .collect();
        match store.import(lines, &self.keys, &Silent) {
            Ok(_) => Ok(()),
            Err(ImportError::Invalid { errors, .. }) => Err(WriteError::Invalid(
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            )),
            Err(e) => Err(WriteError::Storage(e.to_string())),
        }
    }

    /// Writes the jobs and answers them: done, or refused for their own events. Jobs that
    /// meet a storage failure are handed back to be written again on a new connection,
    /// unless this is the `last` attempt (then they are answered with the failure). The
    /// first value is false if the database failed.
    fn write(
        &self,
        store: &mut dyn Store,
        events: EventJobs,
        entries: AuditJobs,
        last: bool,
    ) -> (bool, (EventJobs, AuditJobs)) {
        let (healthy, events_left) = self.import(store, events, last);
        if !healthy && !last {
            return (false, (events_left, entries));
        }
        let (appended, entries_left) = self.append(store, entries, last);
        (healthy && appended, (events_left, entries_left))
    }

    /// Imports the jobs' events together, or, if they break a rule together, one job at a
    /// time; answers each (see `write` for storage failures).
    fn import(&self, store: &mut dyn Store, jobs: EventJobs, last: bool) -> (bool, EventJobs) {
        if jobs.len() > 1 {
            let all: Vec<Event> = jobs.iter().flat_map(|(e, _)| e.iter().cloned()).collect();
            match self.import_one(store, all) {
                Err(WriteError::Invalid(_)) => {}
                Err(WriteError::Storage(_)) if !last => return (false, jobs),
                done => {
                    let healthy = done.is_ok();
                    for (_, answer) in jobs {
                        let _ = answer.send(done.clone());
                    }
                    return (healthy, Vec::new());
                }
            }
        }
        let mut healthy = true;
        let mut left = Vec::new();
        for (events, answer) in jobs {
            if !healthy && !last {
                left.push((events, answer));
                continue;
            }
            match self.import_one(store, events.clone()) {
                Err(WriteError::Storage(_)) if !last => {
                    healthy = false;
                    left.push((events, answer));
                }
                done => {
                    healthy &= !matches!(done, Err(WriteError::Storage(_)));
                    let _ = answer.send(done);
                }
            }
        }
        (healthy, left)
    }

    /// Appends the entries in one transaction; answers each (see `write` for storage
    /// failures).
    fn append(&self, store: &mut dyn Store, jobs: AuditJobs, last: bool) -> (bool, AuditJobs) {
        if jobs.is_empty() {
            return (true, jobs);
        }
        let entries: Vec<NewAuditEntry> = jobs.iter().map(|(e, _)| e.clone()).collect();
        let done = store
            .append_audit_batch(&self.audit_key, Some(&self.keys), entries, crate::now())
            .map(|_| ())
            .map_err(|e| WriteError::Storage(e.to_string()));
        if done.is_err() && !last {
            return (false, jobs);
        }
        let healthy = done.is_ok();
        for (_, answer) in jobs {
            let _ = answer.send(done.clone());
        }
        (healthy, Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use iku_storage::Personals;

    fn event(line: &str) -> Event {
        iku_domain::interchange::parse_line(line, &crate::entry_context())
            .map(|p| p.event)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn application(n: usize) -> Vec<Event> {
        vec![event(&format!(
            r#"{{"id":"e{n}","event":"application_received","date":"2026-03-01","application":"a{n}","person":"p{n}","referrer":"police","consent":true}}"#
        ))]
    }

    fn setup() -> (tempfile::TempDir, String, Thread) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let url = format!("sqlite:{}", dir.path().join("iku.db").display());
        let (keys, _) = Keyring::generate().unwrap_or_else(|e| panic!("{e}"));
        let audit_key = AuditKey::parse(&"ab".repeat(32), "test").unwrap_or_else(|e| panic!("{e}"));
        let thread = Thread {
            database: url.clone(),
            keys,
            audit_key,
        };
        (dir, url, thread)
    }

    /// A batch one request of which breaks a rule: that request alone is refused.
    #[test]
    fn a_request_is_refused_only_for_its_own_events() {
        let (_dir, url, thread) = setup();
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        let undecidable = vec![event(
            r#"{"id":"d1","event":"application_decided","date":"2026-03-02","application":"nowhere","outcome":"admitted"}"#,
        )];
        let mut answers = Vec::new();
        let mut jobs = Vec::new();
        for events in [application(1), undecidable, application(2), application(1)] {
            let (done, answer) = oneshot::channel();
            jobs.push((events, done));
            answers.push(answer);
        }
        assert!(thread.import(store.as_mut(), jobs, true).0);
        let results: Vec<_> = answers
            .into_iter()
            .map(|a| a.blocking_recv().unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        assert!(
            matches!(results[1], Err(WriteError::Invalid(_))),
            "{results:?}"
        );
        // The same id again with the same content is an identical re-import.
        assert!(results[3].is_ok(), "{results:?}");
        let stored: Vec<String> = store
            .load(Personals::Leave)
            .unwrap_or_else(|e| panic!("{e}"))
            .events()
            .iter()
            .map(|e| e.id.as_str().to_owned())
            .collect();
        assert_eq!(stored, ["e1", "e2"]);
    }

    /// Requests from many threads at once: every one answered, every entry chained once.
    #[test]
    fn every_request_is_answered_once_its_work_is_committed() {
        let (_dir, url, thread) = setup();
        let writer = Writer::new(url.clone(), thread.keys.clone(), thread.audit_key.clone());
        std::thread::scope(|scope| {
            for n in 0..16 {
                let writer = &writer;
                scope.spawn(move || {
                    let entry = NewAuditEntry::new(&format!("user{n}"), "case.read", "", "");
                    writer.audit(entry).wait().unwrap_or_else(|e| panic!("{e}"));
                    writer
                        .store_events(application(n))
                        .wait()
                        .unwrap_or_else(|e| panic!("{e}"));
                });
            }
        });
        let mut store = iku_storage::open(&url).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.count().ok(), Some(16));
        let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(chain.entries.len(), 16);
        let verified = iku_storage::audit::verify(&thread.audit_key, &chain.entries, chain.head);
        assert_eq!(verified, Ok(()));
    }
}
