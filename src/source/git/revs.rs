//! Which commits to scan: everything reachable from HEAD or from every ref, a range `A..B`, or
//! what a push sends (git's pre-push protocol). Commits come oldest first, so the first commit
//! that shows a blob or line is the one that introduced it.

use anyhow::Context as _;
use git2::{Oid, Repository, Revwalk, Sort};

/// Commits reachable from HEAD (errors clearly on an empty repository).
pub fn from_head(repo: &Repository) -> anyhow::Result<Vec<Oid>> {
    let head = repo.head().map_err(|e| match e.code() {
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

/// Commits of `A..B` or `A...B`: reachable from B and not from A (for `...`, not from their
/// merge base), which is what a pull request adds.
pub fn from_range(repo: &Repository, spec: &str) -> anyhow::Result<Vec<Oid>> {
    let (from, to) = if let Some((a, b)) = spec.split_once("...") {
        let a = resolve(repo, a)?;
        let b = resolve(repo, b)?;
        let base = repo
            .merge_base(a, b)
            .with_context(|| format!("'{spec}': the two sides have no common ancestor"))?;
        (Some(base), b)
    } else if let Some((a, b)) = spec.split_once("..") {
        (
            Some(resolve(repo, a)?),
            resolve(repo, if b.is_empty() { "HEAD" } else { b })?,
        )
    } else {
        (None, resolve(repo, spec)?)
    };
    walk(repo, &[to], from.as_slice())
}

/// Resolves a revision to a commit id, with the revision in the error.
pub fn resolve(repo: &Repository, rev: &str) -> anyhow::Result<Oid> {
    let rev = if rev.is_empty() { "HEAD" } else { rev };
    let object = repo.revparse_single(rev).map_err(|_| {
        anyhow::anyhow!("unknown revision '{rev}' (not a commit, branch or tag in this repository)")
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
    for hide in hidden {
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

/// The commits a push sends: for each updated ref, the commits not already on the remote.
/// Deletions send nothing; a new ref sends what no ref of `remote` already has.
pub fn for_push(
    repo: &Repository,
    remote: Option<&str>,
    updates: &[PushUpdate],
) -> anyhow::Result<Vec<Oid>> {
    let remote_tips = remote.map(|r| remote_ref_tips(repo, r)).unwrap_or_default();
    let mut commits: Vec<Oid> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for update in updates {
        if update.local.is_zero() {
            continue;
        }
        let mut hidden = remote_tips.clone();
        if !update.remote.is_zero() && repo.find_commit(update.remote).is_ok() {
            hidden.push(update.remote);
        }
        for oid in walk(repo, &[update.local], &hidden)? {
            if seen.insert(oid) {
                commits.push(oid);
            }
        }
    }
    Ok(commits)
}

/// Tips of `refs/remotes/<remote>/*`.
fn remote_ref_tips(repo: &Repository, remote: &str) -> Vec<Oid> {
    let glob = format!("refs/remotes/{remote}/*");
    let Ok(refs) = repo.references_glob(&glob) else {
        return Vec::new();
    };
    refs.filter_map(Result::ok)
        .filter_map(|r| r.peel_to_commit().ok().map(|c| c.id()))
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
