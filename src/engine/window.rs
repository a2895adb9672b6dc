//! Confirm windows: the bytes around a keyword hit where a rule's regex is run.
//!
//! A window is the hit's line, capped so that a 200 MB minified line does not make one hit cost a
//! full-line regex scan; multiline rules (key blocks) look further ahead.

use std::ops::Range;

/// How far before a hit a window may start: room for a name's prefix (`spring.datasource.`).
pub const BACK: usize = 160;
/// How far after a hit a single-line window may end by default: room for the longest
/// single-line secret (JWTs and OpenAI keys run to a few hundred bytes, rarely past 1 KiB).
pub const FORWARD: usize = 2048;
/// How far after a hit a multiline window may end at most, and by default: the most a rule's
/// `reach` may ask for.
pub const FORWARD_MULTILINE: usize = crate::rules::MAX_REACH;
/// The farthest from a keyword hit that a window reaches, either way: a block scan that sees
/// this much around each kept match sees what a whole-file scan sees.
pub const REACH: usize = BACK + FORWARD_MULTILINE;

/// How far a rule's windows reach past a keyword: its `reach`, or the default for its kind,
/// never past [`FORWARD_MULTILINE`].
pub fn reach_of(multiline: bool, reach: Option<usize>) -> usize {
    reach
        .unwrap_or(if multiline {
            FORWARD_MULTILINE
        } else {
            FORWARD
        })
        .min(FORWARD_MULTILINE)
}

/// The window around `hit` for a rule whose windows reach `reach` bytes past the hit (by
/// default [`FORWARD`], or [`FORWARD_MULTILINE`] for multiline rules), across lines for
/// multiline rules, otherwise no further than the end of the hit's line.
pub fn around(
    haystack: &[u8],
    hit: Range<usize>,
    multiline: bool,
    reach: Option<usize>,
) -> Range<usize> {
    let reach = reach_of(multiline, reach);
    let floor = hit.start.saturating_sub(BACK);
    // Start at the line break itself, not after it: rules anchor names on a preceding
    // non-word byte (`(?:^|[^A-Za-z0-9])`), and `^` only matches at the very start of the input.
    let start = memchr::memrchr(b'\n', &haystack[floor..hit.start]).map_or(floor, |i| floor + i);
    let ceiling = (hit.end + reach.min(FORWARD_MULTILINE)).min(haystack.len());
    let end = if multiline {
        ceiling
    } else {
        memchr::memchr(b'\n', &haystack[hit.end..ceiling]).map_or(ceiling, |i| hit.end + i)
    };
    start..end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_window_is_the_line() {
        let text = b"one\ntwo key=abc\nthree";
        let w = around(text, 8..11, false, None);
        assert_eq!(&text[w], b"\ntwo key=abc");
    }

    #[test]
    fn multiline_window_reaches_past_the_line() {
        let text = b"x\n-----BEGIN\nbody\n-----END\n";
        let w = around(text, 2..12, true, None);
        assert_eq!(&text[w], b"\n-----BEGIN\nbody\n-----END\n");
    }

    #[test]
    fn reach_caps_the_window_before_the_line_end() {
        let text = b"key=abcdefghij\nnext";
        assert_eq!(&text[around(text, 0..3, false, Some(4))], b"key=abc");
        assert_eq!(
            &text[around(text, 0..3, true, Some(16))],
            b"key=abcdefghij\nnext"
        );
    }
}
