//! Counters every source fills while it scans, and the summary they become.
//!
//! Skips are counted by reason so that nothing is passed over silently.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Why a file or blob was not scanned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A NUL byte in the first 8 KiB.
    Binary,
    /// Larger than `--max-file-size`.
    TooLarge,
    /// Could not be read (permissions, vanished, I/O error).
    Unreadable,
    /// Excluded by a global path allowlist (lock files, vendored assets).
    Allowlisted,
    /// A symbolic link that was not followed.
    Symlink,
}

impl SkipReason {
    const ALL: [SkipReason; 5] = [
        SkipReason::Binary,
        SkipReason::TooLarge,
        SkipReason::Unreadable,
        SkipReason::Allowlisted,
        SkipReason::Symlink,
    ];

    /// The name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Binary => "binary",
            SkipReason::TooLarge => "too large",
            SkipReason::Unreadable => "unreadable",
            SkipReason::Allowlisted => "allowlisted path",
            SkipReason::Symlink => "symlink",
        }
    }
}

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

/// What a scan covered.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files or blobs scanned.
    pub files: u64,
    /// Bytes scanned.
    pub bytes: u64,
    /// Wall time.
    #[serde(serialize_with = "seconds")]
    pub duration: Duration,
    /// Skips by reason.
    #[serde(serialize_with = "skip_map")]
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Remarks the user should see (shallow clone, config changed in range...).
    pub notes: Vec<String>,
    /// Requests by host and results, when `--validate` ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<crate::validate::ValidationSummary>,
    /// The shard this scan covered (`--shard I/N`), so that `leakgate merge` can tell a missing
    /// one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<super::shard::ShardInfo>,
    /// The repository a git scan covered: its `origin` URL (credentials removed), else its path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The repositories a fleet scan (or a merge) covered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
}

fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1000.0).round() / 1000.0)
}

fn skip_map<S: serde::Serializer>(m: &BTreeMap<SkipReason, u64>, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(m.len()))?;
    for (k, v) in m {
        map.serialize_entry(&k, v)?;
    }
    map.end()
}

impl Summary {
    /// Adds another scan's counts and notes to this one (fleet scans and merges); notes are
    /// prefixed with `label` when given, and a note already present is not repeated. Duration,
    /// shard and repositories are the caller's to set.
    pub fn add(&mut self, other: &Summary, label: Option<&str>) {
        self.files += other.files;
        self.bytes += other.bytes;
        for (reason, count) in &other.skipped {
            *self.skipped.entry(*reason).or_default() += count;
        }
        for note in &other.notes {
            let note = match label {
                Some(label) => format!("{label}: {note}"),
                None => note.clone(),
            };
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
    }

    /// Total skipped files.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
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
