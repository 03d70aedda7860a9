//! Where outputs go as back ends make them: collected in memory (`Collect`), compared with a
//! directory without writing (`DriftSink`), or written (`output::DirSink`, the atomic writer).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::{OutputFile, output};

/// Where generated files go as they are made: collected in memory, written into a directory,
/// or compared with one. Back ends run in parallel, so a sink is shared between threads.
pub trait Sink: Sync {
    fn put(&self, file: OutputFile) -> Result<()>;
}

/// Collects files in memory.
#[derive(Default)]
pub struct Collect(std::sync::Mutex<Vec<OutputFile>>);

impl Sink for Collect {
    fn put(&self, file: OutputFile) -> Result<()> {
        self.0.lock().expect("collect lock").push(file);
        Ok(())
    }
}

impl Collect {
    /// The files, sorted by path.
    pub fn into_sorted(self) -> Vec<OutputFile> {
        let mut files = self.0.into_inner().expect("collect lock");
        files.sort_by(|a, b| a.path.cmp(&b.path));
        files
    }
}

/// What `--check` found: files that would be added, changed or removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Drift {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl Drift {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Compares files with what is in a directory as they are made, writing nothing.
pub struct DriftSink {
    dir: PathBuf,
    seen: std::sync::Mutex<Vec<String>>,
    drift: std::sync::Mutex<Drift>,
}

impl DriftSink {
    pub fn new(dir: &Path) -> DriftSink {
        DriftSink { dir: dir.to_path_buf(), seen: Default::default(), drift: Default::default() }
    }

    /// How many files were put.
    pub fn count(&self) -> usize {
        self.seen.lock().expect("drift lock").len()
    }

    /// What differs, once every file has been put: files in the directory that were not put
    /// are `removed`.
    pub fn finish(self) -> Result<Drift> {
        let mut seen: std::collections::HashSet<String> = self.seen.into_inner().expect("drift lock").into_iter().collect();
        let mut d = self.drift.into_inner().expect("drift lock");
        let paths: Vec<String> = seen.iter().cloned().collect();
        d.removed = existing(&self.dir)?.into_iter().filter(|p| p != output::MANIFEST && !seen.remove(p)).collect();
        // The manifest marks the directory as rely's: it must list exactly what a build writes.
        match std::fs::read_to_string(self.dir.join(output::MANIFEST)) {
            Ok(m) if m == output::manifest(&paths) => {}
            Ok(_) => d.changed.push(output::MANIFEST.into()),
            Err(_) => d.added.push(output::MANIFEST.into()),
        }
        d.added.sort();
        d.changed.sort();
        Ok(d)
    }
}

impl Sink for DriftSink {
    fn put(&self, f: OutputFile) -> Result<()> {
        let p = self.dir.join(&f.path);
        match std::fs::read(&p) {
            Ok(bytes) if bytes == f.contents.as_bytes() => {}
            Ok(_) => self.drift.lock().expect("drift lock").changed.push(f.path.clone()),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
                self.drift.lock().expect("drift lock").added.push(f.path.clone())
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", p.display())),
        }
        self.seen.lock().expect("drift lock").push(f.path);
        Ok(())
    }
}

/// Every file under `dir`, as sorted relative paths with `/` separators.
fn existing(dir: &Path) -> Result<Vec<String>> {
    let mut out = vec![];
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| format!("cannot read {}", d.display()))? {
            let e = e?;
            let p = e.path();
            if e.file_type()?.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap_or(&p).to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Compares `files` with what is in `dir`, writing nothing.
pub fn drift(dir: &Path, files: &[OutputFile]) -> Result<Drift> {
    let sink = DriftSink::new(dir);
    for f in files {
        sink.put(f.clone())?;
    }
    sink.finish()
}
