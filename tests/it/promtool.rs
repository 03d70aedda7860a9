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

/// The outputs of `tests/fixtures/valid/minimal.yaml`, written under `gen/` of the directory.
fn minimal_outputs() -> tempfile::TempDir {
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("all.yaml"), &minimal).unwrap();
    write_all(&build(tmp.path()))
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

/// Minutes (from 0) at which the burn alert of `files`' checkout SLO fires as page and as ticket,
/// between `from` and `to`: promtool is asked to expect silence at every minute, and its
/// failures say what fired when.
fn firing_minutes(files: &[rely::emit::OutputFile], series: &[(&str, String)], from: u32, to: u32) -> (Vec<u32>, Vec<u32>) {
    let tmp = write_all(files);
    let dir = tmp.path().join("gen");
    // Groups in the order Prometheus's own dependency would have them (promtool otherwise picks
    // an order at random, and an alert evaluated before its SLI sees the previous minute): the
    // derived rules' service groups or the exact rules' SLO groups (promtool passes over names
    // it does not have).
    let mut t = String::from(
        "rule_files: [prometheus/checkout.rules.yml]\nevaluation_interval: 1m\ngroup_eval_order: [rely-service-checkout-sli, rely-slo-checkout-availability-sli, rely-service-checkout-meta, rely-slo-checkout-availability-meta, rely-slo-checkout-availability-alerts]\ntests:\n  - interval: 1m\n    input_series:\n",
    );
    for (s, v) in series {
        t += &format!("      - series: '{s}'\n        values: '{v}'\n");
    }
    t += "    alert_rule_test:\n";
    for m in from..=to {
        t += &format!("      - {{eval_time: {m}m, alertname: CheckoutAvailabilityBudgetBurn, exp_alerts: []}}\n");
    }
    std::fs::write(dir.join("step.test.yml"), t).unwrap();
    let (ok, out) = promtool(&["test", "rules", "step.test.yml"], &dir);
    let (mut page, mut ticket) = (vec![], vec![]);
    if ok {
        return (page, ticket);
    }
    let minutes = |s: &str| -> u32 {
        let (mut total, mut n) = (0, 0);
        for c in s.chars() {
            match c {
                '0'..='9' => n = n * 10 + c.to_digit(10).unwrap(),
                'd' => (total, n) = (total + n * 1440, 0),
                'h' => (total, n) = (total + n * 60, 0),
                'm' => (total, n) = (total + n, 0),
                _ => panic!("{s}"),
            }
        }
        total
    };
    for block in out.split("alertname: CheckoutAvailabilityBudgetBurn, time: ").skip(1) {
        let at = minutes(block.split(',').next().unwrap().trim());
        let got = block.split("got:").nth(1).unwrap_or("");
        if got.contains("severity=\"page\"") {
            page.push(at);
        }
        if got.contains("severity=\"ticket\"") {
            ticket.push(at);
        }
    }
    assert!(!page.is_empty() || !ticket.is_empty(), "promtool failed for another reason: {out}");
    (page, ticket)
}

