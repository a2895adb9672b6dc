//! The scanning engine: bytes in, confirmed matches out. Pure: no I/O, no git, no files.
//!
//! Keyword prefilter -> regex confirm in windows around hits -> secret extraction -> value
//! filters (entropy, validator, placeholder, allowlists, inline allow) -> overlap resolution.
//! Every decision can be traced, which `--explain` and `rules test` use to say why.

pub mod filters;
pub mod focus;
pub mod keyword_dfa;
pub mod prefilter;
pub mod window;

use std::ops::Range;

use crate::rules::context::KeywordContext;
use crate::rules::{AllowReason, Rule, RulePack};
use focus::Focus;
use prefilter::Prefilter;

/// The marker that suppresses findings on its line.
pub const INLINE_ALLOW: &[u8] = b"leakgate:allow";

/// How many closed windows wait to be confirmed together (see `Confirmer::closed`): enough to
/// group a dense file's windows by rule, few enough to keep a scan's memory small.
const BATCH: usize = 4096;

/// Options that change what the engine reports.
#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// Honour `leakgate:allow` comments (off for audits with `--no-inline-allow`).
    pub inline_allow: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { inline_allow: true }
    }
}

/// A compiled rule pack ready to scan.
#[derive(Debug)]
pub struct Engine {
    pack: RulePack,
    prefilter: Prefilter,
    options: EngineOptions,
    /// The farthest any rule's window reaches past its keyword.
    reach: usize,
}

/// A confirmed match of one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// Index of the rule in [`Engine::rules`].
    pub rule: usize,
    /// Byte span of the secret in the scanned bytes.
    pub secret: Range<usize>,
}

/// What happened to one candidate, for `--explain` and the example runner.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// The rule's regex found nothing in the windows around its keyword hits.
    NoRegexMatch,
    /// A keyword hit stood where the rule's `keyword_context` says no match can hold it, so its
    /// window was not searched.
    OutOfContext(KeywordContext),
    /// Entropy below the rule's minimum.
    LowEntropy {
        /// The secret's entropy.
        got: f64,
        /// The rule's minimum.
        min: f64,
    },
    /// The named validator rejected the value.
    ValidatorFailed(&'static str),
    /// The shared placeholder filter matched.
    Placeholder(&'static str),
    /// An allowlist (per rule or global) matched.
    Allowed(AllowReason),
    /// The line carries `leakgate:allow`.
    InlineAllow,
    /// A more specific rule reported the same secret.
    Overlapped(usize),
    /// A specific rule recognised the value as its own format and its validator rejected it
    /// (a GitHub token with a wrong checksum), so a generic rule does not report it either.
    InvalidFormat(usize),
    /// Reported.
    Reported,
}

/// One traced decision: which rule, which span (if the regex matched), and the verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Index of the rule.
    pub rule: usize,
    /// The secret span when the regex matched.
    pub secret: Option<Range<usize>>,
    /// What happened.
    pub verdict: Verdict,
}

impl Engine {
    /// Builds the prefilter over the pack; regexes stay uncompiled until hit.
    pub fn new(pack: RulePack, options: EngineOptions) -> Engine {
        let prefilter = Prefilter::new(&pack.rules);
        let reach = pack
            .rules
            .iter()
            .map(|r| window::reach_of(r.multiline, r.reach))
            .max()
            .unwrap_or(0);
        Engine {
            pack,
            prefilter,
            options,
            reach,
        }
    }

    /// The rules, indexed as in [`Match::rule`].
    pub fn rules(&self) -> &[Rule] {
        &self.pack.rules
    }

    /// The rule pack.
    pub fn pack(&self) -> &RulePack {
        &self.pack
    }

    /// Whether the global allowlist excludes this path entirely.
    pub fn path_allowed(&self, path: Option<&str>) -> bool {
        self.pack.allow.allows_path(path).is_some()
    }

    /// The rules whose own path allowlists exclude `path`: with the global path allowlist, all
    /// that the engine's verdicts depend on in a path.
    pub fn rules_allowlisted_at(&self, path: &str) -> Vec<u32> {
        (0..self.pack.rules.len())
            .filter(|&i| self.pack.rules[i].allow.allows_path(Some(path)).is_some())
            .map(|i| i as u32)
            .collect()
    }

