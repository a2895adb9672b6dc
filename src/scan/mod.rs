//! The scan pipeline every source shares: bytes from one origin ([`Chunk`]) in, placed findings
//! out. Binary and UTF-16 sniffing, streaming large inputs in blocks ([`stream`]), decoding
//! encoded values ([`decode`]), the engine, and turning matches into findings
//! ([`crate::finding::locate`]). It knows nothing of where bytes come from: files, blobs and
//! messages are all chunks.

pub mod archive;
pub mod decode;
pub mod key_files;
pub mod meta;
pub mod stats;
pub mod stream;

use std::sync::Arc;

use crate::engine::Engine;
use crate::finding::{self, CommitInfo, Finding, LineOrigin};

/// Everything about a path that changes how its bytes are scanned: the global path allowlist,
/// the rules whose own path allowlists match, and whether encoded values are decoded. Two paths
/// of one class scan the same bytes alike, so a history scan reads a blob once per class it
/// appears under (a lock file renamed to `.env` is judged as `.env` too).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathClass {
    allowed: bool,
    decodes: bool,
    rules_allowed: Vec<u32>,
}

impl PathClass {
    /// The class of `path` under `engine`.
    pub fn of(engine: &Engine, path: &str) -> PathClass {
        PathClass {
            allowed: engine.path_allowed(Some(path)),
            decodes: decode::decodes_path(path),
            rules_allowed: engine.rules_allowlisted_at(path),
        }
    }

    /// A stable 64-bit key (FNV-1a) for caches that outlive the run; the rule pack digest
    /// beside it keeps rule indices meaningful.
    pub fn key(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |byte: u8| {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        };
        eat(u8::from(self.allowed));
        eat(u8::from(self.decodes));
        for rule in &self.rules_allowed {
            rule.to_le_bytes().into_iter().for_each(&mut eat);
        }
        hash
    }
}

/// Bytes from one origin, ready to scan.
pub struct Chunk<'a> {
    /// Path relative to the scan root, `/`-separated.
    pub path: &'a str,
    /// The bytes.
    pub bytes: &'a [u8],
    /// How byte lines map to file lines.
    pub origin: &'a LineOrigin,
    /// The commit the bytes belong to, for git sources.
    pub commit: Option<&'a Arc<CommitInfo>>,
}

/// How many leading bytes decide whether input is binary (as git decides).
pub const SNIFF: usize = 8192;

/// Whether bytes look binary: a NUL in the first 8 KiB (as git decides). UTF-16 text is not
/// binary: see [`utf16_to_utf8`].
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(SNIFF)]).is_some() && utf16_order(bytes).is_none()
}

/// How UTF-16 text is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Utf16 {
    /// Little-endian.
    little: bool,
    /// Bytes of byte-order mark before the text (0 or 2).
    mark: usize,
}

/// The layout of UTF-16 text. With a byte-order mark, NUL bytes must follow (ASCII-range text
/// in UTF-16 has one in every pair), so Latin-1 text that happens to start with `ÿþ` is left
/// alone. Without one (some Windows tools write none), the text must start with a printable
/// ASCII character (or a space or line break) and nine pairs in ten of the first 8 KiB must be
/// one: a secret written so is not passed over as binary, and tables of small 16-bit numbers
/// stay binary. Every other input is told apart by its first two bytes.
pub(crate) fn utf16_order(bytes: &[u8]) -> Option<Utf16> {
    let head = &bytes[..bytes.len().min(SNIFF)];
    let found = match *bytes {
        [0xFF, 0xFE, ..] => Utf16 {
            little: true,
            mark: 2,
        },
        [0xFE, 0xFF, ..] => Utf16 {
            little: false,
            mark: 2,
        },
        [c, 0, ..] if is_text_char(c) => Utf16 {
            little: true,
            mark: 0,
        },
        [0, c, ..] if is_text_char(c) => Utf16 {
            little: false,
            mark: 0,
        },
        _ => return None,
    };
    let holds = if found.mark == 2 {
        memchr::memchr(0, head).is_some()
    } else {
        mostly_text_pairs(head, found.little)
    };
    holds.then_some(found)
}

