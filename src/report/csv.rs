//! CSV report: a header row, then one row per finding (RFC 4180 quoting).

use std::io::{self, Write};

use super::{Report, ReportOptions, shown_secret};

const HEADER: &str = "rule_id,severity,file,line,column,end_line,end_column,secret,fingerprint,commit,author,date,description,confidence,decoded,validation,validation_detail";

/// Writes `--format csv`.
pub fn write(report: &Report<'_>, options: ReportOptions, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{HEADER}")?;
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
        let row: Vec<String> = fields.iter().map(|s| quote(s)).collect();
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