    /// Scans `bytes` (from `path`, relative and `/`-separated, if any) and returns its matches,
    /// sorted by position, one per secret.
    pub fn scan(&self, bytes: &[u8], path: Option<&str>) -> Vec<Match> {
        self.scan_inner(bytes, path, None, None)
    }

    /// Like [`Engine::scan`], but reports only what a window touching one of `changed` (sorted,
    /// disjoint spans) finds: the decoding stage's rescan of a line with its encoded pieces
    /// replaced, where every other window reads as the plain scan already read it.
    pub fn scan_changed(
        &self,
        bytes: &[u8],
        path: Option<&str>,
        changed: &[Range<usize>],
    ) -> Vec<Match> {
        self.scan_inner(bytes, path, None, Some(changed))
    }

    /// Like [`Engine::scan`], and records every decision in `trace`.
    pub fn scan_traced(
        &self,
        bytes: &[u8],
        path: Option<&str>,
        trace: &mut Vec<Trace>,
    ) -> Vec<Match> {
        self.scan_inner(bytes, path, Some(trace), None)
    }

    fn scan_inner(
        &self,
        bytes: &[u8],
        path: Option<&str>,
        mut trace: Option<&mut Vec<Trace>>,
        changed: Option<&[Range<usize>]>,
    ) -> Vec<Match> {
        // A focused rescan's caller has already asked (its plain scan did).
        let whole_path_allowed = changed.is_none().then(|| self.pack.allow.allows_path(path));
        if let Some(reason) = whole_path_allowed.flatten() {
            if let Some(t) = trace.as_deref_mut() {
                t.push(Trace {
                    rule: usize::MAX,
                    secret: None,
                    verdict: Verdict::Allowed(reason),
                });
            }
            return Vec::new();
        }
        let mut confirmer = Confirmer {
            engine: self,
            bytes,
            path,
            slots: Vec::new(),
            progress: Vec::new(),
            closed: Vec::new(),
            found: Found::default(),
            trace_start: trace.as_deref().map_or(0, Vec::len),
            trace: trace.as_deref_mut(),
        };
        // Hits arrive in position order, so each rule's windows do too: a window is closed as
        // soon as the next one for its rule does not overlap it, and closed windows are
        // confirmed in batches, rule by rule (see `Confirmer::closed`).
        let mut on_hit = |hit: prefilter::Hit, focus: Option<&mut Focus<'_>>| {
            let rule = &self.pack.rules[hit.rule];
            if !rule.keyword_context.admits(bytes, hit.start..hit.end) {
                confirmer.out_of_context(hit.rule, rule.keyword_context);
                return;
            }
            let keyword = hit.start..hit.end;
            let w = window::around(bytes, keyword.clone(), rule.multiline, rule.reach);
            let w = rule.needs().clip(w, &keyword);
            if focus.is_none_or(|f| f.touches(&w)) {
                confirmer.add(hit.rule, w);
            }
        };
        match changed {
            None => self.prefilter.for_each_hit(bytes, |hit| on_hit(hit, None)),
            Some(spans) => {
                let mut focus = Focus::new(spans);
                let zones = focus.zones(bytes.len(), self.reach, self.prefilter.longest());
                for zone in zones {
                    let (start, haystack) = (zone.start, &bytes[zone]);
                    self.prefilter.for_each_hit(haystack, |hit| {
                        let hit = prefilter::Hit {
                            start: hit.start + start,
                            end: hit.end + start,
                            ..hit
                        };
                        on_hit(hit, Some(&mut focus));
                    });
                }
            }
        }
        let matches = confirmer.finish();
        resolve_overlaps(&self.pack.rules, bytes, matches, trace)
    }

    /// Runs one rule's regex over one window and filters each capture; whether it matched.
    fn confirm(
        &self,
        rule_index: usize,
        bytes: &[u8],
        w: &Range<usize>,
        found: &mut Found,
        trace: &mut Option<&mut Vec<Trace>>,
    ) -> bool {
        let rule = &self.pack.rules[rule_index];
        let Some(regex) = rule.regex() else {
            return false;
        };
        let needs = rule.needs();
        if !needs.admit(&bytes[w.clone()]) {
            return false;
        }
        let Some(mut at) = needs.first_start(bytes, w) else {
            return false;
        };
        let mut matched_any = false;
        let haystack = &bytes[..w.end];
        while at <= w.end {
            let Some(caps) = regex.captures_at(haystack, at) else {
                break;
            };
            let whole = caps.get(0).map_or(at..at, |m| m.range());
            at = if whole.end > whole.start {
                whole.end
            } else {
                whole.end + 1
            };
            let Some(secret) = rule.secret_span(&caps) else {
                continue;
            };
            if secret.is_empty() {
                continue;
            }
            matched_any = true;
            let verdict = self.judge(rule, bytes, secret.clone(), &whole);
            let reported = verdict == Verdict::Reported;
            if matches!(verdict, Verdict::ValidatorFailed(_)) && !rule.is_generic() {
                found.invalid.push((rule_index, secret.clone()));
            }
            record(trace, rule_index, Some(secret.clone()), verdict);
            if reported {
                found.matches.push(Match {
                    rule: rule_index,
                    secret,
                });
            }
        }
        matched_any
    }

    /// Every value filter, in order; the first that rejects decides.
    fn judge(
        &self,
        rule: &Rule,
        bytes: &[u8],
        secret: Range<usize>,
        whole: &Range<usize>,
    ) -> Verdict {
        let value = &bytes[secret.clone()];
        if let Some(min) = rule.entropy {
            let got = filters::shannon_entropy(value);
            if got < min {
                return Verdict::LowEntropy { got, min };
            }
        }
        if let Some(validator) = rule.validator
            && !validator.check(value)
        {
            return Verdict::ValidatorFailed(validator.name());
        }
        // A value whose structure a validator proved (a private key) is not a placeholder,
        // whatever words its base64 happens to spell.
        let proven = rule
            .validator
            .is_some_and(crate::rules::validators::Validator::proves_structure);
        if let Some(reason) = filters::placeholder_reason(value).filter(|_| !proven) {
            return Verdict::Placeholder(reason);
        }
        if filters::touches_template(bytes, &secret) {
            return Verdict::Placeholder("next to a template placeholder");
        }
        let text = String::from_utf8_lossy(value);
        if let Some(reason) = rule
            .allow
            .allows_secret(&text)
            .or_else(|| self.pack.allow.allows_secret(&text))
        {
            return Verdict::Allowed(reason);
        }
        if let Some(reason) = rule.allow.allows_match(&bytes[whole.clone()]) {
            return Verdict::Allowed(reason);
        }
        if self.options.inline_allow && line_has_inline_allow(bytes, secret) {
            return Verdict::InlineAllow;
        }
        Verdict::Reported
    }
}

