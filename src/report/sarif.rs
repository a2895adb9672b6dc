//! SARIF 2.1.0 report for GitHub code scanning and other SARIF consumers.
//!
//! # Wire format
//! One run (or, for fleet scans and merged reports whose findings carry a repository, one run
//! per repository, with `automationDetails.id` `leakgate/<repository>/`, `properties.repository`
//! and, for a URL, `versionControlProvenance`); `tool.driver.rules` lists every rule that fired (id, name, short and full
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

use std::collections::BTreeMap;
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

/// Writes `--format sarif`: one run, or, when findings carry repositories (fleet scans and
/// merges), one run per repository (clean repositories included, with no results).
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let runs: Vec<Value> = groups(report)
        .into_iter()
        .map(|(repository, findings)| run(report, repository, &findings, options))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": runs,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Findings grouped by repository, in repository order; one group without a repository when
/// neither the findings nor the summary name any.
fn groups<'a>(report: &Report<'a>) -> Vec<(Option<&'a str>, Vec<&'a Finding>)> {
    let mut groups: BTreeMap<Option<&str>, Vec<&Finding>> = report
        .summary
        .repositories
        .iter()
        .map(|r| (Some(r.as_str()), Vec::new()))
        .collect();
    for f in report.findings {
        groups.entry(f.repository.as_deref()).or_default().push(f);
    }
    if groups.is_empty() {
        groups.insert(None, Vec::new());
    }
    groups.into_iter().collect()
}

/// One SARIF run: the rules that fired in it and its results.
fn run(
    report: &Report<'_>,
    repository: Option<&str>,
    findings: &[&Finding],
    options: ReportOptions,
) -> Value {
    let mut fired: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    fired.sort_unstable();
    fired.dedup();
    let descriptors: Vec<Value> = fired
        .iter()
        .map(|id| match report.rules.iter().find(|r| r.id == *id) {
            Some(rule) => rule_descriptor(rule),
            None => reported_descriptor(findings, id),
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| result(f, fired.iter().position(|id| *id == f.rule_id), options))
        .collect();
    let mut run = json!({
        "tool": { "driver": {
            "name": "leakgate",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": "https://github.com/leakgate/leakgate",
            "rules": descriptors,
        }},
        "results": results,
        "invocations": [invocation(report)],
        "columnKind": "unicodeCodePoints",
    });
    if let Some(repository) = repository {
        run["automationDetails"] = json!({ "id": format!("leakgate/{repository}/") });
        run["properties"] = json!({ "repository": repository });
        if repository.contains("://") {
            run["versionControlProvenance"] = json!([{ "repositoryUri": repository }]);
        }
    }
    run
}

/// A descriptor for a rule the reporting engine does not know (a merged report of a custom
/// rule), from what its findings say about it.
fn reported_descriptor(findings: &[&Finding], id: &str) -> Value {
    let Some(f) = findings.iter().find(|f| f.rule_id == id) else {
        return json!({ "id": id });
    };
    json!({
        "id": id,
        "shortDescription": { "text": f.description },
        "fullDescription": { "text": f.description },
        "defaultConfiguration": { "level": level(f.severity) },
        "properties": {
            "tags": f.tags,
            "security-severity": security_severity(f.severity),
        },
    })
}

/// One SARIF result.
fn result(f: &Finding, rule_index: Option<usize>, options: ReportOptions) -> Value {
    let mut result = json!({
        "ruleId": f.rule_id,
        "ruleIndex": rule_index.unwrap_or(0),
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
    crate::escape::percent(path, b"-._~/!$&'()*+,;=:@")
}

#[cfg(test)]
mod tests {
    #[test]
    fn uri_encodes_spaces_and_percent() {
        assert_eq!(super::uri("a b/c%.txt"), "a%20b/c%25.txt");
    }
}
