//! Shared helpers: a hermetic `leakgate` command, temp trees, and test secrets generated at run
//! time from the same placeholder expander the rule examples use (no secret-shaped literals in
//! the repository).

use std::path::Path;

use assert_cmd::Command;
use leakgate::Validator;
use leakgate::expand_example as expand;

/// The binary under test: cargo's build of this package, or `LEAKGATE_TEST_BIN` when set
/// (`.ci/run` points the heavy tier at the release build, which scans a million files in seconds
/// where the debug build takes minutes).
pub fn binary() -> std::path::PathBuf {
    std::env::var_os("LEAKGATE_TEST_BIN")
        .map_or_else(|| assert_cmd::cargo::cargo_bin("leakgate"), Into::into)
}

/// `leakgate` with a cleared environment: only PATH, a temp HOME, no system git config, no color.
pub fn leakgate(home: &Path) -> Command {
    hermetic(Command::new(binary()), home)
}

/// Clears a command's environment down to PATH, a temp HOME, no system git config, no color.
fn hermetic(mut cmd: Command, home: &Path) -> Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1");
    cmd
}

/// `leakgate` as [`leakgate`] gives it, but unable to read what file permissions forbid. Root
/// reads everything through the DAC capabilities, so as root the command runs under
/// `setpriv` with those capabilities dropped from the bounding set.
#[cfg(unix)]
pub fn leakgate_without_read_override(home: &Path) -> Command {
    let bin = binary();
    let cmd = if is_root() {
        let mut cmd = Command::new("setpriv");
        cmd.args(["--bounding-set", "-dac_override,-dac_read_search"])
            .arg(bin);
        cmd
    } else {
        Command::new(bin)
    };
    hermetic(cmd, home)
}

/// Whether the tests run as root (CI containers do).
#[cfg(unix)]
pub fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Expands a placeholder template (`{{alnum:36}}`...) with a fixed seed.
pub fn fake(template: &str, seed: usize) -> String {
    expand(template, "integration-test", seed)
}

/// A GitHub classic token with a valid checksum.
pub fn github_token(seed: usize) -> String {
    let mut token = fake("ghp_{{alnum:36}}", seed).into_bytes();
    Validator::GithubChecksum.complete(&mut token);
    String::from_utf8(token).unwrap()
}

/// A private (RFC 1918) address, assembled at run time so the repository holds none.
pub fn private_ip(seed: u8) -> String {
    format!("{}.{}.{}.{}", 10, 20 + seed, 3, 4 + seed)
}

/// An AWS access key id.
pub fn aws_key_id(seed: usize) -> String {
    fake("AKIA{{base32:16}}", seed)
}

/// Runs a key tool (openssl, ssh-keygen, gpg, puttygen, keytool) in `dir` with its own
/// `GNUPGHOME`, asserting success; returns stdout. A missing tool fails with what to install.
pub fn key_tool(dir: &Path, program: &str, args: &[&str]) -> Vec<u8> {
    let out = std::process::Command::new(program)
        .current_dir(dir)
        .env("GNUPGHOME", dir.join("gnupg"))
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "{program} not runnable ({e}): install openssl, openssh-client, gnupg, putty-tools and a JDK (keytool)"
            )
        });
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Writes `contents` to `dir/name`, creating parent directories.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
}

/// Runs `leakgate dir . -f json` (plus `extra`) in `dir`: exit code, report, stderr. A panic
/// message on stderr fails the calling test.
pub fn scan_dir(dir: &Path, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let out = leakgate(dir)
        .current_dir(dir)
        .args(["dir", ".", "-f", "json"])
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().unwrap(), json(&out.stdout), stderr)
}

/// Parses a JSON report from stdout.
pub fn json(stdout: &[u8]) -> serde_json::Value {
    serde_json::from_slice(stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(stdout)))
}