/// Where one rule stands during a scan.
#[derive(Debug, Clone, Default)]
struct RuleProgress {
    /// The window being grown from overlapping hits, not yet confirmed.
    pending: Option<Range<usize>>,
    /// Whether the rule has been seen, and what its path allowlist said.
    seen: Option<bool>,
    /// Whether its regex matched in any window.
    matched: bool,
}

/// Confirms each rule's windows as they close (see [`Engine::scan`]).
struct Confirmer<'e, 'b, 't> {
    engine: &'e Engine,
    bytes: &'b [u8],
    path: Option<&'b str>,
    /// Per rule, indexed like the pack: where its progress is in `progress` (`u32::MAX` for a
    /// rule not hit yet); empty until the first keyword hit.
    slots: Vec<u32>,
    /// The rules hit so far and where each stands, in order of their first hit. A scan hits a
    /// few of hundreds of rules, so it allocates and clears this little, not a slot per rule.
    progress: Vec<(usize, RuleProgress)>,
    /// Closed windows not confirmed yet: rule index and window. They are confirmed in batches
    /// of up to [`BATCH`], grouped by rule, because a regex search is bound by loading the
    /// regex's lazy DFA into the core's caches, not by the bytes it reads: measured on windows
    /// of the PyPI tree, a search that followed 1 MiB of other memory traffic cost 2.4 µs, one
    /// that followed a search by the same regex 0.16 µs. Confirmed in hit order, every window
    /// was of the first kind (the keyword pass and the other rules' searches run in between).
    closed: Vec<(usize, Range<usize>)>,
    found: Found,
    /// Where this scan's entries begin in the trace.
    trace_start: usize,
    trace: Option<&'t mut Vec<Trace>>,
}

