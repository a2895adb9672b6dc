//! `leakgate dir` and `leakgate stdin` on real temp trees.

use tempfile::TempDir;

use crate::support::{aws_key_id, fake, found, github_token, json, leakgate, private_ip, write};

fn scan_json(dir: &TempDir, extra: &[&str]) -> (i32, serde_json::Value) {
    let (code, report, _) = crate::support::scan_dir(dir.path(), extra);
    (code, report)
}

/// (path, contents, rule) of one planted secret per category.
fn category_cases() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "src/vcs.py",
            format!("import os\n\nTOKEN = \"{}\"\n", github_token(1)),
            "github-pat-classic",
        ),
        (
            "deploy/aws.env",
            format!(
                "# aws\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID={}\n",
                aws_key_id(2)
            ),
            "aws-access-key-id",
        ),
        (
            "chat/bot.js",
            format!(
                "const a = 1;\nconst slack = 'xoxb-{}';\n",
                fake("{{digits:12}}-{{digits:12}}-{{alnum:24}}", 3)
            ),
            "slack-bot-token",
        ),
        (
            "pay/stripe.rb",
            format!(
                "\n\n\nStripe.api_key = 'sk_live_{}'\n",
                fake("{{alnum:24}}", 4)
            ),
            "stripe-secret-key",
        ),
        (
            "ai/client.ts",
            format!(
                "export const key = \"sk-ant-api03-{}AA\";\n",
                fake("{{base64url:93}}", 5)
            ),
            "anthropic-api-key",
        ),
        (
            "config/database.yml",
            format!(
                "production:\n  url: postgres://app:{}@db.acme.io:5432/app\n",
                fake("{{alnum:20}}", 6)
            ),
            "database-url-password",
        ),
        (
            "config/app.yaml",
            format!(
                "db:\n  user: app\n  password: \"{}\"\n",
                fake("{{alnum:10}}{{digits:4}}", 7)
            ),
            "generic-password",
        ),
        (
            "config/hosts.ini",
            format!("[db]\nhost = {}\n", private_ip(2)),
            "internal-host-private-ip",
        ),
        (
            "keys/id_rsa",
            format!(
                "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
                fake("{{pem:rsa}}", 8),
            ),
            "private-key-pem",
        ),
        (
            "registry/.npmrc",
            format!(
                "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={}\n",
                fake("{{alnum:40}}", 10)
            ),
            "npmrc-auth-token",
        ),
    ]
}

#[test]
fn planted_secrets_of_each_category_are_found_at_their_line() {
    let dir = TempDir::new().unwrap();
    let cases = category_cases();
    for (path, contents, _) in &cases {
        write(dir.path(), path, contents);
    }
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 1);
    let expected_lines = [3, 3, 2, 4, 1, 2, 3, 2, 1, 2];
    let mut expected: Vec<(String, u64, String)> = cases
        .iter()
        .zip(expected_lines)
        .map(|((path, _, rule), line)| ((*path).to_owned(), line, (*rule).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(found(&report), expected);
}

#[test]
fn clean_tree_exits_zero() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "src/main.rs",
        "fn main() { println!(\"hello\"); }\n",
    );
    write(
        dir.path(),
        "config.yaml",
        "password: ${DB_PASSWORD}\nhost: localhost\n",
    );
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["summary"]["files"], 2);
}

#[test]
fn binary_and_oversize_files_are_skipped_and_counted() {
    let dir = TempDir::new().unwrap();
    let token = github_token(11);
    let mut binary = b"\x00\x01\x02 binary ".to_vec();
    binary.extend_from_slice(token.as_bytes());
    write(dir.path(), "blob.bin", binary);
    write(
        dir.path(),
        "big.txt",
        format!("{}\nt = {token}\n", "x".repeat(4096)),
    );
    write(dir.path(), "ok.txt", "nothing here\n");
    let (code, report) = scan_json(&dir, &["--max-file-size", "1K"]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["skipped"]["binary"], 1);
    assert_eq!(report["summary"]["skipped"]["too_large"], 1);
    assert_eq!(report["summary"]["files"], 1);
}

