//! The gitleaks configuration format, read from TOML into plain structs.
//!
//! Reads by hand from a `toml::Table` instead of serde so that every key leakgate does not know
//! is kept (as TOML text) for the converter to carry over as a comment and list on stderr, never
//! dropped. Knows nothing of leakgate's rule format.

use toml::{Table, Value};

/// A whole gitleaks configuration file.
#[derive(Debug, Default)]
pub struct GlConfig {
    /// `title`, if any.
    pub title: Option<String>,
    /// `[extend]`.
    pub extend: GlExtend,
    /// `[[rules]]`, in file order.
    pub rules: Vec<GlRule>,
    /// Global allowlists: `[allowlist]` and `[[allowlists]]`.
    pub allowlists: Vec<GlAllowlist>,
    /// Top-level keys with no leakgate meaning (`key = value` as TOML).
    pub unknown: Vec<String>,
}

/// `[extend]`: build on gitleaks' default rules or another file.
#[derive(Debug, Default)]
pub struct GlExtend {
    /// `useDefault`.
    pub use_default: bool,
    /// `path` of a base configuration.
    pub path: Option<String>,
    /// `disabledRules`.
    pub disabled_rules: Vec<String>,
}

/// One `[[rules]]` table.
#[derive(Debug, Default, Clone)]
pub struct GlRule {
    /// `id`.
    pub id: String,
    /// `description`.
    pub description: Option<String>,
    /// `regex` (Go RE2 syntax).
    pub regex: Option<String>,
    /// `secretGroup`.
    pub secret_group: Option<i64>,
    /// `entropy`.
    pub entropy: Option<f64>,
    /// `path`: a regex the file path must match.
    pub path: Option<String>,
    /// `keywords`.
    pub keywords: Vec<String>,
    /// `tags`.
    pub tags: Vec<String>,
    /// `[[rules.allowlists]]` and the older `[rules.allowlist]`.
    pub allowlists: Vec<GlAllowlist>,
    /// Keys with no leakgate meaning (`key = value` as TOML).
    pub unknown: Vec<String>,
}

/// What an allowlist's `regexes` are matched against.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum RegexTarget {
    /// The secret (the default).
    #[default]
    Secret,
    /// The whole regex match.
    Match,
    /// The whole line.
    Line,
}

/// One allowlist, per rule or global.
#[derive(Debug, Default, Clone)]
pub struct GlAllowlist {
    /// `description`.
    pub description: Option<String>,
    /// `condition = "AND"` (every criterion must hold); the default is OR.
    pub and: bool,
    /// `commits`.
    pub commits: Vec<String>,
    /// `paths`.
    pub paths: Vec<String>,
    /// `regexTarget`.
    pub regex_target: RegexTarget,
    /// `regexes`.
    pub regexes: Vec<String>,
    /// `stopwords`.
    pub stopwords: Vec<String>,
    /// `targetRules` (global allowlists only).
    pub target_rules: Vec<String>,
    /// Keys with no leakgate meaning (`key = value` as TOML).
    pub unknown: Vec<String>,
}

/// Parses gitleaks TOML; errors are one line naming the key that is wrong.
pub fn parse(text: &str) -> Result<GlConfig, String> {
    let table: Table = toml::from_str(text).map_err(|e| e.message().trim().to_owned())?;
    let mut config = GlConfig::default();
    for (key, value) in table {
        match key.as_str() {
            "title" => config.title = Some(string(&value, "title")?),
            "extend" => config.extend = extend(&value)?,
            "rules" => {
                for (i, rule_value) in array(&value, "rules")?.iter().enumerate() {
                    config.rules.push(rule(rule_value, i)?);
                }
            }
            "allowlist" => config.allowlists.push(allowlist(&value, "allowlist")?),
            "allowlists" => {
                for (i, a) in array(&value, "allowlists")?.iter().enumerate() {
                    config
                        .allowlists
                        .push(allowlist(a, &format!("allowlists[{i}]"))?);
                }
            }
            _ => config.unknown.push(key_value(&key, &value)),
        }
    }
    Ok(config)
}

fn extend(value: &Value) -> Result<GlExtend, String> {
    let mut out = GlExtend::default();
    for (key, v) in table(value, "extend")? {
        match key.as_str() {
            "useDefault" => {
                out.use_default = v
                    .as_bool()
                    .ok_or("[extend] useDefault must be true or false")?;
            }
            "path" => out.path = Some(string(v, "[extend] path")?),
            "disabledRules" => out.disabled_rules = strings(v, "[extend] disabledRules")?,
            _ => return Err(format!("[extend] has an unknown key '{key}'")),
        }
    }
    Ok(out)
}

