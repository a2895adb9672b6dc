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

/// The most strings in one literal set (more alternatives are looked for at a cost near a
/// regex search's).
const MAX_LITERALS: usize = 8;
/// The most literal sets kept per rule.
const MAX_LITERAL_SETS: usize = 2;

/// Punctuation found on most lines of code, so the last to look for.
const COMMON: &[u8] = b" \t\n\r._-/:,;()=\"'";

/// Byte sets of which every match holds at least one byte each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Needs {
    sets: Vec<Vec<u8>>,
    /// Sets of strings (case as written, two bytes or more) of which every match holds one:
    /// the case-sensitive literal parts of the regex (`AKIA`, `env.`, `napi_`). The keyword
    /// pass ignores case, so a window around `Asia/Tokyo` or `NAPI_VERSION` holds a keyword of
    /// a rule whose regex can never match there.
    literals: Vec<Vec<Vec<u8>>>,
    /// Every match begins at the start of a line (just after a `\n`, or at the very start).
    line_start: bool,
    /// The longest a match can be, when the regex bounds it (`\b(AKIA[A-Z0-9]{16})\b`: 20).
    longest: Option<usize>,
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
        let mut literals: Vec<Vec<Vec<u8>>> = required_literals(&hir);
        // The sets whose shortest string is longest first: they reject the most windows.
        literals.sort_by_key(|set| std::cmp::Reverse(set.iter().map(Vec::len).min()));
        literals.dedup();
        literals.truncate(MAX_LITERAL_SETS);
        let line_start = hir.properties().look_set_prefix().contains(Look::StartLF);
        Needs {
            sets,
            literals,
            line_start,
            longest: hir.properties().maximum_len(),
        }
    }

    /// `window` cut to where a match that holds the keyword at `hit` can lie, when the regex
    /// bounds a match's length: it begins at most that far before the keyword's end and ends
    /// at most that far after its start. Every match holds a keyword of its rule (a test checks
    /// each rule's examples), so a match holding none of the hit's lies in another hit's window.
    /// The window keeps one byte past the longest match: the window's end is the end of the
    /// text the regex sees, and a `\b` or `$` after a match must see the byte that follows it.
    pub fn clip(&self, window: Range<usize>, hit: &Range<usize>) -> Range<usize> {
        match self.longest {
            Some(longest) => {
                let start = window.start.max(hit.end.saturating_sub(longest));
                let end = window.end.min(hit.start.saturating_add(longest + 1));
                start..end.max(start)
            }
            None => window,
        }
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

    /// Whether `window` holds a byte of every byte set and a string of every literal set (so
    /// a match may lie in it).
    pub fn admit(&self, window: &[u8]) -> bool {
        let bytes = self.sets.iter().all(|set| match set[..] {
            [a] => memchr::memchr(a, window).is_some(),
            [a, b] => memchr::memchr2(a, b, window).is_some(),
            [a, b, c] => memchr::memchr3(a, b, c, window).is_some(),
            _ => true,
        });
        bytes
            && self.literals.iter().all(|set| {
                set.iter()
                    .any(|literal| memchr::memmem::find(window, literal).is_some())
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

/// Sets of strings (two bytes or more, case as written) of which every match of `hir` holds one
/// each. Case-insensitive letters are classes in the syntax tree, so only the case-sensitive
/// parts of a regex give strings here.
fn required_literals(hir: &Hir) -> Vec<Vec<Vec<u8>>> {
    match hir.kind() {
        HirKind::Literal(lit) if lit.0.len() >= 2 => vec![vec![lit.0.to_vec()]],
        HirKind::Capture(cap) => required_literals(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required_literals(&rep.sub),
        HirKind::Concat(subs) => subs.iter().flat_map(required_literals).collect(),
        HirKind::Alternation(subs) => {
            // Every branch must need a string; then a match holds one of their union.
            let mut union: Vec<Vec<u8>> = Vec::new();
            for sub in subs {
                let Some(best) = required_literals(sub).into_iter().max_by_key(|set| {
                    (set.iter().map(Vec::len).min(), std::cmp::Reverse(set.len()))
                }) else {
                    return Vec::new();
                };
                union.extend(best);
            }
            union.sort_unstable();
            union.dedup();
            if union.len() > MAX_LITERALS {
                return Vec::new();
            }
            vec![union]
        }
        _ => Vec::new(),
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
        assert!(Needs::of(r"\b(AKIA[A-Z0-9]{16})\b").sets.is_empty());
        let either = Needs::of(r"(?:key\s*=|token:)\s*(\w+)");
        assert!(either.admit(b"token: x") && either.admit(b"key = x"));
        assert!(!either.admit(b"key x"));
    }

    #[test]
    fn case_sensitive_literals_are_needed_as_written() {
        let aws = Needs::of(r"\b((?:AKIA|ASIA|A3T[A-Z0-9])[A-Z0-9]{16})\b");
        // Built here, so the repository's own scan sees no key id.
        let id = format!("id = ASIA{}", "0123456789ABCDEF");
        assert!(aws.admit(id.as_bytes()));
        assert!(
            !aws.admit(b"\"name\": \"Asia/Kathmandu\","),
            "a keyword in another case"
        );
        let member =
            Needs::of(r"\benv\.(?i:\w*token\w*)[ \t]*(?:\|\||\?\?|\bor\b)[ \t]*'(\w{8,})'");
        assert!(member.admit(b"env.API_TOKEN or 'abcdefgh'"));
        assert!(!member.admit(b"dotenv_token or 'abcdefgh'"), "no `env.`");
        assert!(
            !member.admit(b"env.API_TOKEN && 'abcdefgh'"),
            "no `||`, `??` or `or`"
        );
        // Case-insensitive letters are classes: nothing is needed of them.
        assert!(Needs::of(r"(?i)token\s*=\s*(\w+)").admit(b"TOKEN = abc"));
        // One branch without a literal: a match may hold none.
        assert!(Needs::of(r"(?:AKIA|[0-9]{4})[A-Z]{4}").admit(b"1234ABCD"));
    }

    #[test]
    fn a_bounded_regex_clips_the_window_to_its_longest_match_around_the_keyword() {
        let aws = Needs::of(r"\b(AKIA[A-Z0-9]{16})\b");
        assert_eq!(aws.clip(0..2000, &(1000..1004)), 984..1021);
        assert_eq!(aws.clip(990..1010, &(1000..1004)), 990..1010);
        assert_eq!(aws.clip(0..30, &(2..6)), 0..23);
        // The byte after the longest match decides its `\b`: one key too long is no key.
        let text = format!("AKIA{}", "A".repeat(17));
        let clipped = aws.clip(0..text.len(), &(0..4));
        let regex = crate::rules::rule::compile_regex(r"\b(AKIA[A-Z0-9]{16})\b").unwrap();
        assert!(!regex.is_match(&text.as_bytes()[..clipped.end]));
        let open = Needs::of(r"(?i)token\s*=\s*(\w+)");
        assert_eq!(open.clip(0..2000, &(1000..1005)), 0..2000);
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
