//! Rule packs: load TOML (built-in or a user's), validate every rule, hand the engine a
//! [`RulePack`]. Validation errors carry `file:line:col`.
//!
//! The built-in pack is trusted at run time (its validation runs in `cargo test` and
//! `leakgate rules test`), so a small push does not pay for checking 150 regexes.

pub mod allow;
pub mod builtin;
pub mod context;
pub mod error;
pub mod examples;
pub mod fake_keys;
pub mod keyshape;
pub mod literals;
pub mod needs;
pub mod rule;
pub mod span;
pub mod spec;
pub mod validators;

use std::collections::HashSet;

pub use allow::{AllowReason, Allowlist, Patterns};
pub use error::RuleError;
pub use rule::{Confidence, MAX_REACH, Rule, RuleParts, Severity};
use span::LineIndex;
pub use span::Location;
use spec::{AllowSpec, PackFileSpec, RuleSpec};
use validators::Validator;

/// A set of rules and the global allowlist that applies to all of them.
#[derive(Debug, Default)]
pub struct RulePack {
    /// The rules, in load order.
    pub rules: Vec<Rule>,
    /// Global allowlist.
    pub allow: Allowlist,
    /// `[validation]` settings from the user's config (defaults otherwise).
    pub validation: crate::validate::Settings,
    /// A hash over every file that went into the pack (name and text), so caches can tell when
    /// the effective rules changed.
    pub digest: String,
}

/// How thoroughly to check rules while loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strictness {
    /// Parse the shape only (the built-in pack at run time).
    Trusted,
    /// Compile regexes and check groups, keywords, ids (user files, `rules test`).
    Strict,
}

/// Longest allowed rule id.
const MAX_ID_LEN: usize = 64;

impl RulePack {
    /// The embedded built-in pack. Trusted, it is built from the data `build.rs` pre-parsed
    /// (no TOML parsing at start-up); strict, from the files' text, so that every error names
    /// its `rules/<file>.toml:line:col`.
    pub fn builtin(strictness: Strictness) -> Result<RulePack, RuleError> {
        if strictness == Strictness::Strict {
            return RulePack::builtin_parsed(strictness);
        }
        let mut pack = RulePack::default();
        for (name, source, spec) in builtin::trusted_specs() {
            pack.add_rules(name, source, spec, strictness, false)?;
        }
        builtin::BUILTIN_DIGEST.clone_into(&mut pack.digest);
        Ok(pack)
    }

    /// The embedded built-in pack, parsed from the files' text.
    pub fn builtin_parsed(strictness: Strictness) -> Result<RulePack, RuleError> {
        let mut pack = RulePack::default();
        for (name, source) in builtin::BUILTIN_FILES {
            let spec = parse_file(name, source)?;
            pack.add_rules(name, source, spec, strictness, true)?;
        }
        builtin::BUILTIN_DIGEST.clone_into(&mut pack.digest);
        Ok(pack)
    }

    /// Adds the rules and allowlist of one parsed file, rejecting duplicate ids.
    pub fn add_file(
        &mut self,
        name: &str,
        source: &str,
        spec: PackFileSpec,
        strictness: Strictness,
    ) -> Result<(), RuleError> {
        self.digest = chain_digest(&self.digest, name, source);
        self.add_rules(name, source, spec, strictness, true)
    }

