//! Renders a converted configuration as `.leakgate.toml` text: rules, allowlists, and every
//! unconverted gitleaks feature as a `# not converted:` comment next to where it applied.

use std::fmt::Write as _;

use super::convert::{LgAllow, LgRule};

/// Everything the written file holds.
#[derive(Debug, Default)]
pub struct Output {
    /// Comment lines at the top of the file.
    pub header: Vec<String>,
    /// `extend_default`.
    pub extend_default: bool,
    /// `disable`.
    pub disable: Vec<String>,
    /// Global `[allow]`.
    pub allow: LgAllow,
    /// Comment lines for unconverted global settings.
    pub global_comments: Vec<String>,
    /// Converted rules.
    pub rules: Vec<LgRule>,
    /// Rules kept only as comments: id and comment lines.
    pub commented: Vec<(String, Vec<String>)>,
}

/// A TOML string: a literal `'''...'''` when the text allows (regexes stay readable), else a
/// basic string with escapes.
pub fn string(text: &str) -> String {
    let literal_ok = !text.contains("'''")
        && !text.ends_with('\'')
        && !text.starts_with('\n')
        && !text.chars().any(|c| c.is_control() && c != '\t');
    if literal_ok {
        format!("'''{text}'''")
    } else {
        toml::Value::String(text.to_owned()).to_string()
    }
}

fn basic(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn strings(values: &[String], render: fn(&str) -> String) -> String {
    let items: Vec<String> = values.iter().map(|v| render(v)).collect();
    format!("[{}]", items.join(", "))
}

fn comment(out: &mut String, line: &str) {
    let _ = writeln!(out, "# {}", line.replace(['\n', '\r'], " "));
}

/// The file's text.
pub fn render(o: &Output) -> String {
    let mut out = String::new();
    for line in &o.header {
        comment(&mut out, line);
    }
    let _ = writeln!(out, "extend_default = {}", o.extend_default);
    if !o.disable.is_empty() {
        let _ = writeln!(out, "disable = {}", strings(&o.disable, basic));
    }
    for line in &o.global_comments {
        comment(&mut out, line);
    }
    if !o.allow.is_empty() {
        out.push_str("\n[allow]\n");
        allow_body(&mut out, &o.allow);
    }
    for rule in &o.rules {
        out.push('\n');
        rule_text(&mut out, rule);
    }
    for (id, lines) in &o.commented {
        out.push('\n');
        comment(&mut out, &format!("gitleaks rule '{id}' (not converted):"));
        for line in lines {
            comment(&mut out, line);
        }
    }
    out
}

/// One `[[rules]]` table.
pub fn rule_text(out: &mut String, r: &LgRule) {
    for line in &r.comments {
        comment(out, line);
    }
    out.push_str("[[rules]]\n");
    let _ = writeln!(out, "id = {}", basic(&r.id));
    if let Some(original) = &r.gitleaks_id {
        let _ = writeln!(out, "# gitleaks id: {original}");
    }
    let _ = writeln!(out, "description = {}", basic(&r.description));
    out.push_str("severity = \"high\"\nimported = \"gitleaks\"\n");
    let _ = writeln!(out, "keywords = {}", strings(&r.keywords, basic));
    let _ = writeln!(out, "regex = {}", string(&r.regex));
    if let Some(g) = r.secret_group {
        let _ = writeln!(out, "secret_group = {g}");
    }
    if let Some(e) = r.entropy {
        let _ = writeln!(out, "entropy = {e:?}");
    }
    if r.multiline {
        out.push_str("multiline = true\n");
    }
    if !r.tags.is_empty() {
        let _ = writeln!(out, "tags = {}", strings(&r.tags, basic));
    }
    if !r.paths.is_empty() {
        let _ = writeln!(out, "paths = {}", strings(&r.paths, string));
    }
    if !r.allow.is_empty() {
        out.push_str("[rules.allow]\n");
        allow_body(out, &r.allow);
    }
}

fn allow_body(out: &mut String, a: &LgAllow) {
    for (key, values, render) in [
        ("paths", &a.paths, string as fn(&str) -> String),
        ("regexes", &a.regexes, string),
        ("stopwords", &a.stopwords, basic),
        ("matches", &a.matches, string),
    ] {
        if !values.is_empty() {
            let _ = writeln!(out, "{key} = {}", strings(values, render));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_toml() {
        for text in [
            r"a'''b",
            r"(?i)x\s'",
            "tab\there",
            r#"q"uote"#,
            r"\b(ghp_[a-z]{36})",
        ] {
            let doc = format!("v = {}", string(text));
            let parsed: toml::Table = toml::from_str(&doc).unwrap();
            assert_eq!(parsed["v"].as_str(), Some(text), "{doc}");
        }
    }
}
