//! Sources: where bytes come from (a directory tree, stdin, git history, a push, a range, the
//! index), cut into [`Chunk`]s for the scan pipeline ([`crate::scan`]). A source knows nothing of
//! rules beyond handing chunks to the pipeline and the engine.

pub mod dir;
pub mod git;
pub mod shard;
pub mod stdin;

pub use crate::path::portable as portable_path;
pub use crate::scan::{Chunk, PathClass, SNIFF, is_binary, meta, scan_chunk, stats, stream};
