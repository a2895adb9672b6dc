//! Rule-pack errors. Each carries enough context (a file and position, a revision) for the one
//! line that `diag` prints to tell the user what is wrong and where.

use super::span::Location;

/// A problem in a rule pack or config file, at a position in it.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct RuleError {
    /// Where the problem is.
    pub location: Location,
    /// What is wrong, and what to do when that is not obvious.
    pub message: String,
}

impl RuleError {
    /// An error at byte `offset` of `source` in `file`.
    pub fn at(file: &str, source: &str, offset: usize, message: impl Into<String>) -> RuleError {
        RuleError {
            location: Location::at(file, source, offset),
            message: message.into(),
        }
    }
}
