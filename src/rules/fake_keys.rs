//! Structurally valid fake private keys for rule examples and tests: DER (PKCS#1, PKCS#8, SEC1,
//! DSA, encrypted PKCS#8), an OpenSSH `openssh-key-v1` blob and a PGP secret-key packet, filled
//! with random bytes. They pass the structure validators (`private-key`, `der-private-key`) but
//! are not keys: no tool can use them, so the repository never holds a real one.

/// The kinds [`fake_key`] can make.
pub const KINDS: [&str; 8] = [
    "rsa",
    "pkcs8",
    "ec",
    "ed25519",
    "dsa",
    "encrypted",
    "openssh",
    "pgp",
];

const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];

/// One DER element: `tag`, its length in the shortest form, `content`.
pub fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A positive INTEGER of `len` random bytes (leading byte kept below 0x80 and nonzero).
fn integer(len: usize, random: &mut dyn FnMut() -> u8) -> Vec<u8> {
    let mut value: Vec<u8> = (0..len).map(|_| random()).collect();
    if let Some(first) = value.first_mut() {
        *first = (*first & 0x7f) | 0x40;
    }
    der(0x02, &value)
}

fn bytes(len: usize, random: &mut dyn FnMut() -> u8) -> Vec<u8> {
    (0..len).map(|_| random()).collect()
}

fn sequence(parts: &[Vec<u8>]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

/// PKCS#1 `RSAPrivateKey` with a modulus of `modulus` bytes (the other members shortened).
fn rsa(modulus: usize, random: &mut dyn FnMut() -> u8) -> Vec<u8> {
    let half = modulus / 2;
    sequence(&[
        der(0x02, &[0]),
        integer(modulus, random),
        der(0x02, &[1, 0, 1]),
        integer(modulus, random),
        integer(half, random),
        integer(half, random),
    ])
}

/// An SSH wire-format string: a 32-bit length and the bytes.
fn ssh_string(content: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(content.len())
        .unwrap_or(0)
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(content);
    out
}

/// An unencrypted `openssh-key-v1` blob holding one ed25519 key.
fn openssh(random: &mut dyn FnMut() -> u8) -> Vec<u8> {
    let public = [ssh_string(b"ssh-ed25519"), ssh_string(&bytes(32, random))].concat();
    let check = bytes(4, random);
    let mut private = [check.clone(), check, public.clone()].concat();
    private.extend(ssh_string(&bytes(64, random)));
    private.extend(ssh_string(b"fake"));
    let mut pad = 1;
    while private.len() % 8 != 0 {
        private.push(pad);
        pad += 1;
    }
    let mut out = b"openssh-key-v1\0".to_vec();
    for part in [&b"none"[..], b"none", b""] {
        out.extend(ssh_string(part));
    }
    out.extend(1u32.to_be_bytes());
    out.extend(ssh_string(&public));
    out.extend(ssh_string(&private));
    out
}

/// The binary form of a fake private key of `kind` (one of [`KINDS`]), with a modulus (where
/// there is one) of about `size` bytes; `None` for an unknown kind.
pub fn fake_key(kind: &str, size: usize, random: &mut dyn FnMut() -> u8) -> Option<Vec<u8>> {
    let size = size.max(64);
    Some(match kind {
        "rsa" => rsa(size, random),
        "pkcs8" => sequence(&[
            der(0x02, &[0]),
            sequence(&[der(0x06, OID_RSA), der(0x05, &[])]),
            der(0x04, &rsa(size, random)),
        ]),
        "ec" => sequence(&[
            der(0x02, &[1]),
            der(0x04, &bytes(32, random)),
            der(0xa0, &der(0x06, OID_P256)),
            der(
                0xa1,
                &der(0x03, &[[0, 4].as_slice(), &bytes(64, random)].concat()),
            ),
        ]),
        "ed25519" => sequence(&[
            der(0x02, &[0]),
            sequence(&[der(0x06, OID_ED25519)]),
            der(0x04, &der(0x04, &bytes(32, random))),
        ]),
        "dsa" => sequence(&[
            der(0x02, &[0]),
            integer(size, random),
            integer(20, random),
            integer(size, random),
            integer(size, random),
            integer(20, random),
        ]),
        "encrypted" => sequence(&[
            sequence(&[
                der(0x06, OID_PBES2),
                sequence(&[der(0x04, &bytes(16, random))]),
            ]),
            der(0x04, &bytes(size.div_ceil(16) * 16, random)),
        ]),
        "openssh" => openssh(random),
        "pgp" => {
            // Old-format packet header, tag 5 (secret key), two-byte length; version 4.
            let body = [vec![4], bytes(size, random)].concat();
            let len = u16::try_from(body.len()).unwrap_or(u16::MAX).to_be_bytes();
            [vec![0x95, len[0], len[1]], body].concat()
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_lengths_use_the_shortest_form() {
        assert_eq!(der(0x04, &[9; 3])[..2], [0x04, 3]);
        assert_eq!(der(0x04, &[9; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(der(0x04, &[9; 300])[..4], [0x04, 0x82, 1, 44]);
    }

    #[test]
    fn every_kind_is_made_and_ed25519_has_the_pkcs8_size() {
        let mut n = 0u8;
        let mut random = || {
            n = n.wrapping_add(37);
            n
        };
        for kind in KINDS {
            assert!(fake_key(kind, 128, &mut random).is_some(), "{kind}");
        }
        assert_eq!(
            fake_key("ed25519", 0, &mut random).map(|k| k.len()),
            Some(48)
        );
        assert!(fake_key("nope", 1, &mut random).is_none());
    }
}
