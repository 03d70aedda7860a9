//! The one place rely writes its outputs. A build replaces the output directory whole, so this
//! module first makes sure the directory is one rely may replace (`guard`): never the input, the
//! repository, `.git`, the home directory or an ancestor of any of them, never a symbolic link,
//! never a directory holding files rely did not write. rely marks what it wrote with a manifest
//! (`.rely-manifest`, one path per line); only a directory whose every entry the manifest lists
//! may be replaced, unless the user adopts it with `--force`.
//!
//! Files go to a sibling temporary directory as they are made (`DirSink`); the finished tree is
//! then swapped in with one atomic exchange (`renameat2(RENAME_EXCHANGE)` on Linux), so at every
//! moment the output directory holds either the previous build or the new one, complete.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, bail};

use super::{OutputFile, Sink};

/// The file that marks a directory as written by rely, listing every file it wrote.
pub(crate) const MANIFEST: &str = ".rely-manifest";

const MANIFEST_HEADER: &str = "# Written by `rely build`: every file below is rely's, and rely may replace this directory.\n";

/// The manifest's text for these relative paths.
pub(crate) fn manifest(paths: &[String]) -> String {
    let mut sorted: Vec<&String> = paths.iter().collect();
    sorted.sort();
    let mut out = String::from(MANIFEST_HEADER);
    for p in sorted {
        out += p;
        out.push('\n');
    }
    out
}

/// Whether a generated relative path is one rely would write: `/`-separated components of
/// letters, digits, `.`, `_` and `-`, none empty, none starting with a dot.
pub(crate) fn safe_relative(path: &str) -> bool {
    !path.is_empty()
        && path.split('/').all(|c| {
            !c.is_empty() && !c.starts_with('.') && c.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        })
}

