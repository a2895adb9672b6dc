//! The keyword automaton: an Aho-Corasick DFA over the first [`DEPTH`] bytes of each keyword,
//! ASCII case-insensitive, reporting every occurrence (overlapping ones included), each checked
//! against the whole keyword where it is longer.
//!
//! Built here rather than taken from a general library because its shape decides the scan's
//! speed: bytes fall into classes by what the keywords hold (upper and lower case of a letter
//! are one class, so about 56 for the built-in keywords, where a general builder keeps ranges),
//! states are 16-bit where they fit, and cutting keywords to their first bytes keeps the rows
//! in use small enough to stay in the core's caches (see [`DEPTH`]; a general builder's table
//! for the built-in pack was 2.4 MB). States are numbered breadth first, so the shallow ones,
//! where a walk spends most of its steps, share cache lines in every column (12 % faster than
//! numbering them as the trie made them). A DFA walk is bound by the latency of each state
//! load, so the walk also runs four cursors over four parts of a text at once
//! ([`KeywordDfa::find_all`]).

use std::collections::VecDeque;

/// How many leading bytes of a keyword the automaton holds; the rest is compared at a hit.
/// Measured on npm text: 4 bytes walk at half the speed of 8 (a hit for every common prefix,
/// each compared), 12 a little faster than 8 (fewer false hits); the deep states are rarely
/// entered, so the rows they add cost memory, not speed (the built-in pack: under 600 KiB).
const DEPTH: usize = 12;

/// Texts shorter than this are walked by one cursor: each of the other three re-reads
/// [`DEPTH`] bytes to fall into step.
const LANES_FROM: usize = 1024;

/// The layout version of [`KeywordDfa::to_bytes`]: bump it when the automaton changes.
const FORMAT: usize = 1;

/// A keyword occurrence: keyword index, start, end.
pub type KeywordHit = (u32, usize, usize);

/// The transition table, 16-bit state numbers when there are few enough states.
#[derive(Debug)]
enum Table {
    Narrow(Vec<u16>),
    Wide(Vec<u32>),
}

/// See the module doc.
#[derive(Debug)]
pub struct KeywordDfa {
    /// For each byte, where the column of its class begins in `table` (class 0: the bytes no
    /// keyword holds).
    columns: [u32; 256],
    /// Column by column (one per byte class), the next state of every state.
    table: Table,
    start: u32,
    /// States from here on report keywords (they are numbered last), a power of two: every
    /// state below it is silent, so four states are tested at once by or-ing them.
    first_match: u32,
    /// For each reporting state, the keywords ending there (index into `keywords`).
    outputs: Vec<Vec<u32>>,
    /// The lowercase keywords, as given.
    keywords: Vec<Vec<u8>>,
    /// The length of the longest keyword.
    longest: usize,
}

