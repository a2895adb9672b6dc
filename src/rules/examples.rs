//! Rule examples: placeholder expansion. The runner behind `leakgate rules test`, which drives
//! the engine, is [`crate::selftest`].
//!
//! Examples hold generator placeholders such as `{{alnum:36}}` so a rule file carries realistic
//! positives without a literal token in the repository. Expansion is deterministic (seeded by rule
//! id and example index) and a rule's checksum validator completes the value.

use super::fake_keys;

/// A deterministic splitmix64 generator; no dependency, reproducible failures.
struct Rng(u64);

impl Rng {
    fn seeded(rule_id: &str, index: usize) -> Rng {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in rule_id.bytes().chain(index.to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick(&mut self, alphabet: &[u8]) -> char {
        char::from(alphabet[(self.next() % alphabet.len() as u64) as usize])
    }
}

/// The alphabet of a placeholder class, if the class is known.
fn alphabet(class: &str) -> Option<&'static [u8]> {
    Some(match class {
        "alnum" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "hex" => b"0123456789abcdef",
        "HEX" => b"0123456789ABCDEF",
        "lower" => b"abcdefghijklmnopqrstuvwxyz",
        "upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "digits" => b"0123456789",
        "alnumlower" => b"abcdefghijklmnopqrstuvwxyz0123456789",
        "alnumupper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "base32" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "bech32" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        "base64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "base64url" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        "password" => b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+-=?_",
        _ => return None,
    })
}

/// Base64 of `deploy:` and a `len`-character password, as in HTTP Basic and docker `auths`.
fn basic_auth(rng: &mut Rng, len: usize) -> String {
    use base64::Engine as _;
    let letters = alphabet("alnum").unwrap_or(b"a");
    let password: String = (0..len).map(|_| rng.pick(letters)).collect();
    base64::engine::general_purpose::STANDARD.encode(format!("deploy:{password}"))
}

/// Base64 of a PEM RSA private key block (a fake key of the right structure) with about
/// `lines` body lines (kubeconfig `client-key-data`).
fn base64_pem(rng: &mut Rng, lines: usize) -> String {
    use base64::Engine as _;
    let body = key_base64(rng, "rsa", lines * 48 * 2 / 5, "\n");
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
    base64::engine::general_purpose::STANDARD.encode(pem)
}

/// The base64 of a fake key of `kind` (see [`fake_keys::KINDS`]), cut into 64-character lines
/// joined by `separator` (none: one line); empty for an unknown kind.
fn key_base64(rng: &mut Rng, kind: &str, size: usize, separator: &str) -> String {
    use base64::Engine as _;
    let mut random = || rng.next().to_le_bytes()[0];
    let Some(key) = fake_keys::fake_key(kind, size, &mut random) else {
        return String::new();
    };
    let text = base64::engine::general_purpose::STANDARD.encode(key);
    if separator.is_empty() {
        return text;
    }
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    lines.join(separator)
}

/// Expands a fake-key placeholder: `pem:KIND` (64-character lines), `pemesc:KIND` (lines joined
/// by a literal `\n`, as in JSON), `der:KIND` (one line).
fn key_placeholder(rng: &mut Rng, class: &str, kind: &str) -> Option<String> {
    let separator = match class {
        "pem" => "\n",
        "pemesc" => "\\n",
        "der" => "",
        _ => return None,
    };
    fake_keys::KINDS
        .contains(&kind)
        .then(|| key_base64(rng, kind, 160, separator))
}

/// Expands every `{{class:N}}` in `template`; unknown placeholders are left as written.
pub fn expand(template: &str, rule_id: &str, index: usize) -> String {
    let mut rng = Rng::seeded(rule_id, index);
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        match inner.split_once(':') {
            Some(("basicauth", n)) if n.parse::<usize>().is_ok() => {
                out.push_str(&basic_auth(&mut rng, n.parse().unwrap_or(16)));
            }
            Some(("b64pem", n)) if n.parse::<usize>().is_ok() => {
                out.push_str(&base64_pem(&mut rng, n.parse().unwrap_or(4)));
            }
            Some(("b64pemwrap", n)) if n.parse::<usize>().is_ok() => {
                let text = base64_pem(&mut rng, n.parse().unwrap_or(4));
                let lines: Vec<&str> = text
                    .as_bytes()
                    .chunks(76)
                    .map(|c| std::str::from_utf8(c).unwrap_or(""))
                    .collect();
                out.push_str(&lines.join("\n  "));
            }
            Some((class @ ("pem" | "pemesc" | "der"), kind))
                if fake_keys::KINDS.contains(&kind) =>
            {
                out.push_str(&key_placeholder(&mut rng, class, kind).unwrap_or_default());
            }
            Some((class, n)) => match (alphabet(class), n.parse::<usize>()) {
                (Some(letters), Ok(count)) => (0..count).for_each(|_| out.push(rng.pick(letters))),
                _ => out.push_str(&rest[open..open + 2 + close + 2]),
            },
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_is_deterministic_and_sized() {
        let a = expand("k={{hex:40}} d={{digits:5}}", "some-rule", 0);
        assert_eq!(a, expand("k={{hex:40}} d={{digits:5}}", "some-rule", 0));
        assert_ne!(a, expand("k={{hex:40}} d={{digits:5}}", "some-rule", 1));
        let hex = &a[2..42];
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(a.len(), "k=".len() + 40 + " d=".len() + 5);
    }

    #[test]
    fn unknown_placeholders_stay() {
        assert_eq!(
            expand("{{ .Values.x }} {{nope:3}}", "r", 0),
            "{{ .Values.x }} {{nope:3}}"
        );
    }
}
