//! Opt-in validation (`--validate`): ask each finding's provider whether the secret is live.
//!
//! Owns the plan (which findings are checked, one request per distinct secret, the global cap),
//! the per-provider pacing and the summary of requests by host. It knows rules and findings, not
//! sources or reports. The network is reached only through a [`http::Transport`], and only when
//! a command was given `--validate` (or a hook's config says `hooks = true`); a scan without it
//! never builds a client. Secrets go only into requests: never into details, errors or logs.

pub mod classify;
pub mod http;
pub mod pair;
pub mod request;
pub mod run;
pub mod spec;

#[cfg(feature = "validate")]
pub mod aws;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

pub use spec::{Check, Settings};

/// What the provider said about a secret.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted it: the key is live.
    Valid,
    /// The provider rejected it: revoked, expired or wrong.
    Invalid,
    /// Not decided: not checked (cap, no paired value), rate limited, or an unexpected answer.
    Unknown,
    /// No usable answer: timeout, connection or TLS failure, a server error.
    Error,
}

impl Status {
    /// The lowercase name used in every report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
            Status::Error => "error",
        }
    }
}

/// The validation result attached to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Validation {
    /// valid | invalid | unknown | error.
    pub status: Status,
    /// Why, in a few words (`HTTP 200; login=octocat`, `timed out after 10 s`); never the secret.
    pub detail: String,
}

impl Validation {
    /// A result with this status and detail.
    pub fn new(status: Status, detail: impl Into<String>) -> Validation {
        Validation {
            status,
            detail: detail.into(),
        }
    }
}

/// What validation cost and found, for the report summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ValidationSummary {
    /// HTTP requests sent (retries included).
    pub requests: u64,
    /// Requests by host (`api.github.com`), so the user sees where secrets went.
    pub hosts: BTreeMap<String, u64>,
    /// Distinct secrets checked.
    pub checked: u64,
    /// Distinct secrets left unchecked because `--validate-max` was reached.
    pub over_cap: u64,
    /// Findings by validation status.
    pub findings: BTreeMap<Status, u64>,
}

impl ValidationSummary {
    /// `validation: 3 requests (api.github.com 2, slack.com 1); 2 valid, 1 invalid`.
    pub fn line(&self) -> String {
        let hosts: Vec<String> = self.hosts.iter().map(|(h, n)| format!("{h} {n}")).collect();
        let mut line = format!(
            "validation: {} request{}",
            self.requests,
            if self.requests == 1 { "" } else { "s" }
        );
        if !hosts.is_empty() {
            let _ = write!(line, " ({})", hosts.join(", "));
        }
        let statuses: Vec<String> = self
            .findings
            .iter()
            .map(|(s, n)| format!("{n} {}", s.as_str()))
            .collect();
        if !statuses.is_empty() {
            let _ = write!(line, "; {}", statuses.join(", "));
        }
        if self.over_cap > 0 {
            let _ = write!(
                line,
                "; {} secret{} not checked (--validate-max)",
                self.over_cap,
                if self.over_cap == 1 { "" } else { "s" }
            );
        }
        line
    }
}
