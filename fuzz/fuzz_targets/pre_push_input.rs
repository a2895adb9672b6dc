//! git's pre-push protocol parser on arbitrary input: updates or an error, never a panic.
#![no_main]

use leakgate::parse_push_lines;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(updates) = parse_push_lines(text)
    {
        assert!(updates.len() <= text.lines().count());
    }
});
