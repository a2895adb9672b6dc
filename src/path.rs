//! Paths as leakgate writes and compares them on every platform (ignore-file scopes, `--path`,
//! `--name`, the paths of findings). Knows nothing else.

/// A path as leakgate writes and compares it on every platform: `/`-separated, without a leading
/// `./`. For paths a user types into portable text (ignore-file scopes, `--path`, `--name`), so a
/// file written on Windows (`src\app.env`) works on Linux and the reverse.
pub fn portable(text: &str) -> String {
    let slashed = text.replace('\\', "/");
    let mut rest = slashed.as_str();
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    rest.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn portable_paths_use_forward_slashes() {
        assert_eq!(super::portable(r"src\config\app.env"), "src/config/app.env");
        assert_eq!(super::portable(r".\src\"), "src/");
        assert_eq!(super::portable("./a/b"), "a/b");
        assert_eq!(super::portable("a/b"), "a/b");
    }
}
