//! Go RE2 regex syntax to Rust `regex` syntax, for the patterns of a gitleaks configuration.
//!
//! The two dialects agree on almost everything (no lookaround or backreferences in either,
//! leftmost-first, `(?i)`/`(?m)`/`(?s)`/`(?U)`, ASCII `\d`/`\w`/`\s`/`\b` in Go as in leakgate's
//! ASCII compile). What Go reads differently is rewritten here, and each rewrite is reported:
//! `\Q...\E` quoting, octal escapes, `\<`/`\>` (literals in Go, word boundaries in Rust), `\b{`,
//! a bare `[` or the set operators `&&`, `--`, `~~` inside a class (literals in Go), and Unicode
//! classes `\pL` (wrapped in `(?u:...)` because leakgate compiles with Unicode off).

use std::fmt::Write as _;

/// A translated pattern and what was rewritten.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Translated {
    /// The pattern in Rust syntax.
    pub source: String,
    /// One line per kind of rewrite.
    pub notes: Vec<String>,
}

/// Rewrites a Go RE2 pattern into the Rust syntax that means the same thing.
pub fn translate(go: &str) -> Translated {
    let mut t = Translator {
        chars: go.chars().collect(),
        pos: 0,
        out: String::with_capacity(go.len() + 8),
        notes: Vec::new(),
    };
    t.run();
    Translated {
        source: t.out,
        notes: t.notes,
    }
}

struct Translator {
    chars: Vec<char>,
    pos: usize,
    out: String,
    notes: Vec<String>,
}

