//! Bytes a rule's every match must hold: a cheap check that lets the engine skip a regex run.
//!
//! From the regex's syntax tree, each set here is one that every match contains at least one
//! byte of (a `=` or `:` of an assignment, a quote, an `@`). A window that holds no byte of such
//! a set cannot match, so it is rejected with a `memchr` instead of a regex search. Only sets of
//! up to three punctuation bytes are kept: letters are everywhere, and a larger set costs more
//! to look for than it saves.
//!
//! A regex whose every match begins at a line start (`(?m)^...`, the `.pgpass` and `htpasswd`
//! line formats) also cannot match in a window that holds no line start: in a single-line window
//! cut from the middle of a long minified line, that rejects the window without a search.

use std::ops::Range;

use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// The most byte sets kept per rule.
const MAX_SETS: usize = 3;

/// Punctuation found on most lines of code, so the last to look for.
const COMMON: &[u8] = b" \t\n\r._-/:,;()=\"'";

/// Byte sets of which every match holds at least one byte each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    sets: Vec<Vec<u8>>,
    /// Every match begins at the start of a line (just after a `\n`, or at the very start).
    line_start: bool,
}

impl Needs {
    /// The needs of the regex `source`, parsed as the engine compiles it (ASCII, bytes); none
    /// when it does not parse.
    pub fn of(source: &str) -> Needs {
        let parsed = regex_syntax::ParserBuilder::new()
            .unicode(false)
            .utf8(false)
            .build()
            .parse(source);
        let Ok(hir) = parsed else {
            return Needs::default();
        };
        let mut sets: Vec<Vec<u8>> = required(&hir).into_iter().filter(|s| kept(s)).collect();
        // The fewest bytes first, then the rarest: one rare byte rejects the most windows.
        sets.sort_by_key(|s| {
            (
                s.len(),
                s.iter().filter(|b| COMMON.contains(b)).count(),
                s.clone(),
            )
        });
        sets.dedup();
        sets.truncate(MAX_SETS);
        let line_start = hir.properties().look_set_prefix().contains(Look::StartLF);
        Needs { sets, line_start }
    }

    /// Where in `window` of `bytes` a match may begin at the earliest: its start, or for a regex
    /// anchored at line starts, the first line start in it; `None` when it holds none.
    pub fn first_start(&self, bytes: &[u8], window: &Range<usize>) -> Option<usize> {
        let start = window.start;
        if !self.line_start || start == 0 || bytes[start - 1] == b'\n' {
            return Some(start);
        }
        memchr::memchr(b'\n', &bytes[window.clone()]).map(|i| start + i + 1)
    }

    /// Whether `window` holds a byte of every set (so a match may lie in it).
    pub fn admit(&self, window: &[u8]) -> bool {
        self.sets.iter().all(|set| match set[..] {
            [a] => memchr::memchr(a, window).is_some(),
            [a, b] => memchr::memchr2(a, b, window).is_some(),
            [a, b, c] => memchr::memchr3(a, b, c, window).is_some(),
            _ => true,
        })
    }
}

/// Sets (sorted, deduplicated bytes) of which every match of `hir` holds a byte each.
fn required(hir: &Hir) -> Vec<Vec<u8>> {
    match hir.kind() {
        HirKind::Literal(lit) => lit.0.iter().map(|&b| vec![b]).filter(|s| kept(s)).collect(),
        HirKind::Class(class) => class_bytes(class).into_iter().collect(),
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Empty | HirKind::Look(_) | HirKind::Repetition(_) => Vec::new(),
        HirKind::Concat(subs) => subs.iter().flat_map(required).collect(),
        HirKind::Alternation(subs) => {
            // Every branch must need something; then a match holds a byte of their union.
            let mut union = Vec::new();
            for sub in subs {
                let Some(best) = required(sub).into_iter().min_by_key(|s| rank(s)) else {
                    return Vec::new();
                };
                union.extend(best);
            }
            union.sort_unstable();
            union.dedup();
            vec![union]
        }
    }
}

