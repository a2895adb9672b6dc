//! Findings: a confirmed match placed in a file (line, column) with its rule's metadata, the
//! masked secret and a fingerprint.
//!
//! # Fingerprint
//! `<rule id>:<first 16 hex digits of SHA-256(rule id, NUL, secret)>`. It never contains the
//! secret, and it does not depend on the path, line or commit, so it survives the secret moving.
//! `.leakgateignore` and baselines store fingerprints.
//!
//! An unkeyed hash of a weak password can be reversed with a word list, so a team that commits
//! `.leakgateignore` or publishes SARIF can set `LEAKGATE_FINGERPRINT_KEY`: fingerprints are
//! then `<rule id>:keyed-<first 16 hex digits of HMAC-SHA-256(key, rule id, NUL, secret)>`. The
//! `keyed-` mark keeps the two kinds apart: an ignore file of the other kind matches nothing and
//! says so.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::rules::{Confidence, Rule, Severity};
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

/// Where a finding's bytes came from. Every source hands the scan stage an input with one of
/// these, and every report shows it.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Provenance {
    /// A file on disk (or standard input).
    #[default]
    File,
    /// A blob at a path in a commit (the commit is [`Finding::commit`]), or in the index when
    /// there is no commit.
    Blob,
    /// The message of a commit.
    CommitMessage {
        /// Full commit id.
        commit: String,
    },
    /// The message of an annotated tag.
    TagMessage {
        /// The tag's name (escaped).
        tag: String,
        /// The tag object's id.
        id: String,
    },
    /// The name of a ref a push creates or moves on the remote (`refs/heads/<name>`): a name is
    /// text the remote keeps and shows, so a secret in it leaks like one in a file.
    RefName {
        /// The ref's full name, its secrets masked and control characters escaped.
        name: String,
    },
    /// The path of a file a pushed commit adds or renames (`config/<token>.json`): the remote
    /// keeps it in the tree, so a secret in it leaks like one in a file.
    PathName {
        /// The path, its secrets masked and control characters escaped.
        path: String,
    },
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
    /// How sure the finding is (the rule's confidence); `--confidence` drops those below it.
    pub confidence: Confidence,
    /// Path relative to the scan root, `/`-separated (`-` for stdin), control characters escaped;
    /// for a message, `commit message of <id>` or `tag message of <name>`.
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
    /// What kind of input the secret was in.
    pub provenance: Provenance,
    /// Why the finding is shown but does not fail the run: set when a `leakgate:allow` that the
    /// scanned change itself adds silences it under `--config-from` (a reviewer must see it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<String>,
    /// The decoding the secret was found under (`base64`, `percent`, `json-escape`,
    /// `html-entity`; nested ones joined by `+`, outermost first; a Kubernetes Secret value is `base64`), when the
    /// secret is not in the text as written; the location is then the encoded text's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<String>,
    /// The rule's tags.
    pub tags: Vec<String>,
    /// How to fix it.
    #[serde(skip)]
    pub remediation: String,
    /// Whether the provider says the secret is live (only with `--validate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validation: Option<crate::validate::Validation>,
}

/// The environment variable holding the fingerprint key.
pub const FINGERPRINT_KEY_VAR: &str = "LEAKGATE_FINGERPRINT_KEY";

/// The marker of keyed fingerprints, after the rule id and its colon.
pub const KEYED_MARK: &str = "keyed-";

/// The fingerprint key from the environment, read once.
fn fingerprint_key() -> Option<&'static [u8]> {
    static KEY: std::sync::OnceLock<Option<Vec<u8>>> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        std::env::var_os(FINGERPRINT_KEY_VAR)
            .filter(|v| !v.is_empty())
            .map(|v| v.as_encoded_bytes().to_vec())
    })
    .as_deref()
}

/// Whether fingerprints are keyed in this run.
pub fn fingerprints_keyed() -> bool {
    fingerprint_key().is_some()
}

/// The fingerprint of a secret found by a rule (keyed when `LEAKGATE_FINGERPRINT_KEY` is set).
pub fn fingerprint(rule_id: &str, secret: &[u8]) -> String {
    fingerprint_with(fingerprint_key(), rule_id, secret)
}

