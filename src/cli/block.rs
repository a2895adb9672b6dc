//! The block message of the hooks: what was found (file, line, rule, masked secret, commit,
//! fingerprint, and the pushed ref when a push carries several), what was not scanned, and
//! exactly how to fix it, mark a false positive, or bypass in an emergency.

use super::git::GitContext;
use crate::finding::{Finding, Provenance};
use crate::rules::Severity;
use crate::settings::Output;
use crate::source::git::blob::BlobOutcome;
use crate::source::git::gate::Unscanned;
use crate::source::git::revs::PushPlan;

/// What `leakgate pre-push` says when it is run by hand on a terminal.
pub const PRE_PUSH_BY_HAND: &str = "leakgate: `leakgate pre-push` is the pre-push hook: git runs it and writes the refs being pushed on its standard input, so there was nothing to scan.\n\
hint: install it with `leakgate hook install`; to check what you would push now: `leakgate git --range @{u}..HEAD` (or `--range HEAD` for a branch with no upstream)";

/// At most this many findings are listed in a guide; the rest are counted.
const LISTED: usize = 10;

/// What a hook is gating.
pub enum Gated<'a> {
    /// A push and what it sends.
    Push(&'a PushPlan),
    /// A commit of the index.
    Commit,
}

impl Gated<'_> {
    /// The command that runs the gate again.
    pub fn retry(&self) -> &'static str {
        match self {
            Gated::Push(_) => "git push",
            Gated::Commit => "git commit",
        }
    }
}

/// The full block message.
pub fn guide(
    ctx: &GitContext,
    findings: &[Finding],
    unscanned: &[Unscanned],
    gated: &Gated<'_>,
) -> String {
    let mut out = vec![headline(findings, gated), String::new()];
    list(findings, &ctx.settings.output, gated, &mut out);
    if !unscanned.is_empty() {
        out.push(String::new());
        out.extend(unscanned_lines(unscanned));
    }
    if findings.is_empty() {
        return out.join("\n");
    }
    out.push(String::new());
    out.push("How to fix:".into());
    match gated {
        Gated::Push(plan) => push_fixes(ctx, findings, plan, &mut out),
        Gated::Commit => commit_fixes(findings, &mut out),
    }
    false_positive(findings, gated, &mut out);
    if findings.iter().any(|f| f.severity == Severity::Low) {
        out.push(format!(
            "Low-severity findings (internal hosts) block by default; to let them warn instead: LEAKGATE_FAIL_ON=medium {}",
            gated.retry()
        ));
    }
    out.push(match gated {
        Gated::Push(_) => {
            "Emergency bypass (the secret will leave this machine): git push --no-verify".into()
        }
        Gated::Commit => "Emergency bypass (the secret will be committed; the pre-push hook still checks it before it leaves): git commit --no-verify".into(),
    });
    out.join("\n")
}

fn is_host(f: &Finding) -> bool {
    f.tags.iter().any(|t| t == "host")
}

fn headline(findings: &[Finding], gated: &Gated<'_>) -> String {
    let (what, whence) = match gated {
        Gated::Push(_) => ("push", "in the outgoing commits"),
        Gated::Commit => ("commit", "in the staged changes"),
    };
    if findings.is_empty() {
        return format!("leakgate: {what} blocked: text that could not be scanned {whence}");
    }
    let hosts = findings.iter().filter(|f| is_host(f)).count();
    let secrets = findings.len() - hosts;
    let mut parts = Vec::new();
    if secrets > 0 {
        parts.push(count(secrets, "secret", "secrets"));
    }
    if hosts > 0 {
        parts.push(count(
            hosts,
            "internal host name or address",
            "internal host names or addresses",
        ));
    }
    format!("leakgate: {what} blocked: {} {whence}", parts.join(" and "))
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn list(findings: &[Finding], output: &Output, gated: &Gated<'_>, out: &mut Vec<String>) {
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
            f.secret.shown(output.show_secrets)
        ));
        if let Some(c) = &f.commit {
            let on = match gated {
                Gated::Push(plan) if plan.refs.len() > 1 => refs_of(plan, &c.id)
                    .map(|r| format!(" on {r}"))
                    .unwrap_or_default(),
                _ => String::new(),
            };
            out.push(format!(
                "      commit {} \"{}\" by {}{on}",
                &c.id[..c.id.len().min(10)],
                c.message,
                c.author
            ));
        }
        out.push(format!("      fingerprint {}", f.fingerprint));
    }
    if findings.len() > LISTED {
        let all = match gated {
            Gated::Push(plan) => plan
                .refs
                .iter()
                .filter_map(full_scan_command)
                .collect::<Vec<_>>()
                .join(" and "),
            Gated::Commit => "leakgate git --staged".into(),
        };
        out.push(format!(
            "  ... and {} more (all of them: `{all}`)",
            findings.len() - LISTED
        ));
    }
}

