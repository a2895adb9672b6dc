//! `leakgate pre-push` and `leakgate pre-commit`: what git (or the pre-commit framework) runs.
//! They scan only what leaves (or enters) the repository, and when they block they print a short
//! guide: what was found, where, and exactly how to fix, suppress or bypass. Errors block too
//! (fail closed), with one line saying why.

use std::io::{IsTerminal as _, Read as _};
use std::sync::Arc;
use std::time::Instant;

use git2::Oid;

use super::CommonArgs;
use super::finish::{emit, keep, run_validation, status};
use super::git::{GitCommonArgs, GitContext, config_change_note};
use crate::diag;
use crate::exit::ExitStatus;
use crate::finding::Finding;
use crate::report::Format;
use crate::source::git::{self as gitsrc, revs};
use crate::source::stats::ScanStats;
use crate::validate::{Partners, ValidationSummary};

/// The most distinct secrets a hook validates (only with `[validation] hooks = true`).
const HOOK_VALIDATE_MAX: usize = 20;

/// Hooks validate only when the config says `[validation] hooks = true`: pairs from every
/// finding, then the kept ones are checked.
fn validate_in_hook(
    ctx: &GitContext,
    found: Vec<Finding>,
) -> (Vec<Finding>, Option<ValidationSummary>) {
    if !ctx.engine.pack().validation.hooks {
        return (keep(found, &ctx.suppression), None);
    }
    let partners = Partners::find(ctx.engine.pack(), &found);
    let mut findings = keep(found, &ctx.suppression);
    let summary = run_validation(&ctx.engine, &mut findings, &partners, HOOK_VALIDATE_MAX);
    (findings, Some(summary))
}