impl KeywordDfa {
    /// The automaton over `keywords` (lowercase; empty ones never match).
    pub fn new(keywords: &[String]) -> KeywordDfa {
        let keywords: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.as_bytes().to_ascii_lowercase())
            .collect();
        let mut classes = [0u8; 256];
        let mut count = 1usize;
        for k in &keywords {
            for &b in k.iter().take(DEPTH) {
                if classes[usize::from(b)] == 0 {
                    // At most 256 - 26 distinct lowercase bytes: a class always fits in a u8.
                    classes[usize::from(b)] = count as u8;
                    count += 1;
                }
            }
        }
        for upper in b'A'..=b'Z' {
            classes[usize::from(upper)] = classes[usize::from(upper.to_ascii_lowercase())];
        }
        let trie = Trie::build(&keywords, &classes, count);
        let (table, rows, start, first_match, outputs) = trie.into_dfa(count);
        KeywordDfa {
            columns: classes.map(|class| u32::from(class) * rows),
            table,
            start,
            first_match,
            outputs,
            longest: keywords.iter().map(Vec::len).max().unwrap_or(0),
            keywords,
        }
    }

    /// The length of the longest keyword.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// The automaton as bytes, for [`KeywordDfa::from_bytes`]: `build.rs` embeds the built-in
    /// pack's, so a start (a hook's most of all) reads it instead of building it (about 2 ms,
    /// 8.7 M instructions, almost half of a one-file scan's).
    #[allow(dead_code)] // Called by build.rs, which includes this file, and by tests.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut put = |value: usize| out.extend_from_slice(&(value as u32).to_le_bytes());
        put(FORMAT);
        put(self.keywords.len());
        for keyword in &self.keywords {
            put(keyword.len());
        }
        for &column in &self.columns {
            put(column as usize);
        }
        put(self.start as usize);
        put(self.first_match as usize);
        put(self.longest);
        put(self.outputs.len());
        for output in &self.outputs {
            put(output.len());
            for &k in output {
                put(k as usize);
            }
        }
        match &self.table {
            Table::Narrow(table) => {
                put(2);
                put(table.len());
            }
            Table::Wide(table) => {
                put(4);
                put(table.len());
            }
        }
        for keyword in &self.keywords {
            out.extend_from_slice(keyword);
        }
        match &self.table {
            Table::Narrow(table) => table.iter().for_each(|s| out.extend(s.to_le_bytes())),
            Table::Wide(table) => table.iter().for_each(|s| out.extend(s.to_le_bytes())),
        }
        out
    }

    /// The automaton [`KeywordDfa::to_bytes`] wrote, if it was built over exactly `keywords`
    /// (lowercased) and reads whole; `None` tells the caller to build it.
    pub fn from_bytes(bytes: &[u8], keywords: &[String]) -> Option<KeywordDfa> {
        let mut at = 0usize;
        let mut take = |len: usize| -> Option<&[u8]> {
            let taken = bytes.get(at..at.checked_add(len)?)?;
            at += len;
            Some(taken)
        };
        let mut words = |count: usize| -> Option<Vec<u32>> {
            let raw = take(count.checked_mul(4)?)?;
            Some(
                raw.chunks_exact(4)
                    .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
                    .collect(),
            )
        };
        let head = words(2)?;
        if head[0] as usize != FORMAT || head[1] as usize != keywords.len() {
            return None;
        }
        let lengths = words(keywords.len())?;
        let columns: [u32; 256] = words(256)?.try_into().ok()?;
        let [start, first_match, longest, output_count] = words(4)?[..] else {
            return None;
        };
        let mut outputs = Vec::with_capacity(output_count as usize);
        for _ in 0..output_count {
            let len = words(1)?[0] as usize;
            outputs.push(words(len)?);
        }
        let [width, len] = words(2)?[..] else {
            return None;
        };
        let mut stored = Vec::with_capacity(keywords.len());
        for (keyword, &len) in keywords.iter().zip(&lengths) {
            let bytes = take(len as usize)?;
            if !keyword.as_bytes().eq_ignore_ascii_case(bytes) {
                return None;
            }
            stored.push(bytes.to_vec());
        }
        let raw = take((len as usize).checked_mul(width as usize)?)?;
        let table = Table::read(raw, width)?;
        // The bytes are this build's own (`build.rs`); the check only keeps a mismatched layout
        // from passing: a walk indexes the table by column and state.
        if !consistent(&columns, len, start, first_match, &outputs, stored.len()) {
            return None;
        }
        Some(KeywordDfa {
            columns,
            table,
            start,
            first_match,
            outputs,
            keywords: stored,
            longest: longest as usize,
        })
    }

    /// Every keyword occurrence in `haystack` (unsorted). Long texts are cut into four
    /// parts walked in lock-step; each cursor but the first starts [`DEPTH`] bytes early, which
    /// puts it in the very state a walk from the start would be in (a state stands for the
    /// longest suffix read that begins a keyword, at most [`DEPTH`] bytes), and reports nothing
    /// there.
    pub fn find_all(&self, haystack: &[u8], hits: &mut Vec<KeywordHit>) {
        match &self.table {
            Table::Narrow(table) => self.walk(table, haystack, hits),
            Table::Wide(table) => self.walk(table, haystack, hits),
        }
    }

    fn walk<T: Copy + Into<u32>>(&self, table: &[T], haystack: &[u8], hits: &mut Vec<KeywordHit>) {
        let column = &self.columns;
        // A plain bounds-checked index: the check is a predicted branch beside the chain of
        // state loads, where masking the index (tried) put an `and` on it, 12 % slower.
        let next = |state: u32, byte: u8| -> u32 {
            table[column[usize::from(byte)] as usize + state as usize].into()
        };
        // One cursor over `from..to`, reporting from `report_from` on.
        let single = |from: usize, to: usize, report_from: usize, state: u32, hits: &mut Vec<_>| {
            let mut state = state;
            for (at, &byte) in haystack.iter().enumerate().take(to).skip(from) {
                state = next(state, byte);
                if state >= self.first_match && at >= report_from {
                    self.report(state, at, haystack, hits);
                }
            }
        };
        if haystack.len() < LANES_FROM {
            single(0, haystack.len(), 0, self.start, hits);
            return;
        }
        // Four parts; each lane reads its part and the DEPTH bytes before it.
        let part = haystack.len() / 4;
        let from = [0, part - DEPTH, 2 * part - DEPTH, 3 * part - DEPTH];
        let steps = part;
        let lane = |k: usize| &haystack[from[k]..from[k] + steps];
        let (mut s0, mut s1, mut s2, mut s3) = (self.start, self.start, self.start, self.start);
        let lanes = lane(0).iter().zip(lane(1)).zip(lane(2)).zip(lane(3));
        for (step, (((&b0, &b1), &b2), &b3)) in lanes.enumerate() {
            s0 = next(s0, b0);
            s1 = next(s1, b1);
            s2 = next(s2, b2);
            s3 = next(s3, b3);
            if s0 | s1 | s2 | s3 >= self.first_match {
                for (k, state) in [s0, s1, s2, s3].into_iter().enumerate() {
                    let at = from[k] + step;
                    if state >= self.first_match && at >= k * part {
                        self.report(state, at, haystack, hits);
                    }
                }
            }
        }
        // Lanes 0 to 2 have read to where the next lane reports from, less DEPTH bytes: the
        // rest of their parts; the last lane reads on to the end.
        for (k, state) in [s0, s1, s2, s3].into_iter().enumerate() {
            let to = if k == 3 {
                haystack.len()
            } else {
                (k + 1) * part
            };
            single(from[k] + steps, to, k * part, state, hits);
        }
    }

    /// Reports the keywords of reporting `state`, reached at byte `at`: those longer than
    /// [`DEPTH`] only where the rest of the keyword follows.
    #[cold]
    fn report(&self, state: u32, at: usize, haystack: &[u8], hits: &mut Vec<KeywordHit>) {
        for &k in &self.outputs[(state - self.first_match) as usize] {
            let keyword = &self.keywords[k as usize];
            let start = at + 1 - keyword.len().min(DEPTH);
            let end = start + keyword.len();
            if keyword.len() <= DEPTH
                || haystack
                    .get(start..end)
                    .is_some_and(|text| text.eq_ignore_ascii_case(keyword))
            {
                hits.push((k, start, end));
            }
        }
    }
}

