//! Archives made by the real tools (python's zipfile, tar, gzip): their members are scanned like
//! files and reported as `archive!member`, nested archives too; what cannot be read (an
//! encrypted member, a bomb past the limit) is said, not skipped in silence; a push of an
//! archive holding a secret is blocked.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use tempfile::TempDir;

use crate::support::{GitRepo, found, github_token, leakgate};

fn run(dir: &Path, program: &str, args: &[&str]) {
    let status = Command::new(program)
        .current_dir(dir)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("{program} not runnable ({e}): install python3, tar, gzip"));
    assert!(status.success(), "{program} {args:?}");
}

/// Zips `files` (name, text) into `zip` with python's zipfile; `stored` turns compression off.
fn zip(dir: &Path, zip: &str, files: &[(&str, &str)], stored: bool) {
    let method = if stored { "ZIP_STORED" } else { "ZIP_DEFLATED" };
    let mut script =
        format!("import zipfile\nz = zipfile.ZipFile({zip:?}, 'w', zipfile.{method})\n");
    for (name, text) in files {
        let _ = writeln!(script, "z.writestr({name:?}, {text:?})");
    }
    script.push_str("z.close()\n");
    run(dir, "python3", &["-c", &script]);
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn scan(dir: &Path) -> serde_json::Value {
    let out = leakgate(dir)
        .current_dir(dir)
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn members_of_zips_tarballs_and_gzip_files_are_scanned_and_named() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    let env = |seed| format!("REGION=eu\nGH_TOKEN={}\n", github_token(seed));
    zip(
        dir,
        "deflated.zip",
        &[("config/.env", &env(500)), ("README", "hi\n")],
        false,
    );
    zip(dir, "stored.jar", &[("app.properties", &env(501))], true);
    write(&dir.join("src"), "deploy/prod.env", &env(502));
    run(dir, "tar", &["czf", "release.tgz", "-C", "src", "deploy"]);
    run(dir, "tar", &["cf", "plain.tar", "-C", "src", "deploy"]);
    write(dir, "db.env", &env(503));
    run(dir, "gzip", &["db.env"]);
    zip(dir, "inner.zip", &[("secrets/.env", &env(504))], false);
    run(dir, "tar", &["czf", "outer.tar.gz", "inner.zip"]);
    std::fs::remove_file(dir.join("inner.zip")).unwrap();
    std::fs::remove_dir_all(dir.join("src")).unwrap();
    zip(dir, "clean.zip", &[("notes.txt", "nothing here\n")], false);

    let report = scan(dir);
    let mut got = found(&report);
    got.sort();
    let rule = "github-pat-classic".to_owned();
    let want = vec![
        ("db.env.gz!db.env".to_owned(), 2, rule.clone()),
        ("deflated.zip!config/.env".to_owned(), 2, rule.clone()),
        (
            "outer.tar.gz!inner.zip!secrets/.env".to_owned(),
            2,
            rule.clone(),
        ),
        ("plain.tar!deploy/prod.env".to_owned(), 2, rule.clone()),
        ("release.tgz!deploy/prod.env".to_owned(), 2, rule.clone()),
        ("stored.jar!app.properties".to_owned(), 2, rule),
    ];
    assert_eq!(got, want);
    let shown = report.to_string();
    for seed in 500..505 {
        assert!(!shown.contains(&github_token(seed)), "masked");
    }
}

#[test]
fn what_an_archive_does_not_let_us_read_is_said() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    // 100 MiB of zeros deflates to about 100 KiB: past the unpack limit, read no further.
    run(
        dir,
        "python3",
        &[
            "-c",
            "import zipfile\nz = zipfile.ZipFile('bomb.zip', 'w', zipfile.ZIP_DEFLATED)\nwith z.open('zeros.txt', 'w') as f:\n    for _ in range(100):\n        f.write(bytes(1 << 20))\nz.close()\n",
        ],
    );
    let report = scan(dir);
    assert_eq!(found(&report), vec![]);
    let notes = report["summary"]["notes"].to_string();
    assert!(
        notes.contains("bomb.zip: more than 64 MiB unpacked"),
        "{notes}"
    );
}

#[test]
fn a_pushed_archive_with_a_secret_blocks() {
    let repo = GitRepo::installed(&[]);
    let before = repo.remote_ref("refs/heads/main");
    let env = format!("A=1\nT={}\n", github_token(505));
    zip(&repo.path(), "release.zip", &[("config/.env", &env)], false);
    repo.git(&["add", "release.zip"]);
    repo.git(&["commit", "-q", "-m", "release bundle"]);
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains("release.zip!config/.env:2  github-pat-classic"),
        "{err}"
    );
    assert_eq!(repo.remote_ref("refs/heads/main"), before);
}

/// Zips one member named `ESC` + `name` into `zip`, every member marked encrypted (bit 0 of the
/// general purpose flags, in the local and the central headers), as an encrypting zip tool sets
/// it; python's zipfile cannot encrypt.
fn encrypted_zip_with_an_escape(dir: &Path, zip: &str, name: &str) {
    let script = format!(
        "import zipfile\n\
         z = zipfile.ZipFile({zip:?}, 'w')\n\
         z.writestr(chr(27) + {name:?}, 'A=1\\n')\n\
         z.close()\n\
         d = bytearray(open({zip:?}, 'rb').read())\n\
         for sig, at in ((b'PK\\x03\\x04', 6), (b'PK\\x01\\x02', 8)):\n\
         \x20   i = d.find(sig)\n\
         \x20   while i >= 0:\n\
         \x20       d[i + at] |= 1\n\
         \x20       i = d.find(sig, i + 4)\n\
         open({zip:?}, 'wb').write(d)\n"
    );
    run(dir, "python3", &["-c", &script]);
}

/// A member name is the archive author's: its terminal escapes are shown escaped, in a `dir`
/// report's notes and in a gate's message, never sent to the terminal.
#[test]
fn an_unread_member_is_named_with_its_terminal_escapes_escaped() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path();
    encrypted_zip_with_an_escape(dir, "e.zip", "[31mred.env");
    let out = leakgate(dir)
        .current_dir(dir)
        .args(["dir", "."])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\u{1b}'), "{text:?}");
    assert!(
        text.contains("archive not fully read: e.zip!\\u{1b}[31mred.env: encrypted"),
        "{text}"
    );

    let repo = GitRepo::installed(&[]);
    encrypted_zip_with_an_escape(&repo.path(), "release.zip", "[2Jx.env");
    repo.git(&["add", "release.zip"]);
    repo.git(&["commit", "-q", "-m", "bundle"]);
    let out = repo.git_output(&["push", "origin", "main"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    assert!(
        err.contains(
            "release.zip (archive not fully read: release.zip!\\u{1b}[2Jx.env: encrypted)"
        ),
        "{err}"
    );
}
