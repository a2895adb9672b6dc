//! The human report: findings grouped by file, then one summary line.

use std::fmt::Write as _;
use std::io::{self, Write};

use colored::{ColoredString, Colorize as _};

use super::{Report, ReportOptions, shown_secret};
use crate::finding::Finding;
use crate::rules::{Confidence, Severity};

/// Writes `--format text`.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let mut current_file: Option<(Option<&str>, &str)> = None;
    for f in report.findings {
        let place = (f.repository.as_deref(), f.file.as_str());
        if current_file != Some(place) {
            if current_file.is_some() {
                writeln!(out)?;
            }
            let heading = match &f.repository {
                Some(repository) => format!("{}  ({repository})", f.file),
                None => f.file.clone(),
            };
            writeln!(out, "{}", paint(options, heading.bold()))?;
            current_file = Some(place);
        }
        write_finding(f, options, out)?;
    }
    if !report.findings.is_empty() {
        writeln!(out)?;
    }
    if options.quiet {
        return Ok(());
    }
    for note in &report.summary.notes {
        writeln!(out, "note: {}", crate::diag::safe(note))?;
    }
    if let Some(validation) = &report.summary.validation {
        writeln!(out, "{}", validation.line())?;
    }
    writeln!(out, "{}", summary_line(report))
}

fn write_finding(f: &Finding, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let severity = format!("{:<8}", f.severity.as_str());
    let tag = f
        .validation
        .as_ref()
        .map(|v| format!("  [{}: {}]", v.status.as_str(), v.detail))
        .unwrap_or_default();
    writeln!(
        out,
        "  {}:{}  {}  {}  {}  ({}){tag}",
        f.line,
        f.column,
        paint(options, severity_color(f.severity, &severity)),
        paint(options, f.rule_id.cyan()),
        shown_secret(f, options),
        qualifiers(f),
    )?;
    if let Some(c) = &f.commit {
        let short = &c.id[..c.id.len().min(10)];
        writeln!(
            out,
            "      commit {short} by {} <{}> on {}: {}",
            c.author, c.email, c.date, c.message
        )?;
    }
    if let Some(reason) = &f.suppressed {
        writeln!(
            out,
            "      suppressed: {reason} (does not fail the run; review it)"
        )?;
    }
    writeln!(out, "      fingerprint {}", f.fingerprint)
}

/// `confidence high`, and where the secret was decoded: `confidence medium, decoded base64`.
pub fn qualifiers(f: &Finding) -> String {
    match &f.decoded {
        Some(decoding) => format!("confidence {}, decoded {decoding}", f.confidence),
        None => format!("confidence {}", f.confidence),
    }
}

/// `2 high, 1 medium`: findings counted per confidence, most confident first (empty when none).
pub fn confidence_counts(findings: &[Finding]) -> String {
    let by: Vec<String> = Confidence::ALL
        .iter()
        .filter_map(|&level| {
            let c = findings.iter().filter(|f| f.confidence == level).count();
            (c > 0).then(|| format!("{c} {level}"))
        })
        .collect();
    by.join(", ")
}

/// `3 findings (1 critical, 2 high; confidence 2 high, 1 medium) in 120 files (1.14 MiB) in 0.05 s; skipped 2 (2 binary)`.
pub fn summary_line(report: &Report<'_>) -> String {
    let s = report.summary;
    let n = report.findings.len();
    let mut line = format!("{n} finding{}", if n == 1 { "" } else { "s" });
    let by: Vec<String> = Severity::ALL
        .iter()
        .filter_map(|&sev| {
            let c = report.findings.iter().filter(|f| f.severity == sev).count();
            (c > 0).then(|| format!("{c} {sev}"))
        })
        .collect();
    if !by.is_empty() {
        let _ = write!(
            line,
            " ({}; confidence {})",
            by.join(", "),
            confidence_counts(report.findings)
        );
    }
    let _ = write!(
        line,
        " in {} file{} ({}) in {:.2} s",
        s.files,
        if s.files == 1 { "" } else { "s" },
        indicatif::HumanBytes(s.bytes),
        s.duration.as_secs_f64()
    );
    if s.repositories.len() > 1 {
        let _ = write!(line, " of {} repositories", s.repositories.len());
    }
    if let Some(shard) = &s.shard {
        let _ = write!(line, "; shard {}/{}", shard.index, shard.total);
    }
    if s.skipped_total() > 0 {
        let parts: Vec<String> = s
            .skipped
            .iter()
            .map(|(r, c)| format!("{c} {}", r.as_str()))
            .collect();
        let _ = write!(
            line,
            "; skipped {} ({})",
            s.skipped_total(),
            parts.join(", ")
        );
    }
    line
}

fn severity_color(severity: Severity, text: &str) -> ColoredString {
    match severity {
        Severity::Critical => text.red().bold(),
        Severity::High => text.red(),
        Severity::Medium => text.yellow(),
        Severity::Low => text.normal(),
    }
}

/// Applies color only when the options allow it.
fn paint(options: ReportOptions, text: ColoredString) -> String {
    if options.color {
        text.to_string()
    } else {
        text.clear().to_string()
    }
}
