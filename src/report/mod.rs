//! Reports: findings and a summary written to a `Write` in one of several formats. Reporters know
//! nothing of how findings were made; secrets are masked unless the options say otherwise.

pub mod csv;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod summary;
pub mod text;

use std::io::{self, Write};

use crate::finding::Finding;
use crate::rules::Rule;
pub use summary::Summary;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human-readable, grouped by file.
    Text,
    /// One JSON document: `{"findings": [...], "summary": {...}}`.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// JUnit XML, one test case per finding.
    Junit,
    /// CSV with a header row.
    Csv,
    /// A Markdown table (CI job summaries, pull request comments).
    Markdown,
}

/// What every reporter needs besides the findings.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Print raw secrets.
    pub show_secrets: bool,
    /// Use ANSI colors (text only).
    pub color: bool,
    /// Leave out the summary (text only).
    pub quiet: bool,
}

/// The findings of a scan and what it covered.
pub struct Report<'a> {
    /// Sorted findings.
    pub findings: &'a [Finding],
    /// What was scanned.
    pub summary: &'a Summary,
    /// The rules of the engine, for formats that describe rules (SARIF).
    pub rules: &'a [Rule],
}

/// Writes the report in `format`.
pub fn write(
    format: Format,
    report: &Report<'_>,
    options: ReportOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Text => text::write(report, options, out),
        Format::Json => json::write(report, options, out),
        Format::Jsonl => json::write_lines(report, options, out),
        Format::Sarif => sarif::write(report, options, out),
        Format::Junit => junit::write(report, options, out),
        Format::Csv => csv::write(report, options, out),
        Format::Markdown => markdown::write(report, options, out),
    }
}

/// The secret as the options say to show it.
pub fn shown_secret(finding: &Finding, options: ReportOptions) -> String {
    finding.secret.shown(options.show_secrets)
}
