//! Configurations that fit an existing stack: the Alertmanager fragment merged into someone
//! else's configuration (judged by amtool, every generated alert routed), prometheus-operator
//! `AlertmanagerConfig` and `PrometheusRule` objects judged by the operator's own CRD schemas
//! (vendored in tests/vendor/prometheus-operator, Apache-2.0), with the namespace and labels the
//! Project asks for.

use std::path::Path;

use crate::chaos::copy_dir;
use crate::ops::amtool;
use crate::{rely, require_tool, root};

/// The example repository with `edit` applied to its project.yaml, built into `<tmp>/out`.
fn build_with(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    copy_dir(&root().join("reliability"), &dir);
    let project = dir.join("project.yaml");
    let before = std::fs::read_to_string(&project).unwrap();
    let after = edit(before.clone());
    assert_ne!(before, after);
    std::fs::write(&project, after).unwrap();
    let (code, stdout, stderr) = rely(&["build", "reliability", "--out", "gen", "--quiet"], tmp.path());
    assert_eq!(code, 0, "{stdout}{stderr}");
    tmp
}

/// A CRD's OpenAPI schema, made strict: Kubernetes prunes unknown fields silently, so a
/// misspelt field would vanish on apply; here it is an error.
fn strict_schema(file: &str) -> jsonschema::Validator {
    fn close(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                if m.contains_key("properties")
                    && !m.contains_key("additionalProperties")
                    && !m.contains_key("x-kubernetes-preserve-unknown-fields")
                {
                    m.insert("additionalProperties".into(), serde_json::Value::Bool(false));
                }
                m.values_mut().for_each(close);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(close),
            _ => {}
        }
    }
    let path = root().join("tests/vendor/prometheus-operator").join(file);
    let mut schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    close(&mut schema);
    jsonschema::validator_for(&schema).unwrap()
}

fn errors(v: &jsonschema::Validator, doc: &serde_json::Value) -> Vec<String> {
    v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).take(5).collect()
}

