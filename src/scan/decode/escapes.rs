//! JSON and JavaScript string escapes (`\u0041`, `\x41`, `\"`, `\/`, `\n`): where they are, and
//! what a line decodes to. A JSON document stored as a string, or a URL written `https:\/\/`,
//! hides its secrets from patterns written for the plain text.

use super::percent::hex_value;
use super::splice::{Decoded, Encoded};

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

/// The escape at the backslash at `at`. `\u`, `\x`, `\"`, `\'` and `\/` are strong; a line whose
/// only escapes are `\n` or `\\` reads the same to every rule, so they alone do not make it
/// worth decoding.
pub fn piece_at(bytes: &[u8], at: usize) -> Option<Encoded> {
    let (len, decoded) = escape_at(bytes, at)?;
    Some(Encoded {
        len,
        bytes: decoded,
        strong: matches!(bytes[at + 1], b'u' | b'x' | b'"' | b'\'' | b'/'),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::decode::splice::{Spliced, at_marker, lines};

    #[test]
    fn decodes_json_escapes() {
        let line = br#"{\"url\": \"https:\/\/x\u0041\uD83D\uDE00\"}"#;
        let found = lines(line, at_marker(line, b'\\', piece_at));
        let spliced = Spliced::new(line, &found[0].replacements);
        assert_eq!(
            String::from_utf8(spliced.text).unwrap(),
            "{\"url\": \"https://xA\u{1F600}\"}"
        );
        let weak = br"a\nb\\c";
        assert!(lines(weak, at_marker(weak, b'\\', piece_at)).is_empty());
    }
}
