//! `leakgate git` on real repositories built with the git binary.

use crate::support::{GitRepo, found, github_token, json};

fn scan(repo: &GitRepo, args: &[&str]) -> (i32, serde_json::Value) {
    let out = repo
        .leakgate()
        .args(["git", ".", "-f", "json"])
        .args(args)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(code != 2, "error: {}", String::from_utf8_lossy(&out.stderr));
    (code, json(&out.stdout))
}

#[test]
fn secret_only_in_history_is_found_with_its_commit_and_author() {
    let repo = GitRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    let token = github_token(100);
    let added = repo.commit(
        &[(
            "app/settings.py",
            &format!("DEBUG = False\nTOKEN = '{token}'\n"),
        )],
        "add settings",
    );
    repo.commit(
        &[(
            "app/settings.py",
            "DEBUG = False\nTOKEN = os.environ['TOKEN']\n",
        )],
        "use env",
    );
    let (code, report) = scan(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![(
            "app/settings.py".to_owned(),
            2,
            "github-pat-classic".to_owned()
        )]
    );
    let commit = &report["findings"][0]["commit"];
    assert_eq!(commit["id"], added.as_str());
    assert_eq!(commit["author"], "Test Author");
    assert_eq!(commit["email"], "author@example.test");
    assert_eq!(commit["message"], "add settings");
}

#[test]
fn all_refs_finds_a_secret_on_another_branch_only() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "init");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.commit(
        &[("b.env", &format!("T={}\n", github_token(101)))],
        "feature work",
    );
    repo.git(&["checkout", "-q", "main"]);
    let (code, _) = scan(&repo, &[]);
    assert_eq!(code, 0, "HEAD's history has no secret");
    let (code, report) = scan(&repo, &["--all"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("b.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
}

#[test]
fn a_rename_does_not_duplicate_the_finding() {
    let repo = GitRepo::new();
    let contents = format!("T={}\n", github_token(102));
    let first = repo.commit(&[("old.env", &contents)], "add");
    repo.git(&["mv", "old.env", "renamed.env"]);
    repo.commit(&[], "rename");
    let (_, report) = scan(&repo, &["--all"]);
    assert_eq!(
        found(&report),
        vec![("old.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(report["findings"][0]["commit"]["id"], first.as_str());
}

#[test]
fn range_scans_only_added_lines_with_new_file_line_numbers() {
    let repo = GitRepo::new();
    let old_secret = format!("OLD={}\n", github_token(103));
    repo.commit(&[("conf.env", &format!("a=1\n{old_secret}"))], "base");
    let base = repo.git(&["rev-parse", "HEAD"]);
    let new_secret = format!("NEW={}\n", github_token(104));
    repo.commit(
        &[(
            "conf.env",
            &format!("a=1\n{old_secret}b=2\nc=3\n{new_secret}"),
        )],
        "more",
    );
    let (code, report) = scan(&repo, &["--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("conf.env".to_owned(), 5, "github-pat-classic".to_owned())]
    );
}

#[test]
fn merge_commits_report_their_own_additions_once() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "one\n")], "init");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit(
        &[("side.env", &format!("S={}\n", github_token(105)))],
        "side secret",
    );
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("main.txt", "main\n")], "main work");
    repo.git(&["merge", "-q", "--no-ff", "--no-commit", "side"]);
    crate::support::write(
        &repo.path(),
        "merge.env",
        format!("M={}\n", github_token(106)),
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "merge side"]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let (_, report) = scan(&repo, &["--range", &format!("{base}..HEAD")]);
    let files: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["commit"]["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            ("merge.env".to_owned(), "merge side".to_owned()),
            ("side.env".to_owned(), "side secret".to_owned())
        ]
    );
    let (_, report) = scan(&repo, &["--range", &format!("{merge}^1..{merge}")]);
    assert_eq!(
        found(&report).len(),
        2,
        "a merge alone: its own addition plus the branch it brings"
    );
}

