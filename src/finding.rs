//! Findings: a confirmed match placed in a file (line, column) with its rule's metadata, the
//! masked secret and a fingerprint.
//!
//! # Fingerprint
//! `<rule id>:<first 16 hex digits of SHA-256(rule id, NUL, secret)>`. It never contains the
//! secret, and it does not depend on the path, line or commit, so it survives the secret moving.
//! `.leakgateignore` and baselines store fingerprints.

use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::engine::Match;
use crate::rules::{Rule, Severity};
use crate::secret::Secret;

/// The commit that introduced a finding (git scans only).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CommitInfo {
    /// Full commit id.
    pub id: String,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// Author date, RFC 3339.
    pub date: String,
    /// First line of the message.
    pub message: String,
}

/// One reported secret.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule that found it.
    pub rule_id: String,
    /// The rule's description.
    pub description: String,
    /// The rule's severity.
    pub severity: Severity,
    /// Path relative to the scan root, `/`-separated (`-` for stdin).
    pub file: String,
    /// 1-based line of the secret's first byte.
    pub line: usize,
    /// 1-based column (in characters) of the secret's first byte.
    pub column: usize,
    /// 1-based line of the secret's last byte.
    pub end_line: usize,
    /// 1-based column just past the secret's last character.
    pub end_column: usize,
    /// The secret (masked when serialized).
    pub secret: Secret,
    /// Stable identity for ignore files and baselines.
    pub fingerprint: String,
    /// The repository, for fleet scans and merged reports (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The introducing commit, for git scans.
    pub commit: Option<Arc<CommitInfo>>,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// How to fix it.
    #[serde(skip)]
    pub remediation: String,
}

/// The fingerprint of a secret found by a rule.
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0u8]);
    hasher.update(secret);
    let digest = hasher.finalize();
    format!("{rule_id}:{}", short_hex(&digest))
}

/// The first 8 bytes of a digest as 16 lowercase hex digits: short stable ids.
pub fn short_hex(digest: &[u8]) -> String {
    digest
        .iter()
        .take(8)
        .fold(String::with_capacity(16), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

/// Maps byte offsets in scanned bytes to lines of the original file.
#[derive(Debug, Clone, Default)]
pub enum LineOrigin {
    /// The bytes are the whole file: line n of the bytes is line n of the file.
    #[default]
    Identity,
    /// The bytes are pieces of a file (added lines of a diff): each entry says that the byte
    /// line `.0` (0-based) starts a run that is file line `.1` (1-based) onwards.
    Runs(Vec<(usize, usize)>),
}

impl LineOrigin {
    /// The file line of 0-based byte line `line`.
    fn file_line(&self, line: usize) -> usize {
        match self {
            LineOrigin::Identity => line + 1,
            LineOrigin::Runs(runs) => {
                let i = runs.partition_point(|(start, _)| *start <= line);
                match i.checked_sub(1).map(|i| runs[i]) {
                    Some((start, file_line)) => file_line + (line - start),
                    None => line + 1,
                }
            }
        }
    }
}

/// 0-based line and 1-based character column of byte `offset`.
fn line_and_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset];
    let line = memchr::memchr_iter(b'\n', before).count();
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, char_count(&before[line_start..]) + 1)
}

/// Characters in UTF-8 bytes: every byte that does not continue a multi-byte character. For
/// valid UTF-8 this is the character count; for any bytes it is additive (the count of a
/// concatenation is the sum of the counts), which keeps columns exact when a file is scanned in
/// blocks that split a character.
pub fn char_count(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .filter(|&&b| !(0x80..0xC0).contains(&b))
        .count()
}

/// (line, column, end line, end column) of a byte span, in file terms.
pub fn locate_span(
    bytes: &[u8],
    span: std::ops::Range<usize>,
    origin: &LineOrigin,
) -> (usize, usize, usize, usize) {
    let (line, column) = line_and_column(bytes, span.start);
    let (end_line, end_column) = line_and_column(bytes, span.end);
    (
        origin.file_line(line),
        column,
        origin.file_line(end_line),
        end_column,
    )
}

/// Turns a match in `bytes` into a finding for `file`.
pub fn locate(
    rule: &Rule,
    m: &Match,
    bytes: &[u8],
    file: &str,
    origin: &LineOrigin,
    commit: Option<&Arc<CommitInfo>>,
) -> Finding {
    let value = &bytes[m.secret.clone()];
    let (line, column) = line_and_column(bytes, m.secret.start);
    let (end_line, end_column) = line_and_column(bytes, m.secret.end);
    Finding {
        rule_id: rule.id.clone(),
        description: rule.description.clone(),
        severity: rule.severity,
        file: file.to_owned(),
        line: origin.file_line(line),
        column,
        end_line: origin.file_line(end_line),
        end_column,
        secret: Secret::new(value),
        fingerprint: fingerprint(&rule.id, value),
        repository: None,
        commit: commit.cloned(),
        tags: rule.tags.clone(),
        remediation: rule.remediation.clone(),
    }
}

/// Sorts findings for stable output: by repository, file, line, column, rule.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.repository, &a.file, a.line, a.column, &a.rule_id).cmp(&(
            &b.repository,
            &b.file,
            b.line,
            b.column,
            &b.rule_id,
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_secret_free() {
        let a = fingerprint("rule-x", b"s3cr3t-value");
        assert_eq!(a, fingerprint("rule-x", b"s3cr3t-value"));
        assert_ne!(a, fingerprint("rule-y", b"s3cr3t-value"));
        assert!(a.starts_with("rule-x:") && !a.contains("s3cr3t"));
        assert_eq!(a.len(), "rule-x:".len() + 16);
    }

    #[test]
    fn runs_map_to_file_lines() {
        let origin = LineOrigin::Runs(vec![(0, 10), (2, 40)]);
        assert_eq!(origin.file_line(0), 10);
        assert_eq!(origin.file_line(1), 11);
        assert_eq!(origin.file_line(2), 40);
        assert_eq!(origin.file_line(5), 43);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_and_column("ab\né x".as_bytes(), 6), (1, 3));
    }
}
