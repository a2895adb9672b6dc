//! Rule examples: placeholder expansion and the runner behind `leakgate rules test`.
//!
//! Examples hold generator placeholders such as `{{alnum:36}}` so a rule file carries realistic
//! positives without a literal token in the repository. Expansion is deterministic (seeded by rule
//! id and example index) and a rule's checksum validator completes the value.

use super::fake_keys;
use crate::engine::{Engine, Trace, Verdict};

/// A deterministic splitmix64 generator; no dependency, reproducible failures.
struct Rng(u64);

impl Rng {
    fn seeded(rule_id: &str, index: usize) -> Rng {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in rule_id.bytes().chain(index.to_le_bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        Rng(hash)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn pick(&mut self, alphabet: &[u8]) -> char {
        char::from(alphabet[(self.next() % alphabet.len() as u64) as usize])
    }
}

/// The alphabet of a placeholder class, if the class is known.
fn alphabet(class: &str) -> Option<&'static [u8]> {
    Some(match class {
        "alnum" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "hex" => b"0123456789abcdef",
        "HEX" => b"0123456789ABCDEF",
        "lower" => b"abcdefghijklmnopqrstuvwxyz",
        "upper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "digits" => b"0123456789",
        "alnumlower" => b"abcdefghijklmnopqrstuvwxyz0123456789",
        "alnumupper" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "base32" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        "bech32" => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        "base64" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        "base64url" => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        "password" => b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%&*+-=?_",
        _ => return None,
    })
}

/// The placeholder classes an example may use.
pub const PLACEHOLDER_CLASSES: &str = "alnum, hex, HEX, lower, upper, digits, alnumlower, alnumupper, base32, bech32, base64, base64url, password, basicauth, b64pem, b64pemwrap, pem, pemesc, der";

/// Base64 of `deploy:` and a `len`-character password, as in HTTP Basic and docker `auths`.
fn basic_auth(rng: &mut Rng, len: usize) -> String {
    use base64::Engine as _;
    let letters = alphabet("alnum").unwrap_or(b"a");
    let password: String = (0..len).map(|_| rng.pick(letters)).collect();
    base64::engine::general_purpose::STANDARD.encode(format!("deploy:{password}"))
}

/// Base64 of a PEM RSA private key block (a fake key of the right structure) with about
/// `lines` body lines (kubeconfig `client-key-data`).
fn base64_pem(rng: &mut Rng, lines: usize) -> String {
    use base64::Engine as _;
    let body = key_base64(rng, "rsa", lines * 48 * 2 / 5, "\n");
    let pem = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----\n");
    base64::engine::general_purpose::STANDARD.encode(pem)
}

/// The base64 of a fake key of `kind` (see [`fake_keys::KINDS`]), cut into 64-character lines
/// joined by `separator` (none: one line); empty for an unknown kind.
fn key_base64(rng: &mut Rng, kind: &str, size: usize, separator: &str) -> String {
    use base64::Engine as _;
    let mut random = || rng.next().to_le_bytes()[0];
    let Some(key) = fake_keys::fake_key(kind, size, &mut random) else {
        return String::new();
    };
    let text = base64::engine::general_purpose::STANDARD.encode(key);
    if separator.is_empty() {
        return text;
    }
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    lines.join(separator)
}

/// Expands a fake-key placeholder: `pem:KIND` (64-character lines), `pemesc:KIND` (lines joined
/// by a literal `\n`, as in JSON), `der:KIND` (one line).
fn key_placeholder(rng: &mut Rng, class: &str, kind: &str) -> Option<String> {
    let separator = match class {
        "pem" => "\n",
        "pemesc" => "\\n",
        "der" => "",
        _ => return None,
    };
    fake_keys::KINDS
        .contains(&kind)
        .then(|| key_base64(rng, kind, 160, separator))
}

/// Expands every `{{class:N}}` in `template`; unknown placeholders are left as written.
pub fn expand(template: &str, rule_id: &str, index: usize) -> String {
    let mut rng = Rng::seeded(rule_id, index);
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            out.push_str(&rest[open..]);
            return out;
        };
        let inner = &after[..close];
        match inner.split_once(':') {
            Some(("basicauth", n)) if n.parse::<usize>().is_ok() => {
                out.push_str(&basic_auth(&mut rng, n.parse().unwrap_or(16)));
            }
            Some(("b64pem", n)) if n.parse::<usize>().is_ok() => {
                out.push_str(&base64_pem(&mut rng, n.parse().unwrap_or(4)));
            }
            Some(("b64pemwrap", n)) if n.parse::<usize>().is_ok() => {
                let text = base64_pem(&mut rng, n.parse().unwrap_or(4));
                let lines: Vec<&str> = text
                    .as_bytes()
                    .chunks(76)
                    .map(|c| std::str::from_utf8(c).unwrap_or(""))
                    .collect();
                out.push_str(&lines.join("\n  "));
            }
            Some((class @ ("pem" | "pemesc" | "der"), kind))
                if fake_keys::KINDS.contains(&kind) =>
            {
                out.push_str(&key_placeholder(&mut rng, class, kind).unwrap_or_default());
            }
            Some((class, n)) => match (alphabet(class), n.parse::<usize>()) {
                (Some(letters), Ok(count)) => (0..count).for_each(|_| out.push(rng.pick(letters))),
                _ => out.push_str(&rest[open..open + 2 + close + 2]),
            },
            None => out.push_str(&rest[open..open + 2 + close + 2]),
        }
        rest = &after[close + 2..];
    }
    out.push_str(rest);
    out
}

