//! Private keys by structure: undo the wrappings a key picks up in files (comment prefixes,
//! string escapes, JSON inside JSON, XML character references, indentation, string
//! concatenation, one line joined with spaces), decode the base64, and check that the bytes are a
//! private key (a DER `SEQUENCE` of a private-key shape, an `openssh-key-v1` blob, a PGP
//! secret-key packet, a PuTTY key). Knows nothing of rules or the engine: bytes in, yes or no out.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// Base64 decoding that accepts padded or unpadded input.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
/// The standard alphabet, lenient about padding.
pub const STD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);

const OPENSSH_MAGIC: &[u8] = b"openssh-key-v1\0";

/// Undoes string escapes and XML character references: `\n`, `\\n` (JSON inside JSON),
/// `\u000a`, `&#10;`, `&#xA;` become line breaks, `\/` a slash; any other backslash (a
/// `.properties` continuation) is dropped.
pub fn unescape(text: &[u8]) -> String {
    let text = String::from_utf8_lossy(text);
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let (ch, used) = match bytes[i] {
            b'\\' => escape_at(&bytes[i + 1..]),
            b'&' if bytes.get(i + 1) == Some(&b'#') => char_reference(&bytes[i..]),
            _ => (None, 0),
        };
        match (ch, used) {
            (Some(c), n) => {
                out.push(c);
                i += n.max(1);
            }
            (None, n) if n > 0 => i += n,
            _ => {
                let c = text[i..].chars().next().unwrap_or(' ');
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// What a backslash followed by `rest` stands for, and how many bytes it used (the backslash
/// included). An unknown escape drops the backslash alone.
fn escape_at(rest: &[u8]) -> (Option<char>, usize) {
    match rest.first() {
        Some(b'n' | b'r') => (Some('\n'), 2),
        Some(b't') => (Some(' '), 2),
        Some(b'u') => {
            let hex = rest.get(1..5).and_then(|h| std::str::from_utf8(h).ok());
            match hex.and_then(|h| u32::from_str_radix(h, 16).ok()) {
                Some(code) => (Some(plain_char(code)), 6),
                None => (None, 1),
            }
        }
        _ => (None, 1),
    }
}

/// An XML character reference `&#10;` / `&#xA;` at the start of `text`.
fn char_reference(text: &[u8]) -> (Option<char>, usize) {
    let Some(end) = text.iter().take(10).position(|&b| b == b';') else {
        return (None, 0);
    };
    let inner = std::str::from_utf8(&text[2..end]).unwrap_or("");
    let code = match inner.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => inner.parse().ok(),
    };
    match code {
        Some(code) => (Some(plain_char(code)), end + 1),
        None => (None, 0),
    }
}

/// A decoded escape: line breaks stay line breaks, other controls become spaces.
fn plain_char(code: u32) -> char {
    match char::from_u32(code) {
        Some('\n' | '\r') => '\n',
        Some(c) if !c.is_control() => c,
        _ => ' ',
    }
}

/// The base64 data in `lines`: each line loses its whitespace and `prefix` (a comment marker
/// such as `#`, `//`, ` * `), header lines (`Name: value`) are skipped, and what is left is cut
/// into base64 runs at any other character (quotes, `\`, `>`, `;`). Runs that are only `+` or
/// `/` (string concatenation, a `//` comment) and PGP checksums (`=abcd`) are dropped.
pub fn base64_runs<'a>(lines: impl Iterator<Item = &'a str>, prefix: &str) -> String {
    let mut out = String::new();
    for line in lines {
        let line = line.trim();
        let line = match line.strip_prefix(prefix) {
            Some(rest) if !prefix.is_empty() => rest.trim(),
            _ => line,
        };
        let joined;
        let line = match (line.contains(':'), line.len() > 100) {
            (false, _) => line,
            (true, false) => continue,
            (true, true) => {
                joined = without_headers(line);
                joined.as_str()
            }
        };
        let runs =
            line.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=')));
        for run in runs {
            if run.starts_with('=') || run.bytes().all(|b| b == b'+' || b == b'/') {
                continue;
            }
            out.push_str(run);
        }
    }
    out
}

/// A block joined on one line keeps its headers (`Proc-Type: 4,ENCRYPTED`) inline: drop each
/// `Name:` and the word after it.
fn without_headers(line: &str) -> String {
    let mut kept = Vec::new();
    let mut words = line.split_whitespace();
    while let Some(word) = words.next() {
        if word.ends_with(':') {
            words.next();
        } else {
            kept.push(word);
        }
    }
    kept.join(" ")
}

/// The comment or quote prefix of the line that `at` is on (`#`, `//`, ` * `, `"`): the text
/// between the line's start and `at`, when it holds no letter or digit (else it is data, say a
/// body line run into `-----END`, and there is no prefix).
fn line_prefix(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |nl| nl + 1);
    let prefix = text[start..at].trim();
    if prefix.bytes().any(|b| b.is_ascii_alphanumeric()) {
        ""
    } else {
        prefix
    }
}

