//! One Aho-Corasick automaton over every rule's keywords.
//!
//! A single pass over a chunk tells which rules can match and where; rules whose keywords are
//! absent cost nothing (their regexes are never even compiled). The pass reports every keyword
//! occurrence, overlapping ones included (`pass` inside `password`, `pass` and `sk0` sharing an
//! edge in `passk0`), so no keyword hides another.
//!
//! Over long runs the automaton is a DFA walked by several cursors at once: a DFA walk is bound
//! by the latency of each state load, not by work, so four independent walks over four parts of
//! the text take little more time than one.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, Anchored, MatchKind};

use crate::rules::Rule;

/// The keyword automaton and, for each keyword, the rules it stands for.
///
/// Two automata over the same keywords, built on first use: a noncontiguous NFA, cheap to build
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

/// How many cursors walk the DFA together (see the module doc).
const LANES: usize = 4;

/// Texts shorter than this are walked by one cursor: each extra cursor re-reads a keyword's
/// length to fall into step, and the hits are sorted afterwards.
const LANES_FROM: usize = 1024;

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

/// A keyword occurrence: keyword index, start, end.
type KeywordHit = (u32, usize, usize);

impl Prefilter {
    /// Builds the automaton over the (deduplicated, lowercase) keywords of `rules`.
    pub fn new(rules: &[Rule]) -> Prefilter {
        let mut keywords: Vec<String> = Vec::new();
        let mut rules_of_keyword: Vec<Vec<usize>> = Vec::new();
        let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                if let Some(&k) = position.get(keyword.as_str()) {
                    if rules_of_keyword[k].last() != Some(&index) {
                        rules_of_keyword[k].push(index);
                    }
                } else {
                    position.insert(keyword, keywords.len());
                    keywords.push(keyword.clone());
                    rules_of_keyword.push(vec![index]);
                }
            }
        }
        Prefilter {
            keywords,
            small: OnceLock::new(),
            large: OnceLock::new(),
            scanned: AtomicU64::new(0),
            rules_of_keyword,
        }
    }

    /// The length of the longest keyword.
    pub fn longest(&self) -> usize {
        self.keywords.iter().map(String::len).max().unwrap_or(0)
    }

    /// Calls `on_hit` for every candidate rule of every keyword found in `haystack`, in order of
    /// the keywords' starts.
    pub fn for_each_hit(&self, haystack: &[u8], mut on_hit: impl FnMut(Hit)) {
        thread_local! {
            static HITS: std::cell::Cell<Vec<KeywordHit>> = const { std::cell::Cell::new(Vec::new()) };
        }
        // Taken out, not borrowed: `on_hit` may scan again on this thread.
        let mut hits = HITS.take();
        hits.clear();
        self.keyword_hits(haystack, &mut hits);
        for &(keyword, start, end) in &hits {
            for &rule in &self.rules_of_keyword[keyword as usize] {
                on_hit(Hit { rule, start, end });
            }
        }
        HITS.set(hits);
    }

    /// Every keyword occurrence in `haystack`, sorted by start, then end, then keyword.
    fn keyword_hits(&self, haystack: &[u8], hits: &mut Vec<KeywordHit>) {
        let before = self
            .scanned
            .fetch_add(haystack.len() as u64, Ordering::Relaxed);
        if before + haystack.len() as u64 > DFA_AFTER {
            if let Some(dfa) = self.large.get_or_init(|| build_dfa(&self.keywords)) {
                dfa_find_all(dfa, haystack, self.longest(), hits);
            }
        } else if let Some(nfa) = self.small.get_or_init(|| build_nfa(&self.keywords)) {
            nfa_find_all(nfa, haystack, hits);
        }
        hits.sort_unstable_by_key(|&(keyword, start, end)| (start, end, keyword));
    }
}

/// The keyword NFA for short runs: case-sensitive over the lowercase keywords, without a
/// prefilter. A hook builds it at every start, and an ASCII case-insensitive automaton has two
/// transitions for every letter: this one costs about half as much to build, and
/// [`nfa_find_all`] lowercases the haystack instead (a short copy).
fn build_nfa(keywords: &[String]) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .kind(Some(AhoCorasickKind::NoncontiguousNFA))
        .prefilter(false)
        .build(keywords)
        .ok()
}