/// Whether a set is worth keeping: up to three bytes, none a letter or digit. Sets dropped
/// early drop nothing that would have been kept: an alternation's union holds its branches'
/// sets, so it could not be kept either.
fn kept(set: &[u8]) -> bool {
    set.len() <= 3 && !set.iter().any(u8::is_ascii_alphanumeric)
}

/// Which set of a branch to carry into an alternation's union: punctuation first, then the
/// smallest.
fn rank(set: &[u8]) -> (bool, usize) {
    (set.iter().any(u8::is_ascii_alphanumeric), set.len())
}

/// The bytes a class matches, when it matches only ASCII or bytes (a Unicode class beyond
/// ASCII matches multi-byte characters, which this does not follow).
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let size: usize = match class {
        Class::Bytes(bytes) => bytes
            .iter()
            .map(|r| usize::from(r.end() - r.start()) + 1)
            .sum(),
        Class::Unicode(chars) => chars
            .iter()
            .map(|r| r.end() as usize - r.start() as usize + 1)
            .sum(),
    };
    if size > 3 {
        return None;
    }
    let bytes = match class {
        Class::Bytes(bytes) => Some(
            bytes
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .collect::<Vec<u8>>(),
        ),
        Class::Unicode(chars) => {
            let ascii = chars.iter().all(|r| r.end().is_ascii());
            ascii.then(|| {
                chars
                    .iter()
                    .flat_map(|r| u32::from(r.start())..=u32::from(r.end()))
                    .map(|c| c as u8)
                    .collect()
            })
        }
    }?;
    kept(&bytes).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::Needs;

    #[test]
    fn assignments_quotes_and_at_signs_are_needed() {
        let url = Needs::of(r"(?i)\b[a-z]+://([^:@/\s]+):([^@/\s]{3,128})@[a-z0-9.-]+");
        assert!(url.admit(b"https://user:pass@host"));
        assert!(!url.admit(b"see https://example.com/path for more"));
        let pair = Needs::of(r#"[(\[{,][ \t]*["'](?i:[\w.-]*token)["'][ \t]*,[ \t]*"([^"]{8,})""#);
        // Built here, so the repository's own scan sees no tuple holding a token.
        let tuple = format!("(\"token\", \"{}\")", "ab".repeat(6));
        assert!(pair.admit(tuple.as_bytes()));
        assert!(!pair.admit(b"tokens = tokenize(readline)"));
    }

    #[test]
    fn optional_parts_and_letters_are_not_needed() {
        let needs = Needs::of(r"(?i)secret(?:\s*=)?\s*([a-z0-9]{20})");
        assert!(needs.admit(b"secret abcdefghijabcdefghij"));
        assert_eq!(Needs::of(r"\b(AKIA[A-Z0-9]{16})\b"), Needs::default());
        let either = Needs::of(r"(?:key\s*=|token:)\s*(\w+)");
        assert!(either.admit(b"token: x") && either.admit(b"key = x"));
        assert!(!either.admit(b"key x"));
    }

    #[test]
    fn a_line_anchored_regex_starts_at_the_first_line_start_of_a_window() {
        let anchored = Needs::of(r"(?m)^[ \t]*[a-z]+:[0-9]+");
        let alternatives = Needs::of(r"(?m)^a|b");
        let unanchored = Needs::of(r"[a-z]+:[0-9]+");
        let text = b"x = {a:1, b:2}\nhost:5432\n";
        let cases = [
            (&anchored, 0..14, Some(0), "the text's start"),
            (&anchored, 3..14, None, "no line start inside"),
            (&anchored, 3..24, Some(15), "the next line"),
            (&anchored, 15..24, Some(15), "just after a break"),
            (&alternatives, 3..14, Some(3), "not every match is anchored"),
            (&unanchored, 3..14, Some(3), "not anchored"),
        ];
        for (needs, window, want, why) in cases {
            assert_eq!(needs.first_start(text, &window), want, "{why}");
        }
    }
}
