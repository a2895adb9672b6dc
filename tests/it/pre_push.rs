//! Real pushes to a real bare remote through the installed hook.

use crate::support::{GitRepo, github_token, lfs_store};

fn installed() -> GitRepo {
    GitRepo::installed(&[])
}

#[test]
fn a_push_that_adds_a_secret_is_rejected_and_the_remote_is_unchanged() {
    let repo = installed();
    let before = repo.remote_ref("refs/heads/main");
    let commit = repo.commit(
        &[(
            "deploy/prod.env",
            &format!("REGION=eu\nGH={}\n", github_token(200)),
        )],
        "prod config",
    );
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(!out.status.success());
    assert_eq!(repo.remote_ref("refs/heads/main"), before);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("push blocked"), "{err}");
    assert!(
        err.contains("deploy/prod.env:2  github-pat-classic"),
        "{err}"
    );
    assert!(err.contains(&commit[..10]), "{err}");
    assert!(err.contains("git push --no-verify"), "{err}");
    assert!(err.contains("leakgate ignore github-pat-classic:"), "{err}");
    assert!(
        !err.contains(&github_token(200)),
        "the secret must be masked"
    );
    let guide_lines = err
        .lines()
        .filter(|l| !l.starts_with("error:") && !l.starts_with("To "))
        .count();
    assert!(guide_lines <= 25, "guide is {guide_lines} lines:\n{err}");
}

#[test]
fn a_clean_push_goes_through() {
    let repo = installed();
    let commit = repo.commit(&[("src/lib.rs", "pub fn f() {}\n")], "code");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.remote_ref("refs/heads/main"), Some(commit));
}

#[test]
fn an_old_secret_already_on_the_remote_does_not_block_a_clean_push() {
    let repo = installed();
    repo.commit(
        &[("old.env", &format!("T={}\n", github_token(201)))],
        "old mistake",
    );
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    let commit = repo.commit(&[("b.txt", "clean\n")], "clean work");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.remote_ref("refs/heads/main"), Some(commit));
}

