//! Scanning a reader in overlapping blocks, so that a file of any size costs one block of memory
//! and a secret across a block edge is still found, at its true line and column.
//!
//! Block `k` keeps the findings whose secret starts in `[k * size, (k + 1) * size)`, and the
//! bytes it scans reach `overlap` further on each side. The overlap is larger than anything the
//! engine looks at around one match (a confirm window reaches 160 bytes back and at most 32 KiB
//! forward of a keyword hit), so each kept finding is seen exactly as a whole-file scan sees it,
//! and no finding is kept twice.

use std::io::{self, Read};

use super::{Chunk, SNIFF, archive, is_binary, key_files, scan_placed, utf16_order, utf16_to_utf8};
use crate::engine::Engine;
use crate::finding::{Finding, LineOrigin, char_count};

/// How a reader is cut into blocks.
#[derive(Debug, Clone, Copy)]
pub struct Blocks {
    /// Bytes each block keeps findings for.
    pub size: usize,
    /// Bytes scanned on each side of a block beyond what it keeps.
    pub overlap: usize,
}

impl Blocks {
    /// What files and stdin are scanned with: 16 MiB blocks with 64 KiB of overlap, so peak
    /// memory per worker is about 16.1 MiB whatever the file size, and the overlap re-scans 0.8%.
    pub const DEFAULT: Blocks = Blocks {
        size: 16 << 20,
        overlap: 64 << 10,
    };
}

// A block must see everything the engine looks at around a match it keeps.
const _: () = assert!(Blocks::DEFAULT.overlap > crate::engine::window::REACH);

/// What a streamed scan found and read.
#[derive(Debug, Default)]
pub struct Streamed {
    /// Findings, each once, placed in the whole stream.
    pub findings: Vec<Finding>,
    /// Bytes read.
    pub bytes: u64,
    /// A read error that ended the scan early; the findings before it are kept.
    pub error: Option<io::Error>,
    /// For an archive: why part of it was not read (the archive module says what it reads).
    pub unread: Option<String>,
}

/// Where a block starts in the whole stream: lines before it, and characters between the last
/// line break before it and its first byte.
#[derive(Debug, Clone, Copy, Default)]
struct Position {
    line: usize,
    column: usize,
}

impl Position {
    /// Moves past `bytes`.
    fn advance(&mut self, bytes: &[u8]) {
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count();
                self.column = char_count(&bytes[last + 1..]);
            }
            None => self.column += char_count(bytes),
        }
    }

    /// Moves a finding placed in a block (lines from 1) to its place in the stream.
    fn place(self, finding: &mut Finding) {
        if finding.line == 1 {
            finding.column += self.column;
        }
        if finding.end_line == 1 {
            finding.end_column += self.column;
        }
        finding.line += self.line;
        finding.end_line += self.line;
    }
}

/// A read buffer reused across reads and files whose storage stays initialized. `read_to_end`
/// zeroes the spare capacity it reads into on every call when the reader does not implement the
/// unstable `read_buf` (no wrapper does): on a tree of small files that zeroing cost more
/// instructions than the keyword pass.
#[derive(Debug, Default)]
pub struct ReadBuffer {
    /// Initialized storage; its first `len` bytes hold data.
    storage: Vec<u8>,
    len: usize,
}

/// The first read of an input asks for this much; each further read of it for twice as much.
const FIRST_READ: usize = 16 << 10;

impl ReadBuffer {
    /// Empties the buffer for the next input; the storage stays.
    fn clear(&mut self) {
        self.len = 0;
    }

    /// The bytes read and kept.
    pub fn bytes(&self) -> &[u8] {
        &self.storage[..self.len]
    }

    /// Reads until the buffer holds `want` bytes; `true` at end of input. Interrupted reads are
    /// retried; storage grows by doubling, never past `want`.
    fn fill(&mut self, reader: &mut impl Read, want: usize) -> io::Result<bool> {
        while self.len < want {
            if self.len == self.storage.len() {
                let grown = (2 * self.len).clamp(FIRST_READ, want.max(FIRST_READ));
                self.storage.resize(grown, 0);
            }
            let end = self.storage.len().min(want);
            match reader.read(&mut self.storage[self.len..end]) {
                Ok(0) => return Ok(true),
                Ok(n) => self.len += n,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err),
            }
        }
        Ok(false)
    }

    /// Drops the first `cut` bytes.
    fn consume(&mut self, cut: usize) {
        self.storage.copy_within(cut..self.len, 0);
        self.len -= cut;
    }
}

/// Reads the first 8 KiB of `reader` into the emptied `buffer` and, unless they look binary
/// (`Ok(None)`: the rest is never read), scans the whole input in blocks.
pub fn scan_text(
    engine: &Engine,
    path: &str,
    reader: &mut impl Read,
    buffer: &mut ReadBuffer,
    blocks: Blocks,
) -> io::Result<Option<Streamed>> {
    buffer.clear();
    let eof = buffer.fill(reader, SNIFF)?;
    if is_binary(buffer.bytes()) {
        return binary_input(engine, path, reader, buffer, eof);
    }
    Ok(Some(scan(engine, path, reader, buffer, blocks)))
}

