//! Base64 (standard and URL-safe alphabets): runs of 16 or more alphabet characters that decode
//! to mostly printable text. Finding them is the one decoding cost paid on every byte, so bytes
//! are classified 64 at a time into bit masks (see [`runs`]).

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use wide::u8x16;

use super::splice::{Decoded, Encoded};

/// The shortest run worth decoding (12 decoded bytes).
pub const MIN_RUN: usize = 16;
// `runs` marks MIN_RUN bytes in a row by four doubling shifts.
const _: () = assert!(MIN_RUN == 16);

/// Runs longer than this are data (images, archives), not encoded text.
const MAX_RUN: usize = 64 * 1024;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

/// Whether `b` belongs to either alphabet (padding aside); [`mask_of_16`] asks the same of
/// sixteen bytes at once.
#[inline]
// Bitwise on purpose: no branches, so the classifying loop vectorizes.
#[allow(clippy::needless_bitwise_bool)]
pub fn in_alphabet(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'+') | (b == b'/') | (b == b'-') | (b == b'_')
}

/// One bit per byte of a 64-byte block: set where the byte is in the alphabet. Sixteen bytes
/// at a time by vector compares, each sixteen flags gathered into bits by one `pmovmskb`
/// (`wide` picks the instructions the target has, plain code where it has none).
#[inline]
fn mask_of(block: &[u8; 64]) -> u64 {
    let mut mask = 0u64;
    for (i, sixteen) in block.chunks_exact(16).enumerate() {
        let sixteen: [u8; 16] = sixteen.try_into().expect("16 bytes");
        mask |= u64::from(mask_of_16(u8x16::from(sixteen))) << (16 * i);
    }
    mask
}

/// [`in_alphabet`] for sixteen bytes, as the low sixteen bits.
#[inline]
fn mask_of_16(v: u8x16) -> u32 {
    // `x <= limit` unsigned, as min(x, limit) == x.
    let at_most = |x: u8x16, limit: u8| x.min(u8x16::splat(limit)).simd_eq(x);
    let letter = at_most((v | u8x16::splat(0x20)) - u8x16::splat(b'a'), 25);
    let digit = at_most(v - u8x16::splat(b'0'), 9);
    let special = [b'+', b'/', b'-', b'_'].map(|c| v.simd_eq(u8x16::splat(c)));
    (letter | digit | special[0] | special[1] | special[2] | special[3]).to_bitmask()
}

/// The alphabet mask of the 64 bytes from `at` (bytes past the end count as outside).
fn mask_at(bytes: &[u8], at: usize) -> u64 {
    if let Some(block) = bytes.get(at..at + 64) {
        return mask_of(block.try_into().expect("64 bytes"));
    }
    tail_mask(bytes.get(at..).unwrap_or_default())
}

/// [`mask_at`] for the last bytes of a text, fewer than 64 (kept out of line so that the
/// whole-block path stays small where it is inlined).
#[inline(never)]
fn tail_mask(tail: &[u8]) -> u64 {
    // Zero is outside the alphabet: the padding adds no bits.
    let mut block = [0u8; 64];
    block[..tail.len()].copy_from_slice(tail);
    mask_of(&block)
}

/// Spans of alphabet runs of at least [`MIN_RUN`] characters (trailing `=` padding included).
/// Finding them is paid on every byte, so bytes are classified 64 at a time into a bit mask,
/// and a few shifts mark every position that starts [`MIN_RUN`] alphabet bytes in a row.
pub fn runs(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    // Positions before this are inside a run already reported.
    let mut free = 0;
    let mut base = 0;
    let mut current = mask_at(bytes, 0);
    while base < bytes.len() {
        let following = mask_at(bytes, base + 64);
        // Bit i of `starts`: bytes base+i .. base+i+MIN_RUN are all in the alphabet (the next
        // block's bits let a run cross the block's end); four shifts make sixteen.
        let raw = u128::from(current) | (u128::from(following) << 64);
        let mut wide = raw;
        wide &= wide >> 1;
        wide &= wide >> 2;
        wide &= wide >> 4;
        wide &= wide >> 8;
        let mut starts = wide as u64 & not_before(free, base);
        while starts != 0 {
            // The first start bit is the run's first byte: a run reaching further back would
            // have set the bit before it, here or in the block before.
            let first = starts.trailing_zeros() as usize;
            let start = base + first;
            // Most runs end within the two blocks at hand.
            let ones = (raw >> first).trailing_ones() as usize;
            let mut end = if first + ones < 128 {
                base + first + ones
            } else {
                run_end(bytes, base + 128)
            };
            while end < bytes.len() && bytes[end] == b'=' && end - start < MAX_RUN {
                end += 1;
            }
            out.push(start..end);
            free = end;
            starts &= not_before(free, base);
        }
        // A long run is passed whole, not block by block.
        let next = if free > base + 64 {
            free & !63
        } else {
            base + 64
        };
        current = if next == base + 64 {
            following
        } else {
            mask_at(bytes, next)
        };
        base = next;
    }
    out
}