#[test]
fn a_new_branch_pushes_only_its_new_commits() {
    let repo = installed();
    repo.commit(
        &[("old.env", &format!("T={}\n", github_token(202)))],
        "old mistake",
    );
    repo.git(&["push", "-q", "--no-verify", "origin", "main"]);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    let clean = repo.commit(&[("f.txt", "feature\n")], "feature");
    let out = repo.git_output(&["push", "origin", "feature"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.remote_ref("refs/heads/feature"), Some(clean));
    repo.commit(
        &[("g.env", &format!("T={}\n", github_token(203)))],
        "leak on branch",
    );
    repo.git(&["checkout", "-q", "-b", "feature2"]);
    let out = repo.git_output(&["push", "origin", "feature2"]);
    assert!(
        !out.status.success(),
        "a new branch carrying a new secret must be blocked"
    );
    assert_eq!(repo.remote_ref("refs/heads/feature2"), None);
}

#[test]
fn a_branch_deletion_passes() {
    let repo = installed();
    repo.git(&["checkout", "-q", "-b", "doomed"]);
    repo.commit(&[("x.txt", "x\n")], "x");
    repo.git(&["push", "-q", "origin", "doomed"]);
    let out = repo.git_output(&["push", "origin", "--delete", "doomed"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.remote_ref("refs/heads/doomed"), None);
}

#[test]
fn tags_that_point_at_a_blob_or_a_tree_are_scanned_whole() {
    let repo = installed();
    let dir = repo.path();
    std::fs::write(dir.join("clean.txt"), "release notes\n").unwrap();
    let clean = repo.git(&["hash-object", "-w", "clean.txt"]);
    repo.git(&["tag", "notes", clean.trim()]);
    let out = repo.git_output(&["push", "origin", "notes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    std::fs::write(dir.join("key.txt"), format!("T={}\n", github_token(207))).unwrap();
    let blob = repo.git(&["hash-object", "-w", "key.txt"]);
    repo.git(&["tag", "-a", "-m", "a key", "keyblob", blob.trim()]);
    std::fs::create_dir_all(dir.join("snap/deploy")).unwrap();
    std::fs::write(
        dir.join("snap/deploy/prod.env"),
        format!("A=1\nT={}\n", github_token(208)),
    )
    .unwrap();
    repo.git(&["add", "snap"]);
    let tree = repo.git(&["write-tree", "--prefix=snap/"]);
    repo.git(&["reset", "-q"]);
    repo.git(&["tag", "snapshot", tree.trim()]);
    for (tag, named) in [
        ("keyblob", "refs/tags/keyblob:1  github-pat-classic"),
        (
            "snapshot",
            "refs/tags/snapshot:deploy/prod.env:2  github-pat-classic",
        ),
    ] {
        let out = repo.git_output(&["push", "origin", tag]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains(named), "{err}");
        assert!(err.contains("points at a tree or blob"), "{err}");
        assert_eq!(repo.remote_ref(&format!("refs/tags/{tag}")), None);
    }
}

#[test]
fn an_ignore_file_passes_its_fingerprints_but_not_a_secret_in_a_comment() {
    let repo = installed();
    let entries = "generic-password:f2eb91102b356bf0 tests/  # a fixture\nurl-credentials:keyed-0123456789abcdef\n";
    repo.commit(&[(".leakgateignore", entries)], "ignore two findings");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let token = github_token(209);
    let with_note = format!("{entries}# the old token was {token}\n");
    repo.commit(&[("sub/.leakgateignore", &with_note)], "a note");
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("sub/.leakgateignore:3  github-pat-classic"),
        "{err}"
    );
    assert!(!err.contains(&token), "{err}");
}

#[test]
fn a_secret_in_utf16_text_without_a_byte_order_mark_blocks() {
    let repo = installed();
    let token = github_token(210);
    let text: Vec<u8> = format!("A=1\nT={token}\n")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(repo.path().join("win.env"), text).unwrap();
    repo.git(&["add", "win.env"]);
    repo.git(&["commit", "-q", "-m", "windows config"]);
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("win.env:2  github-pat-classic"), "{err}");
}

#[test]
fn a_secret_added_then_deleted_in_the_outgoing_commits_still_blocks() {
    let repo = installed();
    repo.commit(&[("c.env", &format!("T={}\n", github_token(204)))], "add");
    repo.commit(&[("c.env", "T=${TOKEN}\n")], "remove");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("c.env:1"));
}

#[test]
fn an_existing_hook_is_kept_runs_after_the_gate_and_is_restored() {
    let repo = GitRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    repo.add_remote();
    let hooks = repo.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let marker = repo.tmp.path().join("old-hook-ran");
    let old_hook = format!("#!/bin/sh\ncat > '{}'\nexit 0\n", marker.display());
    std::fs::write(hooks.join("pre-push"), &old_hook).unwrap();
    make_executable(&hooks.join("pre-push"));
    let out = repo.leakgate().args(["hook", "install"]).output().unwrap();
    assert!(out.status.success());
    assert!(hooks.join("pre-push.leakgate-chained").exists());
    let commit = repo.commit(&[("b.txt", "b\n")], "b");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read_to_string(&marker).expect("the old hook ran");
    assert!(
        seen.contains(&commit),
        "the old hook got git's input: {seen}"
    );
    std::fs::remove_file(&marker).unwrap();
    repo.commit(&[("c.env", &format!("T={}\n", github_token(205)))], "leak");
    assert!(
        !repo
            .git_output(&["push", "origin", "main"])
            .status
            .success(),
        "leakgate still gates the push"
    );
    // The old hook may upload (git lfs pre-push sends LFS content): it never sees a blocked push.
    assert!(!marker.exists(), "the old hook ran on a blocked push");
    let out = repo
        .leakgate()
        .args(["hook", "uninstall"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        old_hook
    );
    assert!(!hooks.join("pre-push.leakgate-chained").exists());
}

#[test]
fn hooks_path_config_is_respected() {
    let repo = GitRepo::new();
    repo.commit(&[("a", "a\n")], "init");
    repo.git(&["config", "core.hooksPath", "githooks"]);
    let out = repo
        .leakgate()
        .args(["hook", "install", "--pre-commit"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(repo.path().join("githooks/pre-commit").exists());
    crate::support::write(&repo.path(), "k.env", format!("T={}\n", github_token(206)));
    repo.git(&["add", "k.env"]);
    let out = repo.git_output(&["commit", "-m", "leak"]);
    assert!(!out.status.success(), "the pre-commit hook must block");
    assert!(String::from_utf8_lossy(&out.stderr).contains("commit blocked"));
}

#[test]
fn garbage_pre_push_input_fails_closed() {
    let repo = installed();
    let out = repo
        .leakgate()
        .args(["pre-push", "origin"])
        .write_stdin("this is not git's protocol\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pre-push input line 1"), "{err}");
}

#[test]
fn pre_commit_framework_variables_are_honoured() {
    let repo = installed();
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.commit(&[("v.env", &format!("T={}\n", github_token(207)))], "leak");
    let head = repo.git(&["rev-parse", "HEAD"]);
    let out = repo
        .leakgate()
        .args(["pre-push"])
        .env("PRE_COMMIT_FROM_REF", &base)
        .env("PRE_COMMIT_TO_REF", &head)
        .env("PRE_COMMIT_REMOTE_NAME", "origin")
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg_attr(not(unix), allow(unused_variables))]
fn make_executable(path: &std::path::Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// A file tracked by Git LFS is committed as a pointer, and `git lfs pre-push` uploads its
/// content from the local store: the gate judges that content, not the pointer. The pointer
/// format and the store's layout are the LFS spec, so the test lays them out itself (git-lfs
/// need not be installed).
#[test]
fn an_lfs_tracked_file_is_judged_by_its_content_in_the_local_store() {
    let repo = installed();
    let clean = lfs_store(&repo, "DB_HOST=${DB_HOST}\n");
    repo.commit(&[("config/app.env", &clean)], "lfs, clean");
    let out = repo.git_output(&["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let leaky = lfs_store(&repo, &format!("DB_HOST=db\nT={}\n", github_token(206)));
    repo.commit(&[("config/app.env", &leaky)], "lfs, leak");
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("config/app.env:2"), "{err}");

    // Content that is not in the local store cannot be read: the push is named, not silent.
    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let missing = "version https://git-lfs.github.com/spec/v1\noid sha256:\
        0000000000000000000000000000000000000000000000000000000000000001\nsize 2048\n";
    repo.commit(&[("data/dump.sql", missing)], "lfs, not fetched");
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("data/dump.sql (Git LFS content of 2 KiB not in the local store"),
        "{err}"
    );
}

/// A commit carries text outside its message, and a push sends it: the author's name, or a
/// header of one's own, which `git hash-object --literally` writes and a remote accepts.
#[test]
fn a_secret_in_a_commit_header_blocks() {
    let repo = installed();
    let before = repo.remote_ref("refs/heads/main");
    let author = format!("ci {}", github_token(208));
    let out = repo.git_output_with(
        &[("GIT_AUTHOR_NAME", &author)],
        &[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            "plain",
        ],
    );
    assert!(out.status.success());
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("commit header of"), "{err}");
    assert!(
        !err.contains(&github_token(208)),
        "the secret is masked: {err}"
    );

    repo.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let parent = repo.git(&["rev-parse", "HEAD"]);
    let tree = repo.git(&["rev-parse", "HEAD^{tree}"]);
    let raw = format!(
        "tree {tree}\nparent {parent}\nauthor A <a@example.com> 1700000000 +0000\n\
         committer A <a@example.com> 1700000000 +0000\nx-deploy-token {}\n\nplain\n",
        github_token(209)
    );
    let file = repo.tmp.path().join("crafted-commit");
    std::fs::write(&file, raw).unwrap();
    let crafted = repo.git(&[
        "hash-object",
        "-t",
        "commit",
        "--literally",
        "-w",
        file.to_str().unwrap(),
    ]);
    repo.git(&["update-ref", "refs/heads/main", &crafted]);
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("commit header of"), "{err}");
    assert_eq!(repo.remote_ref("refs/heads/main"), before);
}
