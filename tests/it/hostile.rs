//! Hostile and odd inputs: each ends in a correct report or one clear error line with exit 2,
//! never a panic or a hang.

use std::fmt::Write as _;

use tempfile::TempDir;

#[cfg(unix)]
use crate::support::leakgate_without_read_override;
use crate::support::{GitRepo, found, github_token, json, leakgate, write};

fn scan(dir: &TempDir, extra: &[&str]) -> (i32, serde_json::Value, String) {
    crate::support::scan_dir(dir.path(), extra)
}

#[test]
fn utf16_text_with_a_bom_is_scanned_at_the_right_line() {
    let dir = TempDir::new().unwrap();
    let text = format!("first\r\nsecond\r\nTOKEN={}\r\n", github_token(400));
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    write(dir.path(), "win.ps1", bytes);
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("win.ps1".to_owned(), 3, "github-pat-classic".to_owned())]
    );
}

#[test]
fn utf16_text_without_a_bom_is_scanned_in_either_byte_order() {
    let dir = TempDir::new().unwrap();
    let text = format!("first\r\nsecond\r\nTOKEN={}\r\n", github_token(401));
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    write(dir.path(), "le.env", little);
    write(dir.path(), "be.env", big);
    // Binary data with NULs in it but no UTF-16 shape stays binary.
    write(
        dir.path(),
        "blob.bin",
        [0u8, 1, 2, 3, 0, 0, 7, 9].repeat(64),
    );
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![
            ("be.env".to_owned(), 3, "github-pat-classic".to_owned()),
            ("le.env".to_owned(), 3, "github-pat-classic".to_owned()),
        ]
    );
    assert_eq!(report["summary"]["skipped"]["binary"], 1, "{report}");
}

/// Random values look like CamelCase type names more often than one would think; the
/// type-name filter must not swallow them.
#[test]
fn crlf_line_endings_do_not_leak_into_secrets() {
    let dir = TempDir::new().unwrap();
    let password = ["Xfmr", "MKDh", "Han7014"].concat();
    write(
        dir.path(),
        "app.env",
        format!("A=1\r\nDB_PASSWORD={password}\r\n"),
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "-f", "json", "--show-secrets"])
        .output()
        .unwrap();
    let report = json(&out.stdout);
    assert_eq!(report["findings"][0]["secret"], password);
    assert_eq!(report["findings"][0]["line"], 2);
}

// Windows file names are UTF-16; invalid UTF-8 names exist only on Unix.
#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_reported_lossily() {
    use std::os::unix::ffi::OsStrExt as _;
    let dir = TempDir::new().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"conf\xff.env");
    std::fs::write(dir.path().join(name), format!("T={}\n", github_token(402))).unwrap();
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"][0]["file"], "conf\u{fffd}.env");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_skipped_without_hanging() {
    let dir = TempDir::new().unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    write(dir.path(), "a.txt", "hello\n");
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["files"], 1);
}

#[cfg(unix)]
#[test]
fn symlink_loops_end_when_following_links() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "sub/a.env",
        format!("T={}\n", github_token(403)),
    );
    std::os::unix::fs::symlink("..", dir.path().join("sub/loop")).unwrap();
    let (code, report, _) = scan(&dir, &["--follow-symlinks"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("sub/a.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(
        report["summary"]["skipped"]["unreadable"], 1,
        "the loop is counted"
    );
}

#[test]
fn deep_nesting_is_scanned() {
    let dir = TempDir::new().unwrap();
    let deep: String = (0..200).fold(String::new(), |mut p, i| {
        let _ = write!(p, "d{i}/");
        p
    });
    write(
        dir.path(),
        &format!("{deep}x.env"),
        format!("T={}\n", github_token(404)),
    );
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_long_minified_line_is_scanned_in_windows() {
    let dir = TempDir::new().unwrap();
    let mut line = "var a=1;".repeat(400_000);
    let _ = write!(line, "var t=\"{}\";", github_token(405));
    line.push_str(&"b=2;".repeat(200_000));
    write(dir.path(), "bundle.js", line);
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"][0]["column"], 3_200_008);
}

#[test]
fn a_regex_that_explodes_is_rejected_with_its_location() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "big.toml",
        "[[rules]]\nid = \"huge\"\ndescription = \"x\"\nseverity = \"low\"\nkeywords = [\"a\"]\nregex = '''(a{1000}){1000}([a-z]+)'''\nexamples = [\"a\"]\n",
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--config", "big.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("big.toml:6:9") && stderr.contains("invalid regex"),
        "{stderr}"
    );
}

