//! The effective rule pack: built-in rules, then a user's `.leakgate.toml` (extend or replace,
//! disable ids, add rules and allowlists, internal domains), resolved once before any scan.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::engine::{Engine, EngineOptions};
use crate::rules::RuleError;
use crate::rules::spec::PackFileSpec;
use crate::rules::{RulePack, Strictness, parse_file};
use crate::selftest;

/// The config file looked for at the scan root.
pub const CONFIG_FILE_NAME: &str = ".leakgate.toml";

/// A config file's text and the name to report errors under.
#[derive(Debug, Clone)]
pub struct ConfigText {
    /// Path or `REV:path` as the user should see it.
    pub name: String,
    /// The TOML source.
    pub text: String,
}

impl ConfigText {
    /// Reads a config file from disk.
    pub fn read(path: &Path) -> anyhow::Result<ConfigText> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        Ok(ConfigText {
            name: path.display().to_string(),
            text,
        })
    }

    /// The config to use for a scan: `--config` if given, else `.leakgate.toml` at `root` if it
    /// exists, else none.
    pub fn discover(explicit: Option<&Path>, root: &Path) -> anyhow::Result<Option<ConfigText>> {
        if let Some(path) = explicit {
            return ConfigText::read(path).map(Some);
        }
        match find_upward(root, CONFIG_FILE_NAME) {
            Some(found) => ConfigText::read(&found).map(Some),
            None => Ok(None),
        }
    }
}

/// The nearest file called `name` in `root` or a directory above it, up to the root of the
/// repository `root` is in (as git finds `.gitignore`s), so `leakgate dir sub` and
/// `cd sub && leakgate dir .` use the repository's own settings. Outside a repository only
/// `root` itself is looked at.
pub fn find_upward(root: &Path, name: &str) -> Option<PathBuf> {
    let start = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let in_repo = start.ancestors().any(|dir| dir.join(".git").exists());
    for dir in start.ancestors() {
        let candidate = dir.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !in_repo || dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// Builds the engine for a scan from the built-in pack and an optional user config.
pub fn build_engine(config: Option<&ConfigText>, options: EngineOptions) -> anyhow::Result<Engine> {
    let Some(config) = config else {
        return Ok(Engine::new(
            RulePack::builtin(Strictness::Trusted)?,
            options,
        ));
    };
    let spec = parse_file(&config.name, &config.text)?;
    let (pack, user_rules) = resolve(config, spec)?;
    let engine = Engine::new(pack, options);
    check_user_examples(&engine, config, &user_rules)?;
    Ok(engine)
}

/// Applies a parsed config on top of (or instead of) the built-in pack; returns the pack and
/// the indices of the user's own rules.
fn resolve(
    config: &ConfigText,
    mut spec: PackFileSpec,
) -> Result<(RulePack, Vec<usize>), RuleError> {
    let mut pack = if spec.extend_default.unwrap_or(true) {
        RulePack::builtin(Strictness::Trusted)?
    } else {
        RulePack::default()
    };
    for id in &spec.disable {
        let before = pack.rules.len();
        pack.rules.retain(|r| r.id != *id.get_ref());
        if pack.rules.len() == before {
            return Err(RuleError::at(
                &config.name,
                &config.text,
                id.span().start,
                format!(
                    "cannot disable '{}': no such rule (see `leakgate rules list`)",
                    id.get_ref()
                ),
            ));
        }
    }
    let domains: Vec<String> = spec
        .internal_domains
        .iter()
        .map(|d| d.get_ref().to_ascii_lowercase())
        .collect();
    spec.internal_domains.clear();
    let validation = spec.validation.take();
    let first_user = pack.rules.len();
    pack.add_file(
        &config.name,
        &config.text,
        std::mem::take(&mut spec),
        Strictness::Strict,
    )?;
    if !domains.is_empty() {
        pack.rules
            .push(internal_domain_rule(&config.name, &domains));
    }
    // Only the user's rules: disabling a built-in partner (aws-access-key-id) is allowed, and
    // then its secrets are reported `unknown` (nothing to pair with).
    if let Some(rule) = pack.rules[first_user..].iter().find(|r| {
        r.validate
            .as_ref()
            .and_then(|c| c.paired.as_ref())
            .is_some_and(|(paired, _)| pack.get(paired).is_none())
    }) {
        return Err(RuleError {
            location: rule.origin.clone(),
            message: format!(
                "rule '{}': [rules.validate] paired names no loaded rule (see `leakgate rules list`)",
                rule.id
            ),
        });
    }
    if let Some(validation) = validation {
        let providers = pack
            .rules
            .iter()
            .filter_map(|r| r.validate.as_ref().map(|c| c.provider.clone()))
            .collect();
        pack.validation = crate::validate::Settings::from_spec(validation, &providers)
            .map_err(|(at, msg)| RuleError::at(&config.name, &config.text, at, msg))?;
    }
    let user_rules = (first_user..pack.rules.len()).collect();
    Ok((pack, user_rules))
}

/// A rule reporting hosts under the organisation's internal domains assigned to host-like keys.
fn internal_domain_rule(config_name: &str, domains: &[String]) -> crate::rules::Rule {
    let alternatives: Vec<String> = domains
        .iter()
        .map(|d| regex::escape(d.trim_start_matches('.')))
        .collect();
    let regex_source = format!(
        r#"(?i)(?:host|hostname|server|endpoint|address|addr|url|uri|dsn|domain)\w*["']?\s*[:=]>?\s*["']?(?:[a-z]+://)?(?:[^\s"'@/]*@)?((?:[a-z0-9-]+\.)+(?:{}))\b"#,
        alternatives.join("|")
    );
    crate::rules::Rule::new(crate::rules::RuleParts {
        id: "internal-host-custom-domain".into(),
        description: "A host under one of the organisation's internal domains, assigned in code or config; it maps the private network for an attacker.".into(),
        severity: crate::rules::Severity::Low,
        // The organisation named these domains itself: a strong name with a literal value.
        confidence: crate::rules::Confidence::Medium,
        keywords: domains.to_vec(),
        regex_source,
        secret_group: Some(1),
        entropy: None,
        validator: None,
        multiline: false,
        reach: None,
        keyword_context: crate::rules::context::KeywordContext::Any,
        tags: vec!["host".into(), "internal".into()],
        remediation: "Read the host name from configuration or the secret manager instead of committing it.".into(),
        examples: Vec::new(),
        negative_examples: Vec::new(),
        allow: crate::rules::Allowlist::default(),
        paths: crate::rules::Patterns::default(),
        imported: None,
        validate: None,
        origin: crate::rules::Location { file: config_name.into(), line: 1, column: 1 },
    })
}

fn check_user_examples(
    engine: &Engine,
    config: &ConfigText,
    user_rules: &[usize],
) -> anyhow::Result<()> {
    let custom: Vec<usize> = user_rules
        .iter()
        .copied()
        .filter(|&r| engine.rules()[r].id != "internal-host-custom-domain")
        .collect();
    if let Some(f) = selftest::run(engine, &custom).first() {
        let rule = engine
            .pack()
            .get(&f.rule_id)
            .map_or_else(|| config.name.clone(), |r| r.origin.to_string());
        let kind = if f.positive {
            "example"
        } else {
            "negative example"
        };
        anyhow::bail!(
            "{rule}: rule '{}': {kind} {} failed: {}",
            f.rule_id,
            f.index + 1,
            f.reason
        );
    }
    Ok(())
}
