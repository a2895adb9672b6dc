//! Shared helpers: a hermetic `leakgate` command, temp trees, and test secrets generated at run
//! time from the same placeholder expander the rule examples use (no secret-shaped literals in
//! the repository).

use std::path::Path;

use assert_cmd::Command;
use leakgate::rules::examples::expand;
use leakgate::rules::validators::Validator;

/// `leakgate` with a cleared environment: only PATH, a temp HOME, no system git config, no color.
pub fn leakgate(home: &Path) -> Command {
    let mut cmd = Command::cargo_bin("leakgate").expect("binary built");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1");
    cmd
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

/// An AWS access key id.
pub fn aws_key_id(seed: usize) -> String {
    fake("AKIA{{base32:16}}", seed)
}

/// Writes `contents` to `dir/name`, creating parent directories.
pub fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, contents).unwrap();
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
