//! The three outcomes of a leakgate run and their process exit codes.
//!
//! Only `main` turns an [`ExitStatus`] into a code, so every command returns one instead of exiting.

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the `--fail-on` severity was found.
    Clean,
    /// Findings at or above the `--fail-on` severity; the code is configurable (`--exit-code`).
    Findings(u8),
    /// A user or environment error (bad flag, bad config, unreadable repository).
    Error,
}

impl ExitStatus {
    /// The process exit code: 0 clean, 1 (or `--exit-code`) findings, 2 error.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Clean => 0,
            ExitStatus::Findings(code) => code,
            ExitStatus::Error => 2,
        }
    }
}
