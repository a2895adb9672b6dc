//! Percent-encoding (`%3D`, `%2F`, as in URLs and form bodies): where it is, and what a line
//! decodes to.

use super::splice::{Decoded, Encoded};

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

/// The `%XX` sequence at `at` and the text it stands for. Strong when an encoder would have
/// written it: ASCII punctuation or a space, or a whole UTF-8 character spelled as consecutive
/// escapes (`%C3%A9`). An encoded letter or digit (`%70`) is weak: some encoders escape every
/// byte, so it is decoded in a line that holds a real encoding, and so is a control byte; but
/// `%02d` and other printf formats alone do not make a line worth decoding. A lone non-ASCII
/// byte (batch variables such as `%ADMIN_PASS%`) is not an encoding at all.
pub fn piece_at(bytes: &[u8], at: usize) -> Option<Encoded> {
    let first = escape_at(bytes, at)?;
    if first < 0x80 {
        let strong = (first.is_ascii_graphic() || first == b' ') && !first.is_ascii_alphanumeric();
        return Some(Encoded {
            len: 3,
            bytes: Decoded::byte(first),
            strong,
        });
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
    Some(Encoded {
        len: 3 * len,
        bytes: Decoded::Char(len as u8, out),
        strong: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::decode::splice::{at_marker, lines};

    /// Offsets of the strong pieces of `text`.
    fn strong(text: &[u8]) -> Vec<usize> {
        at_marker(text, b'%', piece_at)
            .filter(|(_, piece)| piece.strong)
            .map(|(at, _)| at)
            .collect()
    }

    #[test]
    fn printf_formats_are_not_strong() {
        assert_eq!(strong(b"printf(\"%02d %s\", x) pass%3Dword"), vec![25]);
        let line = b"a%3Db";
        assert_eq!(
            lines(line, at_marker(line, b'%', piece_at))[0]
                .replacements
                .len(),
            1
        );
    }

    #[test]
    fn batch_variables_and_lone_high_bytes_are_not_encodings() {
        assert!(strong(b"psexec -p %ADMIN_PASS% cmd").is_empty());
        let line = b"caf%C3%A9 %ADMIN% x%3Dy %70";
        let found = lines(line, at_marker(line, b'%', piece_at));
        let r = &found[0].replacements;
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].bytes.as_slice(), "é".as_bytes());
        assert_eq!(r[1].bytes.as_slice(), b"=");
        assert_eq!(r[2].bytes.as_slice(), b"p");
    }
}
