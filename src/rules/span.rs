//! Turns a byte offset in a TOML source into a compiler-style `file:line:col`.

use std::fmt;

/// A position in a named source file, 1-based.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file name as the user should see it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl Location {
    /// The location of byte `offset` in `source`.
    pub fn at(file: &str, source: &str, offset: usize) -> Self {
        let offset = offset.min(source.len());
        let before = &source.as_bytes()[..offset];
        let line = memchr::memchr_iter(b'\n', before).count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1;
        Location {
            file: file.to_owned(),
            line,
            column,
        }
    }
}

/// The line starts of one source, so that many offsets in it (every rule of a pack file) are
/// placed by a binary search instead of a count from the start each time.
pub struct LineIndex<'a> {
    file: &'a str,
    source: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `source`, named `file`.
    pub fn new(file: &'a str, source: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', source.as_bytes()).map(|i| i + 1))
            .collect();
        LineIndex {
            file,
            source,
            starts,
        }
    }

    /// The location of byte `offset`, as [`Location::at`] gives it.
    pub fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.source.len());
        let line = self.starts.partition_point(|&start| start <= offset);
        let line_start = self.starts[line - 1];
        let column = String::from_utf8_lossy(&self.source.as_bytes()[line_start..offset])
            .chars()
            .count()
            + 1;
        Location {
            file: self.file.to_owned(),
            line,
            column,
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_columns_from_one() {
        let src = "a = 1\nbb = 2\n";
        assert_eq!(Location::at("f", src, 0).to_string(), "f:1:1");
        assert_eq!(Location::at("f", src, 7).to_string(), "f:2:2");
        assert_eq!(Location::at("f", src, 999).to_string(), "f:3:1");
    }

    #[test]
    fn the_index_places_every_offset_as_a_count_does() {
        let src = "a = 1\nbé = 2\n\nlast";
        let index = LineIndex::new("f", src);
        for offset in (0..=src.len() + 2).filter(|&o| o > src.len() || src.is_char_boundary(o)) {
            assert_eq!(
                index.locate(offset),
                Location::at("f", src, offset),
                "offset {offset}"
            );
        }
    }
}
