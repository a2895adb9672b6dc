//! The command line: clap definitions and dispatch to one `run` per command. Commands resolve
//! flags into a config and an engine before scanning; nothing here exits the process.

pub mod args;
pub mod dir;
pub mod finish;
pub mod rules;

use clap::{Parser, Subcommand};

use crate::exit::ExitStatus;
use args::{FilterArgs, OutputArgs, ScanArgs};

/// leakgate: stop secrets before they leave the laptop.
#[derive(Debug, Parser)]
#[command(name = "leakgate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every leakgate command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (respects .gitignore)
    Dir(dir::DirArgs),
    /// Scan standard input
    Stdin(dir::StdinArgs),
    /// List, self-test and explain rules
    #[command(subcommand)]
    Rules(rules::RulesCommand),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Dir(args) => dir::run_dir(&args),
        Command::Stdin(args) => dir::run_stdin(&args),
        Command::Rules(command) => rules::run(&command),
    }
}

/// The flag groups every scanning command takes.
#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Scanning flags.
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Output flags.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Suppression flags.
    #[command(flatten)]
    pub filters: FilterArgs,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    #[test]
    fn clap_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