/// Derived windows do not change when alerts fire: after 26 hours at half the budget rate, a
/// step to 20x (pages, then tickets) and to 4x (tickets only) fire the page and the ticket at the
/// same evaluation as the exact rules, give or take one evaluation interval (1m).
#[test]
fn derived_windows_fire_within_one_evaluation_of_exact_ones() {
    if !require_tool("promtool") {
        return;
    }
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    let rules = |project: &str| {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("all.yaml"), format!("{minimal}{project}")).unwrap();
        build(tmp.path())
    };
    let derived = rules("");
    let exact = rules("---\napiVersion: rely/v1\nkind: Project\nmetadata: {name: x}\nspec:\n  prometheus: {windows: exact}\n");
    let text = |f: &[rely::emit::OutputFile]| f.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents.clone();
    assert!(text(&derived).contains("sum_over_time(slo:sli_error_events:rate5m"));
    assert!(
        text(&derived).contains("sum_over_time(slo:sli_error_events:rate5m{rely_slo=\"checkout-availability\"}[23h30m] offset 27m30s)")
    );
    assert!(!text(&exact).contains("offset 27m30s"), "exact windows read the raw series");
    const STEP: u32 = 1560;
    for (burn, until) in [(20.0, 200), (4.0, 300)] {
        // 1000 requests a minute; 0.05% errors (half the budget rate of a 99.9% SLO), then `burn`x.
        let (base, high) = (0.5, burn);
        let series = vec![
            (r#"http_requests_total{job="checkout",code="500"}"#, format!("0+{base}x{STEP} {}+{high}x{until}", base * STEP as f64)),
            (
                r#"http_requests_total{job="checkout",code="200"}"#,
                format!("0+{}x{STEP} {}+{}x{until}", 1000.0 - base, (1000.0 - base) * STEP as f64, 1000.0 - high),
            ),
        ];
        let (ep, et) = firing_minutes(&exact, &series, STEP - 10, STEP + until);
        let (dp, dt) = firing_minutes(&derived, &series, STEP - 10, STEP + until);
        let first = |v: &[u32]| v.first().copied();
        assert!(first(&et).is_some(), "{burn}x: the exact ticket never fired");
        if burn > 14.4 {
            assert!(first(&ep).is_some(), "{burn}x: the exact page never fired");
        } else {
            assert!(ep.is_empty() && dp.is_empty(), "{burn}x pages: {ep:?} {dp:?}");
        }
        for (what, e, d) in [("page", first(&ep), first(&dp)), ("ticket", first(&et), first(&dt))] {
            match (e, d) {
                (Some(e), Some(d)) => assert!(e.abs_diff(d) <= 1, "{burn}x {what}: exact at {e}m, derived at {d}m"),
                (None, None) => {}
                _ => panic!("{burn}x {what}: exact {e:?}, derived {d:?}"),
            }
        }
        eprintln!("{burn}x: page exact {:?} derived {:?}; ticket exact {:?} derived {:?}", first(&ep), first(&dp), first(&et), first(&dt));
    }
}

/// Derived windows keep past errors when no error series has existed for the last 30 minutes
/// (the `code="500"` series of restarted pods are gone): the 6h ratio still counts the errors of
/// the hours before, as the exact rules do.
#[test]
fn derived_windows_keep_errors_whose_series_have_gone() {
    if !require_tool("promtool") {
        return;
    }
    let out = minimal_outputs();
    let dir = out.path().join("gen");
    // 1% errors for three hours, then the error series stops and only successes remain.
    let test = "rule_files: [prometheus/checkout.rules.yml]\nevaluation_interval: 1m\n\
        group_eval_order: [rely-service-checkout-sli]\ntests:\n  - interval: 1m\n    input_series:\n\
        \x20     - {series: 'http_requests_total{job=\"checkout\",code=\"500\"}', values: '0+10x180 _x60'}\n\
        \x20     - {series: 'http_requests_total{job=\"checkout\",code=\"200\"}', values: '0+990x240'}\n\
        \x20   promql_expr_test:\n\
        \x20     - expr: 'slo:sli_error:ratio_rate6h{rely_slo=\"checkout-availability\"} > bool 0.005'\n\
        \x20       eval_time: 220m\n\
        \x20       exp_samples: [{labels: '{rely_id=\"checkout-availability\", rely_service=\"checkout\", rely_slo=\"checkout-availability\", rely_window=\"6h\"}', value: 1}]\n";
    std::fs::write(dir.join("gone.test.yml"), test).unwrap();
    let (ok, out) = promtool(&["test", "rules", "gone.test.yml"], &dir);
    assert!(ok, "{out}");
}

