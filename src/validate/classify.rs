//! Turns a provider's answer into a [`Validation`]: the check's `valid` patterns, then its
//! `invalid` ones, then what HTTP itself says (429: rate limited, 5xx: server error).
//!
//! Details quote only the status and the fields the rule names (`/login`, `<Arn>`), and any
//! detail value that holds the secret or its pair is replaced, so a provider echoing a token
//! cannot put it in a report.

use serde_json::Value;

use super::http::Response;
use super::spec::{Check, MatcherSpec};
use super::{Status, Validation};

/// The reading of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A final result.
    Done(Validation),
    /// HTTP 429; the server's `Retry-After` in seconds, if it gave one.
    RateLimited(Option<u64>),
}

/// Classifies `response` for `check`; `secrets` are the values that must not appear in a detail.
pub fn classify(check: &Check, response: &Response, secrets: &[&str]) -> Outcome {
    let json: Option<Value> = serde_json::from_str(&response.body).ok();
    let status = response.status;
    let matches = |m: &MatcherSpec| matches(m, response, json.as_ref());
    if check.valid.iter().any(matches) {
        let mut detail = format!("HTTP {status}");
        for field in details(check, response, json.as_ref(), secrets) {
            detail.push_str("; ");
            detail.push_str(&field);
        }
        return Outcome::Done(Validation::new(Status::Valid, detail));
    }
    if check.invalid.iter().any(matches) {
        let detail = format!("HTTP {status}: the provider rejected it");
        return Outcome::Done(Validation::new(Status::Invalid, detail));
    }
    match status {
        429 => Outcome::RateLimited(response.retry_after),
        500..=599 => Outcome::Done(Validation::new(
            Status::Error,
            format!("server error (HTTP {status})"),
        )),
        _ => Outcome::Done(Validation::new(
            Status::Unknown,
            format!("unexpected answer (HTTP {status})"),
        )),
    }
}

/// Whether every field of a pattern holds for the answer.
fn matches(m: &MatcherSpec, response: &Response, json: Option<&Value>) -> bool {
    (m.status.is_empty() || m.status.contains(&response.status))
        && m.contains
            .as_ref()
            .is_none_or(|needle| response.body.contains(needle.as_str()))
        && m.json.iter().all(|(pointer, want)| {
            let want = serde_json::to_value(want).unwrap_or(Value::Null);
            json.and_then(|j| j.pointer(pointer)) == Some(&want)
        })
}

/// `name=value` for each detail field the answer has (`/login` in JSON, `<Arn>` in XML).
fn details(
    check: &Check,
    response: &Response,
    json: Option<&Value>,
    secrets: &[&str],
) -> Vec<String> {
    check
        .detail
        .iter()
        .filter_map(|field| {
            let value = if let Some(tag) = field.strip_prefix('<').and_then(|t| t.strip_suffix('>'))
            {
                xml_text(&response.body, tag)?
            } else {
                match json?.pointer(field)? {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }
            };
            let name = field.trim_matches(['/', '<', '>']).replace('/', ".");
            // Judged on the whole value, before truncation could cut a secret in two.
            let hides_secret = secrets.iter().any(|s| !s.is_empty() && value.contains(s));
            let value: String = value
                .chars()
                .take(120)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            Some(format!(
                "{name}={}",
                if hides_secret { "[redacted]" } else { &value }
            ))
        })
        .collect()
}

/// The text of the first `<tag>...</tag>` in an XML body.
fn xml_text(body: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = body.find(&open)? + open.len();
    let end = body[start..].find(&format!("</{tag}>"))? + start;
    Some(body[start..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::spec::{Check, Method};

    fn slack_like() -> Check {
        let ok = |b: bool| MatcherSpec {
            status: vec![200],
            json: [("/ok".to_owned(), toml::Value::Boolean(b))].into(),
            contains: None,
        };
        Check {
            provider: "slack".into(),
            endpoint: "https://slack.example".into(),
            method: Method::Post,
            path: String::new(),
            headers: vec![],
            basic_auth: None,
            body: None,
            builtin: None,
            paired: None,
            prefixes: vec![],
            lengths: vec![],
            valid: vec![ok(true)],
            invalid: vec![ok(false)],
            detail: vec!["/team".into(), "/user".into()],
        }
    }

    fn answer(status: u16, body: &str) -> Response {
        Response {
            status,
            retry_after: Some(7),
            body: body.into(),
        }
    }

    #[test]
    fn body_fields_decide_and_details_are_named() {
        let check = slack_like();
        let live = classify(
            &check,
            &answer(200, r#"{"ok":true,"team":"Acme","user":"tok-1"}"#),
            &["tok-1"],
        );
        assert_eq!(
            live,
            Outcome::Done(Validation::new(
                Status::Valid,
                "HTTP 200; team=Acme; user=[redacted]"
            ))
        );
        let dead = classify(
            &check,
            &answer(200, r#"{"ok":false,"error":"invalid_auth"}"#),
            &[],
        );
        assert!(matches!(
            dead,
            Outcome::Done(Validation {
                status: Status::Invalid,
                ..
            })
        ));
    }

    #[test]
    fn http_decides_the_rest() {
        let check = slack_like();
        assert_eq!(
            classify(&check, &answer(429, ""), &[]),
            Outcome::RateLimited(Some(7))
        );
        let server = classify(&check, &answer(503, ""), &[]);
        assert!(matches!(
            server,
            Outcome::Done(Validation {
                status: Status::Error,
                ..
            })
        ));
        let odd = classify(&check, &answer(302, ""), &[]);
        assert!(matches!(
            odd,
            Outcome::Done(Validation {
                status: Status::Unknown,
                ..
            })
        ));
    }

    #[test]
    fn xml_tags_are_details() {
        assert_eq!(
            xml_text("<a><Arn> arn:aws:iam::1:user/x </Arn></a>", "Arn").as_deref(),
            Some("arn:aws:iam::1:user/x")
        );
    }
}
