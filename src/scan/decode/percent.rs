//! Percent-encoding (`%3D`, `%2F`, as in URLs and form bodies): where it is, and what a line
//! decodes to.

use super::splice::{Decoded, Replacement};

/// The value of a hex digit.
pub fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// The byte of the `%XX` at `at`, if there is one.
fn escape_at(bytes: &[u8], at: usize) -> Option<u8> {
    match bytes.get(at..at + 3)? {
        [b'%', hi, lo] => Some(hex_value(*hi)? << 4 | hex_value(*lo)?),
        _ => None,
    }
}

/// The text a `%XX` sequence at `at` stands for, when an encoder would have written it: ASCII
/// punctuation or a space, or a whole UTF-8 character spelled as consecutive escapes
/// (`%C3%A9`). `%02d` and other printf formats (control bytes, letters) and batch variables
/// such as `%ADMIN_PASS%` (a lone non-ASCII byte) are not encodings. Returns (length, bytes).
fn decoded_at(bytes: &[u8], at: usize, any_ascii: bool) -> Option<(usize, Decoded)> {
    let first = escape_at(bytes, at)?;
    if first < 0x80 {
        let wanted = any_ascii
            || (first.is_ascii_graphic() || first == b' ') && !first.is_ascii_alphanumeric();
        return wanted.then(|| (3, Decoded::byte(first)));
    }
    let len = match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut out = [first, 0, 0, 0];
    for (i, slot) in out.iter_mut().enumerate().take(len).skip(1) {
        *slot = escape_at(bytes, at + 3 * i).filter(|b| (0x80..0xC0).contains(b))?;
    }
    std::str::from_utf8(&out[..len]).ok()?;
    Some((3 * len, Decoded::Char(len as u8, out)))
}

/// Offsets of `%XX` sequences worth decoding (see `decoded_at`).
pub fn candidates(bytes: &[u8], out: &mut Vec<usize>) {
    for at in memchr::memchr_iter(b'%', bytes) {
        if decoded_at(bytes, at, false).is_some() {
            out.push(at);
        }
    }
}

/// Every encoding of a line, decoded: once a line holds a real encoding, an encoded letter
/// (`%70`) is decoded too (some encoders escape every byte); a lone non-ASCII byte is not.
pub fn replacements(line: &[u8]) -> Vec<Replacement> {
    super::splice::replacements_at(line, b'%', |line, at| decoded_at(line, at, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_formats_are_not_candidates() {
        let mut out = Vec::new();
        candidates(b"printf(\"%02d %s\", x) pass%3Dword", &mut out);
        assert_eq!(out, vec![25]);
        assert_eq!(replacements(b"a%3Db").len(), 1);
    }

    #[test]
    fn batch_variables_and_lone_high_bytes_are_not_encodings() {
        let mut out = Vec::new();
        candidates(b"psexec -p %ADMIN_PASS% cmd", &mut out);
        assert!(out.is_empty());
        let r = replacements(b"caf%C3%A9 %ADMIN% x%3Dy %70");
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].bytes.as_slice(), "é".as_bytes());
        assert_eq!(r[1].bytes.as_slice(), b"=");
        assert_eq!(r[2].bytes.as_slice(), b"p");
    }
}
