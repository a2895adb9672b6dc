//! Builds the HTTP request of a check from its templates: `{{secret}}` and `{{paired}}` in the
//! path, headers, Basic auth and body, after the provider's (possibly configured) endpoint.

use base64::Engine as _;

use super::http::Request;
use super::spec::{Builtin, Check};

/// The values a check substitutes.
#[derive(Debug, Clone, Copy)]
pub struct Values<'a> {
    /// The found secret.
    pub secret: &'a str,
    /// The paired value (an AWS access key id), when the check has one.
    pub paired: Option<&'a str>,
}

/// The request for `check` on `endpoint`, or `None` for a builtin this build cannot sign.
pub fn build(check: &Check, endpoint: &str, values: Values<'_>) -> Option<Request> {
    if let Some(builtin) = check.builtin {
        return build_builtin(builtin, endpoint, values);
    }
    let path = fill(&check.path, values, true);
    let mut headers: Vec<(String, String)> = check
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), fill(value, values, false)))
        .collect();
    if let Some([user, password]) = &check.basic_auth {
        let pair = format!(
            "{}:{}",
            fill(user, values, false),
            fill(password, values, false)
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
        headers.push(("Authorization".into(), format!("Basic {encoded}")));
    }
    Some(Request {
        method: check.method.as_str(),
        url: format!("{}{path}", endpoint.trim_end_matches('/')),
        headers,
        body: check.body.as_ref().map(|b| fill(b, values, false)),
    })
}

#[cfg(feature = "validate")]
fn build_builtin(builtin: Builtin, endpoint: &str, values: Values<'_>) -> Option<Request> {
    match builtin {
        Builtin::AwsSts => Some(super::aws::sts_request(
            endpoint,
            values.paired?,
            values.secret,
            std::time::SystemTime::now(),
        )),
    }
}

#[cfg(not(feature = "validate"))]
fn build_builtin(_: Builtin, _: &str, _: Values<'_>) -> Option<Request> {
    None
}

/// Substitutes the placeholders; in a URL path the values are percent-encoded.
fn fill(template: &str, values: Values<'_>, in_path: bool) -> String {
    let encode = |v: &str| {
        if in_path {
            percent_encode(v)
        } else {
            v.to_owned()
        }
    };
    let mut out = template.replace("{{secret}}", &encode(values.secret));
    if let Some(paired) = values.paired {
        out = out.replace("{{paired}}", &encode(paired));
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(value: &str) -> String {
    crate::escape::percent(value, b"-._~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::spec::{Method, Settings};

    fn check() -> Check {
        Check {
            provider: "demo".into(),
            endpoint: "https://api.example.net/".into(),
            method: Method::Get,
            path: "/accounts/{{paired}}.json".into(),
            headers: vec![("X-Key".into(), "k {{secret}}".into())],
            basic_auth: Some(["{{paired}}".into(), "{{secret}}".into()]),
            body: None,
            builtin: None,
            paired: Some(("demo-id".into(), 5)),
            prefixes: vec![],
            lengths: vec![],
            valid: vec![],
            invalid: vec![],
            detail: vec![],
        }
    }

    #[test]
    fn fills_path_headers_and_basic_auth() {
        let check = check();
        let values = Values {
            secret: "s3/cret",
            paired: Some("AC 1"),
        };
        let endpoint = Settings::default().endpoint_for(&check).to_owned();
        let request = build(&check, &endpoint, values).unwrap();
        assert_eq!(request.url, "https://api.example.net/accounts/AC%201.json");
        assert_eq!(request.headers[0], ("X-Key".into(), "k s3/cret".into()));
        let basic = base64::engine::general_purpose::STANDARD.encode("AC 1:s3/cret");
        assert_eq!(request.headers[1].1, format!("Basic {basic}"));
    }
}
