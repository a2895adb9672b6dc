//! `.leakgate.toml` and `--config`: extending, disabling, replacing, and every bad-file case
//! failing with exit 2 and `file:line:col`. One table of cases (config text, files to scan,
//! expected outcome) drives one test body, which reports every failing case together.

use tempfile::TempDir;

use crate::support::{fake, found, github_token, json, leakgate, private_ip, write};

/// Where the config comes from.
#[derive(Clone, Copy)]
enum Via {
    /// `.leakgate.toml` at the scan root, found without a flag.
    Root,
    /// `--config <name>.toml`, a file outside the scanned tree.
    Flag,
}

/// What a run must end in.
enum Outcome {
    /// Exit 2 and nothing reported; stderr names `<name>.toml<at>` (`:line:col`) and says `says`.
    Rejected {
        at: &'static str,
        says: &'static str,
    },
    /// Exactly these `(file, line, rule)` findings (sorted), exit 1, or exit 0 when there are none.
    Finds(&'static [(&'static str, u64, &'static str)]),
}

/// One row of the table.
struct Case {
    /// Names the case in failures, and the config file under [`Via::Flag`].
    name: &'static str,
    /// The config text; `None` for `--config` naming a file that does not exist.
    config: Option<&'static str>,
    via: Via,
    /// Files to scan (besides a harmless `a.txt`). `{{class:N}}` placeholders expand, `{github}`
    /// becomes a GitHub token with a valid checksum and `{ip}` a private address.
    files: &'static [(&'static str, &'static str)],
    outcome: Outcome,
}

/// A case rejected under `--config`.
const fn rejected(
    name: &'static str,
    config: &'static str,
    at: &'static str,
    says: &'static str,
) -> Case {
    Case {
        name,
        config: Some(config),
        via: Via::Flag,
        files: &[],
        outcome: Outcome::Rejected { at, says },
    }
}

const CASES: &[Case] = &[
    rejected(
        "unknown_field",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\ncolour = \"red\"\n"
        ),
        ":8:1",
        "unknown field `colour`",
    ),
    rejected(
        "bad_regex",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":6:9",
        "invalid regex",
    ),
    rejected(
        "duplicate_id",
        concat!(
            "[[rules]]\nid = \"github-pat-classic\"\ndescription = \"Shadows a built-in rule.\"\n",
            "severity = \"high\"\nkeywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":2:6",
        "duplicate rule id 'github-pat-classic'",
    ),
    rejected(
        "missing_keywords",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = []\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":5:12",
        "keywords",
    ),
    rejected(
        "keyword_not_in_regex",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = [\"acme_\", \"zenith\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":5:12",
        "'zenith' can never occur",
    ),
    rejected(
        "example_does_not_match",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:12}}\"]\n"
        ),
        ":2:6",
        "example 1 failed: regex did not match",
    ),
    rejected(
        "unknown_severity",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"urgent\"\n",
            "keywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":4:12",
        "unknown severity 'urgent'",
    ),
    rejected(
        "no_capture_group",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = [\"acme_\"]\nregex = '''\\bacme_[a-z0-9]{32}\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":6:9",
        "no capture group",
    ),
    rejected(
        "reach_too_far",
        concat!(
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme token.\"\nseverity = \"high\"\n",
            "keywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\nreach = 100000\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        ),
        ":7:9",
        "`reach` must be between 1 and 32768",
    ),
    rejected("toml_syntax", "[[rules]\nid = \"acme-token\"\n", ":1:", ""),
    rejected(
        "unknown_disable",
        "disable = [\"no-such-rule\"]\n",
        ":1:12",
        "no-such-rule",
    ),
    rejected(
        "bad_allow_regex",
        "[allow]\npaths = ['''^tests/(''']\n",
        ":2:10",
        "invalid allowlist regex",
    ),
    Case {
        name: "missing_config_file",
        config: None,
        via: Via::Flag,
        files: &[],
        outcome: Outcome::Rejected { at: "", says: "" },
    },
    Case {
        name: "root_config_adds_rules_disables_and_allowlists",
        config: Some(concat!(
            "disable = [\"internal-host-private-ip\"]\n\n",
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme internal token.\"\n",
            "severity = \"high\"\nkeywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"token = acme_{{alnumlower:32}}\"]\n",
            "negative_examples = [\"acme_{{alnumlower:8}}\"]\n\n",
            "[allow]\npaths = ['''^fixtures/''']\n"
        )),
        via: Via::Root,
        files: &[
            ("app.cfg", "TOKEN=acme_{{alnumlower:32}}\nDB_HOST={ip}\n"),
            ("fixtures/t.env", "T={github}\n"),
        ],
        outcome: Outcome::Finds(&[("app.cfg", 1, "acme-token")]),
    },
    Case {
        name: "extend_default_false_replaces_the_pack",
        config: Some(concat!(
            "extend_default = false\n\n",
            "[[rules]]\nid = \"acme-token\"\ndescription = \"Acme internal token.\"\n",
            "severity = \"high\"\nkeywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\n",
            "examples = [\"acme_{{alnumlower:32}}\"]\n"
        )),
        via: Via::Root,
        // The built-in GitHub rule must be gone.
        files: &[("a.env", "T={github}\n")],
        outcome: Outcome::Finds(&[]),
    },
    Case {
        name: "internal_domains_report_hosts",
        config: Some("internal_domains = [\"acme-corp.net\"]\n"),
        via: Via::Root,
        files: &[(
            "settings.py",
            "\nDATABASE_HOST = 'pg-main.eu.acme-corp.net'\nDOCS_URL = 'https://acme.com'\n",
        )],
        outcome: Outcome::Finds(&[("settings.py", 2, "internal-host-custom-domain")]),
    },
];

#[test]
fn config_cases() {
    let failures: Vec<String> = CASES
        .iter()
        .enumerate()
        .filter_map(|(seed, case)| {
            check(case, seed)
                .err()
                .map(|e| format!("{}: {e}", case.name))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Sets up one case's files, runs `leakgate dir`, and compares with its outcome.
fn check(case: &Case, seed: usize) -> Result<(), String> {
    let temp = TempDir::new().unwrap();
    let tree = temp.path().join("tree");
    write(&tree, "a.txt", "hello\n");
    for (name, template) in case.files {
        write(&tree, name, expand(template, seed));
    }
    let config_path = temp.path().join(format!("{}.toml", case.name));
    let mut cmd = leakgate(&tree);
    cmd.current_dir(&tree).args(["dir", ".", "-f", "json"]);
    match (case.via, case.config) {
        (Via::Root, Some(text)) => write(&tree, ".leakgate.toml", text),
        (Via::Flag, Some(text)) => write(temp.path(), &format!("{}.toml", case.name), text),
        (_, None) => {}
    }
    if let Via::Flag = case.via {
        cmd.arg("--config").arg(&config_path);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    match &case.outcome {
        Outcome::Rejected { at, says } => {
            let place = format!("{}.toml{at}", case.name);
            if code != Some(2) || !out.stdout.is_empty() {
                return Err(format!("want exit 2 and no report, got {code:?}: {stderr}"));
            }
            if !stderr.contains(&place) || !stderr.contains(says) {
                return Err(format!("want `{place}` and `{says}` on stderr: {stderr}"));
            }
        }
        Outcome::Finds(want) => {
            let want: Vec<(String, u64, String)> = want
                .iter()
                .map(|(f, l, r)| ((*f).to_owned(), *l, (*r).to_owned()))
                .collect();
            let want_code = i32::from(!want.is_empty());
            if code != Some(want_code) {
                return Err(format!("want exit {want_code}, got {code:?}: {stderr}"));
            }
            let got = found(&json(&out.stdout));
            if got != want {
                return Err(format!("want {want:?}, got {got:?}"));
            }
        }
    }
    Ok(())
}

/// A case's file text, with its secrets made at run time.
fn expand(template: &str, seed: usize) -> String {
    fake(template, seed)
        .replace("{github}", &github_token(seed))
        .replace("{ip}", &private_ip(seed as u8 + 1))
}

#[test]
fn the_checker_catches_wrong_expectations() {
    // The table's checker must notice a wrong expectation, not only pass good ones.
    let wrong = rejected(
        "unknown_disable",
        "disable = [\"no-such-rule\"]\n",
        ":9:9",
        "",
    );
    assert!(check(&wrong, 0).is_err());
    let wrong = Case {
        name: "finds_nothing",
        config: Some("internal_domains = [\"acme-corp.net\"]\n"),
        via: Via::Root,
        files: &[("s.py", "HOST = 'db.acme-corp.net'\n")],
        outcome: Outcome::Finds(&[]),
    };
    assert!(check(&wrong, 0).is_err());
}
