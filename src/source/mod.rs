//! Sources: where bytes come from (a directory tree, stdin, git history, a git diff), turned into
//! findings through the engine. A source knows nothing of rules beyond calling `Engine::scan`.

pub mod dir;
pub mod git;
pub mod stats;
pub mod stdin;

use std::sync::Arc;

use crate::engine::Engine;
use crate::finding::{self, CommitInfo, Finding, LineOrigin};

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

/// Whether bytes look binary: a NUL in the first 8 KiB (as git decides).
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// Scans one chunk and places its matches.
pub fn scan_chunk(engine: &Engine, chunk: &Chunk<'_>) -> Vec<Finding> {
    engine
        .scan(chunk.bytes, Some(chunk.path))
        .iter()
        .map(|m| {
            finding::locate(
                &engine.rules()[m.rule],
                m,
                chunk.bytes,
                chunk.path,
                chunk.origin,
                chunk.commit,
            )
        })
        .collect()
}