impl Confirmer<'_, '_, '_> {
    /// Adds a window for a rule: merged into its pending window if they overlap (windows that
    /// only touch stay apart, so a single-line rule never matches across a line break),
    /// otherwise the pending one is confirmed and this one waits.
    fn add(&mut self, rule_index: usize, w: Range<usize>) {
        let slot = self.slot(rule_index);
        let progress = &mut self.progress[slot].1;
        let allowed = *progress.seen.get_or_insert_with(|| {
            let rule = &self.engine.pack.rules[rule_index];
            let reason = rule
                .outside_paths(self.path)
                .or_else(|| rule.allow.allows_path(self.path));
            let allowed = reason.is_some();
            if let Some(reason) = reason {
                record(&mut self.trace, rule_index, None, Verdict::Allowed(reason));
            }
            allowed
        });
        if allowed {
            return;
        }
        match &mut progress.pending {
            Some(p) if w.start < p.end => p.end = p.end.max(w.end),
            slot => {
                if let Some(done) = slot.replace(w) {
                    self.closed.push((rule_index, done));
                    if self.closed.len() >= BATCH {
                        self.confirm_closed();
                    }
                }
            }
        }
    }

    /// Confirms every closed window, rule by rule.
    fn confirm_closed(&mut self) {
        let mut closed = std::mem::take(&mut self.closed);
        closed.sort_unstable_by_key(|(rule, w)| (*rule, w.start));
        for (rule_index, w) in closed.drain(..) {
            self.confirm(rule_index, &w);
        }
        // The allocation is kept for the next batch.
        self.closed = closed;
    }

    /// Notes, when tracing, that a hit of `rule_index` was skipped for its keyword context (once
    /// per rule: the skipped hits of a file can be many).
    fn out_of_context(&mut self, rule_index: usize, context: KeywordContext) {
        if let Some(t) = self.trace.as_deref_mut() {
            let verdict = Verdict::OutOfContext(context);
            if !t[self.trace_start..]
                .iter()
                .any(|x| x.rule == rule_index && x.verdict == verdict)
            {
                t.push(Trace {
                    rule: rule_index,
                    secret: None,
                    verdict,
                });
            }
        }
    }

    /// Where `rule_index` stands in `progress`, added at its first hit. The slot table is
    /// allocated at the first keyword hit, so a file without one costs nothing here.
    fn slot(&mut self, rule_index: usize) -> usize {
        if self.slots.is_empty() {
            self.slots = vec![u32::MAX; self.engine.pack.rules.len()];
        }
        match self.slots[rule_index] {
            u32::MAX => {
                self.slots[rule_index] = self.progress.len() as u32;
                self.progress.push((rule_index, RuleProgress::default()));
                self.progress.len() - 1
            }
            slot => slot as usize,
        }
    }

    fn confirm(&mut self, rule_index: usize, w: &Range<usize>) {
        let matched =
            self.engine
                .confirm(rule_index, self.bytes, w, &mut self.found, &mut self.trace);
        let slot = self.slots[rule_index] as usize;
        self.progress[slot].1.matched |= matched;
    }

    /// Confirms every pending window and records the rules that matched nothing.
    fn finish(mut self) -> Vec<Match> {
        for slot in 0..self.progress.len() {
            let rule_index = self.progress[slot].0;
            if let Some(w) = self.progress[slot].1.pending.take() {
                self.closed.push((rule_index, w));
            }
        }
        self.confirm_closed();
        for &(rule_index, ref progress) in &self.progress {
            if progress.seen == Some(false) && !progress.matched {
                record(&mut self.trace, rule_index, None, Verdict::NoRegexMatch);
            }
        }
        let rules = &self.engine.pack.rules;
        let Found {
            mut matches,
            invalid,
        } = self.found;
        matches.retain(|m| {
            let vetoed_by = invalid.iter().find(|(_, span)| {
                rules[m.rule].is_generic() && span.start < m.secret.end && m.secret.start < span.end
            });
            if let Some((rule, _)) = vetoed_by {
                overrule(
                    &mut self.trace,
                    m.rule,
                    Some(m.secret.clone()),
                    Verdict::InvalidFormat(*rule),
                );
            }
            vetoed_by.is_none()
        });
        if let Some(trace) = self.trace {
            // Grouped by rule, as `explain` prints them.
            trace[self.trace_start..].sort_by_key(|t| t.rule);
        }
        matches
    }
}