#[test]
fn gitignored_files_are_skipped_unless_no_ignore() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), ".gitignore", "secrets.env\n");
    write(
        dir.path(),
        "secrets.env",
        format!("GITHUB_TOKEN={}\n", github_token(12)),
    );
    let (code, _) = scan_json(&dir, &[]);
    assert_eq!(code, 0);
    let (code, report) = scan_json(&dir, &["--no-ignore"]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("secrets.env".to_owned(), 1, "github-pat-classic".to_owned())]
    );
}

#[test]
fn invalid_utf8_around_a_secret_does_not_hide_it() {
    let dir = TempDir::new().unwrap();
    let mut bytes = b"\xff\xfe garbage \xc3\x28\n".to_vec();
    bytes.extend_from_slice(format!("key=\"{}\" ", github_token(13)).as_bytes());
    bytes.extend_from_slice(b"\xe2\x82\xff\n");
    write(dir.path(), "mixed.dat", bytes);
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&report),
        vec![("mixed.dat".to_owned(), 2, "github-pat-classic".to_owned())]
    );
}

#[test]
fn secrets_are_masked_unless_show_secrets() {
    let dir = TempDir::new().unwrap();
    let token = github_token(14);
    write(dir.path(), "a.txt", format!("t={token}\n"));
    for format in ["text", "json", "jsonl", "csv", "sarif", "junit"] {
        let out = leakgate(dir.path())
            .current_dir(dir.path())
            .args(["dir", ".", "-f", format])
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!stdout.contains(&token), "{format} leaked the secret");
        assert!(
            stdout.contains("ghp_****"),
            "{format} does not show the masked form"
        );
    }
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args(["dir", ".", "--show-secrets"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(&token));
}

#[test]
fn inline_allow_suppresses_unless_disabled() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "a.py",
        format!(
            "TOKEN = '{}'  # leakgate:allow test fixture\n",
            github_token(15)
        ),
    );
    let (code, _) = scan_json(&dir, &[]);
    assert_eq!(code, 0);
    let (code, _) = scan_json(&dir, &["--no-inline-allow"]);
    assert_eq!(code, 1);
}

#[test]
fn json_report_has_the_documented_fields() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "sub/dir/conf.env",
        format!("\nGITHUB_TOKEN={}\n", github_token(16)),
    );
    let (_, report) = scan_json(&dir, &[]);
    let f = &report["findings"][0];
    for field in [
        "rule_id",
        "description",
        "severity",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "secret",
        "fingerprint",
        "commit",
        "tags",
    ] {
        assert!(f.get(field).is_some(), "missing {field}");
    }
    assert_eq!(f["file"], "sub/dir/conf.env");
    assert_eq!(f["column"], 14);
    assert_eq!(f["end_column"], 54);
    assert!(f["commit"].is_null());
    assert_eq!(f["severity"], "critical");
    assert_eq!(report["summary"]["by_severity"]["critical"], 1);
}

#[test]
fn fail_on_raises_the_threshold() {
    let dir = TempDir::new().unwrap();
    write(
        dir.path(),
        "hosts.env",
        format!("DB_HOST={}\n", private_ip(3)),
    );
    let (code, _) = scan_json(&dir, &[]);
    assert_eq!(code, 1);
    let (code, report) = scan_json(&dir, &["--fail-on", "high"]);
    assert_eq!(code, 0, "a low finding must not fail with --fail-on high");
    assert_eq!(
        report["findings"].as_array().unwrap().len(),
        1,
        "but it is still reported"
    );
}

#[test]
fn stdin_is_scanned_under_its_name() {
    let home = TempDir::new().unwrap();
    let out = leakgate(home.path())
        .args(["stdin", "--name", "pasted.txt", "-f", "json"])
        .write_stdin(format!(
            "line one\nexport GITHUB_TOKEN={}\n",
            github_token(17)
        ))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        found(&json(&out.stdout)),
        vec![("pasted.txt".to_owned(), 2, "github-pat-classic".to_owned())]
    );
}

