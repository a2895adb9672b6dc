//! The only writer of diagnostics to stderr: errors, warnings and hints.
//!
//! Reports go to stdout or a file through `report`; everything a human should read about the run
//! itself comes through here, so the prefix and format stay uniform.

use std::io::Write;

/// Prints `leakgate: error: ...` with each cause on its own line, then an optional hint.
pub fn error(err: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "leakgate: error: {err}");
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {cause}");
    }
}

/// Prints `leakgate: warning: ...`.
pub fn warning(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "leakgate: warning: {message}");
}

/// Prints a plain line to stderr (block messages, notes); never carries a raw secret.
pub fn line(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{message}");
}
