//! SARIF 2.1.0 report for GitHub code scanning and other SARIF consumers.
//!
//! # Wire format
//! One run (or, for fleet scans and merged reports whose findings carry a repository, one run
//! per repository, with `automationDetails.id` `leakgate/<repository>/`, `properties.repository`
//! and, for a URL, `versionControlProvenance`); `tool.driver.rules` lists every rule that fired
//! (id, name, short and full description, help text with the remediation, default level from
//! severity, tags and a `security-severity`). Each result has `ruleId`, `ruleIndex`, `level`, a message with the masked
//! secret, one location: a physical one (`uri` relative to the scan root, region with start/end
//! line and column), or for a commit or tag message a logical one named `commit message of <id>`
//! / `tag message of <name>`; `partialFingerprints["leakgate/v1"]` (the finding fingerprint),
//! `properties.provenance` (`{"kind": "file" | "blob" | "commit-message" | "tag-message" | "ref-name" | "path-name", ...}`),
//! `properties.confidence` (`high` | `medium` | `low`, also on each rule descriptor),
//! `properties.decoded` for a secret found in decoded text (`base64`, `percent`...), for git
//! scans `properties.commit` (id, author, email, date, message), and with `--validate`
//! `properties.validation` (`{"status": "valid" | "invalid" | "unknown" | "error", "detail"}`).
//! Object keys appear in sorted order.
//!
//! The objects are typed serde structs (`sarif/model.rs`), named after the schema's definitions;
//! `.ci/extra` validates a report with Microsoft's SARIF Multitool.

mod model;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::{Report, ReportOptions, shown_secret};
use crate::finding::{Finding, Provenance};
use crate::rules::{Confidence, Rule, Severity};
use model::{
    ArtifactLocation, AutomationDetails, Configuration, Descriptor, DescriptorProperties, Driver,
    Fingerprints, Help, Invocation, LineColumn, Location, Log, LogicalLocation, Notification,
    PhysicalLocation, Region, ResultProperties, Run, RunProperties, SarifResult, Suppression, Text,
    Tool, VersionControl,
};

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

/// A property-bag value of one of leakgate's own types, with its keys sorted (see [`model`]).
fn bag<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

fn rule_descriptor(rule: &Rule) -> Descriptor<'_> {
    let help = if rule.remediation.is_empty() {
        rule.description.clone()
    } else {
        format!("{} {}", rule.description, rule.remediation)
    };
    Descriptor {
        default_configuration: Some(Configuration {
            level: level(rule.severity),
        }),
        full_description: Some(Text::new(&rule.description)),
        help: Some(Help {
            markdown: help.clone(),
            text: help,
        }),
        id: &rule.id,
        properties: Some(DescriptorProperties {
            confidence: Some(rule.confidence),
            // GitHub's `precision` is the same idea as the rule's confidence.
            precision: Some(precision(rule.confidence)),
            security_severity: security_severity(rule.severity),
            tags: &rule.tags,
        }),
        short_description: Some(Text::new(&rule.description)),
    }
}

/// Writes `--format sarif`: one run, or, when findings carry repositories (fleet scans and
/// merges), one run per repository (clean repositories included, with no results).
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let runs = groups(report)
        .into_iter()
        .map(|(repository, findings)| run(report, repository, &findings, options))
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        runs,
        version: "2.1.0",
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
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
fn run<'a>(
    report: &Report<'a>,
    repository: Option<&'a str>,
    findings: &[&'a Finding],
    options: ReportOptions,
) -> Run<'a> {
    let mut fired: Vec<&str> = findings.iter().map(|f| f.rule_id.as_str()).collect();
    fired.sort_unstable();
    fired.dedup();
    let rules = fired
        .iter()
        .map(|id| match report.rules.iter().find(|r| r.id == *id) {
            Some(rule) => rule_descriptor(rule),
            None => reported_descriptor(findings, id),
        })
        .collect();
    let results = findings
        .iter()
        .map(|f| result(f, fired.iter().position(|id| *id == f.rule_id), options))
        .collect();
    Run {
        automation_details: repository.map(|r| AutomationDetails {
            id: format!("leakgate/{r}/"),
        }),
        column_kind: "unicodeCodePoints",
        invocations: [invocation(report)],
        properties: repository.map(|repository| RunProperties { repository }),
        results,
        tool: Tool {
            driver: Driver {
                information_uri: "https://github.com/leakgate/leakgate",
                name: "leakgate",
                rules,
                version: env!("CARGO_PKG_VERSION"),
            },
        },
        version_control_provenance: repository
            .filter(|r| r.contains("://"))
            .map(|repository_uri| [VersionControl { repository_uri }]),
    }
}

/// A descriptor for a rule the reporting engine does not know (a merged report of a custom
/// rule), from what its findings say about it.
fn reported_descriptor<'a>(findings: &[&'a Finding], id: &'a str) -> Descriptor<'a> {
    let mut descriptor = Descriptor {
        default_configuration: None,
        full_description: None,
        help: None,
        id,
        properties: None,
        short_description: None,
    };
    if let Some(f) = findings.iter().find(|f| f.rule_id == id) {
        descriptor.default_configuration = Some(Configuration {
            level: level(f.severity),
        });
        descriptor.full_description = Some(Text::new(&f.description));
        descriptor.short_description = Some(Text::new(&f.description));
        descriptor.properties = Some(DescriptorProperties {
            confidence: None,
            precision: None,
            security_severity: security_severity(f.severity),
            tags: &f.tags,
        });
    }
    descriptor
}

/// One SARIF result.
fn result(f: &Finding, rule_index: Option<usize>, options: ReportOptions) -> SarifResult<'_> {
    SarifResult {
        level: level(f.severity),
        locations: [location(f)],
        message: Text::new(message(f, options)),
        partial_fingerprints: Fingerprints {
            leakgate_v1: &f.fingerprint,
        },
        properties: ResultProperties {
            commit: f.commit.as_ref().map(bag),
            confidence: f.confidence,
            decoded: f.decoded.as_deref(),
            provenance: bag(&f.provenance),
            validation: f.validation.as_ref().map(bag),
        },
        rule_id: &f.rule_id,
        rule_index: rule_index.unwrap_or(0),
        suppressions: f.suppressed.as_deref().map(|justification| {
            [Suppression {
                justification,
                kind: "inSource",
            }]
        }),
    }
}

/// The run's invocation: successful, with the summary's notes (shallow clone, a range that
/// changes leakgate's own settings, what was not scanned) as notifications a reviewer sees.
fn invocation<'a>(report: &Report<'a>) -> Invocation<'a> {
    Invocation {
        execution_successful: true,
        tool_execution_notifications: report
            .summary
            .notes
            .iter()
            .map(|note| Notification {
                level: "warning",
                message: Text::new(note),
            })
            .collect(),
    }
}

fn is_message(f: &Finding) -> bool {
    matches!(
        f.provenance,
        Provenance::CommitMessage { .. }
            | Provenance::TagMessage { .. }
            | Provenance::RefName { .. }
            | Provenance::PathName { .. }
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
fn location(f: &Finding) -> Location<'_> {
    if is_message(f) {
        return Location {
            logical_locations: Some([LogicalLocation {
                kind: "resource",
                name: &f.file,
            }]),
            physical_location: None,
            properties: Some(LineColumn {
                column: f.column,
                line: f.line,
            }),
        };
    }
    Location {
        logical_locations: None,
        physical_location: Some(PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri(&f.file) },
            region: Region {
                end_column: f.end_column,
                end_line: f.end_line,
                start_column: f.column,
                start_line: f.line,
            },
        }),
        properties: None,
    }
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
