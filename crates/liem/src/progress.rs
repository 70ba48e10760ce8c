//! Progress of long work (the demo's data, the benchmark's): a bar on a
//! terminal, and on anything else (a log, a pipe, CI) a plain line every
//! tenth of the way, so that nobody waits on a silent screen.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// The progress of one piece of work of known size.
pub struct Progress {
    label: String,
    total: u64,
    done: u64,
    started: Instant,
    bar: Option<ProgressBar>,
    /// The last tenth a plain line was printed for.
    tenth: u64,
}

impl Progress {
    /// Starts showing `label` for `total` steps, on standard error.
    pub fn new(label: &str, total: u64) -> Progress {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{msg:<28} [{bar:32}] {pos:>9}/{len:9} {elapsed_precise} (≈{eta} left)",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(label.to_owned());
            bar
        });
        Progress {
            label: label.to_owned(),
            total,
            done: 0,
            started: Instant::now(),
            bar,
            tenth: 0,
        }
    }

    /// `n` more steps done.
    pub fn advance(&mut self, n: u64) {
        self.done = (self.done + n).min(self.total);
        match &self.bar {
            Some(bar) => bar.set_position(self.done),
            None => {
                let tenth = (self.done * 10).checked_div(self.total).unwrap_or(10);
                if tenth > self.tenth && tenth < 10 {
                    self.tenth = tenth;
                    eprintln!(
                        "{}: {}/{} ({} %, {:.1} s)",
                        self.label,
                        self.done,
                        self.total,
                        tenth * 10,
                        self.started.elapsed().as_secs_f64()
                    );
                }
            }
        }
    }

    /// Done, with nothing to say: the bar goes.
    pub fn clear(self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    /// Done: the bar goes; what was done is said once.
    pub fn finish(self, summary: &str) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        eprintln!("{summary}");
    }
}
