//! `--validate`: real HTTP servers on 127.0.0.1 answer like each provider family's documented
//! endpoint (live, revoked, 429 with Retry-After, 5xx, hanging), pointed at by
//! `[validation.endpoints]`. Without `--validate` no connection is made; secrets never reach
//! stdout or stderr; one request per distinct secret; `--validate-max`; `--fail-on-valid`.

use base64::Engine as _;
use serde_json::Value;

use crate::server::{Reply, Seen, TestServer};
use crate::support::{aws_key_id, fake, github_token, leakgate, write};

const PROVIDERS: [&str; 15] = [
    "github",
    "gitlab",
    "slack",
    "stripe",
    "openai",
    "anthropic",
    "huggingface",
    "sendgrid",
    "twilio",
    "npm",
    "pypi",
    "digitalocean",
    "datadog",
    "aws",
    "google",
];

/// A config pointing every provider at `server` (GitHub at an Enterprise-style `/api/v3`).
fn config(server: &TestServer) -> String {
    let url = server.url();
    let mut text = String::from("[validation]\ntimeout = 1\nper_second = 1000\n\n");
    text.push_str("[validation.endpoints]\n");
    for provider in PROVIDERS {
        let base = if provider == "github" {
            format!("{url}/api/v3")
        } else {
            url.clone()
        };
        text = format!("{text}{provider} = \"{base}\"\n");
    }
    text
}

/// Everything a request carries that could name a credential: headers (Basic auth decoded)
/// and body.
fn carried(seen: &Seen) -> String {
    let mut out = String::new();
    for (_, value) in &seen.headers {
        out.push_str(value);
        out.push('\n');
        if let Some(basic) = value.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(basic)
                .unwrap();
            out.push_str(&String::from_utf8_lossy(&decoded));
            out.push('\n');
        }
    }
    out.push_str(&seen.body);
    out
}

/// Runs `leakgate dir . -f json` plus `extra` in `dir`: exit code, report, stdout + stderr.
fn scan(dir: &std::path::Path, extra: &[&str]) -> (i32, Value, String) {
    let out = leakgate(dir)
        .current_dir(dir)
        .args(["dir", ".", "-f", "json"])
        .args(extra)
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!all.contains("panicked"), "{all}");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), report, all)
}

