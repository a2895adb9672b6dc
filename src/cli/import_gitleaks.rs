//! `leakgate rules import-gitleaks FILE [-o OUT]`: writes the converted configuration and lists
//! on stderr what was rewritten and what has no leakgate equivalent. The conversion itself lives
//! in `crate::gitleaks`.

use std::io::Write as _;
use std::path::PathBuf;

use crate::config::{ConfigText, build_engine};
use crate::engine::EngineOptions;
use crate::exit::ExitStatus;

/// `rules import-gitleaks` flags.
#[derive(Debug, clap::Args)]
pub struct ImportGitleaksArgs {
    /// The gitleaks configuration (.gitleaks.toml)
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Write the leakgate configuration here (default: stdout)
    #[arg(long, short = 'o', value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Overwrite OUT if it exists
    #[arg(long)]
    pub force: bool,
}

/// Converts, checks that the result loads, writes it, and lists the notes on stderr.
pub fn run(args: &ImportGitleaksArgs) -> anyhow::Result<ExitStatus> {
    if let Some(out) = &args.output
        && out.exists()
        && !args.force
    {
        anyhow::bail!(
            "{} already exists; choose another -o path or pass --force to overwrite it",
            out.display()
        );
    }
    let conversion = crate::gitleaks::convert_path(&args.file)?;
    let name = args.output.as_ref().map_or_else(
        || "converted configuration".to_owned(),
        |p| p.display().to_string(),
    );
    let loaded = ConfigText {
        name: name.clone(),
        text: conversion.toml.clone(),
    };
    build_engine(Some(&loaded), EngineOptions::default()).map_err(|e| {
        anyhow::anyhow!("the converted configuration does not load ({e:#}); please report this")
    })?;
    match &args.output {
        Some(path) => std::fs::write(path, &conversion.toml)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
        None => std::io::stdout().write_all(conversion.toml.as_bytes())?,
    }
    let source = args.file.display();
    let mut err = std::io::stderr().lock();
    for note in &conversion.notes.translated {
        writeln!(err, "{source}: translated: {note}")?;
    }
    for note in &conversion.notes.unconverted {
        writeln!(err, "{source}: not converted: {note}")?;
    }
    writeln!(
        err,
        "{source}: {} rules converted, {} kept as comments, {} features not converted{}",
        conversion.converted,
        conversion.commented,
        conversion.notes.unconverted.len(),
        if args.output.is_some() {
            format!(" (written to {name})")
        } else {
            String::new()
        }
    )?;
    Ok(ExitStatus::Clean)
}
