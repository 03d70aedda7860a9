//! Exit codes and formats of the binary, as SPEC.md section 3 fixes them.

use crate::{rely, root};

#[test]
fn example_repository_is_clean() {
    let (code, out, err) = rely(&["check", "reliability"], &root());
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no findings"), "{out}");
    let (code, out, _) = rely(&["check", "reliability", "--format", "json"], &root());
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["summary"]["errors"], 0);
    assert!(v["summary"]["files"].as_u64().unwrap() >= 15);
}

#[test]
fn exit_codes() {
    let (code, _, _) = rely(&["check", "tests/fixtures/multi"], &root());
    assert_eq!(code, 1, "findings exit 1");
    let (code, _, err) = rely(&["check", "no/such/dir"], &root());
    assert_eq!(code, 2, "a missing directory is a tool failure");
    assert!(err.contains("not a directory"), "{err}");
    let (code, _, _) = rely(&["check", "--no-such-flag"], &root());
    assert_eq!(code, 2, "bad flags exit 2");
    let (code, _, err) = rely(&["check", "reliability", "-A", "XYZ999"], &root());
    assert_eq!(code, 2, "an unknown code on the command line exits 2: {err}");
    let (code, out, _) = rely(&["explain", "SCH001"], &root());
    assert_eq!(code, 0);
    assert!(out.contains("## What it does") && out.contains("## Why is this bad?") && out.contains("## Example"), "{out}");
    let (code, _, _) = rely(&["explain", "NOPE01"], &root());
    assert_eq!(code, 2);
}

#[test]
fn severity_overrides() {
    // The multi-error fixture has errors; allowing every code it reports makes it pass.
    let (_, out, _) = rely(&["check", "tests/fixtures/multi", "--format", "json"], &root());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let codes: std::collections::BTreeSet<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_string()).collect();
    assert!(codes.len() >= 3, "{codes:?}");
    let mut args = vec!["check", "tests/fixtures/multi"];
    for c in &codes {
        args.push("-A");
        args.push(c);
    }
    let (code, out, _) = rely(&args, &root());
    assert_eq!(code, 0, "{out}");
    // -W demotes to a warning (exit 0), -D warnings promotes it back (exit 1).
    let mut warn = vec!["check", "tests/fixtures/multi"];
    for c in &codes {
        warn.push("-W");
        warn.push(c);
    }
    let (code, out, _) = rely(&warn, &root());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning["), "{out}");
    warn.extend(["-D", "warnings"]);
    let (code, _, _) = rely(&warn, &root());
    assert_eq!(code, 1);
}

#[test]
fn github_format_escapes_workflow_commands() {
    let (code, out, _) = rely(&["check", "tests/fixtures/multi", "--format", "github"], &root());
    assert_eq!(code, 1);
    let first = out.lines().next().unwrap();
    assert!(first.starts_with("::error file=tests/fixtures/multi/multi-error.yaml,line="), "{first}");
    assert!(first.contains(",title=rely "), "{first}");
    // Messages never contain a raw newline: help lines are escaped as %0A.
    assert!(out.lines().filter(|l| l.starts_with("::")).all(|l| l.contains("::")));
    assert!(out.contains("%0Ahelp: "), "{out}");
}

#[test]
fn sarif_is_well_formed() {
    let (_, out, _) = rely(&["check", "tests/fixtures/multi", "--format", "sarif"], &root());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "rely");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in run["results"].as_array().unwrap() {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert!(r["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(!r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().starts_with('/'));
    }
}

#[test]
fn output_is_deterministic() {
    let a = rely(&["check", "tests/fixtures/multi", "--format", "json"], &root());
    let b = rely(&["check", "tests/fixtures/multi", "--format", "json"], &root());
    assert_eq!(a, b);
}

/// `-v` logs phase timings to stderr and changes nothing on stdout; `RELY_LOG=off` silences it.
#[test]
fn verbose_logs_phases_to_stderr_only() {
    let (code, quiet, err) = rely(&["check", "reliability"], &root());
    assert_eq!((code, err.as_str()), (0, ""));
    let (code, out, err) = rely(&["-v", "check", "reliability"], &root());
    assert_eq!(code, 0);
    assert_eq!(out, quiet);
    for phase in ["load", "check: references", "check"] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("rely: timing: {phase}: ")) && l.contains(" MB resident, peak ") && l.ends_with(" MB")),
            "{phase}: {err}"
        );
    }
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
        .args(["-v", "check", "reliability"])
        .current_dir(root())
        .env("RELY_LOG", "off")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