/// The validation (status, detail) of each finding of `rule`, in report order.
fn validations(report: &Value, rule: &str) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule)
        .map(|f| {
            (
                f["validation"]["status"]
                    .as_str()
                    .unwrap_or("none")
                    .to_owned(),
                f["validation"]["detail"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// One provider family: its rule, five scenarios (each a file fragment, the marker the request
/// carries, and the secret that must never be printed) and its documented answers.
struct Family {
    rule: &'static str,
    method: &'static str,
    path: &'static str,
    scenarios: Vec<(String, String, String)>,
    live: fn() -> Reply,
    revoked: fn() -> Reply,
}

/// Scenarios in file order: live, revoked, server error, hanging, rate limited (last, since a
/// provider that keeps answering 429 is not asked again in the same run).
fn run_family(family: &Family) -> Vec<Seen> {
    let markers: Vec<String> = family.scenarios.iter().map(|s| s.1.clone()).collect();
    let (live, revoked) = (family.live, family.revoked);
    let server = TestServer::start(move |seen| {
        let text = carried(seen);
        match markers.iter().position(|m| text.contains(m.as_str())) {
            Some(0) => live(),
            Some(1) => revoked(),
            Some(2) => Reply::Answer(503, vec![], "unavailable".into()),
            Some(3) => Reply::Hang,
            Some(4) => Reply::Answer(429, vec![("Retry-After", "1".into())], "{}".into()),
            _ => Reply::Answer(400, vec![], "no credential".into()),
        }
    });
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    let text: String = family
        .scenarios
        .iter()
        .map(|s| s.0.clone() + "\n\n\n\n\n\n\n")
        .collect();
    write(tmp.path(), "app.env", text);

    let (code, report, output) = scan(tmp.path(), &["--validate"]);
    assert_eq!(code, 1, "{output}");
    let got = validations(&report, family.rule);
    let statuses: Vec<&str> = got.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(
        statuses,
        ["valid", "invalid", "error", "error", "unknown"],
        "{got:?}"
    );
    assert!(got[0].1.starts_with("HTTP 200"), "{got:?}");
    assert!(got[2].1.contains("HTTP 503"), "{got:?}");
    assert!(got[3].1.contains("timed out"), "{got:?}");
    assert!(got[4].1.contains("Retry-After 1"), "{got:?}");
    for (_, _, secret) in &family.scenarios {
        assert!(
            !output.contains(secret.as_str()),
            "secret printed: {output}"
        );
    }
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.path == family.path && r.method == family.method),
        "{requests:?}"
    );
    let rate_limited = requests
        .iter()
        .filter(|r| carried(r).contains(family.scenarios[4].1.as_str()))
        .count();
    assert_eq!(rate_limited, 2, "one retry after Retry-After: 1");
    let host = server.url().trim_start_matches("http://").to_owned();
    assert_eq!(
        report["summary"]["validation"]["hosts"][&host],
        requests.len(),
        "{report}"
    );
    requests
}

fn json_answer(status: u16, body: &str) -> Reply {
    Reply::Answer(
        status,
        vec![("Content-Type", "application/json".into())],
        body.into(),
    )
}

#[test]
fn github_bearer_json_family() {
    let tokens: Vec<String> = (1..=5).map(github_token).collect();
    let _ = run_family(&Family {
        rule: "github-pat-classic",
        method: "GET",
        path: "/api/v3/user",
        scenarios: tokens
            .iter()
            .map(|t| (format!("GITHUB_TOKEN={t}"), t.clone(), t.clone()))
            .collect(),
        live: || json_answer(200, r#"{"login":"octocat","id":1}"#),
        revoked: || json_answer(401, r#"{"message":"Bad credentials"}"#),
    });
}

#[test]
fn slack_body_field_family() {
    let tokens: Vec<String> = (1..=5)
        .map(|s| fake("xoxb-{{digits:12}}-{{digits:13}}-{{alnum:24}}", s))
        .collect();
    let _ = run_family(&Family {
        rule: "slack-bot-token",
        method: "POST",
        path: "/api/auth.test",
        scenarios: tokens
            .iter()
            .map(|t| (format!("SLACK_BOT_TOKEN={t}"), t.clone(), t.clone()))
            .collect(),
        live: || json_answer(200, r#"{"ok":true,"team":"Acme","user":"deploybot"}"#),
        revoked: || json_answer(200, r#"{"ok":false,"error":"invalid_auth"}"#),
    });
}

#[test]
fn datadog_header_key_family() {
    let keys: Vec<String> = (1..=5).map(|s| fake("{{hex:32}}", s)).collect();
    let _ = run_family(&Family {
        rule: "datadog-api-key",
        method: "GET",
        path: "/api/v1/validate",
        scenarios: keys
            .iter()
            .map(|k| (format!("DD_API_KEY={k}"), k.clone(), k.clone()))
            .collect(),
        live: || json_answer(200, r#"{"valid":true}"#),
        revoked: || json_answer(403, r#"{"errors":["Forbidden"]}"#),
    });
}

#[test]
fn twilio_paired_basic_auth_family() {
    let scenarios = (1..=5)
        .map(|s| {
            let sid = fake("SK{{hex:32}}", s);
            let secret = fake("{{alnum:32}}", s);
            let text = format!("TWILIO_API_KEY={sid}\nTWILIO_API_SECRET={secret}");
            (text, format!("{sid}:{secret}"), secret)
        })
        .collect();
    let _ = run_family(&Family {
        rule: "twilio-auth-token",
        method: "GET",
        path: "/2010-04-01/Accounts.json",
        scenarios,
        live: || json_answer(200, r#"{"accounts":[]}"#),
        revoked: || json_answer(401, r#"{"code":20003,"message":"Authenticate"}"#),
    });
}

#[test]
fn aws_sigv4_family_never_sends_the_secret() {
    let pairs: Vec<(String, String)> = (1..=5)
        .map(|s| (aws_key_id(s), fake("{{base64:40}}", s)))
        .collect();
    let scenarios = pairs
        .iter()
        .map(|(id, secret)| {
            let text = format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}");
            (text, format!("Credential={id}/"), secret.clone())
        })
        .collect();
    let requests = run_family(&Family {
        rule: "aws-secret-access-key",
        method: "POST",
        path: "/",
        scenarios,
        live: || {
            let xml = "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>";
            Reply::Answer(200, vec![("Content-Type", "text/xml".into())], xml.into())
        },
        revoked: || {
            let xml =
                "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>";
            Reply::Answer(403, vec![("Content-Type", "text/xml".into())], xml.into())
        },
    });
    for (r, (id, secret)) in requests.iter().zip(&pairs) {
        let auth = r.header("authorization").unwrap();
        assert!(
            auth.starts_with(&format!("AWS4-HMAC-SHA256 Credential={id}/")),
            "{auth}"
        );
        assert!(auth.contains("/us-east-1/sts/aws4_request"), "{auth}");
        assert_eq!(r.header("x-amz-date").map(str::len), Some(16));
        assert_eq!(r.body, "Action=GetCallerIdentity&Version=2011-06-15");
        assert!(
            !carried(r).contains(secret.as_str()),
            "the secret key itself was sent"
        );
    }
}

/// A server that answers every GitHub request as a live token, counting connections.
fn github_server() -> TestServer {
    TestServer::start(|_| json_answer(200, r#"{"login":"octocat"}"#))
}

#[test]
fn without_validate_no_connection_is_made() {
    let server = github_server();
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    write(
        tmp.path(),
        "a.env",
        format!("GITHUB_TOKEN={}\n", github_token(1)),
    );
    let (code, report, _) = scan(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert!(
        report["findings"][0].get("validation").is_none(),
        "{report}"
    );
    assert!(report["summary"].get("validation").is_none(), "{report}");
    let stdin = leakgate(tmp.path())
        .current_dir(tmp.path())
        .args(["stdin"])
        .write_stdin(format!("GITHUB_TOKEN={}\n", github_token(2)))
        .output()
        .unwrap();
    assert_eq!(stdin.status.code(), Some(1));
    assert_eq!(
        server.connections(),
        0,
        "a scan without --validate connected"
    );
    let (_, report, _) = scan(tmp.path(), &["--validate"]);
    assert_eq!(server.connections(), 1, "{report}");
}

#[test]
fn one_request_per_distinct_secret() {
    let server = github_server();
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    let (a, b) = (github_token(1), github_token(2));
    for name in ["a.env", "b.env", "c.env"] {
        write(tmp.path(), name, format!("GITHUB_TOKEN={a}\n"));
    }
    write(tmp.path(), "d.env", format!("GITHUB_TOKEN={b}\n"));
    let (_, report, _) = scan(tmp.path(), &["--validate"]);
    let got = validations(&report, "github-pat-classic");
    assert_eq!(got.len(), 4);
    assert!(
        got.iter()
            .all(|v| v.0 == "valid" && v.1.contains("login=octocat")),
        "{got:?}"
    );
    assert_eq!(server.requests().len(), 2);
    assert_eq!(report["summary"]["validation"]["requests"], 2);
    assert_eq!(report["summary"]["validation"]["checked"], 2);
}

#[test]
fn validate_max_caps_the_secrets_checked() {
    let server = github_server();
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    let text: String = (1..=3)
        .map(|s| "GITHUB_TOKEN=".to_owned() + &github_token(s) + "\n")
        .collect();
    write(tmp.path(), "a.env", text);
    let (_, report, _) = scan(tmp.path(), &["--validate", "--validate-max", "1"]);
    let got = validations(&report, "github-pat-classic");
    let statuses: Vec<&str> = got.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(statuses, ["valid", "unknown", "unknown"]);
    assert!(got[2].1.contains("--validate-max 1"), "{got:?}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(report["summary"]["validation"]["over_cap"], 2);
}

#[test]
fn fail_on_valid_fails_only_on_live_keys() {
    let (live, dead) = (github_token(1), github_token(2));
    let live_marker = live.clone();
    let server = TestServer::start(move |seen| {
        if carried(seen).contains(live_marker.as_str()) {
            json_answer(200, r#"{"login":"octocat"}"#)
        } else {
            json_answer(401, r#"{"message":"Bad credentials"}"#)
        }
    });
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    write(tmp.path(), "a.env", format!("GITHUB_TOKEN={dead}\n"));
    assert_eq!(scan(tmp.path(), &["--validate"]).0, 1);
    assert_eq!(scan(tmp.path(), &["--validate", "--fail-on-valid"]).0, 0);
    write(tmp.path(), "b.env", format!("GITHUB_TOKEN={live}\n"));
    assert_eq!(scan(tmp.path(), &["--validate", "--fail-on-valid"]).0, 1);
}

#[test]
fn every_format_shows_validation() {
    let server = github_server();
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    write(
        tmp.path(),
        "a.env",
        format!("GITHUB_TOKEN={}\n", github_token(1)),
    );
    let run = |format: &str| {
        let out = leakgate(tmp.path())
            .current_dir(tmp.path())
            .args(["dir", ".", "--validate", "-f", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let text = run("text");
    assert!(text.contains("[valid: HTTP 200; login=octocat]"), "{text}");
    assert!(text.contains("validation: 1 request (127.0.0.1:"), "{text}");
    let csv = run("csv");
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",validation,validation_detail"),
        "{csv}"
    );
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .ends_with(",valid,HTTP 200; login=octocat"),
        "{csv}"
    );
    let sarif: Value = serde_json::from_str(&run("sarif")).unwrap();
    let props = &sarif["runs"][0]["results"][0]["properties"]["validation"];
    assert_eq!(props["status"], "valid", "{sarif}");
    let jsonl: Value = serde_json::from_str(run("jsonl").lines().next().unwrap()).unwrap();
    assert_eq!(jsonl["validation"]["status"], "valid");
    assert!(run("markdown").contains("| valid: HTTP 200; login=octocat |"));
    assert!(run("junit").contains("[valid: HTTP 200; login=octocat]"));
}

#[test]
fn aws_secret_without_key_id_is_not_sent() {
    let server = github_server();
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    let secret = fake("{{base64:40}}", 9);
    write(
        tmp.path(),
        "a.env",
        format!("aws_secret_access_key = {secret}\n"),
    );
    let (_, report, _) = scan(tmp.path(), &["--validate"]);
    let got = validations(&report, "aws-secret-access-key");
    assert_eq!(got[0].0, "unknown", "{got:?}");
    assert!(got[0].1.contains("no aws-access-key-id finding"), "{got:?}");
    assert_eq!(server.connections(), 0);
}

#[test]
fn plain_http_only_to_loopback() {
    let tmp = tempfile::TempDir::new().unwrap();
    write(
        tmp.path(),
        ".leakgate.toml",
        "[validation.endpoints]\ngithub = \"http://ghe.example.net/api/v3\"\n",
    );
    let (code, _, output) = scan(tmp.path(), &["--validate"]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains(".leakgate.toml:2:"), "{output}");
    assert!(output.contains("must use https://"), "{output}");
    write(
        tmp.path(),
        ".leakgate.toml",
        "[validation.endpoints]\ngithubb = \"https://x.example\"\n",
    );
    let (code, _, output) = scan(tmp.path(), &["--validate"]);
    assert_eq!(code, 2, "{output}");
    assert!(
        output.contains("no validator uses provider 'githubb'"),
        "{output}"
    );
}

#[test]
fn hooks_do_not_take_validate() {
    let tmp = tempfile::TempDir::new().unwrap();
    let out = leakgate(tmp.path())
        .args(["pre-commit", "--validate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_closed_port_is_an_error_not_a_verdict() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = tempfile::TempDir::new().unwrap();
    write(
        tmp.path(),
        ".leakgate.toml",
        format!("[validation.endpoints]\ngithub = \"http://127.0.0.1:{port}\"\n"),
    );
    write(
        tmp.path(),
        "a.env",
        format!("GITHUB_TOKEN={}\n", github_token(1)),
    );
    let (_, report, _) = scan(tmp.path(), &["--validate"]);
    let got = validations(&report, "github-pat-classic");
    assert_eq!(
        got[0],
        ("error".into(), "cannot connect to the provider".into())
    );
}

/// `pre-commit` on a staged token, with `hooks` set in the config as given.
fn pre_commit_with(server: &TestServer, hooks: bool) -> String {
    let repo = crate::support::GitRepo::new();
    let config = config(server).replace(
        "[validation]\n",
        &format!("[validation]\nhooks = {hooks}\n"),
    );
    repo.commit(&[(".leakgate.toml", config.as_str())], "config");
    write(
        &repo.path(),
        "a.env",
        format!("GITHUB_TOKEN={}\n", github_token(1)),
    );
    repo.git(&["add", "a.env"]);
    let out = repo.leakgate().arg("pre-commit").output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "a hook still blocks on the finding"
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn hooks_validate_only_when_the_config_says_so() {
    let server = github_server();
    let stderr = pre_commit_with(&server, false);
    assert!(!stderr.contains("[valid"), "{stderr}");
    assert_eq!(
        server.connections(),
        0,
        "a hook called out without `hooks = true`"
    );
    let stderr = pre_commit_with(&server, true);
    assert!(
        stderr.contains("[valid: HTTP 200; login=octocat]"),
        "{stderr}"
    );
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_bad_validator_in_a_user_rule_names_its_line() {
    let tmp = tempfile::TempDir::new().unwrap();
    let rule = r#"[[rules]]
id = "acme-token"
description = "Acme token."
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-z0-9]{32})\b'''
examples = ["ACME_TOKEN=acme_{{alnumlower:32}}"]

[rules.validate]
provider = "acme"
endpoint = "http://acme.example.net"
path = "/whoami"
valid = [{ status = [200] }]
"#;
    write(tmp.path(), ".leakgate.toml", rule);
    let (code, _, output) = scan(tmp.path(), &[]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains(".leakgate.toml:11:"), "{output}");
    assert!(output.contains("must use https://"), "{output}");
    write(
        tmp.path(),
        ".leakgate.toml",
        rule.replace("path =", "pathh ="),
    );
    let (code, _, output) = scan(tmp.path(), &[]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains("unknown field `pathh`"), "{output}");
}

#[test]
fn loopback_endpoints_bypass_a_configured_proxy() {
    let server = github_server();
    let proxy = TestServer::start(|_| Reply::Answer(502, vec![], String::new()));
    let tmp = tempfile::TempDir::new().unwrap();
    write(tmp.path(), ".leakgate.toml", config(&server));
    write(
        tmp.path(),
        "a.env",
        format!("GITHUB_TOKEN={}\n", github_token(1)),
    );
    let out = leakgate(tmp.path())
        .current_dir(tmp.path())
        .env("HTTP_PROXY", proxy.url())
        .env("ALL_PROXY", proxy.url())
        .args(["dir", ".", "--validate", "-f", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(validations(&report, "github-pat-classic")[0].0, "valid");
    assert_eq!(
        proxy.connections(),
        0,
        "a plain-http secret went to the proxy"
    );
}

/// The documented answers of each provider's identity endpoint, by request path: (live, revoked).
fn documented(path: &str) -> (Reply, Reply) {
    let json = |status, body: &str| json_answer(status, body);
    match path {
        "/api/v3/user" => (json(200, r#"{"login":"octocat"}"#), json(401, r#"{"message":"Bad credentials"}"#)),
        "/api/v4/personal_access_tokens/self" => (json(200, r#"{"name":"ci","scopes":["api"]}"#), json(401, r#"{"message":"401 Unauthorized"}"#)),
        "/api/auth.test" => (json(200, r#"{"ok":true,"team":"Acme"}"#), json(200, r#"{"ok":false,"error":"invalid_auth"}"#)),
        "/v1/balance" => (json(200, r#"{"object":"balance"}"#), json(401, r#"{"error":{"type":"invalid_request_error"}}"#)),
        "/v1/models" => (json(200, r#"{"data":[]}"#), json(401, r#"{"error":{"type":"authentication_error"}}"#)),
        "/api/whoami-v2" => (json(200, r#"{"name":"hf-user"}"#), json(401, r#"{"error":"Invalid credentials in Authorization header"}"#)),
        "/v3/scopes" => (json(200, r#"{"scopes":["mail.send"]}"#), json(401, r#"{"errors":[{"message":"authorization required"}]}"#)),
        "/2010-04-01/Accounts.json" => (json(200, r#"{"accounts":[]}"#), json(401, r#"{"code":20003}"#)),
        "/-/whoami" => (json(200, r#"{"username":"npm-user"}"#), json(401, r#"{"error":"Unauthorized"}"#)),
        "/legacy/" => (
            Reply::Answer(400, vec![], "Invalid value for blake2_256_digest".into()),
            Reply::Answer(403, vec![], "Invalid or non-existent authentication information. See https://pypi.org/help/#invalid-auth for more information.".into()),
        ),
        "/v2/account" => (json(200, r#"{"account":{"status":"active"}}"#), json(401, r#"{"id":"Unauthorized"}"#)),
        "/api/v1/validate" => (json(200, r#"{"valid":true}"#), json(403, r#"{"errors":["Forbidden"]}"#)),
        "/" => (
            Reply::Answer(200, vec![], "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::1:user/ci</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>".into()),
            Reply::Answer(403, vec![], "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>".into()),
        ),
        "/discovery/v1/apis?name=discovery&fields=kind" => (
            json(200, r#"{"kind":"discovery#directoryList"}"#),
            json(400, r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","details":[{"reason":"API_KEY_INVALID"}]}}"#),
        ),
        _ => (json(404, "{}"), json(404, "{}")),
    }
}

/// The secret a rule extracts from `text`.
fn secret_of(engine: &leakgate::Engine, rule_id: &str, text: &str) -> String {
    let rule = engine.pack().get(rule_id).unwrap();
    let caps = rule.regex().unwrap().captures(text.as_bytes()).unwrap();
    String::from_utf8(text.as_bytes()[rule.secret_span(&caps).unwrap()].to_vec()).unwrap()
}

/// Every built-in validator, on its rule's first example: a live and a revoked secret, answered
/// as the provider documents, give `valid` and `invalid`; together they cover every provider.
#[test]
fn every_builtin_validator_reads_its_providers_answers() {
    use leakgate::materialize_example as materialize;
    let engine = leakgate::build_engine(None, leakgate::EngineOptions::default()).unwrap();
    let tmp = tempfile::TempDir::new().unwrap();
    let (mut live_markers, mut expected, mut providers) = (Vec::new(), Vec::new(), Vec::new());
    for (r, rule) in engine.rules().iter().enumerate() {
        let Some(check) = &rule.validate else {
            continue;
        };
        providers.push(check.provider.clone());
        for (seed, live) in [(0, true), (7, false)] {
            let text = materialize(&engine, r, &rule.examples[0], seed, true);
            let mut file = String::new();
            let mut marker = secret_of(&engine, &rule.id, &text);
            if let Some((partner, _)) = &check.paired {
                let p = engine
                    .rules()
                    .iter()
                    .position(|x| x.id == *partner)
                    .unwrap();
                let partner_text =
                    materialize(&engine, p, &engine.rules()[p].examples[0], seed, true);
                if partner == "aws-access-key-id" {
                    marker = secret_of(&engine, partner, &partner_text);
                }
                file = partner_text + "\n";
            }
            file.push_str(&text);
            let name = format!("{}-{}.env", rule.id, if live { "live" } else { "dead" });
            write(tmp.path(), &name, file + "\n");
            if live {
                live_markers.push(marker);
            }
            expected.push((
                name,
                rule.id.clone(),
                if live { "valid" } else { "invalid" },
            ));
        }
    }
    let server = TestServer::start(move |seen| {
        let (live, dead) = documented(&seen.path);
        let text = carried(seen);
        if live_markers.iter().any(|m| text.contains(m.as_str())) {
            live
        } else {
            dead
        }
    });
    write(tmp.path(), ".leakgate.toml", config(&server));
    let (_, report, output) = scan(tmp.path(), &["--validate", "--validate-max", "1000"]);
    for (file, rule, want) in &expected {
        let got = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file.as_str() && f["rule_id"] == rule.as_str())
            .map(|f| f["validation"]["status"].clone());
        assert_eq!(got, Some(Value::from(*want)), "{file} {rule}: {output}");
    }
    providers.sort();
    providers.dedup();
    let mut all = PROVIDERS.to_vec();
    all.sort_unstable();
    assert_eq!(providers, all);
}

#[test]
fn git_history_findings_are_validated_with_their_pairs() {
    let (id, secret) = (aws_key_id(3), fake("{{base64:40}}", 3));
    let live_id = id.clone();
    let server = TestServer::start(move |seen| {
        if carried(seen).contains(live_id.as_str()) {
            let xml = "<GetCallerIdentityResult><Arn>arn:aws:iam::1:user/ci</Arn></GetCallerIdentityResult>";
            Reply::Answer(200, vec![], xml.into())
        } else {
            Reply::Answer(400, vec![], String::new())
        }
    });
    let repo = crate::support::GitRepo::new();
    repo.commit(&[(".leakgate.toml", config(&server).as_str())], "config");
    let creds = format!("aws_access_key_id = {id}\naws_secret_access_key = {secret}\n");
    repo.commit(&[("deploy/creds.ini", creds.as_str())], "add creds");
    repo.commit(
        &[("deploy/creds.ini", "moved to the vault\n")],
        "remove creds",
    );
    let out = repo
        .leakgate()
        .args(["git", ".", "--validate", "-f", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let got = validations(&report, "aws-secret-access-key");
    assert_eq!(
        got,
        [(
            "valid".to_owned(),
            "HTTP 200; Arn=arn:aws:iam::1:user/ci".to_owned()
        )]
    );
    assert_eq!(server.requests().len(), 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&secret) && !String::from_utf8_lossy(&out.stdout).contains(&secret));
}

#[test]
fn a_paired_rule_must_exist() {
    let tmp = tempfile::TempDir::new().unwrap();
    let rule = r#"[[rules]]
id = "acme-secret"
description = "Acme secret."
severity = "high"
keywords = ["acme_"]
regex = '''\b(acme_[a-z0-9]{32})\b'''
examples = ["ACME_SECRET=acme_{{alnumlower:32}}"]

[rules.validate]
provider = "acme"
endpoint = "https://acme.example.net"
paired = "acme-key-id"
basic_auth = ["{{paired}}", "{{secret}}"]
valid = [{ status = [200] }]
"#;
    write(tmp.path(), ".leakgate.toml", rule);
    let (code, _, output) = scan(tmp.path(), &[]);
    assert_eq!(code, 2, "{output}");
    assert!(output.contains(".leakgate.toml:2:"), "{output}");
    assert!(output.contains("paired names no loaded rule"), "{output}");
}

#[test]
fn merge_validates_raw_shard_reports_and_never_sends_masked_ones() {
    let server = github_server();
    let dir = tempfile::TempDir::new().unwrap();
    write(dir.path(), ".leakgate.toml", config(&server));
    write(
        dir.path(),
        "a/app.env",
        format!("GITHUB_TOKEN={}\n", github_token(1)),
    );
    write(
        dir.path(),
        "b/app.env",
        format!("GITHUB_TOKEN={}\n", github_token(2)),
    );
    let shard = |path: &str, out: &str, raw: bool| {
        let mut cmd = leakgate(dir.path());
        cmd.current_dir(dir.path())
            .args(["dir", path, "-f", "json", "-o", out]);
        if raw {
            cmd.arg("--show-secrets");
        }
        cmd.output().unwrap()
    };
    shard("a", "raw.json", true);
    shard("b", "masked.json", false);
    assert_eq!(
        server.connections(),
        0,
        "scans without --validate send nothing"
    );
    let out = leakgate(dir.path())
        .current_dir(dir.path())
        .args([
            "merge",
            "raw.json",
            "masked.json",
            "--config",
            ".leakgate.toml",
        ])
        .args(["--validate", "-f", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["validation"]["status"]
                .as_str()
                .unwrap_or("none")
                .to_owned()
        })
        .collect();
    assert_eq!(statuses.len(), 2, "{report}");
    assert!(statuses.contains(&"unknown".to_owned()), "{report}");
    assert_eq!(server.requests().len(), 1, "only the raw secret is sent");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!text.contains(&github_token(2)));
}
