//! Which commits to scan: everything reachable from HEAD or from every ref, a range `A..B`, or
//! what a push sends (git's pre-push protocol). Commits come oldest first, so the first commit
//! that shows a blob or line is the one that introduced it.

use anyhow::Context as _;
use git2::{ObjectType, Oid, Repository, Revwalk, Sort};

/// Commits reachable from HEAD (errors clearly on an empty repository).
pub fn from_head(repo: &Repository) -> anyhow::Result<Vec<Oid>> {
    let head = repo.head().map_err(|e| match e.code() {
        git2::ErrorCode::UnbornBranch if has_commit_refs(repo) => anyhow::anyhow!(
            "HEAD points to a branch with no commits, but other refs have commits; scan them with `leakgate git --all`"
        ),
        git2::ErrorCode::UnbornBranch => {
            anyhow::anyhow!("the repository has no commits yet; nothing to scan")
        }
        _ => anyhow::anyhow!("cannot resolve HEAD: {}", e.message()),
    })?;
    let target = head
        .peel_to_commit()
        .context("HEAD does not point to a commit")?
        .id();
    walk(repo, &[target], &[])
}

/// Whether any ref points (through tags) to a commit.
fn has_commit_refs(repo: &Repository) -> bool {
    repo.references()
        .is_ok_and(|mut refs| refs.any(|r| r.is_ok_and(|r| r.peel_to_commit().is_ok())))
}

/// Commits reachable from any ref (branches, tags, remotes, stash, notes...).
pub fn from_all_refs(repo: &Repository) -> anyhow::Result<Vec<Oid>> {
    let mut tips = Vec::new();
    for reference in repo.references().context("cannot list references")? {
        let Ok(reference) = reference else { continue };
        if let Ok(commit) = reference.peel_to_commit() {
            tips.push(commit.id());
        }
    }
    if let Ok(head) = repo.head().and_then(|h| h.peel_to_commit()) {
        tips.push(head.id());
    }
    if tips.is_empty() {
        anyhow::bail!("the repository has no commits yet; nothing to scan");
    }
    walk(repo, &tips, &[])
}

/// What the refs hold besides commits, for an audit of every ref: the annotated tag objects
/// (their messages and headers), and the trees and blobs a ref points at directly
/// (`git tag NAME <blob>`), which no commit walk reaches.
#[derive(Debug, Default)]
pub struct RefContent {
    /// Annotated tag objects, each once.
    pub tags: Vec<Oid>,
    /// Trees and blobs refs point at, named by their ref.
    pub objects: Vec<PushedObject>,
}

/// See [`RefContent`].
pub fn ref_content(repo: &Repository) -> anyhow::Result<RefContent> {
    let mut content = RefContent::default();
    for reference in repo.references().context("cannot list references")? {
        let Ok(reference) = reference else { continue };
        let Some(target) = reference.resolve().ok().and_then(|r| r.target()) else {
            continue;
        };
        collect_tags(repo, target, &mut content.tags);
        if let Some(Peeled::Content { id, is_tree }) = peeled(repo, target) {
            let name = String::from_utf8_lossy(reference.name_bytes()).into_owned();
            content.objects.push(PushedObject {
                id,
                is_tree,
                name: crate::escape::controls(&name).into_owned(),
            });
        }
    }
    Ok(content)
}

/// Commits of `A..B` or `A...B`: reachable from B and not from A (for `...`, not from their
/// merge base), which is what a pull request adds.
pub fn from_range(repo: &Repository, spec: &str) -> anyhow::Result<Vec<Oid>> {
    let sides = spec.split_once("...").or_else(|| spec.split_once(".."));
    if spec.trim().is_empty()
        || sides.is_some_and(|(a, b)| a.trim().is_empty() || b.trim().is_empty())
    {
        anyhow::bail!(
            "range '{}' has an empty side (is a CI variable such as $BASE unset?); give both: BASE..HEAD",
            crate::escape::controls(spec)
        );
    }
    let (from, to) = if let Some((a, b)) = spec.split_once("...") {
        let a = resolve(repo, a)?;
        let b = resolve(repo, b)?;
        let base = repo
            .merge_base(a, b)
            .with_context(|| format!("'{spec}': the two sides have no common ancestor"))?;
        (Some(base), b)
    } else if let Some((a, b)) = spec.split_once("..") {
        (Some(resolve(repo, a)?), resolve(repo, b)?)
    } else {
        (None, resolve(repo, spec)?)
    };
    walk(repo, &[to], from.as_slice())
}

