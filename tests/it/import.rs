//! `rely import`: the real public specs in `tests/fixtures/import/` (see PROVENANCE.md there)
//! become rely SLOs that check, build and pass their generated promtool tests; every loss is a
//! finding at the source's line; the findings' fixtures produce exactly their codes; nothing is
//! written over an existing file.

use std::path::{Path, PathBuf};

use crate::{rely, require_tool, root};

const TEAMS: &str = "apiVersion: rely/v1\nkind: Team\nmetadata: {name: platform}\nspec:\n  members: [{name: P, email: p@example.com}]\n  notify: {page: [{email: {to: p@example.com}}], ticket: [{email: {to: p@example.com}}]}\n---\napiVersion: rely/v1\nkind: Team\nmetadata: {name: myteam}\nspec:\n  members: [{name: M, email: m@example.com}]\n  notify: {page: [{email: {to: m@example.com}}], ticket: [{email: {to: m@example.com}}]}\n---\napiVersion: rely/v1\nkind: Team\nmetadata: {name: myteam2}\nspec:\n  members: [{name: N, email: n@example.com}]\n  notify: {page: [{email: {to: n@example.com}}], ticket: [{email: {to: n@example.com}}]}\n---\napiVersion: rely/v1\nkind: Team\nmetadata: {name: parca}\nspec:\n  members: [{name: Q, email: q@example.com}]\n  notify: {page: [{email: {to: q@example.com}}], ticket: [{email: {to: q@example.com}}]}\n";

fn corpus(format: &str) -> Vec<PathBuf> {
    crate::fixtures::fixtures(&format!("import/{format}"))
}

