//! `leakgate dir` and `leakgate stdin`: resolve the settings, run the source, report.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::CommonArgs;
use super::args::ValidateArgs;
use super::finish::finish;
use crate::exit::ExitStatus;
use crate::progress::Progress;
use crate::settings::{Loaded, Settings};
use crate::source::dir::DirOptions;
use crate::source::shard::{Shard, ShardInfo, Unit};
use crate::source::stats::{ScanStats, SkipReason};

/// `leakgate dir`.
#[derive(Debug, clap::Args)]
pub struct DirArgs {
    /// Files or directories to scan
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Scan files that .gitignore, .ignore and git excludes would skip
    #[arg(long, help_heading = "Scan")]
    pub no_ignore: bool,
    /// Follow symbolic links
    #[arg(long, short = 'L', help_heading = "Scan")]
    pub follow_symlinks: bool,
    /// Validation flags.
    #[command(flatten)]
    pub validate: ValidateArgs,
    /// Scan only shard I of N, files split by their path relative to the scanned root;
    /// `leakgate merge` joins the N reports
    #[arg(long, value_name = "I/N", value_parser = crate::source::shard::parse, help_heading = "Scan")]
    pub shard: Option<Shard>,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `leakgate stdin`.
#[derive(Debug, clap::Args)]
pub struct StdinArgs {
    /// The file name to report findings under (also used for path allowlists)
    #[arg(long, default_value = "-")]
    pub name: String,
    /// Validation flags.
    #[command(flatten)]
    pub validate: ValidateArgs,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The settings of a scan rooted at `root`: config, ignore file and baseline from the work tree.
pub fn settings_for(
    common: &CommonArgs,
    validate: Option<&ValidateArgs>,
    root: &Path,
) -> anyhow::Result<Settings> {
    let loaded = Loaded::from_work_tree(
        common.scan.config.as_deref(),
        common.filters.ignore_file.as_deref(),
        common.filters.baseline.as_deref(),
        root,
    )?;
    Settings::resolve(loaded, common.choices(validate, false))
}

/// The directory config and ignore files are looked up in: the first path, or its parent.
fn scan_root(paths: &[PathBuf]) -> PathBuf {
    let first = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    if first.is_dir() {
        first
    } else {
        first
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    }
}

/// Runs `leakgate dir`.
pub fn run_dir(args: &DirArgs) -> anyhow::Result<ExitStatus> {
    args.validate.check()?;
    for path in &args.paths {
        if std::fs::symlink_metadata(path).is_err() {
            anyhow::bail!("{}: no such file or directory", path.display());
        }
    }
    let root = scan_root(&args.paths);
    let settings = settings_for(&args.common, Some(&args.validate), &root)?;
    let options = DirOptions {
        paths: args.paths.clone(),
        threads: settings.limits.threads,
        respect_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        max_file_size: settings.limits.max_file_size,
        shard: args.shard.unwrap_or(Shard::WHOLE),
    };
    let started = Instant::now();
    let stats = Arc::new(ScanStats::default());
    let progress = Progress::start(&stats, settings.output.quiet);
    let (findings, notes) = crate::source::dir::scan(&settings.engine, &options, &stats);
    progress.finish();
    let mut summary = stats.summary(started.elapsed());
    summary.notes = notes;
    summary.notes.extend(settings.notes.iter().cloned());
    summary.shard = args.shard.map(|s| ShardInfo::new(s, Unit::Path));
    let outcome = finish(&settings, findings, &summary);
    // The process exits next: freeing the rules, the keyword automaton and the compiled
    // regexes (a tenth of a small scan's instructions) would only delay the exit.
    std::mem::forget(settings);
    outcome
}

/// Runs `leakgate stdin`.
pub fn run_stdin(args: &StdinArgs) -> anyhow::Result<ExitStatus> {
    args.validate.check()?;
    let settings = settings_for(&args.common, Some(&args.validate), Path::new("."))?;
    let started = Instant::now();
    let stats = ScanStats::default();
    let name = crate::source::portable_path(&args.name);
    let findings = crate::source::stdin::scan(
        &settings.engine,
        std::io::stdin().lock(),
        &name,
        settings.limits.max_file_size,
        &stats,
    )
    .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
    let mut summary = stats.summary(started.elapsed());
    summary.notes.extend(settings.notes.iter().cloned());
    if summary.skipped.contains_key(&SkipReason::TooLarge) {
        summary.notes.push(format!(
            "{}: only the first {} bytes were scanned (--max-file-size)",
            args.name, settings.limits.max_file_size
        ));
    }
    finish(&settings, findings, &summary)
}
