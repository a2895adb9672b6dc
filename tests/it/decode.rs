//! The decoding stage (issue 12, item 3) and confidence levels (item 4): each decoding, the
//! depth bound, placement on the encoded text, the Kubernetes case, the plain finding winning,
//! the `--confidence` floor in every format, and encoded text finding what its plain text finds.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tempfile::TempDir;

use crate::support::{fake, github_token, leakgate, scan_dir, write};

/// A password long and random enough for `generic-password`.
fn password(seed: usize) -> String {
    fake("{{alnum:20}}", seed)
}

/// Scans one file holding `contents`, returning the exit code and the JSON findings.
fn scan_file(name: &str, contents: &str, extra: &[&str]) -> (i32, Vec<serde_json::Value>) {
    let dir = TempDir::new().unwrap();
    write(dir.path(), name, contents);
    let (code, report, _) = scan_dir(dir.path(), extra);
    (code, report["findings"].as_array().unwrap().clone())
}

/// Writes every byte of `text` through `encode`.
fn each_byte(text: &str, encode: impl Fn(&mut String, u8) -> std::fmt::Result) -> String {
    text.bytes().fold(String::new(), |mut out, b| {
        encode(&mut out, b).unwrap();
        out
    })
}

/// Percent-encodes every byte.
fn percent_all(text: &str) -> String {
    each_byte(text, |out, b| write!(out, "%{b:02X}"))
}

/// Escapes every character as `\u00XX` (ASCII input).
fn json_escape_all(text: &str) -> String {
    each_byte(text, |out, b| write!(out, "\\u{b:04x}"))
}

/// Writes every character as a decimal character reference (ASCII input).
fn entities_all(text: &str) -> String {
    each_byte(text, |out, b| write!(out, "&#{b};"))
}

fn summary(f: &serde_json::Value) -> (String, u64, u64, Option<String>) {
    (
        f["rule_id"].as_str().unwrap().to_owned(),
        f["line"].as_u64().unwrap(),
        f["column"].as_u64().unwrap(),
        f["decoded"].as_str().map(str::to_owned),
    )
}

#[test]
fn base64_of_a_token_is_found_on_the_encoded_line_and_column() {
    let encoded = STANDARD.encode(github_token(71));
    let (code, findings) = scan_file("notes.txt", &format!("intro\n  blob {encoded} end\n"), &[]);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        summary(&findings[0]),
        ("github-pat-classic".into(), 2, 8, Some("base64".into()))
    );
    assert_eq!(
        findings[0]["end_column"].as_u64().unwrap(),
        8 + encoded.len() as u64
    );
}

#[test]
fn percent_encoding_is_decoded_and_the_secret_keeps_its_own_column() {
    let p = password(72);
    let line = format!("redirect=https://acme.io/cb?q=password%3D%22{p}%22\n");
    let (_, findings) = scan_file("app.conf", &line, &[]);
    let column = line.find(&p).unwrap() as u64 + 1;
    assert_eq!(
        findings.iter().map(summary).collect::<Vec<_>>(),
        vec![("generic-password".into(), 1, column, Some("percent".into()))]
    );
}

#[test]
fn json_escapes_are_decoded() {
    let p = password(73);
    let text = format!("body = \"{{\\u0022password\\u0022: \\u0022{p}\\u0022}}\"\n");
    let (_, findings) = scan_file("client.js", &text, &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["rule_id"], "generic-password");
    assert_eq!(findings[0]["decoded"], "json-escape");
}

#[test]
fn html_entities_are_decoded() {
    let p = password(74);
    let text = format!("<p>\n<input value=\"password=&quot;{p}&quot;\">\n");
    let (_, findings) = scan_file("form.html", &text, &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(
        summary(&findings[0]).3.as_deref(),
        Some("html-entity"),
        "{findings:?}"
    );
    assert_eq!(findings[0]["line"], 2);
}

#[test]
fn two_encodings_deep_are_found_and_three_are_not() {
    let token = github_token(75);
    let twice = STANDARD.encode(STANDARD.encode(&token));
    let (_, findings) = scan_file("a.txt", &format!("x {twice}\n"), &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["decoded"], "base64+base64");

    let percent_in_base64 =
        STANDARD.encode(percent_all(&format!("password = \"{}\"", password(76))));
    let (_, findings) = scan_file("b.txt", &format!("x {percent_in_base64}\n"), &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["decoded"], "base64+percent");

    let thrice = STANDARD.encode(&twice);
    let (code, findings) = scan_file("c.txt", &format!("x {thrice}\n"), &[]);
    assert_eq!((code, findings.len()), (0, 0), "{findings:?}");
}

#[test]
fn an_escaped_character_inside_base64_is_decoded_twice_deep_on_a_long_escaped_line() {
    // JSON writers escape characters inside values (PHP writes `/` as `\/`, others `\u00XX`):
    // the base64 value is whole only after unescaping. The line around it is long and full of
    // other escapes, the case the second level reads only near decoded bytes for.
    let encoded = STANDARD.encode(github_token(80));
    let escaped = format!(
        "{}\\u{:04x}{}",
        &encoded[..10],
        encoded.as_bytes()[10],
        &encoded[11..]
    );
    let filler = "\\\"key\\\": \\\"v\\\", ".repeat(2000);
    let line = format!("{filler}\\\"blob\\\": \\\"{escaped}\\\" {filler}");
    let (_, findings) = scan_file("dump.json", &format!("{{\"x\": \"{line}\"}}\n"), &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["decoded"], "json-escape+base64", "{findings:?}");
}

#[test]
fn the_plain_finding_wins_over_the_same_secret_decoded() {
    // generic-password reads `\"` itself; the json-escape pass sees the same secret.
    let p = password(77);
    let text = format!("s = \"{{\\\"password\\\": \\\"{p}\\\"}}\"\n");
    let (_, findings) = scan_file("c.js", &text, &[]);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(findings[0].get("decoded").is_none(), "{findings:?}");
}

#[test]
fn kubernetes_secret_values_are_decoded_as_before_and_named() {
    let p = STANDARD.encode(password(78));
    let yaml = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  user: YXBw\n  DB_PASSWORD: {p}\n"
    );
    let (code, findings) = scan_file("k8s/db.yaml", &yaml, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings.iter().map(summary).collect::<Vec<_>>(),
        vec![("generic-password-bare".into(), 7, 16, Some("base64".into()))]
    );
}