/// Every keyword occurrence in `haystack`, overlapping ones included, as an ASCII
/// case-insensitive automaton reports them: the case-sensitive NFA of [`build_nfa`] searches
/// an ASCII-lowercased copy (at most [`DFA_AFTER`] bytes: longer runs take the DFA).
fn nfa_find_all(nfa: &AhoCorasick, haystack: &[u8], hits: &mut Vec<KeywordHit>) {
    thread_local! {
        static LOWER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut lower = LOWER.take();
    lower.clear();
    lower.extend(haystack.iter().map(u8::to_ascii_lowercase));
    for found in nfa.find_overlapping_iter(lower.as_slice()) {
        hits.push((found.pattern().as_u32(), found.start(), found.end()));
    }
    LOWER.set(lower);
}

/// The keyword DFA for long runs: the same keywords and match semantics as [`build_nfa`],
/// ASCII case-insensitive, without a prefilter (hundreds of keywords leave none worth having).
fn build_dfa(keywords: &[String]) -> Option<DFA> {
    DFA::builder()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .prefilter(false)
        .build(keywords)
        .ok()
}

/// One cursor of [`dfa_find_all`]: it reads from `from`, reports keywords ending after
/// `report_after`, and stops at `to`.
#[derive(Clone, Copy)]
struct Lane {
    from: usize,
    report_after: usize,
    to: usize,
}

/// Every keyword occurrence in `haystack`, overlapping ones included (unsorted). Long texts are
/// cut into [`LANES`] parts walked in lock-step; each cursor but the first starts `longest`
/// bytes early, which puts it in the very state a walk from the start would be in (a state
/// stands for the longest suffix read that begins a keyword), and reports nothing there.
fn dfa_find_all(dfa: &DFA, haystack: &[u8], longest: usize, hits: &mut Vec<KeywordHit>) {
    let Ok(start) = dfa.start_state(Anchored::No) else {
        return;
    };
    let report = |sid, at: usize, hits: &mut Vec<KeywordHit>| {
        if dfa.is_match(sid) {
            for i in 0..dfa.match_len(sid) {
                let keyword = dfa.match_pattern(sid, i);
                let end = at + 1;
                hits.push((keyword.as_u32(), end - dfa.pattern_len(keyword), end));
            }
        }
    };
    let walk = |lane: Lane, mut sid, hits: &mut Vec<KeywordHit>| {
        for (at, &byte) in haystack[..lane.to].iter().enumerate().skip(lane.from) {
            sid = dfa.next_state(Anchored::No, sid, byte);
            if dfa.is_special(sid) && at >= lane.report_after {
                report(sid, at, hits);
            }
        }
    };
    if haystack.len() < LANES_FROM {
        let whole = Lane {
            from: 0,
            report_after: 0,
            to: haystack.len(),
        };
        walk(whole, start, hits);
        return;
    }
    let part = haystack.len() / LANES;
    let lanes: [Lane; LANES] = std::array::from_fn(|k| Lane {
        from: (k * part).saturating_sub(longest),
        report_after: k * part,
        to: if k + 1 == LANES {
            haystack.len()
        } else {
            (k + 1) * part
        },
    });
    // Lock-step over the length every lane has, then each lane's rest alone.
    let steps = lanes.iter().map(|l| l.to - l.from).min().unwrap_or(0);
    let mut sids = [start; LANES];
    for step in 0..steps {
        for (lane, sid) in lanes.iter().zip(sids.iter_mut()) {
            let at = lane.from + step;
            *sid = dfa.next_state(Anchored::No, *sid, haystack[at]);
            if dfa.is_special(*sid) && at >= lane.report_after {
                report(*sid, at, hits);
            }
        }
    }
    for (lane, sid) in lanes.iter().zip(sids) {
        let rest = Lane {
            from: lane.from + steps,
            ..*lane
        };
        walk(rest, sid, hits);
    }
}

#[cfg(test)]
mod tests {
    use super::{KeywordHit, Prefilter, build_dfa, build_nfa, dfa_find_all, nfa_find_all};

    /// The built-in keywords glued, overlapping, upper-cased and apart, `copies` times over.
    fn text_of(keywords: &[String], copies: usize) -> String {
        let mut text = String::new();
        for copy in 0..copies {
            for (i, k) in keywords.iter().enumerate() {
                let k = if (i + copy) % 3 == 0 {
                    k.to_uppercase()
                } else {
                    k.clone()
                };
                text.push_str(&k);
                text.push_str(["", " ", "x", "\n", &k[..k.len() / 2]][(i + copy) % 5]);
            }
        }
        text
    }

    #[test]
    fn the_dfa_lanes_find_what_the_lowercasing_nfa_finds() {
        let strict = crate::rules::Strictness::Trusted;
        let pack = crate::rules::RulePack::builtin(strict).expect("built-in pack");
        let prefilter = Prefilter::new(&pack.rules);
        let keywords = &prefilter.keywords;
        let nfa = build_nfa(keywords).expect("nfa");
        let dfa = build_dfa(keywords).expect("dfa");
        // One copy is walked by one cursor; seven copies by four, with parts that cut keywords.
        for copies in [1, 7] {
            let text = text_of(keywords, copies);
            let mut want: Vec<KeywordHit> = Vec::new();
            nfa_find_all(&nfa, text.as_bytes(), &mut want);
            let mut got = Vec::new();
            dfa_find_all(&dfa, text.as_bytes(), prefilter.longest(), &mut got);
            want.sort_unstable();
            got.sort_unstable();
            assert!(want.len() > keywords.len() * copies, "{}", want.len());
            assert_eq!(got, want, "{copies} copies");
        }
    }

    #[test]
    fn a_keyword_inside_another_is_found_too() {
        let keywords: Vec<String> = ["secret", "secret_", "pass", "sk0"]
            .map(String::from)
            .to_vec();
        let nfa = build_nfa(&keywords).expect("nfa");
        let mut hits = Vec::new();
        nfa_find_all(&nfa, b"MY_SECRET_X passk0", &mut hits);
        hits.sort_unstable();
        assert_eq!(hits, vec![(0, 3, 9), (1, 3, 10), (2, 12, 16), (3, 15, 18)]);
    }
}