/// Resolves a revision to a commit id, with the revision in the error.
pub fn resolve(repo: &Repository, rev: &str) -> anyhow::Result<Oid> {
    let rev = if rev.is_empty() { "HEAD" } else { rev };
    let object = repo.revparse_single(rev).map_err(|_| {
        let rev = crate::escape::controls(rev);
        if repo.is_shallow() {
            anyhow::anyhow!(
                "unknown revision '{rev}': this is a shallow clone and the revision is not in it; fetch the whole history (actions/checkout: `fetch-depth: 0`, or `git fetch --unshallow`)"
            )
        } else {
            anyhow::anyhow!("unknown revision '{rev}' (not a commit, branch or tag in this repository)")
        }
    })?;
    let commit = object
        .peel_to_commit()
        .map_err(|_| anyhow::anyhow!("revision '{rev}' is not a commit"))?;
    Ok(commit.id())
}

/// Commits reachable from `tips` and not from `hidden`, oldest first.
pub fn walk(repo: &Repository, tips: &[Oid], hidden: &[Oid]) -> anyhow::Result<Vec<Oid>> {
    let mut revwalk: Revwalk<'_> = repo.revwalk().context("cannot walk history")?;
    revwalk
        .set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .context("cannot sort history")?;
    for tip in tips {
        revwalk
            .push(*tip)
            .map_err(|e| super::object_error("commit", *tip, &e))?;
    }
    // Only where the new history meets the hidden one: libgit2 paints below every hidden
    // commit before its first answer.
    let bounds = if hidden.is_empty() {
        Vec::new()
    } else {
        super::boundary::of(repo, tips, hidden)
    };
    for hide in &bounds {
        // A commit we do not have (the remote moved on) cannot be hidden; the caller decides.
        let _ = revwalk.hide(*hide);
    }
    let mut commits = Vec::new();
    for oid in revwalk {
        commits.push(oid.map_err(|e| {
            anyhow::anyhow!("cannot walk history: {} (try `git fsck`)", e.message())
        })?);
    }
    Ok(commits)
}

/// One line of git's pre-push input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushUpdate {
    /// The local ref being pushed (`refs/heads/main`), or `(delete)`.
    pub local_ref: String,
    /// The commit being pushed; zero for a deletion.
    pub local: Oid,
    /// The remote ref.
    pub remote_ref: String,
    /// What the remote has now; zero for a new ref.
    pub remote: Oid,
}

/// Parses git's pre-push stdin: `<local ref> <local sha> <remote ref> <remote sha>` per line.
/// Blank lines are ignored; anything else malformed is an error naming the line.
pub fn parse_push_lines(input: &str) -> anyhow::Result<Vec<PushUpdate>> {
    let mut updates = Vec::new();
    for (index, line) in input.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        let bad = || {
            anyhow::anyhow!(
                "pre-push input line {} is not '<local ref> <local sha> <remote ref> <remote sha>': {:?}",
                index + 1,
                line.chars().take(120).collect::<String>()
            )
        };
        let [local_ref, local, remote_ref, remote] = fields[..] else {
            return Err(bad());
        };
        let local = Oid::from_str(local)
            .ok()
            .filter(|_| is_hex(local))
            .ok_or_else(bad)?;
        let remote = Oid::from_str(remote)
            .ok()
            .filter(|_| is_hex(remote))
            .ok_or_else(bad)?;
        updates.push(PushUpdate {
            local_ref: local_ref.to_owned(),
            local,
            remote_ref: remote_ref.to_owned(),
            remote,
        });
    }
    Ok(updates)
}

