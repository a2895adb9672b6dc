//! History scans: every unique blob reachable from the chosen commits is read and scanned once
//! per path class it appears under (see [`PathClass`]), in parallel, then each finding is
//! attributed to the commit that introduced the blob under that class and the path it had there.
//! A renamed file of the same class is the same blob, so it is never reported twice; a lock file
//! renamed to `.env` is judged as `.env` too.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;

use super::blob::{BlobOutcome, scan_blob};
use super::object_error;
use crate::engine::Engine;
use crate::finding::Finding;
use crate::source::PathClass;
use crate::source::stats::{ScanStats, SkipReason};

/// A unique (blob, path class) and where it first appeared.
#[derive(Debug, Clone)]
pub struct BlobOrigin {
    /// The blob id.
    pub blob: Oid,
    /// Its path in the introducing commit, `/`-separated.
    pub path: String,
    /// The first commit (oldest first) whose tree holds it under a path of this class.
    pub commit: Oid,
    /// [`PathClass::key`] of the path.
    pub class: u64,
}

/// Blobs handed on at a time: a batch is scanned while the walk goes on, so memory holds a few
/// batches, not every blob of the history with its path.
pub const BATCH: usize = 4096;

/// Walks the trees of `commits` (oldest first), visiting each tree once per path it appears
/// at, and hands each unique blob per path class, with its introducing commit and path, to
/// `emit` in batches of up to [`BATCH`], in the order found. Only the ids seen stay in memory.
pub fn walk_blobs(
    engine: &Engine,
    repo: &Repository,
    commits: &[Oid],
    mut emit: impl FnMut(Vec<BlobOrigin>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut walk = TreeWalk {
        engine,
        repo,
        commit: Oid::zero(),
        seen_trees: HashSet::new(),
        seen_blobs: HashSet::new(),
        classes: HashMap::new(),
        out: Vec::new(),
    };
    for &commit_id in commits {
        let commit = repo
            .find_commit(commit_id)
            .map_err(|e| object_error("commit", commit_id, &e))?;
        walk.commit = commit_id;
        walk.tree(commit.tree_id(), "")?;
        if walk.out.len() >= BATCH {
            emit(std::mem::take(&mut walk.out))?;
        }
    }
    if !walk.out.is_empty() {
        emit(walk.out)?;
    }
    Ok(())
}

struct TreeWalk<'a> {
    engine: &'a Engine,
    repo: &'a Repository,
    commit: Oid,
    /// (tree, hash of the path it sits at): a tree seen again at the same path holds nothing
    /// new; at another path its blobs may fall in another class.
    seen_trees: HashSet<(Oid, u64)>,
    seen_blobs: HashSet<(Oid, u64)>,
    /// Path to class key; most histories have few distinct paths next to their blobs.
    classes: HashMap<String, u64>,
    out: Vec<BlobOrigin>,
}

impl TreeWalk<'_> {
    fn tree(&mut self, id: Oid, prefix: &str) -> anyhow::Result<()> {
        if !self.seen_trees.insert((id, path_hash(prefix))) {
            return Ok(());
        }
        let tree = self
            .repo
            .find_tree(id)
            .map_err(|e| object_error("tree", id, &e))?;
        for entry in &tree {
            let name = String::from_utf8_lossy(entry.name_bytes());
            let path = if prefix.is_empty() {
                name.into_owned()
            } else {
                format!("{prefix}/{name}")
            };
            match entry.kind() {
                Some(ObjectType::Tree) => self.tree(entry.id(), &path)?,
                // 0o120000 is a symlink: its blob is a path, not content.
                Some(ObjectType::Blob) if entry.filemode() != 0o120_000 => {
                    self.blob(entry.id(), path);
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn blob(&mut self, blob: Oid, path: String) {
        let class = if let Some(class) = self.classes.get(&path) {
            *class
        } else {
            let class = PathClass::of(self.engine, &path).key();
            self.classes.insert(path.clone(), class);
            class
        };
        if self.seen_blobs.insert((blob, class)) {
            self.out.push(BlobOrigin {
                blob,
                path,
                commit: self.commit,
                class,
            });
        }
    }
}

fn path_hash(path: &str) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut hasher);
    hasher.finish()
}

/// Scans blobs in parallel with one repository handle per worker. Returns findings (without
/// commit metadata) tagged with the index of their blob.
pub fn scan_blobs(
    engine: &Engine,
    repo_path: &Path,
    blobs: &[BlobOrigin],
    max_size: u64,
    stats: &ScanStats,
) -> anyhow::Result<Vec<(usize, Finding)>> {
    let results: Vec<anyhow::Result<Vec<(usize, Finding)>>> = blobs
        .par_iter()
        .enumerate()
        .map_init(
            || Repository::open(repo_path),
            |repo, (index, origin)| {
                let repo = repo.as_ref().map_err(|e| {
                    anyhow::anyhow!("cannot open {}: {}", repo_path.display(), e.message())
                })?;
                let scanned = scan_blob(engine, repo, origin.blob, &origin.path, max_size)?;
                count(stats, scanned.outcome);
                Ok(scanned.findings.into_iter().map(|f| (index, f)).collect())
            },
        )
        .collect();
    let mut findings = Vec::new();
    for result in results {
        findings.extend(result?);
    }
    Ok(findings)
}

/// Counts a blob's outcome in the summary.
pub fn count(stats: &ScanStats, outcome: BlobOutcome) {
    match outcome {
        BlobOutcome::Scanned(bytes) => stats.scanned(bytes),
        BlobOutcome::Binary => stats.skipped(SkipReason::Binary),
        BlobOutcome::TooLarge { .. } => stats.skipped(SkipReason::TooLarge),
        BlobOutcome::Allowlisted => stats.skipped(SkipReason::Allowlisted),
    }
}
