//! Fleet scans: `leakgate git REPO...` and `--repos-from FILE`. Each entry is a local path
//! (opened in place, read-only) or a clone URL (cloned bare with the `git` binary into a
//! temporary directory that is removed afterwards); `--shard I/N` splits the list. Every
//! finding carries its repository, and one report covers them all.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use git2::Repository;

use super::finish::{emit, keep};
use super::git::{GitArgs, GitContext, scan, worker_pool};
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::source::shard::{Shard, ShardInfo, Unit};
use crate::source::stats::Summary;

/// Whether `leakgate git` was given a fleet: several repositories, a list file, or a URL.
pub fn is_fleet(args: &GitArgs) -> bool {
    args.repos.len() > 1
        || args.repos_from.is_some()
        || args.repos.iter().any(|r| is_url(&r.to_string_lossy()))
}

/// Whether a list entry is a clone URL (`scheme://...` or scp-like `user@host:path`) rather
/// than a local path.
pub fn is_url(entry: &str) -> bool {
    if entry.contains("://") {
        return true;
    }
    match entry.split_once(':') {
        Some((host, _)) => host.len() > 1 && !host.contains('/') && !Path::new(entry).exists(),
        None => false,
    }
}

/// A URL without the user and password it may carry (`https://user:token@host/x` becomes
/// `https://host/x`), so a credential in a list never reaches a report or a message.
pub fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The name a repository is reported under: its `origin` URL without credentials (the same on
/// every machine that cloned it, so shards of one repository agree), else its canonical path.
pub fn repository_label(repo: &Repository) -> String {
    let origin = repo
        .find_remote("origin")
        .ok()
        .and_then(|r| r.url().map(without_credentials));
    origin.unwrap_or_else(|| {
        let root = crate::source::git::root(repo);
        let path = root.canonicalize().unwrap_or(root);
        path.to_string_lossy().trim_end_matches('/').to_owned()
    })
}

/// The entries to scan: REPO arguments, then the lines of `--repos-from` (blank lines and `#`
/// comments skipped), without duplicates, in order.
fn entries(args: &GitArgs) -> anyhow::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    let from_args = args.repos.iter().map(|p| p.to_string_lossy().into_owned());
    // The default "." stands for no argument when a list file is given.
    let from_args = from_args.filter(|r| !(args.repos_from.is_some() && r == "."));
    out.extend(from_args);
    if let Some(file) = &args.repos_from {
        let text = std::fs::read_to_string(file).with_context(|| {
            format!(
                "{}: cannot read the repository list; give a file with one path or clone URL a line",
                file.display()
            )
        })?;
        out.extend(
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.clone()));
    if out.is_empty() {
        let file = args.repos_from.as_deref().unwrap_or(Path::new("-"));
        anyhow::bail!(
            "{}: lists no repository; add one path or clone URL a line",
            file.display()
        );
    }
    Ok(out)
}

/// What the fleet found so far.
#[derive(Default)]
struct Fleet {
    findings: Vec<Finding>,
    summary: Summary,
    engine: Option<Engine>,
    failures: Vec<String>,
}

/// Runs a fleet scan.
pub fn run(args: &GitArgs) -> anyhow::Result<ExitStatus> {
    let all = entries(args)?;
    let by_list = all.len() > 1 || args.repos_from.is_some();
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let (mine, blob_shard): (Vec<String>, Shard) = if by_list {
        let owned = all.into_iter().filter(|e| shard.owns(e.as_bytes()));
        (owned.collect(), Shard::WHOLE)
    } else {
        (all, shard)
    };
    let started = Instant::now();
    let mut fleet = scan_all(args, &mine, blob_shard)?;
    fleet.summary.duration = started.elapsed();
    let unit = if by_list {
        Unit::Repository
    } else {
        Unit::Blob
    };
    fleet.summary.shard = args.shard.map(|s| ShardInfo::new(s, unit));
    if !by_list {
        fleet.summary.repository = fleet.summary.repositories.first().cloned();
    }
    finish_fleet(args, fleet, mine.len())
}

/// Scans the entries in order, each clone started while the previous repository is scanned
/// (cloning waits on the network, scanning on the CPU).
fn scan_all(args: &GitArgs, mine: &[String], blob_shard: Shard) -> anyhow::Result<Fleet> {
    let pool = worker_pool(args.common.scan.threads())?;
    let workdir = TempDir::new()?;
    let mut fleet = Fleet::default();
    let start = |i: usize| {
        let entry = &mine[i];
        let dir = workdir.0.join(i.to_string());
        move || fetch(entry, &dir)
    };
    std::thread::scope(|scope| {
        let mut next = (!mine.is_empty()).then(|| scope.spawn(start(0)));
        for (i, entry) in mine.iter().enumerate() {
            let fetched = next.take().map_or_else(
                || Err(anyhow::anyhow!("internal: no clone started")),
                |handle| {
                    handle
                        .join()
                        .unwrap_or_else(|_| Err(anyhow::anyhow!("clone panicked")))
                },
            );
            next = (i + 1 < mine.len()).then(|| scope.spawn(start(i + 1)));
            let scanned = fetched
                .and_then(|path| scan_entry(args, &pool, blob_shard, entry, &path, &mut fleet));
            if let Err(e) = scanned {
                let shown = without_credentials(entry);
                crate::diag::warning(&format!("{shown}: {e:#}"));
                fleet.failures.push(shown);
            }
        }
    });
    Ok(fleet)
}

