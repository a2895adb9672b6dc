//! The stdin source: reads standard input whole (bounded by `--max-file-size`) and scans it.

use std::io::Read;

use super::stats::{ScanStats, SkipReason};
use super::{Chunk, is_binary, scan_chunk};
use crate::engine::Engine;
use crate::finding::{Finding, LineOrigin};

/// Scans everything `reader` yields under the name `name`.
pub fn scan(
    engine: &Engine,
    mut reader: impl Read,
    name: &str,
    max: u64,
    stats: &ScanStats,
) -> std::io::Result<Vec<Finding>> {
    let mut bytes = Vec::new();
    reader.by_ref().take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        stats.skipped(SkipReason::TooLarge);
        return Ok(Vec::new());
    }
    if is_binary(&bytes) {
        stats.skipped(SkipReason::Binary);
        return Ok(Vec::new());
    }
    stats.scanned(bytes.len() as u64);
    let origin = LineOrigin::Identity;
    Ok(scan_chunk(
        engine,
        &Chunk {
            path: name,
            bytes: &bytes,
            origin: &origin,
            commit: None,
        },
    ))
}