/// Imports `files` into `<tmp>/reliability/imported` (with the Teams the specs name) through
/// the command line; returns (exit code, stdout, stderr).
fn import(tmp: &Path, format: &str, files: &[PathBuf]) -> (i32, String, String) {
    let rel = tmp.join("reliability");
    std::fs::create_dir_all(&rel).unwrap();
    std::fs::write(rel.join("teams.yaml"), TEAMS).unwrap();
    let mut args: Vec<String> = vec!["import".into(), format.into()];
    args.extend(files.iter().map(|f| f.display().to_string()));
    args.extend(
        ["--out", "reliability/imported", "--owner", "platform", "--runbook", "https://runbooks.example.com/imported"].map(String::from),
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    rely(&args, tmp)
}

/// SLO documents written under `dir`.
fn slo_count(dir: &Path) -> usize {
    crate::tree(dir).values().map(|b| String::from_utf8_lossy(b).matches("\nkind: SLO\n").count()).sum()
}

/// Imports a format's whole corpus: at least 90% of its SLOs become rely SLOs that check, build
/// and pass their generated promtool tests; returns the findings' text and the imported files'.
fn corpus_passes(format: &str, min_files: usize) -> (String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let files = corpus(format);
    assert!(files.len() >= min_files);
    let (code, findings, err) = import(tmp.path(), format, &files);
    // Something is lost (an SLI plugin, severity labels, SLO plugins): exit 1, files written.
    assert_eq!(code, 1, "{findings}\n{err}");
    let found: usize =
        err.split("imported ").nth(1).and_then(|s| s.split(" of ").nth(1)).and_then(|s| s.split(' ').next()).unwrap().parse().unwrap();
    let imported = slo_count(&tmp.path().join("reliability/imported"));
    assert!(imported * 10 >= found * 9, "only {imported} of {found} SLOs imported:\n{findings}");
    eprintln!("{format}: {imported} of {found} SLOs imported ({:.0}%)", 100.0 * imported as f64 / found as f64);
    // The imported directory checks clean, builds, and its generated tests pass.
    let (code, out, err) = rely(&["check", "reliability"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    if require_tool("promtool") {
        let generated = tmp.path().join("generated/prometheus");
        let tests: Vec<String> = std::fs::read_dir(generated.join("tests"))
            .unwrap()
            .map(|e| format!("tests/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|p| p.ends_with(".yml"))
            .collect();
        assert!(!tests.is_empty(), "{tests:?}");
        // SLOs rely cannot drive with synthetic series (a raw query) or that do not alert get no
        // test; they are listed in UNTESTED.md.
        let untested = std::fs::read_to_string(generated.join("tests/UNTESTED.md")).unwrap_or_default();
        let untested = untested.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| service")).count();
        eprintln!("{format}: {} of {found} SLOs have generated promtool tests, which pass", imported - untested);
        let mut args = vec!["test", "rules"];
        args.extend(tests.iter().map(String::as_str));
        let (ok, out) = crate::promtool::promtool(&args, &generated);
        assert!(ok, "{out}");
    }
    let imported: String =
        crate::tree(&tmp.path().join("reliability/imported")).values().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    (findings, imported)
}

#[test]
fn sloth_corpus_imports_checks_builds_and_passes_promtool() {
    let (out, _) = corpus_passes("sloth", 9);
    // Every loss is a finding at the source's line, and there are some (the plugin SLO).
    assert!(out.contains("IMP002") && out.contains("plugin-getting-started.yml:"), "{out}");
    assert!(out.contains("IMP003") && out.contains("`severity: critical`"), "{out}");
}

#[test]
fn pyrra_corpus_imports_checks_builds_and_passes_promtool() {
    let (out, imported) = corpus_passes("pyrra", 40);
    assert!(out.contains("IMP002") && out.contains("dynamic-burn-rate-latency-native.yaml:"), "{out}");
    // `grouping: [handler]` is the SLO's `group_by`, and its queries sum by handler.
    assert!(!out.contains("grouping by handler"), "{out}");
    assert!(imported.contains("group_by:\n  - handler\n") || imported.contains("group_by: [handler]"), "{imported}");
    assert!(imported.contains("sum by (handler) (rate(prometheus_http_requests_total{"), "{imported}");
    assert!(out.contains("rely's page would need"), "{out}");
    // A `matchers` list beside `metric` is no Pyrra field: the loss is said where it is.
    assert!(out.contains("`matchers` is not a field of a Pyrra query") && out.contains("demo-dynamic-burnrate.yaml:19:"), "{out}");
    // `alerting.labels.team` names the owner.
    assert!(imported.contains("kind: Service\nmetadata:\n  name: parca\nspec:\n  owner: parca\n"), "{imported}");
}

#[test]
fn imported_documents_say_where_they_came_from_and_keep_what_rely_can_express() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, out, err) = import(tmp.path(), "sloth", &[root().join("tests/fixtures/import/sloth/getting-started.yml")]);
    assert_eq!(code, 1, "{out}\n{err}");
    let text = std::fs::read_to_string(tmp.path().join("reliability/imported/myservice.yaml")).unwrap();
    let docs: Vec<serde_yaml::Value> =
        serde_yaml::Deserializer::from_str(&text).map(|d| serde::Deserialize::deserialize(d).unwrap()).collect();
    assert_eq!(docs.len(), 2, "{text}");
    assert!(text.starts_with("# Imported by `rely import` from "), "{text}");
    assert!(text.contains("getting-started.yml:9 (Sloth service `myservice`, SLO `requests-availability`)"), "{text}");
    let slo = &docs[1];
    assert_eq!(slo["metadata"]["name"], "myservice-requests-availability");
    assert_eq!(docs[0]["spec"]["owner"], "myteam", "the source's owner label wins over --owner");
    assert_eq!(docs[0]["spec"]["tier"], 2);
    let spec = &slo["spec"];
    assert_eq!(spec["objective"], 99.9);
    assert_eq!(spec["window"], "30d");
    assert_eq!(
        spec["indicator"]["ratio"]["errors"],
        r#"sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[{{window}}]))"#
    );
    assert_eq!(spec["labels"]["repo"], "myorg/myservice");
    assert_eq!(spec["alerting"]["name"], "MyServiceHighErrorRate");
    assert_eq!(spec["alerting"]["labels"]["category"], "availability");
    assert_eq!(spec["alerting"]["annotations"]["summary"], "High error rate on 'myservice' requests responses");
    assert_eq!(spec["alerting"]["page"]["labels"]["routing_key"], "myteam");
    assert_eq!(spec["alerting"]["ticket"]["labels"]["slack_channel"], "#alerts-myteam");
    assert_eq!(spec["alerting"]["runbook"], "https://runbooks.example.com/imported");
    // The severity labels are the loss, reported at their lines in the source.
    assert!(out.contains("getting-started.yml:25:"), "{out}");
    assert!(out.contains("getting-started.yml:29:"), "{out}");
    // The generated alert carries the name, labels and annotations.
    let (code, o, e) = rely(&["build", "reliability", "--out", "generated"], tmp.path());
    assert_eq!(code, 0, "{o}\n{e}");
    let rules = std::fs::read_to_string(tmp.path().join("generated/prometheus/myservice.rules.yml")).unwrap();
    assert!(rules.contains("alert: MyServiceHighErrorRate"), "{rules}");
    assert!(rules.contains("routing_key: myteam") && rules.contains("repo: myorg/myservice"), "{rules}");
}

#[test]
fn import_never_overwrites_and_unknown_files_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let src = root().join("tests/fixtures/import/sloth/getting-started.yml");
    let (code, _, _) = import(tmp.path(), "sloth", std::slice::from_ref(&src));
    assert_eq!(code, 1);
    let before = crate::tree(tmp.path());
    let (code, _, err) = import(tmp.path(), "sloth", std::slice::from_ref(&src));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("never overwrites"), "{err}");
    assert_eq!(crate::tree(tmp.path()), before);
    // A Prometheus rule file is not a Sloth spec: exit 2, nothing written.
    let other = tempfile::tempdir().unwrap();
    let (code, out, err) = import(other.path(), "sloth", &[root().join("tests/fixtures/sloth/gen/getting-started.yml")]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(out.contains("IMP001"), "{out}");
    assert!(!other.path().join("reliability/imported").exists());
    // A source whose YAML breaks after a good document: the error is reported, exit 2, nothing
    // written (the documents after the error would otherwise be lost silently).
    let good = std::fs::read_to_string(root().join("tests/fixtures/import/sloth/raw-home-wifi.yml")).unwrap();
    let broken = other.path().join("broken.yml");
    std::fs::write(&broken, format!("{good}\n---\nversion: \"prometheus/v1\"\nservice: [unclosed\n")).unwrap();
    let (code, out, err) = import(other.path(), "sloth", &[broken]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(out.contains("YML001"), "{out}");
    assert!(!other.path().join("reliability/imported").exists());
    // Without an owner in the source or --owner, nothing is written either.
    let rel = other.path().join("r");
    std::fs::create_dir_all(&rel).unwrap();
    let (code, _, err) = rely(
        &["import", "sloth", &root().join("tests/fixtures/import/sloth/raw-home-wifi.yml").display().to_string(), "--out", "r/x"],
        other.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--owner"), "{err}");
    assert!(!rel.join("x").exists());
}

/// Each fixture in `tests/fixtures/import/findings/` (`# format:` and `# expect:` on its first
/// lines) produces exactly the codes it expects.
#[test]
fn import_finding_fixtures_produce_exactly_their_codes() {
    for f in import_fixtures() {
        let text = std::fs::read_to_string(&f).unwrap();
        let format = text.lines().find_map(|l| l.strip_prefix("# format:")).unwrap().trim();
        let want = expected(&f);
        let opts = rely::import::Options {
            format: rely::import::Format::parse(format).unwrap(),
            files: vec![f.clone()],
            out: PathBuf::from("unused"),
            owner: Some("platform".into()),
            runbook: None,
            severities: None,
            taken: Default::default(),
        };
        let imp = rely::import::read(&opts);
        let mut got: Vec<String> = imp.findings.iter().map(|x| x.rule.code.to_string()).collect();
        got.sort();
        assert_eq!(got, want, "{}", f.display());
        for x in &imp.findings {
            assert!(x.help.is_some() && x.span.start.line > 0, "{}: {x:?}", f.display());
        }
    }
}

pub(crate) fn import_fixtures() -> Vec<PathBuf> {
    corpus("findings")
}

pub(crate) fn expected(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let list = text.lines().find_map(|l| l.strip_prefix("# expect:")).unwrap().trim().to_string();
    let mut v: Vec<String> = list.split(',').map(|c| c.trim().to_string()).collect();
    v.sort();
    v
}

mod writer {
    //! The import writer cannot be escaped: arbitrary source text (service and SLO names,
    //! descriptions, label and annotation values, the source's file name) comes out as the same
    //! values in the same structure, read back by an independent parser (libyaml), with valid
    //! rely names and comments that stay comments.
    use proptest::prelude::*;
    use serde_json::json;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn imported_text_stays_text(
            service in crate::writers::nasty(),
            slo in crate::writers::nasty(),
            description in crate::writers::nasty(),
            label in crate::writers::nasty(),
            summary in crate::writers::nasty(),
            file in crate::writers::nasty(),
        ) {
            let source = json!({
                "version": "prometheus/v1",
                "service": service,
                "labels": {"owner": "payments", "note": label},
                "slos": [{
                    "name": slo,
                    "objective": 99.5,
                    "description": description,
                    "sli": {"events": {
                        "error_query": "sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}]))",
                        "total_query": "sum(rate(http_requests_total[{{.window}}]))",
                    }},
                    "alerting": {"name": "Burn", "annotations": {"summary": summary}, "page_alert": {"labels": {"route": label}}},
                }],
            });
            let tmp = tempfile::tempdir().unwrap();
            // A file name with the nasty text in it (where the file system allows it).
            let name: String = file.chars().filter(|c| *c != '/' && *c != '\0').collect();
            let path = tmp.path().join(format!("s{name}.yml"));
            let path = if std::fs::write(&path, rely::emit::yaml::to_string(&source)).is_ok() {
                path
            } else {
                let p = tmp.path().join("s.yml");
                std::fs::write(&p, rely::emit::yaml::to_string(&source)).unwrap();
                p
            };
            let opts = rely::import::Options {
                format: rely::import::Format::Sloth,
                files: vec![path],
                out: tmp.path().join("out"),
                owner: None,
                runbook: Some("https://runbooks.example.com/x".into()),
                severities: None,
                taken: Default::default(),
            };
            let imp = rely::import::read(&opts);
            prop_assert_eq!(imp.imported(), 1, "{:?}", imp.findings);
            let files = rely::import::render(&imp, &Default::default());
            prop_assert_eq!(files.len(), 1);
            let (path, text) = &files[0];
            // One plain file name: a rely name and `.yaml`, no directories.
            prop_assert_eq!(path.components().count(), 1);
            let re = regex::Regex::new("^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$").unwrap();
            let stem = path.to_string_lossy().trim_end_matches(".yaml").to_string();
            prop_assert!(re.is_match(&stem), "{}", stem);
            // Every line outside the documents' values is a comment or YAML: comments never break.
            for l in text.lines().filter(|l| l.starts_with('#')) {
                prop_assert!(l.starts_with("# Imported by `rely import` from "), "{}", l);
            }
            let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_str(text)
                .map(|d| serde::Deserialize::deserialize(d).map_err(|e| TestCaseError::fail(format!("{e}\n{text}"))))
                .collect::<Result<_, _>>()?;
            prop_assert_eq!(docs.len(), 2, "{}", text);
            prop_assert_eq!(&docs[0]["kind"], "Service");
            prop_assert_eq!(&docs[1]["kind"], "SLO");
            for d in &docs {
                prop_assert!(re.is_match(d["metadata"]["name"].as_str().unwrap()), "{}", text);
                prop_assert_eq!(d.as_mapping().unwrap().len(), 4, "{}", text);
            }
            let spec = &docs[1]["spec"];
            if !description.trim().is_empty() {
                prop_assert_eq!(spec["description"].as_str(), Some(description.as_str()));
            }
            prop_assert_eq!(spec["labels"]["note"].as_str(), Some(label.as_str()));
            prop_assert_eq!(spec["alerting"]["annotations"]["summary"].as_str(), Some(summary.as_str()));
            prop_assert_eq!(spec["alerting"]["page"]["labels"]["route"].as_str(), Some(label.as_str()));
            prop_assert_eq!(spec["alerting"]["runbook"].as_str(), Some("https://runbooks.example.com/x"));
        }
    }
}

/// OpenSLO: the Prometheus SLOs of the corpus are imported (one rely SLO per objective) and
/// pass check, build and their promtool tests; the others (no Prometheus query, a threshold
/// metric) are findings, as are alert policies and time-slice budgeting.
#[test]
fn openslo_corpus_imports_its_prometheus_slos() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, findings, err) = import(tmp.path(), "openslo", &corpus("openslo"));
    assert_eq!(code, 1, "{findings}\n{err}");
    let imported = slo_count(&tmp.path().join("reliability/imported"));
    eprintln!("openslo: {err}");
    assert_eq!(imported, 4, "{findings}\n{err}");
    assert!(err.contains("imported 4 of 6 SLOs"), "{err}");
    assert!(findings.contains("is a threshold on a metric"), "{findings}");
    assert!(findings.contains("not a Prometheus query"), "{findings}");
    assert!(findings.contains("`RatioTimeslices` budgeting"), "{findings}");
    assert!(findings.contains("OpenSLO AlertPolicy `high-priority` is not carried over: no SLO in the files given uses it"), "{findings}");
    let (code, out, err) = rely(&["check", "reliability"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    if require_tool("promtool") {
        let (ok, out) = crate::promtool::promtool(
            &["test", "rules", "tests/k8s-apiserver.test.yml", "tests/my-service.test.yml"],
            &tmp.path().join("generated/prometheus"),
        );
        assert!(ok, "{out}");
    }
}

/// `rely export openslo` of the example repository, imported back with `rely import openslo`,
/// gives the same SLOs: names, services, owners, tiers, objectives, windows, descriptions and
/// queries (a latency indicator comes back as the ratio of its good bucket over its count, the
/// same queries).
#[test]
fn openslo_export_imports_back_to_the_same_slos() {
    let (code, exported, err) = rely(&["export", "openslo", "reliability"], &root());
    assert_eq!(code, 0, "{err}");
    let docs: Vec<serde_yaml::Value> =
        serde_yaml::Deserializer::from_str(&exported).map(|d| serde::Deserialize::deserialize(d).unwrap()).collect();
    assert!(docs.iter().all(|d| d["apiVersion"] == "openslo/v1"), "{exported}");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("export.yaml"), &exported).unwrap();
    let opts = rely::import::Options {
        format: rely::import::Format::OpenSlo,
        files: vec![tmp.path().join("export.yaml")],
        out: tmp.path().join("unused"),
        owner: None,
        runbook: Some("https://runbooks.example.com/x".into()),
        severities: None,
        taken: Default::default(),
    };
    let imp = rely::import::read(&opts);
    assert!(imp.findings.is_empty(), "{:?}", imp.findings);
    let original = rely::model_of(&root().join("reliability")).unwrap().unwrap();
    let mut compared = 0;
    for svc in &original.services {
        for slo in &svc.slos {
            let back = imp.services.get(&svc.name).unwrap_or_else(|| panic!("service {}", svc.name));
            assert_eq!(back.spec.owner, svc.owner);
            assert_eq!(back.spec.tier, svc.tier);
            let b = back.slos.iter().find(|s| s.name == slo.name).unwrap_or_else(|| panic!("SLO {}", slo.name));
            let owner = b.spec.alerting.as_ref().and_then(|a| a.owner.clone()).unwrap_or_else(|| back.spec.owner.clone());
            assert_eq!(owner, slo.owner, "{}", slo.name);
            assert_eq!(b.spec.objective, slo.objective, "{}", slo.name);
            assert_eq!(rely::duration::parse(b.spec.window.as_deref().unwrap()), Some(slo.period), "{}", slo.name);
            assert_eq!(b.spec.description.clone().unwrap_or_default(), slo.description, "{}", slo.name);
            // The groups come back from the queries, which keep them (`sum by (channel)`).
            assert_eq!(b.spec.group_by, slo.group_by, "{}", slo.name);
            let i = b.spec.indicator.as_ref().unwrap();
            match &slo.sli {
                rely::model::Sli::Events { errors, total, source } => {
                    let r = i.ratio.as_ref().unwrap();
                    assert_eq!(r.total.trim(), total, "{}", slo.name);
                    match source {
                        rely::model::EventsSource::Errors => assert_eq!(r.errors.as_deref().map(str::trim), Some(errors.as_str())),
                        rely::model::EventsSource::Good(g) => assert_eq!(r.good.as_deref().map(str::trim), Some(g.as_str())),
                        rely::model::EventsSource::Latency { .. } => {
                            assert_eq!(format!("{total} - {}", r.good.as_deref().unwrap().trim()), *errors, "{}", slo.name)
                        }
                    }
                }
                rely::model::Sli::Raw { error_ratio } => {
                    assert_eq!(i.raw.as_ref().unwrap().error_ratio.trim(), error_ratio, "{}", slo.name)
                }
            }
            compared += 1;
        }
    }
    assert!(compared >= 10, "{compared}");
    assert!(original.services.iter().flat_map(|s| &s.slos).any(|s| !s.group_by.is_empty()), "a grouped SLO is compared");
}

#[test]
fn severity_labels_match_the_projects_severities_or_say_how_to_set_them() {
    // kubernetes-apiserver.yml gives its page `severity: critical`. Without Project severities
    // that is a loss whose help names the setting; with `severities: {page: critical}` in the
    // reliability directory it is expressed (no finding), and the alert carries it.
    let file = root().join("tests/fixtures/import/sloth/kubernetes-apiserver.yml");
    let tmp = tempfile::tempdir().unwrap();
    let (_, findings, err) = import(tmp.path(), "sloth", std::slice::from_ref(&file));
    let line = findings.lines().find(|l| l.contains("severity: critical")).unwrap_or_else(|| panic!("{findings}\n{err}"));
    assert!(line.contains("IMP003"), "{findings}");
    assert!(findings.contains("set `severities: {page: critical}` in the Project"), "{findings}");

    let tmp = tempfile::tempdir().unwrap();
    let rel = tmp.path().join("reliability");
    std::fs::create_dir_all(&rel).unwrap();
    std::fs::write(
        rel.join("project.yaml"),
        "apiVersion: rely/v1\nkind: Project\nmetadata: {name: k8s}\nspec:\n  severities: {page: critical, ticket: warning}\n",
    )
    .unwrap();
    let (_, findings, err) = import(tmp.path(), "sloth", &[file]);
    assert!(!findings.contains("severity: critical"), "{findings}\n{err}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    let rules = std::fs::read_to_string(tmp.path().join("generated/prometheus/k8s-apiserver.rules.yml")).unwrap();
    assert!(rules.contains("severity: critical") && rules.contains("severity: warning") && !rules.contains("severity: page"), "{rules}");
}

#[test]
fn openslo_threshold_metrics_of_prometheus_become_gauges() {
    // Good samples: the query below the objective's value (`op: lt`).
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("threshold.yaml");
    std::fs::write(
        &file,
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: annotator-lag}\nspec:\n  service: annotator\n  indicator:\n    metadata: {name: annotator-lag}\n    spec:\n      thresholdMetric:\n        metricSource:\n          type: Prometheus\n          spec:\n            query: sum(kafka_consumergroup_lag{consumergroup=\"annotator\"})\n  timeWindow:\n    - {duration: 28d, isRolling: true}\n  budgetingMethod: Occurrences\n  objectives:\n    - {op: lt, value: 1000, target: 0.99}\n",
    )
    .unwrap();
    let (code, findings, err) = import(tmp.path(), "openslo", &[file]);
    assert_eq!(code, 0, "{findings}\n{err}");
    let imported: String =
        crate::tree(&tmp.path().join("reliability/imported")).values().map(|b| String::from_utf8_lossy(b).into_owned()).collect();
    assert!(imported.contains("gauge:") && ["op: <", "op: '<'", "op: \"<\""].iter().any(|o| imported.contains(o)), "{imported}");
    assert!(imported.contains("threshold: 1000"), "{imported}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    let rules = std::fs::read_to_string(tmp.path().join("generated/prometheus/annotator.rules.yml")).unwrap();
    assert!(rules.contains("((sum(kafka_consumergroup_lag{consumergroup=\"annotator\"})) < bool 1000)[5m:1m]"), "{rules}");
}

#[test]
fn an_slo_name_the_reliability_directory_has_already_is_not_reused() {
    // The file imported once, its SLO moved out of the import folder into the reliability
    // directory's own `services.yaml`, and another file imported into that folder (so the folder
    // nearest `--out` holds rely documents but not that SLO). Importing the first file again into
    // the same folder: its SLO name is taken, so it gets `-2`, the comment says why, the Service
    // is not written again, and the directory checks without a duplicate name.
    let file = root().join("tests/fixtures/import/sloth/getting-started.yml");
    let tmp = tempfile::tempdir().unwrap();
    let (code, findings, err) = import(tmp.path(), "sloth", std::slice::from_ref(&file));
    assert!(code <= 1, "{findings}\n{err}");
    let rel = tmp.path().join("reliability");
    std::fs::rename(rel.join("imported/myservice.yaml"), rel.join("services.yaml")).unwrap();
    let (code, findings, err) = import(tmp.path(), "sloth", &[root().join("tests/fixtures/import/sloth/raw-home-wifi.yml")]);
    assert!(code <= 1, "{findings}\n{err}");
    assert!(std::fs::read_dir(rel.join("imported")).unwrap().count() > 0);
    let (code, findings, err) = import(tmp.path(), "sloth", std::slice::from_ref(&file));
    assert!(code <= 1, "{findings}\n{err}");
    let again = std::fs::read_to_string(rel.join("imported/myservice.yaml")).unwrap();
    assert!(again.contains("name: myservice-requests-availability-2\n"), "{again}");
    assert!(again.contains("`myservice-requests-availability` was taken by an SLO of the reliability directory"), "{again}");
    assert!(!again.contains("kind: Service"), "{again}");
    let (code, out, err) = rely(&["check", "reliability", "--format", "json"], tmp.path());
    assert!(code <= 1 && !out.contains("\"REF002\""), "{out}\n{err}");
}

/// The OpenSLO v1 JSON Schema's `$ref`s (`https://openslo.com/schemas/v1/parts/...`) resolved to
/// the vendored copy, never the network. The schema was withdrawn before the v1 spec gained the
/// `raw` ratio (`ratioMetric: {rawType: success|failure, raw: {metricSource}}`, "can't be used
/// together with good/bad/total"; `counter` "ignored when using raw"), which rely exports for
/// raw and gauge SLIs: the SLI part gets that alternative, exactly as the spec's text says.
struct OpensloParts;

impl jsonschema::Retrieve for OpensloParts {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<serde_json::Value, Box<dyn std::error::Error + Send + Sync>> {
        let rel = uri.as_str().strip_prefix("https://openslo.com/schemas/v1/").ok_or_else(|| format!("not an OpenSLO part: {uri}"))?;
        let text = std::fs::read_to_string(root().join("tests/vendor/openslo/schemas-v1-historical").join(rel))?;
        let mut v: serde_json::Value = serde_json::from_str(&text)?;
        if rel == "parts/sli-spec.schema.json" {
            let ratio = &mut v["properties"]["spec"]["properties"]["ratioMetric"];
            let counted = ratio.take();
            let source = serde_json::json!({"type": "object", "required": ["metricSource"], "properties": {"metricSource": {"$ref": "https://openslo.com/schemas/v1/parts/metricsource.schema.json"}}});
            *ratio = serde_json::json!({"oneOf": [counted, {
                "type": "object",
                "required": ["rawType", "raw"],
                "properties": {"rawType": {"enum": ["success", "failure"]}, "raw": source},
                "not": {"anyOf": [{"required": ["good"]}, {"required": ["bad"]}, {"required": ["total"]}]}
            }]});
        }
        Ok(v)
    }
}

#[test]
fn openslo_export_matches_the_openslo_v1_json_schema() {
    let text = std::fs::read_to_string(root().join("tests/vendor/openslo/schemas-v1-historical/openslo.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::draft7::options().with_retriever(OpensloParts).build(&schema).unwrap();
    let (code, exported, err) = rely(&["export", "openslo", "reliability"], &root());
    assert_eq!(code, 0, "{err}");
    let docs: Vec<serde_json::Value> =
        serde_yaml::Deserializer::from_str(&exported).map(|d| serde::Deserialize::deserialize(d).unwrap()).collect();
    let kinds: std::collections::BTreeSet<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
    assert_eq!(kinds, ["SLO", "Service"].into(), "every kind rely exports is judged (SLIs inline)");
    for d in &docs {
        let errors: Vec<String> = validator.iter_errors(d).map(|e| format!("{e} at {}", e.instance_path())).take(5).collect();
        assert!(errors.is_empty(), "{} {}: {errors:#?}", d["kind"], d["metadata"]["name"]);
    }
    // Not vacuous: an SLO without its budgeting method, or with a misspelt kind, is refused.
    let slo = docs.iter().find(|d| d["kind"] == "SLO").unwrap();
    let mut bad = slo.clone();
    bad["spec"].as_object_mut().unwrap().remove("budgetingMethod");
    assert!(!validator.is_valid(&bad));
    let mut bad = slo.clone();
    bad["kind"] = "Slo".into();
    assert!(!validator.is_valid(&bad));
    let raw = docs.iter().find(|d| !d["spec"]["indicator"]["spec"]["ratioMetric"]["raw"].is_null()).expect("a raw SLI is judged");
    let mut bad = raw.clone();
    bad["spec"]["indicator"]["spec"]["ratioMetric"]["rawType"] = "errors".into();
    assert!(!validator.is_valid(&bad));
    let mut bad = raw.clone();
    bad["spec"]["indicator"]["spec"]["ratioMetric"]["total"] = raw["spec"]["indicator"]["spec"]["ratioMetric"]["raw"].clone();
    assert!(!validator.is_valid(&bad), "raw with total");
}

#[test]
fn openslo_alert_policies_become_the_slos_alert_policy() {
    // A policy by ref (its condition by ref too) and an inline one: each burn-rate condition is
    // a window pair of its tier (the lookback as the long window, a twelfth as the short one),
    // `alertAfter` the tier's `for:`. The tests rely generates for that policy pass promtool, and
    // a policy no SLO uses is a finding.
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("openslo.yaml");
    std::fs::write(
        &file,
        r#"- apiVersion: openslo/v1
  kind: AlertCondition
  metadata: {name: fast-burn}
  spec:
    severity: page
    condition: {kind: burnrate, op: gt, threshold: 14.4, lookbackWindow: 1h, alertAfter: 2m}
- apiVersion: openslo/v1
  kind: AlertPolicy
  metadata: {name: pager}
  spec:
    alertWhenBreaching: true
    conditions:
      - conditionRef: fast-burn
    notificationTargets:
      - targetRef: on-call
- apiVersion: openslo/v1
  kind: AlertPolicy
  metadata: {name: 404}
  spec:
    alertWhenNoData: "false"
    conditions:
      - conditionRef: fast-burn
- apiVersion: openslo/v1
  kind: AlertPolicy
  metadata: {name: unused}
  spec:
    alertWhenBreaching: true
    conditions:
      - conditionRef: fast-burn
    notificationTargets: []
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: checkout-availability}
  spec:
    service: checkout
    indicator:
      metadata: {name: checkout-errors}
      spec:
        ratioMetric:
          counter: true
          bad:
            metricSource:
              type: Prometheus
              spec: {query: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))'}
          total:
            metricSource:
              type: Prometheus
              spec: {query: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))'}
    timeWindow:
      - {duration: 30d, isRolling: true}
    budgetingMethod: Occurrences
    objectives:
      - {target: 0.999}
    alertPolicies:
      - alertPolicyRef: pager
      - alertPolicyRef: 404
      - kind: AlertPolicy
        metadata: {name: slow}
        spec:
          alertWhenBreaching: true
          conditions:
            - kind: AlertCondition
              metadata: {name: slow-burn}
              spec:
                severity: warning
                condition: {kind: burnrate, op: gte, threshold: 3, lookbackWindow: 1d}
            - kind: AlertCondition
              metadata: {name: impossible}
              spec:
                severity: critical
                condition: {kind: burnrate, op: gt, threshold: 2000, lookbackWindow: 6h}
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: checkout-never}
  spec:
    service: checkout
    indicatorRef: checkout-errors-sli
    timeWindow:
      - {duration: 30d, isRolling: true}
    budgetingMethod: Occurrences
    objectives:
      - {target: 0.999}
    alertPolicies:
      - kind: AlertPolicy
        metadata: {name: never}
        spec:
          conditions:
            - kind: AlertCondition
              metadata: {name: never-fires}
              spec:
                severity: page
                condition: {kind: burnrate, op: gt, threshold: 5000, lookbackWindow: 1h}
- apiVersion: openslo/v1
  kind: SLI
  metadata: {name: checkout-errors-sli}
  spec:
    ratioMetric:
      counter: true
      bad:
        metricSource:
          type: Prometheus
          spec: {query: 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))'}
      total:
        metricSource:
          type: Prometheus
          spec: {query: 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))'}
"#,
    )
    .unwrap();
    let (code, findings, err) = import(tmp.path(), "openslo", std::slice::from_ref(&file));
    assert_eq!(code, 1, "{findings}\n{err}");
    let at = |needle: &str| findings.lines().filter(|l| l.contains(needle)).count();
    // Findings about a referenced policy's or condition's own fields point at them, in their
    // document, once however many SLOs or policies refer to them.
    let text = std::fs::read_to_string(&file).unwrap();
    let line_of = |needle: &str| format!("openslo.yaml:{}:", text.lines().position(|l| l.contains(needle)).unwrap() + 1);
    let where_is = |message: &str| {
        let i = findings.find(message).unwrap_or_else(|| panic!("no `{message}` in {findings}"));
        findings[i..].lines().find(|l| l.trim_start().starts_with("-->")).unwrap().to_string()
    };
    let short = "alert condition `fast-burn` (burn rate over 14.4 for 1h) is imported with a short window of 5m as well";
    assert_eq!(at(short), 1, "{findings}");
    assert!(where_is(short).contains(&line_of("threshold: 14.4")), "{findings}");
    let targets = "the notification targets of alert policy `pager` are not carried over";
    assert_eq!(at(targets), 1, "{findings}");
    // (`pager` is the first policy with notification targets in the file)
    assert!(where_is(targets).contains(&line_of("notificationTargets:")), "{findings}");
    // A policy named by a number (`name: 404`) is found, and a boolean written as a string read.
    let no_data = "`alertWhenNoData: false` of alert policy `404` is not carried over";
    assert_eq!(at(no_data), 1, "{findings}");
    assert!(where_is(no_data).contains(&line_of("alertWhenNoData: \"false\"")), "{findings}");
    assert!(!findings.contains("alert policy `404` is not in the files given"), "{findings}");
    assert_eq!(at("is imported with a short window of 2h as well"), 1, "{findings}");
    assert_eq!(at("severity `warning` of alert condition `slow-burn` is imported as the ticket tier"), 1, "{findings}");
    assert_eq!(at("AlertPolicy `unused` is not carried over"), 1, "{findings}");
    // 2000 x 0.1% is more than every event failing: left out, the others kept; the policy named
    // twice gives its window pair once.
    assert_eq!(at("alert condition `impossible` can never fire for objective 99.9%"), 1, "{findings}");
    assert_eq!(at("severity `critical` of alert condition `impossible` is imported as the page tier"), 1, "{findings}");
    // An SLO none of whose conditions can fire keeps rely's default policy, and says so.
    assert_eq!(at("no condition of the SLO's alert policies can fire"), 1, "{findings}");
    assert_eq!(at("AlertPolicy `pager` is not carried over") + at("AlertCondition `fast-burn` is not carried over"), 0, "{findings}");
    let imported = std::fs::read_to_string(tmp.path().join("reliability/imported/checkout.yaml")).unwrap();
    let doc: serde_yaml::Value = serde_yaml::Deserializer::from_str(&imported)
        .map(|d| <serde_yaml::Value as serde::Deserialize>::deserialize(d).unwrap())
        .find(|d| d["kind"] == "SLO" && d["metadata"]["name"] == "checkout-availability")
        .unwrap();
    let alerting = &doc["spec"]["alerting"];
    let windows: Vec<(String, String, String, f64)> = alerting["policy"]["windows"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|w| {
            let s = |k: &str| w[k].as_str().unwrap().to_string();
            (s("severity"), s("short"), s("long"), w["factor"].as_f64().unwrap())
        })
        .collect();
    assert_eq!(windows, [("page".into(), "5m".into(), "1h".into(), 14.4), ("ticket".into(), "2h".into(), "1d".into(), 3.0)], "{imported}");
    assert_eq!(alerting["page"]["for"], "2m", "{imported}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated"], tmp.path());
    assert_eq!(code, 0, "{out}\n{err}");
    let rules = std::fs::read_to_string(tmp.path().join("generated/prometheus/checkout.rules.yml")).unwrap();
    assert!(
        rules.contains("for: \"2m\"")
            && rules.contains("(14.4 * 0.001)")
            && rules.contains("ratio_rate1d{rely_slo=\"checkout-availability\"} > (3 * 0.001)"),
        "{rules}"
    );
    if require_tool("promtool") {
        let (ok, out) = crate::promtool::promtool(&["test", "rules", "tests/checkout.test.yml"], &tmp.path().join("generated/prometheus"));
        assert!(ok, "{out}");
    }
}
