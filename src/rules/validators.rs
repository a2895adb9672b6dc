//! Named offline validators: structural checks that a format carries (checksums, encodings).
//!
//! The list is closed, so a rule file can only name one of these. Each validator can also
//! `complete` a generated example, so examples carry a valid checksum without a literal token.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// A structural check of a secret value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validator {
    /// `<prefix>_<30 base62><6 base62 CRC32>`: GitHub's token format, also used by npm.
    GithubChecksum,
    /// A JWT whose header and payload decode to JSON objects and whose header names `alg`.
    Jwt,
    /// A PEM block whose body decodes as base64 to at least 64 bytes.
    PemBody,
    /// A PyPI API token: `pypi-` and a base64url macaroon that decodes and names pypi.org.
    PypiMacaroon,
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
            _ => None,
        }
    }

    /// The names a rule file may use.
    pub const NAMES: [&'static str; 4] = ["github-checksum", "jwt", "pem-body", "pypi-macaroon"];

    /// The name used in rule files.
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubChecksum => "github-checksum",
            Validator::Jwt => "jwt",
            Validator::PemBody => "pem-body",
            Validator::PypiMacaroon => "pypi-macaroon",
        }
    }

    /// Whether the secret passes the check.
    pub fn check(self, secret: &[u8]) -> bool {
        match self {
            Validator::GithubChecksum => github_checksum_ok(secret),
            Validator::Jwt => jwt_ok(secret),
            Validator::PemBody => pem_body_ok(secret),
            Validator::PypiMacaroon => pypi_ok(secret),
        }
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
    let text = String::from_utf8_lossy(secret);
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----") && !l.contains(':'))
        .flat_map(|l| l.trim().trim_matches(|c| c == '"' || c == '\\').chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    // Escaped newlines in a string literal ("\n") leave an `n` between lines; strip them.
    let body = body.replace("\\n", "");
    STD_LENIENT
        .decode(body.as_bytes())
        .is_ok_and(|b| b.len() >= 64)
}

fn pypi_ok(secret: &[u8]) -> bool {
    let Some(macaroon) = secret.strip_prefix(b"pypi-") else {
        return false;
    };
    URL_LENIENT
        .decode(macaroon)
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
    }
}
