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

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use super::{Report, ReportOptions, shown_secret};
use crate::finding::{Finding, Provenance};
use crate::rules::{Confidence, Rule, Severity};

// The SARIF objects leakgate writes, as typed serde structs. Field names follow the SARIF 2.1.0
// schema (camelCase via serde). Fields are declared in the byte order of their wire names, the
// order the reports had when they were built as `serde_json::Value` maps, so the output stays
// byte-identical. Property bags holding leakgate's own types (provenance, commit, validation)
// go through `serde_json::Value` for the same reason: its maps sort their keys.

/// The document root (`sarifLog`).
#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: Vec<Run<'a>>,
    version: &'static str,
}

/// One `run`: a tool, its rules and its results.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails>,
    column_kind: &'static str,
    invocations: [Invocation<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<RunProperties<'a>>,
    results: Vec<SarifResult<'a>>,
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_control_provenance: Option<[VersionControl<'a>; 1]>,
}

/// `runAutomationDetails`: which repository a run of a fleet report covers.
#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

/// The run's property bag.
#[derive(Serialize)]
struct RunProperties<'a> {
    repository: &'a str,
}

/// `versionControlDetails` for a repository given by URL.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionControl<'a> {
    repository_uri: &'a str,
}

/// `tool`, with its `driver`.
#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

/// `toolComponent`: leakgate and the rules that fired.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    information_uri: &'static str,
    name: &'static str,
    rules: Vec<Descriptor<'a>>,
    version: &'static str,
}

/// `reportingDescriptor`: one rule.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    default_configuration: Option<Configuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<DescriptorProperties<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text<'a>>,
}

/// `reportingConfiguration`: the default level.
#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// A `message` or `multiformatMessageString` with plain text only.
#[derive(Serialize)]
struct Text<'a> {
    text: Cow<'a, str>,
}

impl<'a> Text<'a> {
    fn new(text: impl Into<Cow<'a, str>>) -> Text<'a> {
        Text { text: text.into() }
    }
}

/// A rule's help, the same text as Markdown and plain text.
#[derive(Serialize)]
struct Help {
    markdown: String,
    text: String,
}

/// A rule's property bag: tags and GitHub's `security-severity` and `precision`.
#[derive(Serialize)]
struct DescriptorProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    confidence: Option<Confidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<&'static str>,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: &'a [String],
}

/// `invocation`: always successful; the summary's notes as notifications.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification<'a>>,
}

/// `notification`: one warning.
#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<'a>,
}

/// `result`: one finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<'a>,
    partial_fingerprints: Fingerprints<'a>,
    properties: ResultProperties<'a>,
    rule_id: &'a str,
    rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Suppression<'a>; 1]>,
}

/// `partialFingerprints`: the finding fingerprint under leakgate's own key.
#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "leakgate/v1")]
    leakgate_v1: &'a str,
}

/// A result's property bag.
#[derive(Serialize)]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<Value>,
    confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<&'a str>,
    provenance: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<Value>,
}

/// `suppression`: a finding kept in the report but suppressed in source.
#[derive(Serialize)]
struct Suppression<'a> {
    justification: &'a str,
    kind: &'static str,
}

/// `location`: a physical one (file or blob) or a logical one (a commit or tag message).
#[allow(clippy::struct_field_names)] // the schema's names
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<LineColumn>,
}

/// `logicalLocation`: a message, named `commit message of <id>` or `tag message of <name>`.
#[derive(Serialize)]
struct LogicalLocation<'a> {
    kind: &'static str,
    name: &'a str,
}

/// The line and column inside a message (a logical location has no region).
#[derive(Serialize)]
struct LineColumn {
    column: usize,
    line: usize,
}

/// `physicalLocation`: a file and a region in it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

/// `artifactLocation`: a URI relative to the scan root.
#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// `region`: 1-based lines and columns (Unicode code points, per the run's `columnKind`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: usize,
    end_line: usize,
    start_column: usize,
    start_line: usize,
}

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

/// A property-bag value of one of leakgate's own types, with its keys sorted (see above).
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
