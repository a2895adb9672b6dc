//! What a scan covered, as every report prints it: counts, skips by reason, notes, validation
//! requests, the shard and the repositories. Sources fill it through `source::stats::ScanStats`;
//! this module knows nothing of how.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::validate::ValidationSummary;

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
    /// Every reason, in the order counters are kept.
    pub(crate) const ALL: [SkipReason; 5] = [
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

/// What a split divides: the unit each shard owns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// History blobs, by blob id.
    Blob,
    /// Tree files, by path relative to the scan root.
    Path,
    /// The repositories of a fleet scan, by the text they are listed with.
    Repository,
}

/// A shard as a report records it, so that `leakgate merge` can tell a missing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// 1-based index.
    pub index: u32,
    /// Number of shards.
    pub total: u32,
    /// What was split.
    pub unit: Unit,
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
    pub validation: Option<ValidationSummary>,
    /// The shard this scan covered (`--shard I/N`), so that `leakgate merge` can tell a missing
    /// one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<ShardInfo>,
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
