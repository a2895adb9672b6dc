//! Every message is right: the hook set-up, the block message followed literally, CI traps,
//! explain, colours, completions. Each runs the binary as a process; hook cases push for real.

use std::fmt::Write as _;

use crate::support::{GitRepo, github_token, private_ip, write};

fn installed(extra: &[&str]) -> GitRepo {
    GitRepo::installed(extra)
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn hook_install_with_pre_commit_keeps_the_pre_push_gate_and_says_so() {
    let repo = GitRepo::new();
    let out = repo
        .leakgate()
        .args(["hook", "install", "--pre-commit"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("pre-push hook: installed"), "{err}");
    assert!(err.contains("pre-commit hook: installed"), "{err}");
    assert!(repo.path().join(".git/hooks/pre-push").exists());
    let repo = GitRepo::new();
    let out = repo.leakgate().args(["hook", "install"]).output().unwrap();
    let err = stderr(&out);
    assert!(err.contains("pre-push hook: installed"), "{err}");
    assert!(
        err.contains(
            "pre-commit hook: not installed (add it with `leakgate hook install --pre-commit`)"
        ),
        "{err}"
    );
}

#[test]
fn the_rebase_advice_starts_before_the_oldest_offending_commit() {
    let repo = installed(&[]);
    let base = repo.git(&["rev-parse", "HEAD"]);
    let first = repo.commit(
        &[("z-last-by-name.env", &format!("T={}\n", github_token(400)))],
        "first",
    );
    repo.commit(
        &[("a-first-by-name.env", &format!("T={}\n", github_token(401)))],
        "second",
    );
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = stderr(&out);
    assert!(!out.status.success());
    let parent_of_first = repo.git(&["rev-parse", &format!("{first}^")]);
    assert_eq!(parent_of_first, base);
    assert!(
        err.contains(&format!("refs/heads/main: git rebase -i {}", &base[..10])),
        "{err}"
    );
}

#[test]
fn the_block_message_lists_every_fingerprint_in_one_ignore_command() {
    let repo = installed(&[]);
    let lines = (0..6).fold(String::new(), |mut out, i| {
        let _ = writeln!(out, "T{i}={}", github_token(410 + i));
        out
    });
    repo.commit(&[("many.env", &lines)], "six tokens");
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = stderr(&out);
    let command = err
        .lines()
        .find(|l| l.trim_start().starts_with("leakgate ignore "))
        .expect("an ignore command");
    assert_eq!(command.split_whitespace().count(), 2 + 6, "{err}");
    assert_eq!(
        err.matches("      fingerprint github-pat-classic:").count(),
        6,
        "{err}"
    );
    assert!(err.contains("in the commit that added it"), "{err}");
}

#[test]
fn the_more_findings_hint_works_on_a_first_push() {
    let repo = installed(&[]);
    repo.git(&["checkout", "-q", "-b", "fresh"]);
    let lines = (0..12).fold(String::new(), |mut out, i| {
        let _ = writeln!(out, "T{i}={}", github_token(420 + i));
        out
    });
    repo.commit(&[("many.env", &lines)], "twelve tokens");
    let out = repo.git_output(&["push", "origin", "fresh"]);
    let err = stderr(&out);
    let hint = err
        .lines()
        .find(|l| l.contains("more (all of them: `"))
        .expect("a hint");
    let command = hint.split('`').nth(1).unwrap();
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let run = repo
        .leakgate()
        .args(&args)
        .args(["-f", "json"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1), "{command}: {}", stderr(&run));
    let report = crate::support::json(&run.stdout);
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        12,
        "{command}"
    );
}

#[test]
fn hosts_are_worded_as_hosts_and_low_findings_can_warn() {
    let repo = installed(&[]);
    repo.commit(
        &[("db.cfg", &format!("db_host = {}\n", private_ip(40)))],
        "host",
    );
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("1 internal host name or address"), "{err}");
    assert!(!err.contains("rotate it"), "{err}");
    assert!(err.contains("LEAKGATE_FAIL_ON=medium git push"), "{err}");
    let out = repo.git_output_with(
        &[("LEAKGATE_FAIL_ON", "medium")],
        &["push", "origin", "main"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn the_pre_commit_message_talks_about_committing() {
    let repo = installed(&["--pre-commit"]);
    write(&repo.path(), "x.env", format!("T={}\n", github_token(430)));
    repo.git(&["add", "x.env"]);
    let out = repo.git_output(&["commit", "-m", "x"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("commit blocked"), "{err}");
    assert!(err.contains("the secret will be committed"), "{err}");
    assert!(!err.contains("leave this machine"), "{err}");
}

#[test]
fn a_staged_file_whose_path_holds_a_secret_blocks_the_commit_with_a_rename_fix() {
    let repo = installed(&["--pre-commit"]);
    let token = github_token(431);
    write(&repo.path(), &format!("keys/{token}.txt"), "nothing here\n");
    repo.git(&["add", "-A"]);
    let out = repo.git_output(&["commit", "-m", "x"]);
    let err = stderr(&out);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("path name keys/ghp_"), "{err}");
    assert!(!err.contains(&token), "the secret is masked: {err}");
    assert!(err.contains("git mv OLD NEW"), "{err}");
}

#[test]
fn an_empty_side_of_a_range_is_an_error() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "a");
    for range in ["..HEAD", "..", "HEAD..", "..."] {
        let out = repo
            .leakgate()
            .args(["git", "--range", range])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{range}");
        assert!(
            stderr(&out).contains("empty side"),
            "{range}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_missing_base_in_a_shallow_clone_says_how_to_fetch_it() {
    let repo = GitRepo::new();
    for i in 0..3 {
        repo.commit(&[("a.txt", &format!("{i}\n"))], &format!("c{i}"));
    }
    let base = repo.git(&["rev-parse", "HEAD~2"]);
    let url = format!("file://{}", repo.path().display());
    let shallow = repo.tmp.path().join("shallow");
    repo.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        shallow.to_str().unwrap(),
    ]);
    let out = repo
        .leakgate()
        .current_dir(&shallow)
        .args(["git", "--range", &format!("{base}..HEAD")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("shallow clone") && err.contains("fetch-depth: 0"),
        "{err}"
    );
}

#[test]
fn a_report_written_to_a_file_leaves_a_summary_line_and_sarif_keeps_notes() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "a");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.commit(&[(".leakgateignore", "# nothing\n")], "touch settings");
    let sarif = repo.tmp.path().join("out.sarif");
    let out = repo
        .leakgate()
        .args([
            "git",
            "--range",
            &format!("{base}..HEAD"),
            "-f",
            "sarif",
            "-o",
        ])
        .arg(&sarif)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("report written to"),
        "{}",
        stderr(&out)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let notes = doc["runs"][0]["invocations"][0]["toolExecutionNotifications"].to_string();
    assert!(notes.contains("change leakgate's own settings"), "{notes}");
    let quiet = repo
        .leakgate()
        .args([
            "git",
            "--range",
            &format!("{base}..HEAD"),
            "-q",
            "-f",
            "json",
            "-o",
        ])
        .arg(&sarif)
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty(), "{}", stderr(&quiet));
}

