//! JSON and JSON Lines reports.
//!
//! # Wire format
//! `--format json` writes one object:
//! ```json
//! {"findings": [{"rule_id": "github-pat-classic", "description": "...", "severity": "critical",
//!   "file": "src/app.py", "line": 3, "column": 9, "end_line": 3, "end_column": 49,
//!   "confidence": "high", "secret": "ghp_****", "fingerprint": "github-pat-classic:1f2e...",
//!   "commit": null, "tags": ["vcs", "github"]}],
//!  "summary": {"files": 12, "bytes": 3456, "duration": 0.012, "skipped": {"binary": 1},
//!   "notes": [], "findings": 1, "by_severity": {"critical": 1},
//!   "by_confidence": {"high": 1}}}
//! ```
//! `confidence` is `high`, `medium` or `low` (`--confidence` sets the floor). `decoded` is
//! present only for a secret found in decoded text: the decoding (`base64`, `percent`,
//! `json-escape`, `html-entity`; nested ones joined by `+`), the location being the encoded
//! text's. `provenance` is `{"kind": "file" | "blob" | "commit-message" | "tag-message" | "ref-name" | "path-name", ...}`.
//! `commit`, for git scans, is `{"id", "author", "email", "date", "message"}`. With `--validate`,
//! a finding of a rule with a validator has `"validation": {"status": "valid" | "invalid" |
//! "unknown" | "error", "detail": "HTTP 200; login=octocat"}` and the summary has
//! `"validation": {"requests": 3, "hosts": {"api.github.com": 3}, "checked": 3, "over_cap": 0,
//! "findings": {"valid": 1, "invalid": 2}}`. A finding carries `"repository"` in
//! fleet scans and merged reports. The summary records what the scan covered, so that
//! `leakgate merge` can detect a missing shard: `"shard": {"index": 2, "total": 4, "unit":
//! "blob"}` (unit `blob`, `path` or `repository`) for `--shard`, `"repository"` for a git scan
//! (its `origin` URL without credentials, else its path), and `"repositories"` for fleet scans
//! and merges. Readers must ignore fields they do not know.
//!
//! `--format jsonl` writes each finding object on its own line. A sharded or fleet scan (and a
//! merge of several repositories) then ends with one `{"summary": {...}}` line, so that a report
//! cut short is detected and the shard is known; other JSONL reports have no summary line.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Report, ReportOptions, shown_secret};
use crate::finding::Finding;
use crate::rules::{Confidence, Severity};

/// One finding as a JSON value, with the secret shown per the options.
pub fn finding_value(finding: &Finding, options: ReportOptions) -> Value {
    let mut value = serde_json::to_value(finding).unwrap_or(Value::Null);
    value["secret"] = Value::String(shown_secret(finding, options));
    value
}

/// The summary object, with finding counts by severity.
pub fn summary_value(report: &Report<'_>) -> Value {
    let mut summary = serde_json::to_value(report.summary).unwrap_or(Value::Null);
    let mut by_severity = serde_json::Map::new();
    for severity in Severity::ALL {
        let n = report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count();
        if n > 0 {
            by_severity.insert(severity.as_str().into(), json!(n));
        }
    }
    let mut by_confidence = serde_json::Map::new();
    for level in Confidence::ALL {
        let n = report
            .findings
            .iter()
            .filter(|f| f.confidence == level)
            .count();
        if n > 0 {
            by_confidence.insert(level.as_str().into(), json!(n));
        }
    }
    summary["findings"] = json!(report.findings.len());
    summary["by_severity"] = Value::Object(by_severity);
    summary["by_confidence"] = Value::Object(by_confidence);
    summary
}

/// Writes `--format json`.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| finding_value(f, options))
        .collect();
    let doc = json!({ "findings": findings, "summary": summary_value(report) });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Writes `--format jsonl`.
pub fn write_lines(
    report: &Report<'_>,
    options: ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in report.findings {
        serde_json::to_writer(&mut *out, &finding_value(finding, options))?;
        writeln!(out)?;
    }
    if report.summary.shard.is_some() || !report.summary.repositories.is_empty() {
        serde_json::to_writer(&mut *out, &json!({ "summary": summary_value(report) }))?;
        writeln!(out)?;
    }
    Ok(())
}