/// Event rates recorded by an earlier rely carried `rely_window`; after an upgrade their history
/// still counts in the derived windows and the period ratio, and the old and new series do not
/// become two series with one label set (which fails the rule).
#[test]
fn history_recorded_with_the_old_labels_still_counts() {
    if !require_tool("promtool") {
        return;
    }
    let out = minimal_outputs();
    let dir = out.path().join("gen");
    let old = |name: &str, values: &str| {
        format!(
            "      - {{series: '{name}{{rely_id=\"checkout-availability\", rely_service=\"checkout\", rely_slo=\"checkout-availability\", rely_window=\"5m\"}}', values: '{values}'}}\n"
        )
    };
    let case = |errors_after: &str, expr: &str, labels: &str| {
        format!(
            "  - interval: 1m\n    input_series:\n{}{}\
             \x20     - {{series: 'http_requests_total{{job=\"checkout\",code=\"500\"}}', values: '{errors_after}'}}\n\
             \x20     - {{series: 'http_requests_total{{job=\"checkout\",code=\"200\"}}', values: '_x180 0+600x60'}}\n\
             \x20   promql_expr_test:\n\
             \x20     - expr: '{expr}'\n\
             \x20       eval_time: 240m\n\
             \x20       exp_samples: [{{labels: '{labels}', value: 1}}]\n",
            // Three hours recorded by the old rules: 1% errors; at the upgrade Prometheus marks
            // the series the rules no longer produce stale.
            old("slo:sli_error_events:rate5m", "0.1x179 stale"),
            old("slo:sli_total_events:rate5m", "10x179 stale")
        )
    };
    let l = |w: &str| {
        format!("{{rely_id=\"checkout-availability\", rely_service=\"checkout\", rely_slo=\"checkout-availability\", rely_window=\"{w}\"}}")
    };
    let test = format!(
        "rule_files: [prometheus/checkout.rules.yml]\nevaluation_interval: 1m\n\
         group_eval_order: [rely-service-checkout-sli, rely-service-checkout-meta]\ntests:\n{}{}",
        // No errors since the upgrade: the 6h window still holds the old hours' 1% (about 0.75%).
        case("_x240", "slo:sli_error:ratio_rate6h{rely_slo=\"checkout-availability\"} > bool 0.005", &l("6h")),
        // Errors before and after: one period ratio, between the old 1% and the new 9%.
        case(
            "_x180 0+60x60",
            "(slo:sli_error:ratio_rate30d{rely_slo=\"checkout-availability\"} > bool 0.01) * (slo:sli_error:ratio_rate30d{rely_slo=\"checkout-availability\"} < bool 0.09)",
            &l("30d")
        ),
    );
    std::fs::write(dir.join("upgrade.test.yml"), test).unwrap();
    let (ok, out) = promtool(&["test", "rules", "upgrade.test.yml"], &dir);
    assert!(ok, "{out}");
}

/// A latency threshold matches the bucket however the exporter spells its bound: `0.80` and
/// `0.800` for a threshold of 0.8, `1.0` and `1` for 1. Before, `le="0.8"` matched nothing
/// where the histogram said `0.80`: no good events, an absent ratio, an SLO that never alerted.
#[test]
fn latency_thresholds_match_every_spelling_of_the_bound() {
    if !require_tool("promtool") {
        return;
    }
    for (threshold, le, other) in
        [("0.8", "0.80", "0.5"), ("0.8", "0.800", "1.0"), ("0.8", "0.8", "0.08"), ("1", "1.0", "10"), ("1", "1", "1.5")]
    {
        let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
        let start = minimal.find("apiVersion: rely/v1\nkind: SLO").unwrap();
        let slo = format!(
            "apiVersion: rely/v1\nkind: SLO\nmetadata: {{name: checkout-latency}}\nspec:\n  service: checkout\n  objective: 99\n  indicator:\n    latency: {{histogram: h_seconds, selector: '{{job=\"checkout\"}}', threshold: {threshold}}}\n"
        );
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("all.yaml"), format!("{}{slo}", &minimal[..start])).unwrap();
        let out = write_all(&build(tmp.path()));
        let dir = out.path().join("gen");
        // 90 of 100 requests within the threshold's bucket; a neighbouring bound must not count.
        let test = format!(
            r#"rule_files: [prometheus/checkout.rules.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'h_seconds_bucket{{job="checkout",le="{le}"}}'
        values: '0+90x20'
      - series: 'h_seconds_bucket{{job="checkout",le="{other}"}}'
        values: '0+95x20'
      - series: 'h_seconds_count{{job="checkout"}}'
        values: '0+100x20'
    promql_expr_test:
      - expr: 'abs(slo:sli_error:ratio_rate5m{{rely_slo="checkout-latency"}} - 0.1) < bool 1e-9'
        eval_time: 15m
        exp_samples:
          - labels: '{{rely_id="checkout-latency", rely_service="checkout", rely_slo="checkout-latency", rely_window="5m"}}'
            value: 1
"#
        );
        std::fs::write(dir.join("le.test.yml"), test).unwrap();
        let (ok, out) = promtool(&["test", "rules", "le.test.yml"], &dir);
        assert!(ok, "threshold {threshold}, bucket le=\"{le}\": {out}");
    }
}