fn rule(value: &Value, index: usize) -> Result<GlRule, String> {
    let at = format!("rules[{index}]");
    let mut out = GlRule::default();
    for (key, v) in table(value, &at)? {
        let what = format!("{at}.{key}");
        match key.as_str() {
            "id" => out.id = string(v, &what)?,
            "description" => out.description = Some(string(v, &what)?),
            "regex" => out.regex = Some(string(v, &what)?),
            "secretGroup" => {
                out.secret_group = Some(v.as_integer().ok_or(format!("{what} must be a number"))?);
            }
            "entropy" => {
                out.entropy = Some(
                    v.as_float()
                        .or_else(|| v.as_integer().map(|i| i as f64))
                        .ok_or(format!("{what} must be a number"))?,
                );
            }
            "path" => out.path = Some(string(v, &what)?),
            "keywords" => out.keywords = strings(v, &what)?,
            "tags" => out.tags = strings(v, &what)?,
            "allowlist" => out.allowlists.push(allowlist(v, &what)?),
            "allowlists" => {
                for (i, a) in array(v, &what)?.iter().enumerate() {
                    out.allowlists.push(allowlist(a, &format!("{what}[{i}]"))?);
                }
            }
            _ => out.unknown.push(key_value(key, v)),
        }
    }
    if out.id.is_empty() {
        return Err(format!("{at} has no id"));
    }
    Ok(out)
}

fn allowlist(value: &Value, at: &str) -> Result<GlAllowlist, String> {
    let mut out = GlAllowlist::default();
    for (key, v) in table(value, at)? {
        let what = format!("{at}.{key}");
        match key.as_str() {
            "description" => out.description = Some(string(v, &what)?),
            "condition" => {
                out.and = match string(v, &what)?.to_ascii_uppercase().as_str() {
                    "AND" | "&&" => true,
                    "OR" | "||" | "" => false,
                    other => return Err(format!("{what}: unknown condition '{other}'")),
                }
            }
            "regexTarget" => {
                out.regex_target = match string(v, &what)?.as_str() {
                    "secret" | "" => RegexTarget::Secret,
                    "match" => RegexTarget::Match,
                    "line" => RegexTarget::Line,
                    other => return Err(format!("{what}: unknown regexTarget '{other}'")),
                }
            }
            "commits" => out.commits = strings(v, &what)?,
            "paths" => out.paths = strings(v, &what)?,
            "regexes" => out.regexes = strings(v, &what)?,
            "stopwords" => out.stopwords = strings(v, &what)?,
            "targetRules" => out.target_rules = strings(v, &what)?,
            _ => out.unknown.push(key_value(key, v)),
        }
    }
    Ok(out)
}

fn table<'v>(value: &'v Value, what: &str) -> Result<&'v Table, String> {
    value.as_table().ok_or(format!("{what} must be a table"))
}

fn array<'v>(value: &'v Value, what: &str) -> Result<&'v Vec<Value>, String> {
    value
        .as_array()
        .ok_or(format!("{what} must be an array of tables"))
}

fn string(value: &Value, what: &str) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or(format!("{what} must be a string"))
}

fn strings(value: &Value, what: &str) -> Result<Vec<String>, String> {
    let list = value
        .as_array()
        .ok_or(format!("{what} must be a list of strings"))?;
    list.iter().map(|v| string(v, what)).collect()
}

/// `key = value` on one line, as TOML.
fn key_value(key: &str, value: &Value) -> String {
    let mut one = Table::new();
    one.insert(key.to_owned(), value.clone());
    toml::to_string(&one)
        .unwrap_or_else(|_| format!("{key} = {value}"))
        .trim()
        .replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rules_allowlists_and_keeps_unknown_keys() {
        let config = parse(
            r#"
title = "t"
minVersion = "v8.25.0"
[extend]
useDefault = true
disabledRules = ["a"]
[[rules]]
id = "x"
regex = '''x(y)'''
secretGroup = 1
entropy = 3
skipReport = true
[[rules.allowlists]]
condition = "AND"
regexTarget = "line"
regexes = ['''z''']
[allowlist]
paths = ['''p''']
"#,
        )
        .unwrap();
        assert_eq!(config.title.as_deref(), Some("t"));
        assert_eq!(config.unknown, vec![r#"minVersion = "v8.25.0""#]);
        assert!(config.extend.use_default);
        let rule = &config.rules[0];
        assert_eq!(rule.entropy, Some(3.0));
        assert_eq!(rule.unknown, vec!["skipReport = true"]);
        assert!(rule.allowlists[0].and);
        assert_eq!(rule.allowlists[0].regex_target, RegexTarget::Line);
        assert_eq!(config.allowlists[0].paths, vec!["p"]);
    }

    #[test]
    fn wrong_types_name_the_key() {
        let err = parse("[[rules]]\nid = \"x\"\nregex = 3\n").unwrap_err();
        assert_eq!(err, "rules[0].regex must be a string");
    }
}
