//! Counters the scan pipeline and every source fill while they scan, and the [`Summary`] they become (defined with the
//! reports, which print it).
//!
//! Skips are counted by reason so that nothing is passed over silently.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use crate::report::summary::{SkipReason, Summary};

/// Thread-safe counters.
#[derive(Debug, Default)]
pub struct ScanStats {
    files: AtomicU64,
    bytes: AtomicU64,
    skipped: [AtomicU64; 5],
    /// Bytes read so far of files still being scanned, so progress moves while one large file
    /// streams (they move into `bytes` when the file is done).
    reading: AtomicU64,
}

impl ScanStats {
    /// Counts `n` bytes read of a file still being scanned.
    pub fn reading(&self, n: u64) {
        self.reading.fetch_add(n, Ordering::Relaxed);
    }

    /// The file whose reads were counted with [`ScanStats::reading`] is done.
    pub fn done_reading(&self, n: u64) {
        self.reading.fetch_sub(n, Ordering::Relaxed);
    }

    /// Bytes scanned so far, counting files still being read: what progress shows.
    pub fn bytes_so_far(&self) -> u64 {
        self.bytes() + self.reading.load(Ordering::Relaxed)
    }

    /// Counts one scanned file or blob of `bytes` bytes.
    pub fn scanned(&self, bytes: u64) {
        self.files.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts one skip.
    pub fn skipped(&self, reason: SkipReason) {
        self.skipped[reason as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// Files scanned so far.
    pub fn files(&self) -> u64 {
        self.files.load(Ordering::Relaxed)
    }

    /// Bytes scanned so far.
    pub fn bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Freezes the counters into a summary.
    pub fn summary(&self, duration: Duration) -> Summary {
        let skipped = SkipReason::ALL
            .iter()
            .map(|&r| (r, self.skipped[r as usize].load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect();
        Summary {
            files: self.files(),
            bytes: self.bytes(),
            duration,
            skipped,
            notes: Vec::new(),
            validation: None,
            shard: None,
            repository: None,
            repositories: Vec::new(),
        }
    }
}

#[cfg(test)]
mod progress_tests {
    use super::ScanStats;

    #[test]
    fn bytes_of_a_file_still_streaming_show_in_progress_and_are_not_counted_twice() {
        let stats = ScanStats::default();
        stats.reading(16 << 20);
        assert_eq!(stats.bytes_so_far(), 16 << 20);
        assert_eq!(stats.bytes(), 0);
        stats.done_reading(16 << 20);
        stats.scanned(16 << 20);
        assert_eq!(stats.bytes_so_far(), 16 << 20);
        assert_eq!(stats.files(), 1);
    }
}
