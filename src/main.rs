//! The `leakgate` binary: parse flags, run the command, render errors, exit with its code.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match leakgate::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match leakgate::cli::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            leakgate::diag::error(&err);
            ExitCode::from(leakgate::exit::ExitStatus::Error.code())
        }
    }
}
