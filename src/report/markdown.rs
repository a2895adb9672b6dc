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
    writeln!(
        out,
        "| severity | rule | location | secret | commit | fingerprint |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|")?;
    for f in report.findings {
        let commit = f
            .commit
            .as_ref()
            .map_or(String::new(), |c| c.id[..c.id.len().min(10)].to_owned());
        let file = match &f.repository {
            Some(repository) => format!("{repository} {}", f.file),
            None => f.file.clone(),
        };
        writeln!(
            out,
            "| {} | `{}` | `{}:{}` | `{}` | {} | `{}` |",
            f.severity,
            f.rule_id,
            cell(&file),
            f.line,
            cell(&shown_secret(f, options)),
            commit,
            f.fingerprint
        )?;
    }
    for note in &report.summary.notes {
        writeln!(out, "\n> {note}")?;
    }
    Ok(())
}

/// Keeps a value inside one table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('`', "'")
        .replace(['\n', '\r'], " ")
}