/// The absolute path `p` names, with symbolic links resolved as far as it exists and `.`/`..`
/// taken lexically only past that point (where there is no link to follow).
pub(crate) fn resolve(p: &Path) -> Result<PathBuf> {
    let abs = std::path::absolute(p).with_context(|| format!("cannot resolve {}", p.display()))?;
    let mut out = PathBuf::new();
    let mut exists = true;
    for c in abs.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => {
                out.push(n);
                if exists {
                    match std::fs::canonicalize(&out) {
                        Ok(real) => out = real,
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The git repository root at or above `dir` (the directory holding `.git`), if any.
fn repo_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors().find(|a| a.join(".git").exists()).map(Path::to_path_buf)
}

/// Why `out` may not be a build's output directory, checked before anything is built or
/// touched. `input` is the reliability directory; `force` adopts a directory rely did not write
/// (it never overrides the protected places).
pub(crate) fn guard(out: &Path, input: &Path, force: bool) -> Result<()> {
    let shown = out.display();
    match std::fs::symlink_metadata(out) {
        Ok(m) if m.file_type().is_symlink() => bail!(
            "--out {shown} is a symbolic link; rely replaces the directory it names whole and never follows a link to do it (pass the real directory)"
        ),
        Ok(m) if !m.is_dir() => bail!("--out {shown} exists and is not a directory; nothing was written"),
        Ok(m) if m.permissions().readonly() => bail!("--out {shown} is read-only; nothing was written"),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot inspect --out {shown}")),
    }
    let real = resolve(out)?;
    // The temporary directory goes beside --out: its parent must be writable.
    if let Some(parent) = real.ancestors().skip(1).find(|a| a.exists()) {
        match std::fs::metadata(parent) {
            Ok(m) if !m.is_dir() => bail!("--out {shown}: {} is not a directory; nothing was written", parent.display()),
            Ok(m) if m.permissions().readonly() => {
                bail!("--out {shown}: {} is read-only, so rely cannot write beside it; nothing was written", parent.display())
            }
            _ => {}
        }
    }
    if real.components().any(|c| c.as_os_str() == ".git") {
        bail!("--out {shown} is inside a `.git` directory; rely never writes there");
    }
    let input = resolve(input)?;
    let mut protected: Vec<(PathBuf, &str)> = vec![(input.clone(), "the reliability directory")];
    if let Some(root) = repo_root(&input) {
        protected.push((root, "the repository root"));
    }
    if let Some(root) = std::env::current_dir().ok().and_then(|d| repo_root(&d)) {
        protected.push((root, "the repository root"));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()).and_then(|h| resolve(Path::new(&h)).ok()) {
        protected.push((home, "your home directory"));
    }
    if let Some((_, what)) = protected.iter().find(|(p, _)| *p == real) {
        bail!(
            "--out {shown} is {what}; rely replaces its output directory whole, so it must be a directory of its own (e.g. --out generated)"
        );
    }
    for (p, what) in &protected {
        if p.starts_with(&real) {
            bail!(
                "--out {shown} contains {what} ({}); rely replaces its output directory whole, so it must be a directory of its own (e.g. --out generated)",
                p.display()
            );
        }
    }
    if real.starts_with(&input) {
        bail!(
            "--out {shown} is inside the reliability directory, whose files rely reads as sources; write outputs next to it (e.g. --out generated)"
        );
    }
    if force {
        return Ok(());
    }
    let strangers = not_written_by_rely(out)?;
    if !strangers.is_empty() {
        let shown_list: Vec<&str> = strangers.iter().take(5).map(String::as_str).collect();
        let more = if strangers.len() > 5 { format!(" and {} more", strangers.len() - 5) } else { String::new() };
        bail!(
            "--out {shown} holds files rely did not write ({}{more}); rely replaces its output directory whole and deletes nothing it did not write. \
             Use a new or empty directory, or pass --force to adopt {shown} (everything in it will be replaced)",
            shown_list.join(", ")
        );
    }
    Ok(())
}

/// The entries of `dir` that its manifest does not list (everything, when there is none), as
/// relative paths; symbolic links and special files always count.
fn not_written_by_rely(dir: &Path) -> Result<Vec<String>> {
    let listed: Option<HashSet<String>> = match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => Some(text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()).map(str::to_string).collect()),
        Err(_) => None,
    };
    let mut strangers = vec![];
    // The directories the listed files sit in.
    let dirs_listed: HashSet<String> =
        listed.iter().flatten().flat_map(|p| p.match_indices('/').map(|(i, _)| p[..i].to_string()).collect::<Vec<_>>()).collect();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((d, rel)) = stack.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", d.display())),
        };
        for e in entries {
            let e = e.with_context(|| format!("cannot read {}", d.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            let r = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if rel.is_empty() && name == MANIFEST {
                continue;
            }
            let ty = e.file_type()?;
            let ok = match &listed {
                None => false,
                Some(l) if ty.is_file() => l.contains(&r),
                Some(_) if ty.is_dir() => dirs_listed.contains(&r),
                Some(_) => false,
            };
            if ok && ty.is_dir() {
                stack.push((e.path(), r));
            } else if !ok {
                strangers.push(r);
            }
        }
    }
    strangers.sort();
    Ok(strangers)
}

/// Writes files into a fresh directory as they are made, remembering their paths. A file
/// identical to the one in the previous outputs is hard-linked from there instead of written:
/// a rebuild that changes little writes little, and removing the previous outputs then only
/// drops links (at 10,000 SLOs, rewriting and deleting 234 MB was a third of a rebuild).
/// Every path is checked (`safe_relative`) and written at most once.
pub struct DirSink {
    root: PathBuf,
    previous: Option<PathBuf>,
    made: Mutex<HashSet<PathBuf, foldhash::fast::RandomState>>,
    paths: Mutex<Vec<String>>,
    /// Paths identical to the previous outputs (linked, not written).
    unchanged: Mutex<Vec<String>>,
    seen: Mutex<HashSet<String, foldhash::fast::RandomState>>,
}

impl DirSink {
    fn new(root: PathBuf, previous: Option<PathBuf>) -> DirSink {
        DirSink {
            root,
            previous,
            made: Default::default(),
            paths: Default::default(),
            unchanged: Default::default(),
            seen: Default::default(),
        }
    }

    /// The paths written so far, sorted.
    pub fn paths(&self) -> Vec<String> {
        let mut p = self.paths.lock().expect("dir lock").clone();
        p.sort();
        p
    }

    /// The paths whose contents equal the previous outputs', sorted.
    pub fn unchanged(&self) -> Vec<String> {
        let mut p = self.unchanged.lock().expect("dir lock").clone();
        p.sort();
        p
    }
}

impl Sink for DirSink {
    fn put(&self, f: OutputFile) -> Result<()> {
        if !safe_relative(&f.path) {
            bail!("refusing to write output path {:?}: not a plain relative path (a bug in rely; please report it)", f.path);
        }
        if !self.seen.lock().expect("dir lock").insert(f.path.clone()) {
            bail!("two outputs would be written to {} (a bug in rely: `rely check` should have reported it; please report it)", f.path);
        }
        let p = self.root.join(&f.path);
        if let Some(d) = p.parent() {
            // `create_dir_all` is idempotent and safe against concurrent creation; a directory
            // is recorded as made only once it exists, so no thread writes into one too early.
            if !self.made.lock().expect("dir lock").contains(d) {
                std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
                self.made.lock().expect("dir lock").insert(d.to_path_buf());
            }
        }
        let linked = self.previous.as_ref().is_some_and(|prev| {
            let old = prev.join(&f.path);
            std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_file())
                && std::fs::read(&old).is_ok_and(|b| b == f.contents.as_bytes())
                && std::fs::hard_link(&old, &p).is_ok()
        });
        if linked {
            self.unchanged.lock().expect("dir lock").push(f.path.clone());
        } else {
            std::fs::write(&p, &f.contents).with_context(|| format!("cannot write {}", p.display()))?;
        }
        self.paths.lock().expect("dir lock").push(f.path);
        Ok(())
    }
}

