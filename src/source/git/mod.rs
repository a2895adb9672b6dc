//! Git sources: whole history (each unique blob once per path class), and the gates: commit
//! ranges, pushes and staged changes, judged by content (see [`gate`]). Read-only: nothing here
//! writes to the repository.

pub mod blob;
pub mod boundary;
pub mod cache;
pub mod gate;
pub mod history;
pub mod index_tree;
pub mod lfs;
pub mod objects;
pub mod revs;
pub mod tree_diff;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use git2::{Oid, Repository};

use crate::finding::CommitInfo;

/// Opens the repository at or above `path`, with errors a user can act on.
///
/// Object hash verification is turned off: a scan reads every blob once and never writes, and
/// re-hashing each object cost a fifth of a history scan. A corrupt object still fails to
/// inflate and is reported.
pub fn open(path: &Path) -> anyhow::Result<Repository> {
    git2::opts::strict_hash_verification(false);
    let repo = Repository::discover(path).map_err(|e| match e.code() {
        git2::ErrorCode::NotFound => {
            anyhow::anyhow!(
                "{}: not a git repository (or any parent up to /)",
                path.display()
            )
        }
        _ => anyhow::anyhow!(
            "{}: cannot open the git repository: {}",
            path.display(),
            e.message()
        ),
    })?;
    Ok(repo)
}

/// Whether `repo` is a partial clone (`git clone --filter=...`), whose missing blobs are ones
/// not fetched yet, not corruption: as git decides, a remote marked `promisor`, or
/// `extensions.partialClone` set.
pub fn is_partial_clone(repo: &Repository) -> bool {
    let Ok(config) = repo.config() else {
        return false;
    };
    if config.get_string("extensions.partialclone").is_ok() {
        return true;
    }
    let Ok(mut promisors) = config.entries(Some(r"remote\..*\.promisor")) else {
        return false;
    };
    while let Some(Ok(entry)) = promisors.next() {
        if entry
            .value()
            .is_some_and(|v| git2::Config::parse_bool(v).unwrap_or(false))
        {
            return true;
        }
    }
    false
}

/// The directory findings are reported relative to, and config files are read from.
pub fn root(repo: &Repository) -> PathBuf {
    repo.workdir()
        .map_or_else(|| repo.path().to_path_buf(), Path::to_path_buf)
}

/// Turns a git2 error on an object into a message that names it.
pub fn object_error(what: &str, oid: Oid, err: &git2::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "cannot read {what} {oid}: {} (the repository may be corrupt; try `git fsck`)",
        err.message()
    )
}

/// Commit metadata, built once per commit and shared by its findings.
#[derive(Default)]
pub struct CommitCache {
    infos: HashMap<Oid, Arc<CommitInfo>>,
}

impl CommitCache {
    /// The metadata of commit `oid`; whatever a rule finds in it is masked and control
    /// characters are escaped (see [`crate::source::meta`]).
    pub fn get(
        &mut self,
        engine: &crate::engine::Engine,
        repo: &Repository,
        oid: Oid,
    ) -> anyhow::Result<Arc<CommitInfo>> {
        if let Some(info) = self.infos.get(&oid) {
            return Ok(Arc::clone(info));
        }
        let commit = repo
            .find_commit(oid)
            .map_err(|e| object_error("commit", oid, &e))?;
        let author = commit.author();
        let clean =
            |bytes: &[u8]| crate::source::meta::clean(engine, &String::from_utf8_lossy(bytes));
        let summary = commit
            .message_bytes()
            .split(|&b| b == b'\n')
            .next()
            .unwrap_or_default();
        let info = Arc::new(CommitInfo {
            id: oid.to_string(),
            author: clean(author.name_bytes()),
            email: clean(author.email_bytes()),
            date: format_time(author.when()),
            message: clean(summary),
        });
        self.infos.insert(oid, Arc::clone(&info));
        Ok(info)
    }
}

