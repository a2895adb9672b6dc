//! `leakgate merge`: joins the JSON or JSONL reports of shards (and of many repositories) into
//! one report in any format. Input is read strictly (a report that does not parse, or a JSONL
//! report without its summary line, is an error naming the file), findings tolerantly (unknown
//! fields are ignored). A missing shard is an error unless `--allow-partial`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use super::args::OutputArgs;
use super::finish::emit;
use crate::config::build_engine;
use crate::exit::ExitStatus;
use crate::finding::{CommitInfo, Finding, Provenance};
use crate::rules::Severity;
use crate::secret::Secret;
use crate::settings::InlineAllow;
use crate::source::shard::{ShardInfo, Unit};
use crate::source::stats::{SkipReason, Summary};

/// `leakgate merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Reports to merge: JSON or JSONL written by `leakgate dir` or `leakgate git` (with
    /// `--shard`, or of different repositories)
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<PathBuf>,
    /// Merge even when shards are missing; the summary names them
    #[arg(long)]
    pub allow_partial: bool,
    /// Config file whose `[validation]` endpoints `--validate` uses
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Validation flags (secrets must have been written with --show-secrets; masked ones are
    /// reported as not checked).
    #[command(flatten)]
    pub validate: super::args::ValidateArgs,
    /// Output flags.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// One report as read from a file.
struct Read {
    path: PathBuf,
    findings: Vec<Finding>,
    summary: Option<WireSummary>,
}

/// The summary fields merge uses; others are ignored.
#[derive(Debug, Default, Deserialize)]
struct WireSummary {
    #[serde(default)]
    files: u64,
    #[serde(default)]
    bytes: u64,
    #[serde(default)]
    duration: f64,
    #[serde(default)]
    skipped: BTreeMap<String, u64>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    shard: Option<ShardInfo>,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    repositories: Vec<String>,
}

/// The finding fields merge uses; others are ignored, so reports of newer versions still merge.
#[derive(Debug, Deserialize)]
struct WireFinding {
    rule_id: String,
    #[serde(default)]
    description: String,
    severity: String,
    file: String,
    #[serde(default)]
    line: usize,
    #[serde(default)]
    column: usize,
    #[serde(default)]
    end_line: usize,
    #[serde(default)]
    end_column: usize,
    #[serde(default)]
    secret: String,
    fingerprint: String,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    commit: Option<WireCommit>,
    #[serde(default)]
    provenance: Option<WireProvenance>,
    #[serde(default)]
    suppressed: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    confidence: Option<String>,
    #[serde(default)]
    decoded: Option<String>,
    #[serde(default)]
    validation: Option<crate::validate::Validation>,
}

/// `provenance` as reports write it; an unknown kind reads as a file.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireProvenance {
    kind: String,
    commit: String,
    tag: String,
    id: String,
    name: String,
    path: String,
}

