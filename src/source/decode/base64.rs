//! Base64 (standard and URL-safe alphabets): runs of 16 or more alphabet characters that decode
//! to mostly printable text. Finding them is the one decoding cost paid on every byte, so runs
//! are found by sampling every 16th byte: a run that long always covers a sampled byte.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;

use super::splice::Replacement;

/// The shortest run worth decoding (12 decoded bytes).
pub const MIN_RUN: usize = 16;

/// Runs longer than this are data (images, archives), not encoded text.
const MAX_RUN: usize = 64 * 1024;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Whether a byte belongs to either alphabet (padding aside).
fn is_alphabet(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'+' | b'/' | b'-' | b'_')
}

/// Spans of alphabet runs of at least [`MIN_RUN`] characters (trailing `=` padding included).
pub fn runs(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut at = MIN_RUN - 1;
    while at < bytes.len() {
        if !is_alphabet(bytes[at]) {
            at += MIN_RUN;
            continue;
        }
        let start = bytes[..at]
            .iter()
            .rposition(|&b| !is_alphabet(b))
            .map_or(0, |i| i + 1);
        let mut end = bytes[at..]
            .iter()
            .position(|&b| !is_alphabet(b))
            .map_or(bytes.len(), |i| at + i);
        if end - start >= MIN_RUN {
            while end < bytes.len() && end - start < MIN_RUN * 4096 && bytes[end] == b'=' {
                end += 1;
            }
            out.push(start..end);
        }
        at = end + MIN_RUN;
    }
    out
}

/// Offsets of alphabet runs long enough to decode (whether they decode is checked per line).
pub fn candidates(bytes: &[u8], out: &mut Vec<usize>) {
    out.extend(runs(bytes).into_iter().map(|r| r.start));
}

/// The text a run decodes to, when it is mostly printable: valid UTF-8 or at least 90%
/// printable ASCII, and no control bytes but whitespace.
pub fn decode_run(run: &[u8]) -> Option<Vec<u8>> {
    let body = run.strip_suffix(b"==").or_else(|| run.strip_suffix(b"=")).unwrap_or(run);
    if body.len() > MAX_RUN || body.len() % 4 == 1 {
        return None;
    }
    let url = body.iter().any(|&b| b == b'-' || b == b'_');
    if url && body.iter().any(|&b| b == b'+' || b == b'/') {
        return None;
    }
    let engine = if url { URL_SAFE } else { STANDARD };
    let decoded = engine.decode(body).ok()?;
    printable(&decoded).then_some(decoded)
}

/// Whether decoded bytes read as text.
fn printable(bytes: &[u8]) -> bool {
    if bytes.iter().any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7F) {
        return false;
    }
    let ascii = bytes.iter().filter(|b| b.is_ascii()).count();
    ascii * 10 >= bytes.len() * 9 || std::str::from_utf8(bytes).is_ok()
}

/// Every run of a line that decodes to text, decoded.
pub fn replacements(line: &[u8]) -> Vec<Replacement> {
    runs(line)
        .into_iter()
        .filter_map(|span| {
            decode_run(&line[span.clone()]).map(|bytes| Replacement { span, bytes })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_runs_at_any_alignment() {
        for pad in 0..20 {
            let text = format!("{}:aGVsbG8gd29ybGQgaGVsbG8= x", " ".repeat(pad));
            let runs = runs(text.as_bytes());
            assert_eq!(runs.len(), 1, "pad {pad}");
            assert_eq!(&text[runs[0].clone()], "aGVsbG8gd29ybGQgaGVsbG8=");
        }
    }

    #[test]
    fn only_text_decodes() {
        assert_eq!(decode_run(b"aGVsbG8gd29ybGQgaGVsbG8=").unwrap(), b"hello world hello");
        assert!(decode_run(b"ThisIsAnIdentifierName").is_none());
        assert!(decode_run(b"0123456789abcdef0123456789abcdef").is_none());
    }
}
