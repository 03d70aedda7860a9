//! The real judge: promtool checks and unit-tests what rely generates. Under CI=true a missing
//! promtool fails these tests (scripts/install-validators installs it).

use std::path::Path;

use crate::build::build;
use crate::{require_tool, root};

/// Runs promtool in `cwd`: (success, stdout and stderr).
pub(crate) fn promtool(args: &[&str], cwd: &Path) -> (bool, String) {
    let out = std::process::Command::new("promtool").args(args).current_dir(cwd).output().expect("run promtool");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// Writes `files` under `<tmp>/gen`.
pub(crate) fn write_all(files: &[rely::emit::OutputFile]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    rely::emit::write(&tmp.path().join("gen"), files).unwrap();
    tmp
}

#[test]
fn example_rules_pass_promtool_check_and_generated_tests() {
    if !require_tool("promtool") {
        return;
    }
    let files = build(Path::new("reliability"));
    let tmp = write_all(&files);
    let out_dir = tmp.path().join("gen");
    let rules: Vec<&str> = files.iter().filter(|f| f.path.ends_with(".rules.yml")).map(|f| f.path.as_str()).collect();
    let tests: Vec<&str> = files.iter().filter(|f| f.path.ends_with(".test.yml")).map(|f| f.path.as_str()).collect();
    assert!(rules.len() >= 6 && tests.len() >= 5, "{rules:?} {tests:?}");
    let mut args = vec!["check", "rules"];
    args.extend(&rules);
    let (ok, out) = promtool(&args, &out_dir);
    assert!(ok, "{out}");
    let mut args = vec!["test", "rules"];
    args.extend(&tests);
    let (ok, out) = promtool(&args, &out_dir);
    assert!(ok, "{out}");
    // Every SLO with alerts and a drivable indicator got the three scenarios.
    let n = files.iter().filter(|f| f.path.ends_with(".test.yml")).map(|f| f.contents.matches("pages within 5m").count()).sum::<usize>();
    assert!(n >= 8, "only {n} page scenarios");
}

#[test]
fn a_broken_expectation_fails_the_generated_test() {
    // The generated tests are not vacuous: flip one expected severity and promtool must fail.
    if !require_tool("promtool") {
        return;
    }
    let mut files = build(Path::new("reliability"));
    let f = files.iter_mut().find(|f| f.path == "prometheus/tests/public-api.test.yml").unwrap();
    let before = f.contents.clone();
    f.contents = f.contents.replacen("severity: ticket", "severity: page", 1);
    assert_ne!(before, f.contents);
    let tmp = write_all(&files);
    let (ok, out) = promtool(&["test", "rules", "prometheus/tests/public-api.test.yml"], &tmp.path().join("gen"));
    assert!(!ok, "{out}");
}

#[test]
fn period_ratio_is_traffic_weighted() {
    // A busy day at 1% errors then a quiet day at 0%: the 30d ratio must be close to
    // 10/1010 ≈ 0.0099 (events), not 0.005 (the average of the two days' ratios).
    if !require_tool("promtool") {
        return;
    }
    let files = build(&root().join("tests/fixtures/sloth/rely-30d"));
    let tmp = write_all(&files);
    let out_dir = tmp.path().join("gen");
    let sel = r#"{rely_id="myservice-requests-availability"}"#;
    let test = format!(
        r#"rule_files: [prometheus/myservice.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'http_request_duration_seconds_count{{job="myservice",code="500"}}'
        values: '0+10x1440 14400+0x1440'
      - series: 'http_request_duration_seconds_count{{job="myservice",code="200"}}'
        values: '0+990x1440 1425600+10x1440'
    promql_expr_test:
      - expr: (slo:sli_error:ratio_rate30d{sel} > bool 0.0095) * (slo:sli_error:ratio_rate30d{sel} < bool 0.0102)
        eval_time: 2d
        exp_samples:
          - labels: '{{rely_id="myservice-requests-availability", rely_service="myservice", rely_slo="requests-availability", rely_window="30d"}}'
            value: 1
      - expr: (avg_over_time(slo:sli_error:ratio_rate5m{sel}[30d]) > bool 0.0045) * (avg_over_time(slo:sli_error:ratio_rate5m{sel}[30d]) < bool 0.0055)
        eval_time: 2d
        exp_samples:
          - labels: '{{rely_id="myservice-requests-availability", rely_service="myservice", rely_slo="requests-availability", rely_window="5m"}}'
            value: 1
"#
    );
    std::fs::write(out_dir.join("weighted.test.yml"), test).unwrap();
    let (ok, out) = promtool(&["test", "rules", "weighted.test.yml"], &out_dir);
    assert!(ok, "{out}");
}

/// The no-data alert is configurable: `for` and `severity` reach the rule and its generated
/// test (series stop, the alert fires only after `for`; series present, quiet), which promtool
/// passes; one minute earlier than `for` allows, promtool fails it; `enabled: false` removes it.
#[test]
fn the_no_data_alert_follows_its_settings() {
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    let with = |alerting: &str| {
        let tmp = tempfile::tempdir().unwrap();
        let text = minimal.replace("  alerting:\n", &format!("  alerting:\n{alerting}"));
        assert_ne!(text, minimal);
        std::fs::write(tmp.path().join("all.yaml"), text).unwrap();
        build(tmp.path())
    };
    let files = with("    no_data: {for: 30m, severity: page}\n");
    let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    let v: serde_yaml::Value = serde_yaml::from_str(rules).unwrap();
    let alert = v["groups"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .find(|r| r["alert"] == "CheckoutAvailabilityNoData")
        .unwrap_or_else(|| panic!("{rules}"));
    assert_eq!(alert["for"], "30m");
    assert_eq!(alert["labels"]["severity"], "page");
    assert!(alert["expr"].as_str().unwrap().starts_with("absent("), "{alert:?}");
    let test = &files.iter().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap().contents;
    assert!(test.contains("series that stop raise no-data after 30m"), "{test}");
    if require_tool("promtool") {
        let tmp = write_all(&files);
        let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
        // Series stop at 30m; the 5m rates are empty by 36m; `for: 30m` fires by 67m, not at 60m.
        let mut early = files.clone();
        let t = early.iter_mut().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap();
        assert!(t.contents.contains("eval_time: \"67m\""), "{}", t.contents);
        t.contents = t.contents.replace("eval_time: \"67m\"", "eval_time: \"60m\"");
        let tmp = write_all(&early);
        let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
        assert!(!ok, "{out}");
    }
    let off = with("    no_data: {enabled: false}\n");
    let rules = &off.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    assert!(!rules.contains("NoData"), "{rules}");
}
