//! The rule-pack loader on arbitrary text: it must return a pack or an error, never panic.
#![no_main]

use leakgate::{RulePack, Strictness, parse_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = parse_file("fuzz.toml", text) {
        let mut pack = RulePack::default();
        let _ = pack.add_file("fuzz.toml", text, spec, Strictness::Strict);
    }
});
