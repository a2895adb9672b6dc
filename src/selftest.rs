//! Rule self-tests and explanations: runs every example of a rule through the whole engine (the
//! runner behind `leakgate rules test`, user packs at load time, and the tests), and describes an
//! engine verdict in words (`rules test`, `explain`). It sits above the engine and the rules and
//! knows nothing of sources or reports.

use crate::engine::{Engine, Trace, Verdict};
use crate::rules::examples::expand;

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
        Verdict::OutOfContext(context) => format!(
            "keyword_context {}: no keyword stood there",
            context.describe()
        ),
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