#[test]
fn an_allow_added_by_the_change_is_shown_as_suppressed_under_config_from() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "base");
    let base = repo.git(&["rev-parse", "HEAD"]);
    repo.commit(
        &[(
            "app.env",
            &format!("T={} # leakgate:allow\n", github_token(440)),
        )],
        "sneaky",
    );
    let range = format!("{base}..HEAD");
    let out = repo
        .leakgate()
        .args([
            "git",
            "--range",
            &range,
            "--config-from",
            &base,
            "-f",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "suppressed findings do not fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = crate::support::json(&out.stdout);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(
        findings[0]["suppressed"],
        "leakgate:allow added by this change"
    );
    assert!(
        report.to_string().contains("silenced by `leakgate:allow`"),
        "{report}"
    );
    let sarif = repo
        .leakgate()
        .args([
            "git",
            "--range",
            &range,
            "--config-from",
            &base,
            "-f",
            "sarif",
        ])
        .output()
        .unwrap();
    let doc = crate::support::json(&sarif.stdout);
    assert_eq!(
        doc["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "inSource"
    );
    let plain = repo
        .leakgate()
        .args(["git", "--range", &range, "-f", "json"])
        .output()
        .unwrap();
    let plain = crate::support::json(&plain.stdout);
    assert!(
        plain["findings"].as_array().unwrap().is_empty(),
        "without --config-from the allow holds"
    );
}

#[test]
fn config_and_ignore_file_are_found_from_a_subdirectory_and_named() {
    let repo = GitRepo::new();
    write(
        &repo.path(),
        ".leakgate.toml",
        "disable = [\"github-pat-classic\"]\n",
    );
    write(
        &repo.path(),
        "sub/app.env",
        format!("T={}\n", github_token(450)),
    );
    repo.commit(&[], "init");
    let out = repo
        .leakgate()
        .current_dir(repo.path().join("sub"))
        .args(["dir", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("note: config: "), "{text}");
    assert!(text.contains(".leakgate.toml"), "{text}");
}

#[test]
fn rules_commands_see_the_configs_rules() {
    let dir = tempfile::TempDir::new().unwrap();
    write(
        dir.path(),
        ".leakgate.toml",
        "[[rules]]\nid = \"acme-api-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\nkeywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\nexamples = [\"ACME_TOKEN=acme_{{alnumlower:32}}\"]\n",
    );
    for args in [
        vec!["rules", "explain", "acme-api-token"],
        vec!["rules", "list"],
    ] {
        let out = crate::support::leakgate(dir.path())
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(text.contains("acme-api-token"), "{args:?}: {text}");
    }
    let out = crate::support::leakgate(dir.path())
        .current_dir(dir.path())
        .args(["rules", "test"])
        .output()
        .unwrap();
    assert!(
        stderr(&out).contains("1 rules, ") || stderr(&out).contains("1 rule"),
        "{}",
        stderr(&out)
    );
    let list = crate::support::leakgate(dir.path())
        .args(["rules", "list"])
        .output()
        .unwrap();
    let first = String::from_utf8_lossy(&list.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        first.starts_with("ID ") && first.contains("SEVERITY"),
        "{first}"
    );
}

#[test]
fn explain_rejects_flags_it_cannot_honour_and_judges_key_files_like_the_scan() {
    let dir = tempfile::TempDir::new().unwrap();
    write(dir.path(), "a.env", "x = 1\n");
    for flag in [
        vec!["-f", "json"],
        vec!["-o", "out.txt"],
        vec!["--write-baseline", "b.json"],
    ] {
        let out = crate::support::leakgate(dir.path())
            .current_dir(dir.path())
            .args(["explain", "a.env:1"])
            .args(&flag)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag:?}");
    }
    let key = std::process::Command::new("openssl")
        .args(["genpkey", "-algorithm", "ed25519"])
        .output()
        .unwrap();
    std::fs::write(dir.path().join("id.pem"), &key.stdout).unwrap();
    let scan = crate::support::leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", "id.pem", "-f", "json"])
        .output()
        .unwrap();
    let reported = crate::support::json(&scan.stdout)["findings"]
        .as_array()
        .unwrap()
        .len();
    let out = crate::support::leakgate(dir.path())
        .current_dir(dir.path())
        .args(["explain", "id.pem:1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.contains(": reported"),
        reported == 1,
        "scan found {reported}:\n{text}"
    );
}

#[test]
fn color_always_colours_a_pipe_and_never_does_not() {
    let dir = tempfile::TempDir::new().unwrap();
    write(dir.path(), "a.env", format!("T={}\n", github_token(460)));
    let run = |when: &str| {
        crate::support::leakgate(dir.path())
            .env_remove("NO_COLOR")
            .current_dir(dir.path())
            .args(["dir", ".", "--color", when])
            .output()
            .unwrap()
            .stdout
    };
    assert!(run("always").contains(&0x1b));
    assert!(!run("never").contains(&0x1b));
}

#[test]
fn keyed_fingerprints_differ_and_are_marked() {
    let dir = tempfile::TempDir::new().unwrap();
    write(dir.path(), "a.env", format!("T={}\n", github_token(470)));
    let fp = |key: Option<&str>| {
        let mut cmd = crate::support::leakgate(dir.path());
        cmd.current_dir(dir.path()).args(["dir", ".", "-f", "json"]);
        if let Some(key) = key {
            cmd.env("LEAKGATE_FINGERPRINT_KEY", key);
        }
        let report = crate::support::json(&cmd.output().unwrap().stdout);
        report["findings"][0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let plain = fp(None);
    let keyed = fp(Some("team-secret"));
    assert!(!plain.contains("keyed-"));
    assert!(keyed.contains(":keyed-"), "{keyed}");
    assert_ne!(keyed, fp(Some("other")));
    write(dir.path(), ".leakgateignore", format!("{plain}\n"));
    let out = crate::support::leakgate(dir.path())
        .current_dir(dir.path())
        .env("LEAKGATE_FINGERPRINT_KEY", "team-secret")
        .args(["dir", "."])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "an unkeyed entry cannot suppress a keyed finding"
    );
    assert!(
        stderr(&out).contains("cannot match while LEAKGATE_FINGERPRINT_KEY is set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_man_page_and_help_examples_come_from_the_cli() {
    let dir = tempfile::TempDir::new().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = crate::support::leakgate(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success() && !out.stdout.is_empty(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("pre-push"),
            "{shell}"
        );
    }
    let man = crate::support::leakgate(dir.path())
        .arg("man")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&man.stdout).starts_with(".ie")
            || String::from_utf8_lossy(&man.stdout).contains(".TH leakgate")
    );
    for command in [
        "dir", "git", "merge", "pre-push", "hook", "rules", "explain",
    ] {
        let out = crate::support::leakgate(dir.path())
            .args([command, "--help"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Examples:"), "{command}: {text}");
    }
}

#[test]
fn pre_push_by_hand_says_what_it_is() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "a");
    // No terminal here: an empty input is what git sends for a push of nothing.
    let out = repo
        .leakgate()
        .arg("pre-push")
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let script = repo.tmp.path().join("tty.sh");
    std::fs::write(
        &script,
        format!("{} pre-push\n", crate::support::binary().display()),
    )
    .unwrap();
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("sh {}", script.display()), "/dev/null"])
        .current_dir(repo.path())
        .stdin(std::process::Stdio::null())
        .output();
    if let Ok(out) = out {
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("is the pre-push hook"), "{text}");
    }
}

#[test]
fn an_unborn_head_with_other_refs_points_to_all() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "a\n")], "a");
    let bare = repo.tmp.path().join("bare.git");
    repo.git(&[
        "clone",
        "-q",
        "--bare",
        repo.path().to_str().unwrap(),
        bare.to_str().unwrap(),
    ]);
    std::process::Command::new("git")
        .args([
            "--git-dir",
            bare.to_str().unwrap(),
            "symbolic-ref",
            "HEAD",
            "refs/heads/nothing",
        ])
        .status()
        .unwrap();
    let out = repo.leakgate().arg("git").arg(&bare).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--all"), "{}", stderr(&out));
}
