//! Issue 17: `--shard I/N`, `leakgate merge` and fleet scans. The property: for every N in
//! 1..=8, the merged reports of N shards hold exactly the findings of one run (by fingerprint,
//! commit and path), on generated repositories and on a generated tree.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::support::{GitRepo, aws_key_id, fake, github_token, json, leakgate, write};

/// `(fingerprint, commit id, path)` of every finding of a JSON report.
type Key = (String, String, String);

fn keys(report: &serde_json::Value) -> BTreeSet<Key> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["fingerprint"].as_str().unwrap().to_owned(),
                f["commit"]["id"].as_str().unwrap_or("").to_owned(),
                f["file"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// A small deterministic generator (xorshift), so a failing layout reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One file's contents: a secret (of one of three kinds) or none, with filler lines.
fn contents(rng: &mut Rng, seed: usize) -> String {
    let filler = fake("note {{alnumlower:12}}\n", seed);
    match rng.below(4) {
        0 => format!("{filler}TOKEN={}\n", github_token(seed)),
        1 => format!("aws_access_key_id = {}\n{filler}", aws_key_id(seed)),
        2 => format!(
            "{filler}db = postgres://app:{}@db.internal/app\n",
            fake("{{alnum:20}}", seed)
        ),
        _ => filler,
    }
}

/// A repository of `commits` commits over a handful of paths (adds, edits, renames, deletes,
/// a side branch), with secrets in some versions.
fn generated_repo(seed: u64, commits: usize) -> GitRepo {
    let repo = GitRepo::new();
    let mut rng = Rng(seed);
    let names = [
        "a.env",
        "src/app.py",
        "config/prod.yaml",
        "docs/x.md",
        "deep/er/k.txt",
    ];
    for c in 0..commits {
        let name = names[rng.below(names.len())];
        let file_seed = seed as usize * 1000 + c;
        match rng.below(6) {
            0 if repo.path().join(name).exists() => {
                repo.git(&["rm", "-q", name]);
                repo.commit(&[], &format!("remove {name}"));
            }
            1 if repo.path().join(name).exists() => {
                let to = format!("moved/{c}-{}", name.replace('/', "-"));
                std::fs::create_dir_all(repo.path().join("moved")).unwrap();
                repo.git(&["mv", name, &to]);
                repo.commit(&[], &format!("move {name}"));
            }
            _ => {
                let text = contents(&mut rng, file_seed);
                repo.commit(&[(name, &text)], &format!("commit {c}"));
            }
        }
        if c == commits / 2 {
            repo.git(&["checkout", "-q", "-b", "side"]);
        }
    }
    repo.git(&["checkout", "-q", "main"]);
    repo
}

/// Runs leakgate in `dir` with `args`; returns the exit code and stderr.
fn run(home: &Path, dir: &Path, args: &[&str]) -> (i32, String) {
    let out = leakgate(home).current_dir(dir).args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap(), stderr)
}

/// Scans `target` (git history or a tree) whole, then in N shards merged, for N in 1..=8, and
/// asserts the findings are the same.
fn assert_shards_equal_one_run(home: &Path, dir: &Path, command: &[&str], out: &Path) {
    let whole = out.join("whole.json");
    let mut args = command.to_vec();
    args.extend(["-f", "json", "-o", whole.to_str().unwrap()]);
    let (code, stderr) = run(home, dir, &args);
    assert!(code < 2, "{stderr}");
    let whole = json(&std::fs::read(&whole).unwrap());
    let expected = keys(&whole);
    assert!(!expected.is_empty(), "the generated input holds secrets");
    for total in 1..=8 {
        let mut reports: Vec<PathBuf> = Vec::new();
        for index in 1..=total {
            let report = out.join(format!("{index}-of-{total}.jsonl"));
            let shard = format!("{index}/{total}");
            let mut args = command.to_vec();
            args.extend([
                "--shard",
                &shard,
                "-f",
                "jsonl",
                "-o",
                report.to_str().unwrap(),
            ]);
            let (code, stderr) = run(home, dir, &args);
            assert!(code < 2, "shard {shard}: {stderr}");
            reports.push(report);
        }
        let merged = out.join(format!("merged-{total}.json"));
        let mut args = vec!["merge", "-f", "json", "-o", merged.to_str().unwrap()];
        args.extend(reports.iter().map(|p| p.to_str().unwrap()));
        let (code, stderr) = run(home, dir, &args);
        assert_eq!(code, 1, "merge of {total}: {stderr}");
        let merged = json(&std::fs::read(&merged).unwrap());
        assert_eq!(
            keys(&merged),
            expected,
            "{total} shards merged differ from one run"
        );
        // Each unit scanned exactly once: the shards' counts add up to the whole run's.
        assert_eq!(
            merged["summary"]["files"], whole["summary"]["files"],
            "{total} shards"
        );
    }
}

#[test]
fn merged_history_shards_equal_one_run_for_1_to_8_shards() {
    for seed in [7, 11] {
        let repo = generated_repo(seed, 24);
        let out = TempDir::new().unwrap();
        let command = ["git", ".", "--all", "--no-cache"];
        assert_shards_equal_one_run(&repo.home(), &repo.path(), &command, out.path());
    }
}