/// Where the alphabet run going on at `at` ends, found 64 bytes at a time.
fn run_end(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() {
        let ones = mask_at(bytes, at).trailing_ones() as usize;
        if ones < 64 {
            return (at + ones).min(bytes.len());
        }
        at += 64;
    }
    bytes.len()
}

/// The bits of a block starting at `base` that stand for positions at or after `free`.
fn not_before(free: usize, base: usize) -> u64 {
    match free.saturating_sub(base) {
        0 => u64::MAX,
        skip if skip >= 64 => 0,
        skip => u64::MAX << skip,
    }
}

/// The alphabet runs of `bytes` that decode to text, decoded: every one is strong.
pub fn pieces(bytes: &[u8]) -> impl Iterator<Item = (usize, Encoded)> + '_ {
    runs(bytes).into_iter().filter_map(|run| {
        let decoded = decode_run(&bytes[run.clone()])?;
        let piece = Encoded {
            len: run.len(),
            bytes: Decoded::Run(decoded),
            strong: true,
        };
        Some((run.start, piece))
    })
}

/// Whether a run can be base64 of mostly ASCII text, judged without decoding: the first
/// character of each 4-character group carries the top six bits of a byte, which for ASCII
/// (below 0x80) is an index under 32, that is `A`-`Z` or `a`-`f`. Identifiers and hex digests
/// fail this for most groups, so they are rejected before any decoding.
fn leads_look_ascii(body: &[u8]) -> bool {
    let groups = body.len().div_ceil(4);
    // At most a tenth of the groups may fail; stop at the first failure past that.
    let mut failed = 0;
    for &lead in body.iter().step_by(4) {
        if !(lead.is_ascii_uppercase() || (b'a'..=b'f').contains(&lead)) {
            failed += 1;
            if failed * 10 > groups {
                return false;
            }
        }
    }
    true
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte-at-a-time search the mask search replaced: every run of [`MIN_RUN`] or more.
    fn runs_by_bytes(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            if !in_alphabet(bytes[at]) {
                at += 1;
                continue;
            }
            let start = at;
            while at < bytes.len() && in_alphabet(bytes[at]) {
                at += 1;
            }
            if at - start >= MIN_RUN {
                while at < bytes.len() && bytes[at] == b'=' && at - start < MAX_RUN {
                    at += 1;
                }
                out.push(start..at);
            }
        }
        out
    }

    #[test]
    fn the_mask_search_finds_every_run() {
        // Runs of every length around MIN_RUN, at every offset across block ends.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut text = Vec::new();
        for i in 0..4000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = (state % 40) as usize;
            text.extend((0..len).map(|j| b"aZ09+/-_"[(j + i) % 8]));
            text.extend_from_slice([&b" "[..], b"==", b"\n", b"=:"][(state >> 8) as usize % 4]);
        }
        for cut in [0, 1, 63, 64, 65, 1000] {
            let bytes = &text[..text.len() - cut];
            assert_eq!(runs(bytes), runs_by_bytes(bytes), "cut {cut}");
        }
        assert!(runs(&text).len() > 1000);
    }

    #[test]
    fn the_block_mask_classifies_every_byte_as_in_alphabet_does() {
        let bytes: Vec<u8> = (0..=255).collect();
        for block in bytes.chunks_exact(64) {
            let want = (block.iter().enumerate())
                .fold(0u64, |m, (i, &b)| m | u64::from(in_alphabet(b)) << i);
            assert_eq!(mask_of(block.try_into().unwrap()), want);
        }
        let alphabet = bytes.iter().filter(|&&b| in_alphabet(b)).count();
        assert_eq!(alphabet, 66);
    }

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
