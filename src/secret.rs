//! A found secret value as a type that cannot be printed by accident.
//!
//! `Display`, `Debug` and `Serialize` all mask; the raw value leaves only through
//! [`Secret::reveal`], which the reporters call when the user passed `--show-secrets`.

use std::fmt;

/// A secret value, masked wherever it is formatted.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String, Form);

/// Whether a [`Secret`] holds the value or only its masked form (read back from a report).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Form {
    Raw,
    Masked,
}

impl Secret {
    /// Wraps raw bytes (lossily decoded: a secret is almost always ASCII).
    pub fn new(bytes: &[u8]) -> Self {
        Secret(String::from_utf8_lossy(bytes).into_owned(), Form::Raw)
    }

    /// The secret as a report wrote it (`leakgate merge`): a masked form (`ghp_****`) stays as
    /// it is, never masked twice; anything else is a raw value written with `--show-secrets`.
    pub fn from_report(text: &str) -> Self {
        let masked = text
            .strip_suffix("****")
            .is_some_and(|prefix| prefix.chars().count() <= 4);
        let form = if masked { Form::Masked } else { Form::Raw };
        Secret(text.to_owned(), form)
    }

    /// Whether this is a masked form read back from a report (its raw value is unknown).
    pub fn is_masked(&self) -> bool {
        self.1 == Form::Masked
    }

    /// The raw value (for a secret read back masked, its masked form). Call only to honour an
    /// explicit `--show-secrets`.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// A masked form: a short prefix (at most 4 characters, at most a quarter of the value) and
    /// `****`, so a reader can tell tokens apart without learning them.
    pub fn masked(&self) -> String {
        if self.1 == Form::Masked {
            return self.0.clone();
        }
        let chars: Vec<char> = self.0.chars().collect();
        let keep = (chars.len() / 4).min(4);
        let prefix: String = chars[..keep].iter().collect();
        format!("{prefix}****")
    }

    /// The value as shown in a report: raw when `show` is true, masked otherwise.
    pub fn shown(&self, show: bool) -> String {
        if show { self.0.clone() } else { self.masked() }
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_in_every_format() {
        let secret = Secret::new(b"abcdefghijklmnopqrstuvwxyz");
        assert_eq!(secret.to_string(), "abcd****");
        assert_eq!(format!("{secret:?}"), "Secret(abcd****)");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"abcd****\"");
        assert_eq!(secret.reveal(), "abcdefghijklmnopqrstuvwxyz");
    }

    #[test]
    fn a_masked_secret_read_back_is_not_masked_again() {
        assert_eq!(Secret::from_report("ghp_****").masked(), "ghp_****");
        assert_eq!(Secret::from_report("ghp_****").reveal(), "ghp_****");
        let raw = Secret::from_report("abcdefghijklmnopqrstuvwxyz");
        assert_eq!(raw.masked(), "abcd****");
    }

    #[test]
    fn short_secrets_show_little() {
        assert_eq!(Secret::new(b"hunter2").masked(), "h****");
        assert_eq!(Secret::new(b"abc").masked(), "****");
    }
}
