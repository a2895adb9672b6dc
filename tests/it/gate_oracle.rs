//! An oracle test for the gate: seeded random histories built with the real `git` binary (text,
//! binary and UTF-16 files, `.gitattributes`, renames, deletions, branches and merges, keys
//! added in pieces, secrets in messages). For each, what `leakgate pre-push` reports must equal
//! "the secrets in each pushed commit's files and message, minus those its parents held at the
//! same path (or the path it was renamed from)", computed from the generator's own model. A
//! failure prints the seed and the shortest recipe (greedy op removal) that still fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::support::{GitRepo, github_token, write};

/// One line of a modelled file.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    Filler(u32),
    Token(usize),
    KeyBegin,
    KeyBody,
    KeyEnd,
}

/// One step of a recipe; each is one commit (a branch is several, then a merge).
#[derive(Debug, Clone)]
enum Op {
    AddToken { file: usize, seed: usize },
    AddFiller { file: usize, n: u32 },
    RemoveLine { file: usize, at: usize },
    ToggleBinary { file: usize },
    Attributes { variant: usize },
    Rename { file: usize, to: usize },
    Delete { file: usize },
    KeyArmor { file: usize },
    KeyBody { file: usize },
    MessageToken { seed: usize },
    Branch { ops: Vec<Op>, evil: Option<usize> },
}

const NAMES: [&str; 7] = [
    "a.env",
    "b.txt",
    "c.py",
    "d.cfg",
    "e.ps1",
    "sub/f.yaml",
    "g.ini",
];
const ATTRIBUTES: [&str; 3] = ["* binary\n", "*.txt -diff\n*.env binary\n", "# none\n"];

#[derive(Debug, Clone, Default, PartialEq)]
struct File {
    lines: Vec<Line>,
    binary: bool,
}

impl File {
    /// The secret labels a scan of this file must see.
    fn secrets(&self) -> BTreeSet<String> {
        if self.binary {
            return BTreeSet::new();
        }
        let mut out: BTreeSet<String> = self
            .lines
            .iter()
            .filter_map(|l| match l {
                Line::Token(seed) => Some(github_token(*seed)),
                _ => None,
            })
            .collect();
        if self
            .lines
            .windows(3)
            .any(|w| w == [Line::KeyBegin, Line::KeyBody, Line::KeyEnd])
        {
            out.insert("KEY".into());
        }
        out
    }
}

type Tree = BTreeMap<String, File>;

/// What one commit must report: (path or message name, secret label).
type Expected = BTreeSet<(String, String, String)>;

struct Builder<'a> {
    repo: &'a GitRepo,
    key: &'a [String; 3],
    tree: Tree,
    expected: Expected,
}

