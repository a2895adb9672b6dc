//! Named offline validators: structural checks that a format carries (checksums, encodings).
//!
//! The list is closed, so a rule file can only name one of these. Each validator can also
//! `complete` a generated example, so examples carry a valid checksum without a literal token.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

use super::keyshape;

/// A structural check of a secret value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// `<prefix>_<30 base62><6 base62 CRC32>`: GitHub's token format, also used by npm.
    GithubChecksum,
    /// A JWT whose header and payload decode to JSON objects and whose header names `alg`.
    Jwt,
    /// A PEM block whose body, unwrapped, decodes as base64 to at least 32 bytes.
    PemBody,
    /// A PyPI API token: `pypi-` and a base64url macaroon that decodes and names pypi.org.
    PypiMacaroon,
    /// Base64 that decodes to printable `user:password` (HTTP Basic, docker `auths`).
    BasicAuth,
    /// Base64 of a whole key file: a PEM private key with a valid structure or a PuTTY key
    /// (kubeconfig `client-key-data`, `PRIVATE_KEY_B64=`).
    Base64Pem,
    /// An armored private key (PEM, OpenSSH, PGP) whose unwrapped body has a key's structure.
    PrivateKey,
    /// One line of base64 that decodes to a DER private key or an `openssh-key-v1` blob.
    DerPrivateKey,
    /// A PuTTY `.ppk` key: public blob naming its algorithm, private blob, MAC.
    PuttyKey,
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Base64 decoding that accepts padded or unpadded input.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STD_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);
const URL_LENIENT: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);

impl Validator {
    /// Parses the name used in rule files.
    pub fn parse(name: &str) -> Option<Validator> {
        match name {
            "github-checksum" => Some(Validator::GithubChecksum),
            "jwt" => Some(Validator::Jwt),
            "pem-body" => Some(Validator::PemBody),
            "pypi-macaroon" => Some(Validator::PypiMacaroon),
            "basic-auth" => Some(Validator::BasicAuth),
            "base64-pem" => Some(Validator::Base64Pem),
            "private-key" => Some(Validator::PrivateKey),
            "der-private-key" => Some(Validator::DerPrivateKey),
            "putty-key" => Some(Validator::PuttyKey),
            _ => None,
        }
    }

    /// The names a rule file may use.
    pub const NAMES: [&'static str; 9] = [
        "github-checksum",
        "jwt",
        "pem-body",
        "pypi-macaroon",
        "basic-auth",
        "base64-pem",
        "private-key",
        "der-private-key",
        "putty-key",
    ];

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubChecksum => "github-checksum",
            Validator::Jwt => "jwt",
            Validator::PemBody => "pem-body",
            Validator::PypiMacaroon => "pypi-macaroon",
            Validator::BasicAuth => "basic-auth",
            Validator::Base64Pem => "base64-pem",
            Validator::PrivateKey => "private-key",
            Validator::DerPrivateKey => "der-private-key",
            Validator::PuttyKey => "putty-key",
        }
    }

    /// Whether the secret passes the check.
    pub fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubChecksum => github_checksum_ok(secret),
            Validator::Jwt => jwt_ok(secret),
            Validator::PemBody => pem_body_ok(secret),
            Validator::PypiMacaroon => pypi_ok(secret),
            Validator::BasicAuth => basic_auth_ok(secret),
            Validator::Base64Pem => keyshape::base64_key_file(secret),
            Validator::PrivateKey => keyshape::armored_private_key(secret),
            Validator::DerPrivateKey => keyshape::base64_private_key(secret),
            Validator::PuttyKey => keyshape::putty_key(secret),
        }
    }

    /// Whether passing the check proves the value is the real thing (a key's structure), so
    /// the placeholder word filter must not drop it: a 4096-bit key's base64 holds `xxxx` about
    /// once in 300 keys, and a placeholder body never decodes to a key.
    pub fn proves_structure(self) -> bool {
        matches!(
            self,
            Validator::Base64Pem
                | Validator::PrivateKey
                | Validator::DerPrivateKey
                | Validator::PuttyKey
        )
    }

    /// Rewrites a generated secret so that it passes the check (where a checksum makes that
    /// possible); used by the example runner only.
    pub fn complete(self, secret: &mut [u8]) {
        if self == Validator::GithubChecksum
            && let Some(body) = github_body(secret)
        {
            let start = secret.len() - 36;
            let sum = base62_checksum(&body[..30]);
            secret[start + 30..].copy_from_slice(&sum);
        }
    }
}

