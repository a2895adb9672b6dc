//! The end of every scan command: drop suppressed findings, write the report and the baseline,
//! and decide the exit status.

use std::fs::OpenOptions;
use std::io::{self, IsTerminal as _, Write};
use std::path::Path;

use anyhow::Context as _;

use super::args::{ColorChoice, FilterArgs, OutputArgs, ValidateArgs};
use crate::engine::Engine;
use crate::exit::ExitStatus;
use crate::finding::{self, Finding};
use crate::report::{self, Report, ReportOptions};
use crate::rules::Confidence;
use crate::source::stats::Summary;
use crate::suppress::{Baseline, IGNORE_FILE_NAME, IgnoreList};
use crate::validate::pair::Partners;
use crate::validate::{self, Status, ValidationSummary};

/// Suppression inputs, loaded before the scan so a bad file fails early.
#[derive(Debug, Default)]
pub struct Suppression {
    /// Fingerprints to drop.
    pub ignore: IgnoreList,
    /// Accepted findings.
    pub baseline: Option<Baseline>,
    /// The confidence floor (`--confidence`): findings below it are dropped before the ignore
    /// file and baseline are consulted.
    pub floor: Confidence,
}

impl Suppression {
    /// Loads `--ignore-file` (or `.leakgateignore` at `root`) and `--baseline`.
    pub fn load(
        filters: &FilterArgs,
        floor: Confidence,
        root: &Path,
    ) -> anyhow::Result<Suppression> {
        let ignore = match &filters.ignore_file {
            Some(path) => IgnoreList::read(path, true)?,
            None => match crate::config::find_upward(root, IGNORE_FILE_NAME) {
                Some(found) => IgnoreList::read(&found, false)?,
                None => IgnoreList::default(),
            },
        };
        let baseline = filters
            .baseline
            .as_deref()
            .map(Baseline::read)
            .transpose()?;
        Ok(Suppression {
            ignore,
            baseline,
            floor,
        })
    }

    fn keeps(&self, finding: &Finding) -> bool {
        finding.confidence >= self.floor
            && !self.ignore.ignores(finding)
            && !self.baseline.as_ref().is_some_and(|b| b.contains(finding))
    }
}

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

/// The end of a scan: what to keep, report and check.
pub struct Finish<'a> {
    /// Report flags.
    pub output: &'a OutputArgs,
    /// Ignore file and baseline flags.
    pub filters: &'a FilterArgs,
    /// Loaded suppression.
    pub suppression: &'a Suppression,
    /// `--validate` and friends.
    pub validate: &'a ValidateArgs,
}

/// Filters, validates (if asked), reports and returns the exit status of a finished scan.
pub fn finish(
    engine: &Engine,
    findings: Vec<Finding>,
    summary: &Summary,
    end: &Finish<'_>,
) -> anyhow::Result<ExitStatus> {
    let partners = end
        .validate
        .validate
        .then(|| Partners::find(engine.pack(), &findings));
    let mut findings = keep(findings, end.suppression);
    let mut summary = summary.clone();
    if let Some(partners) = partners {
        summary.validation = Some(run_validation(
            engine,
            &mut findings,
            &partners,
            end.validate.validate_max,
        ));
    }
    let status = emit(engine, &findings, &summary, end.output, end.filters)?;
    Ok(if end.validate.fail_on_valid {
        status_of_valid(&findings, end.output)
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
    output: &OutputArgs,
    filters: &FilterArgs,
) -> anyhow::Result<ExitStatus> {
    if let Some(path) = &filters.write_baseline {
        write_private(path, Baseline::render(findings).as_bytes())
            .with_context(|| format!("cannot write baseline {}", path.display()))?;
    }
    let color = use_color(output.color, output.output.is_some());
    // The one colour decision: `colored` would otherwise re-decide from the terminal and drop
    // `--color always` on a pipe.
    colored::control::set_override(color);
    let options = ReportOptions {
        show_secrets: output.show_secrets,
        color,
        quiet: output.quiet,
    };
    let report = Report {
        findings,
        summary,
        rules: engine.rules(),
    };
    let mut buffer = Vec::new();
    report::write(output.format, &report, options, &mut buffer)?;
    match &output.output {
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
pub fn status(findings: &[Finding], output: &OutputArgs) -> ExitStatus {
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
pub fn status_of_valid(findings: &[Finding], output: &OutputArgs) -> ExitStatus {
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

/// Creates (or truncates) a file readable only by its owner and writes `bytes`.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)
}
