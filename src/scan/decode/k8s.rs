//! The Kubernetes special case of base64 decoding: the `data:` entries of a `Secret` manifest
//! (in `.yaml`/`.yml` files). Every value is decoded whatever its length (`YWRtaW4=` is short
//! for the general base64 pass), and scanned as `key: value` so name-based rules apply. The
//! decoded value is authoritative: its base64 text is never itself reported.

use base64::Engine as _;

/// One base64 value under a `data:` key of a Kubernetes Secret.
pub struct EncodedValue<'a> {
    /// The entry's key.
    pub key: &'a str,
    /// Byte span of the base64 text in the chunk.
    pub span: std::ops::Range<usize>,
    /// The decoded value.
    pub decoded: Vec<u8>,
}

/// The base64 `data:` values of a Kubernetes Secret manifest in a `.yaml`/`.yml` file (none for
/// other files, or when the text declares no `kind: Secret`).
pub fn secret_values<'a>(path: &str, bytes: &'a [u8]) -> Vec<EncodedValue<'a>> {
    // The parser below reads YAML; checking the name first keeps the extra pass off every
    // other file.
    if !decodes_path(path) || memchr::memmem::find(bytes, b"kind: Secret").is_none() {
        return Vec::new();
    }
    k8s_secret_values(bytes)
}

/// Whether files at `path` have their Secret values decoded (YAML manifests).
pub fn decodes_path(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The `key: base64` entries under each `data:` block of a YAML document.
fn k8s_secret_values(bytes: &[u8]) -> Vec<EncodedValue<'_>> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let mut values = Vec::new();
    let mut in_data: Option<usize> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let content = line.trim_end();
        let indent = content.len() - content.trim_start().len();
        let trimmed = content.trim_start();
        if trimmed == "data:" {
            in_data = Some(indent);
            continue;
        }
        let Some(data_indent) = in_data else { continue };
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if indent <= data_indent {
            in_data = None;
            continue;
        }
        if let Some(value) = entry(trimmed, start + indent) {
            values.push(value);
        }
    }
    values
}

/// Parses `key: base64value` starting at byte `at`.
fn entry(trimmed: &str, at: usize) -> Option<EncodedValue<'_>> {
    let (key, rest) = trimmed.split_once(':')?;
    let value = rest.trim().trim_matches('"');
    if value.len() < 8
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
    {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    if decoded.contains(&0) {
        return None;
    }
    let value_at = at + trimmed.find(value)?;
    Some(EncodedValue {
        key: key.trim(),
        span: value_at..value_at + value.len(),
        decoded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_data_entries_of_a_secret() {
        let yaml = "apiVersion: v1\nkind: Secret\ndata:\n  user: YWRtaW4=\n  note: \"aHVudGVyMjJ4\"\ntype: Opaque\n";
        let values = k8s_secret_values(yaml.as_bytes());
        let keys: Vec<&str> = values.iter().map(|v| v.key).collect();
        assert_eq!(keys, vec!["user", "note"]);
        assert_eq!(values[1].decoded, b"hunter22x");
        assert_eq!(&yaml[values[1].span.clone()], "aHVudGVyMjJ4");
    }
}
