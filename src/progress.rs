//! The progress display on stderr for long scans: files, bytes and rate, read from the shared
//! counters each time indicatif's steady tick redraws the line. Nothing is drawn when stderr is
//! not a terminal or with `--quiet`.

use std::io::IsTerminal as _;
use std::sync::Arc;
use std::time::Duration;

use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::source::stats::ScanStats;

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(120);

/// A running progress display, or nothing.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// Starts a spinner that reads `stats` until [`Progress::finish`].
    pub fn start(stats: &Arc<ScanStats>, quiet: bool) -> Progress {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        let stats = Arc::clone(stats);
        let counts = move |state: &ProgressState, out: &mut dyn std::fmt::Write| {
            let bytes = stats.bytes_so_far();
            let secs = state.elapsed().as_secs_f64().max(0.001);
            let rate = HumanBytes(per_second(bytes, secs));
            let _ = write!(
                out,
                "{} files, {}, {rate}/s",
                stats.files(),
                HumanBytes(bytes)
            );
        };
        if let Ok(style) = ProgressStyle::with_template("{spinner} {counts} [{elapsed}]") {
            bar.set_style(style.with_key("counts", counts));
        }
        bar.enable_steady_tick(TICK);
        Progress { bar: Some(bar) }
    }

    /// Stops and clears the display.
    pub fn finish(self) {
        if let Some(bar) = self.bar {
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
