//! Markdown report: a heading with the counts and a table of findings (secrets masked unless
//! asked), for CI job summaries and review comments.

use std::io::{self, Write};

use super::text::summary_line;
use super::{Report, ReportOptions, shown_secret};

/// Writes `--format markdown`.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### leakgate: {}", summary_line(report))?;
    writeln!(out)?;
    if report.findings.is_empty() {
        return writeln!(out, "No secrets found.");
    }
    let validated = report.findings.iter().any(|f| f.validation.is_some());
    let (extra, extra_rule) = if validated {
        (" validation |", "---|")
    } else {
        ("", "")
    };
    writeln!(
        out,
        "| severity | confidence | rule | location | secret | commit | fingerprint |{extra}"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|{extra_rule}")?;
    for f in report.findings {
        let commit = f
            .commit
            .as_ref()
            .map_or(String::new(), |c| c.id[..c.id.len().min(10)].to_owned());
        let validation = if validated {
            let text = f
                .validation
                .as_ref()
                .map(|v| format!("{}: {}", v.status.as_str(), v.detail))
                .unwrap_or_default();
            format!(" {} |", cell(&text))
        } else {
            String::new()
        };
        let file = match &f.repository {
            Some(repository) => format!("{repository} {}", f.file),
            None => f.file.clone(),
        };
        writeln!(
            out,
            "| {} | {} | `{}` | `{}:{}`{} | `{}` | {} | `{}` |{validation}",
            f.severity,
            f.confidence,
            f.rule_id,
            cell(&file),
            f.line,
            f.decoded
                .as_ref()
                .map_or(String::new(), |d| format!(" (decoded {d})")),
            cell(&shown_secret(f, options)),
            commit,
            f.fingerprint
        )?;
    }
    for note in &report.summary.notes {
        writeln!(out, "\n> {note}")?;
    }
    if let Some(validation) = &report.summary.validation {
        writeln!(out, "\n> {}", validation.line())?;
    }
    Ok(())
}

/// Keeps a value inside one table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('`', "'")
        .replace(['\n', '\r'], " ")
}