    /// Adds one file's rules; `check_ids` is false only for the trusted built-in pack, whose
    /// ids `rules test` and `cargo test` prove unique.
    fn add_rules(
        &mut self,
        name: &str,
        source: &str,
        spec: PackFileSpec,
        strictness: Strictness,
        check_ids: bool,
    ) -> Result<(), RuleError> {
        let mut ids: HashSet<String> = HashSet::new();
        if check_ids {
            ids.extend(self.rules.iter().map(|r| r.id.clone()));
        }
        let lines = LineIndex::new(name, source);
        for rule_spec in spec.rules {
            let id_span = rule_spec.id.span();
            if check_ids && !ids.insert(rule_spec.id.get_ref().clone()) {
                return Err(RuleError::at(
                    name,
                    source,
                    id_span.start,
                    format!(
                        "duplicate rule id '{}'; ids must be unique (use `disable` to replace a built-in rule)",
                        rule_spec.id.get_ref()
                    ),
                ));
            }
            self.rules
                .push(build_rule(name, source, &lines, rule_spec, strictness)?);
        }
        if let Some(allow) = spec.allow {
            self.allow
                .extend(build_allow(name, source, &allow, strictness)?);
        }
        Ok(())
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

/// The last line of a regex error (the part that says what is wrong; the lines above repeat
/// the pattern with a caret).
fn regex_error_detail(error: &regex::Error) -> String {
    error
        .to_string()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// SHA-256 of the previous digest, a file name and its text, as hex.
fn chain_digest(previous: &str, name: &str, source: &str) -> String {
    use sha2::{Digest as _, Sha256};
    let mut hasher = Sha256::new();
    for part in [previous, name, source] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    format!("{:x}", hasher.finalize())
}

/// Parses one TOML file into its spec; a syntax or shape error names the position.
pub fn parse_file(name: &str, source: &str) -> Result<PackFileSpec, RuleError> {
    toml::from_str(source).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        RuleError::at(name, source, offset, e.message().trim().to_owned())
    })
}

/// The `imported` field: only `"gitleaks"` is known.
fn imported_from(
    tool: Option<&toml::Spanned<String>>,
    id: &str,
) -> Result<Option<String>, (usize, String)> {
    match tool {
        None => Ok(None),
        Some(tool) if tool.get_ref() == "gitleaks" => Ok(Some(tool.get_ref().clone())),
        Some(tool) => Err((
            tool.span().start,
            format!(
                "rule '{id}': unknown `imported` source '{}' (only \"gitleaks\")",
                tool.get_ref()
            ),
        )),
    }
}

/// The confidence of a rule that does not state one: a `generic` rule is `medium` (a name-based
/// heuristic, however strict its value check), a rule with a validator (checksum or structure)
/// or for a key (`key` tag: private keys and key material) is `high`, any other is `medium`.
pub fn derive_confidence(has_validator: bool, tags: &[String]) -> Confidence {
    let tagged = |name: &str| tags.iter().any(|t| t == name);
    if tagged("generic") {
        Confidence::Medium
    } else if has_validator || tagged("key") {
        Confidence::High
    } else {
        Confidence::Medium
    }
}

fn build_rule(
    name: &str,
    source: &str,
    lines: &LineIndex<'_>,
    spec: RuleSpec,
    strictness: Strictness,
) -> Result<Rule, RuleError> {
    let err = |offset: usize, msg: String| RuleError::at(name, source, offset, msg);
    let id = spec.id.get_ref().clone();
    let severity = Severity::parse(spec.severity.get_ref()).ok_or_else(|| {
        err(
            spec.severity.span().start,
            format!(
                "rule '{id}': unknown severity '{}' (critical, high, medium or low)",
                spec.severity.get_ref()
            ),
        )
    })?;
    let (validator, confidence) = validator_and_confidence(&spec, &id, &err)?;
    let keywords: Vec<String> = spec
        .keywords
        .get_ref()
        .iter()
        .map(|k| k.to_ascii_lowercase())
        .collect();
    if keywords.is_empty() || keywords.iter().any(String::is_empty) {
        return Err(err(
            spec.keywords.span().start,
            format!(
                "rule '{id}': `keywords` must list at least one non-empty literal for the prefilter"
            ),
        ));
    }
    let reach = window_reach(&spec, &id, &err)?;
    let keyword_context = keyword_context(&spec, &id, &err)?;
    if strictness == Strictness::Strict {
        check_strict(&spec, &keywords, &err)?;
    }
    let allow = match spec.allow {
        Some(a) => build_allow(name, source, &a, strictness)?,
        None => Allowlist::default(),
    };
    let paths = build_patterns(name, source, &spec.paths, strictness, "path")?;
    let imported = imported_from(spec.imported.as_ref(), &id).map_err(|(at, msg)| err(at, msg))?;
    let validate = match spec.validate {
        Some(v) => Some(
            crate::validate::Check::from_spec(v)
                .map_err(|(at, msg)| err(at, format!("rule '{id}': [rules.validate]: {msg}")))?,
        ),
        None => None,
    };
    Ok(Rule::new(RuleParts {
        id,
        description: spec.description,
        severity,
        confidence,
        keywords,
        regex_source: spec.regex.get_ref().clone(),
        secret_group: spec.secret_group.map(toml::Spanned::into_inner),
        entropy: spec.entropy,
        validator,
        multiline: spec.multiline,
        reach,
        keyword_context,
        tags: spec.tags,
        remediation: spec.remediation.unwrap_or_default(),
        examples: spec.examples,
        negative_examples: spec.negative_examples,
        allow,
        paths,
        imported,
        validate,
        origin: lines.locate(spec.id.span().start),
    }))
}

/// The rule's named validator and its confidence (stated, or derived from the validator and
/// tags).
fn validator_and_confidence(
    spec: &RuleSpec,
    id: &str,
    err: &impl Fn(usize, String) -> RuleError,
) -> Result<(Option<Validator>, Confidence), RuleError> {
    let validator = match &spec.validator {
        None => None,
        Some(v) => Some(Validator::parse(v.get_ref()).ok_or_else(|| {
            err(
                v.span().start,
                format!(
                    "rule '{id}': unknown validator '{}' (one of: {})",
                    v.get_ref(),
                    Validator::NAMES.join(", ")
                ),
            )
        })?),
    };
    let confidence = match &spec.confidence {
        None => derive_confidence(validator.is_some(), &spec.tags),
        Some(c) => Confidence::parse(c.get_ref()).ok_or_else(|| {
            err(
                c.span().start,
                format!(
                    "rule '{id}': unknown confidence '{}' (high, medium or low)",
                    c.get_ref()
                ),
            )
        })?,
    };
    Ok((validator, confidence))
}

/// The rule's `keyword_context`, checked against the names there are.
fn keyword_context(
    spec: &RuleSpec,
    id: &str,
    err: &impl Fn(usize, String) -> RuleError,
) -> Result<context::KeywordContext, RuleError> {
    let Some(name) = &spec.keyword_context else {
        return Ok(context::KeywordContext::Any);
    };
    context::KeywordContext::parse(name.get_ref()).ok_or_else(|| {
        err(
            name.span().start,
            format!(
                "rule '{id}': unknown keyword_context '{}' (one of: {})",
                name.get_ref(),
                context::KeywordContext::NAMES.join(", ")
            ),
        )
    })
}

/// How far a rule's confirm windows reach past a keyword: its `reach`, checked against
/// [`MAX_REACH`]; `None` leaves the default for its kind to the engine.
fn window_reach(
    spec: &RuleSpec,
    id: &str,
    err: &impl Fn(usize, String) -> RuleError,
) -> Result<Option<usize>, RuleError> {
    match &spec.reach {
        None => Ok(None),
        Some(r) if (1..=MAX_REACH).contains(r.get_ref()) => Ok(Some(*r.get_ref())),
        Some(r) => Err(err(
            r.span().start,
            format!("rule '{id}': `reach` must be between 1 and {MAX_REACH} bytes"),
        )),
    }
}

/// The checks that cost a regex compile: id shape, regex, groups, keywords, examples present.
fn check_strict(
    spec: &RuleSpec,
    keywords: &[String],
    err: &impl Fn(usize, String) -> RuleError,
) -> Result<(), RuleError> {
    let id = spec.id.get_ref();
    let id_ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        });
    if !id_ok {
        return Err(err(
            spec.id.span().start,
            format!(
                "rule id '{id}' must be kebab-case ([a-z0-9] words joined by '-'), at most {MAX_ID_LEN} characters"
            ),
        ));
    }
    let regex_at = spec.regex.span().start;
    let regex = rule::compile_regex(spec.regex.get_ref()).map_err(|e| {
        err(
            regex_at,
            format!("rule '{id}': invalid regex: {}", regex_error_detail(&e)),
        )
    })?;
    let groups = regex.captures_len() - 1;
    if groups == 0 {
        return Err(err(
            regex_at,
            format!("rule '{id}': the regex has no capture group; capture the secret"),
        ));
    }
    if let Some(g) = &spec.secret_group
        && *g.get_ref() > groups
    {
        return Err(err(
            g.span().start,
            format!(
                "rule '{id}': secret_group {} is out of range (the regex has {groups} groups)",
                g.get_ref()
            ),
        ));
    }
    if let Some(k) = keywords
        .iter()
        .find(|k| !literals::regex_can_contain(spec.regex.get_ref(), k))
    {
        return Err(err(
            spec.keywords.span().start,
            format!(
                "rule '{id}': keyword '{k}' can never occur in a match of the regex, so the rule could fire only by accident"
            ),
        ));
    }
    // A converted rule's source format has no examples; `imported` marks it, and `rules test`
    // counts it as untested instead of passing it silently.
    if spec.examples.is_empty() && spec.imported.is_none() {
        return Err(err(
            spec.id.span().start,
            format!("rule '{id}': add at least one entry to `examples`"),
        ));
    }
    Ok(())
}