/// What the confirmed windows gave: reported matches, and the values a specific rule's
/// validator rejected.
#[derive(Debug, Default)]
struct Found {
    matches: Vec<Match>,
    invalid: Vec<(usize, Range<usize>)>,
}

/// Changes the verdict of a match already traced as reported (a later stage dropped it), so
/// `explain` shows one line per candidate with its final verdict.
fn overrule(
    trace: &mut Option<&mut Vec<Trace>>,
    rule: usize,
    secret: Option<Range<usize>>,
    verdict: Verdict,
) {
    let Some(t) = trace.as_deref_mut() else {
        return;
    };
    match t
        .iter_mut()
        .rev()
        .find(|e| e.rule == rule && e.secret == secret && e.verdict == Verdict::Reported)
    {
        Some(entry) => entry.verdict = verdict,
        None => t.push(Trace {
            rule,
            secret,
            verdict,
        }),
    }
}

fn record(
    trace: &mut Option<&mut Vec<Trace>>,
    rule: usize,
    secret: Option<Range<usize>>,
    verdict: Verdict,
) {
    if let Some(t) = trace.as_deref_mut() {
        t.push(Trace {
            rule,
            secret,
            verdict,
        });
    }
}

/// Whether any line the secret touches carries the inline allow marker.
fn line_has_inline_allow(bytes: &[u8], secret: Range<usize>) -> bool {
    let start = memchr::memrchr(b'\n', &bytes[..secret.start]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[secret.end..]).map_or(bytes.len(), |i| secret.end + i);
    memchr::memmem::find(&bytes[start..end], INLINE_ALLOW).is_some()
}

/// Keeps one match per secret: where spans overlap, a specific rule beats a generic one, then the
/// longer secret wins, then the rule listed first. A host match (tag `host`) is also dropped when a
/// credential is reported on the same line: fixing the credential removes that line anyway, and
/// one line should not read as two leaks.
fn resolve_overlaps(
    rules: &[Rule],
    bytes: &[u8],
    mut matches: Vec<Match>,
    mut trace: Option<&mut Vec<Trace>>,
) -> Vec<Match> {
    // A low-confidence rule loses first, so a floor of `medium` never hides a secret that a
    // medium rule reports.
    let rank = |m: &Match| {
        (
            rules[m.rule].confidence == crate::rules::Confidence::Low,
            rules[m.rule].is_generic(),
            usize::MAX - m.secret.len(),
            m.rule,
        )
    };
    matches.sort_by_key(rank);
    let mut kept: Vec<Match> = Vec::with_capacity(matches.len());
    for m in matches {
        let winner = kept
            .iter()
            .find(|k| k.secret.start < m.secret.end && m.secret.start < k.secret.end)
            .map(|k| k.rule);
        match winner {
            Some(w) if w == m.rule => {}
            Some(w) => overrule(
                &mut trace,
                m.rule,
                Some(m.secret.clone()),
                Verdict::Overlapped(w),
            ),
            None => kept.push(m),
        }
    }
    let line_of = |m: &Match| memchr::memrchr(b'\n', &bytes[..m.secret.start]);
    let credential_lines: Vec<Option<usize>> = kept
        .iter()
        .filter(|m| !rules[m.rule].is_host())
        .map(line_of)
        .collect();
    kept.retain(|m| {
        let shadowed = rules[m.rule].is_host() && credential_lines.contains(&line_of(m));
        if shadowed {
            overrule(
                &mut trace,
                m.rule,
                Some(m.secret.clone()),
                Verdict::Overlapped(m.rule),
            );
        }
        !shadowed
    });
    kept.sort_by_key(|m| (m.secret.start, m.rule));
    kept
}
