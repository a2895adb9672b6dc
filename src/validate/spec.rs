//! The `[rules.validate]` table of a rule and the `[validation]` table of `.leakgate.toml`: their
//! serde shape, and the checked [`Check`] and [`Settings`] they become at load time.
//!
//! Nothing here touches the network. The endpoint policy lives here so that a bad URL is a load
//! error with `file:line:col`: `https://` everywhere, plain `http://` only to a loopback host.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// One `[rules.validate]` table, as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateSpec {
    /// The provider: the key in `[validation.endpoints]` and the rate-limit bucket.
    pub provider: Spanned<String>,
    /// The default base URL (`https://api.github.com`); `[validation.endpoints]` replaces it.
    pub endpoint: Spanned<String>,
    /// `GET` (default), `POST` or `HEAD`.
    pub method: Option<Spanned<String>>,
    /// Appended to the endpoint; may hold `{{secret}}` and `{{paired}}`.
    pub path: Option<String>,
    /// Request headers; values may hold `{{secret}}` and `{{paired}}`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `[user, password]` templates for HTTP Basic authentication.
    pub basic_auth: Option<[String; 2]>,
    /// A request body template (form fields, JSON).
    pub body: Option<String>,
    /// A request built in code, for providers that need signing: `aws-sts`.
    pub builtin: Option<Spanned<String>>,
    /// The id of a rule whose finding near this one supplies `{{paired}}` (an AWS key id).
    pub paired: Option<Spanned<String>>,
    /// How many lines above or below the paired finding may be (default 5).
    pub paired_lines: Option<usize>,
    /// Only secrets starting with one of these are checked (token types the endpoint accepts).
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Only secrets of one of these lengths are checked (a rule that also finds other keys).
    #[serde(default)]
    pub lengths: Vec<usize>,
    /// Responses that mean the credential is live; any one matching is enough.
    #[serde(default)]
    pub valid: Vec<MatcherSpec>,
    /// Responses that mean the credential is revoked or wrong.
    #[serde(default)]
    pub invalid: Vec<MatcherSpec>,
    /// JSON pointers into a live response whose values are reported (`/login`).
    #[serde(default)]
    pub detail: Vec<String>,
}

/// One response pattern: every field given must hold.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MatcherSpec {
    /// HTTP statuses, any of which matches (empty: any status).
    #[serde(default)]
    pub status: Vec<u16>,
    /// JSON pointer to the value it must have (`{ "/ok" = true }`).
    #[serde(default)]
    pub json: BTreeMap<String, toml::Value>,
    /// A substring the body must contain.
    pub contains: Option<String>,
}

/// The `[validation]` table of `.leakgate.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidationSpec {
    /// Base URL per provider (GitHub Enterprise Server, self-managed GitLab, tests).
    #[serde(default)]
    pub endpoints: BTreeMap<String, Spanned<String>>,
    /// Seconds one request may take, connection and body included (default 10).
    pub timeout: Option<Spanned<f64>>,
    /// Requests per second to one provider (default 4).
    pub per_second: Option<Spanned<f64>>,
    /// Validate in `pre-push` and `pre-commit` too (default false: hooks never call out).
    #[serde(default)]
    pub hooks: bool,
}

/// An HTTP method a check may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
    /// HEAD.
    Head,
}

impl Method {
    /// The method name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Head => "HEAD",
        }
    }
}

/// A request built in code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    /// AWS STS `GetCallerIdentity`, signed with SigV4 by the key id (paired) and secret.
    AwsSts,
}

/// A rule's validator, checked and ready to build requests.
#[derive(Debug, Clone)]
pub struct Check {
    /// Provider key (endpoint override, rate limit, summary).
    pub provider: String,
    /// Default base URL.
    pub endpoint: String,
    /// HTTP method.
    pub method: Method,
    /// Path template.
    pub path: String,
    /// Header templates.
    pub headers: Vec<(String, String)>,
    /// Basic auth templates.
    pub basic_auth: Option<[String; 2]>,
    /// Body template.
    pub body: Option<String>,
    /// A request built in code instead of the templates.
    pub builtin: Option<Builtin>,
    /// The rule supplying `{{paired}}`, and how many lines away it may be.
    pub paired: Option<(String, usize)>,
    /// Accepted secret prefixes (empty: all).
    pub prefixes: Vec<String>,
    /// Accepted secret lengths (empty: all).
    pub lengths: Vec<usize>,
    /// Live patterns.
    pub valid: Vec<MatcherSpec>,
    /// Revoked patterns.
    pub invalid: Vec<MatcherSpec>,
    /// JSON pointers to report for a live credential.
    pub detail: Vec<String>,
}

impl Check {
    /// Whether this check accepts a secret (its prefix is one the endpoint understands).
    pub fn accepts(&self, secret: &str) -> bool {
        (self.prefixes.is_empty() || self.prefixes.iter().any(|p| secret.starts_with(p)))
            && (self.lengths.is_empty() || self.lengths.contains(&secret.len()))
    }

