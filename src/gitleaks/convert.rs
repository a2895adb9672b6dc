//! gitleaks rules and allowlists to leakgate's, one rule at a time, with a note for every
//! feature that has no leakgate equivalent (kept as a comment by the writer) and every rewrite.
//!
//! Knows both formats' meaning, not their text: `model` reads gitleaks TOML, `write` renders
//! leakgate TOML.

use super::keywords;
use super::model::{GlAllowlist, GlRule, RegexTarget};
use super::regex::translate;

/// A leakgate allowlist being built.
#[derive(Debug, Default, Clone)]
pub struct LgAllow {
    /// Regexes over the path.
    pub paths: Vec<String>,
    /// Regexes over the secret.
    pub regexes: Vec<String>,
    /// Substrings of the secret.
    pub stopwords: Vec<String>,
    /// Regexes over the whole match.
    pub matches: Vec<String>,
}

impl LgAllow {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
            && self.regexes.is_empty()
            && self.stopwords.is_empty()
            && self.matches.is_empty()
    }

    /// Adds another allowlist's entries.
    pub fn extend(&mut self, other: LgAllow) {
        self.paths.extend(other.paths);
        self.regexes.extend(other.regexes);
        self.stopwords.extend(other.stopwords);
        self.matches.extend(other.matches);
    }
}

/// A converted rule.
#[derive(Debug, Default, Clone)]
pub struct LgRule {
    /// leakgate id (kebab-case).
    pub id: String,
    /// The gitleaks id, when it had to change.
    pub gitleaks_id: Option<String>,
    /// Description.
    pub description: String,
    /// Prefilter keywords.
    pub keywords: Vec<String>,
    /// Rust regex.
    pub regex: String,
    /// Secret group, when gitleaks named one.
    pub secret_group: Option<i64>,
    /// Minimum entropy.
    pub entropy: Option<f64>,
    /// Whether the regex names line breaks.
    pub multiline: bool,
    /// Tags.
    pub tags: Vec<String>,
    /// Path restriction.
    pub paths: Vec<String>,
    /// Per-rule allowlist.
    pub allow: LgAllow,
    /// `# ` comment lines written above the rule (what was rewritten or left out).
    pub comments: Vec<String>,
}

/// Notes for stderr, each already prefixed with its subject.
#[derive(Debug, Default)]
pub struct Notes {
    /// Features kept only as comments.
    pub unconverted: Vec<String>,
    /// Rewrites that keep the meaning.
    pub translated: Vec<String>,
}

/// Converts one gitleaks rule, or returns the comment lines that keep it and the reason.
pub fn rule(gl: &GlRule, id: String, notes: &mut Notes) -> Result<LgRule, Vec<String>> {
    let subject = format!("rule '{}'", gl.id);
    let mut out = LgRule {
        gitleaks_id: (id != gl.id).then(|| gl.id.clone()),
        id,
        description: gl
            .description
            .clone()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| format!("{} (imported from gitleaks)", gl.id)),
        tags: gl.tags.clone(),
        entropy: gl.entropy.filter(|e| *e > 0.0),
        ..LgRule::default()
    };
    let Some(go_regex) = &gl.regex else {
        let why = "has only a `path` (it reports a file's existence); leakgate rules match content";
        notes
            .unconverted
            .push(format!("{subject}: {why}; kept as a comment"));
        return Err(vec![format!("not converted: {why}")]);
    };
    let translated = translate(go_regex);
    for n in &translated.notes {
        notes.translated.push(format!("{subject}: {n}"));
        out.comments.push(format!("translated: {n}"));
    }
    let (regex, unicode) = compile_checked(&translated.source).map_err(|e| {
        let why = format!("its regex does not compile in Rust syntax: {e}");
        notes
            .unconverted
            .push(format!("{subject}: {why}; kept as a comment"));
        vec![format!("not converted: {why}")]
    })?;
    if unicode {
        let n = "uses Unicode (non-ASCII) syntax, so it is compiled with `(?u)`";
        notes.translated.push(format!("{subject}: {n}"));
        out.comments.push(format!("translated: {n}"));
    }
    out.regex = regex;
    capture_group(gl, &mut out, &subject, notes);
    out.multiline = names_line_breaks(&out.regex);
    keywords_for(gl, &mut out, &subject, notes)?;
    if gl.id.contains("generic") && !out.tags.iter().any(|t| t == "generic") {
        out.tags.push("generic".into());
    }
    if let Some(path) = &gl.path {
        out.paths.push(allow_regex(
            path,
            &subject,
            "path",
            notes,
            &mut out.comments,
        )?);
    }
    for a in &gl.allowlists {
        if let Some(allow) = allowlist(a, &subject, notes, &mut out.comments) {
            out.allow.extend(allow);
        }
    }
    for key in &gl.unknown {
        notes.unconverted.push(format!(
            "{subject}: `{key}` has no leakgate equivalent; kept as a comment"
        ));
        out.comments.push(format!("not converted: {key}"));
    }
    Ok(out)
}

