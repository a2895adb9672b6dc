//! The decoding stage: secrets a plain scan cannot see because they are encoded (base64,
//! percent-encoding, JSON/JS string escapes, HTML/XML character references). Each decoder finds
//! its encoded pieces in one pass over the text; only lines holding a strong piece (one plain
//! text does not hold by chance) are decoded (each encoding on its own, the rest of the line
//! kept as context so name-based rules still apply), scanned with the same
//! engine, and, where decoded bytes belong to another encoded piece (base64 of percent-encoded
//! text, an escaped `/` inside a base64 value), decoded again up to [`MAX_DEPTH`] encodings
//! deep. A finding is placed on the encoded text and names its decoding; where the plain scan
//! reports the same text, the plain finding wins. Kubernetes Secret values are the one case
//! decoded by structure (`k8s.rs`). This module knows no rule: it hands text to [`Engine::scan`].

mod base64;
mod entities;
mod escapes;
mod k8s;
mod percent;
mod splice;

use std::ops::Range;

pub use k8s::decodes_path;
use splice::{Line, Spliced, at_marker};

use super::{Chunk, Placed};
use crate::engine::Engine;
use crate::engine::window::REACH;
use crate::finding::{self, Finding, LineOrigin};

/// How many encodings deep a secret is looked for (`base64` of `percent`-encoded text is two).
pub const MAX_DEPTH: usize = 2;

/// An encoding the stage undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decoding {
    /// Base64, standard or URL-safe alphabet, runs of 16+ characters decoding to text.
    Base64,
    /// `%XX` percent-encoding.
    Percent,
    /// JSON and JavaScript string escapes.
    JsonEscape,
    /// HTML and XML character references.
    HtmlEntity,
}

impl Decoding {
    /// Every decoding, in the order they are tried.
    pub const ALL: [Decoding; 4] = [
        Decoding::Base64,
        Decoding::Percent,
        Decoding::JsonEscape,
        Decoding::HtmlEntity,
    ];

    /// The name findings carry (`Finding::decoded`).
    pub fn name(self) -> &'static str {
        match self {
            Decoding::Base64 => "base64",
            Decoding::Percent => "percent",
            Decoding::JsonEscape => "json-escape",
            Decoding::HtmlEntity => "html-entity",
        }
    }

    /// The lines of `bytes` worth decoding under this decoding, with their encoded pieces.
    fn lines(self, bytes: &[u8]) -> Vec<Line> {
        match self {
            Decoding::Base64 => splice::lines(bytes, base64::pieces(bytes)),
            Decoding::Percent => splice::lines(bytes, at_marker(bytes, b'%', percent::piece_at)),
            Decoding::JsonEscape => {
                splice::lines(bytes, at_marker(bytes, b'\\', escapes::piece_at))
            }
            Decoding::HtmlEntity => {
                splice::lines(bytes, at_marker(bytes, b'&', entities::piece_at))
            }
        }
    }

    /// Whether `bytes` hold a strong piece whose span `wanted` accepts.
    fn any_strong(self, bytes: &[u8], wanted: impl Fn(Range<usize>) -> bool) -> bool {
        let strong_at =
            |(at, piece): (usize, splice::Encoded)| piece.strong && wanted(at..at + piece.len);
        match self {
            Decoding::Base64 => base64::pieces(bytes).any(strong_at),
            Decoding::Percent => at_marker(bytes, b'%', percent::piece_at).any(strong_at),
            Decoding::JsonEscape => at_marker(bytes, b'\\', escapes::piece_at).any(strong_at),
            Decoding::HtmlEntity => at_marker(bytes, b'&', entities::piece_at).any(strong_at),
        }
    }
}

/// What decoding found: placed findings, and the spans of encoded values whose decoded text is
/// authoritative (Kubernetes Secret values: their base64 text is not itself a secret).
#[derive(Default)]
pub struct Decoded {
    /// Findings in decoded text, placed on the encoded text.
    pub findings: Vec<Placed>,
    /// Spans whose plain findings give way to the decoded ones.
    pub encoded: Vec<Range<usize>>,
}

/// A match in decoded text, mapped back to the bytes it was decoded from.
struct Hit {
    rule: usize,
    /// The decoded secret.
    secret: Vec<u8>,
    /// The encoded span in the scanned bytes.
    span: Range<usize>,
    /// The decodings undone, outermost first.
    chain: Vec<Decoding>,
}

