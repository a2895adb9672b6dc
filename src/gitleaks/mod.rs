//! `leakgate rules import-gitleaks`: a gitleaks configuration converted into a `.leakgate.toml`
//! that loads, with every feature that has no equivalent kept as a comment and listed.
//!
//! `model` reads gitleaks TOML, `regex` rewrites Go RE2 syntax, `keywords` derives prefilter
//! literals, `convert` maps rules and allowlists, `write` renders leakgate TOML. This module
//! follows `[extend] path`, applies global allowlists, and proves each rule loads.

pub mod convert;
pub mod keywords;
pub mod model;
pub mod regex;
pub mod write;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use convert::{LgAllow, Notes};
use model::{GlConfig, GlRule};
use write::Output;

use crate::rules::{RulePack, Strictness};

/// The result of a conversion.
#[derive(Debug)]
pub struct Conversion {
    /// The `.leakgate.toml` text.
    pub toml: String,
    /// What was rewritten and what was left out, for stderr.
    pub notes: Notes,
    /// Rules converted.
    pub converted: usize,
    /// Rules kept only as comments.
    pub commented: usize,
}

/// How deep `[extend] path` chains may go.
const MAX_EXTEND_DEPTH: usize = 8;

/// Converts the gitleaks configuration at `path` (following `[extend] path`).
pub fn convert_path(path: &Path) -> anyhow::Result<Conversion> {
    let mut notes = Notes::default();
    let config = load(path, 0, &mut notes)?;
    let mut conversion = convert(&config, &path.display().to_string(), notes);
    ignore_file_note(path, &mut conversion);
    Ok(conversion)
}

fn load(path: &Path, depth: usize, notes: &mut Notes) -> anyhow::Result<GlConfig> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "{}: cannot read the gitleaks configuration: {e}",
            path.display()
        )
    })?;
    let mut config = model::parse(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a gitleaks configuration: {e}", path.display()))?;
    let Some(base_path) = config.extend.path.clone() else {
        return Ok(config);
    };
    if depth >= MAX_EXTEND_DEPTH {
        anyhow::bail!(
            "{}: [extend] path chains deeper than {MAX_EXTEND_DEPTH} files (a cycle?)",
            path.display()
        );
    }
    let resolved = resolve_extend(path, &base_path);
    let base = load(&resolved, depth + 1, notes)?;
    notes.translated.push(format!(
        "[extend] path '{base_path}': its rules and allowlists are merged into the output"
    ));
    Ok(merge(base, std::mem::take(&mut config)))
}

/// A base path relative to the extending file's directory, else as given (gitleaks resolves it
/// from the working directory).
fn resolve_extend(from: &Path, base: &str) -> PathBuf {
    let beside = from.parent().unwrap_or(Path::new(".")).join(base);
    if beside.is_file() {
        beside
    } else {
        PathBuf::from(base)
    }
}

/// gitleaks' extend: the base's rules minus `disabledRules`, then this file's, a rule with the
/// same id overriding the fields it sets and adding its keywords, tags and allowlists.
fn merge(mut base: GlConfig, child: GlConfig) -> GlConfig {
    let GlConfig {
        title,
        extend,
        rules,
        allowlists,
        unknown,
    } = child;
    for id in extend.disabled_rules {
        let before = base.rules.len();
        base.rules.retain(|r| r.id != id);
        if base.rules.len() == before {
            // Not a base rule: maybe one of gitleaks' defaults (`useDefault`).
            base.extend.disabled_rules.push(id);
        }
    }
    for rule in rules {
        match base.rules.iter_mut().find(|r| r.id == rule.id) {
            Some(existing) => merge_rule(existing, rule),
            None => base.rules.push(rule),
        }
    }
    base.allowlists.extend(allowlists);
    base.unknown.extend(unknown);
    base.title = title.or(base.title);
    base.extend.use_default |= extend.use_default;
    base.extend.path = None;
    base
}

fn merge_rule(existing: &mut GlRule, rule: GlRule) {
    existing.description = rule.description.or(existing.description.take());
    existing.regex = rule.regex.or(existing.regex.take());
    existing.secret_group = rule.secret_group.or(existing.secret_group);
    existing.entropy = rule.entropy.or(existing.entropy);
    existing.path = rule.path.or(existing.path.take());
    existing.keywords.extend(rule.keywords);
    existing.tags.extend(rule.tags);
    existing.allowlists.extend(rule.allowlists);
    existing.unknown.extend(rule.unknown);
}

/// Converts a loaded configuration.
pub fn convert(config: &GlConfig, source_name: &str, mut notes: Notes) -> Conversion {
    let mut out = Output {
        header: header(source_name, config),
        ..Output::default()
    };
    extend_settings(config, &mut out, &mut notes);
    for key in &config.unknown {
        notes.unconverted.push(format!(
            "`{key}` has no leakgate equivalent; kept as a comment"
        ));
        out.global_comments.push(format!("not converted: {key}"));
    }
    let targeted = global_allowlists(config, &mut out, &mut notes);
    let mut ids = HashSet::new();
    for gl in &config.rules {
        let id = unique_id(&convert::kebab_id(&gl.id), &mut ids);
        match convert::rule(gl, id, &mut notes) {
            Ok(mut rule) => {
                for (targets, allow) in &targeted {
                    if targets.contains(&gl.id) {
                        rule.allow.extend(allow.clone());
                    }
                }
                match check_loads(&rule) {
                    Ok(()) => out.rules.push(rule),
                    Err(e) => {
                        notes.unconverted.push(format!(
                            "rule '{}': the converted rule does not load ({e}); kept as a comment",
                            gl.id
                        ));
                        out.commented.push((gl.id.clone(), original(gl, &e)));
                    }
                }
            }
            Err(why) => {
                let mut lines = why;
                lines.extend(original(gl, ""));
                out.commented.push((gl.id.clone(), lines));
            }
        }
    }
    unknown_targets(config, &targeted, &mut notes);
    Conversion {
        toml: write::render(&out),
        converted: out.rules.len(),
        commented: out.commented.len(),
        notes,
    }
}

