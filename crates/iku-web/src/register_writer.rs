//! Writing events to the register, for every request, by one thread: the events of all the
//! requests waiting go into one import (one check of the register's rules, one commit), and
//! each request is answered once its events are durable. If the batch breaks a rule, each
//! request's events are imported again on their own, so a request is refused only for its
//! own events. An import checks the whole register, so one import a request would cap the
//! server at a few dozen writes per second.

use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use iku_domain::Event;
use iku_domain::interchange::ParsedLine;
use iku_storage::import::{ImportError, NumberedLine, Silent};
use iku_storage::{Keyring, Store};

/// At most this many requests' events go into one import.
const MOST: usize = 512;

/// Why a request's events were not stored.
#[derive(Debug, Clone)]
pub enum WriteError {
    /// They break a rule of the register (the import's message: ids and rules, never a
    /// personal value).
    Invalid(String),
    /// The database failed (for the log).
    Storage(String),
}

struct Job {
    events: Vec<Event>,
    done: SyncSender<Result<(), WriteError>>,
}

pub struct RegisterWriter {
    database: String,
    keys: Keyring,
    queue: OnceLock<Sender<Job>>,
}

impl RegisterWriter {
    pub fn new(database: String, keys: Keyring) -> RegisterWriter {
        RegisterWriter {
            database,
            keys,
            queue: OnceLock::new(),
        }
    }

    /// Stores the events, all or none, every rule checked; returns once they are committed.
    pub fn write(&self, events: Vec<Event>) -> Result<(), WriteError> {
        let queue = self.queue.get_or_init(|| {
            let (send, receive) = channel();
            let (database, keys) = (self.database.clone(), self.keys.clone());
            std::thread::spawn(move || run(&database, &keys, &receive));
            send
        });
        let stopped = || WriteError::Storage("the register's writer has stopped".into());
        let (done, answer) = sync_channel(1);
        queue.send(Job { events, done }).map_err(|_| stopped())?;
        answer.recv().map_err(|_| stopped())?
    }
}

fn lines(events: impl IntoIterator<Item = Event>) -> Vec<NumberedLine> {
    events
        .into_iter()
        .enumerate()
        .map(|(i, event)| NumberedLine {
            line: i + 1,
            parsed: ParsedLine {
                event,
                recorded_at_given: false,
            },
        })
        .collect()
}

fn import(store: &mut dyn Store, keys: &Keyring, events: Vec<Event>) -> Result<(), WriteError> {
    match store.import(lines(events), keys, &Silent) {
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

/// The writing thread; it ends when the server (every sender) is gone.
fn run(database: &str, keys: &Keyring, queue: &Receiver<Job>) {
    let mut store: Option<Box<dyn Store + Send>> = None;
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MOST {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let mut opened = match store.take().filter(|s| !s.is_stale()) {
            Some(s) => s,
            None => match iku_storage::open(database) {
                Ok(s) => s,
                Err(e) => {
                    for job in jobs {
                        let _ = job.done.send(Err(WriteError::Storage(e.to_string())));
                    }
                    continue;
                }
            },
        };
        let answers = write_batch(opened.as_mut(), keys, jobs);
        if !answers {
            // A storage failure: the next batch starts on a new connection.
            continue;
        }
        store = Some(opened);
    }
}

/// Imports the jobs' events together (or, if they break a rule together, one job at a
/// time) and answers each job. False if the database failed.
fn write_batch(store: &mut dyn Store, keys: &Keyring, jobs: Vec<Job>) -> bool {
    if jobs.len() > 1 {
        let all: Vec<Event> = jobs.iter().flat_map(|j| j.events.iter().cloned()).collect();
        match import(store, keys, all) {
            Ok(()) => {
                for job in jobs {
                    let _ = job.done.send(Ok(()));
                }
                return true;
            }
            Err(WriteError::Storage(e)) => {
                for job in jobs {
                    let _ = job.done.send(Err(WriteError::Storage(e.clone())));
                }
                return false;
            }
            Err(WriteError::Invalid(_)) => {}
        }
    }
    let mut healthy = true;
    for job in jobs {
        let done = import(store, keys, job.events);
        healthy &= !matches!(done, Err(WriteError::Storage(_)));
        let _ = job.done.send(done);
    }
    healthy
}