#[test]
fn the_fragment_merges_into_an_existing_configuration_and_routes_every_alert() {
    let tmp = build_with(|p| p.replacen("  alertmanager:\n", "  alertmanager:\n    format: fragment\n", 1));
    let dir = tmp.path().join("gen");
    assert!(!dir.join("alertmanager/production/alertmanager.yml").exists(), "no whole configuration");
    let fragment: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.join("alertmanager/production/fragment.yml")).unwrap()).unwrap();
    // Someone's existing configuration, with its own root, routes, receivers and inhibition.
    let mut existing: serde_yaml::Value = serde_yaml::from_str(
        r#"
global: {resolve_timeout: 5m, smtp_smarthost: "mail.example.com:587", smtp_from: am@example.com}
route:
  receiver: ops-default
  group_by: [alertname, cluster]
  routes:
    - receiver: dba
      matchers: ['job="postgres"']
receivers:
  - name: ops-default
    webhook_configs: [{url: "http://hooks.example.com/ops"}]
  - name: dba
    email_configs: [{to: dba@example.com}]
inhibit_rules:
  - source_matchers: ['alertname="ClusterDown"']
    target_matchers: ['severity="warning"']
    equal: [cluster]
"#,
    )
    .unwrap();
    // The merge the fragment's header describes.
    let mut routes = fragment["route"]["routes"].as_sequence().unwrap().clone();
    routes.extend(existing["route"]["routes"].as_sequence().unwrap().clone());
    existing["route"]["routes"] = serde_yaml::Value::Sequence(routes);
    for key in ["receivers", "inhibit_rules"] {
        let mut all = existing[key].as_sequence().unwrap().clone();
        all.extend(fragment[key].as_sequence().unwrap().clone());
        existing[key] = serde_yaml::Value::Sequence(all);
    }
    std::fs::write(dir.join("merged.yml"), serde_yaml::to_string(&existing).unwrap()).unwrap();
    if !require_tool("amtool") {
        return;
    }
    let (ok, out) = amtool(&["check-config", "merged.yml"], &dir);
    assert!(ok, "{out}");
    // Every generated alert reaches the receiver routes.tsv names (the root is theirs now).
    let tsv = std::fs::read_to_string(dir.join("alertmanager/production/routes.tsv")).unwrap();
    let mut n = 0;
    for line in tsv.lines().filter(|l| !l.starts_with('#')) {
        let c: Vec<&str> = line.split('\t').collect();
        let receiver = if c[4] == "existing-root" { "ops-default" } else { c[4] };
        let verify = format!("--verify.receivers={receiver}");
        let labels = [format!("alertname={}", c[0]), format!("team={}", c[1]), format!("severity={}", c[2]), format!("service={}", c[3])];
        let mut args = vec!["config", "routes", "test", "--config.file=merged.yml", &verify];
        args.extend(labels.iter().map(String::as_str));
        let (ok, out) = amtool(&args, &dir);
        assert!(ok, "{line}: {out}");
        n += 1;
    }
    assert!(n > 40, "{n}");
    // Their alerts still go where they went, even one whose `team` label is also a rely team's.
    for (labels, receiver) in [
        (&["job=postgres", "severity=page"][..], "dba"),
        (&["alertname=NodeDown"][..], "ops-default"),
        (&["alertname=DiskFull", "team=platform", "severity=page", "service=their-nas"][..], "ops-default"),
    ] {
        let verify = format!("--verify.receivers={receiver}");
        let mut args = vec!["config", "routes", "test", "--config.file=merged.yml", &verify];
        args.extend(labels);
        let (ok, out) = amtool(&args, &dir);
        assert!(ok, "{labels:?}: {out}");
    }
    // rely verify judges the merged example it wrote.
    let (code, stdout, _) = rely(&["verify", "gen"], tmp.path());
    assert!(stdout.contains("ok   amtool check-config alertmanager/production/merged-example.yml"), "{stdout}");
    assert!(stdout.contains("ok   amtool config routes test alertmanager/production/routes.tsv"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{code} {stdout}");
}

#[test]
fn operator_objects_match_the_crd_schemas_with_namespace_and_labels() {
    let tmp = build_with(|p| {
        p.replacen(
            "  alertmanager:\n",
            "  alertmanager:\n    format: prometheus-operator\n    operator: {namespace: monitoring, labels: {alertmanagerConfig: main}}\n",
            1,
        )
        .replacen(
            "    format: rules\n",
            "    format: prometheus-operator\n    operator: {namespace: monitoring, labels: {prometheus: k8s, role: alert-rules}}\n",
            1,
        )
    });
    let dir = tmp.path().join("gen");
    let read = |p: &Path| -> serde_json::Value { serde_yaml::from_str(&std::fs::read_to_string(p).unwrap()).unwrap() };
    let amc = strict_schema("alertmanagerconfig-v1alpha1.schema.json");
    let mut configs = vec![];
    for env in ["production", "staging"] {
        for e in std::fs::read_dir(dir.join("alertmanager").join(env)).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            assert!(name.ends_with(".alertmanagerconfig.yml"), "{name}: nothing but AlertmanagerConfig objects");
            let v = read(&e.path());
            assert_eq!(errors(&amc, &v), Vec::<String>::new(), "{name}");
            assert_eq!(v["metadata"]["namespace"], "monitoring");
            assert_eq!(v["metadata"]["labels"]["alertmanagerConfig"], "main");
            configs.push((env, name, v));
        }
    }
    assert_eq!(configs.len(), 10, "5 teams in 2 environments");
    // The data team pages through PagerDuty in production, by a Secret key named after the file.
    let (_, _, data) = configs.iter().find(|(env, n, _)| *env == "production" && n.starts_with("data.")).unwrap();
    let page = data["spec"]["receivers"].as_array().unwrap().iter().find(|r| r["name"] == "data-page").unwrap();
    assert_eq!(page["pagerdutyConfigs"][0]["routingKey"], serde_json::json!({"name": "rely-data", "key": "pagerduty-data.key"}));
    assert_eq!(data["spec"]["route"]["matchers"][0], serde_json::json!({"name": "team", "value": "data", "matchType": "="}));
    // In staging the same team's pages go to email only.
    let (_, _, staging) = configs.iter().find(|(env, n, _)| *env == "staging" && n.starts_with("data.")).unwrap();
    let page = staging["spec"]["receivers"].as_array().unwrap().iter().find(|r| r["name"] == "data-page").unwrap();
    assert!(page["pagerdutyConfigs"].is_null() && page["emailConfigs"].is_array(), "{page}");
    // The schema is not vacuous: a misspelt field is rejected.
    let mut bad = data.clone();
    bad["spec"]["route"]["groupby"] = serde_json::json!(["alertname"]);
    assert!(!errors(&amc, &bad).is_empty());

    let pr = strict_schema("prometheusrule-v1.schema.json");
    let rules: Vec<_> = std::fs::read_dir(dir.join("prometheus")).unwrap().flatten().filter(|e| e.path().is_file()).collect();
    assert_eq!(rules.len(), 8);
    let mut alerts = 0;
    for e in rules {
        let v = read(&e.path());
        assert_eq!(errors(&pr, &v), Vec::<String>::new(), "{:?}", e.path());
        assert_eq!(v["kind"], "PrometheusRule");
        assert_eq!(v["metadata"]["namespace"], "monitoring");
        let labels = &v["metadata"]["labels"];
        assert_eq!((&labels["prometheus"], &labels["role"]), (&serde_json::json!("k8s"), &serde_json::json!("alert-rules")));
        assert_eq!(labels["app.kubernetes.io/managed-by"], "rely");
        // Every alert carries the AlertmanagerConfig's namespace, which the operator's routes match.
        for g in v["spec"]["groups"].as_array().unwrap() {
            for r in g["rules"].as_array().unwrap().iter().filter(|r| r.get("alert").is_some()) {
                assert_eq!(r["labels"]["namespace"], "monitoring", "{}", r["alert"]);
                alerts += 1;
            }
        }
    }
    assert!(alerts > 20, "{alerts} alerts checked");
}
