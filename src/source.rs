//! Source files as rely read them: the path shown to users, the text, and the conversion from
//! a parser position (line, character column) to the byte offsets a renderer needs. Positions
//! are kept as parser markers and turned into bytes only when a finding is printed.

use std::path::{Path, PathBuf};

/// One file read from the reliability directory.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as given on disk (absolute or relative to the working directory).
    pub path: PathBuf,
    /// The path as printed in findings: relative to the current directory when possible.
    pub display: String,
    /// The file's text; empty when the file could not be decoded.
    pub text: std::sync::Arc<str>,
    line_starts: Vec<usize>,
}

/// A position in a file: 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// A range in a file, start inclusive, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: Pos,
    pub end: Pos,
}

impl Span {
    pub fn point(line: usize, col: usize) -> Span {
        let p = Pos { line, col };
        Span { start: p, end: p }
    }
}

impl SourceFile {
    pub fn new(path: PathBuf, display: String, text: impl Into<std::sync::Arc<str>>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { path, display, text, line_starts }
    }

    /// The text of 1-based line `line`, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset of a position (clamped to the text).
    pub fn offset(&self, pos: Pos) -> usize {
        let Some(&start) = self.line_starts.get(pos.line.saturating_sub(1)) else {
            return self.text.len();
        };
        let line = self.line_text(pos.line);
        let within = line.char_indices().nth(pos.col.saturating_sub(1)).map(|(i, _)| i).unwrap_or(line.len());
        start + within
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line.saturating_sub(1)).copied().unwrap_or(self.text.len())
    }
}

/// Shows `path` relative to the current directory when it lies below it.
pub fn display_path(path: &Path) -> String {
    let rel = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    rel.to_string_lossy().replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_not_bytes() {
        let f = SourceFile::new("a".into(), "a".into(), "ab\né x: 1\n");
        assert_eq!(f.line_text(2), "é x: 1");
        assert_eq!(f.offset(Pos { line: 2, col: 3 }), 3 + 3);
        assert_eq!(f.offset(Pos { line: 1, col: 1 }), 0);
        assert_eq!(f.line_count(), 3);
    }
}