/// Findings in the encoded text of a chunk that the plain scan did not report: `plain` holds
/// the plain matches' secret spans, which win over a decoded finding of the same text.
pub fn scan_encoded(engine: &Engine, chunk: &Chunk<'_>, plain: &[Range<usize>]) -> Decoded {
    if engine.path_allowed(Some(chunk.path)) {
        return Decoded::default();
    }
    let mut out = kubernetes(engine, chunk);
    for hit in hits(engine, chunk.bytes, chunk.path, 0) {
        let overlaps = |s: &Range<usize>| s.start < hit.span.end && hit.span.start < s.end;
        if plain.iter().any(overlaps) || out.encoded.iter().any(overlaps) {
            continue;
        }
        let span = hit.span.clone();
        let name = hit
            .chain
            .iter()
            .map(|d| d.name())
            .collect::<Vec<_>>()
            .join("+");
        out.findings
            .push(place(engine, chunk, hit.rule, &hit.secret, span, name));
    }
    out
}

/// Matches in every decodable line of `bytes`, `depth` decodings deep already.
fn hits(engine: &Engine, bytes: &[u8], path: &str, depth: usize) -> Vec<Hit> {
    let mut found = Vec::new();
    if depth >= MAX_DEPTH {
        return found;
    }
    for decoding in Decoding::ALL {
        for line in decoding.lines(bytes) {
            decode_line(engine, bytes, &line, path, decoding, depth, &mut found);
        }
    }
    dedup(found)
}

/// Decodes one line under one decoding and collects what the engine finds in it (and, a level
/// deeper, in what it decodes to). A secret need not be encoded itself to be found only after
/// decoding (`password%3D%22value%22`); what the plain scan also reports is dropped later.
fn decode_line(
    engine: &Engine,
    bytes: &[u8],
    line: &Line,
    path: &str,
    decoding: Decoding,
    depth: usize,
    found: &mut Vec<Hit>,
) {
    let spliced = Spliced::new(&bytes[line.span.clone()], &line.replacements);
    let start = line.span.start;
    let shift = |r: Range<usize>| r.start + start..r.end + start;
    // Only windows holding decoded bytes can find what the scan before this one did not, and
    // only strong pieces change how a text reads to a rule: weak ones (`\n`, `%70`) are decoded
    // as context for the strong ones, whose windows see them.
    let strong: Vec<Range<usize>> = spliced.decoded_spans(true).collect();
    for m in engine.scan_changed(&spliced.text, Some(path), &strong) {
        found.push(Hit {
            rule: m.rule,
            secret: spliced.text[m.secret.clone()].to_vec(),
            span: shift(spliced.source_span(m.secret)),
            chain: vec![decoding],
        });
    }
    if depth + 1 >= MAX_DEPTH {
        return;
    }
    // One level deeper, only around decoded bytes that belong to another encoded piece, as far
    // as a window can reach either way.
    let mut regions: Vec<Range<usize>> = Vec::new();
    for span in (spliced.decoded_spans(false)).filter(|s| nested_at(&spliced.text, s)) {
        let region = span.start.saturating_sub(REACH)..(span.end + REACH).min(spliced.text.len());
        match regions.last_mut() {
            Some(last) if region.start <= last.end => last.end = region.end,
            _ => regions.push(region),
        }
    }
    for region in regions {
        for inner in hits(engine, &spliced.text[region.clone()], path, depth + 1) {
            let mut chain = vec![decoding];
            chain.extend(inner.chain);
            let span = inner.span.start + region.start..inner.span.end + region.start;
            found.push(Hit {
                span: shift(spliced.source_span(span)),
                chain,
                ..inner
            });
        }
    }
}

/// The longest encoded piece but a base64 run: a `\uXXXX\uXXXX` surrogate pair.
const LONGEST_PIECE: usize = 12;

