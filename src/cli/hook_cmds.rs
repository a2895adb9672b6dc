//! `leakgate pre-push` and `leakgate pre-commit`: what git (or the pre-commit framework) runs.
//! They scan only what leaves (or enters) the repository, judged by content (see
//! `source::git::gate`), and when they block they print a short guide (`cli::block`). Errors
//! block too (fail closed), with one line saying why.

use std::io::{IsTerminal as _, Read as _};
use std::sync::Arc;
use std::time::Instant;

use git2::Oid;

use super::CommonArgs;
use super::block::{self, Gated};
use super::finish::{emit, keep, run_validation, status};
use super::git::{GitCommonArgs, GitContext, config_change_note};
use crate::diag;
use crate::exit::ExitStatus;
use crate::report::Format;
use crate::source::git::gate::{self, GateReport};
use crate::source::git::revs::{self, PushPlan, PushUpdate};
use crate::source::stats::{ScanStats, Summary};
use crate::validate::ValidationSummary;
use crate::validate::pair::Partners;

/// The most distinct secrets a hook validates (only with `[validation] hooks = true`).
const HOOK_VALIDATE_MAX: usize = 20;

/// Hooks validate only when the config says `[validation] hooks = true`: pairs from every
/// finding, then the kept ones are checked. Blocking does not change.
fn keep_and_validate(
    ctx: &GitContext,
    found: Vec<crate::finding::Finding>,
) -> (Vec<crate::finding::Finding>, Option<ValidationSummary>) {
    if !ctx.settings.engine.pack().validation.hooks {
        return (keep(found, &ctx.settings.suppression), None);
    }
    let partners = Partners::find(ctx.settings.engine.pack(), &found);
    let mut findings = keep(found, &ctx.settings.suppression);
    let summary = run_validation(
        &ctx.settings.engine,
        &mut findings,
        &partners,
        HOOK_VALIDATE_MAX,
    );
    (findings, Some(summary))
}

