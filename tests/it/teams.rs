//! Team workflows: fingerprints that survive moves, ignore files, baselines, and every report
//! format parsing as what it claims to be.

use tempfile::TempDir;

use crate::support::{github_token, json, leakgate, private_ip, write};

fn fingerprints(dir: &TempDir, extra: &[&str]) -> (i32, Vec<String>) {
    let (code, report, _) = crate::support::scan_dir(dir.path(), extra);
    let mut prints: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap().to_owned())
        .collect();
    prints.sort();
    (code, prints)
}

#[test]
fn a_fingerprint_survives_moving_the_secret_to_another_file_and_line() {
    let dir = TempDir::new().unwrap();
    let token = github_token(300);
    write(dir.path(), "a/one.env", format!("T={token}\n"));
    let (_, before) = fingerprints(&dir, &[]);
    std::fs::remove_file(dir.path().join("a/one.env")).unwrap();
    write(
        dir.path(),
        "b/two.py",
        format!("\n\n\nx = 1\nTOKEN = \"{token}\"\n"),
    );
    let (_, after) = fingerprints(&dir, &[]);
    assert_eq!(before.len(), 1);
    assert_eq!(before, after);
    assert!(!before[0].contains(&token[4..]));
}

#[test]
fn ignore_command_appends_and_the_ignore_file_suppresses() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "x.env", format!("T={}\n", github_token(301)));
    let (code, prints) = fingerprints(&dir, &[]);
    assert_eq!(code, 1);
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["ignore", &prints[0], "--reason", "test fixture"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join(".leakgateignore")).unwrap();
    assert_eq!(text, format!("{}  # test fixture\n", prints[0]));
    let (code, prints) = fingerprints(&dir, &[]);
    assert_eq!((code, prints.len()), (0, 0));
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["ignore", "not-a-fingerprint"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn baseline_round_trip_fails_only_on_new_secrets() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "old.env",
        format!("T={}\nDB_HOST={}\n", github_token(302), private_ip(4)),
    );
    let baseline = dir.path().join("baseline.json");
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--write-baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&baseline).unwrap();
    let entries: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 2);
    assert!(
        !text.contains(&github_token(302)[4..]),
        "a baseline holds no secret"
    );
    let args = ["dir", ".", "-f", "json", "--baseline", "baseline.json"];
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    write(dir.path(), "new.env", format!("N={}\n", github_token(303)));
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out.stdout);
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["new.env"]);
    let rewritten = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--write-baseline", "b2.json"])
        .output()
        .unwrap();
    assert_eq!(rewritten.status.code(), Some(1));
    let again = std::fs::read_to_string(dir.path().join("b2.json")).unwrap();
    let again2 = {
        leakgate(dir.path())
            .current_dir(dir.path())
            .args(["dir", ".", "--write-baseline", "b3.json"])
            .output()
            .unwrap();
        std::fs::read_to_string(dir.path().join("b3.json")).unwrap()
    };
    assert_eq!(again, again2, "baselines are stable");
}

#[test]
fn every_format_parses() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "one, \"two\".env",
        format!("T={}\nDB_HOST={}\n", github_token(304), private_ip(5)),
    );
    let run = |format: &str| {
        let out = leakgate(dir.path())
            .current_dir(dir.path())
            .args(["dir", ".", "-f", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let doc = json(run("json").as_bytes());
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
    let lines: Vec<serde_json::Value> = run("jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let sarif = json(run("sarif").as_bytes());
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    assert_eq!(
        sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let csv = run("csv");
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0][0], "rule_id");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r.len() == rows[0].len() && r[2] == "one, \"two\".env")
    );
    let xml = run("junit");
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .count();
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    assert_eq!((cases, failures), (2, 2));
}

/// A small RFC 4180 reader: enough to prove the writer's quoting round-trips.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut field)),
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    rows
}

#[cfg(unix)]
#[test]
fn report_files_are_private() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = TempDir::new().unwrap();
    write(dir.path(), "a.env", format!("T={}\n", github_token(305)));
    leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "-f", "sarif", "-o", "out.sarif"])
        .output()
        .unwrap();
    let mode = std::fs::metadata(dir.path().join("out.sarif"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}
