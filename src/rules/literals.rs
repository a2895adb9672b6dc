//! Which literal strings a regex's matches must contain: the load-time check that every keyword
//! is something the regex can actually produce (else the rule could never fire).

use regex_syntax::hir::{Class, Hir, HirKind};

/// Cross products larger than this stop being expanded (alternations of alternations).
const MAX_SET: usize = 256;

/// Lowercase literal fragments that can appear contiguously in a match of `hir`.
pub fn fragments(hir: &Hir) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(exact) = walk(hir, &mut out) {
        out.extend(exact);
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Whether `keyword` (lowercase) can occur in a match of the regex `source`.
pub fn regex_can_contain(source: &str, keyword: &str) -> bool {
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(source)
    else {
        return false;
    };
    fragments(&hir).iter().any(|f| f.contains(keyword))
}

/// Returns the exact set of strings `hir` matches when that set is small and literal; pushes
/// every maximal literal fragment it passes to `out`.
fn walk(hir: &Hir, out: &mut Vec<String>) -> Option<Vec<String>> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(vec![String::new()]),
        HirKind::Literal(lit) => Some(vec![String::from_utf8_lossy(&lit.0).to_lowercase()]),
        HirKind::Class(class) => single_char(class).map(|c| vec![c.to_string()]),
        HirKind::Capture(cap) => walk(&cap.sub, out),
        HirKind::Repetition(rep) => {
            let inner = walk(&rep.sub, out);
            match (rep.min, rep.max, inner) {
                (1, Some(1), Some(set)) => Some(set),
                (0, Some(1), Some(mut set)) => {
                    set.push(String::new());
                    Some(set)
                }
                (_, _, Some(set)) => {
                    out.extend(set);
                    None
                }
                _ => None,
            }
        }
        HirKind::Concat(subs) => concat(subs, out),
        HirKind::Alternation(subs) => {
            let sets: Vec<Option<Vec<String>>> = subs.iter().map(|s| walk(s, out)).collect();
            let total: usize = sets.iter().flatten().map(Vec::len).sum();
            if sets.iter().all(Option::is_some) && total <= MAX_SET {
                Some(sets.into_iter().flatten().flatten().collect())
            } else {
                out.extend(sets.into_iter().flatten().flatten());
                None
            }
        }
    }
}

fn concat(subs: &[Hir], out: &mut Vec<String>) -> Option<Vec<String>> {
    let mut current = vec![String::new()];
    let mut exact = true;
    for sub in subs {
        match walk(sub, out) {
            Some(set) if current.len() * set.len() <= MAX_SET => {
                current = current
                    .iter()
                    .flat_map(|a| set.iter().map(move |b| format!("{a}{b}")))
                    .collect();
            }
            Some(set) => {
                out.append(&mut current);
                current = set;
                exact = false;
            }
            None => {
                out.append(&mut current);
                current = vec![String::new()];
                exact = false;
            }
        }
    }
    if exact {
        Some(current)
    } else {
        out.extend(current);
        None
    }
}

/// The one character (ignoring ASCII case) a class matches, if it matches only that.
fn single_char(class: &Class) -> Option<char> {
    let chars: Vec<char> = match class {
        Class::Unicode(c) => {
            let mut all = Vec::new();
            for range in c.ranges() {
                if (range.end() as u32) - (range.start() as u32) > 4 {
                    return None;
                }
                all.extend(range.start()..=range.end());
            }
            all
        }
        Class::Bytes(c) => {
            let mut all = Vec::new();
            for range in c.ranges() {
                if range.end() - range.start() > 4 {
                    return None;
                }
                all.extend((range.start()..=range.end()).map(char::from));
            }
            all
        }
    };
    let mut ascii = chars
        .iter()
        .filter(|c| c.is_ascii())
        .map(char::to_ascii_lowercase);
    let first = ascii.next()?;
    ascii.all(|c| c == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_prefixes_and_case_insensitive_words() {
        assert!(regex_can_contain(r"\b(ghp_[A-Za-z0-9]{36})\b", "ghp_"));
        assert!(regex_can_contain(r"(?i)password\s*=\s*(\S+)", "password"));
        assert!(regex_can_contain(
            r"(?:postgres|postgresql)://([^@]+)@",
            "postgresql"
        ));
        assert!(regex_can_contain(
            r"(?:sk|rk)_live_([0-9a-z]{24})",
            "rk_live_"
        ));
        assert!(regex_can_contain(r"(?i)aws_?secret", "aws_secret"));
    }

    #[test]
    fn rejects_keywords_the_regex_cannot_produce() {
        assert!(!regex_can_contain(r"\b(ghp_[A-Za-z0-9]{36})\b", "gho_"));
        assert!(!regex_can_contain(r"(?i)password\s*=", "secret"));
    }
}
