//! The built-in pack proves itself: every rule's examples through the full engine, plus the
//! `rules` subcommands as a user runs them.

use leakgate::{Engine, EngineOptions, RulePack, Strictness, run_examples};
use tempfile::TempDir;

use crate::support::{leakgate, write};

#[test]
fn every_builtin_rule_passes_its_examples() {
    let pack = RulePack::builtin(Strictness::Strict).expect("built-in pack validates");
    let engine = Engine::new(pack, EngineOptions::default());
    let all: Vec<usize> = (0..engine.rules().len()).collect();
    let failures = run_examples(&engine, &all);
    let report: Vec<String> = failures
        .iter()
        .map(|f| {
            format!(
                "{} #{} ({}): {}",
                f.rule_id,
                f.index + 1,
                if f.positive { "positive" } else { "negative" },
                f.reason
            )
        })
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn every_builtin_rule_has_two_examples_of_each_kind_and_a_remediation() {
    let pack = RulePack::builtin(Strictness::Strict).unwrap();
    for rule in &pack.rules {
        assert!(rule.examples.len() >= 2, "{} needs 2 examples", rule.id);
        assert!(
            rule.negative_examples.len() >= 2,
            "{} needs 2 negative examples",
            rule.id
        );
        assert!(
            !rule.remediation.is_empty(),
            "{} needs a remediation",
            rule.id
        );
    }
}

#[test]
fn rules_test_command_passes_on_the_builtin_pack() {
    let home = TempDir::new().unwrap();
    let out = leakgate(home.path())
        .args(["rules", "test"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(", 0 failed"));
}

#[test]
fn rules_test_reports_each_failure_with_its_stage() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "mine.toml",
        r#"
[[rules]]
id = "acme-token"
description = "Acme token."
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-z0-9]{32})\b'''
entropy = 3.0
examples = ["acme_{{alnumlower:32}}", "acme_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "nothing"]
negative_examples = ["acme_{{alnumlower:32}}"]
"#,
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["rules", "test", "mine.toml"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("acme-token: example 2: entropy 0.71 < 3.00"),
        "{err}"
    );
    assert!(
        err.contains("acme-token: example 3: no keyword hit"),
        "{err}"
    );
    assert!(
        err.contains("acme-token: negative example 1: matched"),
        "{err}"
    );
    assert!(err.contains("1 rules, 4 examples, 3 failed"), "{err}");
}

#[test]
fn rules_list_and_explain() {
    let home = TempDir::new().unwrap();
    let out = leakgate(home.path())
        .args(["rules", "list"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(list.lines().any(|l| l.starts_with("github-pat-classic ")));
    let out = leakgate(home.path())
        .args(["rules", "explain", "github-pat-classic"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("validator: github-checksum"), "{text}");
    assert!(text.contains("fix: Revoke"), "{text}");
    let out = leakgate(home.path())
        .args(["rules", "explain", "no-such"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `rules expand` fills placeholders deterministically, a rule's validator completes the
/// checksum (the token is then found), and a bad line or rule is one clear error.
#[test]
fn rules_expand_makes_fakes_that_scripts_can_use() {
    let home = TempDir::new().unwrap();
    let run = |args: &[&str], stdin: &str| {
        leakgate(home.path())
            .args(["rules", "expand"])
            .args(args)
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    let plain = run(&["--seed", "s", "x={{hex:8}}", "ghp_{{alnum:36}}"], "");
    assert!(plain.status.success());
    let lines: Vec<String> = String::from_utf8(plain.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines[0].len() == 10 && lines[0][2..].bytes().all(|b| b.is_ascii_hexdigit()));
    let again = run(&["--seed", "s", "x={{hex:8}}"], "");
    assert_eq!(String::from_utf8(again.stdout).unwrap().trim(), lines[0]);

    let input = "\"token = {{digits:4}}\"\n{\"template\": \"TOKEN=ghp_{{alnum:36}}\", \"rule\": \"github-pat-classic\"}\n";
    let batch = run(&["--jsonl"], input);
    assert!(batch.status.success());
    let values: Vec<String> = String::from_utf8(batch.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(values.len(), 2);
    assert!(values[0].starts_with("token = ") && values[0].len() == 12);
    // Without the rule the checksum is random and the token a look-alike; with it, a finding.
    for (text, expected) in [(values[1].as_str(), 1), (lines[1].as_str(), 0)] {
        let out = leakgate(home.path())
            .args(["stdin", "-f", "json"])
            .write_stdin(format!("{text}\n"))
            .output()
            .unwrap();
        let found = crate::support::found(&crate::support::json(&out.stdout));
        let github = found.iter().filter(|f| f.2 == "github-pat-classic").count();
        assert_eq!(github, expected, "{text}: {found:?}");
    }

    let bad = run(&["--jsonl"], "{\"x\": 1}\n");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("stdin line 1"));
    let unknown = run(&["--rule", "no-such-rule", "x"], "");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no rule 'no-such-rule'"));
}

/// Every match of a rule's regex holds one of the rule's keywords, standing where the rule's
/// `keyword_context` admits it. The keyword pass is what puts a regex to work at all, so a name
/// the regex accepts but no keyword spells (`MASTER-KEY:` where the keywords said `master_key`)
/// was silently never looked at. Checked on every positive example and on variants of it with
/// the separators and the case of its names changed, as people write them (`signing.key`,
/// `auth-key`, `ACCESSKEY`).
#[test]
fn every_match_of_a_rule_holds_one_of_its_keywords() {
    let pack = RulePack::builtin(Strictness::Strict).unwrap();
    let engine = Engine::new(pack, EngineOptions::default());
    let mut missing = Vec::new();
    for (r, rule) in engine.rules().iter().enumerate() {
        let Some(regex) = rule.regex() else { continue };
        let keywords: Vec<String> = rule
            .keywords
            .iter()
            .map(|k| k.to_ascii_lowercase())
            .collect();
        for (i, template) in rule.examples.iter().enumerate() {
            let text = leakgate::materialize_example(&engine, r, template, i, true);
            for variant in separator_and_case_variants(&text) {
                let bytes = variant.as_bytes();
                let lower = bytes.to_ascii_lowercase();
                for caps in regex.captures_iter(bytes) {
                    let whole = caps.get(0).unwrap().range();
                    // A keyword hit inside the match, where the rule's context lets it count.
                    let held = keywords.iter().any(|k| {
                        lower[whole.clone()]
                            .windows(k.len())
                            .enumerate()
                            .filter(|(_, w)| *w == k.as_bytes())
                            .any(|(at, _)| {
                                let start = whole.start + at;
                                rule.keyword_context.admits(bytes, start..start + k.len())
                            })
                    });
                    if !held {
                        missing.push(format!(
                            "{}: no keyword (in its context) in {:?}",
                            rule.id,
                            String::from_utf8_lossy(&bytes[whole])
                        ));
                    }
                }
            }
        }
    }
    missing.dedup();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// `text` with its name separators swapped (`_`, `-`, `.`, none) and in upper and lower case.
fn separator_and_case_variants(text: &str) -> Vec<String> {
    let mut out = vec![text.to_string(), text.to_uppercase(), text.to_lowercase()];
    for from in ['_', '-', '.'] {
        for to in ["_", "-", ".", ""] {
            if to != from.to_string() {
                out.push(text.replace(from, to));
            }
        }
    }
    out
}