/// A binary input: the members of an archive, or a finding when it is a key file (see
/// [`archive`] and [`key_files`]); else `Ok(None)`, and the rest is never read.
fn binary_input(
    engine: &Engine,
    path: &str,
    reader: &mut impl Read,
    buffer: &mut ReadBuffer,
    eof: bool,
) -> io::Result<Option<Streamed>> {
    let head = buffer.bytes();
    let cap = if archive::is_archive(head) {
        archive::MAX_UNPACKED
    } else if key_files::may_be_key_file(head) {
        key_files::MAX_KEY_FILE
    } else {
        return Ok(None);
    };
    // One byte past the cap tells a larger input from one exactly at it.
    if !eof && !buffer.fill(reader, cap + 1)? {
        return Ok(None);
    }
    Ok(binary_bytes(engine, path, buffer.bytes()))
}

/// What a whole binary input holds: archive members or a key file (`None`: neither).
pub fn binary_bytes(engine: &Engine, path: &str, bytes: &[u8]) -> Option<Streamed> {
    let (findings, unread) = if archive::is_archive(bytes) {
        let unpacked = archive::scan(engine, path, bytes);
        (unpacked.findings, unpacked.unread)
    } else {
        let format = key_files::recognise(bytes)?;
        (vec![key_files::finding(format, bytes, path, None)], None)
    };
    Some(Streamed {
        findings,
        bytes: bytes.len() as u64,
        error: None,
        unread,
    })
}

/// Scans everything `reader` yields, after the bytes already in `buffer` (a sniffed prefix),
/// under the name `path`. `buffer` is reused: it holds at most `size + 2 * overlap` bytes, except
/// for UTF-16 text, which is read whole (its re-encoding needs the whole text).
pub fn scan(
    engine: &Engine,
    path: &str,
    reader: &mut impl Read,
    buffer: &mut ReadBuffer,
    blocks: Blocks,
) -> Streamed {
    let mut out = Streamed::default();
    let size = blocks.size.max(1);
    let mut position = Position::default();
    let mut keep_from = 0;
    loop {
        let want = keep_from + size + blocks.overlap;
        let eof = match buffer.fill(reader, want) {
            Ok(eof) => eof,
            Err(err) => {
                out.error = Some(err);
                true
            }
        };
        if out.bytes == 0 && utf16_order(buffer.bytes()).is_some() {
            if !eof && let Err(err) = buffer.fill(reader, usize::MAX) {
                out.error = Some(err);
            }
            out.bytes = buffer.len as u64;
            out.findings = scan_utf16(engine, path, buffer.bytes());
            return out;
        }
        let keep_to = if eof { buffer.len } else { keep_from + size };
        let keep = keep_from..keep_to;
        out.findings.extend(
            scan_block(engine, path, buffer.bytes())
                .into_iter()
                .filter(|placed| keep.contains(&placed.offset))
                .map(|placed| {
                    let mut finding = placed.finding;
                    position.place(&mut finding);
                    finding
                }),
        );
        if eof {
            out.bytes += buffer.len as u64;
            return out;
        }
        let cut = keep_to.saturating_sub(blocks.overlap);
        position.advance(&buffer.bytes()[..cut]);
        buffer.consume(cut);
        out.bytes += cut as u64;
        keep_from = keep_to - cut;
    }
}

fn scan_block(engine: &Engine, path: &str, bytes: &[u8]) -> Vec<super::Placed> {
    let origin = LineOrigin::Identity;
    scan_placed(
        engine,
        &Chunk {
            path,
            bytes,
            origin: &origin,
            commit: None,
        },
    )
}

fn scan_utf16(engine: &Engine, path: &str, bytes: &[u8]) -> Vec<Finding> {
    let utf8 = utf16_to_utf8(bytes).unwrap_or_default();
    scan_block(engine, path, &utf8)
        .into_iter()
        .map(|placed| placed.finding)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out three bytes a read, interrupted before every other read.
    struct Trickle<'a> {
        rest: &'a [u8],
        interrupt: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.interrupt = !self.interrupt;
            if self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            let n = buf.len().min(3).min(self.rest.len());
            buf[..n].copy_from_slice(&self.rest[..n]);
            self.rest = &self.rest[n..];
            Ok(n)
        }
    }

    #[test]
    fn the_read_buffer_fills_through_short_and_interrupted_reads_and_is_reused() {
        let text: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
        let mut buffer = ReadBuffer::default();
        let mut reader = Trickle {
            rest: &text,
            interrupt: false,
        };
        assert!(!buffer.fill(&mut reader, 10).unwrap());
        assert_eq!(buffer.bytes(), &text[..10]);
        buffer.consume(4);
        assert!(buffer.fill(&mut reader, usize::MAX).unwrap());
        assert_eq!(buffer.bytes(), &text[4..]);
        // A second input starts empty and reads only its own bytes.
        buffer.clear();
        assert!(buffer.fill(&mut &b"abc"[..], 8).unwrap());
        assert_eq!(buffer.bytes(), b"abc");
    }

    #[test]
    fn positions_count_lines_and_characters_across_pieces() {
        let mut p = Position::default();
        p.advance("ab".as_bytes());
        p.advance("é\nxy".as_bytes());
        assert_eq!((p.line, p.column), (1, 2));
        p.advance(&"é".as_bytes()[..1]);
        p.advance(&"é".as_bytes()[1..]);
        assert_eq!((p.line, p.column), (1, 3));
    }
}