/// Replaces `dir` with exactly `files`, atomically (see `replace_dir`). For tests and tools
/// writing to a directory of their own; `rely build` guards `--out` first.
pub fn write(dir: &Path, files: &[OutputFile]) -> Result<()> {
    replace_dir(dir, |sink| {
        for f in files {
            sink.put(f.clone())?;
        }
        Ok(Some(()))
    })
    .map(|_| ())
}

/// Whether the process that made a temporary directory named with its pid is gone (only known
/// on Linux; elsewhere other builds' directories are left alone).
fn pid_gone(pid: &str) -> bool {
    cfg!(target_os = "linux") && pid.chars().all(|c| c.is_ascii_digit()) && !Path::new("/proc").join(pid).exists()
}

/// Replaces `dir` with what `fill` puts into a sink, atomically: files go to a sibling temporary
/// directory, which is then swapped in. When `fill` fails or returns `None`, the temporary
/// directory is removed and the previous outputs are left as they were. The caller has checked
/// `dir` with `guard`.
pub fn replace_dir<T>(dir: &Path, fill: impl FnOnce(&DirSink) -> Result<Option<T>>) -> Result<Option<T>> {
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "generated".into());
    let (tmp_prefix, old_prefix) = (format!(".{name}.rely-tmp-"), format!(".{name}.rely-old-"));
    // Directories left by builds that were killed: a previous output moved aside (only where
    // the atomic exchange is not available) goes back; temporary trees are removed.
    if let Ok(entries) = std::fs::read_dir(&parent) {
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let n = e.file_name().to_string_lossy().into_owned();
            let Some(rest) = n.strip_prefix(&tmp_prefix).or_else(|| n.strip_prefix(&old_prefix)) else { continue };
            let pid = rest.split('-').next().unwrap_or("");
            if !pid_gone(pid) || !e.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            if n.starts_with(&old_prefix) && std::fs::symlink_metadata(dir).is_err() {
                let _ = std::fs::rename(e.path(), dir);
            } else {
                let _ = remove_tree(&e.path());
            }
        }
    }
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = format!("{}-{}", std::process::id(), SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let tmp = parent.join(format!("{tmp_prefix}{unique}"));
    let result = (|| -> Result<Option<T>> {
        std::fs::create_dir(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
        let previous = std::fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir()).then(|| dir.to_path_buf());
        let sink = DirSink::new(tmp.clone(), previous);
        let Some(value) = fill(&sink)? else {
            return Ok(None);
        };
        let m = tmp.join(MANIFEST);
        std::fs::write(&m, manifest(&sink.paths())).with_context(|| format!("cannot write {}", m.display()))?;
        swap_in(&tmp, dir, &parent.join(format!("{old_prefix}{unique}")))?;
        Ok(Some(value))
    })();
    if std::fs::symlink_metadata(&tmp).is_ok() {
        let _ = remove_tree(&tmp);
    }
    result
}

