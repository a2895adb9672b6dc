//! One Aho-Corasick automaton over every rule's keywords.
//!
//! A single pass over a chunk tells which rules can match and where; rules whose keywords are
//! absent cost nothing (their regexes are never even compiled). The pass is non-overlapping
//! (faster than reporting every overlapping keyword); to lose nothing, each keyword stands for the
//! rules of every keyword that contains it or lies inside it, the keywords such a pass steps over.
//! Keywords that merely share an edge (`pass` and `sk0` in `passk0`) are left out: counting them
//! made nearly every hit a candidate for every rule.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, MatchKind};

use crate::rules::Rule;

/// The keyword automaton and, for each keyword, the rules it stands for.
///
/// Two automata over the same keywords, built on first use: a contiguous NFA, cheap to build
/// (a hook scanning a few kilobytes must not pay for more), and a full DFA, several times faster
/// per byte, once a run has scanned 1 MiB (`DFA_AFTER`). Both report the same matches.
#[derive(Debug)]
pub struct Prefilter {
    keywords: Vec<String>,
    small: OnceLock<Option<AhoCorasick>>,
    large: OnceLock<Option<DFA>>,
    scanned: AtomicU64,
    rules_of_keyword: Vec<Vec<usize>>,
}

/// Bytes scanned before the DFA is worth its build time: with the built-in keywords (about
/// 900) the NFA costs about 43 instructions a byte and the DFA 10, and the DFA takes about 50 M
/// instructions to build, which the NFA spends in about 1.2 MB (callgrind). Switching there
/// costs a run at most twice what the better choice in hindsight would have.
const DFA_AFTER: u64 = 1 << 20;

/// One keyword hit: a candidate rule and the byte span of the keyword.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    /// Index of the rule in the engine.
    pub rule: usize,
    /// Start of the keyword.
    pub start: usize,
    /// End of the keyword.
    pub end: usize,
}

impl Prefilter {
    /// Builds the automaton over the (deduplicated, lowercase) keywords of `rules`.
    pub fn new(rules: &[Rule]) -> Prefilter {
        let mut keywords: Vec<String> = Vec::new();
        let mut direct: Vec<Vec<usize>> = Vec::new();
        let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                if let Some(&k) = position.get(keyword.as_str()) {
                    direct[k].push(index);
                } else {
                    position.insert(keyword, keywords.len());
                    keywords.push(keyword.clone());
                    direct.push(vec![index]);
                }
            }
        }
        // One NFA serves both the overlap closure and the scans of a small run.
        let nfa = build_nfa(&keywords);
        let rules_of_keyword = close_over_overlaps(nfa.as_ref(), &keywords, &direct);
        Prefilter {
            keywords,
            small: OnceLock::from(nfa),
            large: OnceLock::new(),
            scanned: AtomicU64::new(0),
            rules_of_keyword,
        }
    }

    /// The length of the longest keyword.
    pub fn longest(&self) -> usize {
        self.keywords.iter().map(String::len).max().unwrap_or(0)
    }

    /// Calls `on_hit` for every candidate rule of every keyword found in `haystack`.
    pub fn for_each_hit(&self, haystack: &[u8], mut on_hit: impl FnMut(Hit)) {
        let on_keyword = |keyword: usize, start: usize, end: usize| {
            for &rule in &self.rules_of_keyword[keyword] {
                on_hit(Hit { rule, start, end });
            }
        };
        let before = self
            .scanned
            .fetch_add(haystack.len() as u64, Ordering::Relaxed);
        if before + haystack.len() as u64 > DFA_AFTER {
            if let Some(dfa) = self.large.get_or_init(|| build_dfa(&self.keywords)) {
                dfa_find_each(dfa, haystack, on_keyword);
            }
            return;
        }
        if let Some(nfa) = self.small.get_or_init(|| build_nfa(&self.keywords)) {
            nfa_find_each(nfa, haystack, on_keyword);
        }
    }
}

/// The keyword NFA for short runs and the overlap closure: case-sensitive over the lowercase
/// keywords, without a prefilter. A hook builds it at every start, and an ASCII
/// case-insensitive automaton has two transitions for every letter: this one costs about half
/// as much to build, and [`nfa_find_each`] lowercases the haystack instead (a short copy).
fn build_nfa(keywords: &[String]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .prefilter(false)
        .build(keywords)
        .ok()
}

