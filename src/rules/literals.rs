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
        HirKind::Class(class) => small_class(class),
        HirKind::Capture(cap) => walk(&cap.sub, out),
        HirKind::Repetition(rep) => {
            let inner = walk(&rep.sub, out);
            match (rep.min, rep.max, inner) {
                (1, Some(1), Some(set)) => Some(set),
                (0, Some(1), Some(mut set)) => {
                    set.push(String::new());
                    Some(set)
                }
                (min, _, Some(set)) => {
                    if min > 1 && min <= 64 && set.len() == 1 {
                        out.push(set[0].repeat(min as usize));
                    }
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
                // An alternation with some literal branches (regex-syntax factors common
                // prefixes out, leaving `(?:://|\+[a-z]+://)`): those branches still follow the
                // current run contiguously.
                let next = leading_literals(sub);
                if current.len() * next.len() <= MAX_SET {
                    out.extend(cross(&current, &next));
                }
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

/// The literal strings any match of `hir` must start with (all of it when it is literal):
/// a concatenation's literal run, each branch of an alternation, the body of a repetition.
fn leading_literals(hir: &Hir) -> Vec<String> {
    let mut ignored = Vec::new();
    if let Some(exact) = walk(hir, &mut ignored) {
        return exact;
    }
    let mut found = match hir.kind() {
        HirKind::Capture(cap) => leading_literals(&cap.sub),
        HirKind::Repetition(rep) if rep.min >= 1 => leading_literals(&rep.sub),
        HirKind::Alternation(subs) => subs
            .iter()
            .flat_map(leading_literals)
            .take(MAX_SET)
            .collect(),
        HirKind::Concat(subs) => {
            let mut current = vec![String::new()];
            for sub in subs {
                match walk(sub, &mut ignored) {
                    Some(set) if current.len() * set.len() <= MAX_SET => {
                        current = cross(&current, &set);
                    }
                    Some(_) => break,
                    None => {
                        let next = leading_literals(sub);
                        if !next.is_empty() && current.len() * next.len() <= MAX_SET {
                            current = cross(&current, &next);
                        }
                        break;
                    }
                }
            }
            current
        }
        _ => Vec::new(),
    };
    found.retain(|c| !c.is_empty());
    found
}

fn cross(prefixes: &[String], suffixes: &[String]) -> Vec<String> {
    prefixes
        .iter()
        .flat_map(|a| suffixes.iter().map(move |b| format!("{a}{b}")))
        .collect()
}

/// The characters (ASCII, lowercased) a small class matches, if it matches only a few.
fn small_class(class: &Class) -> Option<Vec<String>> {
    let mut chars: Vec<char> = Vec::new();
    match class {
        Class::Unicode(c) => {
            for range in c.ranges() {
                if (range.end() as u32) - (range.start() as u32) > 16 {
                    return None;
                }
                chars.extend(range.start()..=range.end());
            }
        }
        Class::Bytes(c) => {
            for range in c.ranges() {
                if range.end() - range.start() > 16 {
                    return None;
                }
                chars.extend((range.start()..=range.end()).map(char::from));
            }
        }
    }
    let mut ascii: Vec<String> = chars
        .iter()
        .filter(|c| c.is_ascii())
        .map(|c| c.to_ascii_lowercase().to_string())
        .collect();
    ascii.sort();
    ascii.dedup();
    (!ascii.is_empty() && ascii.len() <= 16).then_some(ascii)
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
        assert!(regex_can_contain(r"(?i)api[_.-]?key", "api-key"));
        assert!(regex_can_contain(
            r"(?:mysql|postgres)(?:://|\+[a-z]+://)",
            "postgres://"
        ));
        assert!(regex_can_contain(
            r"(?:mysql|postgres)(?:://|\+[a-z]+://)",
            "mysql+"
        ));
        assert!(regex_can_contain(r"\b(SK[0-9a-f]{32})\b", "sk7"));
    }

    #[test]
    fn rejects_keywords_the_regex_cannot_produce() {
        assert!(!regex_can_contain(r"\b(ghp_[A-Za-z0-9]{36})\b", "gho_"));
        assert!(!regex_can_contain(r"(?i)password\s*=", "secret"));
    }
}
