//! HTML and XML character references (`&quot;`, `&amp;`, `&#61;`, `&#x3D;`): where they are, and
//! what a line decodes to.

use super::splice::{Decoded, Encoded};

/// Named references worth knowing: the five XML ones, and the space HTML editors insert.
const NAMED: [(&[u8], u8); 6] = [
    (b"quot", b'"'),
    (b"amp", b'&'),
    (b"lt", b'<'),
    (b"gt", b'>'),
    (b"apos", b'\''),
    (b"nbsp", b' '),
];

/// The longest reference body we read (`#x10FFFF`).
const MAX_BODY: usize = 8;

/// The reference starting with the `&` at `at`: its length and its bytes.
fn reference_at(bytes: &[u8], at: usize) -> Option<(usize, Decoded)> {
    let rest = &bytes[at + 1..bytes.len().min(at + 2 + MAX_BODY)];
    let semi = memchr::memchr(b';', rest)?;
    let body = &rest[..semi];
    let code = match body {
        [b'#', b'x' | b'X', hex @ ..] if !hex.is_empty() => {
            u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?
        }
        [b'#', dec @ ..] if !dec.is_empty() && dec.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(dec).ok()?.parse().ok()?
        }
        name => u32::from(NAMED.iter().find(|(n, _)| *n == name)?.1),
    };
    let c = char::from_u32(code).filter(|&c| c != '\0')?;
    Some((semi + 2, Decoded::char(c)))
}

/// The character reference at the `&` at `at`; every one is strong.
pub fn piece_at(bytes: &[u8], at: usize) -> Option<Encoded> {
    // `&&`, `&self`, `&mut`: most ampersands in code cannot start a reference we decode.
    if !matches!(
        bytes.get(at + 1),
        Some(b'#' | b'q' | b'a' | b'l' | b'g' | b'n')
    ) {
        return None;
    }
    let (len, decoded) = reference_at(bytes, at)?;
    Some(Encoded {
        len,
        bytes: decoded,
        strong: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::decode::splice::{Spliced, at_marker, lines};

    #[test]
    fn decodes_references() {
        let line = b"a&quot;b&#61;c&#x3D;d&amp;&bogus;&&";
        let found = lines(line, at_marker(line, b'&', piece_at));
        let spliced = Spliced::new(line, &found[0].replacements);
        assert_eq!(spliced.text, b"a\"b=c=d&&bogus;&&");
    }
}