/// An armored block after unwrapping: its label and its decoded data.
#[derive(Debug)]
pub struct Armored {
    /// The label between `-----BEGIN ` and `-----` (`RSA PRIVATE KEY`).
    pub label: String,
    /// Whether a `DEK-Info:` header says the body is encrypted (legacy OpenSSL PEM).
    pub legacy_encrypted: bool,
    /// The decoded body.
    pub data: Vec<u8>,
}

/// Unwraps and decodes the first `-----BEGIN ...-----` ... `-----END` block in `text`.
pub fn dearmor(text: &[u8]) -> Option<Armored> {
    let text = unescape(text);
    let begin = text.find("-----BEGIN ")? + "-----BEGIN ".len();
    let label_len = text[begin..].find("-----")?;
    let label = text[begin..begin + label_len].trim().to_owned();
    let body_start = begin + label_len + 5;
    let body = &text[body_start..body_start + text[body_start..].find("-----END")?];
    // The text before `-----END` on its line is the prefix every line of the block carries.
    let prefix = line_prefix(body, body.len());
    let legacy_encrypted = body.contains("DEK-Info:");
    let data = STD_LENIENT.decode(base64_runs(body.lines(), prefix)).ok()?;
    Some(Armored {
        label,
        legacy_encrypted,
        data,
    })
}

/// One DER element at the start of `bytes`: tag, content, and what follows.
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 3 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Whether `data` is exactly one DER `SEQUENCE` shaped like a private key: PKCS#1 RSA or DSA
/// (version 0, then a modulus or prime of 512 bits or more), PKCS#8 (version, algorithm
/// identifier, key octets), SEC1 EC (version 1, key octets), or encrypted PKCS#8 (algorithm
/// identifier, encrypted octets). Public keys, certificates and requests have other shapes.
pub fn der_private_key(data: &[u8]) -> bool {
    let Some((0x30, body, b"")) = tlv(data) else {
        return false;
    };
    let Some((first, value, rest)) = tlv(body) else {
        return false;
    };
    let next = tlv(rest);
    match (first, value, next) {
        (0x02, [0], Some((0x02, modulus, after))) => {
            modulus.len() >= 64 && tlv(after).is_some_and(|(tag, ..)| tag == 0x02)
        }
        (0x02, [0 | 1], Some((0x30, algorithm, after))) => {
            algorithm.first() == Some(&0x06) && tlv(after).is_some_and(|(tag, ..)| tag == 0x04)
        }
        (0x02, [1], Some((0x04, scalar, _))) => (20..=72).contains(&scalar.len()),
        (0x30, algorithm, Some((0x04, encrypted, b""))) => {
            algorithm.first() == Some(&0x06) && encrypted.len() >= 16
        }
        _ => false,
    }
}

/// Reads an SSH wire-format string (32-bit big-endian length, bytes).
fn ssh_string(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let len = u32::from_be_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let rest = &bytes[4..];
    (rest.len() >= len).then(|| rest.split_at(len))
}

/// Whether `data` is an `openssh-key-v1` blob whose fields (cipher, KDF, keys, private
/// section) add up to exactly its length.
pub fn openssh_key(data: &[u8]) -> bool {
    let Some(rest) = data.strip_prefix(OPENSSH_MAGIC) else {
        return false;
    };
    let parse = || {
        let (cipher, rest) = ssh_string(rest)?;
        let (_kdf, rest) = ssh_string(rest)?;
        let (_options, rest) = ssh_string(rest)?;
        let count = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
        let mut rest = &rest[4..];
        if !(1..=16).contains(&count) {
            return None;
        }
        for _ in 0..count {
            rest = ssh_string(rest)?.1;
        }
        let (private, rest) = ssh_string(rest)?;
        let checked = cipher != b"none" || private.get(..4) == private.get(4..8);
        (rest.is_empty() && checked && private.len() >= 8).then_some(())
    };
    parse().is_some()
}

