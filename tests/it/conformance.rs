//! Conformance with Sloth: the same SLOs, written for each tool (tests/fixtures/sloth/), fed the
//! same series in one promtool test. rely's SLI rules must give Sloth's values for every alert
//! window, and the burn-rate alerts must use the same window pairs and factors. (The period
//! window is intentionally different: rely weights it by traffic, Sloth averages 5m ratios.)

use std::collections::BTreeSet;
use std::path::Path;

use crate::build::build;
use crate::{require_tool, root};

struct Case {
    sloth_file: &'static str,
    sloth_id: &'static str,
    rely_dir: &'static str,
    rely_slo: &'static str,
    rely_service: &'static str,
    series: &'static [(&'static str, &'static str)],
}

const HTTP: &[(&str, &str)] = &[
    (r#"http_request_duration_seconds_count{job="myservice",code="500"}"#, "0+5x130"),
    (r#"http_request_duration_seconds_count{job="myservice",code="429"}"#, "0+3x130"),
    (r#"http_request_duration_seconds_count{job="myservice",code="200"}"#, "0+992x130"),
];

const CASES: &[Case] = &[
    Case {
        sloth_file: "getting-started",
        sloth_id: "myservice-requests-availability",
        rely_dir: "rely-30d",
        rely_slo: "requests-availability",
        rely_service: "myservice",
        series: HTTP,
    },
    Case {
        sloth_file: "kubernetes-apiserver",
        sloth_id: "k8s-apiserver-requests-availability",
        rely_dir: "rely-30d",
        rely_slo: "apiserver-requests-availability",
        rely_service: "k8s-apiserver",
        series: &[
            (r#"apiserver_request_total{code="503"}"#, "0+4x130"),
            (r#"apiserver_request_total{code="429"}"#, "0+1x130"),
            (r#"apiserver_request_total{code="200"}"#, "0+995x130"),
        ],
    },
    Case {
        sloth_file: "kubernetes-apiserver",
        sloth_id: "k8s-apiserver-requests-latency",
        rely_dir: "rely-30d",
        rely_slo: "apiserver-requests-latency",
        rely_service: "k8s-apiserver",
        series: &[
            (r#"apiserver_request_duration_seconds_count{verb="GET"}"#, "0+1000x130"),
            (r#"apiserver_request_duration_seconds_bucket{verb="GET",le="0.4"}"#, "0+985x130"),
            (r#"apiserver_request_duration_seconds_bucket{verb="GET",le="+Inf"}"#, "0+1000x130"),
            (r#"apiserver_request_duration_seconds_count{verb="WATCH"}"#, "0+500x130"),
            (r#"apiserver_request_duration_seconds_bucket{verb="WATCH",le="0.4"}"#, "0+1x130"),
        ],
    },
    Case {
        sloth_file: "raw-home-wifi",
        sloth_id: "home-wifi-wifi-client-satisfaction",
        rely_dir: "rely-30d",
        rely_slo: "wifi-client-satisfaction",
        rely_service: "home-wifi",
        series: &[
            (r#"unifipoller_client_satisfaction_ratio{client="a"}"#, "0.9+0x130"),
            (r#"unifipoller_client_satisfaction_ratio{client="b"}"#, "0.97+0x130"),
        ],
    },
    Case {
        sloth_file: "no-alerts",
        sloth_id: "myapp-http-availability",
        rely_dir: "rely-30d",
        rely_slo: "http-availability",
        rely_service: "myapp",
        series: &[
            (r#"http_request_duration_seconds_count{job="myapp",code="502"}"#, "0+1x130"),
            (r#"http_request_duration_seconds_count{job="myapp",code="200"}"#, "0+9999x130"),
        ],
    },
    Case { sloth_file: "out-base", sloth_id: "svc01-slo1", rely_dir: "rely-30d", rely_slo: "slo1", rely_service: "svc01", series: HTTP },
    Case { sloth_file: "out-base", sloth_id: "svc01-slo02", rely_dir: "rely-30d", rely_slo: "slo02", rely_service: "svc01", series: HTTP },
    Case {
        sloth_file: "out-base-28d",
        sloth_id: "svc01-slo1",
        rely_dir: "rely-28d",
        rely_slo: "slo1",
        rely_service: "svc01",
        series: HTTP,
    },
    Case {
        sloth_file: "out-base-28d",
        sloth_id: "svc01-slo02",
        rely_dir: "rely-28d",
        rely_slo: "slo02",
        rely_service: "svc01",
        series: HTTP,
    },
];

/// The same SLOs as imported by `rely import sloth` from Sloth's own specs
/// (tests/fixtures/import/sloth/): `rely_dir` names the source file there.
const IMPORTED: &[Case] = &[
    Case {
        sloth_file: "getting-started",
        sloth_id: "myservice-requests-availability",
        rely_dir: "getting-started",
        rely_slo: "myservice-requests-availability",
        rely_service: "myservice",
        series: HTTP,
    },
    Case {
        sloth_file: "kubernetes-apiserver",
        sloth_id: "k8s-apiserver-requests-availability",
        rely_dir: "kubernetes-apiserver",
        rely_slo: "k8s-apiserver-requests-availability",
        rely_service: "k8s-apiserver",
        series: CASES[1].series,
    },
    Case {
        sloth_file: "kubernetes-apiserver",
        sloth_id: "k8s-apiserver-requests-latency",
        rely_dir: "kubernetes-apiserver",
        rely_slo: "k8s-apiserver-requests-latency",
        rely_service: "k8s-apiserver",
        series: CASES[2].series,
    },
    Case {
        sloth_file: "raw-home-wifi",
        sloth_id: "home-wifi-wifi-client-satisfaction",
        rely_dir: "raw-home-wifi",
        rely_slo: "home-wifi-wifi-client-satisfaction",
        rely_service: "home-wifi",
        series: CASES[3].series,
    },
    Case {
        sloth_file: "no-alerts",
        sloth_id: "myapp-http-availability",
        rely_dir: "no-alerts",
        rely_slo: "myapp-http-availability",
        rely_service: "myapp",
        series: CASES[4].series,
    },
    Case {
        sloth_file: "out-base",
        sloth_id: "svc01-slo1",
        rely_dir: "in-base",
        rely_slo: "svc01-slo1",
        rely_service: "svc01",
        series: HTTP,
    },
    Case {
        sloth_file: "out-base",
        sloth_id: "svc01-slo02",
        rely_dir: "in-base",
        rely_slo: "svc01-slo02",
        rely_service: "svc01",
        series: HTTP,
    },
];

/// The outputs of a case: its rely fixture directory built, or (for `IMPORTED`) its Sloth spec
/// imported into an empty reliability directory (with the Teams it names) and built.
fn outputs(case: &Case, imported: bool) -> Vec<rely::emit::OutputFile> {
    if !imported {
        return build(&root().join("tests/fixtures/sloth").join(case.rely_dir));
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir_all(&dir).unwrap();
    let team = |n: &str| {
        format!(
            "apiVersion: rely/v1\nkind: Team\nmetadata: {{name: {n}}}\nspec:\n  members: [{{name: A, email: a@example.com}}]\n  notify: {{page: [{{email: {{to: a@example.com}}}}]}}\n"
        )
    };
    std::fs::write(dir.join("teams.yaml"), format!("{}---\n{}", team("myteam"), team("platform"))).unwrap();
    let opts = rely::import::Options {
        format: rely::import::Format::Sloth,
        files: vec![root().join("tests/fixtures/import/sloth").join(format!("{}.yml", case.rely_dir))],
        out: dir.join("imported"),
        owner: Some("platform".into()),
        runbook: Some("https://runbooks.example.com/imported".into()),
        severities: None,
        taken: Default::default(),
    };
    let imp = rely::import::read(&opts);
    assert!(imp.imported() > 0, "{}: {:?}", case.rely_dir, imp.findings);
    rely::import::write(&opts.out, &rely::import::render(&imp, &Default::default())).unwrap();
    build(&dir)
}

const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

#[test]
fn sli_rules_give_sloths_values() {
    if !require_tool("promtool") {
        return;
    }
    for (case, imported) in CASES.iter().map(|c| (c, false)).chain(IMPORTED.iter().map(|c| (c, true))) {
        let files = outputs(case, imported);
        let tmp = tempfile::tempdir().unwrap();
        rely::emit::write(&tmp.path().join("gen"), &files).unwrap();
        std::fs::copy(root().join("tests/fixtures/sloth/gen").join(format!("{}.yml", case.sloth_file)), tmp.path().join("sloth.yml"))
            .unwrap();
        let mut t = format!(
            "rule_files: [sloth.yml, gen/prometheus/{}.rules.yml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n",
            case.rely_service
        );
        for (s, v) in case.series {
            t += &format!("      - series: '{s}'\n        values: '{v}'\n");
        }
        t += "    promql_expr_test:\n";
        for w in WINDOWS {
            let sloth = format!(r#"max(slo:sli_error:ratio_rate{w}{{sloth_id="{}"}})"#, case.sloth_id);
            let ours = format!(r#"max(slo:sli_error:ratio_rate{w}{{rely_slo="{}"}})"#, case.rely_slo);
            t += &format!(
                "      - expr: 'abs({sloth} - {ours}) < bool 1e-12'\n        eval_time: 130m\n        exp_samples: [{{labels: '{{}}', value: 1}}]\n"
            );
            t +=
                &format!("      - expr: '{ours} > bool 0'\n        eval_time: 130m\n        exp_samples: [{{labels: '{{}}', value: 1}}]\n");
        }
        std::fs::write(tmp.path().join("conformance.test.yml"), &t).unwrap();
        let (ok, out) = crate::promtool::promtool(&["test", "rules", "conformance.test.yml"], tmp.path());
        assert!(ok, "{} vs {}: {out}\n{t}", case.sloth_file, case.rely_slo);
    }
}

/// (severity, short/long window, factor) of every burn-rate condition in a rule file.
fn burn_conditions(path: &Path, id_label: &str, id: &str, severity_label: &str) -> BTreeSet<(String, String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let re = regex::Regex::new(r"slo:sli_error:ratio_rate(\w+)\{[^}]*\} > \(([0-9.e-]+) \* ([0-9.e-]+)\)").unwrap();
    let mut out = BTreeSet::new();
    for g in v["groups"].as_sequence().unwrap() {
        for r in g["rules"].as_sequence().unwrap() {
            let Some(expr) = r["expr"].as_str() else { continue };
            if r["alert"].is_null() || !expr.contains(&format!("{id_label}=\"{id}\"")) {
                continue;
            }
            let sev = r["labels"][severity_label].as_str().unwrap().to_string();
            for c in re.captures_iter(expr) {
                let factor: f64 = c[2].parse().unwrap();
                let budget: f64 = c[3].parse().unwrap();
                out.insert((sev.clone(), c[1].to_string(), format!("{:.6}", factor * budget)));
            }
        }
    }
    out
}

#[test]
fn burn_windows_and_factors_match_sloth() {
    let mut compared = 0;
    for (case, imported) in CASES.iter().map(|c| (c, false)).chain(IMPORTED.iter().map(|c| (c, true))) {
        let files = outputs(case, imported);
        let tmp = tempfile::tempdir().unwrap();
        rely::emit::write(&tmp.path().join("gen"), &files).unwrap();
        let ours = burn_conditions(
            &tmp.path().join(format!("gen/prometheus/{}.rules.yml", case.rely_service)),
            "rely_slo",
            case.rely_slo,
            "severity",
        );
        let sloth_path = root().join("tests/fixtures/sloth/gen").join(format!("{}.yml", case.sloth_file));
        let theirs = burn_conditions(&sloth_path, "sloth_id", case.sloth_id, "sloth_severity");
        if theirs.is_empty() {
            continue; // Sloth generated no alerts for this SLO (alerts disabled there).
        }
        assert_eq!(ours, theirs, "{} / {}", case.sloth_file, case.rely_slo);
        compared += 1;
    }
    assert!(compared >= 10, "only {compared} cases had alerts to compare");
}

/// Minutes of raw series (selectors of names other than recorded `slo:` ones) that the rules
/// recording `slo`'s SLI read per evaluation: the sum of their range selectors.
fn raw_minutes(rules: &str, label: &str, slo: &str) -> u64 {
    use promql_parser::parser::Expr;
    fn walk(e: &Expr) -> u64 {
        match e {
            Expr::MatrixSelector(m) if !m.vs.name.as_deref().unwrap_or("").starts_with("slo:") => m.range.as_secs() / 60,
            Expr::MatrixSelector(_) | Expr::VectorSelector(_) | Expr::NumberLiteral(_) | Expr::StringLiteral(_) => 0,
            Expr::Aggregate(a) => walk(&a.expr),
            Expr::Unary(u) => walk(&u.expr),
            Expr::Binary(b) => walk(&b.lhs) + walk(&b.rhs),
            Expr::Paren(p) => walk(&p.expr),
            Expr::Subquery(s) => walk(&s.expr),
            Expr::Call(c) => c.args.args.iter().map(|a| walk(a)).sum(),
            Expr::Extension(_) => panic!("unexpected extension"),
        }
    }
    let v: serde_yaml::Value = serde_yaml::from_str(rules).unwrap();
    let mut total = 0;
    for g in v["groups"].as_sequence().unwrap() {
        for r in g["rules"].as_sequence().unwrap() {
            if r["record"].is_string() && r["labels"][label] == slo {
                total += walk(&promql_parser::parser::parse(r["expr"].as_str().unwrap()).unwrap());
            }
        }
    }
    total
}

/// Rule cost by construction: for the same ratio SLO, rely's SLI rules read at most a fifth of
/// the raw-series minutes Sloth's own rules read (derived windows read 5m and 30m; Sloth reads
/// every window up to 3d), while `windows: exact` reads what Sloth reads.
#[test]
fn derived_windows_read_a_fraction_of_sloths_raw_series() {
    let sloth = std::fs::read_to_string(root().join("tests/fixtures/sloth/gen/getting-started.yml")).unwrap();
    let sloth_minutes = raw_minutes(&sloth, "sloth_id", "myservice-requests-availability");
    assert_eq!(sloth_minutes, 2 * (5 + 30 + 60 + 120 + 360 + 1440 + 4320), "errors and total over every window");
    let files = build(&root().join("tests/fixtures/sloth/rely-30d"));
    let rules = &files.iter().find(|f| f.path == "prometheus/myservice.rules.yml").unwrap().contents;
    let ours = raw_minutes(rules, "rely_slo", "requests-availability");
    assert_eq!(ours, 2 * (5 + 30));
    assert!(ours * 5 <= sloth_minutes, "{ours} vs Sloth's {sloth_minutes}");
    eprintln!("raw-series minutes per evaluation: rely {ours}, Sloth {sloth_minutes} ({:.2}%)", 100.0 * ours as f64 / sloth_minutes as f64);

    let tmp = tempfile::tempdir().unwrap();
    crate::chaos::copy_dir(&root().join("tests/fixtures/sloth/rely-30d"), tmp.path());
    let project = "---\napiVersion: rely/v1\nkind: Project\nmetadata: {name: x}\nspec:\n  prometheus: {windows: exact}\n";
    std::fs::write(tmp.path().join("project.yaml"), project).unwrap();
    let files = build(tmp.path());
    let rules = &files.iter().find(|f| f.path == "prometheus/myservice.rules.yml").unwrap().contents;
    assert_eq!(raw_minutes(rules, "rely_slo", "requests-availability"), sloth_minutes + 2 * 5, "exact: Sloth's windows and the 5m events");
}
