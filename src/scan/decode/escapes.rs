//! JSON and JavaScript string escapes (`\u0041`, `\x41`, `\"`, `\/`, `\n`): where they are, and
//! what a line decodes to. A JSON document stored as a string, or a URL written `https:\/\/`,
//! hides its secrets from patterns written for the plain text.

use super::percent::hex_value;
use super::splice::{Decoded, Replacement};

/// `count` hex digits at `at` as a number.
fn hex_at(bytes: &[u8], at: usize, count: usize) -> Option<u32> {
    bytes.get(at..at + count)?.iter().try_fold(0u32, |acc, &b| {
        hex_value(b).map(|v| acc << 4 | u32::from(v))
    })
}

/// The escape starting with the backslash at `at`: its length and its bytes.
fn escape_at(bytes: &[u8], at: usize) -> Option<(usize, Decoded)> {
    let simple = |b: u8| Some((2, Decoded::byte(b)));
    match *bytes.get(at + 1)? {
        b'u' => unicode_at(bytes, at),
        b'x' => hex_at(bytes, at + 2, 2).map(|v| (4, char_bytes(v))),
        b'"' => simple(b'"'),
        b'\'' => simple(b'\''),
        b'/' => simple(b'/'),
        b'\\' => simple(b'\\'),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        _ => None,
    }
}

/// `\uXXXX`, joining a UTF-16 surrogate pair (`\uD83D\uDE00`) into one character.
fn unicode_at(bytes: &[u8], at: usize) -> Option<(usize, Decoded)> {
    let high = hex_at(bytes, at + 2, 4)?;
    if (0xD800..0xDC00).contains(&high)
        && bytes.get(at + 6..at + 8) == Some(b"\\u")
        && let Some(low) = hex_at(bytes, at + 8, 4).filter(|l| (0xDC00..0xE000).contains(l))
    {
        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
        return Some((12, char_bytes(code)));
    }
    Some((6, char_bytes(high)))
}

/// The UTF-8 bytes of a code point (U+FFFD for a lone surrogate).
fn char_bytes(code: u32) -> Decoded {
    Decoded::char(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
}

/// Offsets of escapes worth decoding: `\u`, `\x`, `\"`, `\'` and `\/`. A line whose only
/// escapes are `\n` or `\\` reads the same to every rule, so it is not decoded for them alone.
pub fn candidates(bytes: &[u8], out: &mut Vec<usize>) {
    for at in memchr::memchr_iter(b'\\', bytes) {
        let strong = match bytes.get(at + 1) {
            Some(b'"' | b'\'' | b'/') => true,
            Some(b'u') => hex_at(bytes, at + 2, 4).is_some(),
            Some(b'x') => hex_at(bytes, at + 2, 2).is_some(),
            _ => false,
        };
        if strong {
            out.push(at);
        }
    }
}

/// Every escape of a line, decoded.
pub fn replacements(line: &[u8]) -> Vec<Replacement> {
    super::splice::replacements_at(line, b'\\', escape_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::decode::splice::Spliced;

    #[test]
    fn decodes_json_escapes() {
        let line = br#"{\"url\": \"https:\/\/x\u0041\uD83D\uDE00\"}"#;
        let spliced = Spliced::new(line, &replacements(line));
        assert_eq!(
            String::from_utf8(spliced.text).unwrap(),
            "{\"url\": \"https://xA\u{1F600}\"}"
        );
        let mut out = Vec::new();
        candidates(br"a\nb\\c", &mut out);
        assert!(out.is_empty());
    }
}
