//! The `leakgate` binary: parse flags, run the command, render errors, exit with its code.

use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = match leakgate::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match leakgate::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            leakgate::print_error(&err);
            ExitCode::from(leakgate::ExitStatus::Error.code())
        }
    }
}
