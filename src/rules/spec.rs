//! The serde mirror of a rule pack or `.leakgate.toml` file, exactly as written.
//!
//! Nothing here is validated beyond its TOML shape (`deny_unknown_fields` everywhere); spans are
//! kept so that `rules::load` can name `file:line:col` for every semantic error.

use serde::Deserialize;
use toml::Spanned;

/// One TOML file: a built-in pack file, a user's rule file, or a `.leakgate.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackFileSpec {
    /// Config only: whether the built-in pack stays loaded (default true).
    pub extend_default: Option<bool>,
    /// Config only: rule ids to switch off.
    #[serde(default)]
    pub disable: Vec<Spanned<String>>,
    /// Config only: the organisation's internal domains, reported when assigned to host keys.
    #[serde(default)]
    pub internal_domains: Vec<Spanned<String>>,
    /// The rules this file defines.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Global allowlists that apply to every rule.
    pub allow: Option<AllowSpec>,
    /// Config only: `--validate` settings (endpoints, timeout, pacing, hooks).
    pub validation: Option<crate::validate::spec::ValidationSpec>,
}

/// One `[[rules]]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique kebab-case id, stable forever (fingerprints depend on it).
    pub id: Spanned<String>,
    /// One sentence: what it is and what an attacker could do with it.
    pub description: String,
    /// critical | high | medium | low.
    pub severity: Spanned<String>,
    /// low | medium | high (default: high with a validator or for a private key, else medium).
    pub confidence: Option<Spanned<String>>,
    /// Literals (case-insensitive) the prefilter looks for; at least one.
    pub keywords: Spanned<Vec<String>>,
    /// The confirming regex; the secret is a capture group.
    pub regex: Spanned<String>,
    /// Which capture group is the secret (default 1, or the whole match without groups).
    pub secret_group: Option<Spanned<usize>>,
    /// Minimum Shannon entropy of the secret, in bits per character.
    pub entropy: Option<f64>,
    /// A named offline validator from the closed list in `rules::validators`.
    pub validator: Option<Spanned<String>>,
    /// Whether the regex may span lines (private key blocks); widens the confirm window.
    #[serde(default)]
    pub multiline: bool,
    /// How many bytes past a keyword a match may end (default 2048, or 32768 for multiline
    /// rules; at most 32768). A small reach keeps a rule on common keywords cheap.
    pub reach: Option<Spanned<usize>>,
    /// Where a keyword must stand for a match to hold it (`quoted`, `assigned`); hits elsewhere
    /// skip the regex. See `rules::context`.
    pub keyword_context: Option<Spanned<String>>,
    /// Free-form tags; `generic` marks a rule that loses to any specific rule on overlap.
    #[serde(default)]
    pub tags: Vec<String>,
    /// One imperative sentence: how to fix it.
    pub remediation: Option<String>,
    /// Inputs that must give exactly one finding, of this rule.
    #[serde(default)]
    pub examples: Vec<String>,
    /// Inputs that must give no finding of this rule.
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// Per-rule allowlists.
    pub allow: Option<AllowSpec>,
    /// Regexes over the `/`-separated path: when set, the rule applies only to files whose path
    /// matches one of them (never to input without a path, such as commit messages).
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// The tool a rule was converted from (`"gitleaks"`). An imported rule may have no
    /// `examples` (its source format has none); `rules test` counts it as untested.
    pub imported: Option<Spanned<String>>,
    /// How `--validate` asks the provider whether a found secret is live.
    pub validate: Option<crate::validate::spec::ValidateSpec>,
}

/// An allowlist: any hit drops the finding.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSpec {
    /// Regexes over the `/`-separated path relative to the scan root.
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes over the secret value.
    #[serde(default)]
    pub regexes: Vec<Spanned<String>>,
    /// Case-insensitive substrings of the secret value.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Regexes over the whole match (the secret with its context, such as a URL's host).
    #[serde(default)]
    pub matches: Vec<Spanned<String>>,
}
