//! Every write of the server's requests to the register and to the audit log, made by one
//! thread in batches. A request hands over its work (events, and the audit entries that
//! record them; or an audit entry alone) and waits until the transaction that holds it has
//! committed: an event and its audit entry commit together or not at all, and nothing is
//! answered that is not durable and on record. The work of every request waiting meanwhile
//! shares that transaction (one check of the register's rules over the groups the events
//! touch); if the events break a rule together, each request's work is written alone, so a
//! request is refused only for its own. A batch that meets a closed connection is written
//! again on a new one (safe: an identical re-import stores nothing more).

use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, Sender, channel};

use tokio::sync::oneshot;

use iku_domain::Event;
use iku_domain::ids::PersonId;
use iku_domain::interchange::ParsedLine;
use iku_storage::audit::{AuditKey, NewAuditEntry};
use iku_storage::import::{ImportError, NumberedLine, Silent};
use iku_storage::{AuditBatch, Keyring, Store};

use checkpoints::Checkpoints;

mod checkpoints;

/// At most this many requests' work goes into one batch.
const MOST: usize = 1024;

/// Why a request's work was not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum WriteError {
    /// The events break a rule of the register (the import's message: ids and rules, never
    /// a personal value).
    #[error("{0}")]
    Invalid(String, Option<iku_domain::rules::Rule>),
    /// The database failed (for the log).
    #[error("{0}")]
    Storage(String),
}

impl From<WriteError> for crate::AppError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Invalid(why, Some(rule)) => crate::AppError::RuleBroken(rule, why),
            WriteError::Invalid(why, None) => crate::AppError::InvalidEvent(why),
            WriteError::Storage(why) => crate::AppError::Internal(format!("storage: {why}")),
        }
    }
}

/// What a request's work did: the persons whose records it may have changed (None: any;
/// the groups its write was checked with, or the whole register).
#[derive(Debug, Clone, Default)]
pub struct Done {
    pub persons: Option<Vec<PersonId>>,
}

/// A request's work: events, and the audit entries that record them.
struct Work {
    events: Vec<Event>,
    audit: Vec<NewAuditEntry>,
}

type Answer = oneshot::Sender<Result<Done, WriteError>>;
type Jobs = Vec<(Work, Answer)>;

/// A request's work, handed over: wait for it on a blocking thread, or await it (so that
/// no thread waits for the commit).
pub struct Pending(Result<oneshot::Receiver<Result<Done, WriteError>>, WriteError>);

fn stopped() -> WriteError {
    WriteError::Storage("the server's writer has stopped".into())
}

impl Pending {
    pub fn wait(self) -> Result<Done, WriteError> {
        self.0?.blocking_recv().map_err(|_| stopped())?
    }

    pub async fn done(self) -> Result<Done, WriteError> {
        self.0?.await.map_err(|_| stopped())?
    }
}

pub struct Writer {
    database: String,
    keys: Keyring,
    audit_key: AuditKey,
    queue: OnceLock<Sender<(Work, Answer)>>,
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

    /// Stores the events, all or none, every rule checked, with the audit entries that
    /// record them, in one transaction; done once they are committed.
    pub fn write(&self, events: Vec<Event>, audit: Vec<NewAuditEntry>) -> Pending {
        self.hand_over(Work { events, audit })
    }

    /// Appends an entry to the audit log; done once it is committed.
    pub fn audit(&self, entry: NewAuditEntry) -> Pending {
        self.hand_over(Work {
            events: Vec::new(),
            audit: vec![entry],
        })
    }

