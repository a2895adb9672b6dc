//! The stdin source: scans standard input in overlapping blocks (see [`super::stream`]), so a
//! piped dump of any size costs one block of memory; `--max-file-size` caps how much is read.

use std::io::Read;

use super::stats::{ScanStats, SkipReason};
use super::stream::{self, Blocks, ReadBuffer};
use crate::engine::Engine;
use crate::finding::Finding;

/// Scans everything `reader` yields (up to `max` bytes) under the name `name`.
pub fn scan(
    engine: &Engine,
    reader: impl Read,
    name: &str,
    max: u64,
    stats: &ScanStats,
) -> std::io::Result<Vec<Finding>> {
    let mut reader = reader.take(max);
    let mut buffer = ReadBuffer::default();
    let Some(streamed) =
        stream::scan_text(engine, name, &mut reader, &mut buffer, Blocks::DEFAULT)?
    else {
        stats.skipped(SkipReason::Binary);
        return Ok(Vec::new());
    };
    if let Some(err) = streamed.error {
        return Err(err);
    }
    stats.scanned(streamed.bytes);
    let mut probe = [0u8; 1];
    if reader.into_inner().read(&mut probe)? > 0 {
        stats.skipped(SkipReason::TooLarge);
    }
    Ok(streamed.findings)
}
