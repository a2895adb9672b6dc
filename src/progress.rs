//! The progress display on stderr for long scans: files, bytes and rate, read from the shared
//! counters by a ticker thread. Nothing is drawn when stderr is not a terminal or with `--quiet`.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::report::text::human_bytes;
use crate::source::stats::ScanStats;

/// A running progress display, or nothing.
pub struct Progress {
    running: Option<(ProgressBar, JoinHandle<()>, Sender<()>)>,
}

impl Progress {
    /// Starts a spinner that reads `stats` until [`Progress::finish`].
    pub fn start(stats: &Arc<ScanStats>, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { running: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        let (stop, stopped) = channel::<()>();
        let ticker = bar.clone();
        let stats = Arc::clone(stats);
        let handle = std::thread::spawn(move || {
            let started = Instant::now();
            loop {
                let bytes = stats.bytes_so_far();
                let secs = started.elapsed().as_secs_f64().max(0.001);
                ticker.set_message(format!(
                    "{} files, {}, {}/s",
                    stats.files(),
                    human_bytes(bytes),
                    human_bytes(per_second(bytes, secs))
                ));
                ticker.tick();
                if stopped.recv_timeout(Duration::from_millis(120)).is_ok() {
                    break;
                }
            }
        });
        Progress {
            running: Some((bar, handle, stop)),
        }
    }

    /// Stops and clears the display.
    pub fn finish(self) {
        if let Some((bar, handle, stop)) = self.running {
            let _ = stop.send(());
            let _ = handle.join();
            bar.finish_and_clear();
        }
    }
}

/// Bytes per second, rounded down.
fn per_second(bytes: u64, secs: f64) -> u64 {
    let rate = (bytes as f64 / secs).max(0.0);
    #[allow(clippy::cast_sign_loss)] // clamped to be non-negative above
    let rate = rate as u64;
    rate
}