/// The fingerprint under an explicit key (`None`: unkeyed).
pub fn fingerprint_with(key: Option<&[u8]>, rule_id: &str, secret: &[u8]) -> String {
    use hmac::Mac as _;
    match key {
        None => {
            let mut hasher = Sha256::new();
            hasher.update(rule_id.as_bytes());
            hasher.update([0u8]);
            hasher.update(secret);
            format!("{rule_id}:{}", short_hex(&hasher.finalize()))
        }
        Some(key) => {
            let mut mac =
                hmac::Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
            mac.update(rule_id.as_bytes());
            mac.update(&[0u8]);
            mac.update(secret);
            let digest = mac.finalize().into_bytes();
            format!("{rule_id}:{KEYED_MARK}{}", short_hex(&digest))
        }
    }
}

/// The first 8 bytes of a digest as 16 lowercase hex digits: short stable ids. (A digest shorter
/// than 8 bytes is padded with zero bytes; every caller passes a SHA-256 digest.)
pub fn short_hex(digest: &[u8]) -> String {
    let mut first = [0u8; 8];
    let n = digest.len().min(8);
    first[..n].copy_from_slice(&digest[..n]);
    format!("{:016x}", u64::from_be_bytes(first))
}

/// Maps byte offsets in scanned bytes to lines of the original file. Every source now scans
/// whole inputs, so there is one mapping; the type stays so that a source of pieces (an archive
/// member at an offset) has a place to say so.
#[derive(Debug, Clone, Default)]
pub enum LineOrigin {
    /// The bytes are the whole file: line n of the bytes is line n of the file.
    #[default]
    Identity,
}

impl LineOrigin {
    /// The file line of 0-based byte line `line`.
    fn file_line(&self, line: usize) -> usize {
        match self {
            LineOrigin::Identity => line + 1,
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

/// Turns the secret of a match of `rule` at `secret` in `bytes` into a finding for `file`.
pub fn locate(
    rule: &Rule,
    secret: std::ops::Range<usize>,
    bytes: &[u8],
    file: &str,
    origin: &LineOrigin,
    commit: Option<&Arc<CommitInfo>>,
) -> Finding {
    let (line, column) = line_and_column(bytes, secret.start);
    let (end_line, end_column) = line_and_column(bytes, secret.end);
    let value = &bytes[secret];
    Finding {
        rule_id: rule.id.clone(),
        description: rule.description.clone(),
        severity: rule.severity,
        confidence: rule.confidence,
        file: crate::escape::controls(file).into_owned(),
        line: origin.file_line(line),
        column,
        end_line: origin.file_line(end_line),
        end_column,
        secret: Secret::new(value),
        fingerprint: fingerprint(&rule.id, value),
        repository: None,
        commit: commit.cloned(),
        provenance: if commit.is_some() {
            Provenance::Blob
        } else {
            Provenance::File
        },
        suppressed: None,
        decoded: None,
        tags: rule.tags.clone(),
        remediation: rule.remediation.clone(),
        validation: None,
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
    fn keyed_fingerprints_are_marked_and_depend_on_the_key() {
        let plain = fingerprint_with(None, "rule-x", b"hunter2");
        let k1 = fingerprint_with(Some(b"k1"), "rule-x", b"hunter2");
        let k2 = fingerprint_with(Some(b"k2"), "rule-x", b"hunter2");
        assert!(k1.starts_with("rule-x:keyed-") && k1.len() == "rule-x:keyed-".len() + 16);
        assert_ne!(k1, k2);
        assert_ne!(k1.replace("keyed-", ""), plain);
        assert_eq!(k1, fingerprint_with(Some(b"k1"), "rule-x", b"hunter2"));
    }

    #[test]
    fn short_hex_is_the_first_eight_bytes() {
        let digest: Vec<u8> = (0xf0..=0xff).collect();
        assert_eq!(short_hex(&digest), "f0f1f2f3f4f5f6f7");
        assert_eq!(short_hex(&[0x0a]), "0a00000000000000");
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_and_column("ab\né x".as_bytes(), 6), (1, 3));
    }
}
