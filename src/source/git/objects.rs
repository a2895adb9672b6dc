//! Blob and tree reads for history scans, through gitoxide. A history scan reads every unique
//! blob once, and most are deltas in a pack: libgit2 re-inflates a whole delta chain whenever
//! its base is over 1 MiB (its cache keeps no larger object) and inflates with the system zlib,
//! which took half of a history scan's time. gitoxide's pack cache keeps recent delta bases of
//! any size, up to a memory cap, and zlib-rs inflates several times as fast (docs/design.md).
//! The walk reads its trees here too, from the same object store, so the packs are mapped once.
//! The revision walk and commits, the gates (a push brings a few blobs) and streaming blobs
//! larger than a block stay on libgit2.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use git2::Oid;
use gix::prelude::{Find, Header};

/// The delta bases all workers together keep, at most.
const CACHE_TOTAL: usize = 256 * 1024 * 1024;
/// What one worker keeps at most. On the 1.3 GB history of the benchmark, two workers: 32 MiB
/// each scanned it in 3.56 s, 64 MiB in 3.49 s with 60 MB more peak RSS, 16 MiB in 3.9 s.
const CACHE_PER_WORKER: usize = 32 * 1024 * 1024;
/// What the walker keeps: its delta bases are trees, a few KiB each.
const CACHE_WALKER: usize = 8 * 1024 * 1024;

/// One object reader per worker thread, each opened at its first use and kept for the whole
/// scan, so its pack cache carries over from one batch of blobs to the next.
pub struct Readers {
    git_dir: PathBuf,
    /// One object store for all workers: each store maps the packs on its own, and mapped pack
    /// pages count in the process's resident memory once per mapping.
    repo: gix::ThreadSafeRepository,
    cache_bytes: usize,
    /// The repository is a partial clone: blobs may be missing by design.
    partial_clone: bool,
    slots: Vec<Mutex<Option<Reader>>>,
}

impl Readers {
    /// Readers of the repository at `git_dir` for a pool of `threads` workers; `partial_clone`
    /// says that blobs may be missing by design (see [`super::is_partial_clone`]).
    pub fn open(git_dir: &Path, threads: usize, partial_clone: bool) -> anyhow::Result<Readers> {
        let threads = threads.max(1);
        // Isolated: no global or user configuration is read; object reads need none.
        let repo = gix::open_opts(git_dir, gix::open::Options::isolated())
            .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", git_dir.display()))?;
        Ok(Readers {
            git_dir: git_dir.to_path_buf(),
            partial_clone,
            repo: repo.into_sync(),
            cache_bytes: CACHE_PER_WORKER.min(CACHE_TOTAL / threads),
            slots: (0..threads).map(|_| Mutex::new(None)).collect(),
        })
    }

    /// A reader for the walker thread, which reads trees (outside the pool, so with a reader of
    /// its own), on the same object store.
    pub fn for_walker(&self) -> Reader {
        Reader::new(&self.repo, CACHE_WALKER, self.partial_clone)
    }

    /// The repository's git directory.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// Runs `work` with the reader of the calling worker thread (of the pool the readers were
    /// made for), opening it first if needed.
    pub fn with<T>(
        &self,
        work: impl FnOnce(&mut Reader) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let index = rayon::current_thread_index().unwrap_or(0) % self.slots.len();
        // Each worker locks only its own slot, so the lock is never waited for. (A panic aborts
        // a release build; a test build's poisoned slot is used as it is.)
        let mut slot = self.slots[index]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(Reader::new(
                &self.repo,
                self.cache_bytes,
                self.partial_clone,
            ));
        }
        let reader = slot.as_mut().expect("opened above");
        work(reader)
    }
}

/// A reader of one repository's objects with its own pack cache.
pub struct Reader {
    objects: gix::OdbHandle,
    buffer: Vec<u8>,
    /// The repository is a partial clone, where a missing blob is one not fetched yet.
    partial_clone: bool,
}

impl Reader {
    /// A reader of `repo`'s shared object store with a pack cache of its own.
    fn new(repo: &gix::ThreadSafeRepository, cache_bytes: usize, partial_clone: bool) -> Reader {
        let mut objects = repo.to_thread_local().objects;
        objects.set_pack_cache(move || {
            Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
                cache_bytes,
            ))
        });
        Reader {
            objects,
            buffer: Vec::new(),
            partial_clone,
        }
    }

    /// The size of blob `oid`, read from its header; `None` for a blob that a partial clone
    /// has not fetched (missing anywhere else, it is an error: the repository is corrupt).
    pub fn size(&self, oid: Oid) -> anyhow::Result<Option<u64>> {
        let header = self
            .objects
            .try_header(&id(oid))
            .map_err(|e| unreadable(gix::object::Kind::Blob, oid, &e))?;
        match header {
            Some(header) => Ok(Some(header.size())),
            None if self.partial_clone => Ok(None),
            None => Err(missing(gix::object::Kind::Blob, oid)),
        }
    }

    /// The bytes of blob `oid`.
    pub fn read(&mut self, oid: Oid) -> anyhow::Result<&[u8]> {
        self.read_kind(oid, gix::object::Kind::Blob)
    }

    /// The raw entries of tree `oid` (read them with `gix::objs::TreeRefIter`).
    pub fn tree(&mut self, oid: Oid) -> anyhow::Result<&[u8]> {
        self.read_kind(oid, gix::object::Kind::Tree)
    }

    fn read_kind(&mut self, oid: Oid, kind: gix::object::Kind) -> anyhow::Result<&[u8]> {
        let data = self
            .objects
            .try_find(&id(oid), &mut self.buffer)
            .map_err(|e| unreadable(kind, oid, &e))?
            .ok_or_else(|| missing(kind, oid))?;
        if data.kind != kind {
            anyhow::bail!(
                "cannot read {kind} {oid}: it is a {} (the repository may be corrupt; try `git fsck`)",
                data.kind
            );
        }
        Ok(data.data)
    }
}

/// gitoxide's id of `oid`.
fn id(oid: Oid) -> gix::ObjectId {
    gix::ObjectId::from_bytes_or_panic(oid.as_bytes())
}

fn unreadable(kind: gix::object::Kind, oid: Oid, err: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot read {kind} {oid}: {err} (the repository may be corrupt; try `git fsck`)"
    )
}

fn missing(kind: gix::object::Kind, oid: Oid) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot read {kind} {oid}: not in the object database (a partial or shallow clone, or a corrupt repository; try `git fsck`)"
    )
}
