//! The gates (`pre-push`, `pre-commit`, `git --range`, `git --staged`) judge content, not
//! diffs: every blob a commit (or the index) brings is scanned whole by the same scan stage as
//! `dir`, and a finding is reported when its secret value is held by no parent blob at the
//! same path (or the path it was renamed from). Merges compare with every parent. The messages of
//! the commits and annotated tags are scanned too. git's diff and attribute machinery never
//! decide what is text: they only name which paths changed.
//!
//! Whatever the gate could not scan (binary, over the size limit) is returned as
//! [`Unscanned`], so the caller names it.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use git2::{Oid, Repository, Tree};

use super::blob::{BlobOutcome, BlobScan, Objects, scan_blob};
use super::history::count;
use super::revs::PushedObject;
use super::{CommitCache, object_error};
use super::{index_tree, tree_diff};
use crate::engine::Engine;
use crate::finding::{CommitInfo, Finding, LineOrigin, Provenance};
use crate::source::stats::ScanStats;
use crate::source::{Chunk, scan_chunk};

/// A blob the gate did not scan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unscanned {
    /// Its path (control characters escaped).
    pub path: String,
    /// The commit that brings it (`None` for the index).
    pub commit: Option<String>,
    /// Why.
    pub outcome: BlobOutcome,
    /// For an archive not fully read: which member and why (control characters escaped).
    pub unread: Option<String>,
}

/// What a gate found.
#[derive(Debug, Default)]
pub struct GateReport {
    /// New secret values, each once per path, at the first commit that brings it.
    pub findings: Vec<Finding>,
    /// Blobs that were not scanned.
    pub unscanned: Vec<Unscanned>,
}

/// A blob that changed at a path, with what the parents held there.
struct Changed {
    path: String,
    blob: Oid,
    /// Per parent: the blob it had at this path, or at the path this one was renamed from.
    before: Vec<(Oid, String)>,
}

/// How a gate runs.
#[derive(Debug, Clone, Copy)]
pub struct GateOptions {
    /// Blobs over this size are not scanned (and named).
    pub max_size: u64,
    /// Mark findings whose line carries `leakgate:allow` as suppressed instead of dropping them
    /// (the engine then reports allowed lines): under `--config-from`, a change must not
    /// silence its own findings unseen.
    pub mark_inline_allows: bool,
}

/// The reason a marked finding carries.
pub const ALLOWED_IN_CHANGE: &str = "leakgate:allow added by this change";

/// Scans the names of the refs a push creates or moves on the remote (`refs/heads/...`, as
/// given). Every secret in one is new. A finding is named `ref name <name>` with its secrets
/// masked in the name (and control characters escaped): the name is the secret's line.
pub fn scan_ref_names(engine: &Engine, names: &[String], stats: &ScanStats) -> Vec<Finding> {
    let mut found = Vec::new();
    for name in names {
        stats.scanned(name.len() as u64);
        let (in_name, _) = scan_name(engine, name, None, |name| Provenance::RefName { name });
        found.extend(in_name);
    }
    found
}

/// Scans a name a push puts on the remote (a ref's, a path's). Its findings carry
/// `provenance(shown)` and are named by it (`ref name <shown>`, `path name <shown>`), where
/// `shown` is the name with its secrets masked and control characters escaped; `shown` is
/// returned too when the name holds a secret.
fn scan_name(
    engine: &Engine,
    name: &str,
    info: Option<&Arc<CommitInfo>>,
    provenance: impl FnOnce(String) -> Provenance,
) -> (Vec<Finding>, Option<String>) {
    let mut found = scan_message(engine, name, &Provenance::File, info);
    if found.is_empty() {
        return (found, None);
    }
    let mut shown = name.to_owned();
    for finding in &found {
        shown = shown.replace(finding.secret.reveal(), &finding.secret.masked());
    }
    let shown = crate::escape::controls(&shown).into_owned();
    let provenance = provenance(shown.clone());
    let file = text_name(&provenance);
    for finding in &mut found {
        finding.provenance = provenance.clone();
        finding.file.clone_from(&file);
    }
    (found, Some(shown))
}

