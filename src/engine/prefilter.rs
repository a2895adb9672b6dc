//! The keyword pass: which rules can match in a chunk, and where.
//!
//! One automaton over every rule's keywords ([`KeywordDfa`]) reads the chunk once; rules whose
//! keywords are absent cost nothing (their regexes are never even compiled). The pass reports
//! every keyword occurrence, overlapping ones included (`pass` inside `password`, `pass` and
//! `sk0` sharing an edge in `passk0`), so no keyword hides another.

use std::cell::Cell;

use super::keyword_dfa::{KeywordDfa, KeywordHit};
use crate::rules::Rule;

/// The automaton over the built-in keywords, built by `build.rs`.
static BUILTIN_DFA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/keyword_dfa.bin"));

/// The keyword automaton and, for each keyword, the rules it stands for.
#[derive(Debug)]
pub struct Prefilter {
    dfa: KeywordDfa,
    rules_of_keyword: Vec<Vec<usize>>,
}

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
        let (keywords, rules_of_keyword) = keywords_of(rules);
        Prefilter {
            dfa: KeywordDfa::from_bytes(BUILTIN_DFA, &keywords)
                .unwrap_or_else(|| KeywordDfa::new(&keywords)),
            rules_of_keyword,
        }
    }

    /// The length of the longest keyword.
    pub fn longest(&self) -> usize {
        self.dfa.longest()
    }

    /// Calls `on_hit` for every candidate rule of every keyword found in `haystack`, in order of
    /// the keywords' starts.
    pub fn for_each_hit(&self, haystack: &[u8], mut on_hit: impl FnMut(Hit)) {
        thread_local! {
            static HITS: Cell<Vec<KeywordHit>> = const { Cell::new(Vec::new()) };
        }
        // Taken out, not borrowed: `on_hit` may scan again on this thread.
        let mut hits = HITS.take();
        hits.clear();
        self.dfa.find_all(haystack, &mut hits);
        hits.sort_unstable_by_key(|&(keyword, start, end)| (start, end, keyword));
        for &(keyword, start, end) in &hits {
            for &rule in &self.rules_of_keyword[keyword as usize] {
                on_hit(Hit { rule, start, end });
            }
        }
        HITS.set(hits);
    }
}

/// The keywords of `rules`, each once in order of first use, and for each the rules it stands
/// for (`build.rs` lists the built-in pack's the same way).
fn keywords_of(rules: &[Rule]) -> (Vec<String>, Vec<Vec<usize>>) {
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
    (keywords, rules_of_keyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_pack_reads_the_automaton_built_with_the_binary() {
        let strict = crate::rules::Strictness::Trusted;
        let pack = crate::rules::RulePack::builtin(strict).expect("built-in pack");
        let (keywords, _) = keywords_of(&pack.rules);
        assert!(KeywordDfa::from_bytes(BUILTIN_DFA, &keywords).is_some());
        // Without its last rule the list differs, and the automaton is built instead.
        let (fewer, _) = keywords_of(&pack.rules[..pack.rules.len() - 1]);
        assert!(fewer.len() < keywords.len());
        assert!(KeywordDfa::from_bytes(BUILTIN_DFA, &fewer).is_none());
    }
}
