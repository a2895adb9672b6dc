//! `leakgate rules expand`: fills example placeholders (`{{alnum:36}}`, `{{pem:rsa}}` ...) the
//! way the rule example runner does, and lets a rule's validator complete a checksum. Scripts
//! (the accuracy corpus, CI fixtures) call it instead of re-implementing the generator, so a
//! fake token or key is made by the same code the rules are tested with.

use std::io::{BufRead as _, Write as _};

use crate::engine::{Engine, EngineOptions};
use crate::exit::ExitStatus;
use crate::rules::{RulePack, Strictness};
use crate::selftest;

/// Arguments of `rules expand`.
#[derive(Debug, clap::Args)]
pub struct ExpandArgs {
    /// Templates to expand, each printed on its own line; without any, and with `--jsonl`,
    /// templates are read from standard input
    #[arg(value_name = "TEMPLATE")]
    templates: Vec<String>,
    /// Let this rule's validator complete the secret (e.g. a GitHub token's checksum)
    #[arg(long, value_name = "ID")]
    rule: Option<String>,
    /// Seed text: the same seed and position give the same expansion
    #[arg(long, default_value = "leakgate")]
    seed: String,
    /// Read JSON lines from standard input (a template string, or
    /// `{"template": "...", "rule": "ID"}`) and write one JSON string a line
    #[arg(long)]
    jsonl: bool,
}

/// Runs `rules expand`.
pub fn run(args: &ExpandArgs) -> anyhow::Result<ExitStatus> {
    let engine = Engine::new(
        RulePack::builtin(Strictness::Strict)?,
        EngineOptions::default(),
    );
    let default_rule = args
        .rule
        .as_deref()
        .map(|id| rule_index(&engine, id))
        .transpose()?;
    let mut out = std::io::stdout().lock();
    if !args.jsonl {
        for (i, template) in args.templates.iter().enumerate() {
            let text = expand_one(&engine, template, default_rule, &args.seed, i);
            writeln!(out, "{text}")?;
        }
        return Ok(ExitStatus::Clean);
    }
    if !args.templates.is_empty() {
        anyhow::bail!("rules expand: give templates as arguments or --jsonl on stdin, not both");
    }
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let (template, rule) = parse_line(&line)
            .ok_or_else(|| anyhow::anyhow!("stdin line {}: expected a JSON string or {{\"template\": \"...\", \"rule\": \"ID\"}}", i + 1))?;
        let rule = match rule {
            Some(id) => Some(rule_index(&engine, &id)?),
            None => default_rule,
        };
        let text = expand_one(&engine, &template, rule, &args.seed, i);
        writeln!(out, "{}", serde_json::Value::String(text))?;
    }
    Ok(ExitStatus::Clean)
}

fn rule_index(engine: &Engine, id: &str) -> anyhow::Result<usize> {
    engine
        .rules()
        .iter()
        .position(|r| r.id == id)
        .ok_or_else(|| anyhow::anyhow!("no rule '{id}' (see `leakgate rules list`)"))
}

fn expand_one(
    engine: &Engine,
    template: &str,
    rule: Option<usize>,
    seed: &str,
    index: usize,
) -> String {
    let text = crate::rules::examples::expand(template, seed, index);
    match rule {
        Some(r) => selftest::complete(engine, r, text),
        None => text,
    }
}

/// A template and an optional rule id from one JSON line.
fn parse_line(line: &str) -> Option<(String, Option<String>)> {
    match serde_json::from_str::<serde_json::Value>(line).ok()? {
        serde_json::Value::String(template) => Some((template, None)),
        serde_json::Value::Object(map) => {
            let template = map.get("template")?.as_str()?.to_owned();
            let rule = match map.get("rule") {
                None | Some(serde_json::Value::Null) => None,
                Some(value) => Some(value.as_str()?.to_owned()),
            };
            Some((template, rule))
        }
        _ => None,
    }
}
