//! `leakgate git`: history (HEAD, or every ref with `--all`), a range's added lines, or the
//! staged changes. Also the shared set-up for the hook commands: open the repository and resolve
//! its settings (config, ignore file and baseline from the work tree or from `--config-from REV`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use git2::{Oid, Repository};

use super::CommonArgs;
use super::args::ValidateArgs;
use super::block;
use super::finish::finish;
use crate::config::CONFIG_FILE_NAME;
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::progress::Progress;
use crate::settings::{Loaded, Settings};
use crate::source::git::{self as gitsrc, gate, revs};
use crate::source::shard::{Shard, ShardInfo, Unit};
use crate::source::stats::{ScanStats, Summary};
use crate::suppress::IGNORE_FILE_NAME;

/// `leakgate git`.
#[derive(Debug, clap::Args)]
pub struct GitArgs {
    /// Repositories: paths, or clone URLs (cloned with `git` into a temporary directory). Several
    /// make a fleet scan, each finding carrying its repository (default: the current one)
    #[arg(value_name = "REPO", default_value = ".")]
    pub repos: Vec<PathBuf>,
    /// Also scan the repositories listed in FILE, one path or clone URL a line (`#` comments)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["range", "staged"])]
    pub repos_from: Option<PathBuf>,
    /// Scan only shard I of N: the history's blobs split by blob id, or, for several
    /// repositories, the list split by repository; `leakgate merge` joins the N reports
    #[arg(long, value_name = "I/N", value_parser = crate::source::shard::parse, conflicts_with_all = ["range", "staged"])]
    pub shard: Option<Shard>,
    /// Scan the history of every ref (branches, tags, remotes, stash), not only HEAD
    #[arg(long, conflicts_with_all = ["range", "staged"])]
    pub all: bool,
    /// Scan what the commits of a range bring (new blobs whole, messages): A..B, A...B, or B
    /// alone for everything reachable from B
    #[arg(long, value_name = "RANGE", conflicts_with = "staged")]
    pub range: Option<String>,
    /// Scan what the index brings relative to HEAD
    #[arg(long)]
    pub staged: bool,
    /// Rescan every blob instead of skipping those the last history scan found clean
    #[arg(long)]
    pub no_cache: bool,
    /// Shared git flags.
    #[command(flatten)]
    pub git: GitCommonArgs,
    /// Validation flags.
    #[command(flatten)]
    pub validate: ValidateArgs,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Flags every git-based command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct GitCommonArgs {
    /// Read .leakgate.toml, .leakgateignore and the baseline from this revision (CI: the PR's
    /// base), so a change cannot silence its own findings
    #[arg(long, value_name = "REV", help_heading = "Suppression")]
    pub config_from: Option<String>,
}

/// An opened repository with its resolved settings, ready to scan.
pub struct GitContext {
    /// The repository.
    pub repo: Repository,
    /// Engine, suppression, output and limits.
    pub settings: Settings,
    /// Notes for the summary.
    pub notes: Vec<String>,
    /// Never use the history cache (a temporary clone: its cache would never be read again).
    pub no_cache: bool,
    /// How the gates run.
    pub gate: gate::GateOptions,
}

impl GitContext {
    /// Opens `path` and resolves its settings from the work tree or from `config_from`. For a
    /// gate (`is_gate`) under `--config-from`, `leakgate:allow` lines are reported as suppressed
    /// in this change instead of silently dropped.
    pub fn open(
        path: &Path,
        common: &CommonArgs,
        git: &GitCommonArgs,
        is_gate: bool,
        validate: Option<&ValidateArgs>,
    ) -> anyhow::Result<GitContext> {
        let repo = gitsrc::open(path)?;
        let root = gitsrc::root(&repo);
        let mut notes = Vec::new();
        if repo.is_shallow() {
            notes.push(
                "shallow clone: commits before the shallow boundary were not scanned".to_owned(),
            );
        }
        let loaded = match &git.config_from {
            None => Loaded::from_work_tree(
                common.scan.config.as_deref(),
                common.filters.ignore_file.as_deref(),
                common.filters.baseline.as_deref(),
                &root,
            )?,
            Some(rev) => Loaded::at_revision(&repo, rev, common.filters.baseline.as_deref())?,
        };
        let choices = common.choices(validate, is_gate && git.config_from.is_some());
        let settings = Settings::resolve(loaded, choices)?;
        notes.extend(settings.notes.iter().cloned());
        let gate = gate::GateOptions {
            max_size: settings.limits.max_file_size,
            mark_inline_allows: settings.inline.marks(),
        };
        Ok(GitContext {
            repo,
            settings,
            notes,
            no_cache: false,
            gate,
        })
    }
}

/// Runs `leakgate git`: one repository here, several (or a clone URL) in `fleet`.
pub fn run(args: &GitArgs) -> anyhow::Result<ExitStatus> {
    args.validate.check()?;
    if super::fleet::is_fleet(args) {
        return super::fleet::run(args);
    }
    let is_gate = args.range.is_some() || args.staged;
    let ctx = GitContext::open(
        &args.repos[0],
        &args.common,
        &args.git,
        is_gate,
        Some(&args.validate),
    )?;
    let pool = worker_pool(ctx.settings.limits.threads)?;
    let shard = args.shard.unwrap_or(Shard::WHOLE);
    let (findings, mut summary) = scan(&ctx, args, &pool, shard)?;
    if let Some(shard) = args.shard {
        summary.shard = Some(ShardInfo::new(shard, Unit::Blob));
    }
    summary
        .notes
        .extend(super::finish::suppressed_note(&findings));
    finish(&ctx.settings, findings, &summary)
}

/// The rayon pool scans run on.
pub fn worker_pool(threads: usize) -> anyhow::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start {threads} worker threads: {e}"))
}