    fn hand_over(&self, work: Work) -> Pending {
        let queue = self.queue.get_or_init(|| {
            let (send, receive) = channel();
            let thread = Thread {
                database: self.database.clone(),
                keys: self.keys.clone(),
                audit_key: self.audit_key.clone(),
            };
            // Named, so that it can be told apart in a profile or `top -H`.
            let spawned = std::thread::Builder::new()
                .name("iku-writer".into())
                .spawn(move || thread.run(&receive));
            // Without its thread the writer answers every job that it has stopped.
            spawned.map(|_| send).unwrap_or_else(|_| channel().0)
        });
        let (done, answer) = oneshot::channel();
        Pending(
            queue
                .send((work, done))
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
    fn run(&self, queue: &Receiver<(Work, Answer)>) {
        let mut checkpoints = Checkpoints::new(self.database.clone());
        let mut store: Option<Box<dyn Store + Send>> = None;
        while let Ok(first) = queue.recv() {
            let mut jobs = vec![first];
            while jobs.len() < MOST {
                match queue.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let mut failed = None;
            for attempt in 0..2 {
                // After a failure `store` is empty: the second attempt opens a new one.
                let mut opened = match store.take().filter(|s| !s.is_stale()) {
                    Some(s) => s,
                    None => match checkpoints.open() {
                        Ok(s) => s,
                        Err(e) => {
                            failed = Some(WriteError::Storage(e.to_string()));
                            continue;
                        }
                    },
                };
                let (healthy, left) = self.write(opened.as_mut(), jobs, attempt == 1);
                if healthy {
                    store = Some(opened);
                }
                jobs = left;
                if jobs.is_empty() {
                    failed = None;
                    break;
                }
            }
            if let Some(failed) = failed {
                for (_, done) in jobs {
                    let _ = done.send(Err(failed.clone()));
                }
            }
            checkpoints.committed();
        }
    }

    /// Writes some work in one transaction.
    fn write_one(
        &self,
        store: &mut dyn Store,
        events: Vec<Event>,
        audit: Vec<NewAuditEntry>,
    ) -> Result<Done, WriteError> {
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
        let batch = AuditBatch {
            key: &self.audit_key,
            entries: audit,
            at: crate::now(),
        };
        match store.write(lines, &self.keys, Some(batch), &Silent) {
            Ok(report) => Ok(Done {
                persons: report.persons,
            }),
            Err(ImportError::Invalid { errors, .. }) => Err(WriteError::Invalid(
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                errors.iter().find_map(|e| e.rule),
            )),
            Err(e) => Err(WriteError::Storage(e.to_string())),
        }
    }

    /// Writes the jobs together, or, if their events break a rule together, one job at a
    /// time; answers each. Jobs that meet a storage failure are handed back to be written
    /// again on a new connection, unless this is the `last` attempt (then they are answered
    /// with the failure). The first value is false if the database failed.
    fn write(&self, store: &mut dyn Store, jobs: Jobs, last: bool) -> (bool, Jobs) {
        if jobs.len() > 1 {
            let events = jobs
                .iter()
                .flat_map(|(w, _)| w.events.iter().cloned())
                .collect();
            let audit = jobs
                .iter()
                .flat_map(|(w, _)| w.audit.iter().cloned())
                .collect();
            match self.write_one(store, events, audit) {
                Err(WriteError::Invalid(..)) => {}
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
        for (work, answer) in jobs {
            if !healthy && !last {
                left.push((work, answer));
                continue;
            }
            match self.write_one(store, work.events.clone(), work.audit.clone()) {
                Err(WriteError::Storage(_)) if !last => {
                    healthy = false;
                    left.push((work, answer));
                }
                done => {
                    healthy &= !matches!(done, Err(WriteError::Storage(_)));
                    let _ = answer.send(done);
                }
            }
        }
        (healthy, left)
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
            let audit = vec![NewAuditEntry::new("maria", "case.write", "", "")];
            jobs.push((Work { events, audit }, done));
            answers.push(answer);
        }
        assert!(thread.write(store.as_mut(), jobs, true).0);
        let results: Vec<_> = answers
            .into_iter()
            .map(|a| a.blocking_recv().unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
        assert!(
            matches!(results[1], Err(WriteError::Invalid(..))),
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
        // The refused request's audit entry is not on record either.
        let chain = store.audit_chain().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(chain.entries.len(), 3);
    }

    /// The writer's commits leave the copy into the database file to the checkpoint thread:
    /// what they commit reaches the file (read here without the log) while the writer
    /// still runs, although a few small commits would never fill the log enough for a
    /// commit to checkpoint it.
    #[test]
    fn what_the_writer_commits_reaches_the_database_file_behind_it() {
        let (dir, url, thread) = setup();
        let writer = Writer::new(url, thread.keys.clone(), thread.audit_key.clone());
        for n in 0..5 {
            let entry = NewAuditEntry::new(&format!("user{n}"), "case.read", "", "");
            writer.audit(entry).wait().unwrap_or_else(|e| panic!("{e}"));
        }
        let in_the_file = || {
            let copy = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
            let file = copy.path().join("iku.db");
            std::fs::copy(dir.path().join("iku.db"), &file).unwrap_or_else(|e| panic!("{e}"));
            let mut store = iku_storage::open(&format!("sqlite:{}", file.display()))
                .unwrap_or_else(|e| panic!("{e}"));
            store.audit_chain().map(|c| c.entries.len()).unwrap_or(0)
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while in_the_file() < 5 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert_eq!(in_the_file(), 5);
        drop(writer);
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
                        .write(application(n), Vec::new())
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
