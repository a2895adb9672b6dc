//! Embeds the built-in rule pack (`rules/*.toml`) into the binary twice over:
//!
//! - each file's text, one `include_str!` per file with its name, so `rules test` and errors in
//!   built-in rules still point at `rules/<file>.toml:line:col`;
//! - the same rules pre-parsed into static Rust data (`BUILTIN_DATA`), so a hook does not parse
//!   ~400 KB of TOML at every start: parsing was a third of a small push's instructions.
//!
//! The pre-parsed form is checked against the parsed one, field by field, by a unit test in
//! `rules::builtin`.
//!
//! It also builds the keyword automaton over the built-in keywords (`keyword_dfa.bin`, read by
//! `engine::prefilter`): building it at every start was about 2 ms, almost half of a one-file
//! scan's instructions. The engine uses it only when its keyword list is exactly the one built
//! here, and builds its own otherwise.

use std::fmt::Write as _;
use std::path::Path;

use toml::{Table, Value};

#[path = "src/engine/keyword_dfa.rs"]
#[allow(dead_code)]
mod keyword_dfa;

/// The keys of a `[[rules]]` table that this script knows how to embed; any other key fails the
/// build, so a field added to `rules::spec::RuleSpec` cannot be forgotten here.
const RULE_KEYS: &[&str] = &[
    "id",
    "description",
    "severity",
    "confidence",
    "keywords",
    "regex",
    "secret_group",
    "entropy",
    "validator",
    "multiline",
    "reach",
    "keyword_context",
    "tags",
    "remediation",
    "examples",
    "negative_examples",
    "allow",
    "paths",
    "imported",
    "validate",
];

const ALLOW_KEYS: &[&str] = &["paths", "regexes", "stopwords", "matches"];

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<String> = std::fs::read_dir("rules")
        .expect("rules/ directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| Path::new(name).extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .map(|name| std::fs::read_to_string(Path::new("rules").join(name)).expect("read rule file"))
        .collect();
    let mut code = format!(
        "/// A digest of the built-in rule files, computed at build time.\npub const BUILTIN_DIGEST: &str = \"builtin-{:016x}\";\n",
        digest(&files, &texts)
    );
    code.push_str("/// The built-in rule files: (display name, contents).\n");
    code.push_str("pub static BUILTIN_FILES: &[(&str, &str)] = &[\n");
    for name in &files {
        println!("cargo:rerun-if-changed=rules/{name}");
        let _ = writeln!(
            code,
            "    (\"rules/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/rules/{name}\"))),"
        );
    }
    code.push_str("];\n");
    code.push_str(
        "/// The built-in rule files, pre-parsed: one entry per file of `BUILTIN_FILES`.\n",
    );
    code.push_str("pub static BUILTIN_DATA: &[FileData] = &[\n");
    for (name, text) in files.iter().zip(&texts) {
        file_data(&mut code, name, text);
    }
    code.push_str("];\n");
    let out_dir = std::env::var("OUT_DIR").expect("OUT_DIR");
    let out = Path::new(&out_dir).join("builtin_rules.rs");
    std::fs::write(out, code).expect("write builtin_rules.rs");
    println!("cargo:rerun-if-changed=src/engine/keyword_dfa.rs");
    let dfa = keyword_dfa::KeywordDfa::new(&builtin_keywords(&texts));
    std::fs::write(Path::new(&out_dir).join("keyword_dfa.bin"), dfa.to_bytes())
        .expect("write keyword_dfa.bin");
}

/// The built-in keywords as `engine::prefilter` lists them: lowercase, in file and rule order,
/// each once.
fn builtin_keywords(texts: &[String]) -> Vec<String> {
    let mut keywords: Vec<String> = Vec::new();
    for text in texts {
        let table: Table = text.parse().expect("rule file parses");
        let Some(Value::Array(rules)) = table.get("rules") else {
            continue;
        };
        for rule in rules {
            let Some(Value::Array(list)) = rule.get("keywords") else {
                continue;
            };
            for keyword in list.iter().filter_map(Value::as_str) {
                let keyword = keyword.to_ascii_lowercase();
                if !keywords.contains(&keyword) {
                    keywords.push(keyword);
                }
            }
        }
    }
    keywords
}

/// FNV-1a over names and contents: the history cache key of the pack, computed here so that a
/// hook does not hash the rules at every start.
fn digest(files: &[String], texts: &[String]) -> u64 {
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, text) in files.iter().zip(texts) {
        for byte in name.bytes().chain([0]).chain(text.bytes()).chain([0]) {
            digest ^= u64::from(byte);
            digest = digest.wrapping_mul(0x0100_0000_01b3);
        }
    }
    digest
}

/// One `FileData` literal: the file's rules and its global allowlist.
fn file_data(code: &mut String, name: &str, text: &str) {
    let table: Table = text.parse().unwrap_or_else(|e| panic!("rules/{name}: {e}"));
    let rules = match table.get("rules") {
        Some(Value::Array(rules)) => rules.as_slice(),
        _ => &[],
    };
    let offsets = id_offsets(name, text, rules.len());
    let _ = writeln!(code, "  FileData {{ rules: &[");
    for (rule, at) in rules.iter().zip(offsets) {
        let rule = rule.as_table().expect("[[rules]] is a table");
        rule_data(code, name, rule, at);
    }
    let _ = writeln!(
        code,
        "  ], allow: {} }},",
        allow_data(name, table.get("allow"))
    );
}