/// Whether `data` starts with an OpenPGP secret-key packet (tag 5, old or new format) of
/// version 3 to 6.
pub fn pgp_secret_key(data: &[u8]) -> bool {
    let Some(&header) = data.first() else {
        return false;
    };
    let (tag, body_at) = match header & 0xc0 {
        0xc0 => {
            let first = data.get(1).copied().unwrap_or(0xff);
            let len_bytes = match first {
                0..=191 => 1,
                192..=223 => 2,
                255 => 5,
                _ => return false,
            };
            (header & 0x3f, 1 + len_bytes)
        }
        0x80 => {
            let len_bytes = match header & 3 {
                0 => 1,
                1 => 2,
                2 => 4,
                _ => return false,
            };
            ((header >> 2) & 0x0f, 1 + len_bytes)
        }
        _ => return false,
    };
    tag == 5 && data.get(body_at).is_some_and(|v| (3..=6).contains(v))
}

/// Whether an armored block is a private key whose body has the structure its label promises.
pub fn armored_private_key(secret: &[u8]) -> bool {
    let Some(block) = dearmor(secret) else {
        return false;
    };
    if !block.label.contains("PRIVATE KEY") {
        return false;
    }
    if block.label.contains("OPENSSH") {
        openssh_key(&block.data)
    } else if block.label.contains("PGP") {
        pgp_secret_key(&block.data)
    } else if block.legacy_encrypted {
        block.data.len() >= 32 && block.data.len() % 8 == 0
    } else {
        der_private_key(&block.data)
    }
}

/// Whether one line of base64 (a `PRIVATE_KEY=...` value) is a DER private key or an
/// `openssh-key-v1` blob.
pub fn base64_private_key(secret: &[u8]) -> bool {
    STD_LENIENT
        .decode(secret)
        .is_ok_and(|data| der_private_key(&data) || openssh_key(&data))
}

/// Whether `secret` is the base64 of a whole key file (an armored private key or a PuTTY key),
/// on one line or wrapped; a wrapped match may have taken up to two trailing lines that are not
/// part of it (a lone word after the block), so those are tried without too.
pub fn base64_key_file(secret: &[u8]) -> bool {
    let lines: Vec<&[u8]> = secret.split(|&b| b == b'\n').collect();
    (lines.len().saturating_sub(2).max(1)..=lines.len())
        .rev()
        .any(|n| {
            let joined: Vec<u8> = lines[..n]
                .concat()
                .into_iter()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            STD_LENIENT.decode(joined).is_ok_and(|file| key_file(&file))
        })
}

/// Whether decoded file bytes hold an armored private key or a PuTTY key.
fn key_file(file: &[u8]) -> bool {
    let text = String::from_utf8_lossy(file);
    match (text.find("PuTTY-User-Key-File-"), text.find("-----BEGIN ")) {
        (Some(at), _) => putty_key(&text.as_bytes()[at..]),
        (None, Some(at)) => armored_private_key(&text.as_bytes()[at..]),
        (None, None) => false,
    }
}

/// Whether a PuTTY `.ppk` (v2 or v3) text holds a public blob that names its algorithm, a
/// private blob that decodes, and a hex MAC.
pub fn putty_key(secret: &[u8]) -> bool {
    let text = unescape(secret);
    let (Some(public_at), Some(private_at), Some(mac_at)) = (
        text.find("Public-Lines:"),
        text.find("Private-Lines:"),
        text.find("Private-MAC:"),
    ) else {
        return false;
    };
    if !(public_at < private_at && private_at < mac_at) {
        return false;
    }
    let prefix = line_prefix(&text, private_at);
    let public_end = text[public_at..private_at]
        .find("Key-Derivation:")
        .map_or(private_at, |i| public_at + i);
    let public = section(&text[public_at + 13..public_end], prefix);
    let private = section(&text[private_at + 14..mac_at], prefix);
    let mac = text[mac_at + 12..]
        .trim_start()
        .bytes()
        .take_while(u8::is_ascii_hexdigit)
        .count();
    names_algorithm(&public) && private.len() >= 16 && (mac == 40 || mac == 64)
}

/// Decodes a PuTTY section: the line count, then base64 lines.
fn section(text: &str, prefix: &str) -> Vec<u8> {
    let text = text
        .trim_start()
        .trim_start_matches(|c: char| c.is_ascii_digit());
    STD_LENIENT
        .decode(base64_runs(text.lines(), prefix))
        .unwrap_or_default()
}

