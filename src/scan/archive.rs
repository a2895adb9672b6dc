//! Archives: zip (and jar, war, whl, docx...), gzip and tar members are scanned like files, in
//! memory, nested up to [`MAX_DEPTH`] deep. A `.env` zipped into a release bundle, or a key in a
//! tarball, is otherwise one binary file that no rule reads.
//!
//! Every archive is bounded: at most [`MAX_UNPACKED`] bytes are unpacked from one top-level
//! archive and at most [`MAX_MEMBERS`] members read, so a zip bomb costs a bounded amount of
//! work. Whatever could not be read (an encrypted or unsupported member, a limit reached, a
//! corrupt archive) is said in [`Unpacked::unread`], so a gate names the archive as not fully
//! scanned. A member is reported as `archive!member` (nested: `a.zip!b.tar!c.env`) and judged by
//! its own name (a `.env` in a zip is a `.env`).

use std::io::Read;

use flate2::read::{DeflateDecoder, MultiGzDecoder};

use super::{Chunk, is_binary, key_files, scan_chunk};
use crate::engine::Engine;
use crate::finding::{Finding, LineOrigin};

/// How many archives deep members are read (`a.zip!b.tar.gz!c.env` is two).
pub const MAX_DEPTH: usize = 3;
/// Bytes unpacked from one top-level archive, nested members included, at most.
pub const MAX_UNPACKED: usize = 64 << 20;
/// Members read from one top-level archive at most.
pub const MAX_MEMBERS: usize = 10_000;

/// What an archive held.
#[derive(Debug, Default)]
pub struct Unpacked {
    /// Findings in its members, named `archive!member`.
    pub findings: Vec<Finding>,
    /// Why part of it was not read, if it was not all read.
    pub unread: Option<String>,
}

/// Whether bytes start like an archive this module reads.
pub fn is_archive(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04")
        || bytes.starts_with(b"PK\x05\x06")
        || bytes.starts_with(&[0x1F, 0x8B])
        || is_tar(bytes)
}

fn is_tar(bytes: &[u8]) -> bool {
    bytes.get(257..262) == Some(b"ustar")
}

/// Scans the members of the archive `bytes`, shown as `name`.
pub fn scan(engine: &Engine, name: &str, bytes: &[u8]) -> Unpacked {
    let mut unpacker = Unpacker {
        engine,
        budget: MAX_UNPACKED,
        members: 0,
        out: Unpacked::default(),
    };
    unpacker.archive(name, bytes, 1);
    unpacker.out
}

/// One top-level archive's walk: its budget and what it found.
struct Unpacker<'e> {
    engine: &'e Engine,
    /// Bytes that may still be unpacked.
    budget: usize,
    members: usize,
    out: Unpacked,
}