#[test]
fn a_grouped_slo_alerts_only_in_the_burning_group() {
    // notifications-delivery is grouped by channel: its generated tests drive a burning and a
    // steady channel and expect alerts for the burning one only. Burning both must fail them
    // (an alert for the steady channel appears), so the tests do tell the groups apart.
    if !require_tool("promtool") {
        return;
    }
    let mut files = build(Path::new("reliability"));
    // A page in one channel silences that channel's ticket only: the inhibition's `equal` has it.
    let am = &files.iter().find(|f| f.path == "alertmanager/production/alertmanager.yml").unwrap().contents;
    let am: serde_yaml::Value = serde_yaml::from_str(am).unwrap();
    let equal: Vec<&str> = am["inhibit_rules"][0]["equal"].as_sequence().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(equal.contains(&"channel") && equal.contains(&"alertname"), "{equal:?}");
    let at = files.iter().position(|f| f.path == "prometheus/tests/notifications.test.yml").unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&files[at].contents).unwrap();
    let tests = doc["tests"].as_sequence().unwrap();
    let pages = tests
        .iter()
        .find(|t| {
            t["name"].as_str().unwrap().starts_with("notifications-delivery:") && t["name"].as_str().unwrap().contains("pages within 5m")
        })
        .unwrap();
    let series: Vec<&str> = pages["input_series"].as_sequence().unwrap().iter().map(|s| s["series"].as_str().unwrap()).collect();
    assert!(
        series.iter().any(|s| s.contains("channel=\"burning\"")) && series.iter().any(|s| s.contains("channel=\"steady\"")),
        "{series:?}"
    );
    let alerts = pages["alert_rule_test"][0]["exp_alerts"].as_sequence().unwrap();
    assert_eq!(alerts.len(), 2, "page and ticket");
    assert!(alerts.iter().all(|a| a["exp_labels"]["channel"].as_str() == Some("burning")));
    let tmp = write_all(&files);
    let (ok, out) = promtool(&["test", "rules", "prometheus/tests/notifications.test.yml"], &tmp.path().join("gen"));
    assert!(ok, "{out}");

    // The steady channel burns as well: now it alerts too, and the expectations must fail.
    let mut doc = doc;
    for t in doc["tests"].as_sequence_mut().unwrap() {
        if !t["name"].as_str().unwrap().contains("pages within 5m") || !t["name"].as_str().unwrap().starts_with("notifications-delivery:") {
            continue;
        }
        let inputs = t["input_series"].as_sequence_mut().unwrap();
        let burning: Vec<String> = inputs
            .iter()
            .filter(|s| s["series"].as_str().unwrap().contains("channel=\"burning\""))
            .map(|s| s["values"].as_str().unwrap().to_string())
            .collect();
        for (s, v) in inputs.iter_mut().filter(|s| s["series"].as_str().unwrap().contains("channel=\"steady\"")).zip(burning) {
            s["values"] = serde_yaml::Value::String(v);
        }
    }
    files[at].contents = serde_yaml::to_string(&doc).unwrap();
    let tmp = write_all(&files);
    let (ok, out) = promtool(&["test", "rules", "prometheus/tests/notifications.test.yml"], &tmp.path().join("gen"));
    assert!(!ok && out.contains("steady"), "{out}");
}