impl Translator {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn note(&mut self, note: &str) {
        if !self.notes.iter().any(|n| n == note) {
            self.notes.push(note.to_owned());
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => self.escape(false),
                '[' => self.class(),
                '{' => self.brace(),
                _ => {
                    self.out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// An escape at `pos` (a backslash), in or out of a class.
    fn escape(&mut self, in_class: bool) {
        let Some(next) = self.peek(1) else {
            self.out.push('\\');
            self.pos += 1;
            return;
        };
        match next {
            'Q' if !in_class => self.quoted(),
            '0'..='7' => self.octal(),
            'p' | 'P' if !in_class => self.unicode_class(),
            'b' if !in_class && self.peek(2) == Some('{') => {
                self.out.push_str("\\b\\{");
                self.pos += 3;
                self.note("`\\b{` is a word boundary then a literal `{` in Go: escaped");
            }
            c if c.is_ascii_punctuation() => {
                // Go lets any punctuation be escaped; Rust gives some (`\<`, `\>`) a meaning.
                if regex_syntax::is_meta_character(c) {
                    self.out.push('\\');
                } else if c == '<' || c == '>' {
                    self.note(
                        "`\\<` and `\\>` are literals in Go (word boundaries in Rust): unescaped",
                    );
                }
                self.out.push(c);
                self.pos += 2;
            }
            c => {
                self.out.push('\\');
                self.out.push(c);
                self.pos += 2;
            }
        }
    }

    /// `{n}`, `{n,}`, `{n,m}` repeat in both dialects; any other `{` is a literal in Go (as in
    /// `\${VAR}` or `{{ template }}`) and an error in Rust, so it is escaped.
    fn brace(&mut self) {
        let rest: String = self.chars[self.pos..].iter().take(24).collect();
        let repeat = rest
            .find('}')
            .map(|end| &rest[1..end])
            .is_some_and(|inner| {
                let (min, max) = inner.split_once(',').unwrap_or((inner, "0"));
                !min.is_empty()
                    && min.bytes().all(|b| b.is_ascii_digit())
                    && max.bytes().all(|b| b.is_ascii_digit())
            });
        if repeat {
            while let Some(c) = self.peek(0) {
                self.out.push(c);
                self.pos += 1;
                if c == '}' {
                    return;
                }
            }
        } else {
            self.out.push_str("\\{");
            self.pos += 1;
            self.note("a `{` that is not a repetition (a literal in Go, an error in Rust) escaped");
        }
    }

    /// `\Q...\E`: literal text, which Rust's regex does not support.
    fn quoted(&mut self) {
        self.pos += 2;
        let mut text = String::new();
        while let Some(c) = self.peek(0) {
            if c == '\\' && self.peek(1) == Some('E') {
                self.pos += 2;
                break;
            }
            text.push(c);
            self.pos += 1;
        }
        self.out.push_str(&regex_syntax::escape(&text));
        self.note("`\\Q...\\E` quoting (unsupported in Rust) rewritten as escaped literals");
    }

    /// `\0`, `\012`, `\101`: octal character codes in Go (up to three digits).
    fn octal(&mut self) {
        let start = self.pos + 1;
        let mut end = start;
        while end < self.chars.len() && end - start < 3 && ('0'..='7').contains(&self.chars[end]) {
            end += 1;
        }
        let digits: String = self.chars[start..end].iter().collect();
        let value = u32::from_str_radix(&digits, 8).unwrap_or(0);
        let _ = write!(self.out, "\\x{{{value:02X}}}");
        self.pos = end;
        self.note(
            "octal escapes (`\\101`) rewritten as `\\x{..}` (Rust reads them as backreferences)",
        );
    }

    /// `\pL`, `\p{Greek}`, `\PN`: kept, inside `(?u:...)`, since leakgate compiles ASCII-only.
    fn unicode_class(&mut self) {
        let start = self.pos;
        self.pos += 2;
        if self.peek(0) == Some('{') {
            while let Some(c) = self.peek(0) {
                self.pos += 1;
                if c == '}' {
                    break;
                }
            }
        } else {
            self.pos += 1;
        }
        let end = self.pos.min(self.chars.len());
        let class: String = self.chars[start..end].iter().collect();
        let _ = write!(self.out, "(?u:{class})");
        self.note(
            "Unicode classes (`\\p..`) wrapped in `(?u:...)` (leakgate compiles rules ASCII-only)",
        );
    }

    /// A bracketed class, copied with Go's literal readings made explicit.
    fn class(&mut self) {
        self.out.push('[');
        self.pos += 1;
        if self.peek(0) == Some('^') {
            self.out.push('^');
            self.pos += 1;
        }
        if self.peek(0) == Some(']') {
            self.out.push_str("\\]");
            self.pos += 1;
        }
        while let Some(c) = self.peek(0) {
            match c {
                ']' => {
                    self.out.push(']');
                    self.pos += 1;
                    return;
                }
                '\\' => self.escape(true),
                '[' if self.peek(1) == Some(':') => self.posix_class(),
                '[' => {
                    self.out.push_str("\\[");
                    self.pos += 1;
                    self.note("a bare `[` inside a class (a literal in Go, a nested class in Rust) escaped");
                }
                '&' | '-' | '~' if self.peek(1) == Some(c) => {
                    self.out.push(c);
                    self.out.push('\\');
                    self.out.push(c);
                    self.pos += 2;
                    self.note("`&&`, `--`, `~~` inside a class (literals in Go, set operators in Rust) escaped");
                }
                _ => {
                    self.out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `[:alpha:]` inside a class, the same in both dialects.
    fn posix_class(&mut self) {
        while let Some(c) = self.peek(0) {
            self.out.push(c);
            self.pos += 1;
            if c == ']' {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rust(go: &str) -> String {
        translate(go).source
    }

    #[test]
    fn common_patterns_pass_unchanged() {
        for go in [
            r"(?i)\b(ghp_[0-9a-zA-Z]{36})(?:['|\x22|\n|\r|\s|\x60|;]|$)",
            r"[\w.-]{0,50}?(?:=|>|:{1,3}=)",
            r"-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY-----[\s\S-]*?-----",
            r"[[:alnum:]]{10}\z",
            r"(?P<key>AKIA[0-9A-Z]{16})",
        ] {
            assert_eq!(rust(go), go, "{go}");
        }
    }

    #[test]
    fn rewrites_what_go_reads_differently() {
        assert_eq!(rust(r"\Qa.b*\Ec"), r"a\.b\*c");
        assert_eq!(rust(r"\101\0"), r"\x{41}\x{00}");
        assert_eq!(rust(r"\<tag\>"), "<tag>");
        assert_eq!(rust(r"[a[b]"), r"[a\[b]");
        assert_eq!(rust(r"[a&&b]"), r"[a&\&b]");
        assert_eq!(rust(r"[]a]"), r"[\]a]");
        assert_eq!(rust(r"\pL\p{Greek}"), r"(?u:\pL)(?u:\p{Greek})");
        assert_eq!(rust(r"\/\_"), "/_");
        assert_eq!(rust(r"^\${(?:[A-Z_]+)}$"), r"^\$\{(?:[A-Z_]+)}$");
        assert_eq!(rust(r"{{[^}]+}}"), r"\{\{[^}]+}}");
        assert_eq!(rust(r"a{2}b{1,}c{1,3}d{,3}"), r"a{2}b{1,}c{1,3}d\{,3}");
        assert_eq!(translate(r"\Qx\E").notes.len(), 1);
        for go in [
            r"\Qa.b*\Ec",
            r"\101",
            r"\<tag\>",
            r"[a[b]",
            r"[a&&b]",
            r"\pL",
            r"\/\_",
        ] {
            let source = rust(go);
            assert!(
                crate::rules::rule::compile_regex(&source).is_ok(),
                "{source}"
            );
        }
    }
}