/// `(file, line, rule_id)` of every finding in a JSON report, sorted.
pub fn found(report: &serde_json::Value) -> Vec<(String, u64, String)> {
    let mut out: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

/// PATH with the built `leakgate` first, so installed hooks find it.
pub fn path_with_leakgate() -> std::ffi::OsString {
    let bin = binary();
    let mut paths = vec![bin.parent().unwrap().to_path_buf()];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// A real repository made with the `git` binary, with a hermetic environment.
pub struct GitRepo {
    /// Owns the temp directory (repo, remote, home).
    pub tmp: tempfile::TempDir,
}

impl GitRepo {
    /// `git init` a work tree at `tmp/repo` on branch main.
    pub fn new() -> GitRepo {
        let repo = GitRepo {
            tmp: tempfile::TempDir::new().unwrap(),
        };
        std::fs::create_dir_all(repo.home()).unwrap();
        repo.git_in(repo.tmp.path(), &["init", "-q", "-b", "main", "repo"]);
        repo
    }

    /// The work tree.
    pub fn path(&self) -> std::path::PathBuf {
        self.tmp.path().join("repo")
    }

    /// A clean HOME for git and leakgate.
    pub fn home(&self) -> std::path::PathBuf {
        self.tmp.path().join("home")
    }

    fn command(&self, dir: &Path) -> std::process::Command {
        let mut cmd = std::process::Command::new("git");
        cmd.current_dir(dir)
            .env_clear()
            .env("PATH", path_with_leakgate())
            .env("HOME", self.home())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("NO_COLOR", "1")
            .args([
                "-c",
                "user.name=Test Author",
                "-c",
                "user.email=author@example.test",
            ])
            .args([
                "-c",
                "init.defaultBranch=main",
                "-c",
                "commit.gpgsign=false",
            ]);
        cmd
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let out = self.command(dir).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs git in the work tree, asserting success; returns stdout.
    pub fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.path(), args)
    }

    /// Runs git in the work tree and returns the whole output (success or not).
    pub fn git_output(&self, args: &[&str]) -> std::process::Output {
        self.command(&self.path()).args(args).output().unwrap()
    }

    /// Like [`GitRepo::git_output`], with extra environment variables (a hook's `LEAKGATE_*`
    /// knobs set for one push).
    pub fn git_output_with(&self, env: &[(&str, &str)], args: &[&str]) -> std::process::Output {
        let mut cmd = self.command(&self.path());
        for (key, value) in env {
            cmd.env(key, value);
        }
        cmd.args(args).output().unwrap()
    }

    /// A repository with a first commit pushed to a bare `origin` and `leakgate hook install`
    /// (plus `extra` flags) run in it.
    pub fn installed(extra: &[&str]) -> GitRepo {
        let repo = GitRepo::new();
        repo.commit(&[("README.md", "hello\n")], "init");
        repo.add_remote();
        repo.git(&["push", "-q", "origin", "main"]);
        let out = repo
            .leakgate()
            .args(["hook", "install"])
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        repo
    }

    /// Writes files and commits them; returns the commit id.
    pub fn commit(&self, files: &[(&str, &str)], message: &str) -> String {
        for (name, contents) in files {
            write(&self.path(), name, contents);
        }
        self.git(&["add", "-A"]);
        self.git(&[
            "commit",
            "-q",
            "--no-verify",
            "--allow-empty",
            "-m",
            message,
        ]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Creates a bare remote `origin` and pushes main to it (without hooks).
    pub fn add_remote(&self) -> std::path::PathBuf {
        let remote = self.tmp.path().join("remote.git");
        self.git_in(
            self.tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        self.git(&["remote", "add", "origin", remote.to_str().unwrap()]);
        remote
    }

    /// The id a ref has in the bare remote, or None.
    pub fn remote_ref(&self, name: &str) -> Option<String> {
        let out = self
            .command(&self.tmp.path().join("remote.git"))
            .args(["rev-parse", "--verify", "-q", name])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// `leakgate` run in the work tree with the same environment.
    pub fn leakgate(&self) -> Command {
        let mut cmd = leakgate(&self.home());
        cmd.current_dir(self.path())
            .env("PATH", path_with_leakgate());
        cmd
    }
}

/// Writes `content` into the repository's local Git LFS store, as `git lfs` lays it out
/// (`.git/lfs/objects/ab/cd/<sha256>`), and returns the pointer file that stands for it.
pub fn lfs_store(repo: &GitRepo, content: &str) -> String {
    use sha2::Digest as _;
    use std::fmt::Write as _;
    let oid = sha2::Sha256::digest(content.as_bytes())
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        });
    let dir = repo
        .path()
        .join(".git/lfs/objects")
        .join(&oid[..2])
        .join(&oid[2..4]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&oid), content).unwrap();
    format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize {}\n",
        content.len()
    )
}
