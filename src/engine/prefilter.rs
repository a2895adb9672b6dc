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

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use crate::rules::Rule;

/// The keyword automaton and, for each keyword, the rules it stands for.
///
/// Two automata over the same keywords, built on first use: a contiguous NFA, cheap to build
/// (a hook scanning a few kilobytes must not pay for more), and a full DFA, several times faster
/// per byte, once a run has scanned 4 MiB (`DFA_AFTER`). Both report the same matches.
#[derive(Debug)]
pub struct Prefilter {
    keywords: Vec<String>,
    small: OnceLock<Option<AhoCorasick>>,
    large: OnceLock<Option<AhoCorasick>>,
    scanned: AtomicU64,
    rules_of_keyword: Vec<Vec<usize>>,
}

/// Bytes scanned before the DFA is worth its build time (about 20 M instructions for the
/// built-in keywords, the cost of scanning a few megabytes with the NFA).
const DFA_AFTER: u64 = 4 << 20;

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
        let nfa = build(&keywords, AhoCorasickKind::NoncontiguousNFA);
        let rules_of_keyword = close_over_overlaps(nfa.as_ref(), &keywords, &direct);
        Prefilter {
            keywords,
            small: OnceLock::from(nfa),
            large: OnceLock::new(),
            scanned: AtomicU64::new(0),
            rules_of_keyword,
        }
    }

    /// The automaton for the next `len` bytes.
    fn automaton(&self, len: usize) -> Option<&AhoCorasick> {
        let before = self.scanned.fetch_add(len as u64, Ordering::Relaxed);
        if before + len as u64 > DFA_AFTER {
            self.large
                .get_or_init(|| build(&self.keywords, AhoCorasickKind::DFA))
                .as_ref()
        } else {
            self.small
                .get_or_init(|| build(&self.keywords, AhoCorasickKind::NoncontiguousNFA))
                .as_ref()
        }
    }

    /// The length of the longest keyword.
    pub fn longest(&self) -> usize {
        self.keywords.iter().map(String::len).max().unwrap_or(0)
    }

    /// Calls `on_hit` for every candidate rule of every keyword found in `haystack`.
    pub fn for_each_hit(&self, haystack: &[u8], mut on_hit: impl FnMut(Hit)) {
        let Some(automaton) = self.automaton(haystack.len()) else {
            return;
        };
        for found in automaton.find_iter(haystack) {
            for &rule in &self.rules_of_keyword[found.pattern().as_usize()] {
                on_hit(Hit {
                    rule,
                    start: found.start(),
                    end: found.end(),
                });
            }
        }
    }
}

/// For each keyword, its own rules plus those of every keyword that contains it or lies inside
/// it. Linear in the total keyword length (one overlapping search over each keyword), so a
/// config with thousands of rules still starts quickly.
/// The keyword automaton of one kind (ASCII case-insensitive, standard match semantics).
fn build(keywords: &[String], kind: AhoCorasickKind) -> Option<AhoCorasick> {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(kind))
        .build(keywords)
        .ok()
}

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
    use super::{AhoCorasickKind, build, close_over_overlaps};

    #[test]
    fn each_keyword_stands_for_the_keywords_it_contains_or_is_inside() {
        let keywords = ["secret".to_owned(), "secret_".to_owned(), "ghp_".to_owned()];
        let direct = vec![vec![0], vec![1], vec![2]];
        let nfa = build(&keywords, AhoCorasickKind::NoncontiguousNFA);
        let closed = close_over_overlaps(nfa.as_ref(), &keywords, &direct);
        assert_eq!(closed, vec![vec![0, 1], vec![0, 1], vec![2]]);
    }
}
