//! The command line: clap definitions and dispatch to one `run` per command. Commands resolve
//! flags into a config and an engine before scanning; nothing here exits the process.

pub mod args;
pub mod dir;
pub mod explain;
pub mod finish;
pub mod fleet;
pub mod git;
pub mod hook_cmds;
pub mod hook_install;
pub mod ignore;
pub mod merge;
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
    /// Scan git history, a commit range, or the staged changes
    Git(git::GitArgs),
    /// Scan what a push sends (run by the pre-push hook)
    PrePush(hook_cmds::PrePushArgs),
    /// Scan the staged changes (run by the pre-commit hook)
    PreCommit(hook_cmds::PreCommitArgs),
    /// Install or remove the git hooks
    #[command(subcommand)]
    Hook(hook_install::HookCommand),
    /// Merge the JSON/JSONL reports of shards or repositories into one report
    Merge(merge::MergeArgs),
    /// Add fingerprints to .leakgateignore
    Ignore(ignore::IgnoreArgs),
    /// Show, for FILE:LINE, what every rule and filter decided
    Explain(explain::ExplainArgs),
    /// List, self-test and explain rules
    #[command(subcommand)]
    Rules(rules::RulesCommand),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitStatus> {
    match cli.command {
        Command::Dir(args) => dir::run_dir(&args),
        Command::Stdin(args) => dir::run_stdin(&args),
        Command::Git(args) => git::run(&args),
        Command::PrePush(args) => hook_cmds::run_pre_push(&args),
        Command::PreCommit(args) => hook_cmds::run_pre_commit(&args),
        Command::Hook(command) => hook_install::run(&command),
        Command::Merge(args) => merge::run(&args),
        Command::Ignore(args) => ignore::run(&args),
        Command::Explain(args) => explain::run(&args),
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
