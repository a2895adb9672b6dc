//! The directory source: walks trees in parallel (respecting ignore files unless told not to)
//! and scans each regular file once, streaming it through a per-thread buffer.

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use super::stats::{ScanStats, SkipReason};
use super::stream::{self, Blocks, ReadBuffer, Streamed};
use crate::engine::Engine;
use crate::finding::Finding;

/// How to walk.
#[derive(Debug, Clone)]
pub struct DirOptions {
    /// Roots: directories or files.
    pub paths: Vec<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Honour `.gitignore`, `.ignore` and git excludes.
    pub respect_ignore: bool,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Files larger than this are skipped and counted.
    pub max_file_size: u64,
    /// The part of the tree to scan (`--shard`): files are owned by their displayed path.
    pub shard: super::shard::Shard,
}

/// Scans the trees and returns the findings (unsorted) and notes about unreadable entries.
pub fn scan(
    engine: &Engine,
    options: &DirOptions,
    stats: &ScanStats,
) -> (Vec<Finding>, Vec<String>) {
    let findings = Mutex::new(Vec::new());
    let notes = Mutex::new(Vec::new());
    for root in &options.paths {
        let walker = builder(root, options).build_parallel();
        walker.run(|| {
            let mut buffer = ReadBuffer::default();
            let findings = &findings;
            let notes = &notes;
            Box::new(move |entry| {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(err) => {
                        stats.skipped(SkipReason::Unreadable);
                        push_note(notes, err.to_string());
                        return WalkState::Continue;
                    }
                };
                let found = visit(engine, root, &entry, options, stats, &mut buffer, notes);
                if !found.is_empty() {
                    lock(findings).extend(found);
                }
                WalkState::Continue
            })
        });
    }
    (into_inner(findings), into_inner(notes))
}

fn builder(root: &Path, options: &DirOptions) -> WalkBuilder {
    let mut builder = WalkBuilder::new(root);
    builder
        .threads(options.threads)
        .hidden(false)
        .follow_links(options.follow_symlinks)
        .git_ignore(options.respect_ignore)
        .git_exclude(options.respect_ignore)
        .git_global(options.respect_ignore)
        .ignore(options.respect_ignore)
        .parents(options.respect_ignore)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git");
    builder
}

/// Scans one walked entry, if it is a file.
fn visit(
    engine: &Engine,
    root: &Path,
    entry: &ignore::DirEntry,
    options: &DirOptions,
    stats: &ScanStats,
    buffer: &mut ReadBuffer,
    notes: &Mutex<Vec<String>>,
) -> Vec<Finding> {
    let Some(file_type) = entry.file_type() else {
        return Vec::new();
    };
    if file_type.is_symlink() {
        stats.skipped(SkipReason::Symlink);
        return Vec::new();
    }
    if !file_type.is_file() {
        return Vec::new();
    }
    let display = display_path(root, entry.path());
    if !options.shard.owns(display.as_bytes()) {
        return Vec::new();
    }
    if engine.path_allowed(Some(&display)) {
        stats.skipped(SkipReason::Allowlisted);
        return Vec::new();
    }
    match scan_file(
        engine,
        entry.path(),
        &display,
        options.max_file_size,
        buffer,
        stats,
    ) {
        Ok(streamed) => {
            stats.scanned(streamed.bytes);
            if let Some(err) = streamed.error {
                stats.skipped(SkipReason::Unreadable);
                push_note(notes, format!("{}: {err}", entry.path().display()));
            }
            if let Some(why) = streamed.unread {
                push_note(notes, format!("archive not fully read: {why}"));
            }
            streamed.findings
        }
        Err(ReadError::TooLarge) => {
            stats.skipped(SkipReason::TooLarge);
            Vec::new()
        }
        Err(ReadError::Binary) => {
            stats.skipped(SkipReason::Binary);
            Vec::new()
        }
        Err(ReadError::Io(err)) => {
            stats.skipped(SkipReason::Unreadable);
            push_note(notes, format!("{}: {err}", entry.path().display()));
            Vec::new()
        }
    }
}

enum ReadError {
    TooLarge,
    Binary,
    Io(std::io::Error),
}

/// Scans one file in overlapping blocks through the reused buffer (so memory does not grow with
/// the file), refusing files over `max` bytes (checked from the metadata, and the read stops at
/// `max` so a file that grows mid-scan cannot exceed it). A binary file is abandoned after its
/// first 8 KiB, so a 2 GiB image costs 8 KiB.
fn scan_file(
    engine: &Engine,
    path: &Path,
    display: &str,
    max: u64,
    buffer: &mut ReadBuffer,
    stats: &ScanStats,
) -> Result<Streamed, ReadError> {
    let file = File::open(path).map_err(ReadError::Io)?;
    let len = file.metadata().map_err(ReadError::Io)?.len();
    if len > max {
        return Err(ReadError::TooLarge);
    }
    let mut reader = Counted {
        inner: file.take(max),
        stats,
        read: 0,
    };
    let result = stream::scan_text(engine, display, &mut reader, buffer, Blocks::DEFAULT);
    stats.done_reading(reader.read);
    result.map_err(ReadError::Io)?.ok_or(ReadError::Binary)
}

/// A reader that tells the progress display how far it got.
struct Counted<'s, R> {
    inner: R,
    stats: &'s ScanStats,
    read: u64,
}

impl<R: std::io::Read> std::io::Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        self.stats.reading(n as u64);
        Ok(n)
    }
}

/// The path relative to the root it was found under, `/`-separated; a file root keeps its name.
pub fn display_path(root: &Path, path: &Path) -> String {
    let relative = match path.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel,
        _ => path.strip_prefix("./").unwrap_or(path),
    };
    let text = relative.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

const MAX_NOTES: usize = 20;

fn push_note(notes: &Mutex<Vec<String>>, note: String) {
    let mut notes = lock(notes);
    if notes.len() < MAX_NOTES {
        notes.push(note);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_paths_are_relative_and_slashed() {
        assert_eq!(
            display_path(Path::new("/r"), Path::new("/r/a/b.txt")),
            "a/b.txt"
        );
        assert_eq!(display_path(Path::new("."), Path::new("./x.env")), "x.env");
        assert_eq!(
            display_path(Path::new("f.txt"), Path::new("f.txt")),
            "f.txt"
        );
    }
}