/// Compiles with leakgate's rule settings; a pattern that needs Unicode gets `(?u)`.
fn compile_checked(source: &str) -> Result<(String, bool), String> {
    let detail = |e: regex::Error| e.to_string().lines().last().unwrap_or("").trim().to_owned();
    match crate::rules::rule::compile_regex(source) {
        Ok(_) => Ok((source.to_owned(), false)),
        Err(first) => {
            let unicode = format!("(?u){source}");
            match crate::rules::rule::compile_regex(&unicode) {
                Ok(_) => Ok((unicode, true)),
                Err(_) => Err(detail(first)),
            }
        }
    }
}

/// gitleaks takes the whole match when a regex has no group, and the first non-empty group by
/// default; leakgate needs a group, so a group-less regex is wrapped in one.
fn capture_group(gl: &GlRule, out: &mut LgRule, subject: &str, notes: &mut Notes) {
    let groups = crate::rules::rule::compile_regex(&out.regex).map_or(0, |r| r.captures_len() - 1);
    if groups == 0 {
        out.regex = format!("({})", out.regex);
        out.comments.push(
            "translated: no capture group (the whole match is the secret): wrapped in one".into(),
        );
        return;
    }
    match gl.secret_group {
        Some(g) if g > 0 && usize::try_from(g).is_ok_and(|g| g <= groups) => {
            out.secret_group = Some(g);
        }
        Some(g) if g > 0 => {
            let n = format!(
                "secretGroup {g} is out of range ({groups} groups); the first group that matched is used"
            );
            notes.unconverted.push(format!("{subject}: {n}"));
            out.comments.push(format!("not converted: {n}"));
        }
        _ => {}
    }
}

/// Whether a regex can match across lines: it names `\n`, uses `(?s)` or a `[\s\S]`-style class.
pub fn names_line_breaks(regex: &str) -> bool {
    regex.contains(r"\n")
        || regex.contains("(?s")
        || ["\\s\\S", "\\S\\s", "\\w\\W", "\\W\\w", "\\d\\D", "\\D\\d"]
            .iter()
            .any(|p| regex.contains(p))
}

/// The rule's gitleaks keywords that its regex can contain, else keywords derived from the
/// regex's literals; a rule with neither is kept as a comment.
fn keywords_for(
    gl: &GlRule,
    out: &mut LgRule,
    subject: &str,
    notes: &mut Notes,
) -> Result<(), Vec<String>> {
    let mut kept = Vec::new();
    for k in &gl.keywords {
        let k = k.to_ascii_lowercase();
        if k.is_empty() || kept.contains(&k) {
            continue;
        }
        if crate::rules::literals::regex_can_contain(&out.regex, &k) {
            kept.push(k);
        } else {
            let n = format!(
                "keyword '{k}' is not a literal the regex is known to contain (leakgate runs a regex only around its keywords); dropped"
            );
            notes.unconverted.push(format!("{subject}: {n}"));
            out.comments.push(format!("not converted: {n}"));
        }
    }
    if kept.is_empty() {
        let Some(derived) = keywords::derive(&out.regex) else {
            let why = "has no keywords and its regex has no literal of 3+ characters that every match contains; add `keywords` by hand";
            notes
                .unconverted
                .push(format!("{subject}: {why}; kept as a comment"));
            return Err(vec![format!("not converted: {why}")]);
        };
        let n = format!("keywords derived from the regex: {}", derived.join(", "));
        notes.translated.push(format!("{subject}: {n}"));
        out.comments.push(format!("translated: {n}"));
        kept = derived;
    }
    out.keywords = kept;
    Ok(())
}

/// A translated allowlist or path regex, or the comment that keeps it.
fn allow_regex(
    go: &str,
    subject: &str,
    what: &str,
    notes: &mut Notes,
    comments: &mut Vec<String>,
) -> Result<String, Vec<String>> {
    let t = translate(go);
    for n in &t.notes {
        notes
            .translated
            .push(format!("{subject}: {what} '{go}': {n}"));
    }
    match regex::Regex::new(&t.source) {
        Ok(_) => Ok(t.source),
        Err(e) => {
            let detail = e.to_string().lines().last().unwrap_or("").trim().to_owned();
            let why = format!("{what} regex '{go}' does not compile in Rust syntax: {detail}");
            notes
                .unconverted
                .push(format!("{subject}: {why}; kept as a comment"));
            comments.push(format!("not converted: {why}"));
            Err(vec![format!("not converted: {why}")])
        }
    }
}

