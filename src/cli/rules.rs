//! `leakgate rules list|test|explain`.

use std::io::Write as _;
use std::path::PathBuf;

use crate::config::ConfigText;
use crate::engine::{Engine, EngineOptions};
use crate::exit::ExitStatus;
use crate::rules::Location;
use crate::rules::{RulePack, Strictness, parse_file};
use crate::selftest;

/// Rule subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum RulesCommand {
    /// List the rules (built-in and the config's): id, severity, keywords, description
    List {
        /// Config file (default: the nearest .leakgate.toml up to the repository root)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Run every rule's examples through the full engine
    Test {
        /// Rule files to test (on top of the built-in pack); default: the built-in pack and
        /// the config's rules
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show one rule (built-in or the config's): description, remediation, regex, keywords and
    /// examples
    Explain {
        /// The rule id
        id: String,
        /// Config file (default: the nearest .leakgate.toml up to the repository root)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Convert a gitleaks configuration into a .leakgate.toml
    ImportGitleaks(super::import_gitleaks::ImportGitleaksArgs),
    /// Expand example placeholders ({{alnum:36}}, {{pem:rsa}} ...) into fake secrets, a rule's
    /// validator completing checksums (for scripts and test fixtures)
    Expand(super::rules_expand::ExpandArgs),
}

/// Runs a rules subcommand.
pub fn run(command: &RulesCommand) -> anyhow::Result<ExitStatus> {
    match command {
        RulesCommand::List { config } => list(config.as_deref()),
        RulesCommand::Test { files } => test(files),
        RulesCommand::Explain { id, config } => explain(id, config.as_deref()),
        RulesCommand::ImportGitleaks(args) => super::import_gitleaks::run(args),
        RulesCommand::Expand(args) => super::rules_expand::run(args),
    }
}

/// The engine a scan from the current directory would use: the built-in pack and the config.
fn configured_engine(config: Option<&std::path::Path>) -> anyhow::Result<Engine> {
    let config = ConfigText::discover(config, std::path::Path::new("."))?;
    crate::config::build_engine(config.as_ref(), EngineOptions::default())
}

fn list(config: Option<&std::path::Path>) -> anyhow::Result<ExitStatus> {
    let engine = configured_engine(config)?;
    let id_width = engine
        .rules()
        .iter()
        .map(|r| r.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    let keywords: Vec<String> = engine
        .rules()
        .iter()
        .map(|r| r.keywords.join(","))
        .collect();
    let kw_width = keywords
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(8)
        .clamp(8, 40);
    let mut out = Vec::new();
    writeln!(
        out,
        "{:<id_width$}  {:<8}  {:<kw_width$}  DESCRIPTION",
        "ID", "SEVERITY", "KEYWORDS"
    )?;
    for (rule, keywords) in engine.rules().iter().zip(&keywords) {
        writeln!(
            out,
            "{:<id_width$}  {:<8}  {:<kw_width$}  {}",
            rule.id,
            rule.severity.as_str(),
            keywords,
            rule.description
        )?;
    }
    let n = engine.rules().len();
    writeln!(out, "{n} rule{}", if n == 1 { "" } else { "s" })?;
    std::io::stdout().write_all(&out)?;
    Ok(ExitStatus::Clean)
}

fn test(files: &[PathBuf]) -> anyhow::Result<ExitStatus> {
    let mut pack = RulePack::builtin(Strictness::Strict)?;
    // Where the files' own rules start: after the built-in pack, or at 0 when a file replaces it
    // (`extend_default = false`).
    let mut builtin_count = pack.rules.len();
    let discovered: Vec<PathBuf> = if files.is_empty() {
        crate::config::find_upward(std::path::Path::new("."), crate::config::CONFIG_FILE_NAME)
            .into_iter()
            .collect()
    } else {
        Vec::new()
    };
    for file in files.iter().chain(&discovered) {
        let config = ConfigText::read(file)?;
        let spec = parse_file(&config.name, &config.text)?;
        if spec.extend_default == Some(false) {
            pack = RulePack::default();
            builtin_count = 0;
        }
        pack.add_file(&config.name, &config.text, spec, Strictness::Strict)?;
    }
    let engine = Engine::new(pack, EngineOptions::default());
    let tested: Vec<usize> = if files.is_empty() && discovered.is_empty() {
        (0..engine.rules().len()).collect()
    } else {
        (builtin_count.min(engine.rules().len())..engine.rules().len()).collect()
    };
    let failures = selftest::run(&engine, &tested);
    let mut err = std::io::stderr().lock();
    for f in &failures {
        let origin: Location = engine.pack().get(&f.rule_id).map_or(
            Location {
                file: "?".into(),
                line: 0,
                column: 0,
            },
            |r| r.origin.clone(),
        );
        let kind = if f.positive {
            "example"
        } else {
            "negative example"
        };
        writeln!(
            err,
            "{origin}: {}: {kind} {}: {}",
            f.rule_id,
            f.index + 1,
            f.reason
        )?;
        writeln!(err, "    input: {}", f.input.replace('\n', "\\n"))?;
    }
    let examples: usize = tested
        .iter()
        .map(|&r| engine.rules()[r].examples.len() + engine.rules()[r].negative_examples.len())
        .sum();
    let untested = tested
        .iter()
        .filter(|&&r| engine.rules()[r].examples.is_empty())
        .count();
    let untested = if untested == 0 {
        String::new()
    } else {
        format!(", {untested} imported rules without examples (untested)")
    };
    writeln!(
        err,
        "{} rules, {examples} examples, {} failed{untested}",
        tested.len(),
        failures.len()
    )?;
    Ok(if failures.is_empty() {
        ExitStatus::Clean
    } else {
        ExitStatus::Findings(1)
    })
}

fn explain(id: &str, config: Option<&std::path::Path>) -> anyhow::Result<ExitStatus> {
    let engine = configured_engine(config)?;
    let Some(rule) = engine.pack().get(id) else {
        anyhow::bail!("no rule '{id}' (see `leakgate rules list`)");
    };
    let mut out = Vec::new();
    writeln!(out, "{}  ({}, {})", rule.id, rule.severity, rule.origin)?;
    writeln!(out, "  {}", rule.description)?;
    writeln!(out, "  fix: {}", rule.remediation)?;
    writeln!(out, "  keywords: {}", rule.keywords.join(", "))?;
    writeln!(out, "  regex: {}", rule.regex_source)?;
    if let Some(e) = rule.entropy {
        writeln!(out, "  entropy: >= {e}")?;
    }
    if let Some(v) = rule.validator {
        writeln!(out, "  validator: {}", v.name())?;
    }
    if let Some(check) = &rule.validate {
        let what = match check.builtin {
            Some(_) => "AWS STS GetCallerIdentity, SigV4-signed".to_owned(),
            None => format!("{} {}{}", check.method.as_str(), check.endpoint, check.path),
        };
        writeln!(out, "  --validate: {what} (provider '{}')", check.provider)?;
    }
    for example in &rule.examples {
        writeln!(out, "  example: {example}")?;
    }
    for example in &rule.negative_examples {
        writeln!(out, "  not: {example}")?;
    }
    std::io::stdout().write_all(&out)?;
    Ok(ExitStatus::Clean)
}
