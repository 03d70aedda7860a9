//! Integration tests: one binary, one module per concern.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod adopt;
mod build;
mod chaos;
mod cli;
mod conformance;
mod diagnostics;
mod diff;
mod e2e;
mod fixtures;
mod generated_docs;
mod gitops;
mod hostile;
mod import;
mod live;
mod ops;
mod promtool;
mod stack;
mod trust;
mod writers;

use std::path::{Path, PathBuf};

/// The crate root (tests run with it as the working directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the `rely` binary; returns (exit code, stdout, stderr).
/// Every file under `d`: relative path → contents.
pub fn tree(d: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut m = std::collections::BTreeMap::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(p) = stack.pop() {
        for e in std::fs::read_dir(&p).unwrap().flatten() {
            let ty = e.file_type().unwrap();
            if ty.is_dir() {
                stack.push(e.path());
            } else if ty.is_symlink() {
                let target = std::fs::read_link(e.path()).unwrap();
                m.insert(e.path().strip_prefix(d).unwrap().display().to_string(), format!("-> {}", target.display()).into_bytes());
            } else {
                m.insert(e.path().strip_prefix(d).unwrap().display().to_string(), std::fs::read(e.path()).unwrap());
            }
        }
    }
    m
}

/// Temporary or set-aside directories a build left in `dir` (there must be none).
pub fn rely_leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".rely-tmp-") || n.contains(".rely-old-"))
        .collect()
}

pub fn rely(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_rely")).args(args).current_dir(cwd).env("NO_COLOR", "1").output().expect("run rely");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Whether a required external tool is on PATH. A missing tool fails the test, everywhere
/// (`scripts/install-validators` installs them all); only an explicit `RELY_SKIP_VALIDATORS=1`
/// lets the test pass without it, saying so (and `scripts/test` reports it in its summary).
pub fn require_tool(name: &str) -> bool {
    let found = std::process::Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        if std::env::var("RELY_SKIP_VALIDATORS").is_ok_and(|v| v == "1") {
            eprintln!("SKIPPED: {name} not found and RELY_SKIP_VALIDATORS=1: this test checked nothing");
            return false;
        }
        panic!("{name} is required but was not found: run scripts/install-validators (or set RELY_SKIP_VALIDATORS=1 to skip, knowingly)");
    }
    found
}

/// Makes `root` a git repository whose commit on branch `base` holds `files` (path, text), also
/// left in the working tree for the test to change.
pub(crate) fn commit_base(root: &Path, files: &[(&str, &str)]) {
    let repo = git2::Repository::init(root).unwrap();
    let mut index = repo.index().unwrap();
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        index.add_path(Path::new(path)).unwrap();
    }
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new("rely tests", "tests@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
    let c = repo.commit(Some("HEAD"), &sig, &sig, "base", &tree, &[]).unwrap();
    repo.branch("base", &repo.find_commit(c).unwrap(), true).unwrap();
}
