//! `leakgate explain FILE:LINE`: for one line, every rule whose keywords hit and what each stage
//! decided (regex, entropy against the minimum, validator, placeholder filter, allowlists, inline
//! allow, overlap, ignore file), so a user can see why a line was or was not reported.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::CommonArgs;
use super::dir::engine_for;
use crate::engine::{Trace, Verdict};
use crate::exit::ExitStatus;
use crate::finding::fingerprint;
use crate::rules::examples::describe;
use crate::suppress::{IGNORE_FILE_NAME, IgnoreList};

/// `leakgate explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The line to explain, as FILE:LINE
    #[arg(value_name = "FILE:LINE")]
    pub target: String,
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Runs `leakgate explain`.
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitStatus> {
    let (file, line) = parse_target(&args.target)?;
    let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let root = file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let engine = engine_for(&args.common, &root)?;
    let text = line_bytes(&bytes, line)
        .ok_or_else(|| anyhow::anyhow!("{} has no line {line}", file.display()))?;
    let mut trace: Vec<Trace> = Vec::new();
    let path = crate::source::portable_path(&file.to_string_lossy());
    engine.scan_traced(text, Some(&path), &mut trace);
    let ignore = IgnoreList::read(&root.join(IGNORE_FILE_NAME), false)?;
    let mut out = Vec::new();
    writeln!(out, "{}:{line}", file.display())?;
    if trace.is_empty() {
        writeln!(out, "  no rule's keywords occur on this line")?;
    }
    for t in &trace {
        let rule = engine
            .rules()
            .get(t.rule)
            .map_or("(global)", |r| r.id.as_str());
        let mut verdict = describe(&engine, &t.verdict);
        if t.verdict == Verdict::Reported
            && let Some(span) = &t.secret
        {
            let fp = fingerprint(rule, &text[span.clone()]);
            if ignore.ignores_fingerprint(&fp) {
                verdict = format!("suppressed by {IGNORE_FILE_NAME} ({fp})");
            }
        }
        let shown = t.secret.as_ref().map_or(String::new(), |s| {
            format!(
                " [{}]",
                crate::secret::Secret::new(&text[s.clone()]).shown(args.common.output.show_secrets)
            )
        });
        writeln!(out, "  {rule}{shown}: {verdict}")?;
    }
    std::io::stdout().write_all(&out)?;
    Ok(ExitStatus::Clean)
}

fn parse_target(target: &str) -> anyhow::Result<(PathBuf, usize)> {
    let bad = || anyhow::anyhow!("'{target}' is not FILE:LINE (for example src/app.py:12)");
    let (file, line) = target.rsplit_once(':').ok_or_else(bad)?;
    let line: usize = line.parse().ok().filter(|&n| n > 0).ok_or_else(bad)?;
    Ok((PathBuf::from(file), line))
}

/// The bytes of 1-based line `line`, without its line break.
fn line_bytes(bytes: &[u8], line: usize) -> Option<&[u8]> {
    bytes.split(|&b| b == b'\n').nth(line - 1)
}
