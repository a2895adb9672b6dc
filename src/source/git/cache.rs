//! The incremental history cache: blob ids (with the path class they were judged under) that
//! were scanned and gave no finding, stored in the user's cache directory
//! (`$XDG_CACHE_HOME/leakgate/<repository id>/blobs-v2` when absolute, else
//! `~/.cache/leakgate/...`; `%LOCALAPPDATA%` on Windows), never in the scanned repository, keyed
//! by a hash of the effective rule pack, engine options and size limit. A second history scan
//! skips those blobs; blobs with findings are always rescanned, so reports stay complete and the
//! cache never holds a secret. A changed rule pack or config changes the key and the cache starts
//! over.

use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;

use git2::{Oid, Repository};

/// The cache file of a repository: one directory per repository (named by a hash of its
/// canonical common git directory, so worktrees share it) under the user's cache directory
/// (etcetera's XDG strategy: an absolute `XDG_CACHE_HOME`, else `~/.cache`; on Windows the local
/// app data folder). `None` without a home directory.
fn cache_file(repo: &Repository) -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    use sha2::{Digest as _, Sha256};
    let base = etcetera::choose_base_strategy().ok()?.cache_dir();
    let common = repo.commondir();
    let canonical = common
        .canonicalize()
        .unwrap_or_else(|_| common.to_path_buf());
    let digest = Sha256::digest(canonical.to_string_lossy().as_bytes());
    let id = crate::finding::short_hex(&digest);
    Some(base.join("leakgate").join(id).join("blobs-v2"))
}

/// The first line of a cache file; the key follows it.
const MAGIC: &str = "leakgate-blob-cache v3";

/// Clean blob ids for one key.
#[derive(Debug)]
pub struct BlobCache {
    path: PathBuf,
    key: String,
    clean: HashSet<(Oid, u64)>,
}

impl BlobCache {
    /// Loads the cache for `key`; a missing, unreadable or differently keyed file is empty.
    /// `None` when there is no cache directory to use (no home directory).
    pub fn load(repo: &Repository, key: &str) -> Option<BlobCache> {
        let path = cache_file(repo)?;
        let clean = std::fs::read_to_string(&path)
            .ok()
            .and_then(|text| parse(&text, key))
            .unwrap_or_default();
        Some(BlobCache {
            path,
            key: key.to_owned(),
            clean,
        })
    }

    /// Whether a blob is known to be clean under a path class ([`crate::source::PathClass::key`]).
    pub fn is_clean(&self, blob: Oid, class: u64) -> bool {
        self.clean.contains(&(blob, class))
    }

    /// Adds clean blobs and writes the file (atomically, mode 0600). Failure to write only costs
    /// the next scan its speed-up, so it is reported, not fatal.
    pub fn save(
        &mut self,
        newly_clean: impl IntoIterator<Item = (Oid, u64)>,
    ) -> std::io::Result<()> {
        self.clean.extend(newly_clean);
        let dir = self.path.parent().unwrap_or(&self.path).to_path_buf();
        std::fs::create_dir_all(&dir)?;
        let mut text = String::with_capacity(self.clean.len() * 58 + 128);
        text.push_str(MAGIC);
        text.push(' ');
        text.push_str(&self.key);
        text.push('\n');
        let mut ids: Vec<String> = self
            .clean
            .iter()
            .map(|(oid, class)| format!("{oid} {class:016x}"))
            .collect();
        ids.sort_unstable();
        for id in ids {
            text.push_str(&id);
            text.push('\n');
        }
        // A temporary file in the same directory (mode 0600 on Unix, tempfile's default),
        // renamed over the old cache only once it is complete.
        let mut file = tempfile::NamedTempFile::new_in(&dir)?;
        file.write_all(text.as_bytes())?;
        file.persist(&self.path)?;
        Ok(())
    }
}

fn parse(text: &str, key: &str) -> Option<HashSet<(Oid, u64)>> {
    let mut lines = text.lines();
    let header = lines.next()?;
    if header != format!("{MAGIC} {key}") {
        return None;
    }
    Some(
        lines
            .filter_map(|l| {
                let (oid, class) = l.trim().split_once(' ')?;
                Some((
                    Oid::from_str(oid).ok()?,
                    u64::from_str_radix(class, 16).ok()?,
                ))
            })
            .collect(),
    )
}

/// Raised whenever the scan stage finds more in the same bytes than it did (3: archives, binary
/// key files and unmarked UTF-16), so that a cache written before does not stand for blobs it
/// judged binary.
const SCAN_STAGE: u32 = 3;

/// The cache key for a rule pack digest and the options that change results.
pub fn key(pack_digest: &str, inline_allow: bool, max_size: u64) -> String {
    format!(
        "{}-s{SCAN_STAGE}-{pack_digest}-{inline_allow}-{max_size}",
        env!("CARGO_PKG_VERSION")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_checks_the_key() {
        let oid = "0123456789012345678901234567890123456789";
        let text = format!("{MAGIC} k1\n{oid} 00000000000000ff\n");
        assert_eq!(parse(&text, "k1").map(|s| s.len()), Some(1));
        assert!(parse(&text, "k2").is_none());
        assert!(parse("garbage", "k1").is_none());
    }
}