/// The 36 characters after the last `_`, if that is the token's shape.
fn github_body(secret: &[u8]) -> Option<&[u8]> {
    let underscore = secret.iter().rposition(|&b| b == b'_')?;
    let body = &secret[underscore + 1..];
    (body.len() == 36 && body.iter().all(u8::is_ascii_alphanumeric)).then_some(body)
}

fn base62_checksum(entropy: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(entropy);
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

fn github_checksum_ok(secret: &[u8]) -> bool {
    github_body(secret).is_some_and(|body| base62_checksum(&body[..30]) == body[30..])
}

fn decode_json_object(segment: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    let bytes = URL_LENIENT.decode(segment).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

fn jwt_ok(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    decode_json_object(header).is_some_and(|h| h.contains_key("alg"))
        && decode_json_object(payload).is_some()
}

fn pem_body_ok(secret: &[u8]) -> bool {
    keyshape::dearmor(secret).is_some_and(|block| block.data.len() >= 32)
}

fn basic_auth_ok(secret: &[u8]) -> bool {
    STD_LENIENT.decode(secret).is_ok_and(|b| {
        let colon = b.iter().position(|&c| c == b':');
        colon.is_some_and(|i| i > 0 && i + 1 < b.len() && !placeholder_password(&b[i + 1..]))
            && b.iter().all(|c| (0x20..0x7f).contains(c))
    })
}

/// A password that documentation writes in its place (`username:password`, `user:<token>`,
/// `me:${PASS}`, `x:xxxxxx`): base64 of such a pair is a sample, not a credential.
fn placeholder_password(password: &[u8]) -> bool {
    const WORDS: &[&[u8]] = &[
        b"password",
        b"passwd",
        b"pass",
        b"secret",
        b"token",
        b"changeme",
        b"pat",
        b"your_password",
        b"yourpassword",
        b"your-password",
        b"mypassword",
        b"api_key",
    ];
    let lower = password.to_ascii_lowercase();
    WORDS.contains(&lower.as_slice())
        || matches!(password.first(), Some(b'<' | b'$' | b'{' | b'%'))
        || password.iter().all(|&c| c == password[0])
}

fn pypi_ok(secret: &[u8]) -> bool {
    let Some(macaroon) = secret.strip_prefix(b"pypi-") else {
        return false;
    };
    // Only the caveat header matters; decode whole 4-character groups so any length passes.
    let usable = &macaroon[..macaroon.len() - macaroon.len() % 4];
    URL_LENIENT
        .decode(usable)
        .is_ok_and(|b| b.windows(8).any(|w| w == b"pypi.org"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_checksum_completes_and_checks() {
        let mut token = b"ghp_abcdefghijklmnopqrstuvwxyz0123456789".to_vec();
        assert!(!Validator::GithubChecksum.check(&token));
        Validator::GithubChecksum.complete(&mut token);
        assert!(Validator::GithubChecksum.check(&token));
        token[10] = b'Z';
        assert!(!Validator::GithubChecksum.check(&token));
    }

    #[test]
    fn jwt_needs_json_header_with_alg() {
        let header = URL_LENIENT.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_LENIENT.encode(br#"{"sub":"42"}"#);
        let good = format!("{header}.{payload}.c2lnbmF0dXJl");
        assert!(Validator::Jwt.check(good.as_bytes()));
        let no_alg = URL_LENIENT.encode(br#"{"typ":"JWT"}"#);
        assert!(!Validator::Jwt.check(format!("{no_alg}.{payload}.c2ln").as_bytes()));
        assert!(!Validator::Jwt.check(b"eyJub3Q.anNvbg.x"));
    }

    #[test]
    fn pem_body_must_decode() {
        let body = STD_LENIENT.encode([7u8; 96]);
        let good = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----");
        assert!(Validator::PemBody.check(good.as_bytes()));
        let bad = "-----BEGIN PRIVATE KEY-----\n...your key here...\n-----END PRIVATE KEY-----";
        assert!(!Validator::PemBody.check(bad.as_bytes()));
        let escaped = format!("-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----");
        assert!(Validator::PemBody.check(escaped.as_bytes()));
    }

    #[test]
    fn basic_auth_needs_user_and_password() {
        assert!(Validator::BasicAuth.check(STD_LENIENT.encode("deploy:hunter22").as_bytes()));
        assert!(!Validator::BasicAuth.check(STD_LENIENT.encode("nocolon").as_bytes()));
        assert!(!Validator::BasicAuth.check(b"not base64!"));
        for sample in [
            "username:password",
            "user:<token>",
            "me:${PASS}",
            "x:xxxxxxxx",
        ] {
            let encoded = STD_LENIENT.encode(sample);
            assert!(!Validator::BasicAuth.check(encoded.as_bytes()), "{sample}");
        }
    }
}
