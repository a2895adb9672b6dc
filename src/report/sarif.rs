//! SARIF 2.1.0 report for GitHub code scanning and other SARIF consumers.
//!
//! # Wire format
//! One run; `tool.driver.rules` lists every rule that fired (id, name, short and full
//! description, help text with the remediation, default level from severity, tags and a
//! `security-severity`). Each result has `ruleId`, `ruleIndex`, `level`, a message with the masked
//! secret, one location: a physical one (`uri` relative to the scan root, region with start/end
//! line and column), or for a commit or tag message a logical one named `commit message of <id>`
//! / `tag message of <name>`; `partialFingerprints["leakgate/v1"]` (the finding fingerprint),
//! `properties.provenance` (`{"kind": "file" | "blob" | "commit-message" | "tag-message", ...}`),
//! `properties.confidence` (`high` | `medium` | `low`, also on each rule descriptor),
//! `properties.decoded` for a secret found in decoded text (`base64`, `percent`...), for git
//! scans `properties.commit` (id, author, email, date, message), and with `--validate`
//! `properties.validation` (`{"status": "valid" | "invalid" | "unknown" | "error", "detail"}`).

use std::fmt::Write as _;
use std::io::{self, Write};

use serde_json::{Value, json};

use super::{Report, ReportOptions, shown_secret};
use crate::finding::{Finding, Provenance};
use crate::rules::{Confidence, Rule, Severity};

/// SARIF level for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` score (0.0-10.0) for a severity.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
    }
}

/// GitHub's `precision` for a confidence.
fn precision(confidence: Confidence) -> &'static str {
    match confidence {
        Confidence::High => "very-high",
        Confidence::Medium => "high",
        Confidence::Low => "low",
    }
}

fn rule_descriptor(rule: &Rule) -> Value {
    let help = if rule.remediation.is_empty() {
        rule.description.clone()
    } else {
        format!("{} {}", rule.description, rule.remediation)
    };
    json!({
        "id": rule.id,
        "shortDescription": { "text": rule.description },
        "fullDescription": { "text": rule.description },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": {
            "tags": rule.tags,
            "confidence": rule.confidence,
            "security-severity": security_severity(rule.severity),
            // GitHub's `precision` is the same idea as the rule's confidence.
            "precision": precision(rule.confidence),
        },
    })
}

/// Writes `--format sarif`.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut fired: Vec<&str> = report.findings.iter().map(|f| f.rule_id.as_str()).collect();
    fired.sort_unstable();
    fired.dedup();
    let descriptors: Vec<Value> = fired
        .iter()
        .filter_map(|id| report.rules.iter().find(|r| r.id == *id))
        .map(rule_descriptor)
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule_id,
                "ruleIndex": fired.iter().position(|id| *id == f.rule_id).unwrap_or(0),
                "level": level(f.severity),
                "message": { "text": message(f, options) },
                "locations": [location(f)],
                "partialFingerprints": { "leakgate/v1": f.fingerprint },
                "properties": { "provenance": f.provenance, "confidence": f.confidence },
            });
            if let Some(decoding) = &f.decoded {
                result["properties"]["decoded"] = json!(decoding);
            }
            if let Some(commit) = &f.commit {
                result["properties"]["commit"] = json!(commit);
            }
            if let Some(validation) = &f.validation {
                result["properties"]["validation"] = json!(validation);
            }
            if let Some(reason) = &f.suppressed {
                result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "leakgate",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/leakgate/leakgate",
                "rules": descriptors,
            }},
            "results": results,
            "invocations": [invocation(report)],
            "columnKind": "unicodeCodePoints",
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// The run's invocation: successful, with the summary's notes (shallow clone, a range that
/// changes leakgate's own settings, what was not scanned) as notifications a reviewer sees.
fn invocation(report: &Report<'_>) -> Value {
    let notes: Vec<Value> = report
        .summary
        .notes
        .iter()
        .map(|note| json!({ "level": "warning", "message": { "text": note } }))
        .collect();
    json!({
        "executionSuccessful": true,
        "toolExecutionNotifications": notes,
    })
}

fn is_message(f: &Finding) -> bool {
    matches!(
        f.provenance,
        Provenance::CommitMessage { .. } | Provenance::TagMessage { .. }
    )
}

fn message(f: &Finding, options: ReportOptions) -> String {
    let shown = shown_secret(f, options);
    if is_message(f) {
        format!(
            "{}: {} in the {} ({shown})",
            f.rule_id, f.description, f.file
        )
    } else {
        format!("{}: {} ({shown})", f.rule_id, f.description)
    }
}

/// A file or blob has a physical location; a commit or tag message has a logical one (it is
/// no file in the tree), with the line inside the message in its properties.
fn location(f: &Finding) -> Value {
    if is_message(f) {
        return json!({
            "logicalLocations": [{ "name": f.file, "kind": "resource" }],
            "properties": { "line": f.line, "column": f.column },
        });
    }
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&f.file) },
            "region": {
                "startLine": f.line,
                "startColumn": f.column,
                "endLine": f.end_line,
                "endColumn": f.end_column,
            },
        },
    })
}

/// A relative URI reference for a path: percent-encodes what a URI cannot hold.
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn uri_encodes_spaces_and_percent() {
        assert_eq!(super::uri("a b/c%.txt"), "a%20b/c%25.txt");
    }
}