/// Whether an SSH public-key blob starts with its algorithm name (`ssh-ed25519`, `ssh-rsa`).
fn names_algorithm(blob: &[u8]) -> bool {
    ssh_string(blob).is_some_and(|(name, rest)| {
        (7..=40).contains(&name.len())
            && name
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"-@.".contains(b))
            && !rest.is_empty()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::fake_keys::fake_key;

    fn key(kind: &str) -> Vec<u8> {
        let mut n = 7u8;
        let mut random = || {
            n = n.wrapping_mul(13).wrapping_add(11);
            n
        };
        fake_key(kind, 128, &mut random).unwrap()
    }

    fn pem(label: &str, data: &[u8], join: &str, prefix: &str) -> String {
        let body = STD_LENIENT.encode(data);
        let mut lines = vec![format!("-----BEGIN {label}-----")];
        lines.extend(
            body.as_bytes()
                .chunks(64)
                .map(|c| format!("{prefix}{}", String::from_utf8_lossy(c))),
        );
        lines.push(format!("{prefix}-----END {label}-----"));
        lines.join(join)
    }

    #[test]
    fn escapes_and_references_become_line_breaks() {
        assert_eq!(
            unescape(br"a\nb\\nc&#10;d&#xA;e\/f\u000ag"),
            "a\nb\nc\nd\ne/f\ng"
        );
        assert_eq!(unescape(b"a\\\nb"), "a\nb");
    }

    #[test]
    fn every_fake_kind_passes_and_wrappings_are_undone() {
        for kind in ["rsa", "pkcs8", "ec", "ed25519", "dsa", "encrypted"] {
            let data = key(kind);
            assert!(der_private_key(&data), "{kind}");
            for (join, prefix) in [
                ("\n", ""),
                ("\\n", ""),
                ("\n", "# "),
                ("\n", "//"),
                (" ", ""),
                ("&#10;", ""),
            ] {
                let text = pem("PRIVATE KEY", &data, join, prefix);
                assert!(
                    armored_private_key(text.as_bytes()),
                    "{kind} {join:?} {prefix:?}"
                );
            }
        }
        assert!(armored_private_key(
            pem("OPENSSH PRIVATE KEY", &key("openssh"), "\n", "").as_bytes()
        ));
        assert!(armored_private_key(
            pem("PGP PRIVATE KEY BLOCK", &key("pgp"), "\n", "").as_bytes()
        ));
    }

    proptest::proptest! {
        /// Slicing by found markers and escapes never panics, whatever surrounds them.
        #[test]
        fn never_panics(parts in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just("-----BEGIN PRIVATE KEY-----".to_owned()),
            proptest::strategy::Just("-----END".to_owned()),
            proptest::strategy::Just("Public-Lines:".to_owned()),
            proptest::strategy::Just("Private-Lines:".to_owned()),
            proptest::strategy::Just("Private-MAC:".to_owned()),
            proptest::strategy::Just("Key-Derivation:".to_owned()),
            "[\\\\&#;xXuA0-9a-f\n:=+/ é]{0,12}",
            "[A-Za-z0-9+/]{0,80}",
        ], 0..24)) {
            let text = parts.concat();
            let bytes = text.as_bytes();
            armored_private_key(bytes);
            putty_key(bytes);
            base64_key_file(bytes);
            base64_private_key(bytes);
            unescape(bytes);
        }
    }

    #[test]
    fn a_body_run_into_the_end_marker_is_not_a_prefix() {
        let text = pem("EC PRIVATE KEY", &key("ec"), "\n", "").replace("\n-----END", "-----END");
        assert!(armored_private_key(text.as_bytes()));
    }

    #[test]
    fn public_shapes_and_truncations_fail() {
        let data = key("pkcs8");
        assert!(!der_private_key(&data[..data.len() - 1]));
        let spki = [
            0x30, 0x0a, 0x30, 0x03, 0x06, 0x01, 0x00, 0x03, 0x03, 0x00, 0x01, 0x02,
        ];
        assert!(!der_private_key(&spki));
        assert!(!armored_private_key(
            b"-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----"
        ));
        assert!(!armored_private_key(
            pem("PUBLIC KEY", &data, "\n", "").as_bytes()
        ));
        assert!(!openssh_key(&key("openssh")[..60]));
    }
}