/// RFC 3339 with the author's offset. A corrupt commit's time outside jiff's range (about years
/// -9999 to 9999) is clamped to it, and an offset jiff cannot hold is shown as UTC.
fn format_time(time: git2::Time) -> String {
    use jiff::{Timestamp, tz::Offset};
    let seconds = time
        .seconds()
        .clamp(Timestamp::MIN.as_second(), Timestamp::MAX.as_second());
    let timestamp = Timestamp::from_second(seconds).unwrap_or(Timestamp::UNIX_EPOCH);
    let offset =
        Offset::from_seconds(time.offset_minutes().saturating_mul(60)).unwrap_or(Offset::UTC);
    timestamp.display_with_offset(offset).to_string()
}

/// How a history scan runs.
pub struct HistoryOptions<'a> {
    /// Files larger than this are skipped.
    pub max_size: u64,
    /// The worker pool.
    pub pool: &'a rayon::ThreadPool,
    /// The incremental cache, if enabled.
    pub cache: Option<&'a mut cache::BlobCache>,
    /// The blobs to scan (`--shard`), owned by blob id; see `source::shard`.
    pub shard: crate::source::shard::Shard,
}

/// Scans the unique blobs of `commits` (once per path class) and attributes each finding to its
/// introducing commit. Blobs the cache knows to be clean are skipped; newly clean ones are added.
///
/// Streaming: a walker thread (its own repository handle) walks the trees and hands on batches
/// of new blobs through a two-batch channel while the pool scans the batch before, and scans
/// each commit's message as it reads the commit; what stays in memory is the set of ids seen,
/// the findings and, with the cache on, the clean ids.
pub fn scan_history(
    engine: &crate::engine::Engine,
    repo: &Repository,
    commits: &[Oid],
    stats: &crate::source::stats::ScanStats,
    mut options: HistoryOptions<'_>,
) -> anyhow::Result<(Vec<crate::finding::Finding>, Vec<String>)> {
    // libgit2's object cache (commits and trees under 4 KiB, up to 256 MiB per process) only
    // grows here: each tree is visited once per path and each commit read once or twice.
    git2::opts::enable_caching(false);
    let path = repo.path().to_path_buf();
    let threads = options.pool.current_num_threads();
    let readers = objects::Readers::open(&path, threads, is_partial_clone(repo))?;
    let mut streamed = Streamed::default();
    let mut messages: Vec<(Oid, Vec<crate::finding::Finding>)> = Vec::new();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (send, batches) = std::sync::mpsc::sync_channel::<Vec<history::BlobOrigin>>(2);
        let walker = scope.spawn(|| -> anyhow::Result<()> {
            let repo = Repository::open(&path)
                .map_err(|e| anyhow::anyhow!("cannot open {}: {}", path.display(), e.message()))?;
            let on_commit = |commit: &git2::Commit<'_>| {
                let found = message_findings(engine, commit);
                if !found.is_empty() {
                    messages.push((commit.id(), found));
                }
            };
            let mut trees = readers.for_walker();
            history::walk_blobs(
                engine,
                &repo,
                &mut trees,
                commits,
                on_commit,
                move |batch| {
                    // The receiver is gone only when the scan failed; its error is the one reported.
                    send.send(batch)
                        .map_err(|_| anyhow::anyhow!("history scan stopped"))
                },
            )
        });
        let scan_result = batches
            .iter()
            .try_for_each(|batch| streamed.scan(engine, &readers, batch, stats, &mut options));
        drop(batches);
        let walk_result = walker
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the history walk panicked")));
        scan_result.and(walk_result)
    })?;
    let mut notes = Vec::new();
    if streamed.not_fetched > 0 {
        notes.push(format!(
            "{} blobs were not scanned: this partial clone has not fetched them (scan a clone made without `--filter`)",
            streamed.not_fetched
        ));
    }
    if let Some(cache) = options.cache {
        if let Err(e) = cache.save(streamed.clean) {
            crate::diag::warning(&format!("cannot write the scan cache: {e}"));
        }
        if streamed.cached > 0 {
            notes.push(format!(
                "{} blobs unchanged since the last scan were skipped (cache; --no-cache to rescan)",
                streamed.cached
            ));
        }
    }
    let mut cache_info = CommitCache::default();
    let mut findings = Vec::with_capacity(streamed.found.len());
    for (commit, mut finding) in streamed.found {
        finding.commit = Some(cache_info.get(engine, repo, commit)?);
        finding.provenance = crate::finding::Provenance::Blob;
        findings.push(finding);
    }
    for (commit, found) in messages {
        let info = cache_info.get(engine, repo, commit)?;
        for mut finding in found {
            finding.commit = Some(Arc::clone(&info));
            findings.push(finding);
        }
    }
    Ok((findings, notes))
}

