//! Binary files that are secrets themselves: keystores and private keys in binary encodings, as
//! `openssl pkcs12`, `keytool`, `openssl ... -outform DER`, `gpg --export-secret-keys` and
//! `ktutil` write them. Text rules never see them (a NUL byte in the first 8 KiB makes a file
//! binary, and a binary file is not read further), so each format is recognised here by its
//! structure, not its name, and reported as one finding on the whole file.
//!
//! Only containers that hold a private or secret key are reported: a PKCS#12 or Java keystore
//! with certificates alone (a truststore) is not. A finding's secret value is the file's SHA-256,
//! so a gate reports a keystore when its content is new and never for one its parent had.

use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use crate::finding::{CommitInfo, Finding, Provenance, fingerprint};
use crate::rules::{Confidence, Severity};
use crate::secret::Secret;

/// A binary key format and what a finding of it says.
#[derive(Debug, PartialEq, Eq)]
pub struct KeyFormat {
    /// The rule id findings carry.
    pub id: &'static str,
    /// What the file is and what it gives an attacker.
    pub description: &'static str,
}

/// PKCS#12 (`.p12`, `.pfx`) with a key bag.
pub const PKCS12: KeyFormat = KeyFormat {
    id: "pkcs12-private-key",
    description: "A PKCS#12 keystore (.p12/.pfx) holding a private key; its password is often weak or default, and with it the key signs and decrypts as its owner.",
};
/// Java JKS or JCEKS keystore with a private or secret key entry.
pub const JAVA_KEYSTORE: KeyFormat = KeyFormat {
    id: "java-keystore-private-key",
    description: "A Java keystore (JKS/JCEKS) holding a private or secret key; keystore passwords are often the default, and the key signs or decrypts as its owner.",
};
/// A private key in DER (PKCS#8, encrypted PKCS#8, PKCS#1 RSA or DSA, SEC1 EC).
pub const DER_PRIVATE_KEY: KeyFormat = KeyFormat {
    id: "der-private-key",
    description: "A private key in binary DER form (PKCS#8, PKCS#1 or SEC1); it signs and decrypts as its owner.",
};
/// An OpenPGP secret key packet, unarmored.
pub const PGP_SECRET_KEY: KeyFormat = KeyFormat {
    id: "pgp-private-key-binary",
    description: "An OpenPGP secret key in binary form (gpg --export-secret-keys without --armor); it signs and decrypts as its owner.",
};
/// A Kerberos keytab.
pub const KEYTAB: KeyFormat = KeyFormat {
    id: "kerberos-keytab",
    description: "A Kerberos keytab: the long-term keys of a principal, enough to log in as it without a password.",
};

const REMEDIATION: &str = "Remove the file from the change and from history, revoke or rotate the key it holds (issue a new certificate or key pair), and load it from a secret store at run time.";

/// Key files are small; a binary file that starts like one is read up to this much to be judged.
pub const MAX_KEY_FILE: usize = 1 << 20;

/// Whether a binary file's first bytes could begin a key file: a DER SEQUENCE, a Java keystore,
/// a keytab or an OpenPGP secret key packet. Only such files are read past their first 8 KiB.
pub fn may_be_key_file(head: &[u8]) -> bool {
    matches!(
        head.first(),
        Some(0x30 | 0xFE | 0xCE | 0x05 | 0x94..=0x97 | 0xC5)
    )
}

/// The key format of a binary file, if it is one.
pub fn recognise(bytes: &[u8]) -> Option<&'static KeyFormat> {
    if is_java_keystore(bytes) {
        Some(&JAVA_KEYSTORE)
    } else if is_pkcs12_with_key(bytes) {
        Some(&PKCS12)
    } else if is_der_private_key(bytes) {
        Some(&DER_PRIVATE_KEY)
    } else if is_pgp_secret_key(bytes) {
        Some(&PGP_SECRET_KEY)
    } else if is_keytab(bytes) {
        Some(&KEYTAB)
    } else {
        None
    }
}

/// The finding for a recognised key file: on line 1, its value the file's SHA-256.
pub fn finding(
    format: &KeyFormat,
    bytes: &[u8],
    file: &str,
    commit: Option<&Arc<CommitInfo>>,
) -> Finding {
    let digest = Sha256::digest(bytes);
    let value = digest.iter().fold(String::with_capacity(64), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    });
    Finding {
        rule_id: format.id.to_owned(),
        description: format.description.to_owned(),
        severity: Severity::Critical,
        confidence: Confidence::High,
        file: crate::escape::controls(file).into_owned(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
        secret: Secret::new(value.as_bytes()),
        fingerprint: fingerprint(format.id, value.as_bytes()),
        repository: None,
        commit: commit.cloned(),
        provenance: if commit.is_some() {
            Provenance::Blob
        } else {
            Provenance::File
        },
        suppressed: None,
        decoded: None,
        tags: vec!["private-key".to_owned(), "binary".to_owned()],
        remediation: REMEDIATION.to_owned(),
        validation: None,
    }
}

