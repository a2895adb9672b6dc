//! The layer rule: every `crate::` and `super::` path in `src/` (outside `#[cfg(test)]` code and
//! comments) names a module on its own layer or a lower one. The layers, top to bottom, are the
//! table below; docs/design.md draws the same list. A new top-level module must be placed here, or
//! this test fails and names it.

use std::path::{Path, PathBuf};

/// The layers, top to bottom. A module may use its own layer and the layers below it. An entry
/// is a module path; the longest entry that prefixes a path decides its layer.
const LAYERS: &[(&str, &[&str])] = &[
    ("cli", &["cli", "progress"]),
    ("settings", &["settings", "config", "gitleaks"]),
    ("sources", &["source"]),
    ("scan", &["scan", "selftest"]),
    (
        "reports",
        &["report", "suppress", "validate::run", "validate::pair"],
    ),
    ("findings", &["finding"]),
    ("engine", &["engine"]),
    ("rules", &["rules"]),
    ("checks", &["validate"]),
    ("base", &["diag", "escape", "exit", "path", "secret"]),
];

/// The layer index (0 = top) of a module path, by the longest matching entry.
fn layer_of(path: &[String]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, (_, modules)) in LAYERS.iter().enumerate() {
        for module in *modules {
            let parts: Vec<&str> = module.split("::").collect();
            let matches = parts.len() <= path.len() && parts.iter().zip(path).all(|(a, b)| a == b);
            if matches && best.is_none_or(|(len, _)| parts.len() > len) {
                best = Some((parts.len(), index));
            }
        }
    }
    best.map(|(_, index)| index)
}

/// The module path of a source file: `src/scan/decode/mod.rs` is `scan::decode`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_owned());
    }
    parts
}

/// The code of a file that the layer rule judges: comment lines and everything from the first
/// `#[cfg(test)]` on (tests come last in a file) are left out.
fn judged_code(text: &str) -> String {
    text.lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every module path named by a `crate::` or `super::` path in `code`, written in module
/// `module`, resolved to a path from the crate root; groups (`crate::{a, b::c}`) give one each.
fn referenced_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &code[i..];
        let boundary = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let (base, skip) = if boundary && rest.starts_with("crate::") {
            (Vec::new(), "crate::".len())
        } else if boundary && rest.starts_with("super::") {
            let mut base = module.to_vec();
            let mut skip = 0;
            while code[i + skip..].starts_with("super::") {
                base.pop();
                skip += "super::".len();
            }
            (base, skip)
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        i += skip;
        for tail in path_tails(&code[i..]) {
            let mut path = base.clone();
            path.extend(tail);
            found.push(path);
        }
    }
    found
}

/// The paths that follow a `crate::`: one path, or the items of a `{...}` group.
fn path_tails(text: &str) -> Vec<Vec<String>> {
    if let Some(group) = text.strip_prefix('{') {
        let mut depth = 0;
        let end = group
            .char_indices()
            .find(|&(_, c)| {
                depth += i32::from(c == '{') - i32::from(c == '}');
                depth < 0
            })
            .map_or(group.len(), |(at, _)| at);
        return split_top_level(&group[..end])
            .iter()
            .map(|item| leading_path(item.trim()))
            .collect();
    }
    vec![leading_path(text)]
}

/// Splits a use group's items at the commas outside nested braces.
fn split_top_level(group: &str) -> Vec<&str> {
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (at, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..at]);
                start = at + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
}

/// The identifiers of the path at the start of `text` (`a::b::C` gives a, b, C).
fn leading_path(text: &str) -> Vec<String> {
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            break;
        }
        segments.push(rest[..len].to_owned());
        match rest[len..].strip_prefix("::") {
            Some(next) => rest = next,
            None => break,
        }
    }
    segments
}

/// The violations in one file's text: `module -> target (layer above)` lines.
fn violations(module: &[String], text: &str) -> Vec<String> {
    let name = |layer: usize| LAYERS[layer].0;
    let Some(own) = layer_of(module) else {
        return vec![format!("{}: not placed in a layer", module.join("::"))];
    };
    let mut out = Vec::new();
    for path in referenced_paths(&judged_code(text), module) {
        // The crate root only declares modules and re-exports: its items are no layer's.
        if path
            .first()
            .is_none_or(|s| s.starts_with(char::is_uppercase))
        {
            continue;
        }
        match layer_of(&path) {
            Some(target) if target < own => out.push(format!(
                "{} ({}) uses crate::{} ({}), a layer above",
                module.join("::"),
                name(own),
                path.join("::"),
                name(target)
            )),
            Some(_) => {}
            None => out.push(format!("crate::{}: not placed in a layer", path.join("::"))),
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_crate_path_in_src_points_down_the_layer_list() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut all = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        // The binary and the library root sit above every layer.
        if relative == Path::new("main.rs") || relative == Path::new("lib.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        all.extend(violations(&module_of(relative), &text));
    }
    assert!(
        files.len() > 50,
        "found only {} files under src/",
        files.len()
    );
    assert!(all.is_empty(), "layer violations:\n{}", all.join("\n"));
}

#[test]
fn the_layer_check_catches_an_upward_path() {
    let module = vec!["rules".to_owned(), "mod_under_test".to_owned()];
    let text = "use crate::engine::window;\nuse crate::{escape, config::span::Location};\n\
                fn f() { super::super::cli::run(); }\n// use crate::cli::Cli;\n\
                #[cfg(test)]\nmod tests { use crate::engine::Engine; }\n";
    let found = violations(&module, text);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].contains("crate::engine::window (engine)"),
        "{found:#?}"
    );
    assert!(found[1].contains("crate::config::span::Location (settings)"));
    assert!(found[2].contains("crate::cli::run (cli)"), "{found:#?}");
}

#[test]
fn the_layer_check_places_submodules_by_the_longest_entry() {
    let path = |p: &str| p.split("::").map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        layer_of(&path("validate::run::validate")),
        layer_of(&path("report"))
    );
    assert_eq!(
        layer_of(&path("validate::spec::Check")),
        layer_of(&path("validate"))
    );
    assert!(violations(&path("nowhere"), "").len() == 1);
}