/// What the batches of a streamed history scan left behind.
#[derive(Default)]
struct Streamed {
    /// Findings with the commit that introduced their blob.
    found: Vec<(Oid, crate::finding::Finding)>,
    /// Blobs scanned clean (kept only with the cache on).
    clean: Vec<(Oid, u64)>,
    /// Blobs skipped as known clean.
    cached: usize,
    /// Blobs a partial clone has not fetched, so not scanned.
    not_fetched: usize,
}

impl Streamed {
    /// Scans one batch on the pool: the shard's blobs, less those the cache knows clean.
    fn scan(
        &mut self,
        engine: &crate::engine::Engine,
        readers: &objects::Readers,
        mut batch: Vec<history::BlobOrigin>,
        stats: &crate::source::stats::ScanStats,
        options: &mut HistoryOptions<'_>,
    ) -> anyhow::Result<()> {
        batch.retain(|b| options.shard.owns(b.blob.as_bytes()));
        if let Some(cache) = &options.cache {
            let before = batch.len();
            batch.retain(|b| !cache.is_clean(b.blob, b.class));
            self.cached += before - batch.len();
        }
        let history::Scanned {
            findings: found,
            unread,
            not_fetched,
        } = options.pool.install(|| {
            let git_dir = readers.git_dir();
            history::scan_blobs(engine, git_dir, readers, &batch, options.max_size, stats)
        })?;
        if options.cache.is_some() {
            let dirty: std::collections::HashSet<usize> =
                found.iter().map(|(i, _)| *i).chain(unread).collect();
            self.clean.extend(
                batch
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !dirty.contains(i))
                    .map(|(_, b)| (b.blob, b.class)),
            );
        }
        self.not_fetched += not_fetched;
        self.found
            .extend(found.into_iter().map(|(i, f)| (batch[i].commit, f)));
        Ok(())
    }
}

/// The findings in a commit's message and header text (an audit sees what a gate would have
/// blocked), without the commit's metadata, which only a commit with findings needs.
fn message_findings(
    engine: &crate::engine::Engine,
    commit: &git2::Commit<'_>,
) -> Vec<crate::finding::Finding> {
    gate::CarriedText::of_commit(commit).scan(engine, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_git_times() {
        assert_eq!(
            format_time(git2::Time::new(0, 0)),
            "1970-01-01T00:00:00+00:00"
        );
        assert_eq!(
            format_time(git2::Time::new(1_700_000_000, 60)),
            "2023-11-14T23:13:20+01:00"
        );
        assert_eq!(
            format_time(git2::Time::new(951_782_400, -300)),
            "2000-02-28T19:00:00-05:00"
        );
        assert_eq!(
            format_time(git2::Time::new(-86_400, -480)),
            "1969-12-30T16:00:00-08:00"
        );
        assert_eq!(
            format_time(git2::Time::new(i64::MAX, 0)),
            "9999-12-30T22:00:00+00:00"
        );
        assert_eq!(
            format_time(git2::Time::new(0, 60 * 99)),
            "1970-01-01T00:00:00+00:00"
        );
    }
}
