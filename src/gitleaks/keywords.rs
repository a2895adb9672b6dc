//! Keywords for a converted rule: the literals every match of its regex must contain.
//!
//! leakgate runs a rule's regex only around its keywords, so a keyword set must cover every
//! match: for a concatenation, the best run of consecutive literal parts (cross product) or the
//! best required set of one part; for an alternation, the union over its branches. A set whose
//! shortest literal is under [`MIN_LEN`] bytes would wake the rule on every line, so none is
//! given and the rule is flagged instead.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth prefiltering on.
pub const MIN_LEN: usize = 3;
/// Most literals in one keyword set.
const MAX_SET: usize = 64;

/// Lowercase keywords such that every match of `source` contains one of them, if the regex has
/// such literals.
pub fn derive(source: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(source)
        .ok()?;
    let mut set = required(&hir)?;
    set.sort();
    set.dedup();
    // A literal that contains another is redundant: the shorter one covers its matches.
    let covered: Vec<String> = set
        .iter()
        .filter(|s| !set.iter().any(|o| o != *s && s.contains(o.as_str())))
        .cloned()
        .collect();
    (score(&covered) >= MIN_LEN).then_some(covered)
}

/// The shortest literal of a set (0 for an empty or unusable set).
fn score(set: &[String]) -> usize {
    set.iter().map(String::len).min().unwrap_or(0)
}

fn better(a: Option<Vec<String>>, b: Option<Vec<String>>) -> Option<Vec<String>> {
    match (a, b) {
        (Some(a), Some(b)) => {
            let (sa, sb) = (score(&a), score(&b));
            if sb > sa || (sb == sa && b.len() < a.len()) {
                Some(b)
            } else {
                Some(a)
            }
        }
        (a, b) => a.or(b),
    }
}

/// A set of literals one of which every match contains.
fn required(hir: &Hir) -> Option<Vec<String>> {
    if let Some(set) = exact(hir) {
        return usable(set);
    }
    match hir.kind() {
        HirKind::Capture(cap) => required(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => required(&rep.sub),
        HirKind::Alternation(subs) => {
            let mut union = Vec::new();
            for sub in subs {
                union.extend(required(sub)?);
            }
            usable(union)
        }
        HirKind::Concat(subs) => concat(subs),
        _ => None,
    }
}

fn concat(subs: &[Hir]) -> Option<Vec<String>> {
    let mut best = None;
    let mut run: Option<Vec<String>> = None;
    for sub in subs {
        if let Some(set) = exact(sub) {
            run = Some(match run {
                Some(prev) if prev.len() * set.len() <= MAX_SET => cross(&prev, &set),
                Some(prev) => {
                    best = better(best, usable(prev));
                    set
                }
                None => set,
            });
        } else {
            if let Some(prev) = run.take() {
                best = better(best, usable(prev));
            }
            best = better(best, required(sub));
        }
    }
    if let Some(prev) = run {
        best = better(best, usable(prev));
    }
    best
}

/// A set is usable when it is small and holds no empty string.
fn usable(set: Vec<String>) -> Option<Vec<String>> {
    (!set.is_empty() && set.len() <= MAX_SET && set.iter().all(|s| !s.is_empty())).then_some(set)
}

fn cross(prefixes: &[String], suffixes: &[String]) -> Vec<String> {
    prefixes
        .iter()
        .flat_map(|a| suffixes.iter().map(move |b| format!("{a}{b}")))
        .collect()
}

/// Every string `hir` can match, lowercased, when that set is small.
fn exact(hir: &Hir) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Empty => Some(vec![String::new()]),
        HirKind::Literal(lit) => Some(vec![String::from_utf8_lossy(&lit.0).to_lowercase()]),
        HirKind::Class(class) => class_chars(class),
        HirKind::Capture(cap) => exact(&cap.sub),
        HirKind::Repetition(rep) => {
            let inner = exact(&rep.sub)?;
            match (rep.min, rep.max) {
                (1, Some(1)) => Some(inner),
                (0, Some(1)) => Some(inner.into_iter().chain([String::new()]).collect()),
                (n, Some(m)) if n == m && n <= 8 && inner.len() == 1 => {
                    Some(vec![inner[0].repeat(n as usize)])
                }
                _ => None,
            }
        }
        HirKind::Concat(subs) => {
            let mut current = vec![String::new()];
            for sub in subs {
                let set = exact(sub)?;
                if current.len() * set.len() > MAX_SET {
                    return None;
                }
                current = cross(&current, &set);
            }
            Some(current)
        }
        HirKind::Alternation(subs) => {
            let mut union = Vec::new();
            for sub in subs {
                union.extend(exact(sub)?);
            }
            (union.len() <= MAX_SET).then_some(union)
        }
        HirKind::Look(_) => None,
    }
}

/// The lowercase ASCII characters of a class that matches at most a few (case pairs count once).
fn class_chars(class: &Class) -> Option<Vec<String>> {
    let bytes: Vec<u8> = match class {
        Class::Bytes(c) => {
            if c.ranges()
                .iter()
                .map(|r| usize::from(r.end() - r.start()) + 1)
                .sum::<usize>()
                > 16
            {
                return None;
            }
            c.ranges()
                .iter()
                .flat_map(|r| r.start()..=r.end())
                .collect()
        }
        Class::Unicode(c) => {
            let mut out = Vec::new();
            for r in c.ranges() {
                if (r.end() as u32) - (r.start() as u32) > 16 || !r.end().is_ascii() {
                    return None;
                }
                out.extend((r.start()..=r.end()).map(|ch| ch as u8));
            }
            out
        }
    };
    let mut lower: Vec<String> = bytes
        .iter()
        .filter(|b| b.is_ascii())
        .map(|b| char::from(b.to_ascii_lowercase()).to_string())
        .collect();
    lower.sort();
    lower.dedup();
    (!lower.is_empty() && lower.len() <= 8).then_some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kw(source: &str) -> Option<Vec<String>> {
        derive(source)
    }

    #[test]
    fn prefixes_case_folds_and_alternations() {
        assert_eq!(kw(r"\b(ghp_[0-9a-zA-Z]{36})\b"), Some(vec!["ghp_".into()]));
        assert_eq!(
            kw(r"(?i)\b((?:ghp|gho)_[0-9a-z]{36})"),
            Some(vec!["gho_".into(), "ghp_".into()])
        );
        assert_eq!(
            kw(r"xox[baprs]-([0-9a-zA-Z]{10,48})"),
            Some(
                ["xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"]
                    .map(String::from)
                    .to_vec()
            )
        );
        assert_eq!(
            kw(r"(?i)(?:api|token)[\w.-]{0,20}=\s*([a-z0-9]{32})"),
            Some(vec!["api".into(), "token".into()])
        );
        assert_eq!(
            kw(r"(?i)(?:sk|rk)_live_[a-z0-9]{24}"),
            Some(vec!["rk_live_".into(), "sk_live_".into()])
        );
    }

    #[test]
    fn no_keyword_without_a_long_enough_literal() {
        assert_eq!(kw(r"\b([a-f0-9]{32})\b"), None);
        assert_eq!(kw(r"(?:a|bcd)[0-9]{8}"), None);
        assert_eq!(kw(r"(?:abc)?[0-9]{8}"), None);
    }
}
