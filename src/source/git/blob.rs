//! One blob through the shared scan stage: the same size limit, binary and UTF-16 sniffing,
//! block streaming and decoding that `dir` applies to a file. Blobs up to one block are read
//! whole (libgit2 inflates them in one call); larger ones are streamed, from the loose object
//! or from `git cat-file`, so memory stays at one block whatever the blob's size.

use std::io::{self, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use git2::{Odb, Oid, Repository};

use super::objects::Reader;
use super::{lfs, object_error};
use crate::engine::Engine;
use crate::finding::{Finding, LineOrigin};
use crate::source::stream::{self, Blocks, ReadBuffer};
use crate::source::{Chunk, SNIFF, is_binary, scan_chunk};

/// What happened to a blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobOutcome {
    /// Scanned: this many bytes.
    Scanned(u64),
    /// A NUL byte in the first 8 KiB (and no UTF-16 byte-order mark).
    Binary,
    /// Larger than the size limit; `text` when its first 8 KiB look like text.
    TooLarge {
        /// The blob's size.
        size: u64,
        /// Whether it looks like text (a gate fails closed on such a blob).
        text: bool,
    },
    /// The global path allowlist excludes its path.
    Allowlisted,
    /// A Git LFS pointer whose content is not in the local LFS store (not fetched), so it could
    /// not be read.
    LfsNotLocal {
        /// The content's size, from the pointer.
        size: u64,
    },
    /// A blob a partial clone (`git clone --filter=blob:none`) has not fetched: not in the
    /// local object database, so it could not be read.
    NotFetched,
}

/// A scanned blob: its findings (no commit attached yet) and what happened.
#[derive(Debug)]
pub struct BlobScan {
    /// Findings, placed in the blob.
    pub findings: Vec<Finding>,
    /// How the blob was treated.
    pub outcome: BlobOutcome,
    /// For an archive counted as binary because part of it could not be read: what and why.
    pub unread: Option<String>,
}

impl BlobScan {
    /// A blob that was not read: no findings.
    fn nothing(outcome: BlobOutcome) -> BlobScan {
        BlobScan {
            findings: Vec::new(),
            outcome,
            unread: None,
        }
    }
}

/// Where a blob's bytes are read from, up to a block: libgit2 (the gates, which read a few
/// blobs), or gitoxide with its pack cache (history scans; see [`super::objects`]). Larger
/// blobs are streamed through libgit2 or `git cat-file` either way.
pub enum Objects<'r> {
    /// libgit2's object database of the repository at hand.
    Libgit2,
    /// A gitoxide reader of the same repository.
    Gitoxide(&'r mut Reader),
}

/// Scans blob `oid` as the file `path` would be scanned.
pub fn scan_blob(
    engine: &Engine,
    repo: &Repository,
    objects: Objects<'_>,
    oid: Oid,
    path: &str,
    max_size: u64,
) -> anyhow::Result<BlobScan> {
    if engine.path_allowed(Some(path)) {
        return Ok(BlobScan::nothing(BlobOutcome::Allowlisted));
    }
    let odb = repo
        .odb()
        .map_err(|e| object_error("object database of", oid, &e))?;
    let size = match &objects {
        Objects::Gitoxide(reader) => match reader.size(oid)? {
            Some(size) => size,
            None => return Ok(BlobScan::nothing(BlobOutcome::NotFetched)),
        },
        Objects::Libgit2 => {
            let (size, _) = odb
                .read_header(oid)
                .map_err(|e| object_error("blob", oid, &e))?;
            size as u64
        }
    };
    if size > max_size {
        let text = looks_like_text(&odb, repo.path(), oid)?;
        return Ok(BlobScan::nothing(BlobOutcome::TooLarge { size, text }));
    }
    if size <= Blocks::DEFAULT.size as u64 {
        let blob;
        let bytes = match objects {
            Objects::Gitoxide(reader) => reader.read(oid)?,
            Objects::Libgit2 => {
                blob = repo
                    .find_blob(oid)
                    .map_err(|e| object_error("blob", oid, &e))?;
                blob.content()
            }
        };
        if let Some(pointer) = lfs::pointer(bytes) {
            return scan_lfs_object(engine, repo, &pointer, path, max_size);
        }
        if is_binary(bytes) {
            return Ok(match stream::binary_bytes(engine, path, bytes) {
                Some(found) => scanned(found),
                None => BlobScan::nothing(BlobOutcome::Binary),
            });
        }
        let origin = LineOrigin::Identity;
        let chunk = Chunk {
            path,
            bytes,
            origin: &origin,
            commit: None,
        };
        return Ok(BlobScan {
            findings: scan_chunk(engine, &chunk),
            outcome: BlobOutcome::Scanned(size),
            unread: None,
        });
    }
    let mut reader = BlobReader::open(&odb, repo.path(), oid)?;
    let mut buffer = ReadBuffer::default();
    let streamed = stream::scan_text(engine, path, &mut reader, &mut buffer, Blocks::DEFAULT)
        .map_err(|e| anyhow::anyhow!("cannot read blob {oid}: {e}"))?;
    match streamed {
        None => Ok(BlobScan::nothing(BlobOutcome::Binary)),
        Some(streamed) => {
            if let Some(e) = streamed.error {
                anyhow::bail!("cannot read blob {oid}: {e} (try `git fsck`)");
            }
            reader.finish(oid)?;
            Ok(scanned(streamed))
        }
    }
}