/// Standard input past `--max-file-size` is not read: what came before is scanned, and the
/// summary says the rest was not.
#[test]
fn stdin_past_the_size_limit_is_cut_and_says_so() {
    let home = TempDir::new().unwrap();
    let early = format!("export GITHUB_TOKEN={}\n", github_token(18));
    let late = format!("export GITHUB_TOKEN={}\n", github_token(19));
    let filler = "let value = compute(1, 2, 3);\n".repeat(2000);
    let out = leakgate(home.path())
        .args(["stdin", "--max-file-size", "10K", "-f", "json"])
        .write_stdin(format!("{early}{filler}{late}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out.stdout);
    assert_eq!(
        found(&report),
        vec![("-".to_owned(), 1, "github-pat-classic".to_owned())]
    );
    assert_eq!(report["summary"]["bytes"], 10 * 1024);
    assert_eq!(report["summary"]["skipped"]["too_large"], 1);
    assert!(
        report["summary"]["notes"]
            .to_string()
            .contains("only the first 10240 bytes"),
        "{report}"
    );
}

#[test]
fn missing_path_is_an_error() {
    let home = TempDir::new().unwrap();
    let out = leakgate(home.path())
        .args(["dir", "/no/such/place"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/place"));
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_out_of_the_tree() {
    let outside = TempDir::new().unwrap();
    write(
        outside.path(),
        "secret.env",
        format!("T={}\n", github_token(18)),
    );
    let dir = TempDir::new().unwrap();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["skipped"]["symlink"], 1);
}

/// Names at the very start of a line, after another line: the confirm window must include the
/// line break so rules anchored on a non-word byte still match.
#[test]
fn assignments_at_the_start_of_a_later_line_are_found() {
    let dir = TempDir::new().unwrap();
    let key = fake("{{alnum:20}}{{digits:4}}!x", 30);
    write(
        dir.path(),
        "settings.py",
        format!("DEBUG = False\nSECRET_KEY = '{key}'\nDB_PASSWORD='{key}9'\n"),
    );
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 1);
    let rules: Vec<(u64, String)> = found(&report)
        .into_iter()
        .map(|(_, line, rule)| (line, rule))
        .collect();
    assert_eq!(
        rules,
        vec![
            (2, "generic-api-secret".to_owned()),
            (3, "generic-password".to_owned())
        ]
    );
}

/// A Kubernetes Secret keeps its values in base64: decoded, scanned, reported at the value.
#[test]
fn base64_values_of_a_kubernetes_secret_are_decoded() {
    use base64::Engine as _;
    let dir = TempDir::new().unwrap();
    let password = fake("{{alnum:14}}{{digits:3}}", 31);
    let encoded = base64::engine::general_purpose::STANDARD.encode(&password);
    let token = base64::engine::general_purpose::STANDARD.encode(github_token(32));
    write(
        dir.path(),
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: YXBw\n  DB_PASSWORD: {encoded}\n  gh: \"{token}\"\n"
        ),
    );
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 1);
    let lines: Vec<(u64, String)> = found(&report).into_iter().map(|(_, l, r)| (l, r)).collect();
    assert_eq!(
        lines,
        vec![
            (8, "generic-password-bare".to_owned()),
            (9, "github-pat-classic".to_owned())
        ]
    );
    assert_eq!(report["findings"][0]["column"], 16);
}

/// A Secret value that decodes to a placeholder is not a secret, and its base64 text is not
/// reported in its place.
#[test]
fn a_kubernetes_secret_value_that_decodes_to_a_placeholder_is_quiet() {
    use base64::Engine as _;
    let dir = TempDir::new().unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode("changeme");
    let template = base64::engine::general_purpose::STANDARD.encode("<your-token-here>");
    write(
        dir.path(),
        "k8s/secret.yaml",
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: {encoded}\n  token: {template}\n"
        ),
    );
    let (code, report) = scan_json(&dir, &[]);
    assert_eq!(code, 0, "{report}");
}
