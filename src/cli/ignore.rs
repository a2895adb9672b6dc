//! `leakgate ignore FINGERPRINT...`: appends fingerprints to `.leakgateignore` with an optional
//! reason, so a false positive stays suppressed wherever the value moves.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;

use crate::exit::ExitStatus;
use crate::suppress::{IGNORE_FILE_NAME, IgnoreList};

/// `leakgate ignore`.
#[derive(Debug, clap::Args)]
pub struct IgnoreArgs {
    /// Fingerprints as printed in reports (RULE-ID:HEX)
    #[arg(required = true, value_name = "FINGERPRINT")]
    pub fingerprints: Vec<String>,
    /// Why this is not a secret (written as a comment)
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Only for this path (exact, or a directory ending in /)
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// The ignore file to append to
    #[arg(long, value_name = "FILE", default_value = IGNORE_FILE_NAME)]
    pub ignore_file: PathBuf,
}

/// Runs `leakgate ignore`.
pub fn run(args: &IgnoreArgs) -> anyhow::Result<ExitStatus> {
    let mut text = String::new();
    for fingerprint in &args.fingerprints {
        let line = match &args.path {
            Some(path) => format!("{fingerprint} {}", crate::source::portable_path(path)),
            None => fingerprint.clone(),
        };
        let line = match &args.reason {
            Some(reason) => format!("{line}  # {}", reason.replace('\n', " ")),
            None => line,
        };
        text.push_str(&line);
        text.push('\n');
    }
    // Validate before touching the file, so a typo never lands in it.
    IgnoreList::parse("command line", &text)?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&args.ignore_file)
        .with_context(|| format!("cannot open {}", args.ignore_file.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", args.ignore_file.display()))?;
    crate::diag::line(&format!(
        "leakgate: added {} fingerprint(s) to {}",
        args.fingerprints.len(),
        args.ignore_file.display()
    ));
    Ok(ExitStatus::Clean)
}
