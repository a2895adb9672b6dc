//! The gates judge content, not diffs: one end-to-end test per class of push that a diff-based
//! gate let through, each through `hook install` and a real `git push` to a real bare remote.
//! Each asserts the push is refused, the remote is unchanged, and the message names the file
//! (or message) and the commit.

use std::path::Path;

use crate::support::{GitRepo, github_token, write};

fn installed() -> GitRepo {
    GitRepo::installed(&[])
}

/// Pushes `args` and asserts it was refused with the remote's `main` unchanged; returns stderr.
fn refused(repo: &GitRepo, args: &[&str], remote_ref: &str) -> String {
    let before = repo.remote_ref(remote_ref);
    let out = repo.git_output(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "push went through:\n{err}");
    assert_eq!(repo.remote_ref(remote_ref), before, "the remote changed");
    err
}

/// Pushes `args` and asserts it went through.
fn accepted(repo: &GitRepo, args: &[&str]) {
    let out = repo.git_output(args);
    assert!(
        out.status.success(),
        "push refused:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn token_line(seed: usize) -> String {
    format!("GITHUB_TOKEN={}\n", github_token(seed))
}

#[test]
fn a_file_marked_binary_in_gitattributes_is_still_scanned() {
    let repo = installed();
    let commit = repo.commit(
        &[
            (".gitattributes", "*.env binary\n"),
            ("deploy/prod.env", &token_line(300)),
        ],
        "mark env files binary",
    );
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(
        err.contains("deploy/prod.env:1  github-pat-classic"),
        "{err}"
    );
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn a_local_attributes_file_with_minus_diff_does_not_hide_a_file() {
    let repo = installed();
    write(&repo.path(), ".git/info/attributes", "*.cfg -diff\n");
    let commit = repo.commit(&[("app.cfg", &token_line(301))], "config");
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("app.cfg:1  github-pat-classic"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    bytes
}

#[test]
fn a_utf16_text_file_is_decoded_and_scanned() {
    let repo = installed();
    write(
        &repo.path(),
        "settings.ps1",
        utf16le(&format!(
            "# setup\r\n$token = \"{}\"\r\n",
            github_token(302)
        )),
    );
    let commit = repo.commit(&[], "powershell settings");
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("settings.ps1:2  github-pat-classic"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn a_file_that_was_binary_and_is_text_now_is_scanned() {
    let repo = installed();
    write(
        &repo.path(),
        "data.bin",
        b"\x00\x01\x02binary\x00".as_slice(),
    );
    repo.commit(&[], "binary blob");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let commit = repo.commit(&[("data.bin", &token_line(303))], "now text");
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("data.bin:1  github-pat-classic"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn a_merge_whose_other_parent_has_a_binary_copy_is_judged_against_both() {
    let repo = installed();
    repo.commit(&[("conf.txt", "plain = 1\n")], "text conf");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "side"]);
    write(&repo.path(), "conf.txt", b"\x00binary now\x00".as_slice());
    repo.commit(&[], "binary conf");
    repo.git(&["push", "-q", "--no-verify", "origin", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.git(&["merge", "-q", "-s", "ours", "--no-commit", "side"]);
    write(
        &repo.path(),
        "conf.txt",
        format!("plain = 1\n{}", token_line(304)),
    );
    repo.git(&["add", "conf.txt"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "merge side"]);
    let merge = repo.git(&["rev-parse", "HEAD"]);
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("conf.txt:2  github-pat-classic"), "{err}");
    assert!(err.contains(&merge[..10]), "{err}");
}

/// A real private key made by openssl at test time (never committed).
fn openssl_key(dir: &Path) -> String {
    let out = std::process::Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
        ])
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_key_body_pasted_between_armor_lines_pushed_earlier_is_found() {
    let repo = installed();
    let key = openssl_key(repo.tmp.path());
    let lines: Vec<&str> = key.lines().collect();
    let (begin, end) = (lines[0], lines[lines.len() - 1]);
    repo.commit(
        &[("deploy/key.pem", &format!("{begin}\n{end}\n"))],
        "key placeholder",
    );
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let commit = repo.commit(&[("deploy/key.pem", &key)], "fill in the key");
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("deploy/key.pem:"), "{err}");
    assert!(err.contains("private-key"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn a_secret_in_a_commit_message_blocks_and_is_masked_everywhere() {
    let repo = installed();
    let token = github_token(305);
    write(&repo.path(), "notes.txt", "clean\n");
    repo.git(&["add", "-A"]);
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("use {token} for deploys"),
    ]);
    let commit = repo.git(&["rev-parse", "HEAD"]);
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(
        err.contains(&format!("commit message of {}", &commit[..10])),
        "{err}"
    );
    assert!(!err.contains(&token), "the token must be masked:\n{err}");
    for format in ["text", "json", "sarif", "csv", "junit", "jsonl", "markdown"] {
        let out = repo
            .leakgate()
            .args(["git", "--range", "HEAD~1..HEAD", "-f", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains(&token), "{format} shows the token:\n{text}");
        assert!(text.contains("commit message of"), "{format}:\n{text}");
    }
}

#[test]
fn a_secret_in_an_annotated_tag_message_blocks_the_tag_push() {
    let repo = installed();
    let token = github_token(306);
    repo.git(&[
        "tag",
        "-a",
        "v1.0",
        "-m",
        &format!("release, deploy token {token}"),
    ]);
    let out = repo.git_output(&["push", "origin", "v1.0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_eq!(repo.remote_ref("refs/tags/v1.0"), None);
    assert!(err.contains("tag message of v1.0"), "{err}");
    assert!(!err.contains(&token), "{err}");
}

/// A tag's header is sent with it: a secret in the tagger's name blocks the tag push.
#[test]
fn a_secret_in_an_annotated_tag_header_blocks_the_tag_push() {
    let repo = installed();
    let token = github_token(310);
    let out = repo.git_output_with(
        &[("GIT_COMMITTER_NAME", &format!("release bot {token}"))],
        &["tag", "-a", "v2.0", "-m", "plain release"],
    );
    assert!(out.status.success());
    let out = repo.git_output(&["push", "origin", "v2.0"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_eq!(repo.remote_ref("refs/tags/v2.0"), None);
    assert!(err.contains("tag header of v2.0"), "{err}");
    assert!(!err.contains(&token), "{err}");
}

#[test]
fn a_text_file_over_the_size_limit_fails_closed_and_says_how_to_raise_it() {
    let repo = installed();
    let filler = "x = 1\n".repeat(2000);
    repo.commit(
        &[("big/dump.sql", &format!("{filler}{}", token_line(307)))],
        "dump",
    );
    let before = repo.remote_ref("refs/heads/main");
    let out = repo.git_output_with(
        &[("LEAKGATE_MAX_FILE_SIZE", "4K")],
        &["push", "origin", "main"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert_eq!(repo.remote_ref("refs/heads/main"), before);
    assert!(err.contains("big/dump.sql"), "{err}");
    assert!(err.contains("over the size limit"), "{err}");
    assert!(err.contains("LEAKGATE_MAX_FILE_SIZE="), "{err}");
}

#[test]
fn every_ref_of_a_multi_ref_push_is_checked_and_named() {
    let repo = installed();
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let commit = repo.commit(&[("topic.env", &token_line(308))], "topic secret");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit(&[("clean.txt", "clean\n")], "clean main");
    let err = refused(
        &repo,
        &["push", "origin", "main", "topic"],
        "refs/heads/topic",
    );
    assert!(err.contains("topic.env:1"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
    assert!(err.contains("on refs/heads/topic"), "{err}");
    assert!(err.contains("refs/heads/topic: git rebase -i"), "{err}");
}

#[test]
fn a_push_to_a_url_does_not_trust_another_remotes_tracking_refs() {
    let repo = installed();
    let commit = repo.commit(&[("prod.env", &token_line(309))], "secret");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let other = repo.tmp.path().join("other.git");
    repo.git(&["init", "-q", "--bare", other.to_str().unwrap()]);
    let out = repo.git_output(&["push", other.to_str().unwrap(), "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("prod.env:1"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn a_push_to_a_url_of_a_configured_remote_uses_its_tracking_refs() {
    let repo = installed();
    repo.commit(&[("prod.env", &token_line(310))], "secret");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.commit(&[("clean.txt", "clean\n")], "clean");
    let url = repo.tmp.path().join("remote.git");
    accepted(&repo, &["push", url.to_str().unwrap(), "main"]);
}

#[test]
fn asking_the_remote_catches_what_stale_tracking_refs_hide() {
    let repo = installed();
    repo.commit(&[("prod.env", &token_line(311))], "secret");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    // origin now points at a new, empty repository; refs/remotes/origin/main is stale.
    let fresh = repo.tmp.path().join("fresh.git");
    repo.git(&["init", "-q", "--bare", fresh.to_str().unwrap()]);
    repo.git(&["remote", "set-url", "origin", fresh.to_str().unwrap()]);
    let offline = repo.git_output(&["push", "origin", "main"]);
    assert!(
        offline.status.success(),
        "offline, stale tracking refs are trusted (documented): {}",
        String::from_utf8_lossy(&offline.stderr)
    );
    let other = repo.tmp.path().join("fresh2.git");
    repo.git(&["init", "-q", "--bare", other.to_str().unwrap()]);
    repo.git(&["remote", "set-url", "origin", other.to_str().unwrap()]);
    let out = repo.git_output_with(&[("LEAKGATE_ASK_REMOTE", "1")], &["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("prod.env:1"), "{err}");
}

#[test]
fn the_pre_commit_framework_first_push_without_from_ref_is_scanned() {
    let repo = GitRepo::new();
    repo.add_remote();
    let commit = repo.commit(&[("first.env", &token_line(312))], "first");
    let out = repo
        .leakgate()
        .args(["pre-push"])
        .env("PRE_COMMIT_TO_REF", "HEAD")
        .env("PRE_COMMIT_REMOTE_NAME", "origin")
        .env("PRE_COMMIT_REMOTE_BRANCH", "refs/heads/main")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("first.env:1"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn an_old_secret_in_an_edited_file_does_not_block_but_a_new_one_does() {
    let repo = installed();
    repo.commit(
        &[("app.env", &format!("A=1\n{}", token_line(313)))],
        "old secret",
    );
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.commit(
        &[("app.env", &format!("A=2\nB=3\n{}", token_line(313)))],
        "edit around it",
    );
    accepted(&repo, &["push", "origin", "main"]);
    let commit = repo.commit(
        &[(
            "app.env",
            &format!("A=2\nB=3\n{}{}", token_line(313), token_line(314)),
        )],
        "new secret",
    );
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("app.env:4"), "{err}");
    assert!(!err.contains("app.env:3"), "{err}");
    assert!(err.contains(&commit[..10]), "{err}");
}

#[test]
fn control_characters_in_paths_and_authors_are_escaped() {
    let repo = installed();
    let name = "evil\u{1b}[2Jname.env";
    write(&repo.path(), name, token_line(315));
    repo.git(&["add", "-A"]);
    repo.git(&[
        "-c",
        "user.name=Mal\u{1b}]0;pwned\u{7}lory",
        "commit",
        "-q",
        "--no-verify",
        "-m",
        "escape \u{1b}[31mred",
    ]);
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(!err.contains('\u{1b}'), "raw escape printed:\n{err:?}");
    assert!(err.contains("evil\\u{1b}[2Jname.env"), "{err}");
    let out = repo.leakgate().args(["git", "."]).output().unwrap();
    assert!(
        !out.stdout.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn history_judges_a_blob_under_each_path_class_it_appears_under() {
    let repo = GitRepo::new();
    let line = format!(
        "password = \"{}\"\n",
        crate::support::fake("{{password:16}}", 7)
    );
    repo.commit(&[("package-lock.json", &line)], "lock file");
    repo.git(&["mv", "package-lock.json", ".env"]);
    let commit = repo.commit(&[], "rename to .env");
    let out = repo
        .leakgate()
        .args(["git", ".", "-f", "json", "--no-cache"])
        .output()
        .unwrap();
    let report = crate::support::json(&out.stdout);
    let files: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["commit"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(files, vec![(".env".to_owned(), commit)], "{report}");
}

#[test]
fn history_scans_find_a_secret_in_an_old_commit_message() {
    let repo = GitRepo::new();
    let token = github_token(316);
    write(&repo.path(), "a.txt", "a\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", &format!("temporary: {token}")]);
    let commit = repo.git(&["rev-parse", "HEAD"]);
    repo.commit(&[("b.txt", "b\n")], "later");
    let out = repo
        .leakgate()
        .args(["git", ".", "-f", "json", "--no-cache"])
        .output()
        .unwrap();
    let report = crate::support::json(&out.stdout);
    let f = &report["findings"][0];
    assert_eq!(f["provenance"]["kind"], "commit-message", "{report}");
    assert_eq!(f["provenance"]["commit"], commit.as_str());
    assert_eq!(f["commit"]["message"], "temporary: ghp_****");
    assert!(!report.to_string().contains(&token));
}

#[test]
fn a_secret_in_the_name_of_a_pushed_ref_blocks_the_push_and_is_shown_masked() {
    let repo = installed();
    let token = github_token(231);
    // The commit is already on the remote: only the new name is sent.
    let err = refused(
        &repo,
        &["push", "origin", &format!("main:refs/heads/ci-{token}")],
        &format!("refs/heads/ci-{token}"),
    );
    assert!(err.contains("ref name refs/heads/ci-ghp_"), "{err}");
    assert!(!err.contains(&token), "the secret is masked: {err}");
    assert!(
        err.contains("git branch -m"),
        "the fix names a rename: {err}"
    );
    let err = refused(
        &repo,
        &["push", "origin", &format!("main:refs/tags/{token}")],
        &format!("refs/tags/{token}"),
    );
    assert!(err.contains("ref name refs/tags/ghp_"), "{err}");
    // A plain name passes.
    accepted(&repo, &["push", "origin", "main:refs/heads/release-1"]);
}

#[test]
fn a_symlink_whose_target_holds_a_secret_blocks_the_push() {
    let repo = installed();
    let target = format!("config/{}", github_token(232));
    std::os::unix::fs::symlink(&target, repo.path().join("current")).unwrap();
    repo.commit(&[], "link the current config");
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("current:1  github-pat-classic"), "{err}");
    assert!(!err.contains(&target), "the secret is masked: {err}");
}

#[test]
fn a_secret_in_the_name_of_an_added_file_blocks_the_push_and_is_shown_masked() {
    let repo = installed();
    let token = github_token(233);
    let path = format!("fixtures/{token}/notes.txt");
    repo.commit(&[(path.as_str(), &token_line(234))], "add notes");
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("path name fixtures/ghp_"), "{err}");
    assert!(
        err.contains("notes.txt:1  github-pat-classic"),
        "the file's own finding: {err}"
    );
    assert!(!err.contains(&token), "the secret is masked: {err}");
    assert!(err.contains("git mv"), "the fix names a rename: {err}");
    // Renamed away in a new commit, the name is still in the first one: the push is still refused.
    repo.git(&["mv", "fixtures", "data"]);
    repo.commit(&[], "rename");
    refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    // Rewritten so no commit holds the name, it goes through.
    repo.git(&["reset", "-q", "--hard", "HEAD~2"]);
    repo.commit(&[("data/notes.txt", "nothing here\n")], "add notes");
    accepted(&repo, &["push", "origin", "main"]);
}

/// The gate compares trees level by level and passes over the subtrees a commit leaves alone:
/// a secret deep in one directory is still found beside untouched ones, and a file copied from
/// one the commit rewrites brings only what the rewrite adds.
#[test]
fn a_deep_secret_beside_untouched_directories_blocks_and_a_copied_file_brings_nothing_new() {
    let repo = installed();
    let mut files: Vec<(String, String)> = (0..40)
        .map(|i| (format!("svc/m{}/f{i}.txt", i % 8), format!("plain {i}\n")))
        .collect();
    files.push(("conf/app.env".into(), token_line(305)));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    repo.commit(&refs, "tree with an old token");
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    // The old token moves to a copy; its file gets a new one; one deep file gets another.
    let copied = repo.commit(
        &[
            ("backup/app.env", &token_line(305)),
            ("conf/app.env", &token_line(306)),
            ("svc/m3/deep/x.txt", &token_line(307)),
        ],
        "copy, rewrite, add deep",
    );
    let err = refused(&repo, &["push", "origin", "main"], "refs/heads/main");
    assert!(err.contains("conf/app.env:1  github-pat-classic"), "{err}");
    assert!(
        err.contains("svc/m3/deep/x.txt:1  github-pat-classic"),
        "{err}"
    );
    assert!(!err.contains("backup/app.env"), "{err}");
    assert!(err.contains(&copied[..10]), "{err}");
}