fn is_hex(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What one pushed ref sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRef {
    /// The local ref (`refs/heads/topic`), or the remote ref when git gave none.
    pub name: String,
    /// Commits not on the remote, oldest first (topological).
    pub commits: Vec<Oid>,
}

/// What a push sends: per ref its new commits, all new commits once (oldest first), and the
/// annotated tags it creates or moves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushPlan {
    /// Per updated ref.
    pub refs: Vec<PushedRef>,
    /// Every new commit once, oldest first.
    pub commits: Vec<Oid>,
    /// Annotated tag objects the push sends.
    pub tags: Vec<Oid>,
    /// Trees and blobs a ref (or a tag) points at directly, with no commit: git lets a push
    /// send them (`git tag NAME <blob>`), so their content is scanned whole.
    pub objects: Vec<PushedObject>,
    /// The names the push creates or moves on the remote (`refs/heads/topic`), as git gave
    /// them: the remote keeps and shows them, so they are scanned too.
    pub ref_names: Vec<String>,
}

/// A tree or blob a pushed ref points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedObject {
    /// The tree or blob (the tags before it peeled).
    pub id: Oid,
    /// Whether it is a tree (else a blob).
    pub is_tree: bool,
    /// The pushed ref's name (control characters escaped).
    pub name: String,
}

/// The commits and tags a push sends: for each updated ref, what is reachable from it and from
/// none of `on_remote` (what the remote is known to have). Deletions send nothing.
pub fn for_push(
    repo: &Repository,
    updates: &[PushUpdate],
    on_remote: &[Oid],
) -> anyhow::Result<PushPlan> {
    let mut hidden: Vec<Oid> = on_remote.to_vec();
    // The remote shas git gives are authoritative for what the remote has.
    hidden.extend(
        updates
            .iter()
            .filter(|u| !u.remote.is_zero())
            .filter_map(|u| peel_commit(repo, u.remote)),
    );
    let mut plan = PushPlan::default();
    let mut seen = std::collections::HashSet::new();
    for update in updates {
        if update.local.is_zero() || update.local == update.remote {
            continue;
        }
        if !update.remote_ref.is_empty() && !plan.ref_names.contains(&update.remote_ref) {
            plan.ref_names.push(update.remote_ref.clone());
        }
        collect_tags(repo, update.local, &mut plan.tags);
        let name = if update.local_ref.is_empty() {
            &update.remote_ref
        } else {
            &update.local_ref
        };
        let name = crate::escape::controls(name).into_owned();
        let commits = match peeled(repo, update.local) {
            Some(Peeled::Commit(tip)) => walk(repo, &[tip], &hidden)?,
            Some(Peeled::Content { id, is_tree }) => {
                plan.objects.push(PushedObject {
                    id,
                    is_tree,
                    name: name.clone(),
                });
                Vec::new()
            }
            None => anyhow::bail!(
                "the pushed object {} of {name} is not in this repository (try `git fsck`)",
                update.local
            ),
        };
        for &oid in &commits {
            if seen.insert(oid) {
                plan.commits.push(oid);
            }
        }
        plan.refs.push(PushedRef { name, commits });
    }
    Ok(plan)
}

/// The commit an object (a commit or a chain of tags) points to, if this repository has it.
fn peel_commit(repo: &Repository, oid: Oid) -> Option<Oid> {
    repo.find_object(oid, None)
        .ok()?
        .peel_to_commit()
        .ok()
        .map(|c| c.id())
}

/// What a pushed object is once its tags are peeled.
enum Peeled {
    Commit(Oid),
    Content { id: Oid, is_tree: bool },
}

