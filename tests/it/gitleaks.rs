//! `leakgate rules import-gitleaks`: a realistic gitleaks configuration (105 rules, every
//! feature) is converted, the result alone (`extend_default = false`) finds what each converted
//! rule describes on examples written per rule, and everything unconverted is listed on stderr
//! and kept as a comment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::support::{aws_key_id, fake, found, github_token, json, leakgate, write};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gitleaks")
}

/// Copies the fixture configuration (with its base and `.gitleaksignore`) into `dir` and converts
/// it to `dir/converted.toml`; returns stderr.
fn convert_large(dir: &Path) -> String {
    for name in [
        "large.gitleaks.toml",
        "base.gitleaks.toml",
        ".gitleaksignore",
    ] {
        std::fs::copy(fixtures().join(name), dir.join(name)).unwrap();
    }
    let out = leakgate(dir)
        .current_dir(dir)
        .args([
            "rules",
            "import-gitleaks",
            "large.gitleaks.toml",
            "-o",
            "converted.toml",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

/// The examples file: (expected rule or None, file, expanded text).
fn examples() -> Vec<(Option<String>, String, String)> {
    let text = std::fs::read_to_string(fixtures().join("large.examples.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            let mut parts = line.splitn(3, '\t');
            let expect = parts.next().unwrap();
            let file = parts.next().unwrap().to_owned();
            let template = parts.next().unwrap().replace("\\n", "\n");
            let expect = (expect != "-").then(|| expect.to_owned());
            (expect, file, fake(&template, i))
        })
        .collect()
}

fn converted_ids(path: &Path) -> BTreeSet<String> {
    let table: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    table["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn converted_configuration_alone_finds_what_each_rule_describes() {
    let dir = TempDir::new().unwrap();
    let stderr = convert_large(dir.path());
    assert!(
        stderr.contains("104 rules converted, 2 kept as comments"),
        "{stderr}"
    );
    let tree = dir.path().join("tree");
    let mut files = std::collections::BTreeMap::<String, String>::new();
    let mut expected = Vec::new();
    for (expect, file, text) in examples() {
        let body = files.entry(file.clone()).or_default();
        let line = body.lines().count() as u64 + 1;
        body.push_str(&text);
        body.push('\n');
        if let Some(rule) = expect {
            expected.push((file, line, rule));
        }
    }
    for (name, body) in &files {
        write(&tree, name, body);
    }
    let out = leakgate(dir.path())
        .current_dir(&tree)
        .args(["dir", ".", "-f", "json", "--config"])
        .arg(dir.path().join("converted.toml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    expected.sort();
    assert_eq!(found(&json(&out.stdout)), expected);
    let covered: BTreeSet<String> = expected.into_iter().map(|(_, _, r)| r).collect();
    assert_eq!(covered, converted_ids(&dir.path().join("converted.toml")));
}

#[test]
fn unconverted_features_are_listed_on_stderr_and_kept_as_comments() {
    let dir = TempDir::new().unwrap();
    let stderr = convert_large(dir.path());
    let output = std::fs::read_to_string(dir.path().join("converted.toml")).unwrap();
    for (on_stderr, in_file) in [
        (
            "`minVersion = \"v8.25.0\"` has no leakgate equivalent",
            "# not converted: minVersion",
        ),
        (
            "allowlist commits [\"1111",
            "# not converted: allowlist commits [\"1111",
        ),
        (
            "condition = \"AND\" over several criteria",
            "condition = \"AND\", paths = [\"^fixtures/\"]",
        ),
        (
            "rule 'pkcs12-keystore': has only a `path`",
            "# gitleaks rule 'pkcs12-keystore' (not converted):",
        ),
        (
            "rule 'bare-hex-secret': has no keywords",
            "# gitleaks rule 'bare-hex-secret' (not converted):",
        ),
        (
            "rule 'orbit-webhook-secret': keyword 'webhook' is not a literal",
            "keyword 'webhook'",
        ),
        (
            "rule 'client-secret-pair': `skipReport = false`",
            "# not converted: skipReport = false",
        ),
        (
            "rule 'client-secret-pair': `[[required]]",
            "# not converted: [[required]]",
        ),
        (
            "rule 'tidal-hook-url': allowlist regexes over the whole line",
            "allowlist regexes over the whole line",
        ),
        ("allowlist commits [\"2222", "allowlist commits [\"2222"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains("not converted: ") && l.contains(on_stderr)),
            "{on_stderr}\n{stderr}"
        );
        assert!(output.contains(in_file), "{in_file}");
    }
    assert!(
        stderr.contains("targetRules 'no-such-rule': no such rule"),
        "{stderr}"
    );
    assert!(
        stderr.contains(".gitleaksignore: 2 fingerprints not converted"),
        "{stderr}"
    );
    assert!(stderr.contains("--write-baseline"), "{stderr}");
    for translated in [
        "rule 'legacy-dotted-token': `\\Q...\\E` quoting",
        "rule 'octal-colon-key': octal escapes",
        "rule 'xml-api-secret': `\\<` and `\\>`",
        "rule 'bracket-assigned-token': a bare `[`",
        "rule 'ampersand-joined-token': `&&`",
        "rule 'unicode-label-key': Unicode classes",
        "rule 'brightdesk-api-token': keywords derived from the regex: brigh_",
    ] {
        assert!(
            stderr.contains(&format!("translated: {translated}")),
            "{translated}\n{stderr}"
        );
    }
    assert!(output.contains("id = \"corp-restricted-key\"\n# gitleaks id: Corp_Restricted_Key"));
    assert!(
        output.contains("paths = ['''(?i)(^|/)\\.env(\\.[a-z]+)?$''']"),
        "{output}"
    );
    assert!(output.contains("multiline = true"));
}

#[test]
fn converted_configuration_passes_rules_test_with_its_rules_counted_as_untested() {
    let dir = TempDir::new().unwrap();
    convert_large(dir.path());
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["rules", "test", "converted.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "104 rules, 0 examples, 0 failed, 104 imported rules without examples (untested)"
        ),
        "{stderr}"
    );
}

#[test]
fn use_default_keeps_the_builtin_pack_and_maps_disabled_rules() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "gitleaks.toml",
        "[extend]\nuseDefault = true\ndisabledRules = [\"github-pat-classic\", \"gitleaks-only-rule\"]\n",
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["rules", "import-gitleaks", "gitleaks.toml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let converted = String::from_utf8(out.stdout).unwrap();
    assert!(
        converted.contains("extend_default = true\ndisable = [\"github-pat-classic\"]"),
        "{converted}"
    );
    assert!(
        stderr.contains("disabledRules 'gitleaks-only-rule' is not a leakgate rule id"),
        "{stderr}"
    );
    write(dir.path(), "tree/.leakgate.toml", &converted);
    write(
        dir.path(),
        "tree/a.env",
        format!(
            "GH={}\nAWS_ACCESS_KEY_ID={}\n",
            github_token(1),
            aws_key_id(2)
        ),
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path().join("tree"))
        .args(["dir", ".", "-f", "json"])
        .output()
        .unwrap();
    let rules: Vec<String> = found(&json(&out.stdout)).into_iter().map(|f| f.2).collect();
    assert_eq!(rules, vec!["aws-access-key-id".to_owned()]);
}

#[test]
fn refuses_to_overwrite_and_names_a_file_that_is_not_a_gitleaks_config() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "bad.toml", "rules = 3\n");
    write(dir.path(), "out.toml", "keep me\n");
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["rules", "import-gitleaks", "bad.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("bad.toml: not a gitleaks configuration: rules must be an array of tables"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["rules", "import-gitleaks", "bad.toml", "-o", "out.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .contains("out.toml already exists; choose another -o path or pass --force")
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("out.toml")).unwrap(),
        "keep me\n"
    );
}
