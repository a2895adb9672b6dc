//! Percent-encoding (`%3D`, `%2F`, as in URLs and form bodies): where it is, and what a line
//! decodes to.

use super::splice::Replacement;

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

/// Offsets of `%XX` sequences worth decoding: those that stand for a byte an encoder must
/// escape (punctuation, space, non-ASCII). `%02d` and other printf formats stand for control
/// bytes or letters and are not candidates.
pub fn candidates(bytes: &[u8], out: &mut Vec<usize>) {
    for at in memchr::memchr_iter(b'%', bytes) {
        if escape_at(bytes, at).is_some_and(|b| {
            b >= 0x80 || (b.is_ascii_graphic() || b == b' ') && !b.is_ascii_alphanumeric()
        }) {
            out.push(at);
        }
    }
}

/// Every `%XX` of a line, decoded.
pub fn replacements(line: &[u8]) -> Vec<Replacement> {
    memchr::memchr_iter(b'%', line)
        .filter_map(|at| {
            escape_at(line, at).map(|byte| Replacement {
                span: at..at + 3,
                bytes: vec![byte],
            })
        })
        .collect()
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
}