/// Scans what `commits` (oldest first) bring, the messages of the commits and of the
/// annotated `tags`, and the content of `objects` (trees and blobs pushed with no commit).
pub fn scan_commits(
    engine: &Engine,
    repo: &Repository,
    commits: &[Oid],
    tags: &[Oid],
    objects: &[PushedObject],
    options: GateOptions,
    stats: &ScanStats,
) -> anyhow::Result<GateReport> {
    let mut gate = Gate::new(engine, repo, options, stats);
    for &oid in commits {
        let commit = repo
            .find_commit(oid)
            .map_err(|e| object_error("commit", oid, &e))?;
        let tree = commit
            .tree()
            .map_err(|e| object_error("tree of commit", oid, &e))?;
        let parents = parent_trees(repo, &commit)?;
        let changed = changed_blobs(repo, &parents, &tree)?;
        let info = gate.commits.get(engine, repo, oid)?;
        for change in changed {
            gate.judge(&change, Some(&info))?;
        }
        let text = CarriedText::of_commit(&commit);
        gate.text(&text, Some(&info));
    }
    for &oid in tags {
        let text = CarriedText::of_tag(repo, oid)?;
        gate.text(&text, None);
    }
    for object in objects {
        gate.object(object)?;
    }
    Ok(gate.report)
}

/// Scans what the index brings relative to HEAD (or to nothing before the first commit).
pub fn scan_index(
    engine: &Engine,
    repo: &Repository,
    options: GateOptions,
    stats: &ScanStats,
) -> anyhow::Result<GateReport> {
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
    let changes = if let Some(tree) = index_tree::of(repo, &index)? {
        tree_diff::changes(repo, head_tree.as_ref(), &tree)?
    } else {
        let mut diff_options = tree_diff::diff_options();
        let mut diff = repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut diff_options))
            .map_err(|e| anyhow::anyhow!("cannot compare the index with HEAD: {}", e.message()))?;
        tree_diff::of_diff(&mut diff)?
    };
    let mut gate = Gate::new(engine, repo, options, stats);
    for (path, (blob, before)) in changes {
        let change = Changed {
            path,
            blob,
            before: before.into_iter().collect(),
        };
        gate.judge(&change, None)?;
    }
    Ok(gate.report)
}

/// The state of one gate run: caches of blob scans and commit metadata, and the report.
struct Gate<'a> {
    engine: &'a Engine,
    repo: &'a Repository,
    options: GateOptions,
    stats: &'a ScanStats,
    commits: CommitCache,
    /// Scans of blobs at paths, shared by new blobs and parent blobs (a push that moves a
    /// blob through several commits scans it once).
    scans: HashMap<(Oid, String), Arc<Vec<Finding>>>,
    /// (secret value, path) already reported: a secret is reported once per path.
    reported: HashSet<(String, String)>,
    /// New paths whose names were scanned, with the name to show when it holds a secret.
    named: HashMap<String, Option<String>>,
    report: GateReport,
}

impl<'a> Gate<'a> {
    fn new(
        engine: &'a Engine,
        repo: &'a Repository,
        options: GateOptions,
        stats: &'a ScanStats,
    ) -> Self {
        Gate {
            engine,
            repo,
            options,
            stats,
            commits: CommitCache::default(),
            scans: HashMap::new(),
            reported: HashSet::new(),
            named: HashMap::new(),
            report: GateReport::default(),
        }
    }

