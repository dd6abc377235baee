//! Checkpoints behind the writer. SQLite copies its write-ahead log into the database file
//! at the commit that finds the log long, and that commit waits for the copy; behind the
//! server's writer, every request waiting on that commit (a read waits for its audit entry)
//! waited too. The writer's store leaves checkpoints to a thread of its own, asked after
//! commits and at most every `PACE`, so the log stays short and no commit waits for it.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use iku_storage::{Store, StoreError};

/// At least this long between two checkpoints: the log holds about this much of writes.
const PACE: Duration = Duration::from_millis(500);

pub(super) struct Checkpoints {
    database: String,
    ask: Option<SyncSender<()>>,
}

impl Checkpoints {
    pub(super) fn new(database: String) -> Self {
        Checkpoints {
            database,
            ask: None,
        }
    }

    /// A store for the writer: where the backend has checkpoints, one that leaves them to
    /// the thread (started with the first such store).
    pub(super) fn open(&mut self) -> Result<Box<dyn Store + Send>, StoreError> {
        let mut store = iku_storage::open(&self.database)?;
        if !store.defer_checkpoints()? || self.ask.is_some() {
            return Ok(store);
        }
        let (ask, asked) = sync_channel(1);
        let database = self.database.clone();
        let started = std::thread::Builder::new()
            .name("iku-checkpoint".into())
            .spawn(move || run(&database, &asked));
        match started {
            Ok(_) => {
                self.ask = Some(ask);
                Ok(store)
            }
            // Without the thread, a store that checkpoints at its commits as before.
            Err(_) => iku_storage::open(&self.database),
        }
    }

    /// Tells the thread that the writer committed (it checkpoints unless it just did).
    pub(super) fn committed(&self) {
        if let Some(ask) = &self.ask {
            let _ = ask.try_send(());
        }
    }
}

/// Checkpoints when asked, at most every `PACE`; ends with the writer (every sender gone).
fn run(database: &str, asked: &Receiver<()>) {
    let mut store: Option<Box<dyn Store + Send>> = None;
    while asked.recv().is_ok() {
        let opened = match store.take().filter(|s| !s.is_stale()) {
            Some(s) => Some(s),
            None => iku_storage::open(database).ok(),
        };
        if let Some(mut opened) = opened
            && opened.checkpoint().is_ok()
        {
            store = Some(opened);
        }
        std::thread::sleep(PACE);
    }
}
