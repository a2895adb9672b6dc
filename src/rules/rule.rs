//! A validated rule, ready for the engine: severity parsed, regex compiled on first use.
//!
//! Compiling every regex at start-up would cost more than a whole small push scan, so each rule
//! compiles its regex the first time one of its keywords is hit (`OnceLock`).

use std::fmt;
use std::sync::OnceLock;

/// The farthest past a keyword hit that a rule's `reach` may ask its confirm windows to go
/// (a PGP key block is a few KiB); the engine's multiline default.
pub const MAX_REACH: usize = 32 * 1024;

use regex::bytes::{Regex, RegexBuilder};
use serde::Serialize;

use super::allow::Allowlist;
use super::span::Location;
use super::validators::Validator;

/// The upper bound on a compiled regex, so a pathological rule fails with a message, not OOM.
pub const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

/// How bad a finding is; ordered so that `Low < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Internal hosts, test keys: worth knowing, rarely an incident.
    Low,
    /// Credentials of limited scope.
    Medium,
    /// Credentials that grant access to data or services.
    High,
    /// Keys that grant broad access (cloud root keys, private keys, production tokens).
    Critical,
}

impl Severity {
    /// Parses the lowercase name used in rule files and on the command line.
    pub fn parse(name: &str) -> Option<Severity> {
        match name {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Every severity, most severe first.
    pub const ALL: [Severity; 4] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
    ];
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a finding is to be a real secret; ordered so that `Low < High`. `--confidence`
/// sets the floor: gates default to `medium`, audits may ask for `low`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Generic heuristics: a password-named field holding a short word, a credential in a URL
    /// to localhost, a bare `Bearer` value.
    Low,
    /// A provider format, or a strong name with a literal value.
    #[default]
    Medium,
    /// A format with a checksum or structure that validates, or a private key.
    High,
}

impl Confidence {
    /// Parses the lowercase name used in rule files and on the command line.
    pub fn parse(name: &str) -> Option<Confidence> {
        match name {
            "low" => Some(Confidence::Low),
            "medium" => Some(Confidence::Medium),
            "high" => Some(Confidence::High),
            _ => None,
        }
    }

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }

    /// Every confidence, most confident first.
    pub const ALL: [Confidence; 3] = [Confidence::High, Confidence::Medium, Confidence::Low];
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything a rule is, as loaded and validated; [`Rule`] adds the lazily compiled regex and
/// derefs to this, so `rule.id` reads naturally.
#[derive(Debug)]
pub struct RuleParts {
    /// Unique id.
    pub id: String,
    /// What it is and what an attacker could do with it.
    pub description: String,
    /// Severity of a finding.
    pub severity: Severity,
    /// How sure a finding of this rule is (written in the rule, or derived: see
    /// [`Confidence`] and `rules::derive_confidence`).
    pub confidence: Confidence,
    /// Lowercase prefilter keywords.
    pub keywords: Vec<String>,
    /// The regex source as written.
    pub regex_source: String,
    /// The capture group that holds the secret (None: group 1 if any, else the whole match).
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy of the secret.
    pub entropy: Option<f64>,
    /// Offline structural check of the secret.
    pub validator: Option<Validator>,
    /// Whether a match may span lines (its window does not stop at the hit's line end).
    pub multiline: bool,
    /// How many bytes past a keyword hit its confirm window reaches (at most [`MAX_REACH`]);
    /// `None` leaves it to the engine's default for single-line or multiline rules.
    pub reach: Option<usize>,
    /// Where a keyword hit must stand for the regex to be run around it.
    pub keyword_context: super::context::KeywordContext,
    /// Tags; `generic` lowers the rule's precedence on overlaps.
    pub tags: Vec<String>,
    /// How to fix a finding.
    pub remediation: String,
    /// Positive examples (may hold placeholders).
    pub examples: Vec<String>,
    /// Negative examples.
    pub negative_examples: Vec<String>,
    /// Per-rule allowlist.
    pub allow: Allowlist,
    /// When not empty, the rule applies only to paths matching one of these.
    pub paths: super::allow::Patterns,
    /// The tool the rule was converted from, if any (`gitleaks`).
    pub imported: Option<String>,
    /// The live check `--validate` runs on its findings.
    pub validate: Option<crate::validate::Check>,
    /// Where the rule was defined.
    pub origin: Location,
}

/// One detection rule: its parts and its regex, compiled on first use.
#[derive(Debug)]
pub struct Rule {
    parts: RuleParts,
    regex: OnceLock<Option<Regex>>,
    needs: OnceLock<super::needs::Needs>,
}

impl std::ops::Deref for Rule {
    type Target = RuleParts;

    fn deref(&self) -> &RuleParts {
        &self.parts
    }
}

impl Rule {
    /// Builds a rule; the regex is not compiled yet.
    pub fn new(parts: RuleParts) -> Rule {
        Rule {
            parts,
            regex: OnceLock::new(),
            needs: OnceLock::new(),
        }
    }

    /// The compiled regex, compiled on first call. `None` only if the pack was not validated and
    /// the regex is broken; such a rule then matches nothing.
    pub fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| compile_regex(&self.regex_source).ok())
            .as_ref()
    }

    /// Bytes every match of the regex holds (see the `rules::needs` module), worked out on first
    /// call.
    pub fn needs(&self) -> &super::needs::Needs {
        self.needs
            .get_or_init(|| super::needs::Needs::of(&self.regex_source))
    }

    /// The secret's span in a match: the first capture group at or after `secret_group`
    /// (default 1) that took part, or the whole match when the regex has no groups.
    pub fn secret_span(&self, caps: &regex::bytes::Captures<'_>) -> Option<std::ops::Range<usize>> {
        let first = self.secret_group.unwrap_or(1).min(caps.len() - 1);
        (first..caps.len())
            .find_map(|g| caps.get(g))
            .map(|m| m.range())
    }

    /// Whether the rule's `paths` restriction leaves out this path (`None`: it applies).
    pub fn outside_paths(&self, path: Option<&str>) -> Option<super::AllowReason> {
        if self.paths.is_empty() {
            return None;
        }
        let applies = path.is_some_and(|p| self.paths.get().iter().any(|re| re.is_match(p)));
        (!applies).then_some(super::AllowReason::OutsidePaths)
    }

    /// Whether this rule reports hosts rather than credentials.
    pub fn is_host(&self) -> bool {
        self.tags.iter().any(|t| t == "host")
    }

    /// Whether this rule loses to a specific rule when both match the same secret.
    pub fn is_generic(&self) -> bool {
        self.tags.iter().any(|t| t == "generic")
    }
}

/// Compiles a rule regex with leakgate's size limits and ASCII semantics: `\w`, `\s`, `\d`
/// and `(?i)` mean their ASCII forms (secrets are ASCII), which makes each regex several times
/// smaller and faster to compile than its Unicode form; `(?u)` turns Unicode back on in a rule
/// that needs it.
pub fn compile_regex(source: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(source)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}