/// `leakgate pre-push`.
#[derive(Debug, clap::Args)]
pub struct PrePushArgs {
    /// The remote's name, as git passes it
    pub remote: Option<String>,
    /// The remote's URL, as git passes it
    pub url: Option<String>,
    /// Ask the remote what it has (`git ls-remote`) instead of trusting remote-tracking refs,
    /// which can be stale (a branch deleted on the remote since the last fetch). One network
    /// round trip per push
    #[arg(long, env = "LEAKGATE_ASK_REMOTE", value_parser = clap::builder::BoolishValueParser::new(), num_args = 0..=1, default_missing_value = "true", default_value = "false")]
    pub ask_remote: bool,
    /// Shared git flags.
    #[command(flatten)]
    pub git: GitCommonArgs,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `leakgate pre-commit`.
#[derive(Debug, clap::Args)]
pub struct PreCommitArgs {
    /// Files passed by the pre-commit framework (ignored: the whole index is judged)
    #[arg(hide = true)]
    pub files: Vec<String>,
    /// Shared git flags.
    #[command(flatten)]
    pub git: GitCommonArgs,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Where the refs to push came from.
enum PushInput {
    /// git's pre-push protocol on stdin.
    Git(Vec<PushUpdate>),
    /// The pre-commit framework's `PRE_COMMIT_*` variables (one ref per run).
    Framework(PushUpdate, Option<String>, Option<String>),
    /// Run by hand on a terminal: nothing to read.
    Terminal,
}

fn read_push_input(ctx: &GitContext) -> anyhow::Result<PushInput> {
    let var = |name: &str| std::env::var(name).ok().filter(|s| !s.is_empty());
    if let Some(to) = var("PRE_COMMIT_TO_REF") {
        let local = revs::resolve(&ctx.repo, &to)?;
        let remote = match var("PRE_COMMIT_FROM_REF") {
            None => Oid::zero(),
            Some(from) => match Oid::from_str(&from) {
                Ok(oid) if oid.is_zero() => oid,
                _ => revs::resolve(&ctx.repo, &from)?,
            },
        };
        let update = PushUpdate {
            local_ref: var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or(to),
            local,
            remote_ref: var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_default(),
            remote,
        };
        return Ok(PushInput::Framework(
            update,
            var("PRE_COMMIT_REMOTE_NAME"),
            var("PRE_COMMIT_REMOTE_URL"),
        ));
    }
    if std::io::stdin().is_terminal() {
        return Ok(PushInput::Terminal);
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| anyhow::anyhow!("cannot read the pre-push input from git: {e}"))?;
    Ok(PushInput::Git(revs::parse_push_lines(&input)?))
}

/// What the push sends, against what the remote is known (or asked) to have.
fn plan_push(ctx: &GitContext, args: &PrePushArgs) -> anyhow::Result<Option<PushPlan>> {
    let (updates, remote, url) = match read_push_input(ctx)? {
        PushInput::Terminal => return Ok(None),
        PushInput::Git(updates) => (updates, args.remote.clone(), args.url.clone()),
        PushInput::Framework(update, remote, url) => (
            vec![update],
            remote.or_else(|| args.remote.clone()),
            url.or_else(|| args.url.clone()),
        ),
    };
    if updates.iter().all(|u| u.local.is_zero()) {
        return Ok(Some(PushPlan::default()));
    }
    let on_remote = if args.ask_remote {
        let target = url.as_deref().or(remote.as_deref()).ok_or_else(|| {
            anyhow::anyhow!("--ask-remote needs the remote's name or URL (git passes both)")
        })?;
        revs::asked_tips(&ctx.repo, target)?
    } else {
        revs::tracked_tips(&ctx.repo, remote.as_deref(), url.as_deref())
    };
    revs::for_push(&ctx.repo, &updates, &on_remote).map(Some)
}

/// Runs `leakgate pre-push`.
pub fn run_pre_push(args: &PrePushArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let ctx = GitContext::open(
        std::path::Path::new("."),
        &args.common,
        &args.git,
        true,
        None,
    )?;
    let Some(plan) = plan_push(&ctx, args)? else {
        diag::line(block::PRE_PUSH_BY_HAND);
        return Ok(ExitStatus::Clean);
    };
    let stats = Arc::new(ScanStats::default());
    let mut report = gate::scan_commits(
        &ctx.settings.engine,
        &ctx.repo,
        &plan.commits,
        &plan.tags,
        &plan.objects,
        ctx.gate,
        &stats,
    )?;
    report.findings.extend(gate::scan_ref_names(
        &ctx.settings.engine,
        &plan.ref_names,
        &stats,
    ));
    let mut summary = stats.summary(started.elapsed());
    summary.notes.clone_from(&ctx.notes);
    summary
        .notes
        .extend(config_change_note(&ctx.repo, &plan.commits));
    let gated = Gated::Push(&plan);
    let outcome = conclude(&ctx, report, summary, &gated);
    exit_without_freeing(ctx);
    outcome
}

/// The process exits right after a hook: freeing some 400 rules, the keyword automaton and the
/// repository handle would cost the push about a millisecond for nothing.
fn exit_without_freeing(ctx: GitContext) {
    std::mem::forget(ctx);
}

/// Runs `leakgate pre-commit`.
pub fn run_pre_commit(args: &PreCommitArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let ctx = GitContext::open(
        std::path::Path::new("."),
        &args.common,
        &args.git,
        true,
        None,
    )?;
    let stats = Arc::new(ScanStats::default());
    let report = gate::scan_index(&ctx.settings.engine, &ctx.repo, ctx.gate, &stats)?;
    let mut summary = stats.summary(started.elapsed());
    summary.notes.clone_from(&ctx.notes);
    let outcome = conclude(&ctx, report, summary, &Gated::Commit);
    exit_without_freeing(ctx);
    outcome
}

/// Prints the guide when the gate blocks, fails closed on text it could not scan, and writes
/// a report only when a format or file was asked.
fn conclude(
    ctx: &GitContext,
    report: GateReport,
    mut summary: Summary,
    gated: &Gated<'_>,
) -> anyhow::Result<ExitStatus> {
    let output = &ctx.settings.output;
    let (findings, validation) = keep_and_validate(ctx, report.findings);
    summary.validation = validation;
    summary
        .notes
        .extend(block::unscanned_notes(&report.unscanned));
    summary
        .notes
        .extend(super::finish::suppressed_note(&findings));
    let blocking: Vec<_> = findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .cloned()
        .collect();
    let too_large = block::too_large_text(&report.unscanned);
    let blocked = status(&findings, output) != ExitStatus::Clean;
    if blocked || !too_large.is_empty() {
        diag::line(&block::guide(ctx, &blocking, &report.unscanned, gated));
    } else if !report.unscanned.is_empty() && !output.quiet {
        diag::line(&block::unscanned_lines(&report.unscanned).join("\n"));
    }
    let exit = if output.format == Format::Text && output.path.is_none() {
        status(&findings, output)
    } else {
        emit(&ctx.settings.engine, &findings, &summary, output)?
    };
    if let Some(first) = too_large.first() {
        anyhow::bail!(
            "{} is text over the size limit and was not scanned ({}); raise the limit for this run: LEAKGATE_MAX_FILE_SIZE={} {}",
            first.path,
            block::size_text(first),
            block::suggested_limit(&too_large),
            gated.retry()
        );
    }
    Ok(exit)
}