#[test]
fn an_alert_policy_sets_the_windows_and_factors() {
    // The SLO's own policy: a 30m/5m page at 20x and a 2h/30m ticket at 1% of the budget (3.6x
    // over 30 days). The rules, annotations and generated tests follow it, and promtool agrees.
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    let with = |project: &str, alerting: &str| {
        let tmp = tempfile::tempdir().unwrap();
        let text = format!("{project}{}", minimal.replace("  alerting:\n", &format!("  alerting:\n{alerting}")));
        std::fs::write(tmp.path().join("all.yaml"), text).unwrap();
        build(tmp.path())
    };
    let alerts = |files: &[rely::emit::OutputFile]| -> Vec<(String, String)> {
        let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
        let v: serde_yaml::Value = serde_yaml::from_str(rules).unwrap();
        v["groups"]
            .as_sequence()
            .unwrap()
            .iter()
            .flat_map(|g| g["rules"].as_sequence().unwrap())
            .filter(|r| r["alert"] == "CheckoutAvailabilityBudgetBurn")
            .map(|r| (r["labels"]["severity"].as_str().unwrap().to_string(), r["expr"].as_str().unwrap().to_string()))
            .collect()
    };
    let policy = "    policy:\n      windows:\n        - {severity: page, short: 5m, long: 30m, factor: 20}\n        - {severity: ticket, short: 30m, long: 2h, budget_percent: 1}\n";
    let files = with("", policy);
    let a = alerts(&files);
    assert_eq!(a.len(), 2, "{a:?}");
    assert!(a[0].0 == "page" && a[0].1.contains("slo:sli_error:ratio_rate30m") && a[0].1.contains("(20 * 0.001)"), "{a:?}");
    assert!(!a[0].1.contains("ratio_rate1h") && !a[0].1.contains("ratio_rate6h"), "only the policy's windows: {a:?}");
    assert!(a[1].0 == "ticket" && a[1].1.contains("slo:sli_error:ratio_rate2h") && a[1].1.contains("(3.6 * 0.001)"), "{a:?}");
    let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    assert!(rules.contains("above 20x the budget over both 30m and 5m"), "{rules}");
    assert!(!rules.contains("record: slo:sli_error:ratio_rate3d"), "windows no alert reads are not recorded");
    if require_tool("promtool") {
        let tmp = write_all(&files);
        let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
        let (ok, out) = promtool(&["check", "rules", "prometheus/checkout.rules.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
    }
    // The Project's policy, for SLOs without their own: only a ticket pair, so nothing pages.
    let project = "apiVersion: rely/v1\nkind: Project\nmetadata: {name: shop}\nspec:\n  alert_policy:\n    windows:\n      - {severity: ticket, short: 1h, long: 12h, factor: 4}\n---\n";
    let files = with(project, "");
    let a = alerts(&files);
    assert_eq!(a.len(), 1, "{a:?}");
    assert!(a[0].0 == "ticket" && a[0].1.contains("(4 * 0.001)") && a[0].1.contains("ratio_rate12h"), "{a:?}");
    let test = &files.iter().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap().contents;
    assert!(!test.contains("pages within 5m") && test.contains("opens a ticket"), "{test}");
    if require_tool("promtool") {
        let tmp = write_all(&files);
        let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
    }
}

#[test]
fn gauge_indicators_record_the_share_of_bad_samples() {
    // A boolean gauge (1 good, 0 bad) is driven by the generated tests (a constant gauge whose
    // mean is the good share) and promtool passes them; a threshold gauge (`op`, `threshold`)
    // compares each sample on a 1m subquery grid, and its tests drive 20 copies of the gauge,
    // as many of them above the threshold as the error ratio asks.
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    let indicator = "  indicator:\n    ratio:\n      errors: sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[{{window}}]))\n      total: sum(rate(http_requests_total{job=\"checkout\"}[{{window}}]))\n";
    assert!(minimal.contains(indicator));
    let with = |gauge: &str| {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("all.yaml"), minimal.replace(indicator, gauge)).unwrap();
        build(tmp.path())
    };
    let files = with("  indicator:\n    gauge:\n      metric: probe_success{job=\"checkout\"}\n");
    let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    assert!(rules.contains("sum(sum_over_time(probe_success{job=\"checkout\"}[1h]))"), "{rules}");
    let test = &files.iter().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap().contents;
    assert!(test.contains("probe_success{job=\\\"checkout\\\"}") && test.contains("pages within 5m"), "{test}");
    if require_tool("promtool") {
        let tmp = write_all(&files);
        let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
    }
    let files = with("  indicator:\n    gauge:\n      metric: queue_lag_seconds{job=\"checkout\"}\n      op: \"<\"\n      threshold: 30\n");
    let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    assert!(rules.contains("((queue_lag_seconds{job=\"checkout\"}) < bool 30)[1h:1m]"), "{rules}");
    let test = &files.iter().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap().contents;
    // 1 of 20 copies above the threshold pages (5% > 14.4 x 0.1%): one copy at 31, the rest at 29.
    assert!(test.contains("pages within 5m") && test.contains(r#"rely_copy=\"19\""#), "{test}");
    assert!(test.contains("values: \"31x70\"") && test.contains("values: \"29x70\""), "{test}");
    if require_tool("promtool") {
        let tmp = write_all(&files);
        let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
    }
    // Thresholds keep every digit (12 significant digits used to print 123456789012.5 as
    // 123456789013), and past 1e15 are written with an exponent; the copies sit about a millionth
    // of a large threshold away from it (t + 1 is t past 2^53).
    for (threshold, written, bad) in [("123456789012.5", "123456789012.5", "123457789012.5"), ("2.5e20", "2.5e20", "2.50001e20")] {
        let files = with(&format!(
            "  indicator:\n    gauge:\n      metric: queue_bytes{{job=\"checkout\"}}\n      op: \"<=\"\n      threshold: {threshold}\n"
        ));
        let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
        assert!(rules.contains(&format!("((queue_bytes{{job=\"checkout\"}}) <= bool {written})[1h:1m]")), "{rules}");
        let test = &files.iter().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap().contents;
        assert!(test.contains(&format!("values: \"{bad}x70\"")), "{test}");
        if require_tool("promtool") {
            let tmp = write_all(&files);
            let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &tmp.path().join("gen"));
            assert!(ok, "{threshold}: {out}");
        }
    }
    // Any query (OpenSLO's) is compared as well, but only a selector can be copied: untested.
    let files = with(
        "  indicator:\n    gauge:\n      metric: max by (partition) (queue_lag_seconds{job=\"checkout\"}) or vector(0)\n      op: \"<\"\n      threshold: 30\n",
    );
    let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    // The whole query is compared, not its last operand.
    assert!(rules.contains("((max by (partition) (queue_lag_seconds{job=\"checkout\"}) or vector(0)) < bool 30)[1h:1m]"), "{rules}");
    let untested = &files.iter().find(|f| f.path == "prometheus/tests/UNTESTED.md").unwrap().contents;
    assert!(untested.contains("checkout-availability"), "{untested}");
    if require_tool("promtool") {
        let tmp = write_all(&files);
        let (ok, out) = promtool(&["check", "rules", "prometheus/checkout.rules.yml"], &tmp.path().join("gen"));
        assert!(ok, "{out}");
    }
}

/// The minimal repository (checkout-availability) with a latency SLO on the same service.
fn checkout_with_latency(more: &str) -> String {
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    format!("{minimal}\n{CHECKOUT_LATENCY}{more}")
}

const CHECKOUT_LATENCY: &str = r#"---
apiVersion: rely/v1
kind: SLO
metadata:
  name: checkout-latency
spec:
  service: checkout
  objective: 99
  indicator:
    latency: {histogram: http_request_duration_seconds, selector: '{job="checkout"}', threshold: 0.3}
  alerting: {page: {enabled: true}, ticket: {enabled: true}}
"#;

#[test]
fn slos_that_read_each_others_series_get_their_own_test_groups() {
    // `checkout-availability` and `checkout-latency` read different metrics: their scenarios
    // share test groups. `checkout-pay` reads a subset of checkout-availability's requests, so
    // each would see the other's synthetic series: it gets groups of its own. Forcing it into
    // the shared group must fail the tests, so the split is needed, not cosmetic.
    let more = r#"---
apiVersion: rely/v1
kind: SLO
metadata:
  name: checkout-pay
spec:
  service: checkout
  objective: 99.5
  indicator:
    ratio:
      errors: sum(rate(http_requests_total{job="checkout",route="/pay",code=~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total{job="checkout",route="/pay"}[{{window}}]))
  alerting: {page: {enabled: true}, ticket: {enabled: true}}
"#;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("all.yaml"), checkout_with_latency(more)).unwrap();
    let mut files = build(tmp.path());
    let at = files.iter().position(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap();
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&files[at].contents).unwrap();
    let names: Vec<String> = doc["tests"].as_sequence().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_string()).collect();
    // A merged group is named `a, b: what; c: what else`: the SLOs it checks.
    let slos_of = |name: &str| -> Vec<String> {
        name.split("; ").flat_map(|part| part.split_once(": ").map_or("", |(slos, _)| slos).split(", ")).map(String::from).collect()
    };
    let pages: Vec<&String> = names.iter().filter(|n| n.contains("pages within 5m")).collect();
    assert_eq!(pages.len(), 2, "{names:#?}");
    assert_eq!(slos_of(pages[0]), ["checkout-availability", "checkout-latency"], "{names:#?}");
    assert_eq!(slos_of(pages[1]), ["checkout-pay"], "{names:#?}");
    // Every scenario of the three SLOs is still there: 4 of each (page, ticket, quiet, no data).
    for slo in ["checkout-availability", "checkout-latency", "checkout-pay"] {
        assert_eq!(names.iter().filter(|n| slos_of(n).contains(&slo.to_string())).count(), 4, "{slo} {names:#?}");
    }
    if !require_tool("promtool") {
        return;
    }
    let out_dir = write_all(&files);
    let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &out_dir.path().join("gen"));
    assert!(ok, "{out}");
    // checkout-pay's page scenario moved into the shared one: checkout-availability now sees
    // /pay's errors too, and its expectations fail.
    let tests = doc["tests"].as_sequence_mut().unwrap();
    let pay = tests.iter().position(|t| t["name"].as_str().unwrap().starts_with("checkout-pay: 20.16x")).unwrap();
    let pay = tests.remove(pay);
    let shared =
        tests.iter_mut().find(|t| t["name"].as_str().unwrap().starts_with("checkout-availability, checkout-latency: 20.16x")).unwrap();
    for key in ["input_series", "alert_rule_test", "promql_expr_test"] {
        let extra = pay[key].as_sequence().cloned().unwrap_or_default();
        shared[key].as_sequence_mut().unwrap().extend(extra);
    }
    files[at].contents = serde_yaml::to_string(&doc).unwrap();
    let out_dir = write_all(&files);
    let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &out_dir.path().join("gen"));
    assert!(!ok, "{out}");
}

