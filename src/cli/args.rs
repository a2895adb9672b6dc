//! Flag groups shared by every scanning command, flattened into each subcommand, and their
//! mapping to the clap-free [`Choices`] that `settings` resolves.

use std::path::PathBuf;

use clap::Args;

use crate::report::Format;
use crate::rules::{Confidence, Severity};
use crate::settings::{Choices, InlineAllow, Limits, Output, ValidationPlan};

/// What to scan and how.
#[derive(Debug, Clone, Args)]
pub struct ScanArgs {
    /// Config file (default: .leakgate.toml at the scan root, if present)
    #[arg(long, value_name = "FILE", help_heading = "Scan")]
    pub config: Option<PathBuf>,
    /// Worker threads (default: all cores)
    #[arg(long, short = 'j', value_name = "N", help_heading = "Scan")]
    pub threads: Option<usize>,
    /// Skip files (and git blobs) larger than this, K, M and G suffixes. Files and large blobs
    /// are streamed in 16 MiB blocks, so this bounds time, not memory. A hook refuses a text
    /// blob over the limit; raise it for one push with LEAKGATE_MAX_FILE_SIZE=1G git push
    #[arg(long, value_name = "SIZE", default_value = "256M", value_parser = parse_size, env = "LEAKGATE_MAX_FILE_SIZE", help_heading = "Scan")]
    pub max_file_size: u64,
    /// Do not honour leakgate:allow comments (for audits)
    #[arg(long, help_heading = "Scan")]
    pub no_inline_allow: bool,
    /// Report only findings at or above this confidence (low, medium, high). `low` adds generic
    /// heuristics (a password field holding a short word, credentials in a localhost URL, a
    /// bare Bearer value) for audits; in hooks, LEAKGATE_CONFIDENCE=low
    #[arg(long, value_name = "LEVEL", default_value = "medium", value_parser = parse_confidence, env = "LEAKGATE_CONFIDENCE", help_heading = "Scan")]
    pub confidence: Confidence,
}

impl ScanArgs {
    /// The thread count to use.
    pub fn threads(&self) -> usize {
        self.threads.filter(|&n| n > 0).unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        })
    }
}

/// How to report.
#[derive(Debug, Clone, Args)]
pub struct OutputArgs {
    /// Report format
    #[arg(
        long,
        short = 'f',
        value_enum,
        default_value = "text",
        help_heading = "Output"
    )]
    pub format: FormatArg,
    /// Write the report to FILE (created with mode 0600) instead of stdout
    #[arg(long, short = 'o', value_name = "FILE", help_heading = "Output")]
    pub output: Option<PathBuf>,
    /// Print secrets in full instead of masked
    #[arg(long, overrides_with = "redact", help_heading = "Output")]
    pub show_secrets: bool,
    /// Mask secrets (the default)
    #[arg(long, overrides_with = "show_secrets", help_heading = "Output")]
    pub redact: bool,
    /// When to use colors
    #[arg(
        long,
        value_enum,
        default_value = "auto",
        value_name = "WHEN",
        help_heading = "Output"
    )]
    pub color: ColorChoice,
    /// Print nothing but findings (no summary, no progress)
    #[arg(long, short = 'q', help_heading = "Output")]
    pub quiet: bool,
    /// Fail only on findings at or above this severity (in hooks: LEAKGATE_FAIL_ON=medium lets
    /// low findings such as internal hosts warn without blocking)
    #[arg(long, value_name = "SEVERITY", default_value = "low", value_parser = parse_severity, env = "LEAKGATE_FAIL_ON", help_heading = "Output")]
    pub fail_on: Severity,
    /// Exit code to use when findings fail the scan
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=125), help_heading = "Output")]
    pub exit_code: u8,
}

/// Suppression: ignore files and baselines.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Fingerprints to ignore (default: .leakgateignore at the scan root)
    #[arg(long, value_name = "FILE", help_heading = "Suppression")]
    pub ignore_file: Option<PathBuf>,
    /// Report only findings not in this baseline
    #[arg(long, value_name = "FILE", help_heading = "Suppression")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings as a baseline to FILE
    #[arg(long, value_name = "FILE", help_heading = "Suppression")]
    pub write_baseline: Option<PathBuf>,
}

