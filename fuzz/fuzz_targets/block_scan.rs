//! Block scanning on arbitrary bytes: scanning in overlapping blocks of any size finds exactly
//! what a whole scan finds, at the same lines and columns.
#![no_main]

use std::sync::OnceLock;

use leakgate::{
    Blocks, Chunk, Engine, EngineOptions, Finding, LineOrigin, RulePack, Strictness, scan_chunk,
    scan_stream,
};
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let pack = RulePack::builtin(Strictness::Trusted).expect("built-in pack");
        Engine::new(pack, EngineOptions::default())
    })
}

fn places(findings: &[Finding]) -> Vec<(String, usize, usize, usize, usize, String)> {
    let mut out: Vec<_> = findings
        .iter()
        .map(|f| {
            let place = (f.line, f.column, f.end_line, f.end_column);
            (f.rule_id.clone(), place.0, place.1, place.2, place.3, f.fingerprint.clone())
        })
        .collect();
    out.sort();
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((size, bytes)) = data.split_first_chunk::<2>() else {
        return;
    };
    let size = usize::from(u16::from_le_bytes(*size)) % 8192 + 1;
    // UTF-16 text is read whole, not in blocks: compare only what is streamed.
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return;
    }
    let origin = LineOrigin::Identity;
    let whole = scan_chunk(
        engine(),
        &Chunk { path: "f.txt", bytes, origin: &origin, commit: None },
    );
    let blocks = Blocks { size, overlap: Blocks::DEFAULT.overlap };
    let mut buffer = Vec::new();
    let streamed = scan_stream(engine(), "f.txt", &mut &bytes[..], &mut buffer, blocks);
    assert_eq!(streamed.bytes, bytes.len() as u64);
    assert_eq!(places(&streamed.findings), places(&whole));
});