/// The byte offset of each rule's `id` value, as the TOML parser reports it (rule origins and
/// their `file:line:col` are computed from it at run time).
fn id_offsets(name: &str, text: &str, count: usize) -> Vec<usize> {
    #[derive(serde::Deserialize)]
    struct Ids {
        #[serde(default)]
        rules: Vec<Id>,
    }
    #[derive(serde::Deserialize)]
    struct Id {
        id: toml::Spanned<String>,
    }
    let ids: Ids = toml::from_str(text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
    assert_eq!(ids.rules.len(), count, "rules/{name}: rule count");
    ids.rules.iter().map(|r| r.id.span().start).collect()
}

fn rule_data(code: &mut String, file: &str, rule: &Table, id_at: usize) {
    if let Some(key) = rule.keys().find(|k| !RULE_KEYS.contains(&k.as_str())) {
        panic!("rules/{file}: build.rs does not know the rule key `{key}`; teach it");
    }
    let s = |key: &str| string(file, rule.get(key));
    let list = |key: &str| strings(file, rule.get(key));
    let _ = writeln!(
        code,
        "    RuleData {{ id_at: {id_at}, id: {}, description: {}, severity: {}, confidence: {}, \
         keywords: {}, regex: {}, secret_group: {}, entropy: {}, validator: {}, multiline: {}, \
         reach: {}, keyword_context: {}, tags: {}, remediation: {}, examples: {}, negative_examples: {}, allow: {}, \
         paths: {}, imported: {}, validate: {} }},",
        required(file, "id", &s("id")),
        required(file, "description", &s("description")),
        required(file, "severity", &s("severity")),
        s("confidence"),
        list("keywords"),
        required(file, "regex", &s("regex")),
        integer(rule.get("secret_group")),
        float(rule.get("entropy")),
        s("validator"),
        rule.get("multiline")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        integer(rule.get("reach")),
        s("keyword_context"),
        list("tags"),
        s("remediation"),
        list("examples"),
        list("negative_examples"),
        allow_data(file, rule.get("allow")),
        list("paths"),
        s("imported"),
        validate_text(rule.get("validate")),
    );
}

/// An `Option<AllowData>` literal.
fn allow_data(file: &str, allow: Option<&Value>) -> String {
    let Some(allow) = allow else {
        return "None".to_owned();
    };
    let allow = allow.as_table().expect("allow is a table");
    if let Some(key) = allow.keys().find(|k| !ALLOW_KEYS.contains(&k.as_str())) {
        panic!("rules/{file}: build.rs does not know the allow key `{key}`; teach it");
    }
    format!(
        "Some(AllowData {{ paths: {}, regexes: {}, stopwords: {}, matches: {} }})",
        strings(file, allow.get("paths")),
        strings(file, allow.get("regexes")),
        strings(file, allow.get("stopwords")),
        strings(file, allow.get("matches")),
    )
}

/// The `[rules.validate]` table re-serialised as TOML text (an `Option<&str>` literal): it is
/// parsed at load time into the validation spec, which holds free-form JSON matchers.
fn validate_text(validate: Option<&Value>) -> String {
    match validate {
        None => "None".to_owned(),
        Some(table) => format!(
            "Some({:?})",
            toml::to_string(table).expect("re-serialise [rules.validate]")
        ),
    }
}

/// An `Option<&str>` literal.
fn string(file: &str, value: Option<&Value>) -> String {
    match value {
        None => "None".to_owned(),
        Some(Value::String(s)) => format!("Some({s:?})"),
        Some(other) => panic!("rules/{file}: expected a string, found {other}"),
    }
}

/// Unwraps a `Some(..)` literal for a required field.
fn required(file: &str, key: &str, literal: &str) -> String {
    match literal
        .strip_prefix("Some(")
        .and_then(|s| s.strip_suffix(')'))
    {
        Some(inner) => inner.to_owned(),
        None => panic!("rules/{file}: a rule has no `{key}`"),
    }
}

/// A `&[&str]` literal.
fn strings(file: &str, value: Option<&Value>) -> String {
    let items: Vec<String> = match value {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => format!("{s:?}"),
                other => panic!("rules/{file}: expected a string in a list, found {other}"),
            })
            .collect(),
        Some(other) => panic!("rules/{file}: expected a list of strings, found {other}"),
    };
    format!("&[{}]", items.join(", "))
}

/// An `Option<usize>` literal.
fn integer(value: Option<&Value>) -> String {
    match value.map(Value::as_integer) {
        None => "None".to_owned(),
        Some(Some(n)) => format!("Some({n})"),
        Some(None) => panic!("expected an integer"),
    }
}

/// An `Option<f64>` literal.
fn float(value: Option<&Value>) -> String {
    match value {
        None => "None".to_owned(),
        Some(Value::Float(f)) => format!("Some({f:?})"),
        #[allow(clippy::cast_precision_loss)]
        Some(Value::Integer(n)) => format!("Some({:?})", *n as f64),
        Some(other) => panic!("expected a number, found {other}"),
    }
}