impl Builder<'_> {
    fn render(&self, name: &str, file: &File) -> Vec<u8> {
        let mut text = String::new();
        for line in &file.lines {
            let _ = match line {
                Line::Filler(n) => writeln!(text, "note {n} lorem ipsum"),
                Line::Token(seed) => writeln!(text, "token_{seed} = {}", github_token(*seed)),
                Line::KeyBegin => writeln!(text, "{}", self.key[0]),
                Line::KeyBody => writeln!(text, "{}", self.key[1]),
                Line::KeyEnd => writeln!(text, "{}", self.key[2]),
            };
        }
        if file.binary {
            let mut bytes = b"\x00BIN\x00\n".to_vec();
            bytes.extend_from_slice(text.as_bytes());
            return bytes;
        }
        if name == NAMES[4] {
            let mut bytes = vec![0xFF, 0xFE];
            text.encode_utf16()
                .for_each(|u| bytes.extend_from_slice(&u.to_le_bytes()));
            return bytes;
        }
        text.into_bytes()
    }

    fn sync(&self) {
        let root = self.repo.path();
        for entry in std::fs::read_dir(&root).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name();
            if name != ".git" && name != ".gitattributes" {
                let path = entry.path();
                if path.is_dir() {
                    std::fs::remove_dir_all(path).unwrap();
                } else {
                    std::fs::remove_file(path).unwrap();
                }
            }
        }
        for (name, file) in &self.tree {
            write(&root, name, self.render(name, file));
        }
    }

    /// Commits the model; expects what it brings against `parents` (and renames).
    fn commit(&mut self, message: &str, parents: &[Tree], renamed: Option<(&str, &str)>) -> String {
        self.sync();
        self.repo.git(&["add", "-A"]);
        self.repo.git(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
        let id = self.repo.git(&["rev-parse", "HEAD"]);
        for (path, file) in &self.tree {
            let mut held = BTreeSet::new();
            for parent in parents {
                if let Some(before) = parent.get(path) {
                    held.extend(before.secrets());
                }
                if let Some((from, to)) = renamed
                    && to == path
                    && let Some(before) = parent.get(from)
                {
                    held.extend(before.secrets());
                }
            }
            for secret in file.secrets().difference(&held) {
                self.expected
                    .insert((id.clone(), path.clone(), secret.clone()));
            }
        }
        id
    }

    fn apply(&mut self, op: &Op) {
        let before = self.tree.clone();
        match op {
            Op::Attributes { variant } => {
                let text = ATTRIBUTES[variant % ATTRIBUTES.len()];
                write(&self.repo.path(), ".gitattributes", text);
            }
            Op::Rename { file, to } => {
                let (from, to) = (name(*file), name(*to));
                if from != to
                    && !self.tree.contains_key(&to)
                    && let Some(f) = self.tree.remove(&from)
                {
                    self.tree.insert(to.clone(), f);
                    self.commit("rename", &[before], Some((&from, &to)));
                    return;
                }
            }
            Op::MessageToken { seed } => {
                let message = format!("deploy with {}", github_token(*seed));
                let id = self.commit(&message, &[before], None);
                let name = format!("commit message of {}", &id[..10]);
                self.expected.insert((id, name, github_token(*seed)));
                return;
            }
            Op::Branch { ops, evil } => {
                self.branch(ops, *evil);
                return;
            }
            edit => edit_model(&mut self.tree, edit),
        }
        self.commit("step", &[before], None);
    }

    fn branch(&mut self, ops: &[Op], evil: Option<usize>) {
        let fork = self.tree.clone();
        self.repo.git(&["checkout", "-q", "-b", "side"]);
        for op in ops {
            self.apply(op);
        }
        let side = std::mem::replace(&mut self.tree, fork);
        self.repo.git(&["checkout", "-q", "main"]);
        self.apply(&Op::AddFiller { file: 6, n: 99 });
        let main = self.tree.clone();
        // The merge takes the side's tree and main's one change (g.ini), plus an evil edit.
        let mut merged = side.clone();
        merged.insert(NAMES[6].into(), main[NAMES[6]].clone());
        if let Some(seed) = evil {
            merged
                .entry(NAMES[1].into())
                .or_default()
                .lines
                .push(Line::Token(seed));
        }
        self.repo
            .git(&["merge", "-q", "-s", "ours", "--no-commit", "side"]);
        self.tree = merged;
        self.commit("merge side", &[main, side], None);
        self.repo.git(&["branch", "-q", "-D", "side"]);
    }
}

fn name(i: usize) -> String {
    NAMES[i % NAMES.len()].to_owned()
}

/// Applies an op that only edits files of the model.
fn edit_model(tree: &mut Tree, op: &Op) {
    match op {
        Op::AddToken { file, seed } => {
            let f = tree.entry(name(*file)).or_default();
            f.lines.push(Line::Token(*seed));
        }
        Op::AddFiller { file, n } => {
            let f = tree.entry(name(*file)).or_default();
            f.lines.push(Line::Filler(*n));
        }
        Op::RemoveLine { file, at } => {
            if let Some(f) = tree.get_mut(&name(*file))
                && !f.lines.is_empty()
            {
                let at = at % f.lines.len();
                f.lines.remove(at);
            }
        }
        Op::ToggleBinary { file } => {
            if let Some(f) = tree.get_mut(&name(*file)) {
                f.binary = !f.binary;
            }
        }
        Op::Delete { file } => {
            tree.remove(&name(*file));
        }
        Op::KeyArmor { file } => {
            let f = tree.entry(name(*file)).or_default();
            f.lines.push(Line::KeyBegin);
            f.lines.push(Line::KeyEnd);
        }
        Op::KeyBody { file } => {
            if let Some(f) = tree.get_mut(&name(*file))
                && let Some(at) = f
                    .lines
                    .windows(2)
                    .position(|w| w == [Line::KeyBegin, Line::KeyEnd])
            {
                f.lines.insert(at + 1, Line::KeyBody);
            }
        }
        _ => {}
    }
}

/// A small deterministic generator (xorshift), so a seed names a recipe.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }

    fn below(&mut self, n: usize) -> usize {
        self.next() % n
    }
}

fn random_op(rng: &mut Rng, seeds: &mut usize, branch_allowed: bool) -> Op {
    let file = rng.below(NAMES.len());
    *seeds += 1;
    let fresh = *seeds;
    match rng.below(if branch_allowed { 12 } else { 11 }) {
        0 | 1 => Op::AddToken { file, seed: fresh },
        2 => Op::AddFiller {
            file,
            n: rng.below(1000) as u32,
        },
        3 => Op::RemoveLine {
            file,
            at: rng.below(8),
        },
        4 => Op::ToggleBinary { file },
        5 => Op::Attributes {
            variant: rng.below(ATTRIBUTES.len()),
        },
        6 => Op::Rename {
            file,
            to: rng.below(NAMES.len()),
        },
        7 => Op::Delete { file },
        8 => Op::KeyArmor { file },
        9 => Op::KeyBody { file },
        10 => Op::MessageToken { seed: fresh },
        _ => {
            let n = 1 + rng.below(3);
            let ops = (0..n).map(|_| random_op(rng, seeds, false)).collect();
            let evil = (rng.below(2) == 0).then_some(fresh);
            Op::Branch { ops, evil }
        }
    }
}

