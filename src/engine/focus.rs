//! Focused scans: the decoding stage rescans a line with a few spans replaced by their decoded
//! bytes, and only what those spans change is new. A focus is the sorted list of changed spans;
//! the engine confirms only the windows that touch one, and runs its keyword pass only over the
//! zones where such a window's keyword can lie. Everything else in the text reads exactly as the
//! plain scan read it, so it is not read again.

use std::ops::Range;

use super::window::BACK;

/// Bytes a filter looks at beyond a secret (the template check reads two either side), so a
/// change that close to a window counts as touching it.
const SLACK: usize = 3;

/// Extra bytes in front of each zone, so that the keyword pass, restarted there, is back in
/// step with a pass from the start of the text before any keyword that matters.
const SYNC: usize = 256;

/// The changed spans of a text, sorted and disjoint, with a cursor for hits in position order.
#[derive(Debug)]
pub struct Focus<'f> {
    spans: &'f [Range<usize>],
    next: usize,
}

impl<'f> Focus<'f> {
    /// A focus on `spans` (sorted by start, not overlapping).
    pub fn new(spans: &'f [Range<usize>]) -> Focus<'f> {
        Focus { spans, next: 0 }
    }

    /// Whether window `w` touches a changed span. Windows must come with non-decreasing starts
    /// (a keyword pass reports them so); spans wholly before one are passed for good.
    pub fn touches(&mut self, w: &Range<usize>) -> bool {
        while self
            .spans
            .get(self.next)
            .is_some_and(|s| s.end + SLACK <= w.start)
        {
            self.next += 1;
        }
        self.spans
            .get(self.next)
            .is_some_and(|s| s.start < w.end + SLACK)
    }

    /// The zones of a text of `len` bytes where a keyword whose window touches a changed span
    /// can lie: from `reach` (the farthest a window extends past its keyword) plus `keyword`
    /// (the longest keyword) before each span, to [`BACK`] plus `keyword` after it; merged.
    pub fn zones(&self, len: usize, reach: usize, keyword: usize) -> Vec<Range<usize>> {
        let before = reach + keyword + SLACK + SYNC;
        let after = BACK + keyword + SLACK;
        let mut zones: Vec<Range<usize>> = Vec::new();
        for span in self.spans {
            let zone = span.start.saturating_sub(before)..(span.end + after).min(len);
            match zones.last_mut() {
                Some(last) if zone.start <= last.end => last.end = last.end.max(zone.end),
                _ => zones.push(zone),
            }
        }
        zones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_touch_the_spans_they_reach() {
        let spans = [10..12, 100..104];
        let mut focus = Focus::new(&spans);
        assert!(focus.touches(&(0..9)), "within the slack before");
        assert!(focus.touches(&(11..20)));
        assert!(!focus.touches(&(20..90)));
        assert!(focus.touches(&(50..101)));
        assert!(!focus.touches(&(200..300)));
    }

    #[test]
    fn zones_cover_reach_before_and_back_after_and_merge() {
        let spans = [5000..5002, 5100..5104, 90_000..90_001];
        let zones = Focus::new(&spans).zones(100_000, 2048, 10);
        let before = 2048 + 10 + SLACK + SYNC;
        let after = BACK + 10 + SLACK;
        assert_eq!(
            zones,
            vec![5000 - before..5104 + after, 90_000 - before..90_001 + after]
        );
    }
}