#[test]
fn a_config_with_thousands_of_rules_loads_and_scans() {
    many_rules_load_and_scan(2000);
}

#[test]
#[ignore = "heavy: 10,000 rules, each example checked at load"]
fn a_config_with_ten_thousand_rules_loads_and_scans() {
    many_rules_load_and_scan(10_000);
}

/// A config of `n` distinct rules loads (examples checked) and the last rule still fires.
fn many_rules_load_and_scan(n: usize) {
    let dir = TempDir::new().unwrap();
    let mut config = String::from("extend_default = false\n");
    for i in 0..n {
        let _ = write!(
            config,
            "[[rules]]\nid = \"r{i}\"\ndescription = \"d\"\nseverity = \"low\"\nkeywords = [\"k{i}x_\"]\nregex = '''\\b(k{i}x_[a-z]{{8}})\\b'''\nexamples = [\"k{i}x_{{{{lower:8}}}}\"]\n"
        );
    }
    write(dir.path(), "many.toml", config);
    let last = n - 1;
    write(dir.path(), "a.txt", format!("k{last}x_abcdefgh\n"));
    let (code, report, stderr) = scan(&dir, &["--config", "many.toml"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        found(&report),
        vec![("a.txt".to_owned(), 1, format!("r{last}"))]
    );
}

#[test]
fn a_corrupt_object_is_one_clear_error() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "hello\n")], "init");
    let blob = repo.git(&["rev-parse", "HEAD:a.txt"]);
    let path = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"not zlib at all").unwrap();
    let out = repo
        .leakgate()
        .args(["git", ".", "--no-cache"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&blob) && err.contains("git fsck"), "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn a_shallow_clone_is_scanned_and_says_so() {
    let repo = GitRepo::new();
    repo.commit(&[("a.txt", "one\n")], "one");
    repo.commit(&[("b.env", &format!("T={}\n", github_token(406)))], "two");
    let clone = repo.tmp.path().join("shallow");
    let url = format!("file://{}", repo.path().display());
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(&clone)
        .status()
        .unwrap();
    assert!(status.success());
    let out = leakgate(&repo.home())
        .args(["git", "-f", "json"])
        .arg(&clone)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out.stdout);
    assert!(
        report["summary"]["notes"]
            .to_string()
            .contains("shallow clone")
    );
}

#[test]
fn a_two_gib_file_is_skipped_without_reading_it() {
    let dir = TempDir::new().unwrap();
    let file = std::fs::File::create(dir.path().join("huge.log")).unwrap();
    file.set_len(2 << 30).unwrap();
    write(
        dir.path(),
        "small.env",
        format!("T={}\n", github_token(407)),
    );
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["skipped"]["too_large"], 1);
    assert_eq!(report["summary"]["files"], 1);
}

