//! JUnit XML report: one failing test case per finding, for CI dashboards; a clean scan is one
//! passing test case so dashboards still show the check ran.

use std::io::{self, Write};

use super::{Report, ReportOptions, shown_secret};

/// Writes `--format junit`.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let n = report.findings.len();
    let time = report.summary.duration.as_secs_f64();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="leakgate" tests="{}" failures="{n}" time="{time:.3}">"#,
        n.max(1)
    )?;
    writeln!(
        out,
        r#"  <testsuite name="leakgate" tests="{}" failures="{n}" time="{time:.3}">"#,
        n.max(1)
    )?;
    if n == 0 {
        writeln!(
            out,
            r#"    <testcase classname="leakgate" name="no secrets found"/>"#
        )?;
    }
    for f in report.findings {
        let name = format!("{}:{} {}", f.file, f.line, f.rule_id);
        let class = match &f.repository {
            Some(repository) => format!("{repository} {}", f.file),
            None => f.file.clone(),
        };
        let mut message = format!(
            "{} ({}, {}): {}",
            f.description,
            f.severity,
            super::text::qualifiers(f),
            shown_secret(f, options)
        );
        if let Some(v) = &f.validation {
            message = format!("{message} [{}: {}]", v.status.as_str(), v.detail);
        }
        writeln!(
            out,
            r#"    <testcase classname="{}" name="{}">"#,
            escape(&class),
            escape(&name)
        )?;
        writeln!(
            out,
            r#"      <failure type="{}" message="{}">{} fingerprint {}</failure>"#,
            escape(&f.rule_id),
            escape(&message),
            escape(&f.remediation),
            escape(&f.fingerprint)
        )?;
        writeln!(out, "    </testcase>")?;
    }
    writeln!(out, "  </testsuite>")?;
    writeln!(out, "</testsuites>")
}

/// Escapes text for XML attributes and content; drops characters XML 1.0 cannot hold.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}