/// One DER element: its tag, and where its content lies.
#[derive(Debug, Clone, Copy)]
struct Der {
    tag: u8,
    start: usize,
    end: usize,
}

/// The DER element at `at` in `bytes`, if its header is well formed and its content fits.
fn der_at(bytes: &[u8], at: usize) -> Option<Der> {
    let tag = *bytes.get(at)?;
    let first = *bytes.get(at + 1)?;
    let (len, header) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let count = usize::from(first & 0x7F);
        if count == 0 || count > 4 {
            return None;
        }
        let len = bytes
            .get(at + 2..at + 2 + count)?
            .iter()
            .fold(0usize, |acc, &b| acc << 8 | usize::from(b));
        (len, 2 + count)
    };
    let start = at + header;
    let end = start.checked_add(len)?;
    (end <= bytes.len()).then_some(Der { tag, start, end })
}

/// The elements inside a constructed element, in order (stops at the first malformed one).
fn children(bytes: &[u8], parent: Der) -> Vec<Der> {
    let mut out = Vec::new();
    let mut at = parent.start;
    while at < parent.end {
        match der_at(&bytes[..parent.end], at) {
            Some(child) => {
                at = child.end;
                out.push(child);
            }
            None => break,
        }
    }
    out
}

const SEQUENCE: u8 = 0x30;
const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OID: u8 = 0x06;

/// The whole input as one DER SEQUENCE (a DER file is exactly one element).
fn whole_sequence(bytes: &[u8]) -> Option<Der> {
    der_at(bytes, 0).filter(|d| d.tag == SEQUENCE && d.end == bytes.len())
}

fn small_integer(bytes: &[u8], d: Der) -> Option<u8> {
    (d.tag == INTEGER && d.end - d.start == 1).then(|| bytes[d.start])
}

/// The OID of a PKCS#12 bag less its last arc: 1.2.840.113549.1.12.10.1.1 is keyBag, .2
/// pkcs8ShroudedKeyBag.
const KEY_BAG: &[u8] = &[
    0x06, 0x0B, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x0A, 0x01,
];

/// PKCS#12: `SEQUENCE { INTEGER 3, ContentInfo, ... }` holding a key bag or a shrouded key bag
/// (their OIDs are written in the clear; the bags' contents are what is encrypted).
fn is_pkcs12_with_key(bytes: &[u8]) -> bool {
    let Some(top) = whole_sequence(bytes) else {
        return false;
    };
    let parts = children(bytes, top);
    let [version, content, ..] = parts.as_slice() else {
        return false;
    };
    if small_integer(bytes, *version) != Some(3) || content.tag != SEQUENCE {
        return false;
    }
    memchr::memmem::find_iter(bytes, KEY_BAG)
        .any(|at| matches!(bytes.get(at + KEY_BAG.len()), Some(1 | 2)))
}

/// A private key in DER: PKCS#8 `SEQUENCE { INTEGER 0|1, SEQUENCE { OID ... }, OCTET STRING }`;
/// encrypted PKCS#8 `SEQUENCE { SEQUENCE { OID (PKCS#5 or PKCS#12 encryption) ... }, OCTET
/// STRING }`; PKCS#1 RSA and OpenSSL's DSA form `SEQUENCE { INTEGER 0, INTEGER (512 bits or
/// more), INTEGER x 4 or more }`; SEC1 EC `SEQUENCE { INTEGER 1, OCTET STRING (the scalar) ... }`.
fn is_der_private_key(bytes: &[u8]) -> bool {
    let Some(top) = whole_sequence(bytes) else {
        return false;
    };
    let parts = children(bytes, top);
    if parts.last().is_none_or(|last| last.end != top.end) {
        return false;
    }
    let first_oid = |d: &Der| {
        (d.tag == SEQUENCE)
            .then(|| children(bytes, *d).first().copied())
            .flatten()
            .filter(|o| o.tag == OID)
            .map(|o| &bytes[o.start..o.end])
    };
    match parts.as_slice() {
        [version, algorithm, key, ..]
            if matches!(small_integer(bytes, *version), Some(0 | 1))
                && first_oid(algorithm).is_some()
                && key.tag == OCTET_STRING =>
        {
            true
        }
        // 1.2.840.113549.1.5.* (PBES1/PBES2) and 1.2.840.113549.1.12.1.* (PKCS#12 PBE).
        [algorithm, data]
            if data.tag == OCTET_STRING
                && first_oid(algorithm).is_some_and(|oid| {
                    oid.starts_with(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05])
                        || oid.starts_with(&[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x0C, 0x01])
                }) =>
        {
            true
        }
        [version, modulus, rest @ ..]
            if small_integer(bytes, *version) == Some(0)
                && modulus.tag == INTEGER
                && modulus.end - modulus.start >= 64
                && rest.len() >= 4
                && rest.iter().all(|d| d.tag == INTEGER) =>
        {
            true
        }
        [version, scalar, ..]
            if small_integer(bytes, *version) == Some(1)
                && scalar.tag == OCTET_STRING
                && (20..=66).contains(&(scalar.end - scalar.start)) =>
        {
            true
        }
        _ => false,
    }
}

