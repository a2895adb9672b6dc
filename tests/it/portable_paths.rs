//! Paths are `/`-separated on every platform (issue 16): findings, ignore-file scopes and
//! allowlists written on Windows (`src\app.env`) work on Linux and the reverse.

use tempfile::TempDir;

use crate::support::{found, github_token, json, leakgate, scan_dir, write};

#[test]
fn ignore_scopes_written_with_backslashes_match_slash_paths() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "src/app.env",
        format!("GH={}\n", github_token(7)),
    );
    write(
        dir.path(),
        "other/app.env",
        format!("GH={}\n", github_token(7)),
    );
    let (code, report, _) = scan_dir(dir.path(), &[]);
    assert_eq!(code, 1);
    let fingerprint = report["findings"][0]["fingerprint"]
        .as_str()
        .unwrap()
        .to_owned();
    write(
        dir.path(),
        ".leakgateignore",
        format!("{fingerprint} src\\app.env\n"),
    );
    let (code, report, _) = scan_dir(dir.path(), &[]);
    assert_eq!(code, 1);
    let files: Vec<String> = found(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(files, vec!["other/app.env".to_owned()]);
}

#[test]
fn ignore_command_writes_slash_scopes() {
    let dir = TempDir::new().unwrap();
    leakgate(dir.path())
        .current_dir(dir.path())
        .args([
            "ignore",
            "github-pat-classic:0123456789abcdef",
            "--path",
            ".\\src\\keys\\",
        ])
        .assert()
        .success();
    let text = std::fs::read_to_string(dir.path().join(".leakgateignore")).unwrap();
    assert_eq!(text, "github-pat-classic:0123456789abcdef src/keys/\n");
}

#[test]
fn stdin_names_are_reported_with_slashes_and_match_path_allowlists() {
    let dir = TempDir::new().unwrap();
    let input = format!("GH={}\n", github_token(3));
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["stdin", "--name", "config\\prod.env", "-f", "json"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(found(&json(&out.stdout))[0].0, "config/prod.env");
    write(
        dir.path(),
        ".leakgate.toml",
        "[allow]\npaths = ['''^config/''']\n",
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["stdin", "--name", "config\\prod.env", "-f", "json"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn hook_scripts_are_posix_sh_with_lf_endings() {
    for name in ["pre-push", "pre-commit"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("hooks")
            .join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("#!/bin/sh\n"), "{name}");
        assert!(!text.contains('\r'), "{name} has a CR");
        // dash is a strict POSIX sh (Debian's /bin/sh); -n parses without running.
        let status = std::process::Command::new("sh")
            .arg("-n")
            .arg(&path)
            .status()
            .unwrap();
        assert!(status.success(), "{name} is not valid POSIX sh");
    }
}