#[test]
fn an_slo_whose_alert_name_a_hand_written_alert_shares_keeps_its_own_test_groups() {
    // The hand-written Alert fires as `CheckoutLatencyNoData`, checkout-latency's no-data alert's
    // name, on checkout's requests: in a group shared with checkout-availability it would fire
    // where the latency SLO's test expects its no-data alert quiet.
    let more = r#"---
apiVersion: rely/v1
kind: Alert
metadata:
  name: checkout-latency-no-data
spec:
  service: checkout
  owner: payments
  runbook: https://runbooks.example.com/checkout
  severity: ticket
  expr: sum(rate(http_requests_total{job="checkout",code=~"5.."}[5m])) > 0
  summary: Checkout has errors
  description: Any error at all.
"#;
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("all.yaml"), checkout_with_latency(more)).unwrap();
    let files = build(tmp.path());
    let test = &files.iter().find(|f| f.path == "prometheus/tests/checkout.test.yml").unwrap().contents;
    let doc: serde_yaml::Value = serde_yaml::from_str(test).unwrap();
    let names: Vec<&str> = doc["tests"].as_sequence().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.iter().all(|n| !n.contains(';')), "{names:#?}");
    assert!(test.contains("alertname: CheckoutLatencyNoData"), "{test}");
    if !require_tool("promtool") {
        return;
    }
    let out_dir = write_all(&files);
    let (ok, out) = promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &out_dir.path().join("gen"));
    assert!(ok, "{out}");
}

