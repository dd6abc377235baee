//! The audit entries of every request, written by one thread in batches: a request hands
//! its entry over and waits until the transaction that holds it has committed (so nothing is
//! answered that is not on record), but the entries of all the requests waiting meanwhile
//! share that one commit. One write a request would cap the server at the disk's commits
//! per second.

use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use iku_storage::Store;
use iku_storage::audit::{AuditKey, NewAuditEntry};

/// At most this many entries go into one transaction.
const MOST: usize = 1024;

struct Job {
    entry: NewAuditEntry,
    done: SyncSender<Result<i64, String>>,
}

/// Hands entries to the writing thread (started with the first entry).
pub struct AuditLog {
    database: String,
    key: AuditKey,
    queue: OnceLock<Sender<Job>>,
}

impl AuditLog {
    pub fn new(database: String, key: AuditKey) -> AuditLog {
        AuditLog {
            database,
            key,
            queue: OnceLock::new(),
        }
    }

    /// Appends an entry and returns its seq once it is committed; the error says why not.
    pub fn append(&self, entry: NewAuditEntry) -> Result<i64, String> {
        let queue = self.queue.get_or_init(|| {
            let (send, receive) = channel();
            let (database, key) = (self.database.clone(), self.key.clone());
            std::thread::spawn(move || write(&database, &key, &receive));
            send
        });
        let (done, answer) = sync_channel(1);
        queue
            .send(Job { entry, done })
            .map_err(|_| "the audit log's writer has stopped".to_owned())?;
        answer
            .recv()
            .map_err(|_| "the audit log's writer has stopped".to_owned())?
    }
}

/// The writing thread: takes every entry waiting, appends them in one transaction, answers
/// each. It ends when the server (every sender) is gone.
fn write(database: &str, key: &AuditKey, queue: &Receiver<Job>) {
    let mut store: Option<Box<dyn Store + Send>> = None;
    while let Ok(first) = queue.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MOST {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        let (entries, answers): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| (j.entry, j.done)).unzip();
        let written = match store.take().filter(|s| !s.is_stale()) {
            Some(s) => Ok(s),
            None => iku_storage::open(database),
        }
        .and_then(|mut s| {
            let seqs = s.append_audit_batch(key, entries, crate::state::now())?;
            Ok((s, seqs))
        });
        match written {
            Ok((s, seqs)) => {
                store = Some(s);
                for (answer, seq) in answers.into_iter().zip(seqs) {
                    let _ = answer.send(Ok(seq));
                }
            }
            // The connection is dropped: the next batch opens a new one.
            Err(e) => {
                let why = e.to_string();
                for answer in answers {
                    let _ = answer.send(Err(why.clone()));
                }
            }
        }
    }
}
