//! Hostile input: rely must answer with findings, in bounded time and memory, never panic, and
//! never write outside `--out`. Includes a deterministic mutation fuzzer over the fixtures (a
//! stand-in for cargo-fuzz, which needs a nightly toolchain this machine does not have).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::{rely, root};

fn check_text(bytes: &[u8]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("x.yaml"), bytes).unwrap();
    let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
    checked.findings.iter().map(|f| f.rule.code.to_string()).collect()
}

#[test]
fn symlinks_are_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    let outside = tmp.path().join("secret.yaml");
    std::fs::write(&outside, "apiVersion: rely/v1\nkind: Team\nmetadata: {name: leaked}\nspec: {}\n").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("team.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc", dir.join("etc")).unwrap();
    let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
    let codes: Vec<&str> = checked.findings.iter().map(|f| f.rule.code).collect();
    assert_eq!(codes, ["YML009", "YML009"]);
    assert!(checked.repo.teams.is_empty(), "the linked file was read");
}

#[test]
fn a_huge_scalar_and_deep_structures_are_bounded() {
    let started = Instant::now();
    let mut big = b"apiVersion: rely/v1\nkind: Team\nmetadata: {name: t}\nspec:\n  description: ".to_vec();
    big.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
    big.push(b'\n');
    assert_eq!(check_text(&big), Vec::<String>::new(), "3 MB is under the limit and fine");
    let wide = format!("a: [{}]\n", vec!["x"; 300_000].join(","));
    assert_eq!(check_text(wide.as_bytes()), ["YML004"]);
    let deep = format!("a: {}1{}\n", "{b: ".repeat(200), "}".repeat(200));
    assert_eq!(check_text(deep.as_bytes()), ["YML008"]);
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}

#[test]
fn label_values_with_quotes_and_newlines_are_escaped_in_rules() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    let mut y = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    y += "---\napiVersion: rely/v1\nkind: Alert\nmetadata: {name: odd}\nspec:\n  service: checkout\n  owner: payments\n  runbook: https://runbooks.example.com/odd\n  severity: ticket\n  expr: 'up{job=\"a\\\"b\"} == 0'\n  summary: \"quotes \\\" and backslash \\\\ and\\nnewline\"\n  labels: {note: \"it's \\\"quoted\\\"\\nand: multi-line # not a comment\"}\n";
    std::fs::write(dir.join("repo.yaml"), y).unwrap();
    let files = crate::build::build(&dir);
    let rules = files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&rules.contents).unwrap();
    let alert =
        v["groups"].as_sequence().unwrap().iter().flat_map(|g| g["rules"].as_sequence().unwrap()).find(|r| r["alert"] == "Odd").unwrap();
    assert_eq!(alert["labels"]["note"], "it's \"quoted\"\nand: multi-line # not a comment");
    assert_eq!(alert["annotations"]["summary"], "quotes \" and backslash \\ and\nnewline");
    if crate::require_tool("promtool") {
        let gen_dir = crate::promtool::write_all(&files);
        let (ok, out) = crate::promtool::promtool(&["check", "rules", "prometheus/checkout.rules.yml"], &gen_dir.path().join("gen"));
        assert!(ok, "{out}");
    }
}

#[test]
fn a_killed_build_never_leaves_a_half_written_output() {
    // Build once, then kill builds at different moments: the output directory is always either
    // the complete previous build or the complete new one, never a mix or a truncated file.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    crate::chaos::copy_dir(&root().join("reliability"), &dir);
    let out = tmp.path().join("gen");
    let (code, _, _) = rely(&["build", "reliability", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0);
    let snapshot = |d: &Path| crate::tree(d);
    let expected = snapshot(&out);
    assert!(expected.len() > 30);
    for delay_ms in [0u64, 2, 5, 8, 10, 12, 15, 20, 30, 40] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
            .args(["build", "reliability", "--out", out.to_str().unwrap()])
            .current_dir(tmp.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // `--out` is never missing (the swap is one atomic exchange) and always complete.
        assert!(out.is_dir(), "after a kill at {delay_ms}ms --out is missing");
        assert!(snapshot(&out) == expected, "after a kill at {delay_ms}ms the outputs are not the complete previous build");
        let (code, _, err) = rely(&["build", "reliability", "--out", out.to_str().unwrap()], tmp.path());
        assert_eq!(code, 0, "{err}");
        assert!(snapshot(&out) == expected);
    }
    let leftovers = crate::rely_leftovers(tmp.path());
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_build_that_cannot_write_fails_with_exit_2_and_keeps_nothing_half_done() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("not-a-dir");
    std::fs::write(&blocker, "a file where the output's parent should be").unwrap();
    let out = blocker.join("gen");
    let (code, _, err) = rely(&["build", "reliability", "--out", out.to_str().unwrap()], &root());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("rely: error:"), "{err}");
    assert_eq!(std::fs::read_to_string(&blocker).unwrap(), "a file where the output's parent should be");
}

/// xorshift: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn mutated_fixtures_never_panic() {
    let mut seeds: Vec<Vec<u8>> = vec![];
    for sub in ["valid", "invalid", "multi"] {
        for e in std::fs::read_dir(root().join("tests/fixtures").join(sub)).unwrap().flatten() {
            seeds.push(std::fs::read(e.path()).unwrap());
        }
    }
    let tokens: [&[u8]; 16] = [
        b": ",
        b"- ",
        b"\t",
        b"&a ",
        b"*a",
        b"{",
        b"}",
        b"[",
        b"]",
        b"\n---\n",
        b"'",
        b"\"",
        b"{{window}}",
        b"\xff",
        b"<<: *a\n",
        b"!!str ",
    ];
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let started = Instant::now();
    let mut runs = 0;
    let dir = tempfile::tempdir().unwrap();
    let rel = dir.path().join("reliability");
    std::fs::create_dir(&rel).unwrap();
    while runs < 5000 && started.elapsed() < Duration::from_secs(60) {
        let mut b = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(b.len() + 1);
            match rng.below(4) {
                0 if !b.is_empty() => {
                    let i = at.min(b.len() - 1);
                    b[i] = (rng.next() & 0xff) as u8;
                }
                1 => {
                    let t = tokens[rng.below(tokens.len())];
                    b.splice(at..at, t.iter().copied());
                }
                2 => b.truncate(at),
                _ => {
                    let end = (at + rng.below(40)).min(b.len());
                    b.drain(at..end);
                }
            }
        }
        std::fs::write(rel.join("x.yaml"), &b).unwrap();
        let result = std::panic::catch_unwind(|| {
            let (_, files) = rely::build_outputs(&rel, &Default::default()).map(|(_, _, f)| ((), f)).unwrap();
            files.map(|f| f.len())
        });
        assert!(result.is_ok(), "panic on input:\n{}", String::from_utf8_lossy(&b));
        runs += 1;
    }
    eprintln!("mutation fuzzing: {runs} inputs in {:?}, no panic", started.elapsed());
    assert!(runs >= 200, "only {runs} inputs in the time allowed");
}
