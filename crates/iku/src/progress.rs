//! Progress of long imports: a bar on a terminal; elsewhere one line per phase on stderr, so
//! logs and tests can follow along.

use std::io::IsTerminal;

use iku_storage::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Files smaller than this get no bar: it would only flicker.
const BAR_FROM_BYTES: u64 = 4 << 20;

pub fn for_stderr(file_size: u64) -> Box<dyn Progress> {
    if std::io::stderr().is_terminal() && file_size >= BAR_FROM_BYTES {
        Box::new(Bar(ProgressBar::with_draw_target(
            None,
            ProgressDrawTarget::stderr(),
        )))
    } else {
        Box::new(Lines(std::time::Instant::now()))
    }
}

struct Bar(ProgressBar);

impl Progress for Bar {
    fn phase(&self, name: &str, total: u64) {
        let style = if total > 0 {
            ProgressStyle::with_template("{msg:>9} [{bar:40}] {pos}/{len} events ({per_sec})")
        } else {
            ProgressStyle::with_template("{msg:>9} {pos} lines ({per_sec})")
        };
        if let Ok(style) = style {
            self.0.set_style(style.progress_chars("=> "));
        }
        self.0.set_message(name.to_owned());
        self.0.set_length(total);
        self.0.set_position(0);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}

/// Phase lines, with the time since the start.
struct Lines(std::time::Instant);

impl Progress for Lines {
    fn phase(&self, name: &str, total: u64) {
        let secs = self.0.elapsed().as_secs_f64();
        if total > 0 {
            eprintln!("{name}: {total} events (at {secs:.1} s)");
        } else {
            eprintln!("{name} (at {secs:.1} s)");
        }
    }

    fn advance(&self, _: u64) {}
}