/// The SLOs of one service share its SLI and metadata rules (one rule per window for all of
/// them), yet each SLO gets exactly its own windows, period and burn rates, with its own values:
/// a service whose SLOs differ in period and alert windows (one alerts on a 10m window no
/// recorded rate covers, and on no 30m one), with a raw-ratio SLO that keeps its own rules.
#[test]
fn slos_sharing_a_services_rules_each_get_their_own_windows() {
    if !require_tool("promtool") {
        return;
    }
    let minimal = std::fs::read_to_string(root().join("tests/fixtures/valid/minimal.yaml")).unwrap();
    let head = &minimal[..minimal.find("---\napiVersion: rely/v1\nkind: SLO").unwrap()];
    let ratio = |route: &str| {
        format!(
            "    ratio:\n      errors: sum(rate(http_requests_total{{job=\"checkout\",route=\"{route}\",code=~\"5..\"}}[{{{{window}}}}]))\n      total: sum(rate(http_requests_total{{job=\"checkout\",route=\"{route}\"}}[{{{{window}}}}]))\n"
        )
    };
    let slo = |name: &str, extra: &str, indicator: &str| {
        format!(
            "---\napiVersion: rely/v1\nkind: SLO\nmetadata: {{name: {name}}}\nspec:\n  service: checkout\n  objective: 99\n{extra}  indicator:\n{indicator}"
        )
    };
    let policy = "  window: 28d\n  alerting:\n    policy:\n      windows:\n        - {severity: page, short: 10m, long: 4h, factor: 10}\n";
    let raw = "    raw:\n      error_ratio: sum(rate(http_requests_total{job=\"checkout\",route=\"c\",code=~\"5..\"}[{{window}}])) / sum(rate(http_requests_total{job=\"checkout\",route=\"c\"}[{{window}}]))\n";
    let repo = format!(
        "{head}{}{}{}{}",
        slo("a", "", &ratio("a")),
        slo("b", policy, &ratio("b")),
        slo("c", "", raw),
        slo("d", "  window: 7d\n", &ratio("d"))
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("all.yaml"), repo).unwrap();
    let files = build(tmp.path());
    let rules = &files.iter().find(|f| f.path == "prometheus/checkout.rules.yml").unwrap().contents;
    // The shared rules select the derived SLOs by name where the raw one must not match.
    assert!(rules.contains(r#"slo:error_budget:ratio{rely_slo=~"a|b|d"}"#), "{rules}");
    assert!(rules.contains("name: rely-slo-c-sli"), "{rules}");
    let out = write_all(&files);
    let dir = out.path().join("gen");
    // Errors: 1% on route a, 2% on b, 3% on c, 4% on d, 1000 requests a minute each.
    let mut t =
        String::from("rule_files: [prometheus/checkout.rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n");
    for (route, pct) in [("a", 1), ("b", 2), ("c", 3), ("d", 4)] {
        for (code, n) in [("500", pct * 10), ("200", 1000 - pct * 10)] {
            t += &format!(
                "      - {{series: 'http_requests_total{{job=\"checkout\",route=\"{route}\",code=\"{code}\"}}', values: '0+{n}x200'}}\n"
            );
        }
    }
    t += "    promql_expr_test:\n";
    let expect = |t: &mut String, expr: &str, samples: &[(String, f64)]| {
        let s: Vec<String> = samples.iter().map(|(l, v)| format!("{{labels: '{l}', value: {v}}}")).collect();
        *t += &format!("      - expr: '{expr}'\n        eval_time: 130m\n        exp_samples: [{}]\n", s.join(", "));
    };
    // Every window of each SLO and only those: a's, c's and d's seven and period, b's 5m, 10m,
    // 4h and 28d.
    let ratios = r#"{__name__=~"slo:sli_error:ratio_rate.+"}"#;
    let per_slo = |values: [f64; 4]| -> Vec<(String, f64)> {
        ["a", "b", "c", "d"].iter().zip(values).map(|(s, v)| (format!("{{rely_slo=\"{s}\"}}"), v)).collect()
    };
    expect(&mut t, &format!("count by (rely_slo) ({ratios})"), &per_slo([8.0, 4.0, 8.0, 8.0]));
    // (28d prints as 4w.)
    let b_windows: Vec<(String, f64)> =
        ["5m", "10m", "4h", "4w"].iter().map(|w| (format!("{{rely_slo=\"b\", rely_window=\"{w}\"}}"), 1.0)).collect();
    expect(&mut t, r#"count by (rely_slo, rely_window) ({__name__=~"slo:sli_error:ratio_rate.+", rely_slo="b"})"#, &b_windows);
    // Each with its own SLO's error ratio, in every window.
    for (slo, ratio) in [("a", 0.01), ("b", 0.02), ("c", 0.03), ("d", 0.04)] {
        let e = format!(r#"max(abs({{__name__=~"slo:sli_error:ratio_rate.+", rely_slo="{slo}"}} - {ratio})) < bool 1e-9"#);
        expect(&mut t, &e, &[("{}".to_string(), 1.0)]);
    }
    // One current and one period burn rate and one remaining budget per SLO, over its own budget.
    for (metric, values) in [
        ("slo:current_burn_rate:ratio", [1.0, 2.0, 3.0, 4.0]),
        ("slo:period_burn_rate:ratio", [1.0, 2.0, 3.0, 4.0]),
        ("slo:period_error_budget_remaining:ratio", [0.0, -1.0, -2.0, -3.0]),
        // And one objective, budget and period each.
        ("slo:objective:ratio", [0.99; 4]),
        ("slo:error_budget:ratio", [0.01; 4]),
        ("slo:time_period:days", [30.0, 28.0, 30.0, 7.0]),
    ] {
        expect(&mut t, &format!("round(sum by (rely_slo) ({metric}), 0.001)"), &per_slo(values));
    }
    // Shared or not, a constant carries the SLO's labels and no more.
    for (slo, metric) in [("a", "slo:objective:ratio"), ("c", "slo:objective:ratio"), ("d", "slo:time_period:days")] {
        let labels = format!("{metric}{{rely_id=\"checkout-{slo}\", rely_service=\"checkout\", rely_slo=\"{slo}\"}}");
        let value = if metric == "slo:objective:ratio" { 0.99 } else { 7.0 };
        expect(&mut t, &format!("{metric}{{rely_slo=\"{slo}\"}}"), &[(labels, value)]);
    }
    std::fs::write(dir.join("shared.test.yml"), &t).unwrap();
    let (ok, out) = promtool(&["test", "rules", "shared.test.yml"], &dir);
    assert!(ok, "{out}\n{t}\n{rules}");
}
