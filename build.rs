//! Embeds every `rules/*.toml` file into the binary, one `include_str!` per file with its name,
//! so errors in built-in rules still point at `rules/<file>.toml:line:col`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files: Vec<String> = std::fs::read_dir("rules")
        .expect("rules/ directory")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| Path::new(name).extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    // A digest of the pack for the history cache key, computed here so that a hook does not
    // hash ~200 KB of rules at every start (FNV-1a over names and contents).
    let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
    for name in &files {
        let text = std::fs::read(Path::new("rules").join(name)).expect("read rule file");
        for byte in name.bytes().chain([0]).chain(text).chain([0]) {
            digest ^= u64::from(byte);
            digest = digest.wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut code = format!(
        "/// A digest of the built-in rule files, computed at build time.\npub const BUILTIN_DIGEST: &str = \"builtin-{digest:016x}\";\n"
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
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("builtin_rules.rs");
    std::fs::write(out, code).expect("write builtin_rules.rs");
}