/// A big-endian u32 at `at`.
fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<usize> {
    Some(usize::from(u16::from_be_bytes(
        bytes.get(at..at + 2)?.try_into().ok()?,
    )))
}

/// JKS (`FEEDFEED`) or JCEKS (`CECECECE`), version 1 or 2, with a private key entry (tag 1) or
/// a secret key entry (tag 3). Entries are walked as the format lays them out; a trusted
/// certificate entry (tag 2) alone is a truststore.
fn is_java_keystore(bytes: &[u8]) -> bool {
    let magic = u32_at(bytes, 0);
    if !matches!(magic, Some(0xFEED_FEED | 0xCECE_CECE)) || !matches!(u32_at(bytes, 4), Some(1 | 2))
    {
        return false;
    }
    let Some(count) = u32_at(bytes, 8) else {
        return false;
    };
    let mut at = 12;
    for _ in 0..count.min(100_000) {
        let Some(tag) = u32_at(bytes, at) else {
            return false;
        };
        if tag == 1 || tag == 3 {
            return true;
        }
        // Tag 2: alias (u16 length + UTF), timestamp (8), then one certificate.
        let Some(alias) = u16_at(bytes, at + 4) else {
            return false;
        };
        at += 4 + 2 + alias + 8;
        let Some(after) = skip_certificate(bytes, at) else {
            return false;
        };
        at = after;
    }
    false
}

/// Past one certificate of a Java keystore: its type (u16 length + UTF, version 2 only is
/// assumed as keytool writes it) and its encoding (u32 length + bytes).
fn skip_certificate(bytes: &[u8], at: usize) -> Option<usize> {
    let kind = u16_at(bytes, at)?;
    let at = at + 2 + kind;
    let len = usize::try_from(u32_at(bytes, at)?).ok()?;
    let end = at.checked_add(4)?.checked_add(len)?;
    (end <= bytes.len()).then_some(end)
}

/// An OpenPGP secret key packet (tag 5) first, old or new header format, with a known version
/// and public-key algorithm and a body that fits in the file.
fn is_pgp_secret_key(bytes: &[u8]) -> bool {
    let Some(&first) = bytes.first() else {
        return false;
    };
    let (tag, body, len) = if first & 0xC0 == 0xC0 {
        let Some(&l) = bytes.get(1) else {
            return false;
        };
        match l {
            0..=191 => (first & 0x3F, 2, usize::from(l)),
            192..=223 => {
                let Some(&l2) = bytes.get(2) else {
                    return false;
                };
                (
                    first & 0x3F,
                    3,
                    ((usize::from(l) - 192) << 8) + usize::from(l2) + 192,
                )
            }
            255 => match u32_at(bytes, 2) {
                Some(l) => (first & 0x3F, 6, l as usize),
                None => return false,
            },
            _ => return false,
        }
    } else if first & 0xC0 == 0x80 {
        let tag = (first >> 2) & 0x0F;
        match first & 0x03 {
            0 => match bytes.get(1) {
                Some(&l) => (tag, 2, usize::from(l)),
                None => return false,
            },
            1 => match u16_at(bytes, 1) {
                Some(l) => (tag, 3, l),
                None => return false,
            },
            2 => match u32_at(bytes, 1) {
                Some(l) => (tag, 5, l as usize),
                None => return false,
            },
            _ => return false,
        }
    } else {
        return false;
    };
    if tag != 5 || len < 12 || body + len > bytes.len() {
        return false;
    }
    let version = bytes[body];
    let algorithm = match version {
        3 => bytes.get(body + 7),
        4..=6 => bytes.get(body + 5),
        _ => None,
    };
    matches!(algorithm, Some(1..=3 | 16..=20 | 22 | 25..=28))
}

