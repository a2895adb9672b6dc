//! The command line: clap definitions and dispatch to one `run` per command. Scanning commands
//! turn their flags into one `settings::Settings` before scanning; nothing here exits the process.

pub mod args;
pub mod block;
pub mod dir;
pub mod explain;
pub mod finish;
pub mod fleet;
pub mod git;
pub mod hook_cmds;
pub mod hook_install;
pub mod ignore;
pub mod import_gitleaks;
pub mod merge;
pub mod rules;
pub mod rules_expand;
pub mod shell;

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
    #[command(
        after_help = "Examples:\n  leakgate dir .\n  leakgate dir src config -f sarif -o leakgate.sarif\n  leakgate dir . --no-ignore --write-baseline leakgate-baseline.json"
    )]
    Dir(dir::DirArgs),
    /// Scan standard input
    #[command(
        after_help = "Examples:\n  cat .env | leakgate stdin --name .env\n  kubectl get secret app -o yaml | leakgate stdin --name secret.yaml"
    )]
    Stdin(dir::StdinArgs),
    /// Scan git history, a commit range, or the staged changes
    #[command(
        after_help = "Examples:\n  leakgate git --all\n  leakgate git --range origin/main..HEAD --config-from origin/main -f sarif -o leakgate.sarif\n  leakgate git --staged\n  leakgate git . --all --shard 3/8 -f json -o shard-3.json\n  leakgate git --repos-from repos.txt --all -f jsonl -o fleet.jsonl"
    )]
    Git(git::GitArgs),
    /// Scan what a push sends (run by the pre-push hook)
    #[command(
        after_help = "git runs this hook with the refs being pushed on standard input.\nExamples:\n  leakgate hook install\n  LEAKGATE_ASK_REMOTE=1 git push\n  LEAKGATE_FAIL_ON=medium git push"
    )]
    PrePush(hook_cmds::PrePushArgs),
    /// Scan the staged changes (run by the pre-commit hook)
    #[command(
        after_help = "Examples:\n  leakgate hook install --pre-commit\n  leakgate pre-commit"
    )]
    PreCommit(hook_cmds::PreCommitArgs),
    /// Install or remove the git hooks
    #[command(
        subcommand,
        after_help = "Examples:\n  leakgate hook install\n  leakgate hook install --pre-commit\n  leakgate hook uninstall"
    )]
    Hook(hook_install::HookCommand),
    /// Merge the JSON/JSONL reports of shards or repositories into one report
    #[command(
        after_help = "Examples:\n  leakgate merge shard-*.json --format sarif -o leakgate.sarif\n  leakgate merge fleet-*.jsonl --format csv -o fleet.csv --allow-partial"
    )]
    Merge(merge::MergeArgs),
    /// Add fingerprints to .leakgateignore
    #[command(
        after_help = "Examples:\n  leakgate ignore github-pat-classic:0123456789abcdef --reason \"test fixture\"\n  leakgate ignore generic-password:0123456789abcdef --path tests/"
    )]
    Ignore(ignore::IgnoreArgs),
    /// Show, for FILE:LINE, what every rule and filter decided
    #[command(
        after_help = "Examples:\n  leakgate explain config/app.env:12\n  leakgate explain deploy/key.pem:1 --no-inline-allow"
    )]
    Explain(explain::ExplainArgs),
    /// List, self-test and explain rules
    #[command(
        subcommand,
        after_help = "Examples:\n  leakgate rules list\n  leakgate rules explain aws-secret-access-key\n  leakgate rules test my-rules.toml"
    )]
    Rules(rules::RulesCommand),
    /// Print shell completions (bash, zsh, fish, powershell, elvish)
    #[command(
        after_help = "Examples:\n  leakgate completions bash > ~/.local/share/bash-completion/completions/leakgate\n  leakgate completions zsh > ~/.zfunc/_leakgate"
    )]
    Completions(shell::CompletionsArgs),
    /// Print the man page (roff)
    #[command(
        after_help = "Examples:\n  leakgate man > ~/.local/share/man/man1/leakgate.1\n  leakgate man | man -l -"
    )]
    Man,
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
        Command::Completions(args) => shell::completions(&args),
        Command::Man => shell::man(),
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