impl From<WireProvenance> for Provenance {
    fn from(wire: WireProvenance) -> Provenance {
        match wire.kind.as_str() {
            "blob" => Provenance::Blob,
            "commit-message" => Provenance::CommitMessage {
                commit: wire.commit,
            },
            "tag-message" => Provenance::TagMessage {
                tag: wire.tag,
                id: wire.id,
            },
            "ref-name" => Provenance::RefName { name: wire.name },
            "path-name" => Provenance::PathName { path: wire.path },
            _ => Provenance::File,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct WireCommit {
    id: String,
    author: String,
    email: String,
    date: String,
    message: String,
}

/// Runs `leakgate merge`.
pub fn run(args: &MergeArgs) -> anyhow::Result<ExitStatus> {
    let reports = args
        .reports
        .iter()
        .map(|p| read(p, args.allow_partial))
        .collect::<anyhow::Result<Vec<Read>>>()?;
    let missing = missing_shards(&reports)?;
    if !missing.is_empty() && !args.allow_partial {
        anyhow::bail!(
            "{}; merge all N reports, or pass --allow-partial to merge anyway",
            missing.join("; ")
        );
    }
    let (findings, mut summary) = join(reports);
    summary
        .notes
        .extend(missing.iter().map(|m| format!("incomplete: {m}")));
    args.validate.check()?;
    let config = args
        .config
        .as_deref()
        .map(crate::config::ConfigText::read)
        .transpose()?;
    let engine = build_engine(config.as_ref(), InlineAllow::Honour.engine_options())?;
    let output = args.output.resolve(None);
    let mut findings = findings;
    if args.validate.validate {
        summary.validation = Some(validate_merged(&engine, &mut findings, &args.validate));
    }
    let status = emit(&engine, &findings, &summary, &output)?;
    Ok(if args.validate.fail_on_valid {
        super::finish::status_of_valid(&findings, &output)
    } else {
        status
    })
}

/// `--validate` on merged findings: only secrets the shards wrote raw (`--show-secrets`) can
/// be checked; a masked one is marked unknown with the reason, and nothing is sent for it.
fn validate_merged(
    engine: &crate::engine::Engine,
    findings: &mut [Finding],
    args: &super::args::ValidateArgs,
) -> crate::validate::ValidationSummary {
    let (mut raw, masked): (Vec<Finding>, Vec<Finding>) = findings
        .iter()
        .cloned()
        .partition(|f| !f.secret.is_masked());
    let partners = crate::validate::pair::Partners::find(engine.pack(), &raw);
    let summary = super::finish::run_validation(engine, &mut raw, &partners, args.validate_max);
    let mut raw = raw.into_iter();
    let mut masked = masked.into_iter();
    for f in findings.iter_mut() {
        *f = if f.secret.is_masked() {
            let mut m = masked.next().expect("one masked finding per masked slot");
            if engine
                .pack()
                .get(&m.rule_id)
                .is_some_and(|r| r.validate.is_some())
            {
                m.validation = Some(crate::validate::Validation::new(
                    crate::validate::Status::Unknown,
                    "masked in the shard report; write shard reports with --show-secrets to validate at merge",
                ));
            }
            m
        } else {
            raw.next().expect("one raw finding per raw slot")
        };
    }
    summary
}

/// Reads one report: a JSON document, or JSONL (findings, then a summary line).
fn read(path: &Path, allow_partial: bool) -> anyhow::Result<Read> {
    let shown = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{shown}: cannot read the report: {e}"))?;
    if text.trim().is_empty() {
        anyhow::bail!("{shown}: empty report (the shard did not finish, or its upload failed)");
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(doc)) if doc.contains_key("findings") => read_document(path, doc),
        // `--format json` is pretty-printed: a first line of `{` alone is a document cut short.
        Err(e) if text.lines().next().is_some_and(|l| l.trim() == "{") => anyhow::bail!(
            "{shown}: not a complete JSON report ({e}); it is truncated: rerun that shard"
        ),
        _ => read_lines(path, &text, allow_partial),
    }
}

/// A `--format json` report.
fn read_document(path: &Path, mut doc: serde_json::Map<String, Value>) -> anyhow::Result<Read> {
    let shown = path.display();
    let Some(Value::Array(items)) = doc.remove("findings") else {
        anyhow::bail!("{shown}: \"findings\" is not a list; is this a leakgate JSON report?");
    };
    let summary = doc.remove("summary").ok_or_else(|| {
        anyhow::anyhow!("{shown}: no \"summary\"; is this a leakgate JSON report?")
    })?;
    let summary = serde_json::from_value(summary)
        .map_err(|e| anyhow::anyhow!("{shown}: bad \"summary\": {e}"))?;
    let findings = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            finding(item).map_err(|e| anyhow::anyhow!("{shown}: finding {}: {e}", i + 1))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Read {
        path: path.to_path_buf(),
        findings,
        summary: Some(summary),
    })
}

/// A `--format jsonl` report; its last line must be the summary unless `allow_partial`.
fn read_lines(path: &Path, text: &str, allow_partial: bool) -> anyhow::Result<Read> {
    let shown = path.display();
    let mut findings = Vec::new();
    let mut summary = None;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let at = n + 1;
        if summary.is_some() {
            anyhow::bail!("{shown}:{at}: a line after the summary line; is this one report?");
        }
        let value: Value = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!(
                "{shown}:{at}: not JSON ({e}); the report is truncated or not leakgate's"
            )
        })?;
        if let Some(s) = value
            .get("summary")
            .filter(|_| value.get("rule_id").is_none())
        {
            summary = Some(
                serde_json::from_value(s.clone())
                    .map_err(|e| anyhow::anyhow!("{shown}:{at}: bad summary line: {e}"))?,
            );
        } else {
            findings.push(finding(value).map_err(|e| anyhow::anyhow!("{shown}:{at}: {e}"))?);
        }
    }
    if summary.is_none() && !allow_partial {
        anyhow::bail!(
            "{shown}: no summary line at the end: the report is truncated, or was written without \
             --shard (use --format json, or --shard I/N; --allow-partial merges it anyway)"
        );
    }
    Ok(Read {
        path: path.to_path_buf(),
        findings,
        summary,
    })
}