impl Table {
    /// The table of `width`-byte little-endian states in `raw`. Written into a table of the
    /// right size, not collected: the loop then compiles to vector moves (a collect from
    /// chunks did not, and was a third of a start's instructions).
    fn read(raw: &[u8], width: u32) -> Option<Table> {
        match width {
            2 => {
                let mut table = vec![0u16; raw.len() / 2];
                for (state, le) in table.iter_mut().zip(raw.chunks_exact(2)) {
                    *state = u16::from_le_bytes([le[0], le[1]]);
                }
                Some(Table::Narrow(table))
            }
            4 => {
                let mut table = vec![0u32; raw.len() / 4];
                for (state, le) in table.iter_mut().zip(raw.chunks_exact(4)) {
                    *state = u32::from_le_bytes([le[0], le[1], le[2], le[3]]);
                }
                Some(Table::Wide(table))
            }
            _ => None,
        }
    }
}

/// Whether a read automaton's parts fit together: every column inside the table, the start a
/// state, the reporting states the last rows, every report a keyword.
fn consistent(
    columns: &[u32; 256],
    len: u32,
    start: u32,
    first_match: u32,
    outputs: &[Vec<u32>],
    keywords: usize,
) -> bool {
    let mut offsets: Vec<u32> = columns.to_vec();
    offsets.sort_unstable();
    offsets.dedup();
    let rows = len / u32::try_from(offsets.len()).unwrap_or(u32::MAX);
    rows > 0
        && len.is_multiple_of(rows)
        && offsets
            .iter()
            .all(|&c| c.is_multiple_of(rows) && c + rows <= len)
        && start < rows
        && u64::from(first_match) + outputs.len() as u64 == u64::from(rows)
        && outputs.iter().flatten().all(|&k| (k as usize) < keywords)
}

/// The keyword trie with failure links, before it becomes a table.
struct Trie {
    /// Row per node, one entry per class, `u32::MAX` where the node has no child on it.
    goto: Vec<u32>,
    /// The keywords ending at each node (their cut prefix does).
    ends: Vec<Vec<u32>>,
}

