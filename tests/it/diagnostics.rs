//! The diagnostics a newcomer meets first, as they read (human format, snapshotted): the root
//! cause before its consequences, tabs where they are, help on every schema error, thresholds in
//! milliseconds, an empty directory, and what a rebuild changed.

use std::path::Path;

use crate::rely;

fn human(files: &[(&str, &str)]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (_, out, _) = rely(&["check", "reliability"], tmp.path());
    out
}

const TEAM: &str = "apiVersion: rely/v1\nkind: Team\nmetadata:\n  name: payments\nspec:\n  codeowners: \"@shop/payments\"\n  members:\n    - {name: Ada Example, email: ada@example.com}\n";
const SERVICE: &str = "apiVersion: rely/v1\nkind: Service\nmetadata:\n  name: checkout\nspec:\n  owner: payments\n  tier: 1\n  runbook: https://runbooks.example.com/checkout\n";

#[test]
fn a_file_that_cannot_be_read_comes_before_what_it_causes() {
    let broken = TEAM.replace("  members:\n", "  members: [\n");
    let out = human(&[("teams/payments.yaml", &broken), ("services/checkout.yaml", SERVICE)]);
    let (yml, reference) = (out.find("error[YML001]").unwrap(), out.find("error[REF001]").unwrap());
    assert!(yml < reference, "{out}");
    assert!(out.contains("it may be defined in reliability/teams/payments.yaml, which could not be read"), "{out}");
    insta::assert_snapshot!("diag_root_cause_first", out);
}

#[test]
fn a_tab_is_reported_on_its_own_line() {
    let out = human(&[("teams/payments.yaml", &TEAM.replace("  members:\n", "\tmembers:\n"))]);
    assert!(out.contains("teams/payments.yaml:7:1"), "{out}");
    insta::assert_snapshot!("diag_tab", out);
}

#[test]
fn schema_errors_say_what_the_field_takes() {
    let slo = "apiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: checkout-availability\nspec:\n  service: checkout\n  objective: high\n  indicator:\n    latency: {histogram: http_request_duration_seconds, threshold: 300}\n---\napiVersion: rely/v1\nkind: Alert\nmetadata:\n  name: checkout-errors\nspec:\n  service: checkout\n  owner: payments\n  runbook: https://runbooks.example.com/checkout\n  severity: pager\n  expr: up == 0\n  for: 10 minutes\n  summary: down\n";
    let out = human(&[("teams/payments.yaml", TEAM), ("services/checkout.yaml", &format!("{SERVICE}---\n{slo}"))]);
    assert!(out.contains("write a plain number"), "{out}");
    assert!(out.contains("did you mean `page`?"), "{out}");
    assert!(out.contains("write a duration such as 30s"), "{out}");
    insta::assert_snapshot!("diag_schema_help", out);
}

#[test]
fn a_threshold_in_milliseconds_is_a_warning() {
    let slo = "apiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: checkout-latency\nspec:\n  service: checkout\n  objective: 99\n  indicator:\n    latency: {histogram: http_request_duration_seconds, selector: '{job=\"checkout\"}', threshold: 300}\n";
    let out = human(&[("teams/payments.yaml", TEAM), ("services/checkout.yaml", &format!("{SERVICE}---\n{slo}"))]);
    assert!(out.contains("warning[SLO009]") && out.contains("did you mean 0.3?"), "{out}");
    insta::assert_snapshot!("diag_threshold_ms", out);
}

/// Every SCH003 and SCH004 any fixture produces carries a help line.
#[test]
fn every_schema_error_has_help() {
    let mut seen = 0;
    for dir in ["tests/fixtures/invalid", "tests/fixtures/multi"] {
        for e in std::fs::read_dir(crate::root().join(dir)).unwrap() {
            let path = e.unwrap().path();
            let tmp = tempfile::tempdir().unwrap();
            let d = tmp.path().join("reliability");
            std::fs::create_dir(&d).unwrap();
            std::fs::copy(&path, d.join(path.file_name().unwrap())).unwrap();
            let (_, checked) = rely::load_and_check(&d, &Default::default()).unwrap();
            for f in checked.findings.iter().filter(|f| f.rule.code == "SCH003" || f.rule.code == "SCH004") {
                assert!(f.help.is_some(), "{}: {} {} has no help", path.display(), f.rule.code, f.message);
                seen += 1;
            }
        }
    }
    assert!(seen >= 5, "{seen}");
}

#[test]
fn an_empty_directory_says_how_to_start() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("reliability")).unwrap();
    let (code, _, err) = rely(&["check", "reliability"], tmp.path());
    assert_eq!(code, 0);
    assert!(err.contains("no reliability files") && err.contains("rely init"), "{err}");
}

#[test]
fn a_rebuild_says_what_changed_and_quiet_says_only_that() {
    let tmp = tempfile::tempdir().unwrap();
    crate::chaos::copy_dir(&crate::root().join("reliability"), &tmp.path().join("reliability"));
    let (code, out, _) = rely(&["build", "reliability", "--out", "gen"], tmp.path());
    assert_eq!(code, 0, "{out}");
    let n = out.lines().filter(|l| l.starts_with("wrote ")).count();
    assert!(out.ends_with(&format!("{n} files in gen: {n} written, 0 unchanged\n")), "{out}");
    let (code, out, _) = rely(&["build", "reliability", "--out", "gen"], tmp.path());
    assert_eq!(code, 0);
    assert_eq!(out, format!("{n} files in gen: 0 written, {n} unchanged\n"));
    let svc = tmp.path().join("reliability/services/public-api.yaml");
    let text = std::fs::read_to_string(&svc).unwrap();
    std::fs::write(&svc, text.replacen("objective: 99.95", "objective: 99.9", 1)).unwrap();
    let (code, out, _) = rely(&["build", "reliability", "--out", "gen", "--quiet"], tmp.path());
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(!out.contains(" 0 written") && Path::new(&tmp.path().join("gen")).is_dir(), "{out}");
}