    /// Scans a changed blob and reports the secret values no parent held.
    fn judge(&mut self, change: &Changed, info: Option<&Arc<CommitInfo>>) -> anyhow::Result<()> {
        // A path no parent had is a new name on the remote: the name is scanned too, once.
        let renamed_or_added = !change.before.iter().any(|(_, path)| *path == change.path);
        if renamed_or_added && !self.named.contains_key(&change.path) {
            self.stats.scanned(change.path.len() as u64);
            let (found, shown) = scan_name(self.engine, &change.path, info, |path| {
                Provenance::PathName { path }
            });
            self.named.insert(change.path.clone(), shown);
            self.report.findings.extend(found);
        }
        // A path that holds a secret is shown masked in its file's findings too.
        let shown = self.named.get(&change.path).cloned().flatten();
        let scan = self.scan(change.blob, &change.path, info)?;
        if scan.is_empty() {
            return Ok(());
        }
        let mut held: HashSet<String> = HashSet::new();
        for (blob, path) in &change.before {
            let before = self.scan_quietly(*blob, path)?;
            held.extend(before.iter().map(|f| f.secret.reveal().to_owned()));
        }
        for finding in scan.iter() {
            let value = finding.secret.reveal();
            if held.contains(value) {
                continue;
            }
            if self
                .reported
                .insert((value.to_owned(), change.path.clone()))
            {
                let mut finding = finding.clone();
                finding.commit = info.cloned();
                finding.provenance = Provenance::Blob;
                if let Some(shown) = &shown {
                    finding.file.clone_from(shown);
                }
                if self.options.mark_inline_allows && self.line_allows(change.blob, finding.line) {
                    finding.suppressed = Some(ALLOWED_IN_CHANGE.to_owned());
                }
                self.report.findings.push(finding);
            }
        }
        Ok(())
    }

    /// Whether line `line` (1-based) of a blob carries `leakgate:allow`.
    fn line_allows(&self, blob: Oid, line: usize) -> bool {
        self.repo.find_blob(blob).is_ok_and(|b| {
            b.content()
                .split(|&c| c == b'\n')
                .nth(line.saturating_sub(1))
                .is_some_and(|l| memchr::memmem::find(l, crate::engine::INLINE_ALLOW).is_some())
        })
    }

    /// Scans a new blob, counting it and naming it when it was not scanned.
    fn scan(
        &mut self,
        blob: Oid,
        path: &str,
        info: Option<&Arc<CommitInfo>>,
    ) -> anyhow::Result<Arc<Vec<Finding>>> {
        if let Some(found) = self.scans.get(&(blob, path.to_owned())) {
            return Ok(Arc::clone(found));
        }
        let scanned = self.read(blob, path)?;
        count(self.stats, scanned.outcome);
        if matches!(
            scanned.outcome,
            BlobOutcome::Binary
                | BlobOutcome::TooLarge { .. }
                | BlobOutcome::LfsNotLocal { .. }
                | BlobOutcome::NotFetched
        ) {
            self.report.unscanned.push(Unscanned {
                path: crate::escape::controls(path).into_owned(),
                commit: info.map(|c| c.id.clone()),
                outcome: scanned.outcome,
                unread: scanned
                    .unread
                    .as_deref()
                    .map(|why| crate::escape::controls(why).into_owned()),
            });
        }
        let found = Arc::new(scanned.findings);
        self.scans
            .insert((blob, path.to_owned()), Arc::clone(&found));
        Ok(found)
    }

    /// Scans a parent's blob: only its secret values matter, so it is not counted or named.
    /// A partial clone may not have fetched it: it then counts as holding no secret, so every
    /// value of the new blob is judged new (the gate may say more, never less).
    fn scan_quietly(&mut self, blob: Oid, path: &str) -> anyhow::Result<Arc<Vec<Finding>>> {
        if let Some(found) = self.scans.get(&(blob, path.to_owned())) {
            return Ok(Arc::clone(found));
        }
        let scanned = self.read(blob, path);
        let findings = match scanned {
            Ok(scanned) => scanned.findings,
            Err(_) if super::is_partial_clone(self.repo) && !self.has(blob) => Vec::new(),
            Err(e) => return Err(e),
        };
        let found = Arc::new(findings);
        self.scans
            .insert((blob, path.to_owned()), Arc::clone(&found));
        Ok(found)
    }

    /// Scans blob `blob` at `path` as `dir` scans a file.
    fn read(&self, blob: Oid, path: &str) -> anyhow::Result<BlobScan> {
        let (engine, max_size) = (self.engine, self.options.max_size);
        scan_blob(engine, self.repo, Objects::Libgit2, blob, path, max_size)
    }

    /// Whether the object database holds `oid`.
    fn has(&self, oid: Oid) -> bool {
        self.repo.odb().is_ok_and(|odb| odb.exists(oid))
    }

