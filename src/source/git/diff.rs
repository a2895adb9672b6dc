//! Added lines: what a commit (against its first parent) or the index (against HEAD) adds, as
//! one buffer per file plus a map back to line numbers in the new file. Merge commits count only
//! lines that none of their parents had, so a merge does not re-report its branches.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashSet};

use git2::{Commit, Diff, DiffOptions, Oid, Repository, Tree};

use super::object_error;
use crate::finding::LineOrigin;

/// The added lines of one file.
#[derive(Debug)]
pub struct AddedFile {
    /// Path in the new tree, `/`-separated.
    pub path: String,
    /// The added lines, each ending in `\n`.
    pub bytes: Vec<u8>,
    /// Byte line to file line.
    pub origin: LineOrigin,
}

/// Lines (new line number, content) added per path.
pub type AddedLines = BTreeMap<String, Vec<(usize, Vec<u8>)>>;

fn diff_options(max_size: u64) -> DiffOptions {
    let mut options = DiffOptions::new();
    options
        .context_lines(0)
        .max_size(i64::try_from(max_size).unwrap_or(i64::MAX))
        .ignore_submodules(true);
    options
}

/// Collects added lines of a diff; binary and oversize files produce none and are counted in
/// `binary`.
fn added_lines(diff: &Diff<'_>, binary: &mut u64) -> anyhow::Result<AddedLines> {
    let mut added: AddedLines = BTreeMap::new();
    let binary_paths: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    diff.foreach(
        &mut |delta, _| {
            if delta.flags().is_binary() {
                binary_paths.borrow_mut().insert(delta_path(&delta));
            }
            true
        },
        Some(&mut |delta, _| {
            binary_paths.borrow_mut().insert(delta_path(&delta));
            true
        }),
        None,
        Some(&mut |delta, _hunk, line| {
            if line.origin() == '+'
                && let Some(lineno) = line.new_lineno()
            {
                let mut content = line.content().to_vec();
                if !content.ends_with(b"\n") {
                    content.push(b'\n');
                }
                added
                    .entry(delta_path(&delta))
                    .or_default()
                    .push((lineno as usize, content));
            }
            true
        }),
    )
    .map_err(|e| anyhow::anyhow!("cannot compute diff: {} (try `git fsck`)", e.message()))?;
    *binary += binary_paths.borrow().len() as u64;
    Ok(added)
}

fn delta_path(delta: &git2::DiffDelta<'_>) -> String {
    delta
        .new_file()
        .path_bytes()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_default()
}

/// Files and their added lines in `commit` relative to its parents.
pub fn added_in_commit(
    repo: &Repository,
    commit: &Commit<'_>,
    max_size: u64,
    binary: &mut u64,
) -> anyhow::Result<Vec<AddedFile>> {
    let tree = commit
        .tree()
        .map_err(|e| object_error("tree of commit", commit.id(), &e))?;
    let parents: Vec<Oid> = commit.parent_ids().collect();
    let Some((first, others)) = parents.split_first() else {
        return diff_trees(repo, None, &tree, max_size, binary).map(into_files);
    };
    let first_tree = parent_tree(repo, *first)?;
    let mut added = diff_trees(repo, Some(&first_tree), &tree, max_size, binary)?;
    for other in others {
        let other_tree = parent_tree(repo, *other)?;
        let mut ignored = 0;
        let vs_other = diff_trees(repo, Some(&other_tree), &tree, max_size, &mut ignored)?;
        added.retain(|path, lines| {
            let Some(theirs) = vs_other.get(path) else {
                return false;
            };
            let theirs: HashSet<usize> = theirs.iter().map(|(n, _)| *n).collect();
            lines.retain(|(n, _)| theirs.contains(n));
            !lines.is_empty()
        });
    }
    Ok(into_files(added))
}

fn parent_tree(repo: &Repository, parent: Oid) -> anyhow::Result<Tree<'_>> {
    repo.find_commit(parent)
        .and_then(|c| c.tree())
        .map_err(|e| object_error("parent commit", parent, &e))
}

fn diff_trees(
    repo: &Repository,
    old: Option<&Tree<'_>>,
    new: &Tree<'_>,
    max_size: u64,
    binary: &mut u64,
) -> anyhow::Result<AddedLines> {
    let diff = repo
        .diff_tree_to_tree(old, Some(new), Some(&mut diff_options(max_size)))
        .map_err(|e| anyhow::anyhow!("cannot diff trees: {} (try `git fsck`)", e.message()))?;
    added_lines(&diff, binary)
}

/// Files and their added lines staged in the index relative to HEAD (or to nothing, before the
/// first commit).
pub fn added_in_index(
    repo: &Repository,
    max_size: u64,
    binary: &mut u64,
) -> anyhow::Result<Vec<AddedFile>> {
    let head_tree = match repo.head() {
        Ok(head) => Some(
            head.peel_to_tree()
                .map_err(|e| anyhow::anyhow!("cannot read HEAD's tree: {}", e.message()))?,
        ),
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => None,
        Err(e) => anyhow::bail!("cannot resolve HEAD: {}", e.message()),
    };
    let index = repo
        .index()
        .map_err(|e| anyhow::anyhow!("cannot read the index: {}", e.message()))?;
    let diff = repo
        .diff_tree_to_index(
            head_tree.as_ref(),
            Some(&index),
            Some(&mut diff_options(max_size)),
        )
        .map_err(|e| anyhow::anyhow!("cannot diff the index: {}", e.message()))?;
    added_lines(&diff, binary).map(into_files)
}

/// Joins each file's added lines into one buffer with a line map.
pub fn into_files(added: AddedLines) -> Vec<AddedFile> {
    added
        .into_iter()
        .map(|(path, lines)| {
            let mut bytes = Vec::new();
            let mut runs: Vec<(usize, usize)> = Vec::new();
            let mut previous: Option<usize> = None;
            for (index, (lineno, content)) in lines.into_iter().enumerate() {
                if previous.is_none_or(|p| p + 1 != lineno) {
                    runs.push((index, lineno));
                }
                previous = Some(lineno);
                bytes.extend_from_slice(&content);
            }
            AddedFile {
                path,
                bytes,
                origin: LineOrigin::Runs(runs),
            }
        })
        .collect()
}
