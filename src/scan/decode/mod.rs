//! The decoding stage: secrets a plain scan cannot see because they are encoded (base64,
//! percent-encoding, JSON/JS string escapes, HTML/XML character references). Candidate encoded
//! text is found cheaply; only lines holding a candidate are decoded (each encoding on its own,
//! the rest of the line kept as context so name-based rules still apply), scanned with the same
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
use splice::{Replacement, Spliced};

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

    fn candidates(self, bytes: &[u8], out: &mut Vec<usize>) {
        match self {
            Decoding::Base64 => base64::candidates(bytes, out),
            Decoding::Percent => percent::candidates(bytes, out),
            Decoding::JsonEscape => escapes::candidates(bytes, out),
            Decoding::HtmlEntity => entities::candidates(bytes, out),
        }
    }

    fn replacements(self, line: &[u8]) -> Vec<Replacement> {
        match self {
            Decoding::Base64 => base64::replacements(line),
            Decoding::Percent => percent::replacements(line),
            Decoding::JsonEscape => escapes::replacements(line),
            Decoding::HtmlEntity => entities::replacements(line),
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
    let mut offsets = Vec::new();
    for decoding in Decoding::ALL {
        offsets.clear();
        decoding.candidates(bytes, &mut offsets);
        offsets.sort_unstable();
        for line in lines_of(bytes, &offsets) {
            decode_line(engine, bytes, line, path, decoding, depth, &mut found);
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
    line: Range<usize>,
    path: &str,
    decoding: Decoding,
    depth: usize,
    found: &mut Vec<Hit>,
) {
    let original = &bytes[line.clone()];
    let replacements = decoding.replacements(original);
    if replacements.is_empty() {
        return;
    }
    let spliced = Spliced::new(original, &replacements);
    let shift = |r: Range<usize>| r.start + line.start..r.end + line.start;
    // Only windows holding decoded bytes can find what the scan before this one did not.
    let decoded = spliced.decoded_spans();
    for m in engine.scan_changed(&spliced.text, Some(path), &decoded) {
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
    for span in decoded.iter().filter(|s| nested_at(&spliced.text, s)) {
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
    // A base64 run touching decoded bytes lies within the alphabet bytes around them.
    let mut start = span.start;
    while start > 0 && base64::in_alphabet(text[start - 1]) {
        start -= 1;
    }
    let mut end = span.end;
    while end < text.len() && base64::in_alphabet(text[end]) {
        end += 1;
    }
    let run_nested = base64::runs(&text[start..end]).into_iter().any(|run| {
        let run = run.start + start..run.end + start;
        run.start < span.end && span.start < run.end && base64::decode_run(&text[run]).is_some()
    });
    if run_nested {
        return true;
    }
    let near = span.start.saturating_sub(LONGEST_PIECE)..(span.end + LONGEST_PIECE).min(text.len());
    let mut offsets = Vec::new();
    [
        Decoding::Percent,
        Decoding::JsonEscape,
        Decoding::HtmlEntity,
    ]
    .into_iter()
    .any(|decoding| {
        offsets.clear();
        decoding.candidates(&text[near.clone()], &mut offsets);
        offsets.iter().any(|&at| {
            let at = near.start + at;
            at < span.end && at + LONGEST_PIECE > span.start
        })
    })
}

/// The lines (without their line break) holding the sorted `offsets`, each once.
fn lines_of(bytes: &[u8], offsets: &[usize]) -> Vec<Range<usize>> {
    let mut lines: Vec<Range<usize>> = Vec::new();
    for &at in offsets {
        if lines.last().is_some_and(|l| at <= l.end) {
            continue;
        }
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        lines.push(start..end);
    }
    lines
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