#[test]
fn staged_changes_are_scanned_before_the_first_commit() {
    let repo = GitRepo::new();
    crate::support::write(
        &repo.path(),
        "new.env",
        format!("x=1\nT={}\n", github_token(107)),
    );
    repo.git(&["add", "new.env"]);
    let (code, report) = scan(&repo, &["--staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("new.env".to_owned(), 2, "github-pat-classic".to_owned())]
    );
}

/// A merge in conflict leaves an index that is no single tree (three stages of one path): the
/// staged scan compares it by libgit2's index diff instead, and still finds what is staged.
#[test]
fn staged_changes_are_scanned_during_a_merge_conflict() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "base\n")], "base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.commit(&[("a.txt", "side\n")], "side");
    repo.git(&["checkout", "-q", "-"]);
    repo.commit(&[("a.txt", "main\n")], "main");
    let merge = repo.git_output(&["merge", "-q", "side"]);
    assert!(!merge.status.success(), "the merge must conflict");
    crate::support::write(
        &repo.path(),
        "new.env",
        format!("T={}\n", github_token(108)),
    );
    repo.git(&["add", "new.env"]);
    let (code, report) = scan(&repo, &["--staged"]);
    assert_eq!(code, 1, "{report}");
    assert_eq!(
        found(&report),
        vec![("new.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
}

#[test]
fn repository_errors_are_one_line_and_exit_two() {
    let repo = GitRepo::new();
    let out = repo.leakgate().args(["git", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no commits yet"));
    repo.commit(&[("a", "a\n")], "init");
    let out = repo
        .leakgate()
        .args(["git", ".", "--range", "nope..HEAD"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown revision 'nope'"));
    let plain = tempfile::TempDir::new().unwrap();
    let out = repo
        .leakgate()
        .args(["git"])
        .arg(plain.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a git repository"));
}

#[test]
fn a_scan_never_modifies_the_repository() {
    let repo = GitRepo::new();
    repo.commit(&[("a.env", &format!("T={}\n", github_token(108)))], "init");
    let snapshot = |repo: &GitRepo| {
        let mut entries: Vec<String> = walk(&repo.path().join(".git"));
        entries.sort();
        entries
    };
    let before = snapshot(&repo);
    let _ = scan(&repo, &["--all"]);
    let _ = scan(&repo, &["--staged"]);
    assert_eq!(before, snapshot(&repo));
}

/// Every file under `dir` with its size and modification time.
fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        if meta.is_dir() {
            // The history cache is leakgate's own state, documented in README.
            if entry.file_name() != "leakgate" {
                out.extend(walk(&entry.path()));
            }
        } else {
            out.push(format!(
                "{} {} {:?}",
                entry.path().display(),
                meta.len(),
                meta.modified().unwrap()
            ));
        }
    }
    out
}

#[test]
fn config_from_base_ignores_a_work_tree_config_that_allows_everything() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "init");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.commit(
        &[
            (".leakgate.toml", "[allow]\npaths = ['''.*''']\n"),
            ("b.env", &format!("T={}\n", github_token(109))),
        ],
        "sneaky",
    );
    let range = format!("{base}..HEAD");
    let (code, _) = scan(&repo, &["--range", &range]);
    assert_eq!(code, 0, "the work-tree config allowlists everything");
    let out = repo
        .leakgate()
        .args(["git", ".", "--range", &range, "--config-from", &base])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("change leakgate's own settings: .leakgate.toml"),
        "{text}"
    );
}

#[test]
fn the_history_cache_keeps_reports_identical_and_resets_when_rules_change() {
    let repo = GitRepo::new();
    let custom = crate::support::fake("acme_{{hex:32}}", 1);
    repo.commit(
        &[("a.txt", "plain\n"), ("notes.md", &format!("{custom}\n"))],
        "init",
    );
    repo.commit(
        &[("b.env", &format!("T={}\n", github_token(110)))],
        "secret",
    );
    repo.commit(&[("c.txt", "more\n")], "more");
    let strip = |mut r: serde_json::Value| r["findings"].take();
    let before = snapshot(&repo.path());
    let (_, first) = scan(&repo, &[]);
    let cache_dir = repo.home().join(".cache/leakgate");
    let caches: Vec<_> = std::fs::read_dir(&cache_dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("blobs-v2"))
        .collect();
    assert!(caches.len() == 1 && caches[0].exists(), "{caches:?}");
    assert_eq!(
        snapshot(&repo.path()),
        before,
        "the scan must not write into the repository"
    );
    let (_, second) = scan(&repo, &[]);
    let notes = second["summary"]["notes"].to_string();
    assert!(notes.contains("3 blobs unchanged"), "{notes}");
    let (_, uncached) = scan(&repo, &["--no-cache"]);
    assert_eq!(strip(first.clone()), strip(second));
    assert_eq!(strip(first), strip(uncached));
    let rule = r#"
[[rules]]
id = "acme-token"
description = "Acme token."
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-f0-9]{32})\b'''
examples = ["acme_{{hex:32}}"]
"#;
    crate::support::write(&repo.path(), ".leakgate.toml", rule);
    let (_, changed) = scan(&repo, &[]);
    let mut rules: Vec<&str> = changed["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    rules.sort_unstable();
    assert_eq!(
        rules,
        vec!["acme-token", "github-pat-classic"],
        "a new rule must see blobs the old cache called clean"
    );
}

/// Every file under `dir` (work tree and `.git`) with its bytes.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                files.insert(path, bytes);
            }
        }
    }
    files
}

#[test]
fn a_symlink_target_is_scanned_and_the_same_blob_as_a_file_is_the_same_secret() {
    // A symlink's blob is its target path, text every clone holds: it is scanned. The same blob
    // as a regular file at the same name in the next commit is the same secret at the same path,
    // reported once, at the commit that brought it first.
    let repo = GitRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    let text = format!("TOKEN={}", github_token(102));
    std::os::unix::fs::symlink(&text, repo.path().join("app.env")).unwrap();
    let linked = repo.commit(&[], "add a link");
    std::fs::remove_file(repo.path().join("app.env")).unwrap();
    repo.commit(&[("app.env", &text)], "the link becomes a file");
    assert_eq!(
        repo.git(&["rev-parse", "HEAD~1:app.env"]),
        repo.git(&["rev-parse", "HEAD:app.env"]),
        "the same blob in both commits"
    );
    let (code, report) = scan(&repo, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("app.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(report["findings"][0]["commit"]["id"], linked.as_str());
}

#[test]
fn entries_that_shift_in_a_tree_are_still_walked_and_reported_once() {
    let repo = GitRepo::new();
    repo.commit(
        &[("b.txt", "b\n"), ("c.txt", "c\n"), ("d.txt", "d\n")],
        "init",
    );
    // a.txt moves every other entry one place down while c.txt takes a secret.
    let token = github_token(103);
    let added = repo.commit(
        &[("a.txt", "a\n"), ("c.txt", &format!("TOKEN={token}\n"))],
        "shift and leak",
    );
    // Later versions of the tree keep c.txt as it is: it is not reported again.
    repo.commit(&[("b.txt", "b2\n")], "touch b");
    repo.commit(&[("d.txt", "d2\n"), ("e.txt", "e\n")], "touch d, add e");
    let (code, report) = scan(&repo, &["--all"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("c.txt".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(report["findings"][0]["commit"]["id"], added.as_str());
}

/// An audit reads LFS-tracked files from the local LFS store. One not fetched is counted as
/// unreadable, and the history cache does not remember it as clean: once fetched, the next run
/// reads it.
#[test]
fn lfs_content_is_audited_from_the_local_store_and_not_cached_unread() {
    let repo = GitRepo::new();
    let pointer = crate::support::lfs_store(&repo, &format!("T={}\n", github_token(112)));
    repo.commit(&[("deploy/secrets.env", &pointer)], "lfs");
    let store = repo.path().join(".git/lfs");
    let away = repo.tmp.path().join("lfs-away");
    std::fs::rename(&store, &away).unwrap();
    let (_, first) = scan(&repo, &[]);
    assert!(found(&first).is_empty(), "{first}");
    assert_eq!(first["summary"]["skipped"]["unreadable"], 1, "{first}");
    std::fs::rename(&away, &store).unwrap();
    let (_, second) = scan(&repo, &[]);
    assert_eq!(
        found(&second),
        vec![(
            "deploy/secrets.env".to_owned(),
            1,
            "github-pat-classic".to_owned()
        )]
    );
}

/// An audit of every ref reads what no commit walk reaches: an annotated tag's message and
/// header, and a blob or tree a ref points at directly (`git tag NAME <blob>`), which the
/// remote holds as surely as any commit.
#[test]
fn all_refs_reads_tag_messages_and_content_that_refs_point_at_directly() {
    let repo = GitRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    repo.git(&[
        "tag",
        "-a",
        "v1",
        "-m",
        &format!("release\ndeploy token {}\n", github_token(113)),
    ]);
    let blob = {
        let file = repo.tmp.path().join("loose.env");
        std::fs::write(&file, format!("A=1\nT={}\n", github_token(114))).unwrap();
        repo.git(&["hash-object", "-w", file.to_str().unwrap()])
    };
    repo.git(&["tag", "loose", &blob]);
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    repo.git(&["tag", "snapshot", &tree]);

    let (_, head_only) = scan(&repo, &["--no-cache"]);
    assert!(found(&head_only).is_empty(), "{head_only}");
    let (code, all) = scan(&repo, &["--all", "--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&all),
        vec![
            (
                "refs/tags/loose".to_owned(),
                2,
                "github-pat-classic".to_owned()
            ),
            (
                "tag message of v1".to_owned(),
                2,
                "github-pat-classic".to_owned()
            ),
        ]
    );
}

/// A blobless partial clone of `repo` (`git clone --filter=blob:none` over `file://`), beside it.
fn blobless_clone(repo: &GitRepo) -> std::path::PathBuf {
    repo.git(&["config", "uploadpack.allowFilter", "true"]);
    let clone = repo.tmp.path().join("partial");
    let url = format!("file://{}", repo.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--filter=blob:none", &url])
        .arg(&clone)
        .status()
        .unwrap();
    assert!(status.success());
    clone
}

/// A blobless partial clone (`git clone --filter=blob:none`) holds only the blobs of what it
/// checked out: the audit scans those, counts the rest as unreadable and says why in a note,
/// rather than failing on the first missing blob or passing over them in silence.
#[test]
fn a_partial_clone_scans_what_it_holds_and_names_what_it_has_not_fetched() {
    let repo = GitRepo::new();
    repo.commit(&[("old.env", &format!("T={}\n", github_token(431)))], "old");
    repo.commit(&[("old.env", "T=rotated\n")], "rotate");
    repo.commit(&[("new.env", &format!("T={}\n", github_token(432)))], "new");
    let clone = blobless_clone(&repo);
    let out = crate::support::leakgate(&repo.home())
        .args(["git", "--no-cache", "-f", "json"])
        .arg(&clone)
        .output()
        .unwrap();
    let report = json(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    // The checked-out token is found; the rotated-away one was never fetched.
    assert_eq!(
        found(&report),
        vec![("new.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(report["summary"]["skipped"]["unreadable"], 1, "{report}");
    let notes = report["summary"]["notes"].to_string();
    assert!(
        notes.contains("1 blobs were not scanned") && notes.contains("partial clone"),
        "{notes}"
    );
}

/// A gate in a partial clone whose parent blob was never fetched judges the new blob as if the
/// parent held no secret: the finding is reported, not lost to an error about corruption.
#[test]
fn a_range_in_a_partial_clone_judges_a_parent_it_has_not_fetched_as_holding_nothing() {
    let repo = GitRepo::new();
    repo.commit(&[("app.env", "T=placeholder\n")], "one");
    repo.commit(&[("app.env", &format!("T={}\n", github_token(433)))], "two");
    let clone = blobless_clone(&repo);
    let out = crate::support::leakgate(&repo.home())
        .current_dir(&clone)
        .args(["git", ".", "--range", "HEAD~1..HEAD", "-f", "json"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        found(&json(&out.stdout)),
        vec![("app.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
}
