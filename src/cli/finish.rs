//! The end of every scan command: drop suppressed findings, write the report and the baseline,
//! and decide the exit status.

use std::fs::OpenOptions;
use std::io::{self, IsTerminal as _, Write};
use std::path::Path;

use anyhow::Context as _;

use super::args::ColorChoice;
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::finding::{self, Finding};
use crate::report::{self, Report, ReportOptions};
use crate::settings::{Output, Settings};
use crate::source::stats::Summary;
use crate::suppress::{Baseline, Suppression};
use crate::validate::pair::Partners;
use crate::validate::{self, Status, ValidationSummary};

/// Whether colors are wanted on stdout.
pub fn use_color(choice: ColorChoice, to_file: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            !to_file
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && io::stdout().is_terminal()
        }
    }
}

/// Filters, validates (if asked), reports and returns the exit status of a finished scan.
pub fn finish(
    settings: &Settings,
    findings: Vec<Finding>,
    summary: &Summary,
) -> anyhow::Result<ExitStatus> {
    let engine = &settings.engine;
    let partners = settings
        .validation
        .map(|plan| (plan, Partners::find(engine.pack(), &findings)));
    let mut findings = keep(findings, &settings.suppression);
    let mut summary = summary.clone();
    if let Some((plan, partners)) = &partners {
        summary.validation = Some(run_validation(engine, &mut findings, partners, plan.max));
    }
    let status = emit(engine, &findings, &summary, &settings.output)?;
    Ok(if partners.is_some_and(|(plan, _)| plan.fail_on_valid) {
        status_of_valid(&findings, &settings.output)
    } else {
        status
    })
}

/// Validates kept findings against their providers, with the pack's `[validation]` settings.
pub fn run_validation(
    engine: &Engine,
    findings: &mut [Finding],
    partners: &Partners,
    max: usize,
) -> ValidationSummary {
    let settings = &engine.pack().validation;
    let transport = validate::http::default_transport(settings.timeout);
    validate::run::validate(
        engine.pack(),
        findings,
        partners,
        settings,
        max,
        transport.as_ref(),
    )
}

/// A summary note when findings are shown as suppressed by `leakgate:allow` lines the scanned
/// change adds.
pub fn suppressed_note(findings: &[Finding]) -> Option<String> {
    let n = findings.iter().filter(|f| f.suppressed.is_some()).count();
    (n > 0).then(|| {
        format!(
            "{n} finding{} silenced by `leakgate:allow` lines this change adds (shown as suppressed; they do not fail the run): review them",
            if n == 1 { "" } else { "s" }
        )
    })
}

/// Drops suppressed findings and sorts the rest for output.
pub fn keep(mut findings: Vec<Finding>, suppression: &Suppression) -> Vec<Finding> {
    findings.retain(|f| suppression.keeps(f));
    finding::sort(&mut findings);
    findings
}

/// Writes the baseline (if asked) and the report, and returns the exit status.
pub fn emit(
    engine: &Engine,
    findings: &[Finding],
    summary: &Summary,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    if let Some(path) = &output.write_baseline {
        write_private(path, Baseline::render(findings).as_bytes())
            .with_context(|| format!("cannot write baseline {}", path.display()))?;
    }
    // The colour decided in the settings, made binding: `colored` would otherwise re-decide from
    // the terminal and drop `--color always` on a pipe.
    colored::control::set_override(output.color);
    let options = ReportOptions {
        show_secrets: output.show_secrets,
        color: output.color,
        quiet: output.quiet,
    };
    let report = Report {
        findings,
        summary,
        rules: engine.rules(),
    };
    let mut buffer = Vec::new();
    report::write(output.format, &report, options, &mut buffer)?;
    match &output.path {
        Some(path) => {
            write_private(path, &buffer)
                .with_context(|| format!("cannot write report {}", path.display()))?;
            // The report went to a file: say in one line what it holds, so a CI log is not silent.
            if !output.quiet {
                crate::diag::line(&format!(
                    "leakgate: {}; report written to {}",
                    report::text::summary_line(&report),
                    crate::escape::controls(&path.display().to_string())
                ));
            }
        }
        None => write_stdout(&buffer)?,
    }
    Ok(status(findings, output))
}

/// The exit status for the kept findings (those marked suppressed are shown, never failing).
pub fn status(findings: &[Finding], output: &Output) -> ExitStatus {
    if findings
        .iter()
        .any(|f| f.suppressed.is_none() && f.severity >= output.fail_on)
    {
        ExitStatus::Findings(output.exit_code)
    } else {
        ExitStatus::Clean
    }
}

/// The exit status under `--fail-on-valid`: only findings the provider called live count.
pub fn status_of_valid(findings: &[Finding], output: &Output) -> ExitStatus {
    let live = findings.iter().any(|f| {
        f.suppressed.is_none()
            && f.severity >= output.fail_on
            && f.validation
                .as_ref()
                .is_some_and(|v| v.status == Status::Valid)
    });
    if live {
        ExitStatus::Findings(output.exit_code)
    } else {
        ExitStatus::Clean
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path`, readable only by its owner: into a temporary file beside it (mode
/// 0600, tempfile's default on Unix) that then replaces `path`, so no reader ever sees half a
/// report. A symlink is followed; a path that is not a regular file (`/dev/stdout`, a named
/// pipe) is written in place.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if std::fs::metadata(&target).is_ok_and(|m| !m.is_file()) {
        return OpenOptions::new()
            .write(true)
            .open(&target)?
            .write_all(bytes);
    }
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    // Checked first so a missing directory reads as itself, not as tempfile's random file name.
    std::fs::metadata(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(&target)?;
    Ok(())
}
