//! Metadata text that leakgate prints from a repository (commit summaries, author names, tag
//! names): whatever a rule finds in it is masked, and control characters are escaped, so a
//! token pasted into a commit message never reaches a terminal, a log or a report in clear.

use crate::engine::Engine;
use crate::secret::Secret;

/// `text` with every secret a rule finds in it masked and its control characters escaped.
pub fn clean(engine: &Engine, text: &str) -> String {
    let bytes = text.as_bytes();
    let mut masked = String::with_capacity(text.len());
    let mut at = 0;
    for m in engine.scan(bytes, None) {
        if m.secret.start < at {
            continue;
        }
        masked.push_str(&String::from_utf8_lossy(&bytes[at..m.secret.start]));
        masked.push_str(&Secret::new(&bytes[m.secret.clone()]).masked());
        at = m.secret.end;
    }
    masked.push_str(&String::from_utf8_lossy(&bytes[at..]));
    crate::escape::controls(&masked).into_owned()
}
