//! `rely build` never destroys what it did not write: `--out` is refused (exit 2, nothing
//! touched) when it is the input, the repository, `.git`, the home directory, an ancestor of
//! any of them, a symbolic link, a file, read-only, or a directory holding files rely did not
//! write; and builds never flake, even many at once.

use std::path::{Path, PathBuf};

use crate::{root, tree};

/// A scratch repository: `.git/` with a file in it, `reliability/` (the example), a `deploy/`
/// with the user's own file, a home directory with `.ssh/`.
struct Scratch {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::create_dir(dir.join("reliability")).unwrap();
        crate::chaos::copy_dir(&root().join("reliability"), &dir.join("reliability"));
        std::fs::create_dir(dir.join("deploy")).unwrap();
        std::fs::write(dir.join("deploy/kustomization.yaml"), "resources: [app.yaml]\n").unwrap();
        std::fs::create_dir_all(tmp.path().join("home/.ssh")).unwrap();
        std::fs::write(tmp.path().join("home/.ssh/id_ed25519"), "secret\n").unwrap();
        Scratch { _tmp: tmp, dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.parent().unwrap().join("home")
    }

    /// Runs `rely build reliability --out OUT [extra]` in the repository with HOME set.
    fn build(&self, out: &str, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec!["build", "reliability", "--out", out];
        args.extend_from_slice(extra);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
            .args(&args)
            .current_dir(&self.dir)
            .env("HOME", self.home())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    }

    /// Everything under the scratch root, for before/after comparison.
    fn snapshot(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        tree(self.dir.parent().unwrap())
    }
}

#[test]
fn out_that_would_destroy_user_data_is_refused_and_nothing_is_touched() {
    let s = Scratch::new();
    let home = s.home();
    let root_dir = s.dir.to_str().unwrap().to_string();
    let cases: Vec<(String, &str)> = vec![
        ("reliability".into(), "reliability directory"),
        ("./reliability/".into(), "reliability directory"),
        ("reliability/generated".into(), "inside the reliability directory"),
        (".".into(), "repository root"),
        (root_dir.clone(), "repository root"),
        ("..".into(), "contains"),
        ("/".into(), "contains"),
        (".git".into(), ".git"),
        (".git/hooks".into(), ".git"),
        (home.to_str().unwrap().into(), "home directory"),
        ("deploy".into(), "did not write"),
        ("deploy/../reliability".into(), "reliability directory"),
    ];
    let before = s.snapshot();
    for (out, why) in &cases {
        let (code, stdout, err) = s.build(out, &[]);
        assert_eq!(code, 2, "--out {out}: {stdout}{err}");
        assert!(err.contains(why), "--out {out}: expected `{why}` in: {err}");
        assert!(s.snapshot() == before, "--out {out} changed files");
    }
    // --force adopts a directory rely did not write, but never a protected one.
    for (out, _) in cases.iter().filter(|(o, _)| o != "deploy") {
        let (code, _, err) = s.build(out, &["--force"]);
        assert_eq!(code, 2, "--out {out} --force: {err}");
        assert!(s.snapshot() == before, "--out {out} --force changed files");
    }
    let (code, _, err) = s.build("deploy", &["--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(!s.dir.join("deploy/kustomization.yaml").exists(), "--force replaces the adopted directory");
    assert!(s.dir.join("deploy/.rely-manifest").is_file());
    // Now rely's: a plain rebuild is fine.
    assert_eq!(s.build("deploy", &[]).0, 0);
}

#[cfg(unix)]
#[test]
fn links_files_and_read_only_directories_are_refused_before_anything_is_built() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    // A symbolic link to a directory of the user's: the target is never emptied.
    std::os::unix::fs::symlink(s.dir.join("deploy"), s.dir.join("link")).unwrap();
    std::fs::write(s.dir.join("notes.txt"), "mine\n").unwrap();
    std::fs::create_dir(s.dir.join("locked")).unwrap();
    std::fs::set_permissions(s.dir.join("locked"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = s.snapshot();
    for (out, why) in [("link", "symbolic link"), ("notes.txt", "not a directory"), ("locked", "read-only")] {
        let (code, _, err) = s.build(out, &["--force"]);
        assert_eq!(code, 2, "--out {out}: {err}");
        assert!(err.contains(why), "--out {out}: {err}");
        assert!(s.snapshot() == before, "--out {out} changed files");
        let hidden: Vec<_> = std::fs::read_dir(&s.dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("rely-"))
            .collect();
        assert!(hidden.is_empty(), "--out {out} left {hidden:?}");
    }
    std::fs::set_permissions(s.dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_file_rely_did_not_write_inside_its_outputs_stops_the_build() {
    let s = Scratch::new();
    assert_eq!(s.build("generated", &[]).0, 0);
    std::fs::write(s.dir.join("generated/prometheus/mine.rules.yml"), "groups: []\n").unwrap();
    let before = s.snapshot();
    let (code, _, err) = s.build("generated", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("prometheus/mine.rules.yml"), "{err}");
    assert!(s.snapshot() == before);
}

/// Builds in parallel loops, into one shared output directory and into directories of their
/// own: every one succeeds and the outputs are complete. (The race this guards against made
/// 1–4% of builds fail on an idle machine.)
#[test]
fn parallel_builds_never_fail() {
    let s = Scratch::new();
    assert_eq!(s.build("shared", &[]).0, 0);
    let expected = tree(&s.dir.join("shared"));
    let loops = 4;
    let per_loop = 25;
    let failures = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for l in 0..loops {
            let s = &s;
            let failures = &failures;
            scope.spawn(move || {
                for i in 0..per_loop {
                    let out = if l % 2 == 0 { "shared".to_string() } else { format!("own-{l}") };
                    let (code, _, err) = s.build(&out, &[]);
                    if code != 0 {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        eprintln!("build {l}/{i} into {out} failed: {err}");
                    }
                }
            });
        }
    });
    assert_eq!(failures.into_inner(), 0, "of {} parallel builds", loops * per_loop);
    for out in ["shared", "own-1", "own-3"] {
        assert!(tree(&s.dir.join(out)) == expected, "{out} is not the complete build");
    }
    let leftovers: Vec<_> = std::fs::read_dir(&s.dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".rely-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The guard's message names the problem for an `--out` given as a path through a link to the
/// repository (resolved, not compared as text).
#[cfg(unix)]
#[test]
fn a_path_through_a_link_is_resolved_before_it_is_compared() {
    let s = Scratch::new();
    let alias = s.dir.parent().unwrap().join("alias");
    std::os::unix::fs::symlink(&s.dir, &alias).unwrap();
    let out: &Path = &alias.join("reliability");
    let (code, _, err) = s.build(out.to_str().unwrap(), &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("reliability directory"), "{err}");
}

/// A line break in a file name once rewrote the whole Alertmanager configuration through the
/// generated header: now the name is a finding (YML010), shown escaped, and nothing is built.
#[cfg(unix)]
#[test]
fn a_file_name_with_a_line_break_is_refused() {
    let s = Scratch::new();
    let evil = "teams/x\nroute: {receiver: x}\n#.yaml";
    std::fs::rename(s.dir.join("reliability/teams/platform.yaml"), s.dir.join("reliability").join(evil)).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
        .args(["check", "reliability", "--format", "json"])
        .current_dir(&s.dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["code"] == "YML010").expect("YML010");
    assert!(f["file"].as_str().unwrap().contains("x\\u000Aroute"), "{f}");
    let (code, _, _) = s.build("generated", &[]);
    assert_eq!(code, 1);
    assert!(!s.dir.join("generated").exists());
}
