//! Loading: find every `*.yaml`/`*.yml` under the reliability directory (sorted, dot-folders
//! skipped, symlinks not followed), decode it, and split it into documents with positions.
//! Problems with a file's bytes or syntax are findings; only I/O failures are errors.

mod fast;
pub mod yaml;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::diag::{Finding, codes};
use crate::source::{Pos, SourceFile, Span, display_path};
pub use yaml::{Positions, YamlDoc};

/// Largest file rely reads.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A document and the file it came from. Loaded by `load_dir_decoding`, its value is null once
/// decoded (its positions are kept).
#[derive(Debug, Clone)]
pub struct Document {
    pub file: usize,
    pub yaml: YamlDoc,
}

impl Document {
    pub fn locate(&self, pointer: &str) -> Span {
        self.yaml.index.locate(pointer)
    }
}

/// Everything read from a reliability directory.
#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub docs: Vec<Document>,
    pub findings: Vec<Finding>,
    /// When loaded from a git revision: every path in that revision's tree (files and
    /// directories, relative to the repository root), so that paths such as runbooks are
    /// checked against the revision rather than the working tree.
    pub tree: Option<std::collections::BTreeSet<String>>,
}

/// Lists the YAML files under `dir`, sorted by path.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>> {
    Ok(discover_all(dir)?.0)
}

/// The YAML files under `dir`, and the symbolic links found there (not followed).
pub fn discover_all(dir: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let mut links = vec![];
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).with_context(|| format!("cannot read directory {}", d.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot read directory {}", d.display()))?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            let ty = entry.file_type()?;
            let path = entry.path();
            if ty.is_dir() {
                stack.push(path);
            } else if ty.is_symlink() {
                links.push(path);
            } else if ty.is_file() && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                out.push(path);
            }
        }
    }
    out.sort();
    links.sort();
    Ok((out, links))
}

/// Reads and parses every YAML file under `dir`.
pub fn load_dir(dir: &Path) -> Result<Loaded> {
    Ok(load_files::<()>(dir, None)?.0)
}

/// Reads and parses every YAML file under `dir` and hands each document to `each` as soon as
/// its file is parsed, on the thread that parsed it; returns the results file by file (one
/// list per file, in order: flattened, one result per document, in document order). The
/// documents' values are then dropped (`Document::yaml.value` is null): every value of a
/// repository at once was most of `rely check`'s memory at 100,000 SLOs, and faulting that
/// memory in a third of its time. Findings `each` makes are in the document's file but carry
/// the file's place in its own part (0): the caller sets them to the document's `file`.
pub fn load_dir_decoding<T: Send>(dir: &Path, each: &(dyn Fn(&Document) -> T + Sync)) -> Result<(Loaded, Vec<Vec<T>>)> {
    load_files(dir, Some(each))
}

fn load_files<T: Send>(dir: &Path, each: Option<&(dyn Fn(&Document) -> T + Sync)>) -> Result<(Loaded, Vec<Vec<T>>)> {
    if !dir.is_dir() {
        anyhow::bail!("{} is not a directory (pass the reliability directory, e.g. `rely check reliability`)", dir.display());
    }
    use rayon::prelude::*;
    // Read and parse every file in parallel; assemble in path order, so ids are deterministic.
    let (paths, links) = discover_all(dir)?;
    let parts: Vec<Result<(Loaded, Vec<T>)>> = paths
        .into_par_iter()
        .map(|path| {
            let mut one = Loaded::default();
            let display = display_path(&path);
            let size = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?.len();
            if size > MAX_FILE_BYTES {
                one.files.push(SourceFile::new(path, display, String::new()));
                one.findings.push(
                    Finding::new(
                        codes::YML005,
                        0,
                        Span::point(1, 1),
                        format!("file is {size} bytes; rely reads files up to {MAX_FILE_BYTES} bytes"),
                    )
                    .help("split the file, or move what is not a rely document out of the reliability directory"),
                );
                return Ok((one, vec![]));
            }
            let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            add_source(&mut one, path, display, bytes);
            let Some(each) = each else { return Ok((one, vec![])) };
            let out = one.docs.iter().map(each).collect();
            for d in &mut one.docs {
                d.yaml.value = serde_json::Value::Null;
            }
            Ok((one, out))
        })
        .collect();
    let mut loaded = Loaded::default();
    let mut results = vec![];
    for part in parts {
        let (part, out) = part?;
        let base = loaded.files.len();
        loaded.files.extend(part.files);
        loaded.findings.extend(part.findings.into_iter().map(|mut f| {
            f.file += base;
            f
        }));
        loaded.docs.extend(part.docs.into_iter().map(|mut d| {
            d.file += base;
            d
        }));
        results.push(out);
    }
    for link in links {
        let id = loaded.files.len();
        let target = std::fs::read_link(&link).map(|t| t.display().to_string()).unwrap_or_default();
        loaded.files.push(SourceFile::new(link.clone(), display_path(&link), String::new()));
        loaded.findings.push(
            Finding::new(codes::YML009, id, Span::point(1, 1), format!("symbolic link to `{target}` is not followed"))
                .help("commit the file itself in the reliability directory"),
        );
    }
    Ok((loaded, results))
}

/// Adds one file's bytes (from disk or from a git blob) to `loaded`.
pub fn add_source(loaded: &mut Loaded, path: PathBuf, display: String, bytes: Vec<u8>) {
    let id = loaded.files.len();
    // A file name is copied into generated headers and reports: one with a line break or a
    // control character is refused, and shown escaped.
    let display = if display.chars().any(crate::emit::escape::is_unsafe_char) {
        let shown = crate::emit::escape::comment(&display);
        loaded.findings.push(
            Finding::new(codes::YML010, id, Span::point(1, 1), format!("file name `{shown}` contains control or line-break characters"))
                .help("rename the file: letters, digits, `-`, `_` and `.` are safe everywhere"),
        );
        shown
    } else {
        display
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let at = position_after(valid);
            loaded.files.push(SourceFile::new(path, display, String::new()));
            loaded.findings.push(
                Finding::new(codes::YML006, id, Span::point(at.line, at.col), "file is not valid UTF-8")
                    .help("save the file as UTF-8; rely reads YAML as UTF-8 text"),
            );
            return;
        }
    };
    if let Some(nul) = memchr::memchr(0, text.as_bytes()) {
        let at = position_after(&text.as_bytes()[..nul]);
        loaded.files.push(SourceFile::new(path, display, String::new()));
        loaded.findings.push(
            Finding::new(codes::YML006, id, Span::point(at.line, at.col), "file contains a NUL byte")
                .help("this looks like a binary file; remove it from the reliability directory"),
        );
        return;
    }
    // One copy of the text, shared by the file and its documents' positions.
    let text: std::sync::Arc<str> = text.into();
    let (docs, findings) = yaml::parse(id, text.clone());
    if docs.iter().all(|d| d.value.is_null()) && findings.is_empty() {
        loaded.findings.push(
            Finding::new(codes::YML007, id, Span::point(1, 1), "file has no YAML documents")
                .help("add a document (see `rely new`), or delete the file"),
        );
    }
    loaded.files.push(SourceFile::new(path, display, text));
    loaded.findings.extend(findings);
    loaded.docs.extend(docs.into_iter().filter(|d| !d.value.is_null()).map(|yaml| Document { file: id, yaml }));
}

fn position_after(valid: &[u8]) -> Pos {
    let text = String::from_utf8_lossy(valid);
    let line = text.matches('\n').count() + 1;
    let col = text.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    Pos { line, col }
}
