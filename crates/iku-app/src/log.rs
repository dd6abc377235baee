//! The server's log: one line per event, to standard error by default. Only codes, account
//! names, record ids and error details go in; never a personal value (a test drives the API
//! with known names and identity codes and searches the log for them).

use std::sync::Arc;

#[derive(Clone)]
pub struct Log(Arc<dyn Fn(&str) + Send + Sync>);

impl Log {
    pub fn stderr() -> Self {
        Log(Arc::new(|line| eprintln!("{line}")))
    }

    /// A log that hands every line to `sink` (tests collect them).
    pub fn to(sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Log(Arc::new(sink))
    }

    pub fn line(&self, line: &str) {
        (self.0)(line);
    }
}
