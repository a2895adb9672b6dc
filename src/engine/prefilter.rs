//! The keyword pass: which rules can match in a chunk, and where.
//!
//! One automaton over every rule's keywords ([`KeywordDfa`]) reads the chunk once; rules whose
//! keywords are absent cost nothing (their regexes are never even compiled). The pass reports
//! every keyword occurrence, overlapping ones included (`pass` inside `password`, `pass` and
//! `sk0` sharing an edge in `passk0`), so no keyword hides another.

use std::cell::Cell;

use super::keyword_dfa::{KeywordDfa, KeywordHit};
use crate::rules::Rule;

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
            dfa: KeywordDfa::new(&keywords),
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
