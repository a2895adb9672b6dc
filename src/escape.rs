//! Text from repositories and file systems (paths, author names, commit and tag messages, ref
//! names) made safe to print: control characters become visible escapes, so a file name or a
//! commit message can never move the cursor, recolour or retitle the user's terminal.

use std::borrow::Cow;
use std::fmt::Write as _;

/// `text` with every control character (C0, DEL, C1, and the bidirectional overrides that can
/// reorder what a reader sees) written as `\u{..}`; borrowed when there is none.
pub fn controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `value` percent-encoded: every byte that is not ASCII alphanumeric or in `keep` becomes
/// `%XX` (URL query values keep `-._~`; SARIF's relative URIs keep the path characters too).
pub fn percent(value: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || keep.contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_and_keeps_the_rest() {
        assert_eq!(controls("src/a b.rs"), "src/a b.rs");
        assert_eq!(controls("x\u{1b}[31mred"), "x\\u{1b}[31mred");
        assert_eq!(controls("a\nb\tc\u{7f}"), "a\\u{a}b\\u{9}c\\u{7f}");
        assert_eq!(controls("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(controls("ab\u{202e}cd"), "ab\\u{202e}cd");
        assert_eq!(controls("naïve/日本"), "naïve/日本");
    }
}