#[test]
fn merged_tree_shards_equal_one_run_for_1_to_8_shards() {
    let dir = TempDir::new().unwrap();
    let mut rng = Rng(5);
    for i in 0..40 {
        let name = format!("d{}/sub{}/f{i}.env", i % 3, i % 5);
        write(dir.path(), &name, contents(&mut rng, 500 + i));
    }
    let out = TempDir::new().unwrap();
    assert_shards_equal_one_run(dir.path(), dir.path(), &["dir", "."], out.path());
}

#[test]
fn the_history_cache_stays_complete_with_shards() {
    let repo = generated_repo(13, 16);
    let scan = |extra: &[&str]| {
        let out = repo
            .leakgate()
            .args(["git", ".", "--all", "-f", "json"])
            .args(extra)
            .output()
            .unwrap();
        keys(&json(&out.stdout))
    };
    let expected = scan(&["--no-cache"]);
    let first = scan(&["--shard", "1/2"]);
    assert!(first.is_subset(&expected));
    assert_eq!(
        scan(&[]),
        expected,
        "a cache written by one shard hid another's findings"
    );
    assert_eq!(scan(&["--shard", "2/2"]), &expected - &first);
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    for bad in ["0/4", "5/4", "two"] {
        let (code, stderr) = run(dir.path(), dir.path(), &["dir", ".", "--shard", bad]);
        assert_eq!(code, 2);
        assert!(stderr.contains("is not a shard: use I/N"), "{stderr}");
    }
}

/// Writes the reports of a tree scanned in `total` shards; returns their paths.
fn shard_reports(dir: &Path, total: u32, format: &str) -> Vec<PathBuf> {
    (1..=total)
        .map(|i| {
            let report = dir.join(format!("shard-{i}.{format}"));
            let shard = format!("{i}/{total}");
            let args = ["dir", "tree", "--shard", &shard, "-f", format, "-o"];
            run(dir, dir, &[&args[..], &[report.to_str().unwrap()]].concat());
            report
        })
        .collect()
}

fn tree_with_secrets() -> TempDir {
    let dir = TempDir::new().unwrap();
    for i in 0..12 {
        write(
            dir.path(),
            &format!("tree/f{i}.env"),
            format!("T={}\n", github_token(600 + i)),
        );
    }
    dir
}

fn merge(dir: &Path, reports: &[PathBuf], extra: &[&str]) -> (i32, String) {
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(|p| p.to_str().unwrap()));
    args.extend(extra);
    run(dir, dir, &args)
}