/// A Kerberos keytab (version 0x0502): the first entry's size fits, and its realm is printable.
fn is_keytab(bytes: &[u8]) -> bool {
    if bytes.get(..2) != Some(&[0x05, 0x02]) {
        return false;
    }
    let Some(size) = u32_at(bytes, 2) else {
        return false;
    };
    let size = size as usize;
    if size < 16 || 6 + size > bytes.len() {
        return false;
    }
    let (Some(components), Some(realm)) = (u16_at(bytes, 6), u16_at(bytes, 8)) else {
        return false;
    };
    (1..=16).contains(&components)
        && realm > 0
        && bytes
            .get(10..10 + realm)
            .is_some_and(|r| r.iter().all(u8::is_ascii_graphic))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DER element with a short or long length.
    fn der(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n @ 0..=127 => out.push(n as u8),
            n @ 128..=255 => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    fn cat(parts: &[Vec<u8>]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn der_structures_are_told_apart() {
        let rsa_oid = der(OID, &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]);
        let pkcs8 = der(
            SEQUENCE,
            &cat(&[
                der(INTEGER, &[0]),
                der(SEQUENCE, &cat(&[rsa_oid.clone(), der(0x05, &[])])),
                der(OCTET_STRING, &[7; 40]),
            ]),
        );
        assert_eq!(recognise(&pkcs8), Some(&DER_PRIVATE_KEY));
        // A public key: SEQUENCE { SEQUENCE { OID }, BIT STRING }.
        let spki = der(
            SEQUENCE,
            &cat(&[der(SEQUENCE, &rsa_oid), der(0x03, &[0; 40])]),
        );
        assert_eq!(recognise(&spki), None);
        // Trailing bytes after the element: not a DER file.
        let mut long = pkcs8.clone();
        long.push(0);
        assert_eq!(recognise(&long), None);
        let mut rsa = vec![der(INTEGER, &[0]), der(INTEGER, &[0x55; 129])];
        rsa.extend((0..6).map(|_| der(INTEGER, &[3; 64])));
        assert_eq!(
            recognise(&der(SEQUENCE, &cat(&rsa))),
            Some(&DER_PRIVATE_KEY)
        );
        let ec = der(
            SEQUENCE,
            &cat(&[der(INTEGER, &[1]), der(OCTET_STRING, &[9; 32])]),
        );
        assert_eq!(recognise(&ec), Some(&DER_PRIVATE_KEY));
    }

    #[test]
    fn java_keystores_with_keys_are_keys_and_truststores_are_not() {
        let mut trust = vec![0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2, 0, 0, 0, 1];
        trust.extend([0, 0, 0, 2, 0, 2, b'c', b'a']);
        trust.extend([0; 8]);
        trust.extend([0, 5]);
        trust.extend(b"X.509");
        trust.extend([0, 0, 0, 3, 1, 2, 3]);
        trust.extend([0; 20]);
        assert_eq!(recognise(&trust), None);
        let mut keyed = trust.clone();
        keyed[8..12].copy_from_slice(&[0, 0, 0, 2]);
        let entry_end = 12 + 8 + 8 + 2 + 5 + 4 + 3;
        keyed.splice(entry_end..entry_end, [0, 0, 0, 1]);
        assert_eq!(recognise(&keyed), Some(&JAVA_KEYSTORE));
    }

    #[test]
    fn a_keytab_entry_is_a_keytab() {
        // MIT keytab v2: one entry for host/db@EXAMPLE.COM, an AES-128 key.
        let mut entry = vec![0, 1, 0, 11];
        entry.extend(b"EXAMPLE.COM");
        entry.extend([0, 2]);
        entry.extend(b"db");
        entry.extend([0, 0, 0, 1, 0x5F, 0, 0, 0, 3, 0, 17, 0, 16]);
        entry.extend([0xA5; 16]);
        let mut keytab = vec![0x05, 0x02];
        keytab.extend((entry.len() as u32).to_be_bytes());
        keytab.extend(&entry);
        assert_eq!(recognise(&keytab), Some(&KEYTAB));
        keytab[10] = b' ';
        assert_eq!(recognise(&keytab), None, "a realm is printable");
    }

    #[test]
    fn binary_noise_is_not_a_key() {
        let mut state = 0x1234_5678_u32;
        let noise: Vec<u8> = (0..4096)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                (state >> 24) as u8
            })
            .collect();
        for start in 0..256 {
            assert_eq!(recognise(&noise[start..]), None, "offset {start}");
        }
        assert_eq!(recognise(b"\x95\x01"), None);
        assert_eq!(recognise(b"\x05\x02\x00\x00"), None);
        assert_eq!(recognise(&[]), None);
    }
}