/// The pushed refs that carry commit `id`, joined.
fn refs_of(plan: &PushPlan, id: &str) -> Option<String> {
    let names: Vec<&str> = plan
        .refs
        .iter()
        .filter(|r| r.commits.iter().any(|c| c.to_string() == id))
        .map(|r| r.name.as_str())
        .collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// `leakgate git --range <before>..<tip>` for the commits a ref sends.
fn full_scan_command(pushed: &crate::source::git::revs::PushedRef) -> Option<String> {
    let tip = pushed.commits.last()?;
    Some(format!("leakgate git --range {}", short(&tip.to_string())))
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

fn push_fixes(ctx: &GitContext, findings: &[Finding], plan: &PushPlan, out: &mut Vec<String>) {
    out.push("  1. Remove the secret from the file; read it from your secret manager or the environment.".into());
    out.push("  2. Rewrite the outgoing commits so the secret is in none of them (mark the commits that add it 'edit', or 'reword' for a message, then fix, git commit --amend, git rebase --continue):".into());
    for pushed in &plan.refs {
        let oldest = pushed.commits.iter().find(|oid| {
            let id = oid.to_string();
            findings
                .iter()
                .any(|f| f.commit.as_ref().is_some_and(|c| c.id == id))
        });
        if let Some(oldest) = oldest {
            let parent = ctx
                .repo
                .find_commit(*oldest)
                .ok()
                .and_then(|c| c.parent_id(0).ok());
            let rebase = match parent {
                Some(p) => format!("git rebase -i {}", short(&p.to_string())),
                None => "git rebase -i --root".into(),
            };
            out.push(format!("       {}: {rebase}", pushed.name));
        }
    }
    out.push(
        "     If it is only in the last commit: fix the file, git add -A && git commit --amend"
            .into(),
    );
    if findings
        .iter()
        .any(|f| matches!(f.provenance, Provenance::TagMessage { .. }))
    {
        out.push("     A tag message: delete the tag and create it again (git tag -d NAME, git tag -a NAME).".into());
    }
    if findings
        .iter()
        .any(|f| matches!(f.provenance, Provenance::RefName { .. }))
    {
        out.push("     A branch or tag name: rename it (git branch -m OLD NEW, or git tag NEW OLD && git tag -d OLD) and push under the new name.".into());
    }
    if has_path_name(findings) {
        out.push(
            "     A file or directory name: rename it (git mv) in the commit that adds it.".into(),
        );
    }
    if findings
        .iter()
        .any(|f| f.commit.is_none() && f.provenance == Provenance::Blob)
    {
        out.push("     A ref that points at a tree or blob with no commit (named REF:PATH or REF above): fix the content, write the new object and move the ref to it (git tag -f NAME $(git hash-object -w FILE)).".into());
    }
    if findings.iter().any(|f| !is_host(f)) {
        out.push("  3. If the secret was ever pushed or shared anywhere, rotate it now.".into());
    }
}

fn commit_fixes(findings: &[Finding], out: &mut Vec<String>) {
    out.push("  1. Remove the secret from the file; read it from your secret manager or the environment.".into());
    if has_path_name(findings) {
        out.push("     A file or directory name: rename it (git mv OLD NEW).".into());
    }
    out.push("  2. Stage the fix (git add) and commit again.".into());
    if findings.iter().any(|f| !is_host(f)) {
        out.push("  3. If the secret was ever shared anywhere, rotate it now.".into());
    }
}

/// Whether a secret is in the name of a file the change adds.
fn has_path_name(findings: &[Finding]) -> bool {
    findings
        .iter()
        .any(|f| matches!(f.provenance, Provenance::PathName { .. }))
}

fn false_positive(findings: &[Finding], gated: &Gated<'_>, out: &mut Vec<String>) {
    let mut fingerprints: Vec<&str> = findings.iter().map(|f| f.fingerprint.as_str()).collect();
    fingerprints.dedup();
    out.push(
        "False positive? Ignore it by fingerprint, commit .leakgateignore, and try again:".into(),
    );
    out.push(format!("       leakgate ignore {}", fingerprints.join(" ")));
    out.push(match gated {
        Gated::Push(_) => "     or put `leakgate:allow` on the line in the commit that added it (amend that commit: an allow added by a later commit does not clear the earlier one).".into(),
        Gated::Commit => "     or put `leakgate:allow` on the line, stage it, and commit again.".into(),
    });
}

/// Text blobs over the size limit: the gate cannot vouch for them.
pub fn too_large_text(unscanned: &[Unscanned]) -> Vec<&Unscanned> {
    unscanned
        .iter()
        .filter(|u| matches!(u.outcome, BlobOutcome::TooLarge { text: true, .. }))
        .collect()
}

/// `300 MB` for a blob over the limit.
pub fn size_text(u: &Unscanned) -> String {
    match u.outcome {
        BlobOutcome::TooLarge { size, .. } => format!("{} MiB", size.div_ceil(1 << 20)),
        _ => String::new(),
    }
}

/// A limit that covers every blob in `too_large`, in MiB.
pub fn suggested_limit(too_large: &[&Unscanned]) -> String {
    let max = too_large
        .iter()
        .filter_map(|u| match u.outcome {
            BlobOutcome::TooLarge { size, .. } => Some(size),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    format!("{}M", max.div_ceil(1 << 20) + 1)
}

/// One line per blob that was not scanned.
pub fn unscanned_lines(unscanned: &[Unscanned]) -> Vec<String> {
    let mut out = vec!["Not scanned:".to_owned()];
    for u in unscanned.iter().take(LISTED) {
        let why = match u.outcome {
            BlobOutcome::Binary => match &u.unread {
                Some(why) => format!("archive not fully read: {why}"),
                None => "binary".to_owned(),
            },
            BlobOutcome::TooLarge { text: true, .. } => {
                format!("text over the size limit, {}", size_text(u))
            }
            BlobOutcome::TooLarge { text: false, .. } => {
                format!("binary over the size limit, {}", size_text(u))
            }
            BlobOutcome::LfsNotLocal { size } => format!(
                "Git LFS content of {} KiB not in the local store: `git lfs fetch` it to scan it",
                size.div_ceil(1 << 10)
            ),
            BlobOutcome::NotFetched => {
                "not fetched by this partial clone: scan a clone made without `--filter`".to_owned()
            }
            BlobOutcome::Scanned(_) | BlobOutcome::Allowlisted => continue,
        };
        let at = u
            .commit
            .as_deref()
            .map(|c| format!(" in commit {}", short(c)))
            .unwrap_or_default();
        out.push(format!("  {} ({why}){at}", u.path));
    }
    if unscanned.len() > LISTED {
        out.push(format!("  ... and {} more", unscanned.len() - LISTED));
    }
    out
}

/// Summary notes naming what was not scanned.
pub fn unscanned_notes(unscanned: &[Unscanned]) -> Vec<String> {
    if unscanned.is_empty() {
        return Vec::new();
    }
    let lines = unscanned_lines(unscanned);
    vec![format!(
        "not scanned: {}",
        lines[1..]
            .iter()
            .map(|l| l.trim())
            .collect::<Vec<_>>()
            .join("; ")
    )]
}
