//! Spliced text: a line with its encoded pieces replaced by their decoded bytes, and the map
//! back from a span of the spliced text to the span of the original it came from. Knows nothing
//! of any encoding.

use std::ops::Range;

/// One encoded piece of a line and what it decodes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    /// The encoded bytes' span in the line.
    pub span: Range<usize>,
    /// The decoded bytes (never empty).
    pub bytes: Decoded,
}

/// Decoded bytes: one character (an escape, an entity, a percent sequence) held inline, so the
/// thousands of escapes in a minified line cost no allocation each; longer runs on the heap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// Up to four bytes: the length and the bytes.
    Char(u8, [u8; 4]),
    /// A longer run (base64).
    Run(Vec<u8>),
}

impl Decoded {
    /// One byte.
    pub fn byte(b: u8) -> Decoded {
        Decoded::Char(1, [b, 0, 0, 0])
    }

    /// The UTF-8 bytes of a character.
    pub fn char(c: char) -> Decoded {
        let mut buf = [0; 4];
        let len = c.encode_utf8(&mut buf).len();
        Decoded::Char(len as u8, buf)
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        match self {
            Decoded::Char(len, buf) => &buf[..usize::from(*len)],
            Decoded::Run(bytes) => bytes,
        }
    }
}

/// A run of spliced bytes and where it came from.
#[derive(Debug)]
struct Piece {
    /// Where the piece starts in the spliced text.
    at: usize,
    /// Its span in the original.
    source: Range<usize>,
    /// A copy of the original (byte for byte), not a decoded replacement.
    literal: bool,
}

/// The original with every replacement applied.
#[derive(Debug)]
pub struct Spliced {
    /// The spliced bytes, to scan.
    pub text: Vec<u8>,
    pieces: Vec<Piece>,
}

impl Spliced {
    /// Applies `replacements` (sorted, not overlapping, each non-empty) to `original`.
    pub fn new(original: &[u8], replacements: &[Replacement]) -> Spliced {
        let mut out = Spliced {
            text: Vec::with_capacity(original.len()),
            pieces: Vec::with_capacity(replacements.len() * 2 + 1),
        };
        let mut copied = 0;
        for r in replacements {
            out.push(&original[copied..r.span.start], copied..r.span.start, true);
            out.push(r.bytes.as_slice(), r.span.clone(), false);
            copied = r.span.end;
        }
        out.push(&original[copied..], copied..original.len(), true);
        out
    }

    /// The spans of the spliced text that hold decoded bytes, in order.
    pub fn decoded_spans(&self) -> Vec<Range<usize>> {
        let ends = self.pieces.iter().skip(1).map(|p| p.at);
        self.pieces
            .iter()
            .zip(ends.chain([self.text.len()]))
            .filter(|(piece, _)| !piece.literal)
            .map(|(piece, end)| piece.at..end)
            .collect()
    }

    fn push(&mut self, bytes: &[u8], source: Range<usize>, literal: bool) {
        if bytes.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            at: self.text.len(),
            source,
            literal,
        });
        self.text.extend_from_slice(bytes);
    }

    /// The original span of a non-empty span of the spliced text: copied bytes map one to one,
    /// a decoded piece to its whole encoded span.
    pub fn source_span(&self, span: Range<usize>) -> Range<usize> {
        let first = self.piece_at(span.start);
        let last = self.piece_at(span.end.max(span.start + 1) - 1);
        let start = self.map(first, span.start, false);
        let end = self.map(last, span.end.max(span.start + 1) - 1, true);
        start..end
    }

    fn piece_at(&self, offset: usize) -> usize {
        self.pieces
            .partition_point(|p| p.at <= offset)
            .saturating_sub(1)
    }

    /// The original offset of spliced byte `offset` in piece `index` (just past it for `end`).
    fn map(&self, index: usize, offset: usize, end: bool) -> usize {
        let piece = &self.pieces[index];
        match (piece.literal, end) {
            (true, _) => piece.source.start + (offset - piece.at) + usize::from(end),
            (false, false) => piece.source.start,
            (false, true) => piece.source.end,
        }
    }
}

/// Every encoding in a line that starts at a `marker` byte and that `decode_at` reads (its
/// length and decoded bytes), left to right without overlaps: the scan shared by the escape,
/// entity and percent decoders.
pub fn replacements_at(
    line: &[u8],
    marker: u8,
    decode_at: impl Fn(&[u8], usize) -> Option<(usize, Decoded)>,
) -> Vec<Replacement> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = memchr::memchr(marker, &line[at..]) {
        let start = at + found;
        match decode_at(line, start) {
            Some((len, bytes)) => {
                out.push(Replacement {
                    span: start..start + len,
                    bytes,
                });
                at = start + len;
            }
            None => at = start + 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_spans_back_through_replacements() {
        let original = b"a=%41%42;c";
        let reps = [
            Replacement {
                span: 2..5,
                bytes: Decoded::byte(b'A'),
            },
            Replacement {
                span: 5..8,
                bytes: Decoded::byte(b'B'),
            },
        ];
        let s = Spliced::new(original, &reps);
        assert_eq!(s.text, b"a=AB;c");
        assert_eq!(s.source_span(2..4), 2..8);
        assert_eq!(s.source_span(0..2), 0..2);
        assert_eq!(s.source_span(3..6), 5..10);
        assert_eq!(s.decoded_spans(), vec![2..3, 3..4]);
    }
}
