//! The SARIF objects leakgate writes, as typed serde structs. Field names follow the SARIF 2.1.0
//! schema (camelCase via serde). Fields are declared in the byte order of their wire names, the
//! order the reports had when they were built as `serde_json::Value` maps, so the output stays
//! byte-identical. Property bags holding leakgate's own types (provenance, commit, validation)
//! go through `serde_json::Value` for the same reason: its maps sort their keys.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use crate::rules::Confidence;

/// The document root (`sarifLog`).
#[derive(Serialize)]
pub(super) struct Log<'a> {
    #[serde(rename = "$schema")]
    pub(super) schema: &'static str,
    pub(super) runs: Vec<Run<'a>>,
    pub(super) version: &'static str,
}

/// One `run`: a tool, its rules and its results.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Run<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) automation_details: Option<AutomationDetails>,
    pub(super) column_kind: &'static str,
    pub(super) invocations: [Invocation<'a>; 1],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) properties: Option<RunProperties<'a>>,
    pub(super) results: Vec<SarifResult<'a>>,
    pub(super) tool: Tool<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) version_control_provenance: Option<[VersionControl<'a>; 1]>,
}

/// `runAutomationDetails`: which repository a run of a fleet report covers.
#[derive(Serialize)]
pub(super) struct AutomationDetails {
    pub(super) id: String,
}

/// The run's property bag.
#[derive(Serialize)]
pub(super) struct RunProperties<'a> {
    pub(super) repository: &'a str,
}

/// `versionControlDetails` for a repository given by URL.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct VersionControl<'a> {
    pub(super) repository_uri: &'a str,
}

/// `tool`, with its `driver`.
#[derive(Serialize)]
pub(super) struct Tool<'a> {
    pub(super) driver: Driver<'a>,
}

/// `toolComponent`: leakgate and the rules that fired.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Driver<'a> {
    pub(super) information_uri: &'static str,
    pub(super) name: &'static str,
    pub(super) rules: Vec<Descriptor<'a>>,
    pub(super) version: &'static str,
}

/// `reportingDescriptor`: one rule.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Descriptor<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) default_configuration: Option<Configuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) full_description: Option<Text<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) help: Option<Help>,
    pub(super) id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) properties: Option<DescriptorProperties<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) short_description: Option<Text<'a>>,
}

/// `reportingConfiguration`: the default level.
#[derive(Serialize)]
pub(super) struct Configuration {
    pub(super) level: &'static str,
}

/// A `message` or `multiformatMessageString` with plain text only.
#[derive(Serialize)]
pub(super) struct Text<'a> {
    pub(super) text: Cow<'a, str>,
}

impl<'a> Text<'a> {
    pub(super) fn new(text: impl Into<Cow<'a, str>>) -> Text<'a> {
        Text { text: text.into() }
    }
}

/// A rule's help, the same text as Markdown and plain text.
#[derive(Serialize)]
pub(super) struct Help {
    pub(super) markdown: String,
    pub(super) text: String,
}

/// A rule's property bag: tags and GitHub's `security-severity` and `precision`.
#[derive(Serialize)]
pub(super) struct DescriptorProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) confidence: Option<Confidence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) precision: Option<&'static str>,
    #[serde(rename = "security-severity")]
    pub(super) security_severity: &'static str,
    pub(super) tags: &'a [String],
}

/// `invocation`: always successful; the summary's notes as notifications.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Invocation<'a> {
    pub(super) execution_successful: bool,
    pub(super) tool_execution_notifications: Vec<Notification<'a>>,
}

/// `notification`: one warning.
#[derive(Serialize)]
pub(super) struct Notification<'a> {
    pub(super) level: &'static str,
    pub(super) message: Text<'a>,
}

/// `result`: one finding.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SarifResult<'a> {
    pub(super) level: &'static str,
    pub(super) locations: [Location<'a>; 1],
    pub(super) message: Text<'a>,
    pub(super) partial_fingerprints: Fingerprints<'a>,
    pub(super) properties: ResultProperties<'a>,
    pub(super) rule_id: &'a str,
    pub(super) rule_index: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) suppressions: Option<[Suppression<'a>; 1]>,
}

/// `partialFingerprints`: the finding fingerprint under leakgate's own key.
#[derive(Serialize)]
pub(super) struct Fingerprints<'a> {
    #[serde(rename = "leakgate/v1")]
    pub(super) leakgate_v1: &'a str,
}

/// A result's property bag.
#[derive(Serialize)]
pub(super) struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) commit: Option<Value>,
    pub(super) confidence: Confidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) decoded: Option<&'a str>,
    pub(super) provenance: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) validation: Option<Value>,
}

/// `suppression`: a finding kept in the report but suppressed in source.
#[derive(Serialize)]
pub(super) struct Suppression<'a> {
    pub(super) justification: &'a str,
    pub(super) kind: &'static str,
}

/// `location`: a physical one (file or blob) or a logical one (a commit or tag message).
#[allow(clippy::struct_field_names)] // the schema's names
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) logical_locations: Option<[LogicalLocation<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) properties: Option<LineColumn>,
}

/// `logicalLocation`: a message, named `commit message of <id>` or `tag message of <name>`.
#[derive(Serialize)]
pub(super) struct LogicalLocation<'a> {
    pub(super) kind: &'static str,
    pub(super) name: &'a str,
}

/// The line and column inside a message (a logical location has no region).
#[derive(Serialize)]
pub(super) struct LineColumn {
    pub(super) column: usize,
    pub(super) line: usize,
}

/// `physicalLocation`: a file and a region in it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PhysicalLocation {
    pub(super) artifact_location: ArtifactLocation,
    pub(super) region: Region,
}

/// `artifactLocation`: a URI relative to the scan root.
#[derive(Serialize)]
pub(super) struct ArtifactLocation {
    pub(super) uri: String,
}

/// `region`: 1-based lines and columns (Unicode code points, per the run's `columnKind`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    pub(super) end_column: usize,
    pub(super) end_line: usize,
    pub(super) start_column: usize,
    pub(super) start_line: usize,
}