/// `leakgate pre-push`.
#[derive(Debug, clap::Args)]
pub struct PrePushArgs {
    /// The remote's name, as git passes it
    pub remote: Option<String>,
    /// The remote's URL, as git passes it
    pub url: Option<String>,
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
    /// Files passed by the pre-commit framework (ignored: the staged changes are scanned)
    #[arg(hide = true)]
    pub files: Vec<String>,
    /// Shared git flags.
    #[command(flatten)]
    pub git: GitCommonArgs,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// What the push sends, from git's stdin or the pre-commit framework's variables.
fn pushed_commits(ctx: &GitContext, remote: Option<&str>) -> anyhow::Result<Vec<Oid>> {
    let mut input = String::new();
    if !std::io::stdin().is_terminal() {
        std::io::stdin()
            .read_to_string(&mut input)
            .map_err(|e| anyhow::anyhow!("cannot read the pre-push input from git: {e}"))?;
    }
    let updates = revs::parse_push_lines(&input)?;
    if !updates.is_empty() {
        return revs::for_push(&ctx.repo, remote, &updates);
    }
    let from = std::env::var("PRE_COMMIT_FROM_REF")
        .ok()
        .filter(|s| !s.is_empty());
    let to = std::env::var("PRE_COMMIT_TO_REF")
        .ok()
        .filter(|s| !s.is_empty());
    let (Some(from), Some(to)) = (from, to) else {
        return Ok(Vec::new());
    };
    let remote_name = std::env::var("PRE_COMMIT_REMOTE_NAME")
        .ok()
        .or_else(|| remote.map(str::to_owned));
    let local = revs::resolve(&ctx.repo, &to)?;
    let remote_sha = match Oid::from_str(&from) {
        Ok(oid) if oid.is_zero() => oid,
        _ => revs::resolve(&ctx.repo, &from)?,
    };
    let update = revs::PushUpdate {
        local_ref: String::new(),
        local,
        remote_ref: String::new(),
        remote: remote_sha,
    };
    revs::for_push(&ctx.repo, remote_name.as_deref(), &[update])
}

/// Runs `leakgate pre-push`.
pub fn run_pre_push(args: &PrePushArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let ctx = GitContext::open(std::path::Path::new("."), &args.common, &args.git)?;
    let commits = pushed_commits(&ctx, args.remote.as_deref())?;
    let stats = Arc::new(ScanStats::default());
    let found = gitsrc::scan_added(
        &ctx.engine,
        &ctx.repo,
        &commits,
        args.common.scan.max_file_size,
        &stats,
    )?;
    let (findings, validation) = validate_in_hook(&ctx, found);
    let mut summary = stats.summary(started.elapsed());
    summary.validation = validation;
    summary.notes.clone_from(&ctx.notes);
    summary
        .notes
        .extend(config_change_note(&ctx.repo, &commits));
    let blocked = status(&findings, &args.common.output) != ExitStatus::Clean;
    if blocked {
        diag::line(&push_guide(&ctx, &findings, &args.common));
    }
    report_if_asked(&ctx, &findings, &summary, &args.common)
}

/// Runs `leakgate pre-commit`.
pub fn run_pre_commit(args: &PreCommitArgs) -> anyhow::Result<ExitStatus> {
    let started = Instant::now();
    let ctx = GitContext::open(std::path::Path::new("."), &args.common, &args.git)?;
    let stats = Arc::new(ScanStats::default());
    let found = gitsrc::scan_staged(
        &ctx.engine,
        &ctx.repo,
        args.common.scan.max_file_size,
        &stats,
    )?;
    let (findings, validation) = validate_in_hook(&ctx, found);
    let mut summary = stats.summary(started.elapsed());
    summary.validation = validation;
    if status(&findings, &args.common.output) != ExitStatus::Clean {
        diag::line(&commit_guide(&findings, &args.common));
    }
    report_if_asked(&ctx, &findings, &summary, &args.common)
}

/// Hooks print their guide on stderr; a report goes out only when a format or file was asked.
fn report_if_asked(
    ctx: &GitContext,
    findings: &[Finding],
    summary: &crate::source::stats::Summary,
    common: &CommonArgs,
) -> anyhow::Result<ExitStatus> {
    if common.output.format == Format::Text && common.output.output.is_none() {
        return Ok(status(findings, &common.output));
    }
    emit(
        &ctx.engine,
        findings,
        summary,
        &common.output,
        &common.filters,
    )
}

/// At most this many findings are listed in a guide; the rest are counted.
const LISTED: usize = 10;

fn list_findings(findings: &[Finding], common: &CommonArgs, out: &mut Vec<String>) {
    for f in findings.iter().take(LISTED) {
        let tag = f
            .validation
            .as_ref()
            .map(|v| format!("  [{}: {}]", v.status.as_str(), v.detail))
            .unwrap_or_default();
        out.push(format!(
            "  {}:{}  {} ({})  {}{tag}",
            f.file,
            f.line,
            f.rule_id,
            f.severity,
            f.secret.shown(common.output.show_secrets)
        ));
        if let Some(c) = &f.commit {
            out.push(format!(
                "      commit {} \"{}\" by {}",
                &c.id[..c.id.len().min(10)],
                c.message,
                c.author
            ));
        }
    }
    if findings.len() > LISTED {
        out.push(format!(
            "  ... and {} more (run `leakgate git --range @{{u}}..HEAD` for all)",
            findings.len() - LISTED
        ));
    }
}

/// The block message for a push.
fn push_guide(ctx: &GitContext, findings: &[Finding], common: &CommonArgs) -> String {
    let mut out = vec![format!(
        "leakgate: push blocked: {} secret{} in the outgoing commits",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    )];
    out.push(String::new());
    list_findings(findings, common, &mut out);
    let oldest = findings
        .iter()
        .filter_map(|f| f.commit.as_ref())
        .map(|c| c.id.clone())
        .next();
    let rebase = rebase_command(ctx, oldest.as_deref());
    out.push(String::new());
    out.push("How to fix:".into());
    out.push("  1. Remove the secret from the file; read it from your secret manager or the environment.".into());
    out.push("  2. Rewrite the outgoing commits so the secret is not in history:".into());
    out.push(format!(
        "       {rebase}   (mark the commit 'edit', fix, git commit --amend, git rebase --continue)"
    ));
    out.push(
        "     If it is only in the last commit: fix the file, git add -A && git commit --amend"
            .into(),
    );
    out.push("  3. If the secret was ever pushed or shared anywhere, rotate it now.".into());
    false_positive_and_bypass(findings, "git push --no-verify", &mut out);
    out.join("\n")
}

/// `git rebase -i <parent of the commit>`, or `--root` when it has no parent.
fn rebase_command(ctx: &GitContext, commit: Option<&str>) -> String {
    let parent = commit
        .and_then(|c| Oid::from_str(c).ok())
        .and_then(|oid| ctx.repo.find_commit(oid).ok())
        .and_then(|c| c.parent_id(0).ok());
    match (commit, parent) {
        (_, Some(p)) => format!("git rebase -i {}", &p.to_string()[..10]),
        (Some(_), None) => "git rebase -i --root".into(),
        (None, None) => "git rebase -i @{u}".into(),
    }
}

/// The block message for a commit.
fn commit_guide(findings: &[Finding], common: &CommonArgs) -> String {
    let mut out = vec![format!(
        "leakgate: commit blocked: {} secret{} in the staged changes",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    )];
    out.push(String::new());
    list_findings(findings, common, &mut out);
    out.push(String::new());
    out.push("How to fix:".into());
    out.push("  1. Remove the secret from the file; read it from your secret manager or the environment.".into());
    out.push("  2. Stage the fix (git add) and commit again.".into());
    out.push("  3. If the secret was ever shared anywhere, rotate it now.".into());
    false_positive_and_bypass(findings, "git commit --no-verify", &mut out);
    out.join("\n")
}

fn false_positive_and_bypass(findings: &[Finding], bypass: &str, out: &mut Vec<String>) {
    out.push(
        "False positive? Add a `leakgate:allow` comment on that line, or ignore it by fingerprint:"
            .into(),
    );
    let fingerprints: Vec<&str> = findings
        .iter()
        .take(3)
        .map(|f| f.fingerprint.as_str())
        .collect();
    out.push(format!("       leakgate ignore {}", fingerprints.join(" ")));
    out.push(format!(
        "Emergency bypass (the secret will leave this machine): {bypass}"
    ));
}