/// Heavy: a million small files. Run by `.ci/run` in the `--ignored` tier.
#[test]
#[ignore = "heavy: a million files"]
fn a_million_tiny_files() {
    let dir = TempDir::new().unwrap();
    // 1,000 directories of 1,000 files, made by one thread per core. Each is a hard link to
    // one of 20 files kept outside the scanned tree (ext4 allows 65,000 links to a file):
    // creating a million files took three of CI's fifteen minutes, and the scan reads every
    // path all the same (hard links are not deduplicated). A file system without hard links
    // gets copies.
    let store = TempDir::new().unwrap();
    let bases: Vec<_> = (0..20)
        .map(|i| {
            let base = store.path().join(format!("base{i}.txt"));
            std::fs::write(&base, b"x=1\n").unwrap();
            base
        })
        .collect();
    let workers = std::thread::available_parallelism().map_or(2, usize::from);
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (root, bases) = (dir.path(), &bases);
            scope.spawn(move || {
                for d in (worker..1000).step_by(workers) {
                    let sub = root.join(format!("d{d}"));
                    std::fs::create_dir_all(&sub).unwrap();
                    for f in 0..1000 {
                        let path = sub.join(format!("f{f}.txt"));
                        if std::fs::hard_link(&bases[d / 50], &path).is_err() {
                            std::fs::write(&path, b"x=1\n").unwrap();
                        }
                    }
                }
            });
        }
    });
    write(
        dir.path(),
        "d7/leak.env",
        format!("T={}\n", github_token(408)),
    );
    let (code, report, _) = scan(&dir, &["-q"]);
    assert_eq!(code, 1);
    assert_eq!(report["summary"]["files"], 1_000_001);
    assert_eq!(
        found(&report),
        vec![("d7/leak.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
}

/// Heavy: a repository with 100,000 refs. Run by `.ci/run` in the `--ignored` tier.
#[test]
#[ignore = "heavy: 100,000 refs"]
fn a_repository_with_a_hundred_thousand_refs() {
    let repo = GitRepo::new();
    let head = repo.commit(&[("a.env", &format!("T={}\n", github_token(409)))], "init");
    let mut input = String::new();
    for i in 0..100_000 {
        let _ = writeln!(input, "create refs/tags/t{i} {head}");
    }
    let out = std::process::Command::new("git")
        .current_dir(repo.path())
        .args(["update-ref", "--stdin"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(input.as_bytes())?;
            child.wait()
        })
        .unwrap();
    assert!(out.success());
    let out = repo
        .leakgate()
        .args(["git", ".", "--all", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(found(&json(&out.stdout)).len(), 1);
}

/// A line without rule keywords.
const FILLER: &[u8] = b"let value = compute(1, 2, 3);\n";

/// Text of exactly `len` bytes of filler lines.
fn filler(len: usize) -> Vec<u8> {
    FILLER.iter().copied().cycle().take(len).collect()
}

/// Places `text` at `offset` in `bytes`, overwriting what is there.
fn place(bytes: &mut [u8], offset: usize, text: &str) {
    bytes[offset..offset + text.len()].copy_from_slice(text.as_bytes());
}

/// A file over one 16 MiB block: tokens straddling the block edges are found once each, at
/// their true lines; stdin streams the same way.
#[test]
fn secrets_across_block_edges_are_found_once_at_their_lines() {
    const BLOCK: usize = 16 << 20;
    let dir = TempDir::new().unwrap();
    let mut bytes = filler(2 * BLOCK + (1 << 20));
    let edges = [BLOCK, 2 * BLOCK, 100];
    let mut want = Vec::new();
    for (i, &edge) in edges.iter().enumerate() {
        // A token on a line of its own, starting just before the edge and ending after it.
        let start = (edge - 10) - (edge - 10) % FILLER.len();
        let line = format!("T={}\n", github_token(420 + i));
        assert!(start + 2 < edge && start + line.len() - 1 > edge);
        place(&mut bytes, start, &line);
        place(&mut bytes, start + line.len(), "//");
        let lineno = start / FILLER.len() + 1;
        want.push((
            "big.txt".to_owned(),
            lineno as u64,
            "github-pat-classic".to_owned(),
        ));
    }
    want.sort();
    write(dir.path(), "big.txt", &bytes);
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(found(&report), want);

    let out = leakgate(dir.path())
        .args(["stdin", "--name", "big.txt", "-f", "json"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(found(&json(&out.stdout)), want);
}

/// A 200 MB minified bundle on one line: streamed in blocks, the token past the middle is found
/// at its true column.
#[test]
#[ignore = "heavy: a 200 MB file"]
fn a_two_hundred_megabyte_single_line_is_streamed() {
    let dir = TempDir::new().unwrap();
    let mut line = "var a=1;".repeat(15_000_000);
    let _ = write!(line, "var t=\"{}\";", github_token(425));
    line.push_str(&"b=2;".repeat(20_000_000));
    write(dir.path(), "bundle.min.js", &line);
    let (code, report, _) = scan(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["findings"][0]["line"], 1);
    assert_eq!(report["findings"][0]["column"], 120_000_008);
    assert_eq!(report["findings"].as_array().unwrap().len(), 1);
}

/// Sets a path's permission bits.
#[cfg(unix)]
fn chmod(path: &std::path::Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// An unreadable file and an unreadable directory are counted and named; the scan goes on and
/// still finds the secret next to them.
// Unix permission bits; Windows ACLs are not set by this test.
#[cfg(unix)]
#[test]
fn unreadable_files_and_directories_are_counted_and_the_scan_continues() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "ok/app.env",
        format!("T={}\n", github_token(430)),
    );
    write(
        dir.path(),
        "locked.env",
        format!("T={}\n", github_token(431)),
    );
    write(
        dir.path(),
        "closed/inner.env",
        format!("T={}\n", github_token(432)),
    );
    chmod(&dir.path().join("locked.env"), 0o000);
    chmod(&dir.path().join("closed"), 0o000);
    let out = leakgate_without_read_override(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    chmod(&dir.path().join("closed"), 0o755);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report = json(&out.stdout);
    assert_eq!(
        found(&report),
        vec![("ok/app.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(report["summary"]["skipped"]["unreadable"], 2, "{report}");
    let notes = report["summary"]["notes"].to_string();
    assert!(
        notes.contains("locked.env")
            && notes.contains("closed")
            && notes.contains("ermission denied"),
        "{notes}"
    );
}

/// Files deleted while the scan runs: whatever the interleaving, the scan ends with a report
/// (exit 0 or 1, never 2 or a panic), every file is either scanned or counted, and the file that
/// stays is found.
#[test]
fn files_that_vanish_mid_scan_are_counted_not_fatal() {
    const FILES: usize = 4000;
    let dir = TempDir::new().unwrap();
    let body = "let value = compute(1, 2, 3);\n".repeat(200);
    for i in 0..FILES {
        write(dir.path(), &format!("d{}/f{i}.js", i % 40), &body);
    }
    write(
        dir.path(),
        "keep/app.env",
        format!("T={}\n", github_token(433)),
    );
    let mut scan = leakgate(dir.path());
    scan.current_dir(dir.path())
        .args(["dir", ".", "-f", "json", "-j", "1"])
        .timeout(std::time::Duration::from_mins(2));
    let root = dir.path().to_path_buf();
    let deleter = std::thread::spawn(move || {
        for i in (0..FILES).rev() {
            let _ = std::fs::remove_file(root.join(format!("d{}/f{i}.js", i % 40)));
        }
        for d in 0..40 {
            let _ = std::fs::remove_dir(root.join(format!("d{d}")));
        }
    });
    let out = scan.output().unwrap();
    deleter.join().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let report = json(&out.stdout);
    assert!(
        found(&report).contains(&(
            "keep/app.env".to_owned(),
            1,
            "github-pat-classic".to_owned()
        )),
        "{report}"
    );
    let files = report["summary"]["files"].as_u64().unwrap();
    assert!(files >= 1 && files <= FILES as u64 + 1, "{report}");
}

/// A superproject with a submodule whose own history holds a secret: the superproject's history
/// scan and a push of the submodule bump see only gitlinks (the submodule is its own
/// repository), while a scan of the work tree reads the checked-out submodule's files.
#[test]
fn submodules_are_their_own_repositories() {
    let sub = GitRepo::new();
    sub.commit(
        &[("creds.env", &format!("T={}\n", github_token(440)))],
        "sub secret",
    );
    let repo = GitRepo::new();
    repo.commit(&[("README.md", "hello\n")], "init");
    repo.add_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    let out = repo.leakgate().args(["hook", "install"]).output().unwrap();
    assert!(out.status.success());
    let sub_path = sub.path();
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub_path.to_str().unwrap(),
        "vendor/sub",
    ]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "add submodule"]);

    let push = repo.git_output(&["push", "origin", "main"]);
    assert!(
        push.status.success(),
        "{}",
        String::from_utf8_lossy(&push.stderr)
    );

    let history = repo
        .leakgate()
        .args(["git", ".", "--all", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        history.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&history.stderr)
    );
    assert!(found(&json(&history.stdout)).is_empty());

    let tree = repo
        .leakgate()
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(tree.status.code(), Some(1));
    assert_eq!(
        found(&json(&tree.stdout)),
        vec![(
            "vendor/sub/creds.env".to_owned(),
            1,
            "github-pat-classic".to_owned()
        )]
    );
}

/// Git LFS pointer files (what git stores for LFS-tracked files, even ones named like key
/// files) are text with a 64-hex object id: no finding in the tree or the history.
#[test]
fn git_lfs_pointer_files_are_not_secrets() {
    let repo = GitRepo::new();
    let pointer = |seed| {
        format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
            crate::support::fake("{{hex:64}}", seed),
            1000 + seed
        )
    };
    repo.commit(
        &[
            (".gitattributes", "*.pem filter=lfs diff=lfs merge=lfs -text\n*.p12 filter=lfs diff=lfs merge=lfs -text\nsecrets/** filter=lfs diff=lfs merge=lfs -text\n"),
            ("certs/server.pem", &pointer(1)),
            ("certs/client.p12", &pointer(2)),
            ("secrets/api_keys.json", &pointer(3)),
            ("secrets/.env", &pointer(4)),
        ],
        "lfs files",
    );
    for args in [
        &["dir", ".", "-f", "json"][..],
        &["git", ".", "--all", "-f", "json"][..],
    ] {
        let out = repo.leakgate().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(found(&json(&out.stdout)).is_empty());
    }
}