impl Unpacker<'_> {
    /// Notes the first reason something was not read.
    fn unread(&mut self, why: String) {
        self.out.unread.get_or_insert(why);
    }

    fn archive(&mut self, name: &str, bytes: &[u8], depth: usize) {
        let result = if bytes.starts_with(b"PK") {
            self.zip(name, bytes, depth)
        } else if bytes.starts_with(&[0x1F, 0x8B]) {
            self.gzip(name, bytes, depth)
        } else {
            self.tar(name, bytes, depth)
        };
        if let Err(why) = result {
            self.unread(format!("{name}: {why}"));
        }
    }

    /// Scans one member: an archive again, a key file, or text.
    fn member(&mut self, outer: &str, inner: &str, bytes: &[u8], depth: usize) {
        self.members += 1;
        let inner = crate::escape::controls(inner.trim_start_matches("./"));
        let shown = format!("{outer}!{inner}");
        if is_archive(bytes) {
            if depth < MAX_DEPTH {
                self.archive(&shown, bytes, depth + 1);
            } else {
                self.unread(format!("{shown}: archives nested deeper than {MAX_DEPTH}"));
            }
        } else if is_binary(bytes) {
            if let Some(format) = key_files::recognise(bytes) {
                let found = key_files::finding(format, bytes, &shown, None);
                self.out.findings.push(found);
            }
        } else {
            let origin = LineOrigin::Identity;
            let chunk = Chunk {
                path: &inner,
                bytes,
                origin: &origin,
                commit: None,
            };
            for mut finding in scan_chunk(self.engine, &chunk) {
                finding.file = format!("{outer}!{}", finding.file);
                self.out.findings.push(finding);
            }
        }
    }

    /// Reads at most the rest of the budget from `reader`; `Err` when the member is larger.
    fn unpack(&mut self, reader: impl Read, name: &str) -> Result<Vec<u8>, String> {
        if self.members >= MAX_MEMBERS {
            return Err(format!("more than {MAX_MEMBERS} members"));
        }
        let mut bytes = Vec::new();
        reader
            .take(self.budget as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name}: cannot unpack ({e})"))?;
        if bytes.len() > self.budget {
            self.budget = 0;
            return Err(format!("more than {} MiB unpacked", MAX_UNPACKED >> 20));
        }
        self.budget -= bytes.len();
        Ok(bytes)
    }

    fn gzip(&mut self, name: &str, bytes: &[u8], depth: usize) -> Result<(), String> {
        let inner = self.unpack(MultiGzDecoder::new(bytes), name)?;
        if is_tar(&inner) {
            self.tar(name, &inner, depth)
        } else {
            self.member(name, gzip_member(name), &inner, depth);
            Ok(())
        }
    }

    /// A tar stream: 512-byte headers, each file's bytes after its header. GNU long names
    /// (`L`) and pax `path` records name the member that follows them.
    fn tar(&mut self, name: &str, bytes: &[u8], depth: usize) -> Result<(), String> {
        let mut at = 0;
        let mut long_name: Option<String> = None;
        while let Some(header) = bytes.get(at..at + 512) {
            if header.iter().all(|&b| b == 0) {
                return Ok(());
            }
            let size = octal(&header[124..136]).ok_or("a corrupt tar header")?;
            let data = at + 512;
            let end = data.checked_add(size).ok_or("a corrupt tar header")?;
            let body = bytes.get(data..end).ok_or("a truncated tar member")?;
            match header[156] {
                b'0' | 0 | b'7' => {
                    let member = long_name.take().unwrap_or_else(|| tar_name(header));
                    if self.members >= MAX_MEMBERS {
                        return Err(format!("more than {MAX_MEMBERS} members"));
                    }
                    self.member(name, &member, body, depth);
                }
                b'L' => {
                    long_name = Some(c_string(body));
                }
                b'x' => long_name = pax_path(body).or(long_name),
                _ => {}
            }
            at = data + size.div_ceil(512) * 512;
        }
        Ok(())
    }

    /// A zip file, read from its central directory (the local headers can lie about sizes).
    fn zip(&mut self, name: &str, bytes: &[u8], depth: usize) -> Result<(), String> {
        let directory = zip_directory(bytes).ok_or("no zip directory (a corrupt zip)")?;
        for entry in directory {
            let entry = entry?;
            if entry.name.ends_with('/') {
                continue;
            }
            if entry.encrypted {
                let member = crate::escape::controls(&entry.name);
                self.unread(format!("{name}!{member}: encrypted"));
                continue;
            }
            let data = zip_data(bytes, &entry).ok_or("a corrupt zip member")?;
            let unpacked = match entry.method {
                0 => self.unpack(data, name),
                8 => self.unpack(DeflateDecoder::new(data), name),
                other => {
                    let member = crate::escape::controls(&entry.name);
                    self.unread(format!(
                        "{name}!{member}: compression method {other} is not read"
                    ));
                    continue;
                }
            }?;
            self.member(name, &entry.name, &unpacked, depth);
        }
        Ok(())
    }
}

/// The name of a gzip file's one member: its own name (after the last `/` or `!`) less `.gz`.
fn gzip_member(name: &str) -> &str {
    let file = name.rsplit(['/', '!']).next().unwrap_or(name);
    file.strip_suffix(".gz").unwrap_or(file)
}