/// A finding from its JSON object.
fn finding(value: Value) -> anyhow::Result<Finding> {
    let wire: WireFinding = serde_json::from_value(value)
        .map_err(|e| anyhow::anyhow!("not a leakgate finding ({e})"))?;
    let severity = Severity::parse(&wire.severity)
        .ok_or_else(|| anyhow::anyhow!("unknown severity '{}'", wire.severity))?;
    Ok(Finding {
        rule_id: wire.rule_id,
        description: wire.description,
        severity,
        file: wire.file,
        line: wire.line,
        column: wire.column,
        end_line: wire.end_line,
        end_column: wire.end_column,
        secret: Secret::from_report(&wire.secret),
        fingerprint: wire.fingerprint,
        repository: wire.repository,
        commit: wire.commit.map(|c| {
            Arc::new(CommitInfo {
                id: c.id,
                author: c.author,
                email: c.email,
                date: c.date,
                message: c.message,
            })
        }),
        provenance: wire.provenance.map(Provenance::from).unwrap_or_default(),
        suppressed: wire.suppressed,
        tags: wire.tags,
        remediation: String::new(),
        confidence: wire
            .confidence
            .as_deref()
            .and_then(crate::rules::Confidence::parse)
            .unwrap_or(crate::rules::Confidence::Medium),
        decoded: wire.decoded,
        validation: wire.validation,
    })
}

/// The scan a shard belongs to: what it split, and the repository for a blob split.
type ScanKey = (Unit, String);

/// Messages naming each missing shard; an error when two reports of one scan disagree on N.
fn missing_shards(reports: &[Read]) -> anyhow::Result<Vec<String>> {
    let mut scans: BTreeMap<ScanKey, (u32, &Path, BTreeSet<u32>)> = BTreeMap::new();
    for report in reports {
        let Some(summary) = &report.summary else {
            continue;
        };
        let Some(shard) = summary.shard else { continue };
        let repository = match shard.unit {
            Unit::Blob => summary.repository.clone().unwrap_or_default(),
            Unit::Path | Unit::Repository => String::new(),
        };
        let entry = scans.entry((shard.unit, repository)).or_insert((
            shard.total,
            &report.path,
            BTreeSet::new(),
        ));
        if entry.0 != shard.total {
            anyhow::bail!(
                "{}: shard {}/{} but {} is one of {} shards of the same scan; merge reports of one split",
                report.path.display(),
                shard.index,
                shard.total,
                entry.1.display(),
                entry.0
            );
        }
        entry.2.insert(shard.index);
    }
    let mut missing = Vec::new();
    for ((unit, repository), (total, _, seen)) in scans {
        let absent: Vec<String> = (1..=total)
            .filter(|i| !seen.contains(i))
            .map(|i| format!("{i}/{total}"))
            .collect();
        if !absent.is_empty() {
            let of = if repository.is_empty() {
                String::new()
            } else {
                format!(" of {repository}")
            };
            let unit = format!("{unit:?}").to_lowercase();
            missing.push(format!(
                "missing shard {}{of} (split by {unit})",
                absent.join(", ")
            ));
        }
    }
    Ok(missing)
}

/// All findings, de-duplicated by repository, fingerprint, location and commit, and one summary.
fn join(reports: Vec<Read>) -> (Vec<Finding>, Summary) {
    let mut summary = Summary::default();
    let mut repositories: BTreeSet<String> = BTreeSet::new();
    let mut seen = HashSet::new();
    let mut findings = Vec::new();
    for report in reports {
        let wire = report.summary.unwrap_or_default();
        add_summary(&mut summary, &wire);
        repositories.extend(wire.repository.iter().cloned());
        repositories.extend(wire.repositories.iter().cloned());
        for mut f in report.findings {
            if f.repository.is_none() {
                f.repository.clone_from(&wire.repository);
            }
            let key = (
                f.repository.clone(),
                f.fingerprint.clone(),
                f.file.clone(),
                f.line,
                f.column,
                f.commit.as_ref().map(|c| c.id.clone()),
            );
            if seen.insert(key) {
                findings.push(f);
            }
        }
    }
    summary.repositories = repositories.into_iter().collect();
    crate::finding::sort(&mut findings);
    (findings, summary)
}

/// Adds one report's counts to the merged summary; the duration is the longest shard's.
fn add_summary(summary: &mut Summary, wire: &WireSummary) {
    let mut one = Summary {
        files: wire.files,
        bytes: wire.bytes,
        notes: wire.notes.clone(),
        ..Summary::default()
    };
    for (reason, count) in &wire.skipped {
        if let Ok(reason) = serde_json::from_value::<SkipReason>(Value::String(reason.clone())) {
            one.skipped.insert(reason, *count);
        }
    }
    summary.add(&one, None);
    let duration = Duration::from_secs_f64(wire.duration.max(0.0));
    summary.duration = summary.duration.max(duration);
}
