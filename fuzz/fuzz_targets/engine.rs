//! The built-in engine on arbitrary bytes: every match must lie inside the input and be
//! locatable; nothing may panic.
#![no_main]

use std::sync::OnceLock;

use leakgate::{Engine, EngineOptions, LineOrigin, RulePack, Strictness, locate};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let pack = RulePack::builtin(Strictness::Trusted).expect("built-in pack");
        Engine::new(pack, EngineOptions::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let engine = engine();
    for m in engine.scan(data, Some("fuzz/input.env")) {
        assert!(m.secret.start < m.secret.end && m.secret.end <= data.len());
        let f = locate(
            &engine.rules()[m.rule],
            m.secret.clone(),
            data,
            "f",
            &LineOrigin::Identity,
            None,
        );
        assert!(f.line >= 1 && f.end_line >= f.line);
    }
});