    /// Checks a parsed table; an error is `(byte offset, message)` for the loader to place.
    pub fn from_spec(spec: ValidateSpec) -> Result<Check, (usize, String)> {
        let method = match spec
            .method
            .as_ref()
            .map(|m| m.get_ref().to_ascii_uppercase())
        {
            None => Method::Get,
            Some(m) if m == "GET" => Method::Get,
            Some(m) if m == "POST" => Method::Post,
            Some(m) if m == "HEAD" => Method::Head,
            Some(m) => {
                let at = spec.method.as_ref().map_or(0, |s| s.span().start);
                return Err((at, format!("unknown method '{m}' (GET, POST or HEAD)")));
            }
        };
        let builtin = match &spec.builtin {
            None => None,
            Some(b) if b.get_ref() == "aws-sts" => Some(Builtin::AwsSts),
            Some(b) => {
                let msg = format!("unknown builtin validator '{}' (aws-sts)", b.get_ref());
                return Err((b.span().start, msg));
            }
        };
        check_endpoint(spec.endpoint.get_ref()).map_err(|m| (spec.endpoint.span().start, m))?;
        if builtin.is_none() && spec.valid.is_empty() {
            let msg = "a validator needs `valid` response patterns (or a `builtin`)".to_owned();
            return Err((spec.provider.span().start, msg));
        }
        if builtin == Some(Builtin::AwsSts) && spec.paired.is_none() {
            let msg = "the aws-sts validator needs `paired` (the access key id rule)".to_owned();
            return Err((spec.provider.span().start, msg));
        }
        Ok(Check {
            provider: spec.provider.into_inner(),
            endpoint: spec.endpoint.into_inner(),
            method,
            path: spec.path.unwrap_or_default(),
            headers: spec.headers.into_iter().collect(),
            basic_auth: spec.basic_auth,
            body: spec.body,
            builtin,
            paired: spec
                .paired
                .map(|p| (p.into_inner(), spec.paired_lines.unwrap_or(5))),
            prefixes: spec.prefixes,
            lengths: spec.lengths,
            valid: spec.valid,
            invalid: spec.invalid,
            detail: spec.detail,
        })
    }
}

/// Resolved `[validation]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Base URL overrides by provider.
    pub endpoints: BTreeMap<String, String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Requests per second to one provider.
    pub per_second: f64,
    /// Whether the hooks validate.
    pub hooks: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            endpoints: BTreeMap::new(),
            timeout: Duration::from_secs(10),
            per_second: 4.0,
            hooks: false,
        }
    }
}

impl Settings {
    /// Checks a `[validation]` table against the providers the pack knows; an error is
    /// `(byte offset, message)`.
    pub fn from_spec(
        spec: ValidationSpec,
        providers: &BTreeSet<String>,
    ) -> Result<Settings, (usize, String)> {
        let mut settings = Settings {
            hooks: spec.hooks,
            ..Settings::default()
        };
        for (provider, url) in spec.endpoints {
            let at = url.span().start;
            if !providers.contains(&provider) {
                let known: Vec<&str> = providers.iter().map(String::as_str).collect();
                let msg = format!(
                    "[validation.endpoints]: no validator uses provider '{provider}' (known: {})",
                    known.join(", ")
                );
                return Err((at, msg));
            }
            check_endpoint(url.get_ref())
                .map_err(|m| (at, format!("[validation.endpoints] {provider}: {m}")))?;
            settings.endpoints.insert(provider, url.into_inner());
        }
        if let Some(t) = spec.timeout {
            if !(t.get_ref().is_finite() && *t.get_ref() > 0.0 && *t.get_ref() <= 300.0) {
                let msg = "[validation] timeout must be between 0 and 300 seconds".to_owned();
                return Err((t.span().start, msg));
            }
            settings.timeout = Duration::from_secs_f64(*t.get_ref());
        }
        if let Some(r) = spec.per_second {
            if !(r.get_ref().is_finite() && *r.get_ref() > 0.0) {
                let msg = "[validation] per_second must be a positive number".to_owned();
                return Err((r.span().start, msg));
            }
            settings.per_second = *r.get_ref();
        }
        Ok(settings)
    }

    /// The base URL for a check: the configured override, else the rule's default.
    pub fn endpoint_for<'a>(&'a self, check: &'a Check) -> &'a str {
        self.endpoints
            .get(&check.provider)
            .map_or(check.endpoint.as_str(), String::as_str)
    }
}

/// The host (and port) of a URL, without user info; empty if it has none.
pub fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit('@').next().unwrap_or_default()
}

/// Whether a host (with optional port) is a loopback address or `localhost`.
pub fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The endpoint policy: `https://` with a host, or `http://` to a loopback host only.
pub fn check_endpoint(url: &str) -> Result<(), String> {
    let host = host_of(url);
    if host.is_empty() || url.contains(char::is_whitespace) {
        return Err(format!("'{url}' is not a URL (https://host/path)"));
    }
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || (lower.starts_with("http://") && is_loopback(host)) {
        Ok(())
    } else {
        Err(format!(
            "'{url}' must use https:// (plain http:// is allowed only to a loopback address)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_everywhere_http_only_on_loopback() {
        assert!(check_endpoint("https://ghe.example.net/api/v3").is_ok());
        assert!(check_endpoint("http://127.0.0.1:8080").is_ok());
        assert!(check_endpoint("http://localhost:1/x").is_ok());
        assert!(check_endpoint("http://[::1]:9/").is_ok());
        assert!(check_endpoint("http://ghe.example.net/api/v3").is_err());
        assert!(check_endpoint("http://10.0.0.1/").is_err());
        assert!(check_endpoint("http://127.0.0.1.example.net/").is_err());
        assert!(check_endpoint("ftp://example.net").is_err());
        assert!(check_endpoint("https://").is_err());
    }

    #[test]
    fn host_drops_user_info_and_path() {
        assert_eq!(
            host_of("https://u:p@api.example.net:8443/v1?q"),
            "api.example.net:8443"
        );
        assert_eq!(host_of("http://127.0.0.1:9/"), "127.0.0.1:9");
    }
}