#[test]
fn a_scan_of_encoded_text_finds_what_the_plain_text_gives() {
    for seed in 0..4 {
        let texts = [
            format!("password = \"{}\"", password(80 + seed)),
            format!("token {}", github_token(90 + seed)),
            format!("Authorization: Bearer {}", fake("{{alnum:40}}", 100 + seed)),
        ];
        for text in &texts {
            let (_, plain) = scan_file("p.txt", &format!("{text}\n"), &[]);
            let want: Vec<String> = plain.iter().map(|f| summary(f).0).collect();
            assert_eq!(want.len(), 1, "{text}: {plain:?}");
            let encodings = [
                ("base64", STANDARD.encode(text)),
                ("percent", percent_all(text)),
                ("json-escape", json_escape_all(text)),
                ("html-entity", entities_all(text)),
            ];
            for (name, encoded) in encodings {
                let (_, found) = scan_file("e.txt", &format!("first\n{encoded}\n"), &[]);
                let got: Vec<(String, u64, Option<String>)> = found
                    .iter()
                    .map(|f| {
                        let (rule, line, _, decoded) = summary(f);
                        (rule, line, decoded)
                    })
                    .collect();
                assert_eq!(
                    got,
                    vec![(want[0].clone(), 2, Some(name.to_owned()))],
                    "{name} of {text:?}: {encoded}"
                );
            }
        }
    }
}

/// A high-confidence token and a low-confidence short password.
fn mixed_confidence() -> String {
    format!(
        "token {}\ndb_password = \"{}\"\n",
        github_token(110),
        fake("{{lower:5}}", 111)
    )
}

#[test]
fn the_confidence_floor_defaults_to_medium_and_low_adds_heuristics() {
    let text = mixed_confidence();
    let (_, findings) = scan_file("app.py", &text, &[]);
    let rules: Vec<(String, String)> = findings
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().into(),
                f["confidence"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(rules, vec![("github-pat-classic".into(), "high".into())]);

    let dir = TempDir::new().unwrap();
    write(dir.path(), "app.py", &text);
    let (_, report, _) = scan_dir(dir.path(), &["--confidence", "low"]);
    let confidences: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["confidence"].as_str().unwrap())
        .collect();
    assert_eq!(confidences, vec!["high", "low"]);
    assert_eq!(report["findings"][1]["rule_id"], "password-short-word");
    assert_eq!(report["summary"]["by_confidence"]["high"], 1);
    assert_eq!(report["summary"]["by_confidence"]["low"], 1);

    let (code, findings) = scan_file(
        "app.py",
        "db_password = \"qwert\"\n",
        &["--confidence", "high"],
    );
    assert_eq!((code, findings.len()), (0, 0));
}

#[test]
fn every_format_shows_confidence_and_decoding() {
    let dir = TempDir::new().unwrap();
    let encoded = STANDARD.encode(github_token(120));
    write(dir.path(), "a.txt", format!("x {encoded}\n"));
    let run = |format: &str| {
        let out = leakgate(dir.path())
            .current_dir(dir.path())
            .args(["dir", ".", "-f", format])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("text");
    assert!(text.contains("(confidence high, decoded base64)"), "{text}");
    assert!(text.contains("confidence 1 high"), "{text}");
    let csv = run("csv");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",confidence,decoded,validation,validation_detail"),
        "{csv}"
    );
    assert!(
        csv.lines().nth(1).unwrap().ends_with(",high,base64,,"),
        "{csv}"
    );
    let sarif = run("sarif");
    assert!(
        sarif.contains("\"confidence\": \"high\"") && sarif.contains("\"decoded\": \"base64\""),
        "{sarif}"
    );
    let markdown = run("markdown");
    assert!(
        markdown.contains("| high |") && markdown.contains("(decoded base64)"),
        "{markdown}"
    );
    let junit = run("junit");
    assert!(junit.contains("confidence high, decoded base64"), "{junit}");
    let jsonl = run("jsonl");
    assert!(
        jsonl.contains("\"confidence\":\"high\"") && jsonl.contains("\"decoded\":\"base64\""),
        "{jsonl}"
    );
}

#[test]
fn an_unknown_confidence_is_a_one_line_error() {
    let dir = TempDir::new().unwrap();
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--confidence", "sure"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("'sure' is not a confidence (high, medium, low)"),
        "{stderr}"
    );
}