#[test]
fn merge_names_a_missing_shard_and_allow_partial_merges_anyway() {
    let dir = tree_with_secrets();
    let reports = shard_reports(dir.path(), 4, "json");
    let partial = [reports[0].clone(), reports[1].clone(), reports[3].clone()];
    let (code, stderr) = merge(dir.path(), &partial, &["-f", "json"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("missing shard 3/4"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (code, stderr) = merge(dir.path(), &partial, &["--allow-partial", "-q"]);
    assert_eq!(code, 1, "{stderr}");
}

#[test]
fn merge_rejects_a_truncated_report_naming_it() {
    let dir = tree_with_secrets();
    for format in ["json", "jsonl"] {
        let reports = shard_reports(dir.path(), 2, format);
        let text = std::fs::read_to_string(&reports[1]).unwrap();
        // Cut mid-document, and (for JSONL) cleanly at a line end before the summary line.
        let cut = match format {
            "json" => text[..text.len() / 2].to_owned(),
            _ => text.lines().next().unwrap().to_owned() + "\n",
        };
        std::fs::write(&reports[1], cut).unwrap();
        let (code, stderr) = merge(dir.path(), &reports, &[]);
        assert_eq!(code, 2, "{format}");
        assert!(
            stderr.contains(&format!("shard-2.{format}")) && stderr.contains("truncated"),
            "{stderr}"
        );
        std::fs::write(&reports[1], "").unwrap();
        let (code, stderr) = merge(dir.path(), &reports, &[]);
        assert_eq!(code, 2);
        assert!(
            stderr.contains(&format!("shard-2.{format}: empty report")),
            "{stderr}"
        );
    }
    let (code, stderr) = merge(dir.path(), &[dir.path().join("absent.json")], &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("absent.json: cannot read the report"),
        "{stderr}"
    );
}

#[test]
fn merge_rejects_shards_of_different_splits() {
    let dir = tree_with_secrets();
    let two = shard_reports(dir.path(), 2, "json");
    let first_of_two = dir.path().join("first-of-two.json");
    std::fs::rename(&two[0], &first_of_two).unwrap();
    let three = shard_reports(dir.path(), 3, "json");
    let (code, stderr) = merge(dir.path(), &[first_of_two, three[1].clone()], &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("merge reports of one split"), "{stderr}");
}

#[test]
fn merge_ignores_fields_it_does_not_know() {
    let dir = tree_with_secrets();
    let reports = shard_reports(dir.path(), 1, "json");
    let mut doc = json(&std::fs::read(&reports[0]).unwrap());
    for f in doc["findings"].as_array_mut().unwrap() {
        f["provenance"] = serde_json::json!({"path_class": "env", "future": [1, 2]});
    }
    doc["summary"]["new_counter"] = serde_json::json!(3);
    std::fs::write(&reports[0], doc.to_string()).unwrap();
    let merged = dir.path().join("merged.json");
    let (code, stderr) = merge(
        dir.path(),
        &reports,
        &["-f", "json", "-o", merged.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{stderr}");
    let merged = json(&std::fs::read(&merged).unwrap());
    assert_eq!(merged["findings"].as_array().unwrap().len(), 12);
    assert_eq!(
        merged["findings"][0]["secret"], "ghp_****",
        "masked once, not twice"
    );
}

/// Two bare repositories (one secret each) and a work tree (one secret): "URLs" and a path.
fn fleet() -> (GitRepo, Vec<String>) {
    let base = GitRepo::new();
    base.commit(
        &[("local.env", &format!("T={}\n", github_token(700)))],
        "local",
    );
    let mut urls = Vec::new();
    for (i, name) in ["alpha", "beta"].into_iter().enumerate() {
        let repo = GitRepo::new();
        repo.commit(
            &[("k.env", &format!("T={}\n", github_token(701 + i)))],
            name,
        );
        let bare_repo = base.tmp.path().join(format!("{name}.git"));
        let out = std::process::Command::new("git")
            .args(["clone", "-q", "--bare"])
            .arg(repo.path())
            .arg(&bare_repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap();
        assert!(out.status.success());
        urls.push(format!("file://{}", bare_repo.display()));
    }
    (base, urls)
}

#[test]
fn a_fleet_scan_reports_each_finding_with_its_repository() {
    let (base, urls) = fleet();
    let list = base.tmp.path().join("repos.txt");
    let local = base.path().canonicalize().unwrap();
    let text = format!(
        "# the fleet\n{}\n\n{}\n{}\n",
        urls[0],
        urls[1],
        local.display()
    );
    std::fs::write(&list, text).unwrap();
    let out = base
        .leakgate()
        .args(["git", "--repos-from", list.to_str().unwrap(), "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json(&out.stdout);
    let mut repos: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["repository"].as_str().unwrap().to_owned())
        .collect();
    repos.sort();
    let mut expected = vec![
        urls[0].clone(),
        urls[1].clone(),
        local.display().to_string(),
    ];
    expected.sort();
    assert_eq!(repos, expected);
    let sarif = base
        .leakgate()
        .args(["git", &urls[0], &urls[1], "-f", "sarif"])
        .output()
        .unwrap();
    let sarif = json(&sarif.stdout);
    let runs = sarif["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "one SARIF run per repository");
    for run in runs {
        assert_eq!(run["results"].as_array().unwrap().len(), 1);
        assert!(
            run["properties"]["repository"]
                .as_str()
                .unwrap()
                .starts_with("file://")
        );
    }
}

#[test]
fn fleet_shards_split_the_list_and_merge_to_the_whole() {
    let (base, urls) = fleet();
    let dir = base.tmp.path();
    let reports: Vec<PathBuf> = (1..=3)
        .map(|i| {
            let report = dir.join(format!("fleet-{i}.jsonl"));
            let shard = format!("{i}/3");
            let out = base
                .leakgate()
                .args([
                    "git", &urls[0], &urls[1], "--shard", &shard, "-f", "jsonl", "-o",
                ])
                .arg(&report)
                .output()
                .unwrap();
            assert!(out.status.code().unwrap() < 2);
            report
        })
        .collect();
    let out = base
        .leakgate()
        .arg("merge")
        .args(&reports)
        .args(["-f", "csv"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.lines().next().unwrap().ends_with(",repository"));
    assert_eq!(csv.lines().count(), 3, "{csv}");
    assert!(urls.iter().all(|u| csv.contains(u.as_str())), "{csv}");
}

#[test]
fn an_unclonable_repository_fails_the_fleet_scan_naming_it() {
    let (base, urls) = fleet();
    let gone = format!("file://{}/nowhere.git", base.tmp.path().display());
    let out = base
        .leakgate()
        .args(["git", &urls[0], &gone, "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nowhere.git") && stderr.contains("could not be scanned"),
        "{stderr}"
    );
    let report = json(&out.stdout);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        "the others are still reported"
    );
}

#[test]
fn docs_scale_holds_each_recipe_verbatim() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/scale.md")).unwrap();
    for name in [
        "leakgate-shards.yml",
        "leakgate-shards-gitlab.yml",
        "leakgate-shards-k8s.yaml",
    ] {
        let path = format!("docs/examples/{name}");
        let recipe = std::fs::read_to_string(root.join(&path)).unwrap();
        let block = format!("<!-- file: {path} -->\n```yaml\n{recipe}```\n");
        assert!(
            doc.contains(&block),
            "docs/scale.md does not show {path} verbatim"
        );
        assert!(
            recipe.contains("--shard") && recipe.contains("leakgate merge"),
            "{path}"
        );
    }
}