/// Scans the content an LFS pointer stands for, from the local LFS store, as the blob's own.
fn scan_lfs_object(
    engine: &Engine,
    repo: &Repository,
    pointer: &lfs::Pointer,
    path: &str,
    max_size: u64,
) -> anyhow::Result<BlobScan> {
    let file = lfs::object_path(repo.commondir(), pointer);
    let cannot = |e: io::Error| {
        anyhow::anyhow!(
            "cannot read the Git LFS object of {path} ({}): {e}; check its permissions, or run `git lfs fsck`",
            file.display()
        )
    };
    let mut reader = match std::fs::File::open(&file) {
        Ok(reader) => reader,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(BlobScan::nothing(BlobOutcome::LfsNotLocal {
                size: pointer.size,
            }));
        }
        Err(e) => return Err(cannot(e)),
    };
    if pointer.size > max_size {
        let text = starts_as_text(&mut reader).map_err(cannot)?;
        return Ok(BlobScan::nothing(BlobOutcome::TooLarge {
            size: pointer.size,
            text,
        }));
    }
    let mut buffer = ReadBuffer::default();
    let mut reader = reader.take(max_size);
    match stream::scan_text(engine, path, &mut reader, &mut buffer, Blocks::DEFAULT)
        .map_err(cannot)?
    {
        None => Ok(BlobScan::nothing(BlobOutcome::Binary)),
        Some(streamed) => match streamed.error {
            Some(e) => Err(cannot(e)),
            None => Ok(scanned(streamed)),
        },
    }
}

/// A scanned blob; an archive that was not all read counts as binary, so a gate names it.
fn scanned(streamed: stream::Streamed) -> BlobScan {
    BlobScan {
        outcome: if streamed.unread.is_some() {
            BlobOutcome::Binary
        } else {
            BlobOutcome::Scanned(streamed.bytes)
        },
        findings: streamed.findings,
        unread: streamed.unread,
    }
}

/// Whether the first 8 KiB of a blob look like text, read without inflating the whole blob.
fn looks_like_text(odb: &Odb<'_>, git_dir: &Path, oid: Oid) -> anyhow::Result<bool> {
    let mut reader = BlobReader::open(odb, git_dir, oid)?;
    starts_as_text(&mut reader).map_err(|e| anyhow::anyhow!("cannot read blob {oid}: {e}"))
}

/// Whether the first 8 KiB `reader` yields look like text; nothing past them is read.
fn starts_as_text(reader: &mut impl Read) -> io::Result<bool> {
    let mut head = Vec::with_capacity(SNIFF);
    reader.take(SNIFF as u64).read_to_end(&mut head)?;
    Ok(!is_binary(&head))
}

/// A streaming reader of one blob: libgit2's stream for loose objects, else `git cat-file`
/// (libgit2 cannot stream a packed object).
enum BlobReader<'r> {
    Loose(git2::OdbReader<'r>),
    CatFile(Child),
}

impl<'r> BlobReader<'r> {
    fn open(odb: &'r Odb<'_>, git_dir: &Path, oid: Oid) -> anyhow::Result<BlobReader<'r>> {
        if let Ok((reader, _, _)) = odb.reader(oid) {
            return Ok(BlobReader::Loose(reader));
        }
        let child = Command::new("git")
            .arg("--git-dir")
            .arg(git_dir)
            .args(["cat-file", "blob", &oid.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot run `git cat-file` to read blob {oid}: {e}"))?;
        Ok(BlobReader::CatFile(child))
    }

    /// Checks that `git cat-file` ended well (a corrupt object must not pass as short text).
    fn finish(&mut self, oid: Oid) -> anyhow::Result<()> {
        if let BlobReader::CatFile(child) = self {
            let status = child
                .wait()
                .map_err(|e| anyhow::anyhow!("cannot read blob {oid}: {e}"))?;
            if !status.success() {
                anyhow::bail!("cannot read blob {oid}: `git cat-file` failed (try `git fsck`)");
            }
        }
        Ok(())
    }
}

impl Read for BlobReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            BlobReader::Loose(reader) => reader.read(buf),
            BlobReader::CatFile(child) => match child.stdout.as_mut() {
                Some(out) => out.read(buf),
                None => Ok(0),
            },
        }
    }
}

impl Drop for BlobReader<'_> {
    fn drop(&mut self) {
        if let BlobReader::CatFile(child) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
