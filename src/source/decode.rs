//! Encoded secrets: values a plain scan cannot see because they are base64-encoded, such as the
//! `data:` entries of a Kubernetes `Secret` (in `.yaml`/`.yml` files). Each value is decoded and scanned as `key: value`
//! (so name-based rules apply), and findings are reported at the encoded value's line.

use base64::Engine as _;

use super::{Chunk, Placed};
use crate::engine::Engine;
use crate::finding::{self, LineOrigin};

/// One base64 value under a `data:` key of a Kubernetes Secret.
struct EncodedValue<'a> {
    key: &'a str,
    /// Byte span of the base64 text in the chunk.
    span: std::ops::Range<usize>,
    decoded: Vec<u8>,
}

/// What decoding found: findings in the decoded values, and the byte spans of every encoded
/// value (whose base64 text is not itself a secret: the decoded value was judged instead).
#[derive(Default)]
pub struct Decoded {
    /// Findings in decoded values, placed on the encoded value.
    pub findings: Vec<Placed>,
    /// Spans of every decoded value's base64 text in the chunk.
    pub encoded: Vec<std::ops::Range<usize>>,
}

/// Findings inside the base64 `data:` values of Kubernetes Secret manifests in the chunk.
pub fn scan_encoded(engine: &Engine, chunk: &Chunk<'_>) -> Decoded {
    // The parser below reads YAML; checking the name first keeps the extra pass off every
    // other file.
    if !decodes_path(chunk.path) || memchr::memmem::find(chunk.bytes, b"kind: Secret").is_none() {
        return Decoded::default();
    }
    let mut out = Decoded::default();
    for value in k8s_secret_values(chunk.bytes) {
        out.encoded.push(value.span.clone());
        let synthetic = format!(
            "{}: {}\n",
            value.key,
            String::from_utf8_lossy(&value.decoded)
        );
        let origin = LineOrigin::Identity;
        for m in engine.scan(synthetic.as_bytes(), Some(chunk.path)) {
            let rule = &engine.rules()[m.rule];
            // Place the finding on the encoded value; the secret is the decoded one.
            let mut placed = finding::locate(
                rule,
                &m,
                synthetic.as_bytes(),
                chunk.path,
                &origin,
                chunk.commit,
            );
            let at = finding::locate_span(chunk.bytes, value.span.clone(), chunk.origin);
            placed.line = at.0;
            placed.column = at.1;
            placed.end_line = at.2;
            placed.end_column = at.3;
            out.findings.push(Placed {
                offset: value.span.start,
                finding: placed,
            });
        }
    }
    out
}

/// Whether files at `path` have their encoded values decoded (YAML manifests).
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
