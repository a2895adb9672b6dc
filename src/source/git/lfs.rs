//! Git LFS pointers: a file tracked by LFS is committed as a small pointer (`oid sha256:...`,
//! `size ...`) while its content goes to the LFS server, uploaded by `git lfs pre-push` from the
//! local store (`.git/lfs/objects/ab/cd/abcd...`). Scanning the pointer alone would let a
//! secret in an LFS-tracked `.env` or config dump through a gate unread, so the blob's content is
//! read from the local store in the pointer's place; when it is not there, the blob is named as
//! not scanned.

use std::path::{Path, PathBuf};

/// The first line of every LFS pointer (spec v1).
const VERSION_LINE: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";

/// Pointers are under 200 bytes; the spec allows extension lines, still far under this.
const MAX_POINTER: usize = 1024;

/// A parsed LFS pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pointer {
    /// The content's SHA-256, 64 lowercase hex digits.
    pub oid: String,
    /// The content's size in bytes.
    pub size: u64,
}

/// The pointer `bytes` hold, if they are one: the version line, then `key value` lines with an
/// `oid sha256:<64 hex>` and a `size <n>`.
pub fn pointer(bytes: &[u8]) -> Option<Pointer> {
    if bytes.len() > MAX_POINTER || !bytes.starts_with(VERSION_LINE) {
        return None;
    }
    let text = std::str::from_utf8(&bytes[VERSION_LINE.len()..]).ok()?;
    let (mut oid, mut size) = (None, None);
    for line in text.lines() {
        let (key, value) = line.split_once(' ')?;
        match key {
            "oid" => {
                let hex = value.strip_prefix("sha256:")?;
                let valid = hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                oid = valid.then(|| hex.to_owned());
            }
            "size" => size = value.parse().ok(),
            _ => {}
        }
    }
    Some(Pointer {
        oid: oid?,
        size: size?,
    })
}

/// Where the content of `pointer` sits in the local LFS store of the repository whose common
/// git directory is `common_dir` (shared by every worktree).
pub fn object_path(common_dir: &Path, pointer: &Pointer) -> PathBuf {
    common_dir
        .join("lfs")
        .join("objects")
        .join(&pointer.oid[..2])
        .join(&pointer.oid[2..4])
        .join(&pointer.oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID: &str = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";

    #[test]
    fn reads_a_pointer_and_nothing_else() {
        let text =
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\nsize 12345\n");
        assert_eq!(
            pointer(text.as_bytes()),
            Some(Pointer {
                oid: OID.into(),
                size: 12345
            })
        );
        let short = text.replace(OID, &OID[..60]);
        assert_eq!(pointer(short.as_bytes()), None);
        let no_size = format!("version https://git-lfs.github.com/spec/v1\noid sha256:{OID}\n");
        assert_eq!(pointer(no_size.as_bytes()), None);
        assert_eq!(pointer(b"password = hunter2\n"), None);
        let p = pointer(text.as_bytes()).unwrap();
        assert_eq!(
            object_path(Path::new("/r/.git"), &p),
            Path::new("/r/.git/lfs/objects/4d/7a").join(OID)
        );
    }
}