/// Opt-in liveness checks; only `dir`, `git` and `stdin` take them (hooks never call out unless
/// the config's `[validation] hooks = true` says so).
#[derive(Debug, Clone, Default, Args)]
pub struct ValidateArgs {
    /// Ask each provider whether found secrets are live. Sends each secret of a rule with a
    /// validator to that provider's endpoint only (README: Validation)
    #[arg(long, help_heading = "Validation")]
    pub validate: bool,
    /// Check at most N distinct secrets (one request each, plus one retry after a short 429)
    #[arg(
        long,
        value_name = "N",
        default_value_t = 100,
        requires = "validate",
        help_heading = "Validation"
    )]
    pub validate_max: usize,
    /// Fail only on findings the provider says are live
    #[arg(long, requires = "validate", help_heading = "Validation")]
    pub fail_on_valid: bool,
}

impl ValidateArgs {
    /// The validation plan, when `--validate` was given.
    pub fn plan(&self) -> Option<ValidationPlan> {
        self.validate.then_some(ValidationPlan {
            max: self.validate_max,
            fail_on_valid: self.fail_on_valid,
        })
    }

    /// Rejects `--validate` in a build without the `validate` feature, before any scan.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.validate && !crate::validate::http::BUILT {
            anyhow::bail!(
                "--validate: this leakgate was built without validation; rebuild with the default features (cargo install --path .)"
            );
        }
        Ok(())
    }
}

impl OutputArgs {
    /// The output choices, with the color decided once and `write_baseline` (a suppression
    /// flag) carried along.
    pub fn resolve(&self, write_baseline: Option<PathBuf>) -> Output {
        Output {
            format: self.format.into(),
            path: self.output.clone(),
            show_secrets: self.show_secrets,
            color: super::finish::use_color(self.color, self.output.is_some()),
            quiet: self.quiet,
            fail_on: self.fail_on,
            exit_code: self.exit_code,
            write_baseline,
        }
    }
}

impl super::CommonArgs {
    /// The command line's choices; `gate_from_revision` is a gate reading its settings from a
    /// revision (`--config-from`), where inline allows are marked rather than honoured.
    pub fn choices(&self, validate: Option<&ValidateArgs>, gate_from_revision: bool) -> Choices {
        Choices {
            inline: InlineAllow::new(self.scan.no_inline_allow, gate_from_revision),
            confidence: self.scan.confidence,
            output: self.output(),
            limits: Limits {
                max_file_size: self.scan.max_file_size,
                threads: self.scan.threads(),
            },
            validation: validate.and_then(ValidateArgs::plan),
        }
    }

    /// The output choices, `--write-baseline` included.
    pub fn output(&self) -> Output {
        self.output.resolve(self.filters.write_baseline.clone())
    }
}

/// `--format`: the report formats, named for clap (the report layer knows nothing of clap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Human-readable, grouped by file.
    Text,
    /// One JSON document: `{"findings": [...], "summary": {...}}`.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// JUnit XML, one test case per finding.
    Junit,
    /// CSV with a header row.
    Csv,
    /// A Markdown table (CI job summaries, pull request comments).
    Markdown,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Format {
        match arg {
            FormatArg::Text => Format::Text,
            FormatArg::Json => Format::Json,
            FormatArg::Jsonl => Format::Jsonl,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Csv => Format::Csv,
            FormatArg::Markdown => Format::Markdown,
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color when stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Parses `64M`, `512K`, `1G` or plain bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, multiplier) = match text.char_indices().last() {
        Some((i, 'k' | 'K')) => (&text[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&text[..i], 1 << 20),
        Some((i, 'g' | 'G')) => (&text[..i], 1 << 30),
        _ => (text, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(multiplier))
        .ok_or_else(|| format!("'{text}' is not a size (examples: 500K, 64M, 1G)"))
}

/// Parses a severity name.
pub fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| format!("'{text}' is not a severity (critical, high, medium, low)"))
}

/// Parses a confidence name.
pub fn parse_confidence(text: &str) -> Result<Confidence, String> {
    Confidence::parse(&text.to_ascii_lowercase())
        .ok_or_else(|| format!("'{text}' is not a confidence (high, medium, low)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_suffixes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("10k"), Ok(10 << 10));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("99999999999999G").is_err());
    }
}