/// Every non-overlapping keyword match in `haystack`, as an ASCII case-insensitive automaton
/// reports them: the case-sensitive NFA of [`build_nfa`] searches an ASCII-lowercased copy
/// (at most [`DFA_AFTER`] bytes: longer runs take the DFA).
fn nfa_find_each(nfa: &AhoCorasick, haystack: &[u8], mut on: impl FnMut(usize, usize, usize)) {
    thread_local! {
        static LOWER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    LOWER.with_borrow_mut(|lower| {
        lower.clear();
        lower.extend(haystack.iter().map(u8::to_ascii_lowercase));
        for found in nfa.find_iter(lower.as_slice()) {
            on(found.pattern().as_usize(), found.start(), found.end());
        }
    });
}

/// The keyword DFA for long runs: the same keywords and match semantics as [`build`], without
/// a prefilter (hundreds of keywords leave none worth having), searched by [`dfa_find_each`].
fn build_dfa(keywords: &[String]) -> Option<DFA> {
    DFA::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .build(keywords)
        .ok()
}

/// Every non-overlapping keyword match in `haystack` (keyword, start, end), exactly as
/// `AhoCorasick::find_iter` reports them under standard semantics: a match is reported where
/// its last byte is read, and the search restarts after it. One state transition per byte in a
/// plain loop over the haystack, about half the instructions of the generic search loop.
fn dfa_find_each(dfa: &DFA, haystack: &[u8], mut on: impl FnMut(usize, usize, usize)) {
    let Ok(start) = dfa.start_state(Anchored::No) else {
        return;
    };
    let mut sid = start;
    for (at, &byte) in haystack.iter().enumerate() {
        sid = dfa.next_state(Anchored::No, sid, byte);
        if dfa.is_special(sid) {
            if dfa.is_match(sid) {
                let keyword = dfa.match_pattern(sid, 0);
                let end = at + 1;
                on(keyword.as_usize(), end - dfa.pattern_len(keyword), end);
                sid = start;
            } else if dfa.is_dead(sid) {
                return;
            }
        }
    }
}

/// The reference automaton the two searches are tested against (ASCII case-insensitive,
/// standard match semantics).
#[cfg(test)]
fn build(keywords: &[String], kind: AhoCorasickKind) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(keywords)
        .ok()
}

/// For each keyword, its own rules plus those of every keyword that contains it or lies inside
/// it. Linear in the total keyword length (one overlapping search over each keyword), so a
/// config with thousands of rules still starts quickly.
fn close_over_overlaps(
    inner: Option<&AhoCorasick>,
    keywords: &[String],
    direct: &[Vec<usize>],
) -> Vec<Vec<usize>> {
    let mut rules: Vec<Vec<usize>> = direct.to_vec();
    if let Some(inner) = inner {
        for (outer, keyword) in keywords.iter().enumerate() {
            for found in inner.find_overlapping_iter(keyword) {
                let contained = found.pattern().as_usize();
                if contained != outer {
                    let (a, b) = (direct[contained].clone(), direct[outer].clone());
                    rules[outer].extend(a);
                    rules[contained].extend(b);
                }
            }
        }
    }
    for set in &mut rules {
        set.sort_unstable();
        set.dedup();
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::{
        AhoCorasickKind, build, build_dfa, build_nfa, close_over_overlaps, dfa_find_each,
        nfa_find_each,
    };

    #[test]
    fn the_dfa_loop_finds_what_find_iter_finds() {
        let strict = crate::rules::Strictness::Trusted;
        let pack = crate::rules::RulePack::builtin(strict).expect("built-in pack");
        let keywords = &super::Prefilter::new(&pack.rules).keywords;
        let nfa = build(keywords, AhoCorasickKind::NoncontiguousNFA).expect("nfa");
        let dfa = build_dfa(keywords).expect("dfa");
        let mut text = String::new();
        for (i, k) in keywords.iter().enumerate() {
            // Keywords glued, overlapping, upper-cased and apart.
            let k = if i % 3 == 0 {
                k.to_uppercase()
            } else {
                k.clone()
            };
            text.push_str(&k);
            text.push_str(["", " ", "x", "\n", &k[..k.len() / 2]][i % 5]);
        }
        let want: Vec<(usize, usize, usize)> = nfa
            .find_iter(text.as_bytes())
            .map(|m| (m.pattern().as_usize(), m.start(), m.end()))
            .collect();
        let mut got = Vec::new();
        dfa_find_each(&dfa, text.as_bytes(), |k, s, e| got.push((k, s, e)));
        assert!(want.len() > keywords.len() / 2);
        assert_eq!(got, want);
        let small = build_nfa(keywords).expect("nfa");
        let mut got = Vec::new();
        nfa_find_each(&small, text.as_bytes(), |k, s, e| got.push((k, s, e)));
        assert_eq!(got, want, "the lowercasing NFA");
    }

    #[test]
    fn each_keyword_stands_for_the_keywords_it_contains_or_is_inside() {
        let keywords = ["secret".to_owned(), "secret_".to_owned(), "ghp_".to_owned()];
        let direct = vec![vec![0], vec![1], vec![2]];
        let nfa = build_nfa(&keywords);
        let closed = close_over_overlaps(nfa.as_ref(), &keywords, &direct);
        assert_eq!(closed, vec![vec![0, 1], vec![0, 1], vec![2]]);
    }
}