/// Puts the finished tree `tmp` at `dir`. With an existing `dir`, the two are exchanged
/// atomically where the system can (the previous tree then sits at `tmp` and is removed by the
/// caller); elsewhere `dir` is renamed to `old` first and put back if the second rename fails.
fn swap_in(tmp: &Path, dir: &Path, old: &Path) -> Result<()> {
    let exists = std::fs::symlink_metadata(dir).is_ok();
    if !exists {
        return std::fs::rename(tmp, dir).with_context(|| format!("cannot move the new outputs into {}", dir.display()));
    }
    if exchange(tmp, dir)? {
        return Ok(());
    }
    std::fs::rename(dir, old).with_context(|| format!("cannot move {} aside", dir.display()))?;
    if let Err(e) = std::fs::rename(tmp, dir) {
        let _ = std::fs::rename(old, dir);
        return Err(e).with_context(|| format!("cannot move the new outputs into {}", dir.display()));
    }
    remove_tree(old).with_context(|| format!("cannot remove {}", old.display()))
}

/// Exchanges two directories atomically; `false` when the system or file system cannot.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn exchange(a: &Path, b: &Path) -> Result<bool> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes()).context("path with a NUL byte")?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes()).context("path with a NUL byte")?;
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let r = unsafe { libc::renameat2(libc::AT_FDCWD, ca.as_ptr(), libc::AT_FDCWD, cb.as_ptr(), libc::RENAME_EXCHANGE) };
    if r == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    match e.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP) => Ok(false),
        _ => Err(e).with_context(|| format!("cannot swap the new outputs into {}", b.display())),
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> Result<bool> {
    Ok(false)
}

/// Removes a directory tree, its subdirectories in parallel (unlinking thousands of files is
/// a noticeable part of a large build). Symbolic links are removed, never followed.
fn remove_tree(dir: &Path) -> std::io::Result<()> {
    use rayon::prelude::*;
    let mut subdirs = vec![];
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if e.file_type()?.is_dir() {
            subdirs.push(e.path());
        } else {
            std::fs::remove_file(e.path())?;
        }
    }
    subdirs.par_iter().try_for_each(|d| remove_tree(d))?;
    std::fs::remove_dir(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_relative_paths() {
        for ok in ["a.yml", "prometheus/tests/x.test.yml", "alertmanager/prod/alertmanager.yml"] {
            assert!(safe_relative(ok), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "a/./b", ".hidden", "a/b\n", "a b", "a\\b", "production/."] {
            assert!(!safe_relative(bad), "{bad:?}");
        }
    }

    #[test]
    fn resolve_is_lexical_past_what_exists() {
        let tmp = tempfile::tempdir().unwrap();
        let real = std::fs::canonicalize(tmp.path()).unwrap();
        assert_eq!(resolve(&tmp.path().join("a/b/../c/./d")).unwrap(), real.join("a/c/d"));
        assert_eq!(resolve(&tmp.path().join("x/..")).unwrap(), real);
    }
}
