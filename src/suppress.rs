//! Suppression after the scan: the confidence floor, the `.leakgateignore` file and baselines. Both match findings by
//! fingerprint, so they survive secrets moving between lines, files and commits.
//!
//! Ignore file: one fingerprint a line, optionally followed by a path (exact, or a directory
//! prefix ending in `/`) that scopes it; `#` starts a comment. Baseline: a JSON array sorted by
//! fingerprint then file, without secrets, so it diffs well in review.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The default ignore file name, looked for at the scan root.
pub const IGNORE_FILE_NAME: &str = ".leakgateignore";

/// The suppression set of a scan: findings below the confidence floor, in the ignore file or in
/// the baseline are dropped. Loaded before the scan (`settings`), so a bad file fails early.
#[derive(Debug, Default)]
pub struct Suppression {
    /// Fingerprints to drop.
    pub ignore: IgnoreList,
    /// Accepted findings.
    pub baseline: Option<Baseline>,
    /// The confidence floor (`--confidence`): findings below it are dropped before the ignore
    /// file and baseline are consulted.
    pub floor: crate::rules::Confidence,
}

impl Suppression {
    /// Whether `finding` survives the floor, the ignore file and the baseline.
    pub fn keeps(&self, finding: &Finding) -> bool {
        finding.confidence >= self.floor
            && !self.ignore.ignores(finding)
            && !self.baseline.as_ref().is_some_and(|b| b.contains(finding))
    }
}

/// Parsed ignore entries: fingerprint to optional path scopes (empty: everywhere).
#[derive(Debug, Default)]
pub struct IgnoreList {
    entries: HashMap<String, Vec<String>>,
}

impl IgnoreList {
    /// Parses ignore-file text; a malformed line names its number.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<IgnoreList> {
        let mut entries: HashMap<String, Vec<String>> = HashMap::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let fingerprint = parts.next().unwrap_or_default();
            if !fingerprint.contains(':') {
                anyhow::bail!(
                    "{name}:{}: '{fingerprint}' is not a fingerprint (expected RULE-ID:HEX, as printed in reports)",
                    index + 1
                );
            }
            let scopes = entries.entry(fingerprint.to_owned()).or_default();
            match parts.next() {
                // Scopes are `/`-separated on every platform, as findings' paths are.
                Some(path) => scopes.push(crate::path::portable(path)),
                None => scopes.clear(),
            }
            if scopes.is_empty() {
                scopes.push(String::new());
            }
        }
        Ok(IgnoreList { entries })
    }

    /// How many entries are of the other kind (keyed or not) than this run's fingerprints:
    /// they can never match.
    pub fn other_kind(&self) -> usize {
        let keyed = crate::finding::fingerprints_keyed();
        self.entries
            .keys()
            .filter(|fp| fp.contains(crate::finding::KEYED_MARK) != keyed)
            .count()
    }

    /// Reads an ignore file; a missing file is an empty list only when `required` is false.
    pub fn read(path: &Path, required: bool) -> anyhow::Result<IgnoreList> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let list = IgnoreList::parse(&path.display().to_string(), &text)?;
                let other = list.other_kind();
                if other > 0 {
                    let (theirs, var) = if crate::finding::fingerprints_keyed() {
                        ("unkeyed", "is set")
                    } else {
                        ("keyed", "is not set")
                    };
                    crate::diag::warning(&format!(
                        "{}: {other} {theirs} fingerprint(s) cannot match while {} {var}",
                        path.display(),
                        crate::finding::FINGERPRINT_KEY_VAR
                    ));
                }
                Ok(list)
            }
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => {
                Ok(IgnoreList::default())
            }
            Err(e) => Err(e).with_context(|| format!("cannot read ignore file {}", path.display())),
        }
    }

    /// Whether a fingerprint is ignored everywhere or on some path.
    pub fn ignores_fingerprint(&self, fingerprint: &str) -> bool {
        self.entries.contains_key(fingerprint)
    }

    /// Whether a finding is ignored.
    pub fn ignores(&self, finding: &Finding) -> bool {
        self.entries
            .get(&finding.fingerprint)
            .is_some_and(|scopes| {
                scopes.iter().any(|scope| {
                    scope.is_empty()
                        || finding.file == *scope
                        || (scope.ends_with('/') && finding.file.starts_with(scope.as_str()))
                })
            })
    }
}

