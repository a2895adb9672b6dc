//! Where a rule's keyword must stand for its regex to have a chance: a cheap look at the bytes
//! around a keyword hit that spares the regex search of the hits that cannot lead to a match.
//!
//! Generic rules share common keywords (`token`, `secret`, `password`), and most of their hits in
//! code are identifiers and prose (`tokenizer.next()`), where a rule that wants a quoted name
//! (`("password", "...")`) or an assigned one (`api_key = ...`) can never match. A rule that says
//! so in `keyword_context` has those hits skipped before its regex runs: on a node_modules tree,
//! the generic rules' regexes searched three windows in four for nothing.
//!
//! A context is sound for a rule when every match of its regex holds a keyword hit that the
//! context admits; the rule tests check that on every example and on variants of them
//! (`every_match_of_a_rule_holds_one_of_its_keywords`).

use std::ops::Range;

/// See the module doc.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeywordContext {
    /// Any hit may lead to a match (the default).
    #[default]
    Any,
    /// The keyword is part of a quoted name: name bytes (letters, digits, `_ . - :`) run from a
    /// quote before it to a quote after it (`"db_password"`, `'api-key'`).
    Quoted,
    /// The keyword is part of a name that is assigned: after the name (letters, digits,
    /// `_ . -`), an optional `\`, quote and `]`, and white space, comes `:`, `=` or the `s` of a
    /// type (`api_key = `, `"token": `, `secret string = `).
    Assigned,
    /// The keyword (`://`) begins a URL's user information: the first byte after it that a user
    /// name or password cannot hold (`/`, white space, quotes, `<`, `>`) is the `@` that ends it
    /// (`https://user:pass@host`, not `https://host/path`).
    Userinfo,
}

impl KeywordContext {
    /// The values `keyword_context` accepts, for error messages.
    pub const NAMES: &'static [&'static str] = &["quoted", "assigned", "userinfo"];

    /// The context named `name` in a rule file.
    pub fn parse(name: &str) -> Option<KeywordContext> {
        match name {
            "quoted" => Some(KeywordContext::Quoted),
            "assigned" => Some(KeywordContext::Assigned),
            "userinfo" => Some(KeywordContext::Userinfo),
            _ => None,
        }
    }

    /// The context's name and what it asks, for `explain` and `rules test`.
    pub fn describe(self) -> &'static str {
        match self {
            KeywordContext::Any => "any",
            KeywordContext::Quoted => "quoted (in a quoted name)",
            KeywordContext::Assigned => "assigned (in a name before `=` or `:`)",
            KeywordContext::Userinfo => "userinfo (a URL's `user:password@`)",
        }
    }

    /// Whether the keyword at `hit` in `bytes` stands where a match could hold it.
    pub fn admits(self, bytes: &[u8], hit: Range<usize>) -> bool {
        match self {
            KeywordContext::Any => true,
            KeywordContext::Quoted => {
                let before = bytes[..hit.start]
                    .iter()
                    .rev()
                    .find(|&&b| !quoted_name_byte(b));
                let after = bytes[hit.end..].iter().find(|&&b| !quoted_name_byte(b));
                matches!(before, Some(b'"' | b'\'')) && matches!(after, Some(b'"' | b'\''))
            }
            KeywordContext::Assigned => {
                let rest = &bytes[hit.end..];
                let mut at = rest
                    .iter()
                    .position(|&b| !assigned_name_byte(b))
                    .unwrap_or(rest.len());
                for optional in [b'\\', b'"', b'\'', b']'] {
                    // A quote is one of two: `"` or `'`, so after a `"` there is no `'` to skip.
                    if rest.get(at) == Some(&optional) {
                        at += 1;
                    }
                }
                at += rest[at..].iter().take_while(|&&b| space(b)).count();
                matches!(rest.get(at), Some(b':' | b'=' | b's' | b'S'))
            }
            KeywordContext::Userinfo => {
                let end = bytes[hit.end..]
                    .iter()
                    .find(|&&b| b == b'@' || b == b'/' || space(b) || b"\"'`<>".contains(&b));
                end == Some(&b'@')
            }
        }
    }
}

/// White space as a regex's `\s` means it without Unicode: space, tab, line feed, vertical
/// tab, form feed, carriage return.
fn space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

/// A byte of a quoted name.
fn quoted_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b':')
}

/// A byte of an assigned name (no `:`, which may be the assignment).
fn assigned_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the context admits the first occurrence of `keyword` in `text`.
    fn admits(context: KeywordContext, text: &str, keyword: &str) -> bool {
        let start = text.find(keyword).unwrap();
        context.admits(text.as_bytes(), start..start + keyword.len())
    }

    #[test]
    fn quoted_wants_a_quote_on_both_sides_of_the_name() {
        let q = KeywordContext::Quoted;
        assert!(admits(q, r#"("db_password", "x")"#, "password"));
        assert!(admits(q, "['api-key', 'x']", "api-key"));
        assert!(admits(q, r#"key="app:token:v2" value"#, "token"));
        assert!(!admits(q, "tokenizer.next()", "token"));
        assert!(!admits(q, r#"password = "x""#, "password"));
        assert!(!admits(q, r#""token is"#, "token"));
        assert!(!admits(q, "token", "token"));
    }

    #[test]
    fn assigned_wants_an_operator_after_the_name() {
        let a = KeywordContext::Assigned;
        assert!(admits(a, "API_KEY=x", "API_KEY"));
        assert!(admits(a, "client_secret_value: x", "secret"));
        assert!(admits(a, r#"  "apiKey": "x""#, "apiKey"));
        assert!(admits(a, r#"{\"token\":\"x\"}"#, "token"));
        assert!(admits(a, r#"params["token"] = x"#, "token"));
        assert!(admits(a, "token  \t:= x", "token"));
        assert!(admits(a, r#"var token string = "x""#, "token"));
        assert!(admits(a, "password1 = x", "pass"));
        assert!(!admits(a, "tokenizer.next()", "token"));
        assert!(!admits(a, "the secret is out", "secret"));
        assert!(!admits(a, "token", "token"));
        assert!(!admits(a, "(token, x)", "token"));
        assert!(admits(a, "pwd\n= x", "pwd"));
    }

    #[test]
    fn userinfo_wants_an_at_before_the_path() {
        let u = KeywordContext::Userinfo;
        assert!(admits(u, "postgres://etl:${DB:PASS}@db:5432/x", "://"));
        assert!(admits(u, "https://user@host", "://"));
        assert!(!admits(u, "https://example.com/a@b", "://"));
        assert!(!admits(u, "see https://example.com or mail a@b", "://"));
        assert!(!admits(u, r#""https://example.com"@"#, "://"));
        assert!(!admits(u, "https://user:pass", "://"));
    }
}
