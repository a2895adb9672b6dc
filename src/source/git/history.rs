//! History scans: every unique blob reachable from the chosen commits is read and scanned once
//! per path class it appears under (see [`PathClass`]), in parallel, then each finding is
//! attributed to the commit that introduced the blob under that class and the path it had there.
//! A renamed file of the same class is the same blob, so it is never reported twice; a lock file
//! renamed to `.env` is judged as `.env` too.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use git2::{Oid, Repository};
use rayon::prelude::*;

use super::blob::{BlobOutcome, Objects, scan_blob};
use super::object_error;
use super::objects::{Reader, Readers};
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
/// Each commit is shown to `on_commit` as it is read (its message is scanned there: reading
/// every commit again for it was a second pass over the history).
pub fn walk_blobs(
    engine: &Engine,
    repo: &Repository,
    trees: &mut Reader,
    commits: &[Oid],
    mut on_commit: impl FnMut(&git2::Commit<'_>),
    mut emit: impl FnMut(Vec<BlobOrigin>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut walk = TreeWalk {
        engine,
        trees,
        commit: Oid::zero(),
        dirs: HashMap::default(),
        seen_trees: HashSet::default(),
        seen_blobs: HashSet::default(),
        classes: HashMap::default(),
        class_keys: Vec::new(),
        last: Vec::new(),
        out: Vec::new(),
    };
    for &commit_id in commits {
        let commit = repo
            .find_commit(commit_id)
            .map_err(|e| object_error("commit", commit_id, &e))?;
        on_commit(&commit);
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

/// Fast hashing, seeded at random so that no crafted history can aim at its collisions: the
/// walk looks up every entry of every tree it reads, so SipHash was a tenth of its time.
type Fast = foldhash::fast::RandomState;

/// An object id as plain bytes: compared inline, where `Oid`'s equality is a call into libgit2.
type RawId = [u8; 20];

/// A tree entry as [`TreeWalk`] remembers it: name, id, mode.
type Entry = (Box<[u8]>, RawId, u16);

fn raw(id: Oid) -> RawId {
    raw_of(id.as_bytes())
}

fn raw_of(bytes: &[u8]) -> RawId {
    let mut raw = [0; 20];
    raw.copy_from_slice(bytes);
    raw
}

struct TreeWalk<'a> {
    engine: &'a Engine,
    trees: &'a mut Reader,
    commit: Oid,
    /// Every directory path met, numbered, so a tree is keyed by a number, not its path.
    dirs: HashMap<Box<str>, u32, Fast>,
    /// (tree, number of the path it sits at): a tree seen again at the same path holds nothing
    /// new; at another path its blobs may fall in another class. Numbers, not paths or 64-bit
    /// keys, keep an entry at 24 bytes: these two sets are most of a long history's heap.
    seen_trees: HashSet<(RawId, u32), Fast>,
    /// (blob, number of its path class).
    seen_blobs: HashSet<(RawId, u32), Fast>,
    /// By directory number, the entries (name, id, mode) of the tree last walked there. A
    /// commit changes a few entries of the trees it touches: the rest sit at the same place
    /// with the same name, id and mode, were walked with that tree, and are passed with three
    /// comparisons. (The mode counts: an entry may change kind, a file becoming a submodule.)
    last: Vec<Vec<Entry>>,
    /// Path to the number of its class; most histories have few distinct paths next to their
    /// blobs, and fewer classes.
    classes: HashMap<Box<str>, u32, Fast>,
    /// The class keys ([`PathClass::key`]), a class's number its place here: a history has a
    /// handful of classes, and a key is looked for only at a path's first sight.
    class_keys: Vec<u64>,
    out: Vec<BlobOrigin>,
}

impl TreeWalk<'_> {
    fn tree(&mut self, id: Oid, prefix: &str) -> anyhow::Result<()> {
        let dir = self.dir_number(prefix)?;
        if !self.seen_trees.insert((raw(id), dir)) {
            return Ok(());
        }
        let data = self.trees.tree(id)?;
        let mut before = std::mem::take(&mut self.last[dir as usize]);
        let mut now: Vec<Entry> = Vec::new();
        // The entries to walk into (what changed since the last tree at this path), and
        // whether each is a tree. Submodules (commits) are not walked.
        let mut changed: Vec<(usize, bool)> = Vec::new();
        for (index, entry) in gix::objs::TreeRefIter::from_bytes(data).enumerate() {
            let entry = entry.map_err(|e| {
                anyhow::anyhow!(
                    "cannot read tree {id}: {e} (the repository may be corrupt; try `git fsck`)"
                )
            })?;
            let name: &[u8] = entry.filename.as_ref();
            let (entry_id, mode) = (raw_of(entry.oid.as_bytes()), entry.mode.value());
            let same_name = before.get(index).is_some_and(|(n, ..)| **n == *name);
            let unchanged = same_name && (before[index].1, before[index].2) == (entry_id, mode);
            // The name's allocation moves on from the last version when it stays.
            let name = if same_name {
                std::mem::take(&mut before[index].0)
            } else {
                Box::from(name)
            };
            if !unchanged && (entry.mode.is_tree() || entry.mode.is_blob_or_symlink()) {
                changed.push((index, entry.mode.is_tree()));
            }
            now.push((name, entry_id, mode));
        }
        // One buffer for every entry's path: most entries were seen before, and their paths
        // are only looked up, never kept.
        let mut path = String::with_capacity(prefix.len() + 64);
        for (index, subtree) in changed {
            let (name, entry_id, _) = &now[index];
            let entry_id = Oid::from_bytes(entry_id).map_err(|e| object_error("tree", id, &e))?;
            path.clear();
            if !prefix.is_empty() {
                path.push_str(prefix);
                path.push('/');
            }
            // A symlink's blob is its target path: text a clone holds like any file's.
            path.push_str(&String::from_utf8_lossy(name));
            if subtree {
                self.tree(entry_id, &path)?;
            } else {
                self.blob(entry_id, &path)?;
            }
        }
        self.last[dir as usize] = now;
        Ok(())
    }

    fn dir_number(&mut self, path: &str) -> anyhow::Result<u32> {
        if let Some(&number) = self.dirs.get(path) {
            return Ok(number);
        }
        let number = number_for(self.dirs.len())?;
        self.dirs.insert(path.into(), number);
        self.last.push(Vec::new());
        Ok(number)
    }

    fn blob(&mut self, blob: Oid, path: &str) -> anyhow::Result<()> {
        let class = if let Some(&class) = self.classes.get(path) {
            class
        } else {
            let key = PathClass::of(self.engine, path).key();
            let known = self.class_keys.iter().position(|&k| k == key);
            let class = number_for(known.unwrap_or(self.class_keys.len()))?;
            if known.is_none() {
                self.class_keys.push(key);
            }
            self.classes.insert(path.into(), class);
            class
        };
        if self.seen_blobs.insert((raw(blob), class)) {
            self.out.push(BlobOrigin {
                blob,
                path: path.to_owned(),
                commit: self.commit,
                class: self.class_keys[class as usize],
            });
        }
        Ok(())
    }
}

/// The number for the next of `count` directories or classes (a history with over four
/// billion of either is refused, not walked wrong).
fn number_for(count: usize) -> anyhow::Result<u32> {
    u32::try_from(count).map_err(|_| {
        anyhow::anyhow!("history too large to walk: over 2^32 directory paths or path classes")
    })
}

/// What [`scan_blobs`] found.
#[derive(Debug, Default)]
pub struct Scanned {
    /// Findings (without commit metadata), tagged with the index of their blob.
    pub findings: Vec<(usize, Finding)>,
    /// The blobs whose content was not at hand (an LFS object or a partial clone's blob not
    /// fetched): not clean, only unread, so a cache must not remember them as clean.
    pub unread: Vec<usize>,
    /// How many of them a partial clone has not fetched.
    pub not_fetched: usize,
}

/// Scans blobs in parallel, each worker with its libgit2 handle and its reader from `readers`.
pub fn scan_blobs(
    engine: &Engine,
    repo_path: &Path,
    readers: &Readers,
    blobs: &[BlobOrigin],
    max_size: u64,
    stats: &ScanStats,
) -> anyhow::Result<Scanned> {
    // Per blob: its findings, and whether its content was not at hand.
    type PerBlob = (Vec<(usize, Finding)>, BlobOutcome);
    let results: Vec<anyhow::Result<PerBlob>> = blobs
        .par_iter()
        .enumerate()
        .map_init(
            || Repository::open(repo_path),
            |repo, (index, origin)| {
                let repo = repo.as_ref().map_err(|e| {
                    anyhow::anyhow!("cannot open {}: {}", repo_path.display(), e.message())
                })?;
                let scanned = readers.with(|reader| {
                    let objects = Objects::Gitoxide(reader);
                    scan_blob(engine, repo, objects, origin.blob, &origin.path, max_size)
                })?;
                count(stats, scanned.outcome);
                let findings = scanned.findings.into_iter().map(|f| (index, f)).collect();
                Ok((findings, scanned.outcome))
            },
        )
        .collect();
    let mut out = Scanned::default();
    for (index, result) in results.into_iter().enumerate() {
        let (findings, outcome) = result?;
        out.findings.extend(findings);
        match outcome {
            BlobOutcome::LfsNotLocal { .. } => out.unread.push(index),
            BlobOutcome::NotFetched => {
                out.unread.push(index);
                out.not_fetched += 1;
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Counts a blob's outcome in the summary.
pub fn count(stats: &ScanStats, outcome: BlobOutcome) {
    match outcome {
        BlobOutcome::Scanned(bytes) => stats.scanned(bytes),
        BlobOutcome::Binary => stats.skipped(SkipReason::Binary),
        BlobOutcome::TooLarge { .. } => stats.skipped(SkipReason::TooLarge),
        BlobOutcome::Allowlisted => stats.skipped(SkipReason::Allowlisted),
        BlobOutcome::LfsNotLocal { .. } | BlobOutcome::NotFetched => {
            stats.skipped(SkipReason::Unreadable);
        }
    }
}