/// Expands an example of `rule`; for a positive example the rule's validator completes the
/// secret (a checksum), so a negative example can aim at a wrong checksum.
pub fn materialize(
    engine: &Engine,
    rule_index: usize,
    template: &str,
    index: usize,
    positive: bool,
) -> String {
    let rule = &engine.rules()[rule_index];
    let text = expand(template, &rule.id, index);
    if !positive {
        return text;
    }
    complete(engine, rule_index, text)
}

/// Lets the validator of the rule at `rule_index` complete the first secret of that rule in
/// `text` (a checksum); text the rule's regex does not match is returned as it is.
pub fn complete(engine: &Engine, rule_index: usize, text: String) -> String {
    let rule = &engine.rules()[rule_index];
    let mut text = text.into_bytes();
    if let (Some(validator), Some(regex)) = (rule.validator, rule.regex()) {
        let span = regex.captures(&text).and_then(|c| rule.secret_span(&c));
        if let Some(span) = span {
            validator.complete(&mut text[span]);
        }
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// One example that did not behave.
#[derive(Debug, Clone)]
pub struct ExampleFailure {
    /// The rule.
    pub rule_id: String,
    /// Positive or negative example.
    pub positive: bool,
    /// Index in the rule's list.
    pub index: usize,
    /// The expanded input (a generated, not a real, secret).
    pub input: String,
    /// Which stage rejected it, or what else matched.
    pub reason: String,
}

/// Runs the examples of the rules at `rule_indices` through the whole engine.
pub fn run(engine: &Engine, rule_indices: &[usize]) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for &r in rule_indices {
        let rule = &engine.rules()[r];
        // An imported rule may come without examples; `rules test` counts it as untested.
        if rule.examples.is_empty() && rule.imported.is_none() {
            failures.push(failure(
                rule.id.clone(),
                true,
                0,
                String::new(),
                "the rule has no examples".into(),
            ));
        }
        for (i, template) in rule.examples.iter().enumerate() {
            let input = materialize(engine, r, template, i, true);
            if let Some(reason) = check_positive(engine, r, &input) {
                failures.push(failure(rule.id.clone(), true, i, input, reason));
            }
        }
        for (i, template) in rule.negative_examples.iter().enumerate() {
            let input = materialize(engine, r, template, i + 1000, false);
            let matches = engine.scan(input.as_bytes(), None);
            if matches.iter().any(|m| m.rule == r) {
                failures.push(failure(
                    rule.id.clone(),
                    false,
                    i,
                    input,
                    "matched, but it is a negative example".into(),
                ));
            }
        }
    }
    failures
}

fn failure(
    rule_id: String,
    positive: bool,
    index: usize,
    input: String,
    reason: String,
) -> ExampleFailure {
    ExampleFailure {
        rule_id,
        positive,
        index,
        input,
        reason,
    }
}

/// `None` when the input gives exactly one finding, of rule `r`; else why not.
fn check_positive(engine: &Engine, r: usize, input: &str) -> Option<String> {
    let mut trace = Vec::new();
    let matches = engine.scan_traced(input.as_bytes(), None, &mut trace);
    let others: Vec<&str> = matches
        .iter()
        .filter(|m| m.rule != r)
        .map(|m| engine.rules()[m.rule].id.as_str())
        .collect();
    let own = matches.iter().filter(|m| m.rule == r).count();
    match (own, others.is_empty()) {
        (1, true) => None,
        (0, _) if !others.is_empty() => Some(format!("matched {} instead", others.join(", "))),
        (0, _) => Some(rejection_stage(engine, r, &trace)),
        (n, true) => Some(format!("gave {n} findings of this rule, expected 1")),
        (_, false) => Some(format!("also matched {}", others.join(", "))),
    }
}

/// Describes the last stage that rejected rule `r` in `trace`.
pub fn rejection_stage(engine: &Engine, r: usize, trace: &[Trace]) -> String {
    let Some(last) = trace
        .iter()
        .rev()
        .find(|t| t.rule == r || t.rule == usize::MAX)
    else {
        return "no keyword hit".into();
    };
    describe(engine, &last.verdict)
}

/// A human description of a verdict.
pub fn describe(engine: &Engine, verdict: &Verdict) -> String {
    match verdict {
        Verdict::NoRegexMatch => "regex did not match".into(),
        Verdict::LowEntropy { got, min } => format!("entropy {got:.2} < {min:.2}"),
        Verdict::ValidatorFailed(name) => format!("validator {name} failed"),
        Verdict::Placeholder(why) => format!("placeholder filter: {why}"),
        Verdict::Allowed(reason) => format!("allowlist: {reason}"),
        Verdict::InlineAllow => "inline leakgate:allow".into(),
        Verdict::Overlapped(w) => format!("overlapped by {}", engine.rules()[*w].id),
        Verdict::InvalidFormat(w) => format!("a {} whose validator failed", engine.rules()[*w].id),
        Verdict::Reported => "reported".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_is_deterministic_and_sized() {
        let a = expand("k={{hex:40}} d={{digits:5}}", "some-rule", 0);
        assert_eq!(a, expand("k={{hex:40}} d={{digits:5}}", "some-rule", 0));
        assert_ne!(a, expand("k={{hex:40}} d={{digits:5}}", "some-rule", 1));
        let hex = &a[2..42];
        assert!(
            hex.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(a.len(), "k=".len() + 40 + " d=".len() + 5);
    }

    #[test]
    fn unknown_placeholders_stay() {
        assert_eq!(
            expand("{{ .Values.x }} {{nope:3}}", "r", 0),
            "{{ .Values.x }} {{nope:3}}"
        );
    }
}