/// Scans one opened repository as the flags say (history of the blobs `shard` owns, a range, or
/// the index); findings are unsuppressed and the summary names the repository.
pub fn scan(
    ctx: &GitContext,
    args: &GitArgs,
    pool: &rayon::ThreadPool,
    shard: Shard,
) -> anyhow::Result<(Vec<Finding>, Summary)> {
    let started = Instant::now();
    let stats = Arc::new(ScanStats::default());
    let mut notes = ctx.notes.clone();
    let findings = if args.staged {
        let report = gate::scan_index(&ctx.settings.engine, &ctx.repo, ctx.gate, &stats)?;
        notes.extend(block::unscanned_notes(&report.unscanned));
        report.findings
    } else if let Some(range) = &args.range {
        let commits = revs::from_range(&ctx.repo, range)?;
        notes.extend(config_change_note(&ctx.repo, &commits));
        let engine = &ctx.settings.engine;
        let report = gate::scan_commits(engine, &ctx.repo, &commits, &[], &[], ctx.gate, &stats)?;
        notes.extend(block::unscanned_notes(&report.unscanned));
        report.findings
    } else {
        let (mut findings, note) = scan_history(ctx, args, pool, shard, &stats)?;
        notes.extend(note);
        if args.all {
            let report = scan_ref_content(ctx, shard, &stats)?;
            notes.extend(block::unscanned_notes(&report.unscanned));
            findings.extend(report.findings);
        }
        findings
    };
    let mut summary: Summary = stats.summary(started.elapsed());
    summary.notes = notes;
    summary.repository = Some(super::fleet::repository_label(&ctx.repo));
    Ok((findings, summary))
}

fn scan_history(
    ctx: &GitContext,
    args: &GitArgs,
    pool: &rayon::ThreadPool,
    shard: Shard,
    stats: &Arc<ScanStats>,
) -> anyhow::Result<(Vec<Finding>, Vec<String>)> {
    let max = ctx.settings.limits.max_file_size;
    let commits = if args.all {
        revs::from_all_refs(&ctx.repo)?
    } else {
        revs::from_head(&ctx.repo)?
    };
    let key = gitsrc::cache::key(
        &ctx.settings.engine.pack().digest,
        ctx.settings.inline.considered(),
        max,
    );
    let mut cache = if args.no_cache || ctx.no_cache {
        None
    } else {
        gitsrc::cache::BlobCache::load(&ctx.repo, &key)
    };
    let progress = Progress::start(stats, ctx.settings.output.quiet);
    let options = gitsrc::HistoryOptions {
        max_size: max,
        pool,
        cache: cache.as_mut(),
        shard,
    };
    let result = gitsrc::scan_history(&ctx.settings.engine, &ctx.repo, &commits, stats, options);
    progress.finish();
    result
}

/// An audit of every ref also reads what the commit walk does not reach: annotated tags'
/// messages and headers, and trees and blobs that refs point at directly. Each is judged as a
/// gate judges it when pushed (all of it new); what could not be read goes in the notes.
fn scan_ref_content(
    ctx: &GitContext,
    shard: Shard,
    stats: &Arc<ScanStats>,
) -> anyhow::Result<gate::GateReport> {
    let mut content = revs::ref_content(&ctx.repo)?;
    content.tags.retain(|t| shard.owns(t.as_bytes()));
    content.objects.retain(|o| shard.owns(o.id.as_bytes()));
    gate::scan_commits(
        &ctx.settings.engine,
        &ctx.repo,
        &[],
        &content.tags,
        &content.objects,
        ctx.gate,
        stats,
    )
}

/// A note when the scanned commits change leakgate's own config, ignore or baseline files, so a
/// reviewer sees a change that could silence findings.
pub fn config_change_note(repo: &Repository, commits: &[Oid]) -> Option<String> {
    let watched = [
        CONFIG_FILE_NAME,
        IGNORE_FILE_NAME,
        ".leakgate-baseline.json",
    ];
    let mut touched: Vec<&str> = Vec::new();
    for &oid in commits {
        let Ok(commit) = repo.find_commit(oid) else {
            continue;
        };
        let Ok(tree) = commit.tree() else { continue };
        let parent_tree = commit.parent(0).ok().and_then(|p| p.tree().ok());
        for name in watched {
            let now = tree.get_path(Path::new(name)).ok().map(|e| e.id());
            let before = parent_tree
                .as_ref()
                .and_then(|t| t.get_path(Path::new(name)).ok())
                .map(|e| e.id());
            if now != before && !touched.contains(&name) {
                touched.push(name);
            }
        }
    }
    (!touched.is_empty()).then(|| {
        format!(
            "these commits change leakgate's own settings: {}; review them",
            touched.join(", ")
        )
    })
}