/// A printable ASCII character, a space or a line break.
fn is_text_char(c: u8) -> bool {
    c.is_ascii_graphic() || matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Whether nine pairs in ten of `head` (at least eight) are a text character in UTF-16 of the
/// given byte order.
fn mostly_text_pairs(head: &[u8], little: bool) -> bool {
    const MIN_PAIRS: usize = 8;
    let pairs = head.len() / 2;
    let text = head
        .chunks_exact(2)
        .filter(|pair| {
            let (c, zero) = if little {
                (pair[0], pair[1])
            } else {
                (pair[1], pair[0])
            };
            zero == 0 && is_text_char(c)
        })
        .count();
    pairs >= MIN_PAIRS && text * 10 >= pairs * 9
}

/// Re-encodes UTF-16 text (Windows editors and PowerShell write it) as UTF-8 so the rules see
/// its secrets; line breaks are kept, so line numbers stay right. `None` for other bytes.
pub fn utf16_to_utf8(bytes: &[u8]) -> Option<Vec<u8>> {
    let Utf16 { little, mark } = utf16_order(bytes)?;
    let units = bytes[mark..].chunks_exact(2).map(|pair| {
        if little {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
            .into_bytes(),
    )
}

/// Scans one chunk and places its matches (UTF-16 text is re-encoded first).
pub fn scan_chunk(engine: &Engine, chunk: &Chunk<'_>) -> Vec<Finding> {
    if let Some(utf8) = utf16_to_utf8(chunk.bytes) {
        return scan_chunk(
            engine,
            &Chunk {
                bytes: &utf8,
                ..*chunk
            },
        );
    }
    scan_placed(engine, chunk)
        .into_iter()
        .map(|placed| placed.finding)
        .collect()
}

/// A finding and the byte offset in the scanned bytes it was found at (the secret's first byte,
/// or the encoded value's for decoded secrets): what a block scan needs to keep each finding in
/// exactly one block.
pub struct Placed {
    /// Offset in [`Chunk::bytes`].
    pub offset: usize,
    /// The finding.
    pub finding: Finding,
}

/// Scans UTF-8 (or other byte) text and places its matches, with their offsets; then decodes
/// its encoded text and adds what the plain scan did not report.
pub fn scan_placed(engine: &Engine, chunk: &Chunk<'_>) -> Vec<Placed> {
    let matches = engine.scan(chunk.bytes, Some(chunk.path));
    let plain: Vec<std::ops::Range<usize>> = matches.iter().map(|m| m.secret.clone()).collect();
    let mut placed: Vec<Placed> = matches
        .iter()
        .map(|m| Placed {
            offset: m.secret.start,
            finding: finding::locate(
                &engine.rules()[m.rule],
                m.secret.clone(),
                chunk.bytes,
                chunk.path,
                chunk.origin,
                chunk.commit,
            ),
        })
        .collect();
    let decoded = decode::scan_encoded(engine, chunk, &plain);
    // The secret of a Kubernetes Secret value is its decoded text, judged by the decoded scan
    // (a value that decodes to `changeme` is a placeholder), never its base64.
    placed.retain(|p| !decoded.encoded.iter().any(|span| span.contains(&p.offset)));
    placed.extend(decoded.findings);
    if is_ignore_file(chunk.path) {
        placed.retain(|p| !crate::suppress::in_fingerprint(chunk.bytes, p.offset));
    }
    placed
}

/// Whether `path` names an ignore file (in any directory: a copy elsewhere is still that
/// format, and is scanned with the same care).
fn is_ignore_file(path: &str) -> bool {
    path.rsplit('/').next() == Some(crate::suppress::IGNORE_FILE_NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_told_from_binary_with_or_without_a_mark() {
        let le: Vec<u8> = "key = value\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "key = value\r\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        let marked = [&[0xFF, 0xFE][..], &le].concat();
        assert_eq!(
            utf16_order(&le),
            Some(Utf16 {
                little: true,
                mark: 0
            })
        );
        assert_eq!(
            utf16_order(&be),
            Some(Utf16 {
                little: false,
                mark: 0
            })
        );
        assert_eq!(
            utf16_order(&marked),
            Some(Utf16 {
                little: true,
                mark: 2
            })
        );
        assert_eq!(utf16_to_utf8(&marked).unwrap(), b"key = value\r\n");
        assert_eq!(utf16_to_utf8(&be).unwrap(), b"key = value\r\n");
        // A table of small 16-bit numbers, Latin-1 text starting with `ÿþ`, short input.
        let table: Vec<u8> = (1u16..200).flat_map(|n| (n % 31).to_le_bytes()).collect();
        assert!(is_binary(&table));
        assert_eq!(utf16_order("ÿþ plain".as_bytes()), None);
        assert!(is_binary(b"a\0b\0"));
    }
}
