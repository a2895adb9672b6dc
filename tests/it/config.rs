//! `.leakgate.toml` and `--config`: extending, disabling, replacing, and every bad-file case
//! failing with exit 2 and `file:line:col`.

use std::path::PathBuf;

use tempfile::TempDir;

use crate::support::{fake, found, github_token, json, leakgate, private_ip, write};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config/invalid")
        .join(name)
}

/// Runs `dir` with a bad config and returns stderr, asserting exit 2.
fn rejected(name: &str) -> String {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a.txt", "hello\n");
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--config"])
        .arg(fixture(name))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "{name}: nothing may be reported");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn unknown_field() {
    let err = rejected("unknown_field.toml");
    assert!(err.contains("unknown_field.toml:8:1"), "{err}");
    assert!(err.contains("unknown field `colour`"), "{err}");
}

#[test]
fn bad_regex() {
    let err = rejected("bad_regex.toml");
    assert!(err.contains("bad_regex.toml:6:9"), "{err}");
    assert!(err.contains("invalid regex"), "{err}");
}

#[test]
fn duplicate_id() {
    let err = rejected("duplicate_id.toml");
    assert!(err.contains("duplicate_id.toml:2:6"), "{err}");
    assert!(
        err.contains("duplicate rule id 'github-pat-classic'"),
        "{err}"
    );
}

#[test]
fn missing_keywords() {
    let err = rejected("missing_keywords.toml");
    assert!(err.contains("missing_keywords.toml:5:12"), "{err}");
    assert!(err.contains("keywords"), "{err}");
}

#[test]
fn keyword_not_in_regex() {
    let err = rejected("keyword_not_in_regex.toml");
    assert!(err.contains("keyword_not_in_regex.toml:5:12"), "{err}");
    assert!(err.contains("'zenith' can never occur"), "{err}");
}

#[test]
fn example_does_not_match() {
    let err = rejected("example_does_not_match.toml");
    assert!(err.contains("example_does_not_match.toml:2:6"), "{err}");
    assert!(
        err.contains("example 1 failed: regex did not match"),
        "{err}"
    );
}

#[test]
fn unknown_severity() {
    let err = rejected("unknown_severity.toml");
    assert!(err.contains("unknown_severity.toml:4:12"), "{err}");
    assert!(err.contains("unknown severity 'urgent'"), "{err}");
}

#[test]
fn no_capture_group() {
    let err = rejected("no_capture_group.toml");
    assert!(err.contains("no_capture_group.toml:6:9"), "{err}");
    assert!(err.contains("no capture group"), "{err}");
}

#[test]
fn toml_syntax_error() {
    let err = rejected("toml_syntax.toml");
    assert!(err.contains("toml_syntax.toml:1:"), "{err}");
}

#[test]
fn disabling_an_unknown_rule() {
    let err = rejected("unknown_disable.toml");
    assert!(err.contains("unknown_disable.toml:1:12"), "{err}");
    assert!(err.contains("no-such-rule"), "{err}");
}

#[test]
fn missing_config_file_is_an_error() {
    let dir = TempDir::new().unwrap();
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--config", "nope.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope.toml"));
}

#[test]
fn config_at_root_adds_rules_disables_and_allowlists() {
    let dir = TempDir::new().unwrap();
    let custom = fake("acme_{{alnumlower:32}}", 1);
    write(
        dir.path(),
        ".leakgate.toml",
        r#"
disable = ["internal-host-private-ip"]

[[rules]]
id = "acme-token"
description = "Acme internal token."
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-z0-9]{32})\b'''
examples = ["token = acme_{{alnumlower:32}}"]
negative_examples = ["acme_{{alnumlower:8}}"]

[allow]
paths = ['''^fixtures/''']
"#,
    );
    write(
        dir.path(),
        "app.cfg",
        format!("TOKEN={custom}\nDB_HOST={}\n", private_ip(1)),
    );
    write(
        dir.path(),
        "fixtures/t.env",
        format!("T={}\n", github_token(2)),
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        found(&json(&out.stdout)),
        vec![("app.cfg".to_owned(), 1, "acme-token".to_owned())]
    );
}

#[test]
fn extend_default_false_replaces_the_pack() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        ".leakgate.toml",
        r#"
extend_default = false

[[rules]]
id = "acme-token"
description = "Acme internal token."
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-z0-9]{32})\b'''
examples = ["acme_{{alnumlower:32}}"]
"#,
    );
    write(dir.path(), "a.env", format!("T={}\n", github_token(3)));
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "the built-in GitHub rule must be gone"
    );
}

#[test]
fn internal_domains_report_hosts() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        ".leakgate.toml",
        "internal_domains = [\"acme-corp.net\"]\n",
    );
    write(
        dir.path(),
        "settings.py",
        "\nDATABASE_HOST = 'pg-main.eu.acme-corp.net'\nDOCS_URL = 'https://acme.com'\n",
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        found(&json(&out.stdout)),
        vec![(
            "settings.py".to_owned(),
            2,
            "internal-host-custom-domain".to_owned()
        )]
    );
}

#[test]
fn bad_allowlist_regex() {
    let err = rejected("bad_allow_regex.toml");
    assert!(err.contains("bad_allow_regex.toml:2:10"), "{err}");
    assert!(err.contains("invalid allowlist regex"), "{err}");
}

#[test]
fn reach_too_far() {
    let err = rejected("reach_too_far.toml");
    assert!(err.contains("reach_too_far.toml:7:9"), "{err}");
    assert!(err.contains("`reach` must be between 1 and 32768"), "{err}");
}