/// A number written in octal ASCII, as tar writes sizes (spaces and NULs around it).
fn octal(field: &[u8]) -> Option<usize> {
    let digits = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| (b'0'..=b'7').contains(&b));
    let mut value = 0usize;
    for d in digits {
        value = value.checked_mul(8)?.checked_add(usize::from(d - b'0'))?;
    }
    Some(value)
}

/// Bytes up to the first NUL, as text.
fn c_string(bytes: &[u8]) -> String {
    let end = memchr::memchr(0, bytes).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// A ustar member's name: its prefix, a `/`, and its name.
fn tar_name(header: &[u8]) -> String {
    let name = c_string(&header[..100]);
    let prefix = if is_tar(header) {
        c_string(&header[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

/// The `path` of a pax extended header (records `LEN path=VALUE\n`).
fn pax_path(body: &[u8]) -> Option<String> {
    String::from_utf8_lossy(body)
        .lines()
        .find_map(|line| line.split_once(" path=").map(|(_, v)| v.to_owned()))
}

/// One entry of a zip's central directory.
struct ZipEntry {
    name: String,
    method: u16,
    encrypted: bool,
    compressed: usize,
    local_header: usize,
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(
        bytes.get(at..at + 2)?.try_into().ok()?,
    )))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?)).ok()
}

/// The entries of a zip's central directory, found from its end record; an entry that does not
/// parse is an `Err` (zip64 sizes among them).
fn zip_directory(bytes: &[u8]) -> Option<Vec<Result<ZipEntry, String>>> {
    const END: &[u8] = b"PK\x05\x06";
    let search_from = bytes.len().saturating_sub(22 + 0xFFFF);
    let end = memchr::memmem::rfind(&bytes[search_from..], END)? + search_from;
    let count = u16_at(bytes, end + 10)?;
    let mut at = u32_at(bytes, end + 16)?;
    let mut entries = Vec::with_capacity(count.min(MAX_MEMBERS));
    for _ in 0..count {
        if bytes.get(at..at + 4) != Some(b"PK\x01\x02") {
            entries.push(Err("a corrupt zip directory".to_owned()));
            break;
        }
        let name_len = u16_at(bytes, at + 28)?;
        let extra = u16_at(bytes, at + 30)?;
        let comment = u16_at(bytes, at + 32)?;
        let name = String::from_utf8_lossy(bytes.get(at + 46..at + 46 + name_len)?).into_owned();
        let compressed = u32_at(bytes, at + 20)?;
        let local_header = u32_at(bytes, at + 42)?;
        entries.push(
            if compressed == 0xFFFF_FFFF || local_header == 0xFFFF_FFFF {
                Err(format!("{name}: zip64 members are not read"))
            } else {
                Ok(ZipEntry {
                    method: u16::try_from(u16_at(bytes, at + 10)?).ok()?,
                    encrypted: u16_at(bytes, at + 8)? & 1 == 1,
                    compressed,
                    local_header,
                    name,
                })
            },
        );
        at += 46 + name_len + extra + comment;
    }
    Some(entries)
}

/// The compressed bytes of a zip entry, after its local header.
fn zip_data<'a>(bytes: &'a [u8], entry: &ZipEntry) -> Option<&'a [u8]> {
    let at = entry.local_header;
    if bytes.get(at..at + 4) != Some(b"PK\x03\x04") {
        return None;
    }
    let start = at + 30 + u16_at(bytes, at + 26)? + u16_at(bytes, at + 28)?;
    bytes.get(start..start.checked_add(entry.compressed)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tar_fields_parse() {
        assert_eq!(octal(b"00000001750\0"), Some(1000));
        assert_eq!(octal(b"   17 \0"), Some(15));
        assert_eq!(
            pax_path(b"30 path=deploy/prod.env\n20 mtime=1\n"),
            Some("deploy/prod.env".into())
        );
        assert!(zip_directory(b"PK\x03\x04 no end record").is_none());
        assert_eq!(gzip_member("logs/db.env.gz"), "db.env");
        assert_eq!(gzip_member("bundle.zip!db.env.gz"), "db.env");
        assert_eq!(gzip_member("dump"), "dump");
    }
}
