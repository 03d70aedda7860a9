//! Chaos plans compiled: Chaos Toolkit experiments that `chaos validate` accepts, the day's plan
//! as Markdown, and promtool detection tests that fail when an expectation is wrong.

use std::path::Path;

use crate::build::build;
use crate::{require_tool, root};

#[test]
fn experiments_pass_chaos_validate() {
    if !require_tool("chaos") {
        return;
    }
    let files = build(Path::new("reliability"));
    let tmp = tempfile::tempdir().unwrap();
    rely::emit::write(&tmp.path().join("gen"), &files).unwrap();
    let experiments: Vec<_> = files.iter().filter(|f| f.path.starts_with("chaos/") && f.path.ends_with(".json")).collect();
    assert_eq!(experiments.len(), 3);
    for f in experiments {
        let out = std::process::Command::new("chaos")
            .args(["--no-log-file", "validate"])
            .arg(tmp.path().join("gen").join(&f.path))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}{}", f.path, String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let v: serde_json::Value = serde_json::from_str(&f.contents).unwrap();
        assert!(!v["steady-state-hypothesis"]["probes"].as_array().unwrap().is_empty());
        assert_eq!(v["rollbacks"].as_array().unwrap().len(), 1);
        let probe = &v["steady-state-hypothesis"]["probes"][0];
        assert_eq!(probe["provider"]["module"], "chaosprometheus.probes");
        assert!(probe["provider"]["arguments"]["query"].as_str().unwrap().contains("< bool 0."), "{probe}");
    }
}

#[test]
fn the_plan_reads_as_a_plan() {
    let files = build(Path::new("reliability"));
    let md = &files.iter().find(|f| f.path == "chaos/staging-chaos-day/README.md").unwrap().contents;
    for needle in [
        "# Chaos day: staging-chaos-day",
        "Kick-off and training | 09:00",
        "**by email only**",
        "- **platform**: victorops",
        "| Recorder | Priya Raman |",
        "**Hypothesis.**",
        "3. **Poll the risk**",
        "5. **Mini-retro**",
        "**Back-out**",
        "| websocket-availability | `WebsocketAvailabilityBudgetBurn` | platform | 10m |",
        "| Time to know (trigger → monitoring saw it) |",
        "| Time to detection (trigger → a person was notified) |",
        "## Retrospective",
    ] {
        assert!(md.contains(needle), "missing {needle:?}");
    }
    assert!(!md.contains("{{") && !md.contains("{%"), "unrendered template text");
}

#[test]
fn detection_tests_pass_and_catch_a_wrong_expectation() {
    if !require_tool("promtool") {
        return;
    }
    let mut files = build(Path::new("reliability"));
    let path = "prometheus/tests/chaos-staging-chaos-day.test.yml";
    let f = files.iter_mut().find(|f| f.path == path).unwrap();
    assert!(f.contents.contains("not tested: experiment crash-loop-websocket-gateway-node: alert websocket-disconnects-high"));
    // Keep only the first experiment's group to keep this quick, then check it and a broken copy.
    let mut v: serde_yaml::Value = serde_yaml::from_str(&f.contents).unwrap();
    let first = v["tests"][0].clone();
    v["tests"] = serde_yaml::Value::Sequence(vec![first]);
    let good = serde_yaml::to_string(&v).unwrap();
    let bad = good.replacen("severity: page", "severity: info", 1);
    assert_ne!(good, bad);
    f.contents = good;
    let tmp = crate::promtool::write_all(&files);
    let gen_dir = tmp.path().join("gen");
    let (ok, out) = crate::promtool::promtool(&["test", "rules", path], &gen_dir);
    assert!(ok, "{out}");
    std::fs::write(gen_dir.join(path), bad).unwrap();
    assert!(!crate::promtool::promtool(&["test", "rules", path], &gen_dir).0, "a wrong expectation must fail");
}

#[test]
fn results_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    // The example, with results recorded for one experiment; one follow-up does not exist.
    copy_dir(&root().join("reliability"), &dir);
    let plan = dir.join("chaos/staging-chaos-day.yaml");
    let text = std::fs::read_to_string(&plan).unwrap().replacen(
        "      fault:\n        slo: websocket-availability",
        "      results:\n        time_to_know: 2m\n        time_to_detection: 4m\n        fired: [websocket-availability]\n        followups: [websocket-reconnect-storm-after-deploy, no-such-concern]\n      fault:\n        slo: websocket-availability",
        1,
    );
    std::fs::write(&plan, text).unwrap();
    let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
    let got: Vec<(&str, &str)> = checked.findings.iter().map(|f| (f.rule.code, f.message.as_str())).collect();
    assert_eq!(got, [("REF001", "unknown concern `no-such-concern`")]);
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

/// The fault is held for `fault.for` before the rollback: `chaos run --dry=activities` (which
/// runs nothing and waits for nothing) shows the pause between the injection and the back-out.
#[test]
fn the_fault_is_held_before_the_rollback() {
    if !require_tool("chaos") {
        return;
    }
    let files = build(Path::new("reliability"));
    let tmp = tempfile::tempdir().unwrap();
    rely::emit::write(&tmp.path().join("gen"), &files).unwrap();
    for f in files.iter().filter(|f| f.path.starts_with("chaos/") && f.path.ends_with(".json")) {
        let v: serde_json::Value = serde_json::from_str(&f.contents).unwrap();
        let method = v["method"].as_array().unwrap();
        assert_eq!(method.last().unwrap()["pauses"]["after"], 900, "{}: fault.for is 15m", f.path);
        for a in method {
            let name = a["name"].as_str().unwrap();
            assert!(name.chars().count() <= 63 && !name.ends_with(' '), "{name}");
        }
        let out = std::process::Command::new("chaos")
            .args(["--no-log-file", "run", "--dry=activities"])
            .arg(tmp.path().join("gen").join(&f.path))
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        let (pause, rollback) = (log.find("Pausing after activity for 900s"), log.find("Rollback: backout"));
        assert!(pause.is_some() && rollback.is_some() && pause < rollback, "{}:\n{log}", f.path);
    }
}