/// Whether decoded bytes at `span` of a decoded line are part of an encoded piece, so that a
/// decoding one level deeper can find what this one did not: everything else in the line was
/// decoded from the original already. Checked around the span only: a minified line with
/// thousands of escapes is not read again whole for the few that hide a nested encoding.
fn nested_at(text: &[u8], span: &Range<usize>) -> bool {
    // Most decoded bytes of a minified line are quotes and line breaks (`\"`, `\n`), which no
    // piece holds but for a quote right after a backslash (`\"` read again): such a span is
    // passed without looking around it.
    let in_a_piece = |(i, &b): (usize, &u8)| match b {
        b'"' | b'\'' => (span.start + i)
            .checked_sub(1)
            .is_some_and(|p| text[p] == b'\\'),
        _ => base64::in_alphabet(b) || matches!(b, b'%' | b'\\' | b'&' | b'#' | b';' | b'='),
    };
    if !text[span.clone()].iter().enumerate().any(in_a_piece) {
        return false;
    }
    let overlaps = |from: usize| {
        move |piece: Range<usize>| from + piece.start < span.end && span.start < from + piece.end
    };
    // A base64 run touching decoded bytes holds one of them and lies within the alphabet bytes
    // around them. Most decoded bytes (a quote, a line break) are not in the alphabet.
    if text[span.clone()].iter().any(|&b| base64::in_alphabet(b)) {
        let mut start = span.start;
        while start > 0 && base64::in_alphabet(text[start - 1]) {
            start -= 1;
        }
        let mut end = span.end;
        while end < text.len() && base64::in_alphabet(text[end]) {
            end += 1;
        }
        if end - start >= base64::MIN_RUN
            && Decoding::Base64.any_strong(&text[start..end], overlaps(start))
        {
            return true;
        }
    }
    // Every other encoded piece starts with its marker byte.
    let near = span.start.saturating_sub(LONGEST_PIECE)..(span.end + LONGEST_PIECE).min(text.len());
    if memchr::memchr3(b'%', b'\\', b'&', &text[near.clone()]).is_none() {
        return false;
    }
    [
        Decoding::Percent,
        Decoding::JsonEscape,
        Decoding::HtmlEntity,
    ]
    .into_iter()
    .any(|decoding| decoding.any_strong(&text[near.clone()], overlaps(near.start)))
}

/// One hit per encoded span: the fewest decodings win, then the earliest.
fn dedup(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| (h.chain.len(), h.span.start));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        if !kept
            .iter()
            .any(|k| k.span.start < hit.span.end && hit.span.start < k.span.end)
        {
            kept.push(hit);
        }
    }
    kept.sort_by_key(|h| h.span.start);
    kept
}

/// Kubernetes Secret values, each scanned as `key: value`.
fn kubernetes(engine: &Engine, chunk: &Chunk<'_>) -> Decoded {
    let mut out = Decoded::default();
    for value in k8s::secret_values(chunk.path, chunk.bytes) {
        out.encoded.push(value.span.clone());
        let synthetic = format!(
            "{}: {}\n",
            value.key,
            String::from_utf8_lossy(&value.decoded)
        );
        for m in engine.scan(synthetic.as_bytes(), Some(chunk.path)) {
            let secret = &synthetic.as_bytes()[m.secret];
            let name = Decoding::Base64.name().to_owned();
            out.findings.push(place(
                engine,
                chunk,
                m.rule,
                secret,
                value.span.clone(),
                name,
            ));
        }
    }
    out
}

/// A finding of `rule` for a decoded `secret`, placed on the encoded `span` of the chunk.
fn place(
    engine: &Engine,
    chunk: &Chunk<'_>,
    rule: usize,
    secret: &[u8],
    span: Range<usize>,
    decoding: String,
) -> Placed {
    let mut finding: Finding = finding::locate(
        &engine.rules()[rule],
        0..secret.len(),
        secret,
        chunk.path,
        &LineOrigin::Identity,
        chunk.commit,
    );
    let at = finding::locate_span(chunk.bytes, span.clone(), chunk.origin);
    (
        finding.line,
        finding.column,
        finding.end_line,
        finding.end_column,
    ) = at;
    finding.decoded = Some(decoding);
    Placed {
        offset: span.start,
        finding,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_decoded_bytes_that_a_piece_can_hold_are_looked_around() {
        // Decoded text, and the span of one decoded byte in it.
        let nested = |text: &[u8], at: usize| nested_at(text, &(at..at + 1));
        assert!(!nested(b"x = \"a\" + y", 4), "a bare quote");
        assert!(!nested(b"a\nb %41", 1), "a line break, a piece further on");
        assert!(nested(b"p\\\"w", 2), "a quote escaped once more");
        assert!(nested(b"x %3D y", 2), "a percent sign that starts a piece");
        assert!(nested(b"x \\u0041 y", 2), "a backslash that starts a piece");
        assert!(!nested(b"x % y", 2), "a percent sign that starts none");
    }
}