fn build_allow(
    name: &str,
    source: &str,
    spec: &AllowSpec,
    strictness: Strictness,
) -> Result<Allowlist, RuleError> {
    Ok(Allowlist {
        paths: build_patterns(name, source, &spec.paths, strictness, "allowlist")?,
        regexes: build_patterns(name, source, &spec.regexes, strictness, "allowlist")?,
        stopwords: spec
            .stopwords
            .iter()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        matches: build_patterns(name, source, &spec.matches, strictness, "allowlist")?,
    })
}

/// Allowlist or path patterns. Built-in patterns are checked by `cargo test`; a user's are
/// compiled now so a bad one is reported with its position before anything is scanned.
fn build_patterns(
    name: &str,
    source: &str,
    list: &[toml::Spanned<String>],
    strictness: Strictness,
    what: &str,
) -> Result<Patterns, RuleError> {
    let compile = |pattern: &toml::Spanned<String>| -> Result<String, RuleError> {
        if strictness == Strictness::Strict {
            regex::Regex::new(pattern.get_ref()).map_err(|e| {
                RuleError::at(
                    name,
                    source,
                    pattern.span().start,
                    format!("invalid {what} regex: {}", regex_error_detail(&e)),
                )
            })?;
        }
        Ok(pattern.get_ref().clone())
    };
    Ok(Patterns::new(
        list.iter().map(compile).collect::<Result<_, _>>()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confidence_is_written_or_derived() {
        let pack = RulePack::builtin(Strictness::Trusted).unwrap();
        let of = |id: &str| pack.get(id).unwrap().confidence;
        assert_eq!(of("github-pat-classic"), Confidence::High);
        assert_eq!(of("private-key-pem"), Confidence::High);
        assert_eq!(of("generic-password"), Confidence::Medium);
        assert_eq!(of("password-short-word"), Confidence::Low);
        assert_eq!(
            derive_confidence(true, &["generic".to_owned()]),
            Confidence::Medium
        );
    }

    #[test]
    fn an_unknown_confidence_names_its_place() {
        let source = "[[rules]]\nid = \"x-y\"\ndescription = \"d\"\nseverity = \"low\"\nconfidence = \"sure\"\nkeywords = [\"ab\"]\nregex = '''ab(c)'''\n";
        let spec = parse_file("user.toml", source).unwrap();
        let err = RulePack::default()
            .add_file("user.toml", source, spec, Strictness::Trusted)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user.toml:5:") && err.contains("unknown confidence 'sure'"),
            "{err}"
        );
    }
}
