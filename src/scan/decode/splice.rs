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
    /// Whether the piece is strong (see [`Encoded`]).
    pub strong: bool,
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
    /// `None` for a copy of the original (byte for byte), else a decoded replacement and
    /// whether it is strong.
    decoded: Option<bool>,
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
            let before = copied..r.span.start;
            out.push(&original[before.clone()], before, None);
            out.push(r.bytes.as_slice(), r.span.clone(), Some(r.strong));
            copied = r.span.end;
        }
        out.push(&original[copied..], copied..original.len(), None);
        out
    }

    /// The spans of the spliced text that hold decoded bytes, in order: every piece's, or
    /// (`strong_only`) the strong pieces' only.
    pub fn decoded_spans(&self, strong_only: bool) -> impl Iterator<Item = Range<usize>> + '_ {
        let ends = self.pieces.iter().skip(1).map(|p| p.at);
        self.pieces
            .iter()
            .zip(ends.chain([self.text.len()]))
            .filter(move |(piece, _)| piece.decoded.is_some_and(|strong| strong || !strong_only))
            .map(|(piece, end)| piece.at..end)
    }

    /// Appends `bytes` from `source`: a copy of the original, or a decoded piece and whether it
    /// is strong.
    fn push(&mut self, bytes: &[u8], source: Range<usize>, decoded: Option<bool>) {
        if bytes.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            at: self.text.len(),
            source,
            decoded,
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
        match (piece.decoded, end) {
            (None, _) => piece.source.start + (offset - piece.at) + usize::from(end),
            (Some(_), false) => piece.source.start,
            (Some(_), true) => piece.source.end,
        }
    }
}

/// An encoded piece: its length, what it decodes to, and whether it is strong, an encoding that
/// plain text does not hold by chance (`\u0041`, `%3D`, a base64 run), which makes its line
/// worth decoding; weak pieces (`\n`, `%70`) are decoded only in such a line.
#[derive(Debug)]
pub struct Encoded {
    /// Length of the encoded bytes.
    pub len: usize,
    /// The decoded bytes.
    pub bytes: Decoded,
    /// Whether it makes its line worth decoding.
    pub strong: bool,
}

/// A line worth decoding: its span in the text (without the line break) and its encoded
/// pieces, their spans relative to the line.
#[derive(Debug)]
pub struct Line {
    /// The line's span.
    pub span: Range<usize>,
    /// Its pieces, in order.
    pub replacements: Vec<Replacement>,
}

/// The lines of `bytes` that hold a strong piece, each with every piece it holds, from pieces
/// (offset, piece) in increasing order without overlaps: one pass over the text, however long
/// its lines. A piece that would cross a line break is not one.
pub fn lines(bytes: &[u8], pieces: impl Iterator<Item = (usize, Encoded)>) -> Vec<Line> {
    let mut out = Vec::new();
    let mut line: Option<Range<usize>> = None;
    let mut replacements = Vec::new();
    let mut strong = false;
    for (at, piece) in pieces {
        let current = match &line {
            Some(span) if at < span.end => span.clone(),
            _ => {
                if let Some(span) = line.take()
                    && strong
                {
                    out.push(Line {
                        span,
                        replacements: std::mem::take(&mut replacements),
                    });
                }
                replacements.clear();
                strong = false;
                let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
                let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                line.insert(start..end).clone()
            }
        };
        if at + piece.len > current.end {
            continue;
        }
        strong |= piece.strong;
        replacements.push(Replacement {
            span: at - current.start..at + piece.len - current.start,
            bytes: piece.bytes,
            strong: piece.strong,
        });
    }
    if let Some(span) = line
        && strong
    {
        out.push(Line { span, replacements });
    }
    out
}

/// The pieces of `bytes` that start at a `marker` byte and that `piece_at` reads, left to right
/// without overlaps: the search shared by the escape, entity and percent decoders.
pub fn at_marker<'a>(
    bytes: &'a [u8],
    marker: u8,
    piece_at: impl Fn(&[u8], usize) -> Option<Encoded> + 'a,
) -> impl Iterator<Item = (usize, Encoded)> + 'a {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(found) = memchr::memchr(marker, &bytes[from..]) {
            let at = from + found;
            match piece_at(bytes, at) {
                Some(piece) => {
                    from = at + piece.len;
                    return Some((at, piece));
                }
                None => from = at + 1,
            }
        }
        from = bytes.len();
        None
    })
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
                strong: true,
            },
            Replacement {
                span: 5..8,
                bytes: Decoded::byte(b'B'),
                strong: false,
            },
        ];
        let s = Spliced::new(original, &reps);
        assert_eq!(s.text, b"a=AB;c");
        assert_eq!(s.source_span(2..4), 2..8);
        assert_eq!(s.source_span(0..2), 0..2);
        assert_eq!(s.source_span(3..6), 5..10);
        assert!(s.decoded_spans(false).eq([2..3, 3..4]));
        assert!(s.decoded_spans(true).eq(std::iter::once(2..3)));
    }

    #[test]
    fn only_lines_with_a_strong_piece_are_kept_with_all_their_pieces() {
        let text = b"a*b\nc*d*e\nf*g";
        let piece_at = |bytes: &[u8], at: usize| {
            Some(Encoded {
                len: 2,
                bytes: Decoded::byte(b'!'),
                strong: bytes.get(at + 1) == Some(&b'S'),
            })
        };
        assert!(lines(text, at_marker(text, b'*', piece_at)).is_empty());
        let text = b"a*b\nc*Sd*e*\nf*g";
        let found = lines(text, at_marker(text, b'*', piece_at));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].span, 4..11);
        let spans: Vec<_> = found[0]
            .replacements
            .iter()
            .map(|r| r.span.clone())
            .collect();
        // The strong line's pieces, relative to it; its last `*` would cross the line break.
        assert_eq!(spans, vec![1..3, 4..6]);
    }
}