/// `oid` with its chain of tags peeled (libgit2's own peel to "any" turns a commit into its
/// tree, so the tags are followed here).
fn peeled(repo: &Repository, mut oid: Oid) -> Option<Peeled> {
    // A chain longer than this is a cycle (which hashes make impossible) or a corrupt repository.
    for _ in 0..64 {
        let object = repo.find_object(oid, None).ok()?;
        let is_tree = match object.kind()? {
            ObjectType::Tag => {
                oid = object.as_tag()?.target_id();
                continue;
            }
            ObjectType::Commit => return Some(Peeled::Commit(oid)),
            ObjectType::Tree => true,
            ObjectType::Blob => false,
            ObjectType::Any => return None,
        };
        return Some(Peeled::Content { id: oid, is_tree });
    }
    None
}

/// Annotated tag objects from `oid` down to what they point at.
fn collect_tags(repo: &Repository, mut oid: Oid, tags: &mut Vec<Oid>) {
    while let Ok(tag) = repo.find_tag(oid) {
        if tags.contains(&oid) {
            return;
        }
        tags.push(oid);
        oid = tag.target_id();
    }
}

/// What the remote is known to have, offline: the tips of the remote-tracking refs of the
/// remote being pushed to. git passes the remote's name, or a URL for a push to a URL, which is
/// matched to configured remotes by URL; with no match nothing local is assumed to be there.
pub fn tracked_tips(repo: &Repository, remote: Option<&str>, url: Option<&str>) -> Vec<Oid> {
    let mut names: Vec<String> = Vec::new();
    if let Some(name) = remote
        && repo.find_remote(name).is_ok()
    {
        names.push(name.to_owned());
    } else if let Some(url) = url.or(remote) {
        let wanted = normalize_url(url);
        if let Ok(remotes) = repo.remotes() {
            for name in remotes.iter().flatten() {
                let Ok(r) = repo.find_remote(name) else {
                    continue;
                };
                let urls = [r.url(), r.pushurl()];
                if urls
                    .into_iter()
                    .flatten()
                    .any(|u| normalize_url(u) == wanted)
                {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
        .iter()
        .flat_map(|name| remote_ref_tips(repo, name))
        .collect()
}

/// A URL compared loosely: no trailing `/` or `.git`.
fn normalize_url(url: &str) -> &str {
    let url = url.trim_end_matches('/');
    url.strip_suffix(".git").unwrap_or(url)
}

/// What the remote has, asked of the remote itself (`git ls-remote`): the advertised tips this
/// repository has. Slower (a network round trip), exact where remote-tracking refs are stale.
pub fn asked_tips(repo: &Repository, remote: &str) -> anyhow::Result<Vec<Oid>> {
    let git_dir = repo.path();
    let out = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(git_dir)
        .args(["ls-remote", "--", remote])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run `git ls-remote`: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "`git ls-remote {}` failed: {}",
            crate::escape::controls(remote),
            crate::escape::controls(String::from_utf8_lossy(&out.stderr).trim())
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter_map(|sha| Oid::from_str(sha).ok())
        .filter_map(|oid| peel_commit(repo, oid))
        .collect())
}

/// Tips of `refs/remotes/<remote>/*`, as the refs name them: reading a thousand commits here
/// would cost a hook more than the walk that reads them anyway, peeling any tag.
pub fn remote_ref_tips(repo: &Repository, remote: &str) -> Vec<Oid> {
    let glob = format!("refs/remotes/{remote}/*");
    let Ok(refs) = repo.references_glob(&glob) else {
        return Vec::new();
    };
    refs.filter_map(Result::ok)
        .filter_map(|r| r.target().or_else(|| r.resolve().ok()?.target()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_push_lines_and_rejects_garbage() {
        let zero = "0".repeat(40);
        let a = "a".repeat(40);
        let input = format!("refs/heads/main {a} refs/heads/main {zero}\n\n");
        let updates = parse_push_lines(&input).unwrap();
        assert_eq!(updates.len(), 1);
        assert!(updates[0].remote.is_zero());
        assert!(parse_push_lines("hello world\n").is_err());
        assert!(parse_push_lines(&format!("r {a} r xyz\n")).is_err());
        assert!(parse_push_lines("").unwrap().is_empty());
    }
}
