//! `leakgate explain FILE:LINE`: for one line, every rule whose keywords hit and what each stage
//! decided (regex, entropy against the minimum, validator, placeholder filter, allowlists, inline
//! allow, overlap, ignore file), so a user can see why a line was or was not reported.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{ConfigText, build_engine};
use crate::engine::{Trace, Verdict};
use crate::exit::ExitStatus;
use crate::finding::fingerprint;
use crate::selftest::describe;
use crate::settings::InlineAllow;
use crate::suppress::{IGNORE_FILE_NAME, IgnoreList};

/// `leakgate explain`: only the flags it honours (a report format or a baseline would mean
/// nothing here, so clap rejects them).
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The line to explain, as FILE:LINE
    #[arg(value_name = "FILE:LINE")]
    pub target: String,
    /// Config file (default: the nearest .leakgate.toml up to the repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour leakgate:allow comments
    #[arg(long)]
    pub no_inline_allow: bool,
    /// Print secrets in full instead of masked
    #[arg(long)]
    pub show_secrets: bool,
}

/// Runs `leakgate explain`.
pub fn run(args: &ExplainArgs) -> anyhow::Result<ExitStatus> {
    let (file, line) = parse_target(&args.target)?;
    let bytes = std::fs::read(&file).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let root = file
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let config = ConfigText::discover(args.config.as_deref(), &root)?;
    let options = InlineAllow::new(args.no_inline_allow, false).engine_options();
    let engine = build_engine(config.as_ref(), options)?;
    let span = line_span(&bytes, line)
        .ok_or_else(|| anyhow::anyhow!("{} has no line {line}", file.display()))?;
    let path = crate::source::portable_path(file.to_string_lossy().trim_start_matches("./"));
    let trace = line_trace(&engine, &bytes, &path, span.clone());
    let text = &bytes[..];
    let ignore = match crate::config::find_upward(&root, IGNORE_FILE_NAME) {
        Some(found) => IgnoreList::read(&found, false)?,
        None => IgnoreList::default(),
    };
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
                crate::secret::Secret::new(&text[s.clone()]).shown(args.show_secrets)
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

/// The byte span of 1-based line `line`, without its line break.
fn line_span(bytes: &[u8], line: usize) -> Option<std::ops::Range<usize>> {
    let mut start = 0;
    for (index, piece) in bytes.split(|&b| b == b'\n').enumerate() {
        if index + 1 == line {
            return Some(start..start + piece.len());
        }
        start += piece.len() + 1;
    }
    None
}

/// What the scan decides about `line`: the whole file is scanned as `dir` scans it (so a key
/// block or a path allowlist is judged as the scan judges it), and the decisions whose secret
/// touches the line are kept; rules whose keywords occur on the line but decided nothing
/// there get their verdict from the line alone ("regex did not match", ...).
fn line_trace(
    engine: &crate::engine::Engine,
    bytes: &[u8],
    path: &str,
    line: std::ops::Range<usize>,
) -> Vec<Trace> {
    let mut whole = Vec::new();
    engine.scan_traced(bytes, Some(path), &mut whole);
    let touches = |s: &std::ops::Range<usize>| s.start <= line.end && s.end >= line.start;
    let mut kept: Vec<Trace> = whole
        .into_iter()
        .filter(|t| t.rule == usize::MAX || t.secret.as_ref().is_some_and(touches))
        .collect();
    let mut alone = Vec::new();
    engine.scan_traced(&bytes[line.clone()], Some(path), &mut alone);
    for mut t in alone {
        if kept.iter().any(|k| k.rule == t.rule) {
            continue;
        }
        // Spans from the line-only scan are shifted back into the file.
        t.secret = t.secret.map(|s| s.start + line.start..s.end + line.start);
        kept.push(t);
    }
    kept
}
