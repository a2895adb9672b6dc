//! CSV report: a header row, then one row per finding (RFC 4180 quoting).

use std::io::{self, Write};

use super::{Report, ReportOptions, shown_secret};

const HEADER: &str = "rule_id,severity,file,line,column,end_line,end_column,secret,fingerprint,commit,author,date,description,confidence,decoded,validation,validation_detail";

/// Writes `--format csv`. Fleet scans and merged reports, whose findings carry a repository,
/// get a last `repository` column.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    let with_repository = report.findings.iter().any(|f| f.repository.is_some());
    if with_repository {
        writeln!(out, "{HEADER},repository")?;
    } else {
        writeln!(out, "{HEADER}")?;
    }
    for f in report.findings {
        let commit = f.commit.as_deref();
        let validation = f.validation.as_ref();
        let fields = [
            f.rule_id.clone(),
            f.severity.to_string(),
            f.file.clone(),
            f.line.to_string(),
            f.column.to_string(),
            f.end_line.to_string(),
            f.end_column.to_string(),
            shown_secret(f, options),
            f.fingerprint.clone(),
            commit.map(|c| c.id.clone()).unwrap_or_default(),
            commit.map(|c| c.author.clone()).unwrap_or_default(),
            commit.map(|c| c.date.clone()).unwrap_or_default(),
            f.description.clone(),
            f.confidence.to_string(),
            f.decoded.clone().unwrap_or_default(),
            validation
                .map(|v| v.status.as_str().to_owned())
                .unwrap_or_default(),
            validation.map(|v| v.detail.clone()).unwrap_or_default(),
        ];
        let mut row: Vec<String> = fields.iter().map(|s| quote(s)).collect();
        if with_repository {
            row.push(quote(f.repository.as_deref().unwrap_or_default()));
        }
        writeln!(out, "{}", row.join(","))?;
    }
    Ok(())
}

/// Quotes a field when it holds a comma, quote or line break.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(super::quote("plain"), "plain");
        assert_eq!(super::quote("a,b"), "\"a,b\"");
        assert_eq!(super::quote("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
