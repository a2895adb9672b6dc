//! One Aho-Corasick automaton over every rule's keywords.
//!
//! A single pass over a chunk tells which rules can match and where; rules whose keywords are
//! absent cost nothing (their regexes are never even compiled).

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use crate::rules::Rule;

/// The keyword automaton and, for each keyword, the rules that named it.
#[derive(Debug)]
pub struct Prefilter {
    automaton: Option<AhoCorasick>,
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
        for (index, rule) in rules.iter().enumerate() {
            for keyword in &rule.keywords {
                if let Some(k) = keywords.iter().position(|k| k == keyword) {
                    rules_of_keyword[k].push(index);
                } else {
                    keywords.push(keyword.clone());
                    rules_of_keyword.push(vec![index]);
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&keywords)
            .ok();
        Prefilter {
            automaton,
            rules_of_keyword,
        }
    }

    /// Calls `on_hit` for every rule of every keyword occurrence in `haystack`.
    pub fn for_each_hit(&self, haystack: &[u8], mut on_hit: impl FnMut(Hit)) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        for found in automaton.find_overlapping_iter(haystack) {
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
