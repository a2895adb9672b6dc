//! History scans: every unique blob reachable from the chosen commits is read and scanned once,
//! in parallel, then each finding is attributed to the commit that introduced the blob and the
//! path it had there. A renamed or copied file is the same blob, so it is never reported twice.

use std::collections::HashSet;
use std::path::Path;

use git2::{ObjectType, Oid, Repository};
use rayon::prelude::*;

use super::object_error;
use crate::engine::Engine;
use crate::finding::{Finding, LineOrigin};
use crate::source::stats::{ScanStats, SkipReason};
use crate::source::{Chunk, is_binary, scan_chunk};

/// A unique blob and where it first appeared.
#[derive(Debug, Clone)]
pub struct BlobOrigin {
    /// The blob id.
    pub blob: Oid,
    /// Its path in the introducing commit, `/`-separated.
    pub path: String,
    /// The first commit (oldest first) whose tree holds it.
    pub commit: Oid,
}

/// Walks the trees of `commits` (oldest first), visiting each unique tree once, and returns each
/// unique blob with its introducing commit and path.
pub fn collect_blobs(repo: &Repository, commits: &[Oid]) -> anyhow::Result<Vec<BlobOrigin>> {
    let mut seen_trees: HashSet<Oid> = HashSet::new();
    let mut seen_blobs: HashSet<Oid> = HashSet::new();
    let mut blobs = Vec::new();
    for &commit_id in commits {
        let commit = repo
            .find_commit(commit_id)
            .map_err(|e| object_error("commit", commit_id, &e))?;
        let tree_id = commit.tree_id();
        let mut walk = TreeWalk {
            repo,
            commit: commit_id,
            seen_trees: &mut seen_trees,
            seen_blobs: &mut seen_blobs,
            out: &mut blobs,
        };
        walk.tree(tree_id, "")?;
    }
    Ok(blobs)
}

struct TreeWalk<'a> {
    repo: &'a Repository,
    commit: Oid,
    seen_trees: &'a mut HashSet<Oid>,
    seen_blobs: &'a mut HashSet<Oid>,
    out: &'a mut Vec<BlobOrigin>,
}

impl TreeWalk<'_> {
    fn tree(&mut self, id: Oid, prefix: &str) -> anyhow::Result<()> {
        if !self.seen_trees.insert(id) {
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
                Some(ObjectType::Blob)
                    if entry.filemode() != 0o120_000 && self.seen_blobs.insert(entry.id()) =>
                {
                    self.out.push(BlobOrigin {
                        blob: entry.id(),
                        path,
                        commit: self.commit,
                    });
                }
                _ => {}
            }
        }
        Ok(())
    }
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
                let found = scan_one(engine, repo, origin, max_size, stats)?;
                Ok(found.into_iter().map(|f| (index, f)).collect())
            },
        )
        .collect();
    let mut findings = Vec::new();
    for result in results {
        findings.extend(result?);
    }
    Ok(findings)
}

fn scan_one(
    engine: &Engine,
    repo: &Repository,
    origin: &BlobOrigin,
    max_size: u64,
    stats: &ScanStats,
) -> anyhow::Result<Vec<Finding>> {
    if engine.path_allowed(Some(&origin.path)) {
        stats.skipped(SkipReason::Allowlisted);
        return Ok(Vec::new());
    }
    let odb = repo
        .odb()
        .map_err(|e| object_error("object database of", origin.blob, &e))?;
    let (size, _) = odb
        .read_header(origin.blob)
        .map_err(|e| object_error("blob", origin.blob, &e))?;
    if size as u64 > max_size {
        stats.skipped(SkipReason::TooLarge);
        return Ok(Vec::new());
    }
    let blob = repo
        .find_blob(origin.blob)
        .map_err(|e| object_error("blob", origin.blob, &e))?;
    let bytes = blob.content();
    if is_binary(bytes) {
        stats.skipped(SkipReason::Binary);
        return Ok(Vec::new());
    }
    stats.scanned(bytes.len() as u64);
    let line_origin = LineOrigin::Identity;
    Ok(scan_chunk(
        engine,
        &Chunk {
            path: &origin.path,
            bytes,
            origin: &line_origin,
            commit: None,
        },
    ))
}