/// One baseline entry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// The rule.
    pub rule_id: String,
    /// Where it was seen.
    pub file: String,
    /// The introducing commit, for git scans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

/// A set of accepted findings.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

impl Baseline {
    /// Reads a baseline file written by `--write-baseline`.
    pub fn read(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read baseline {}", path.display()))?;
        Baseline::parse(&path.display().to_string(), &text)
    }

    /// Parses baseline text; `name` is used in the error.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<Baseline> {
        let entries: Vec<BaselineEntry> = serde_json::from_str(text).with_context(|| {
            format!("{name} is not a leakgate baseline (write one with --write-baseline)")
        })?;
        Ok(Baseline {
            fingerprints: entries.into_iter().map(|e| e.fingerprint).collect(),
        })
    }

    /// Whether a finding is accepted by the baseline.
    pub fn contains(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint)
    }

    /// The sorted, secret-free baseline document for `findings`.
    pub fn render(findings: &[Finding]) -> String {
        let entries: BTreeSet<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint.clone(),
                rule_id: f.rule_id.clone(),
                file: f.file.clone(),
                commit: f.commit.as_ref().map(|c| c.id.clone()),
            })
            .collect();
        let list: Vec<&BaselineEntry> = entries.iter().collect();
        let mut text = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
        text.push('\n');
        text
    }
}

/// Whether byte `at` of an ignore file lies in the fingerprint of an entry: the first token of
/// its line, before any `#`, shaped `RULE-ID:HEX16` (or `RULE-ID:keyed-HEX16`). Fingerprints
/// read as random tokens to the generic rules, so findings there are dropped; everything else
/// in an ignore file (comments, scopes, malformed lines) is scanned like any file, so the file
/// cannot carry a secret past the gate.
pub fn in_fingerprint(text: &[u8], at: usize) -> bool {
    if at >= text.len() {
        return false;
    }
    let start = memchr::memrchr(b'\n', &text[..at]).map_or(0, |i| i + 1);
    let line = &text[start..];
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    let line = &line[..memchr::memchr(b'#', line).unwrap_or(line.len())];
    let lead = line.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let len = line[lead..]
        .iter()
        .take_while(|b| !b.is_ascii_whitespace())
        .count();
    let token = &line[lead..lead + len];
    let inside = (start + lead..start + lead + len).contains(&at);
    inside && is_fingerprint(token)
}

fn is_fingerprint(token: &[u8]) -> bool {
    let Some(colon) = memchr::memrchr(b':', token) else {
        return false;
    };
    let digest = &token[colon + 1..];
    let digest = digest
        .strip_prefix(crate::finding::KEYED_MARK.as_bytes())
        .unwrap_or(digest);
    colon > 0 && digest.len() == 16 && digest.iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fingerprints_of_entries_are_fingerprints() {
        let text = b"# ghp-like note\n  rule-a:00ff00ff00ff00ff tests/ # why\nrule-b:keyed-0123456789abcdef\nrule-c:0123456789abcdefXYZ\n";
        let text = &text[..];
        let at = |needle: &str| memchr::memmem::find(text, needle.as_bytes()).unwrap();
        assert!(in_fingerprint(text, at("00ff00ff")));
        assert!(in_fingerprint(text, at("rule-a")));
        assert!(in_fingerprint(text, at("keyed-0123")));
        assert!(!in_fingerprint(text, at("ghp-like")), "a comment is text");
        assert!(!in_fingerprint(text, at("tests/")), "a scope is text");
        assert!(!in_fingerprint(text, at("why")));
        assert!(!in_fingerprint(text, at("rule-c")), "not 16 hex digits");
        assert!(!in_fingerprint(text, text.len()));
    }

    #[test]
    fn ignore_lines_parse_with_comments_and_scopes() {
        let list = IgnoreList::parse("x", "# c\nrule-a:00ff  # ok\nrule-b:11 tests/\n\n").unwrap();
        assert_eq!(list.entries["rule-a:00ff"], vec![String::new()]);
        assert_eq!(list.entries["rule-b:11"], vec!["tests/".to_owned()]);
        assert!(IgnoreList::parse("x", "nonsense\n").is_err());
    }
}
