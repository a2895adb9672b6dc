//! The added-lines buffer of a diff: for any set of added lines, every byte line of the buffer
//! must map back to the file line it came from.
#![no_main]

use std::collections::BTreeMap;

use leakgate::finding::locate_span;
use leakgate::source::git::diff::into_files;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut lines: Vec<(usize, Vec<u8>)> = Vec::new();
    let mut lineno = 0usize;
    for chunk in data.chunks(3) {
        lineno += 1 + usize::from(chunk[0] % 4);
        let mut content: Vec<u8> = chunk[1..].iter().copied().filter(|&b| b != b'\n').collect();
        content.push(b'\n');
        lines.push((lineno, content));
    }
    let expected: Vec<usize> = lines.iter().map(|(n, _)| *n).collect();
    let mut added = BTreeMap::new();
    added.insert("f".to_owned(), lines);
    for file in into_files(added) {
        let mut start = 0;
        for (i, line) in file.bytes.split_inclusive(|&b| b == b'\n').enumerate() {
            let (l, _, _, _) = locate_span(&file.bytes, start..start, &file.origin);
            assert_eq!(l, expected[i]);
            start += line.len();
        }
    }
});
