//! Property tests (proptest) on the library: line and column mapping, and block scanning (a file scanned in overlapping blocks yields exactly the findings of
//! a whole-file scan, at the same places, whatever the block size).

use std::sync::OnceLock;

use leakgate::{
    Blocks, Chunk, Engine, EngineOptions, Finding, LineOrigin, ReadBuffer, RulePack, Strictness,
    locate_span, scan_chunk, scan_stream,
};
use proptest::prelude::*;

use crate::support::{aws_key_id, fake, github_token};

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let pack = RulePack::builtin(Strictness::Trusted).expect("built-in rules load");
        Engine::new(pack, EngineOptions::default())
    })
}

/// Text with line breaks, CRs, tabs and multi-byte characters.
fn text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just('\n'),
            Just('\r'),
            Just('\t'),
            Just('é'),
            Just('中'),
            Just('😀'),
            proptest::char::range('a', 'z'),
        ],
        0..400,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    /// Line and column of any character boundary agree with splitting the text at `\n` and
    /// counting characters (an oracle that shares no code with `locate_span`).
    #[test]
    fn line_and_column_match_a_split_at_line_breaks(text in text(), pick in any::<prop::sample::Index>()) {
        let boundaries: Vec<usize> =
            text.char_indices().map(|(i, _)| i).chain([text.len()]).collect();
        let at = boundaries[pick.index(boundaries.len())];
        let pieces: Vec<&str> = text[..at].split('\n').collect();
        let want_line = pieces.len();
        let want_column = pieces.last().map_or(0, |p| p.chars().count()) + 1;
        let (line, column, end_line, end_column) =
            locate_span(text.as_bytes(), at..at, &LineOrigin::Identity);
        prop_assert_eq!((line, column), (want_line, want_column));
        prop_assert_eq!((end_line, end_column), (want_line, want_column));
    }
}

/// One piece of a generated file: filler (some of it full of rule keywords, so windows are
/// dense) or a line with a secret.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z ]{1,120}",
        2 => "(token|password|secret|key|api)[=: ]{1,3}[a-z0-9]{0,30}",
        1 => (0usize..1000).prop_map(|s| format!("GITHUB_TOKEN={}", github_token(s))),
        1 => (0usize..1000).prop_map(|s| format!("aws_access_key_id = {}", aws_key_id(s))),
        1 => (0usize..1000).prop_map(|s| format!("db_password = \"{}\"", fake("{{password:20}}", s))),
        1 => (0usize..1000).prop_map(|s| format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----",
            fake("{{pem:rsa}}", s),
        )),
        1 => (1usize..6000).prop_map(|n| "é".repeat(n)),
    ]
}

/// A file of pieces joined by line breaks or run together on one long line (minified).
fn file() -> impl Strategy<Value = String> {
    (proptest::collection::vec(piece(), 1..300), any::<bool>())
        .prop_map(|(pieces, one_line)| pieces.join(if one_line { " " } else { "\n" }))
}

/// What places a finding, for comparing two scans.
fn places(findings: &[Finding]) -> Vec<(String, usize, usize, usize, usize, String)> {
    let mut places: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f.rule_id.clone(),
                f.line,
                f.column,
                f.end_line,
                f.end_column,
                f.fingerprint.clone(),
            )
        })
        .collect();
    places.sort();
    places
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Scanning in blocks (of any size, with the real overlap) finds exactly what a whole-file
    /// scan finds, at the same lines and columns: nothing lost at a block edge, nothing twice.
    #[test]
    fn block_scans_equal_whole_scans(text in file(), size in 512usize..32 * 1024) {
        let bytes = text.as_bytes();
        let origin = LineOrigin::Identity;
        let whole = scan_chunk(
            engine(),
            &Chunk { path: "f.txt", bytes, origin: &origin, commit: None },
        );
        let blocks = Blocks { size, overlap: Blocks::DEFAULT.overlap };
        let mut buffer = ReadBuffer::default();
        let streamed = scan_stream(engine(), "f.txt", &mut &bytes[..], &mut buffer, blocks);
        prop_assert!(streamed.error.is_none());
        prop_assert_eq!(streamed.bytes, bytes.len() as u64);
        prop_assert_eq!(places(&streamed.findings), places(&whole));
    }
}