/// A real key from openssl, as (armor begin, body, armor end) with the body on one line
/// joined by newlines: one `Line::KeyBody` renders the whole body.
fn real_key(dir: &std::path::Path) -> [String; 3] {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    [
        lines[0].to_owned(),
        lines[1..lines.len() - 1].join("\n"),
        lines[lines.len() - 1].to_owned(),
    ]
}

/// Builds the recipe's history in a fresh repository, pushes the first `pushed` ops to a bare
/// remote without the hook, then runs `leakgate pre-push` for the rest; `Err` describes a
/// mismatch.
fn run_recipe(ops: &[Op], pushed: usize) -> Result<(), String> {
    let repo = GitRepo::new();
    repo.add_remote();
    let key = real_key(repo.tmp.path());
    let mut builder = Builder {
        repo: &repo,
        key: &key,
        tree: Tree::new(),
        expected: Expected::new(),
    };
    builder.apply(&Op::AddFiller { file: 6, n: 0 });
    let pushed = pushed.min(ops.len());
    for op in &ops[..pushed] {
        builder.apply(op);
    }
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let remote = repo.git(&["rev-parse", "HEAD"]);
    builder.expected.clear();
    for op in &ops[pushed..] {
        builder.apply(op);
    }
    let head = repo.git(&["rev-parse", "HEAD"]);
    let out = repo
        .leakgate()
        .args(["pre-push", "origin", "-f", "json", "--show-secrets"])
        .arg(repo.tmp.path().join("remote.git"))
        .write_stdin(format!("refs/heads/main {head} refs/heads/main {remote}\n"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("panicked") || out.status.code() == Some(2) {
        return Err(format!("leakgate failed: {stderr}"));
    }
    let report: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("not JSON ({e}): {stderr}"))?;
    let body = &key[1];
    let got: Expected = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let secret = f["secret"].as_str().unwrap_or_default();
            let label = if secret.contains(body.lines().nth(1).unwrap_or(body)) {
                "KEY".to_owned()
            } else {
                secret.to_owned()
            };
            (
                f["commit"]["id"].as_str().unwrap_or_default().to_owned(),
                f["file"].as_str().unwrap_or_default().to_owned(),
                label,
            )
        })
        .collect();
    if got == builder.expected {
        return Ok(());
    }
    let missing: Vec<_> = builder.expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&builder.expected).collect();
    Err(format!("missing {missing:?}\nunexpected {extra:?}"))
}

/// The shortest recipe (by greedy removal of ops) that still fails.
fn shrink(mut ops: Vec<Op>, mut pushed: usize) -> (Vec<Op>, usize, String) {
    let mut error = run_recipe(&ops, pushed).err().unwrap_or_default();
    let mut i = 0;
    while i < ops.len() {
        let mut fewer = ops.clone();
        fewer.remove(i);
        let fewer_pushed = if i < pushed { pushed - 1 } else { pushed };
        match run_recipe(&fewer, fewer_pushed) {
            Err(e) => {
                ops = fewer;
                pushed = fewer_pushed;
                error = e;
            }
            Ok(()) => i += 1,
        }
    }
    (ops, pushed, error)
}

#[test]
fn pre_push_reports_exactly_the_new_secret_values_of_generated_histories() {
    let cases: u64 = std::env::var("LEAKGATE_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for case in 0..cases {
        let seed = 0x9E37_79B9_7F4A_7C15 ^ (case + 1);
        let mut rng = Rng(seed);
        let mut seeds = 1000 * case as usize;
        let n = 6 + rng.below(10);
        let ops: Vec<Op> = (0..n)
            .map(|_| random_op(&mut rng, &mut seeds, true))
            .collect();
        let pushed = rng.below(n / 2 + 1);
        if let Err(first) = run_recipe(&ops, pushed) {
            let (ops, pushed, error) = shrink(ops, pushed);
            let mut recipe = String::new();
            let _ = writeln!(recipe, "case {case} (seed {seed:#x}); first error: {first}");
            let _ = writeln!(
                recipe,
                "shrunk: pushed first {pushed} ops without the hook, then:"
            );
            for op in &ops {
                let _ = writeln!(recipe, "  {op:?}");
            }
            panic!("{recipe}\n{error}");
        }
    }
}
