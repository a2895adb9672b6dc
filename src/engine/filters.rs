//! Filters that judge a candidate secret by its value alone: entropy and placeholders.
//!
//! One shared placeholder filter serves every rule, so "changeme", `${DB_PASSWORD}` and AWS's
//! documentation key are dropped the same way everywhere.

/// Shannon entropy of `bytes` in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

/// Substrings that mark a value as a placeholder or documentation sample.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "sample",
    "dummy",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "your_",
    "your-",
    "yourpass",
    "yourkey",
    "yoursecret",
    "yourtoken",
    "xxxx",
    "****",
    "####",
    "....",
    "redacted",
    "replace_me",
    "replace-me",
    "replaceme",
    "replace_this",
    "replace-this",
    "change_this",
    "change-this",
    "-here",
    "_here",
    "insert_",
    "fake_",
    "fakekey",
    "notreal",
    "not_a_real",
    "not-a-real",
    "secret_here",
    "key_here",
    "token_here",
    "password_here",
    "<your",
];

/// Whole values that are never a real credential.
const PLACEHOLDER_VALUES: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "none",
    "null",
    "nil",
    "true",
    "false",
    "undefined",
    "empty",
    "default",
    "test",
    "testing",
    "admin",
    "root",
    "user",
    "username",
    "pass",
    "string",
    "value",
    "required",
    "optional",
    "todo",
    "tbd",
    "unknown",
    "mysecret",
    "mypassword",
    "secretkey",
    "secret_key",
    "letmein",
    "123456",
    "12345678",
    "qwerty",
    "foobar",
    "foo",
    "bar",
    "baz",
    "abc123",
    "hunter2",
    "tiger",
    "scott",
];

/// Why a value is a placeholder, or `None` when it may be real.
pub fn placeholder_reason(secret: &[u8]) -> Option<&'static str> {
    let text = String::from_utf8_lossy(secret);
    let lower = text.to_ascii_lowercase();
    if let Some(word) = PLACEHOLDER_WORDS.iter().find(|w| lower.contains(*w)) {
        return Some(word);
    }
    if is_named_placeholder(&lower) {
        return Some("names itself (somepassword, my-secret-token)");
    }
    if lower.starts_with("my_") || lower.starts_with("my-") || lower.starts_with('[') {
        return Some("a documentation value (my_..., [...])");
    }
    if PLACEHOLDER_VALUES.contains(&lower.as_str()) {
        return Some("a placeholder value");
    }
    if is_template_or_lookup(&lower) {
        return Some("a template or variable look-up");
    }
    None
}

/// Whether the value holds a `{name}` format placeholder (Python, Rust, C# format strings) or
/// an f-string call (`{pw()}`, `{c.r(HEX, 32)}`).
fn has_brace_placeholder(lower: &str) -> bool {
    let bytes = lower.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == b'{'
            && bytes[i + 1..]
                .iter()
                .position(|&c| c == b'}')
                .is_some_and(|end| {
                    let name = &bytes[i + 1..i + 1 + end];
                    !name.is_empty()
                        && (name[0].is_ascii_alphabetic() || name[0] == b'_')
                        && name.iter().all(|c| {
                            c.is_ascii_alphanumeric()
                                || matches!(c, b'_' | b'.' | b'(' | b')' | b',' | b' ')
                        })
                })
    })
}

/// A Windows batch variable as the whole value (`%DB_PASSWORD%`, `%~1`), so
/// `set PASSWORD=%DB_PASSWORD%` and `net use ... %PASS%` read the environment, not a literal.
fn is_batch_variable(lower: &str) -> bool {
    lower
        .strip_prefix('%')
        .and_then(|rest| rest.strip_suffix('%'))
        .is_some_and(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'~' | b':' | b'-'))
        })
}

/// `somepassword`, `new_password1`, `the-secret`, `apikey123`: a value that is only its own
/// name with filler around it.
fn is_named_placeholder(lower: &str) -> bool {
    const FILLERS: &[&str] = &[
        "some", "my", "your", "the", "a", "new", "old", "test", "dummy", "fake", "super", "top",
    ];
    const NAMES: &[&str] = &[
        "password", "passwd", "pass", "secret", "token", "apikey", "api_key", "key", "pwd",
    ];
    let trimmed = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    let core = FILLERS
        .iter()
        .find_map(|f| trimmed.strip_prefix(f))
        .unwrap_or(trimmed)
        .trim_start_matches(['-', '_']);
    NAMES.contains(&core)
}

/// `${VAR}`, `{{ var }}`, `%(name)s`, `<value>`, `$VAR`, and environment or vault look-ups.
fn is_template_or_lookup(lower: &str) -> bool {
    const MARKERS: &[&str] = &[
        "${",
        "{{",
        "%(",
        "#{",
        "$(",
        "process.env",
        "os.environ",
        "getenv",
        "env[",
        "env(",
        "env.",
        "vault:",
        "secretkeyref",
        "secretsmanager",
        "ssm:",
        "keyvault",
        "!ref",
        "$env:",
        "@format",
        "settings.",
        "config.",
        "<%",
    ];
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    if has_brace_placeholder(lower) || is_batch_variable(lower) {
        return true;
    }
    if lower.starts_with('<') && lower.ends_with('>') {
        return true;
    }
    let bytes = lower.as_bytes();
    bytes.len() > 1
        && bytes[0] == b'$'
        && bytes[1..]
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'{' || b == b'}')
}

/// Whether the secret is glued to a template placeholder (`abc{{ var }}`, `${x}abc`): then it
/// is a fragment of a template, not a value.
pub fn touches_template(bytes: &[u8], secret: &std::ops::Range<usize>) -> bool {
    let after = &bytes[secret.end..];
    let before = &bytes[..secret.start];
    after.starts_with(b"{{")
        || after.starts_with(b"${")
        || before.ends_with(b"}}")
        || before.ends_with(b"{{")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_and_constant_strings() {
        assert!(shannon_entropy(b"aaaaaaaa").abs() < f64::EPSILON);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"") < f64::EPSILON);
    }

    #[test]
    fn placeholders_are_recognised() {
        for value in [
            "AKIAIOSFODNN7EXAMPLE",
            "${DB_PASSWORD}",
            "{{ .Values.password }}",
            "%(password)s",
            "<your-token>",
            "$DB_PASS",
            "changeme",
            "xxxxxxxxxxxxxxxx",
            "process.env.API_KEY",
            "password",
            "my_rootPassword",
            "[new_password]",
            "somepassword",
            "new_password1",
            "super-secret",
            "{key}9",
            "pre{db.password}",
            "%DB_PASSWORD%",
            "%SVC_PASS%",
            "$env:ADMIN_PASS",
            "glpat-my-token-here",
            "sk-your-key-here",
            "django-insecure-replace-this-with-a-long-random-string",
            "token-goes-here",
            "etl/{pw()}",
            "{c.r(HEX, 32)}",
        ] {
            assert!(placeholder_reason(value.as_bytes()).is_some(), "{value}");
        }
    }

    #[test]
    fn random_values_are_not_placeholders() {
        for value in [
            "hX8#kq2!Lm9zPq",
            "wJalrXUtnFEMIK7MDENGbPxRfiCY",
            "s3cr3t-Pr0d-2024",
            "50%off-Pr0d!",
            "%%",
            "Where2Go!Now",
        ] {
            assert_eq!(placeholder_reason(value.as_bytes()), None, "{value}");
        }
    }
}