/// Converts one allowlist; what has no equivalent goes to `comments` and `notes`. `None` when
/// the whole allowlist cannot be expressed (an AND over several kinds of criteria).
pub fn allowlist(
    a: &GlAllowlist,
    subject: &str,
    notes: &mut Notes,
    comments: &mut Vec<String>,
) -> Option<LgAllow> {
    let kinds = [
        !a.commits.is_empty(),
        !a.paths.is_empty(),
        !a.regexes.is_empty(),
        !a.stopwords.is_empty(),
    ]
    .iter()
    .filter(|k| **k)
    .count();
    let mut unconverted = |what: String, comments: &mut Vec<String>| {
        notes.unconverted.push(format!(
            "{subject}: {what}; kept as a comment, so what it allowed is reported"
        ));
        comments.push(format!("not converted: {what}"));
    };
    if a.and && kinds > 1 {
        unconverted(
            format!(
                "allowlist with condition = \"AND\" over several criteria (leakgate allowlists drop a finding on any one): {}",
                describe(a)
            ),
            comments,
        );
        return None;
    }
    if !a.commits.is_empty() {
        unconverted(
            format!(
                "allowlist commits {} (leakgate judges content, not commits: accept today's findings with `--write-baseline` or `leakgate ignore`)",
                list(&a.commits)
            ),
            comments,
        );
    }
    if a.regex_target == RegexTarget::Line && !a.regexes.is_empty() {
        unconverted(
            format!(
                "allowlist regexes over the whole line {} (leakgate matches the secret or the match; `leakgate:allow` on the line works inline)",
                list(&a.regexes)
            ),
            comments,
        );
    }
    for key in &a.unknown {
        unconverted(format!("allowlist key `{key}`"), comments);
    }
    let mut out = LgAllow {
        stopwords: a.stopwords.iter().map(|s| s.to_ascii_lowercase()).collect(),
        ..LgAllow::default()
    };
    for p in &a.paths {
        if let Ok(r) = allow_regex(p, subject, "allowlist path", notes, comments) {
            out.paths.push(r);
        }
    }
    let target = match a.regex_target {
        RegexTarget::Secret => Some(&mut out.regexes),
        RegexTarget::Match => Some(&mut out.matches),
        RegexTarget::Line => None,
    };
    if let Some(target) = target {
        for r in &a.regexes {
            if let Ok(r) = allow_regex(r, subject, "allowlist", notes, comments) {
                target.push(r);
            }
        }
    }
    Some(out)
}

/// A one-line summary of an allowlist, as TOML-ish text.
pub fn describe(a: &GlAllowlist) -> String {
    let mut parts = Vec::new();
    if a.and {
        parts.push("condition = \"AND\"".to_owned());
    }
    for (key, values) in [
        ("commits", &a.commits),
        ("paths", &a.paths),
        ("regexes", &a.regexes),
        ("stopwords", &a.stopwords),
        ("targetRules", &a.target_rules),
    ] {
        if !values.is_empty() {
            parts.push(format!("{key} = {}", list(values)));
        }
    }
    match a.regex_target {
        RegexTarget::Secret => {}
        RegexTarget::Match => parts.push("regexTarget = \"match\"".to_owned()),
        RegexTarget::Line => parts.push("regexTarget = \"line\"".to_owned()),
    }
    parts.join(", ")
}

/// A TOML array of strings on one line.
pub fn list(values: &[String]) -> String {
    toml::Value::Array(values.iter().cloned().map(toml::Value::String).collect()).to_string()
}

/// A kebab-case leakgate id for a gitleaks id (at most 64 characters).
pub fn kebab_id(id: &str) -> String {
    let mut out = String::new();
    for c in id.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(64).collect();
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        out.push_str("imported-rule");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_become_kebab_case() {
        assert_eq!(kebab_id("My_Rule.v2"), "my-rule-v2");
        assert_eq!(kebab_id("aws-access-token"), "aws-access-token");
        assert_eq!(kebab_id("__"), "imported-rule");
    }

    #[test]
    fn line_breaks_are_seen() {
        assert!(names_line_breaks(r"-----BEGIN[\s\S-]*?-----"));
        assert!(names_line_breaks(r"a\nb"));
        assert!(!names_line_breaks(r"key\s*=\s*(\w+)"));
    }
}