fn header(source_name: &str, config: &GlConfig) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Converted from the gitleaks configuration {source_name} by `leakgate rules import-gitleaks`."
        ),
        "Every rule is `imported = \"gitleaks\"`: it has no examples yet (add some, then run".into(),
        "`leakgate rules test .leakgate.toml`), and `severity = \"high\"` (gitleaks has none).".into(),
        "Regexes are compiled ASCII-only, as Go's \\w, \\d, \\s and \\b are; lengths count bytes.".into(),
        "`not converted:` comments keep what leakgate cannot express; all are listed on stderr too.".into(),
    ];
    if let Some(title) = &config.title {
        lines.push(format!("gitleaks title: {title}"));
    }
    lines
}

/// `[extend] useDefault` and `disabledRules`: leakgate's built-in pack stands in for gitleaks'
/// defaults; disabled ids that are leakgate rule ids are disabled, the rest are comments.
fn extend_settings(config: &GlConfig, out: &mut Output, notes: &mut Notes) {
    out.extend_default = config.extend.use_default;
    if !config.extend.use_default {
        return;
    }
    notes.translated.push(
        "[extend] useDefault = true: gitleaks' own default rules are not converted; leakgate's built-in rules (extend_default = true) take their place".into(),
    );
    let builtin: HashSet<String> = RulePack::builtin(Strictness::Trusted)
        .map(|p| p.rules.iter().map(|r| r.id.clone()).collect())
        .unwrap_or_default();
    for id in &config.extend.disabled_rules {
        if builtin.contains(id) {
            out.disable.push(id.clone());
        } else {
            notes.unconverted.push(format!(
                "[extend] disabledRules '{id}' is not a leakgate rule id (see `leakgate rules list`); kept as a comment"
            ));
            out.global_comments
                .push(format!("not converted: [extend] disabledRules \"{id}\""));
        }
    }
}

/// Global allowlists: untargeted ones become `[allow]`; targeted ones are returned with their
/// target gitleaks ids, to be added to those rules.
fn global_allowlists(
    config: &GlConfig,
    out: &mut Output,
    notes: &mut Notes,
) -> Vec<(Vec<String>, LgAllow)> {
    let mut targeted = Vec::new();
    for a in &config.allowlists {
        if let Some(allow) =
            convert::allowlist(a, "global allowlist", notes, &mut out.global_comments)
        {
            if a.target_rules.is_empty() {
                out.allow.extend(allow);
            } else {
                targeted.push((a.target_rules.clone(), allow));
            }
        }
    }
    targeted
}

fn unknown_targets(config: &GlConfig, targeted: &[(Vec<String>, LgAllow)], notes: &mut Notes) {
    for (targets, _) in targeted {
        for t in targets {
            if !config.rules.iter().any(|r| &r.id == t) {
                notes.unconverted.push(format!(
                    "global allowlist targetRules '{t}': no such rule in this configuration; ignored"
                ));
            }
        }
    }
}

fn unique_id(base: &str, ids: &mut HashSet<String>) -> String {
    let mut id = base.to_owned();
    let mut n = 2;
    while !ids.insert(id.clone()) {
        id = format!("{base}-{n}");
        n += 1;
    }
    id
}

/// The gitleaks rule's main fields, as comment lines.
fn original(gl: &GlRule, error: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if !error.is_empty() {
        lines.push(format!("load error: {error}"));
    }
    if let Some(r) = &gl.regex {
        lines.push(format!("regex = {}", write::string(r)));
    }
    if let Some(p) = &gl.path {
        lines.push(format!("path = {}", write::string(p)));
    }
    if !gl.keywords.is_empty() {
        lines.push(format!("keywords = {}", convert::list(&gl.keywords)));
    }
    lines
}

/// Loads the rule alone through leakgate's strict loader, so the written file is known to load.
fn check_loads(rule: &convert::LgRule) -> Result<(), String> {
    let mut text = String::new();
    write::rule_text(&mut text, rule);
    let spec = crate::rules::parse_file("converted", &text).map_err(|e| e.message)?;
    RulePack::default()
        .add_file("converted", &text, spec, Strictness::Strict)
        .map_err(|e| e.message)
}

/// `.gitleaksignore` beside the configuration: its fingerprints cannot be converted.
fn ignore_file_note(config_path: &Path, conversion: &mut Conversion) {
    let dir = config_path.parent().unwrap_or(Path::new("."));
    let ignore = dir.join(".gitleaksignore");
    let Ok(text) = std::fs::read_to_string(&ignore) else {
        return;
    };
    let count = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .count();
    conversion.notes.unconverted.push(format!(
        "{}: {count} fingerprints not converted: a gitleaks fingerprint (commit:file:rule:line) holds no secret value, and leakgate's fingerprint is a hash of the value; accept today's findings with `leakgate git --write-baseline leakgate-baseline.json` and scan with `--baseline leakgate-baseline.json`, or `leakgate ignore FINGERPRINT` per finding",
        ignore.display()
    ));
}