    /// Scans a tree or blob a ref points at with no commit: all of it is new. Its findings and
    /// unscanned blobs are named `<ref>:<path>` (a blob alone by its ref).
    fn object(&mut self, object: &PushedObject) -> anyhow::Result<()> {
        let changed = if object.is_tree {
            let tree = self
                .repo
                .find_tree(object.id)
                .map_err(|e| object_error("tree", object.id, &e))?;
            changed_blobs(self.repo, &[None], &tree)?
        } else {
            let name = object.name.rsplit('/').next().unwrap_or_default();
            vec![Changed {
                path: name.to_owned(),
                blob: object.id,
                before: Vec::new(),
            }]
        };
        let (findings_from, unscanned_from) =
            (self.report.findings.len(), self.report.unscanned.len());
        for change in &changed {
            self.judge(change, None)?;
        }
        let named = |path: &str| {
            if object.is_tree {
                format!("{}:{path}", object.name)
            } else {
                object.name.clone()
            }
        };
        for finding in &mut self.report.findings[findings_from..] {
            finding.file = named(&finding.file);
        }
        for unscanned in &mut self.report.unscanned[unscanned_from..] {
            unscanned.path = named(&unscanned.path);
        }
        Ok(())
    }

    /// Scans the text a commit or tag carries; every secret in it is new.
    fn text(&mut self, text: &CarriedText, info: Option<&Arc<CommitInfo>>) {
        self.stats
            .scanned((text.message.len() + text.header.len()) as u64);
        let found = text.scan(self.engine, info);
        self.report.findings.extend(found);
    }
}

/// The text a commit or an annotated tag carries besides what it points at: its message, and its
/// header's free text (author, committer or tagger, a tag's name, and any header beyond git's
/// own: an object written with `git hash-object --literally` can carry a secret there, and a push
/// would send it). Object ids and signatures are left out of the header.
pub struct CarriedText {
    message: String,
    header: String,
    provenance: Provenance,
    /// How header findings are named: `commit header of <id>`, `tag header of <name>`.
    header_name: String,
}

impl CarriedText {
    /// A commit's message and header.
    pub fn of_commit(commit: &git2::Commit<'_>) -> CarriedText {
        let id = commit.id().to_string();
        CarriedText {
            message: String::from_utf8_lossy(commit.message_bytes()).into_owned(),
            header: header_text(commit.raw_header_bytes(), &["tree", "parent"]),
            header_name: format!("commit header of {}", &id[..10]),
            provenance: Provenance::CommitMessage { commit: id },
        }
    }

    /// An annotated tag's message and header (read raw: libgit2 parses only git's own fields).
    pub fn of_tag(repo: &Repository, oid: Oid) -> anyhow::Result<CarriedText> {
        let tag = repo
            .find_tag(oid)
            .map_err(|e| object_error("tag", oid, &e))?;
        let name = crate::escape::controls(&String::from_utf8_lossy(tag.name_bytes())).into_owned();
        let odb = repo.odb().map_err(|e| object_error("tag", oid, &e))?;
        let raw = odb.read(oid).map_err(|e| object_error("tag", oid, &e))?;
        let raw = raw.data();
        let header_end = memchr::memmem::find(raw, b"\n\n").map_or(raw.len(), |end| end + 1);
        Ok(CarriedText {
            message: tag
                .message_bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default()
                .into_owned(),
            header: header_text(&raw[..header_end], &["object", "type"]),
            header_name: format!("tag header of {name}"),
            provenance: Provenance::TagMessage {
                tag: name,
                id: oid.to_string(),
            },
        })
    }

    /// Its findings: the message's named by [`scan_message`], the header's by `header_name`.
    pub fn scan(&self, engine: &Engine, info: Option<&Arc<CommitInfo>>) -> Vec<Finding> {
        let mut found = scan_message(engine, &self.message, &self.provenance, info);
        for mut finding in scan_message(engine, &self.header, &self.provenance, info) {
            finding.file.clone_from(&self.header_name);
            found.push(finding);
        }
        found
    }
}