impl Trie {
    fn build(keywords: &[Vec<u8>], classes: &[u8; 256], stride: usize) -> Trie {
        let mut trie = Trie {
            goto: vec![u32::MAX; stride],
            ends: vec![Vec::new()],
        };
        for (index, keyword) in keywords.iter().enumerate() {
            if keyword.is_empty() {
                continue;
            }
            let mut node = 0usize;
            for &b in keyword.iter().take(DEPTH) {
                let slot = node * stride + usize::from(classes[usize::from(b)]);
                if trie.goto[slot] == u32::MAX {
                    trie.goto[slot] = trie.ends.len() as u32;
                    trie.ends.push(Vec::new());
                    trie.goto.resize(trie.goto.len() + stride, u32::MAX);
                }
                node = trie.goto[slot] as usize;
            }
            trie.ends[node].push(index as u32);
        }
        trie
    }

    /// The full DFA: every missing transition follows the failure links (computed breadth
    /// first, so a node's failure state is complete before the node), every node reports what
    /// its failure state reports too, and reporting states are renumbered last, from the power
    /// of two at or above the number of silent states (the rows between are never entered).
    /// Returns the table, its rows per column, the start state, the first reporting state and
    /// the reports.
    fn into_dfa(self, classes: usize) -> (Table, u32, u32, u32, Vec<Vec<u32>>) {
        let Trie { mut goto, mut ends } = self;
        let nodes = ends.len();
        let mut fail = vec![0u32; nodes];
        let mut queue = VecDeque::new();
        // Nodes breadth first: the shallow states, where a walk spends most of its steps, are
        // numbered first and so share cache lines in every column.
        let mut order = vec![0usize];
        // The root's missing transitions stay at the root; its children fail to it.
        for next in &mut goto[..classes] {
            match *next {
                u32::MAX => *next = 0,
                child => queue.push_back(child),
            }
        }
        while let Some(node) = queue.pop_front() {
            let node = node as usize;
            order.push(node);
            let inherited = ends[fail[node] as usize].clone();
            ends[node].extend(inherited);
            for class in 0..classes {
                let slot = node * classes + class;
                let via_fail = goto[fail[node] as usize * classes + class];
                match goto[slot] {
                    u32::MAX => goto[slot] = via_fail,
                    child => {
                        fail[child as usize] = via_fail;
                        queue.push_back(child);
                    }
                }
            }
        }
        // Renumber: silent states first, reporting states from a power of two on.
        let (silent, reporting): (Vec<usize>, Vec<usize>) =
            order.iter().partition(|&&n| ends[n].is_empty());
        let first_match = silent.len().next_power_of_two();
        let rows = first_match + reporting.len();
        let mut number = vec![0u32; nodes];
        let numbered = silent
            .iter()
            .enumerate()
            .chain((reporting.iter().enumerate()).map(|(i, old)| (first_match + i, old)));
        for (new, &old) in numbered.clone() {
            number[old] = new as u32;
        }
        // Column by column. Only the rows in use are written: the zeroed rows between the
        // silent and the reporting states are never touched, so their pages are never mapped.
        let len = classes * rows;
        let fill = |put: &mut dyn FnMut(usize, u32)| {
            for (new, &old) in numbered {
                for (class, &next) in goto[old * classes..][..classes].iter().enumerate() {
                    put(class * rows + new, number[next as usize]);
                }
            }
        };
        let table = if rows <= usize::from(u16::MAX) + 1 {
            let mut table = vec![0u16; len];
            fill(&mut |at, state| table[at] = state as u16);
            Table::Narrow(table)
        } else {
            let mut table = vec![0u32; len];
            fill(&mut |at, state| table[at] = state);
            Table::Wide(table)
        };
        let outputs = (reporting.iter())
            .map(|&old| std::mem::take(&mut ends[old]))
            .collect();
        (table, rows as u32, number[0], first_match as u32, outputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every occurrence, case-insensitively, by brute force.
    fn naive(keywords: &[String], haystack: &[u8]) -> Vec<KeywordHit> {
        let mut hits = Vec::new();
        for (k, keyword) in keywords.iter().enumerate() {
            let keyword = keyword.as_bytes();
            if keyword.is_empty() || keyword.len() > haystack.len() {
                continue;
            }
            for start in 0..=haystack.len() - keyword.len() {
                if haystack[start..start + keyword.len()].eq_ignore_ascii_case(keyword) {
                    hits.push((k as u32, start, start + keyword.len()));
                }
            }
        }
        hits.sort_unstable();
        hits
    }

    fn found(dfa: &KeywordDfa, haystack: &[u8]) -> Vec<KeywordHit> {
        let mut hits = Vec::new();
        dfa.find_all(haystack, &mut hits);
        hits.sort_unstable();
        hits
    }

    #[test]
    fn an_automaton_read_back_from_its_bytes_finds_what_it_found() {
        let keywords: Vec<String> = [
            "secret",
            "pass",
            "sk0",
            "password",
            "a-very-long-keyword-cut",
        ]
        .map(String::from)
        .to_vec();
        let dfa = KeywordDfa::new(&keywords);
        let bytes = dfa.to_bytes();
        let read = KeywordDfa::from_bytes(&bytes, &keywords).expect("reads back");
        let text = b"SECRET passk0 PassWord a-very-long-keyword-cut a-very-long-keyword-cux";
        assert_eq!(found(&read, text), found(&dfa, text));
        assert_eq!(found(&read, text).len(), 6);
        // Another keyword list, or cut bytes, is no match: the caller builds its own.
        let other: Vec<String> = ["secret", "pass"].map(String::from).to_vec();
        assert!(KeywordDfa::from_bytes(&bytes, &other).is_none());
        let swapped: Vec<String> = keywords.iter().rev().cloned().collect();
        assert!(KeywordDfa::from_bytes(&bytes, &swapped).is_none());
        assert!(KeywordDfa::from_bytes(&bytes[..bytes.len() - 1], &keywords).is_none());
    }

    #[test]
    fn finds_every_occurrence_overlapping_and_in_any_case() {
        let keywords: Vec<String> = ["secret", "secret_", "pass", "sk0", "password", "ord", ""]
            .map(String::from)
            .to_vec();
        let dfa = KeywordDfa::new(&keywords);
        let text = b"MY_SECRET_X passk0 PassWord";
        assert_eq!(found(&dfa, text), naive(&keywords, text));
        assert_eq!(found(&dfa, text).len(), 7);
    }

    #[test]
    fn long_keywords_are_checked_past_the_cut() {
        let keywords: Vec<String> = ["begin openssh private key", "begin openssh public key"]
            .map(String::from)
            .to_vec();
        let dfa = KeywordDfa::new(&keywords);
        let text = b"-----BEGIN OPENSSH PRIVATE KEY----- begin openssh publ";
        assert_eq!(found(&dfa, text), vec![(0, 5, 30)]);
    }

    #[test]
    fn the_built_in_keywords_are_found_as_brute_force_finds_them() {
        let strict = crate::rules::Strictness::Trusted;
        let pack = crate::rules::RulePack::builtin(strict).expect("built-in pack");
        let mut keywords: Vec<String> =
            pack.rules.iter().flat_map(|r| r.keywords.clone()).collect();
        keywords.sort();
        keywords.dedup();
        let dfa = KeywordDfa::new(&keywords);
        assert!(matches!(dfa.table, Table::Narrow(_)));
        // Keywords glued, overlapping, upper-cased, cut and apart, in texts long enough for the
        // four cursors (whose parts then cut keywords) and short enough for one.
        let mut text = String::new();
        for (i, k) in keywords.iter().enumerate() {
            let k = if i % 3 == 0 {
                k.to_uppercase()
            } else {
                k.clone()
            };
            text.push_str(&k);
            text.push_str(["", " ", "x", "\n", &k[..k.len() / 2]][i % 5]);
        }
        for len in [text.len(), 5000, 1023, 300] {
            let haystack = &text.as_bytes()[..len];
            let want = naive(&keywords, haystack);
            assert!(want.len() > len / 20, "{}", want.len());
            assert_eq!(found(&dfa, haystack), want, "length {len}");
        }
    }

    #[test]
    fn many_states_take_the_wide_table() {
        // 70,000 keywords whose first eight bytes differ: more states than 16 bits number.
        let keywords: Vec<String> = (0..70_000).map(|i| format!("{i:08}x")).collect();
        let dfa = KeywordDfa::new(&keywords);
        assert!(matches!(dfa.table, Table::Wide(_)));
        let text = b"x 00001234x 00069999X 0000000";
        assert_eq!(found(&dfa, text), naive(&keywords, text));
        assert_eq!(found(&dfa, text).len(), 2);
    }
}
