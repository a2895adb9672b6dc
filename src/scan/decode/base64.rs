//! Base64 (standard and URL-safe alphabets): runs of 16 or more alphabet characters that decode
//! to mostly printable text. Finding them is the one decoding cost paid on every byte, so runs
//! are found by sampling every 16th byte: a run that long always covers a sampled byte.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

use super::splice::{Decoded, Replacement};

/// The shortest run worth decoding (12 decoded bytes).
pub const MIN_RUN: usize = 16;

/// Runs longer than this are data (images, archives), not encoded text.
const MAX_RUN: usize = 64 * 1024;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Which bytes belong to either alphabet (padding aside): one lookup per byte.
const ALPHABET: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        i += 1;
    }
    table
};

/// Spans of alphabet runs of at least [`MIN_RUN`] characters (trailing `=` padding included).
pub fn runs(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let alphabet = |i: usize| ALPHABET[usize::from(bytes[i])];
    let mut out = Vec::new();
    let mut at = MIN_RUN - 1;
    while at < bytes.len() {
        if !alphabet(at) {
            at += MIN_RUN;
            continue;
        }
        let mut end = at + 1;
        while end < bytes.len() && alphabet(end) {
            end += 1;
        }
        // Look back only as far as a run of MIN_RUN needs; most words stop well before.
        let need = MIN_RUN.saturating_sub(end - at);
        if (at - need..at).all(alphabet) {
            let mut start = at - need;
            while start > 0 && alphabet(start - 1) {
                start -= 1;
            }
            while end < bytes.len() && bytes[end] == b'=' && end - start < MAX_RUN {
                end += 1;
            }
            out.push(start..end);
        }
        at = end + MIN_RUN;
    }
    out
}

/// Offsets of alphabet runs that decode to text.
pub fn candidates(bytes: &[u8], out: &mut Vec<usize>) {
    out.extend(
        runs(bytes)
            .into_iter()
            .filter(|r| decode_run(&bytes[r.clone()]).is_some())
            .map(|r| r.start),
    );
}

/// Whether a run can be base64 of mostly ASCII text, judged without decoding: the first
/// character of each 4-character group carries the top six bits of a byte, which for ASCII
/// (below 0x80) is an index under 32, that is `A`-`Z` or `a`-`f`. Identifiers and hex digests
/// fail this for most groups, so they are rejected before any decoding.
fn leads_look_ascii(body: &[u8]) -> bool {
    let groups = body.len().div_ceil(4);
    let ascii = body
        .iter()
        .step_by(4)
        .filter(|&&b| b.is_ascii_uppercase() || (b'a'..=b'f').contains(&b))
        .count();
    ascii * 10 >= groups * 9
}

/// The text a run decodes to, when it reads as text: mostly ASCII (see `leads_look_ascii`),
/// valid UTF-8, and no control bytes but whitespace.
pub fn decode_run(run: &[u8]) -> Option<Vec<u8>> {
    let body = run
        .strip_suffix(b"==")
        .or_else(|| run.strip_suffix(b"="))
        .unwrap_or(run);
    if body.len() > MAX_RUN || body.len() % 4 == 1 {
        return None;
    }
    if !leads_look_ascii(body) {
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
    if bytes
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r') || b == 0x7F)
    {
        return false;
    }
    std::str::from_utf8(bytes).is_ok()
}

/// Every run of a line that decodes to text, decoded.
pub fn replacements(line: &[u8]) -> Vec<Replacement> {
    runs(line)
        .into_iter()
        .filter_map(|span| {
            decode_run(&line[span.clone()]).map(|bytes| Replacement {
                span,
                bytes: Decoded::Run(bytes),
            })
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
        assert_eq!(
            decode_run(b"aGVsbG8gd29ybGQgaGVsbG8=").unwrap(),
            b"hello world hello"
        );
        assert!(decode_run(b"ThisIsAnIdentifierName").is_none());
        assert!(decode_run(b"0123456789abcdef0123456789abcdef").is_none());
    }
}