/// The header lines of a commit or tag that hold free text: all but those keyed `ids` (object ids:
/// `tree` and `parent`, `object` and `type`) and the signature blocks (`gpgsig`, `gpgsig-sha256`,
/// with their continuation lines).
fn header_text(raw: &[u8], ids: &[&str]) -> String {
    let mut out = String::new();
    let mut in_signature = false;
    for line in String::from_utf8_lossy(raw).lines() {
        if let Some(continued) = line.strip_prefix(' ') {
            if !in_signature {
                out.push_str(continued);
                out.push('\n');
            }
            continue;
        }
        let key = line.split(' ').next().unwrap_or_default();
        in_signature = matches!(key, "gpgsig" | "gpgsig-sha256");
        if !in_signature && !ids.contains(&key) {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// How a finding in text other than a file is named: `commit message of <id>`, `tag message
/// of <name>`, `ref name <name>`, `path name <path>` (empty for files and blobs).
fn text_name(provenance: &Provenance) -> String {
    match provenance {
        Provenance::CommitMessage { commit } => {
            format!("commit message of {}", &commit[..commit.len().min(10)])
        }
        Provenance::TagMessage { tag, .. } => format!("tag message of {tag}"),
        Provenance::RefName { name } => format!("ref name {name}"),
        Provenance::PathName { path } => format!("path name {path}"),
        Provenance::File | Provenance::Blob => String::new(),
    }
}

/// Scans a commit or tag message; its findings are named `commit message of <id>` or
/// `tag message of <name>` and carry the provenance.
pub fn scan_message(
    engine: &Engine,
    text: &str,
    provenance: &Provenance,
    info: Option<&Arc<CommitInfo>>,
) -> Vec<Finding> {
    let name = text_name(provenance);
    let origin = LineOrigin::Identity;
    let chunk = Chunk {
        path: "",
        bytes: text.as_bytes(),
        origin: &origin,
        commit: info,
    };
    let mut found = scan_chunk(engine, &chunk);
    for finding in &mut found {
        finding.file.clone_from(&name);
        finding.provenance = provenance.clone();
    }
    found
}

/// The trees of a commit's parents; a root commit (or one whose parents a shallow clone lacks)
/// compares with the empty tree.
fn parent_trees<'r>(
    repo: &'r Repository,
    commit: &git2::Commit<'r>,
) -> anyhow::Result<Vec<Option<Tree<'r>>>> {
    let mut trees = Vec::new();
    for parent in commit.parent_ids() {
        match repo.find_commit(parent) {
            Ok(c) => trees.push(Some(
                c.tree()
                    .map_err(|e| object_error("tree of commit", parent, &e))?,
            )),
            Err(e) if e.code() == git2::ErrorCode::NotFound && repo.is_shallow() => {
                trees.push(None);
            }
            Err(e) => return Err(object_error("parent commit", parent, &e)),
        }
    }
    if trees.is_empty() {
        trees.push(None);
    }
    Ok(trees)
}

/// The blobs of `tree` that differ from every parent's blob at their path. For each: what each
/// parent held there (or at the rename source).
fn changed_blobs(
    repo: &Repository,
    parents: &[Option<Tree<'_>>],
    tree: &Tree<'_>,
) -> anyhow::Result<Vec<Changed>> {
    let mut per_parent = Vec::with_capacity(parents.len());
    for parent in parents {
        per_parent.push(tree_diff::changes(repo, parent.as_ref(), tree)?);
    }
    let Some((first, others)) = per_parent.split_first_mut() else {
        return Ok(Vec::new());
    };
    let mut changed = Vec::new();
    for (path, (blob, before)) in std::mem::take(first) {
        let mut all_before: Vec<(Oid, String)> = before.into_iter().collect();
        let mut in_every_parent = true;
        for other in others.iter_mut() {
            match other.remove(&path) {
                Some((_, theirs)) => all_before.extend(theirs),
                None => in_every_parent = false,
            }
        }
        // A path whose blob equals some parent's holds nothing that parent did not.
        if in_every_parent {
            changed.push(Changed {
                path,
                blob,
                before: all_before,
            });
        }
    }
    changed.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(changed)
}
