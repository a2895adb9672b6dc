//! The only writer of diagnostics to stderr: errors, warnings and hints.
//!
//! Reports go to stdout or a file through `report`; everything a human should read about the run
//! itself comes through here, so the prefix and format stay uniform. Messages quote names from
//! repositories and archives (paths, member names, refs), so every line is written with its
//! control characters escaped: whoever missed escaping a name upstream, the terminal is safe.

use std::io::Write;

/// Prints `leakgate: error: ...` with each cause on its own line, then an optional hint.
pub fn error(err: &anyhow::Error) {
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "leakgate: error: {}", safe(&err.to_string()));
    for cause in err.chain().skip(1) {
        let _ = writeln!(stderr, "  caused by: {}", safe(&cause.to_string()));
    }
}

/// Prints `leakgate: warning: ...`.
pub fn warning(message: &str) {
    let _ = writeln!(
        std::io::stderr().lock(),
        "leakgate: warning: {}",
        safe(message)
    );
}

/// Prints a plain line to stderr (block messages, notes); never carries a raw secret.
pub fn line(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{}", safe(message));
}

/// `message` with the control characters of each of its lines escaped; its line breaks kept.
pub fn safe(message: &str) -> String {
    message
        .split('\n')
        .map(crate::escape::controls)
        .collect::<Vec<_>>()
        .join("\n")
}