/// The local path of an entry: the entry itself, or a bare clone of it in `dir`.
fn fetch(entry: &str, dir: &Path) -> anyhow::Result<PathBuf> {
    if is_url(entry) {
        clone(entry, dir)?;
        Ok(dir.to_path_buf())
    } else {
        Ok(PathBuf::from(entry))
    }
}

/// Scans one fetched entry and adds its findings and summary to the fleet.
fn scan_entry(
    args: &GitArgs,
    pool: &rayon::ThreadPool,
    shard: Shard,
    entry: &str,
    path: &Path,
    fleet: &mut Fleet,
) -> anyhow::Result<()> {
    let cloned = is_url(entry);
    let is_gate = args.range.is_some() || args.staged;
    let mut ctx = GitContext::open(path, &args.common, &args.git, is_gate, None)?;
    ctx.no_cache = cloned;
    let (findings, summary) = scan(&ctx, args, pool, shard)?;
    let label = summary
        .repository
        .clone()
        .unwrap_or_else(|| entry.to_owned());
    let mut findings = keep(findings, &ctx.settings.suppression);
    for finding in &mut findings {
        finding.repository = Some(label.clone());
    }
    fleet.findings.extend(findings);
    fleet.summary.add(&summary, Some(&label));
    fleet.summary.repositories.push(label);
    if fleet.engine.is_none() {
        fleet.engine = Some(ctx.settings.engine);
    }
    if cloned {
        let _ = std::fs::remove_dir_all(path);
    }
    Ok(())
}

/// Writes the fleet's one report; a repository that could not be scanned makes the run an
/// error (exit 2) after the report is written, so a partial audit never passes as complete.
fn finish_fleet(args: &GitArgs, mut fleet: Fleet, total: usize) -> anyhow::Result<ExitStatus> {
    let engine = match fleet.engine.take() {
        Some(engine) => engine,
        None => super::dir::settings_for(&args.common, None, Path::new("."))?.engine,
    };
    for failed in &fleet.failures {
        fleet
            .summary
            .notes
            .push(format!("{failed}: not scanned (see the error above)"));
    }
    crate::finding::sort(&mut fleet.findings);
    let status = emit(
        &engine,
        &fleet.findings,
        &fleet.summary,
        &args.common.output(),
    )?;
    if fleet.failures.is_empty() {
        Ok(status)
    } else {
        anyhow::bail!(
            "{} of {total} repositories could not be scanned: {}",
            fleet.failures.len(),
            fleet.failures.join(", ")
        )
    }
}

/// Clones `url` bare into `dir` with the `git` binary (no terminal prompt: a fleet scan must
/// not hang on a password), with git's own error as the message when it fails.
fn clone(url: &str, dir: &Path) -> anyhow::Result<()> {
    let out = std::process::Command::new("git")
        .args(["clone", "--bare", "--quiet", "--"])
        .arg(url)
        .arg(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(std::process::Stdio::null())
        .output()
        .context("cannot run `git clone`; install git and put it on PATH")?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let reason = stderr
        .lines()
        .rfind(|l| !l.trim().is_empty())
        .unwrap_or("no message");
    anyhow::bail!("cannot clone: {}", redact_urls(reason, url))
}

/// Removes the credentials of `url` from git's message, which may quote the URL.
fn redact_urls(message: &str, url: &str) -> String {
    message.replace(url, &without_credentials(url))
}

/// A private temporary directory for clones, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> anyhow::Result<TempDir> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let name = format!("leakgate-fleet-{}-{nanos}", std::process::id());
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path)
            .with_context(|| format!("{}: cannot create a directory for clones", path.display()))?;
        Ok(TempDir(path))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_urls_from_paths() {
        assert!(is_url("https://github.com/acme/api.git"));
        assert!(is_url("file:///srv/git/a.git"));
        assert!(is_url("git@github.com:acme/api.git"));
        assert!(!is_url("/srv/git/a.git"));
        assert!(!is_url("./repo"));
        assert!(!is_url("C:\\\\repos\\\\a"));
    }

    #[test]
    fn strips_credentials() {
        assert_eq!(
            without_credentials("https://user:pw@example.test/a.git"),
            "https://example.test/a.git"
        );
        assert_eq!(
            without_credentials("https://example.test/a@b.git"),
            "https://example.test/a@b.git"
        );
        assert_eq!(without_credentials("git@host:a.git"), "git@host:a.git");
    }
}
