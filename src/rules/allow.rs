//! Allowlists: paths, secret regexes and stopwords that drop a finding.
//!
//! Used both per rule and globally; the engine asks about paths, secrets and whole matches.

use std::sync::OnceLock;

use regex::Regex;

/// Regex patterns compiled on first use: most rules' allowlists are never consulted in a small
/// push, and compiling them all cost more than the scan.
#[derive(Debug, Default)]
pub struct Patterns {
    sources: Vec<String>,
    compiled: OnceLock<Vec<Regex>>,
}

impl Patterns {
    /// Patterns from sources already known to compile (validated at load, or built in).
    pub fn new(sources: Vec<String>) -> Patterns {
        Patterns {
            sources,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regexes (a pattern that fails to compile is left out).
    pub fn get(&self) -> &[Regex] {
        self.compiled.get_or_init(|| {
            self.sources
                .iter()
                .filter_map(|s| Regex::new(s).ok())
                .collect()
        })
    }

    /// Whether there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    fn extend(&mut self, other: Patterns) {
        self.sources.extend(other.sources);
        self.compiled = OnceLock::new();
    }
}

/// An allowlist.
#[derive(Debug, Default)]
pub struct Allowlist {
    /// Regexes over the `/`-separated relative path.
    pub paths: Patterns,
    /// Regexes over the secret.
    pub regexes: Patterns,
    /// Lowercase substrings of the secret.
    pub stopwords: Vec<String>,
    /// Regexes over the whole regex match (the secret with its context, e.g. a URL's host).
    pub matches: Patterns,
}

/// Why an allowlist dropped a finding; shown by `--explain` and `rules test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowReason {
    /// The path matched this pattern.
    Path(String),
    /// The secret matched this pattern.
    Regex(String),
    /// The whole match matched this pattern.
    Match(String),
    /// The secret contains this stopword.
    Stopword(String),
    /// The rule's `paths` restriction does not include the path.
    OutsidePaths,
}

impl std::fmt::Display for AllowReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AllowReason::Path(p) => write!(f, "path allowlisted by '{p}'"),
            AllowReason::Regex(r) => write!(f, "secret allowlisted by regex '{r}'"),
            AllowReason::Match(r) => write!(f, "match allowlisted by regex '{r}'"),
            AllowReason::Stopword(s) => write!(f, "secret contains stopword '{s}'"),
            AllowReason::OutsidePaths => f.write_str("path is outside the rule's `paths`"),
        }
    }
}

impl Allowlist {
    /// Whether the path is allowlisted; `None` means it is not.
    pub fn allows_path(&self, path: Option<&str>) -> Option<AllowReason> {
        let path = path?;
        self.paths
            .get()
            .iter()
            .find(|re| re.is_match(path))
            .map(|re| AllowReason::Path(re.as_str().to_owned()))
    }

    /// Whether the secret is allowlisted; `None` means it is not.
    pub fn allows_secret(&self, secret: &str) -> Option<AllowReason> {
        if let Some(re) = self.regexes.get().iter().find(|re| re.is_match(secret)) {
            return Some(AllowReason::Regex(re.as_str().to_owned()));
        }
        let lower = secret.to_ascii_lowercase();
        self.stopwords
            .iter()
            .find(|w| lower.contains(w.as_str()))
            .map(|w| AllowReason::Stopword(w.clone()))
    }

    /// Whether the whole match is allowlisted; `None` means it is not. The bytes are decoded
    /// only for rules that have such patterns.
    pub fn allows_match(&self, matched: &[u8]) -> Option<AllowReason> {
        if self.matches.sources.is_empty() {
            return None;
        }
        let matched = String::from_utf8_lossy(matched);
        self.matches
            .get()
            .iter()
            .find(|re| re.is_match(&matched))
            .map(|re| AllowReason::Match(re.as_str().to_owned()))
    }

    /// Adds another allowlist's entries to this one.
    pub fn extend(&mut self, other: Allowlist) {
        self.paths.extend(other.paths);
        self.regexes.extend(other.regexes);
        self.stopwords.extend(other.stopwords);
        self.matches.extend(other.matches);
    }
}
