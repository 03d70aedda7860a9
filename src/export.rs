//! `rely export openslo [DIR]`: rely's services and SLOs as OpenSLO v1 documents, for tools
//! that read OpenSLO. Each SLO becomes an `SLO` with its indicator inline (a ratio of
//! Prometheus queries, good or bad over total, or a raw error ratio), `Occurrences` budgeting
//! over a rolling window, and one objective; each service a `Service`. The owner and tier are
//! labels (`team`, `tier`), which `rely import openslo` reads back. Queries use `{{.window}}`,
//! the window placeholder Sloth and rely's importer read. What OpenSLO has no place for (alert
//! toggles, runbooks, labels on rules, concerns) is not exported.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::model::{EventsSource, Model, Sli};

/// A query with rely's `{{window}}` written as `{{.window}}`.
fn query(q: &str) -> String {
    q.replace("{{window}}", "{{.window}}")
}

fn prometheus(q: &str) -> Value {
    json!({"metricSource": {"type": "Prometheus", "spec": {"query": query(q)}}})
}

#[derive(Serialize)]
struct Doc {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Value,
    spec: Value,
}

/// The OpenSLO documents of a model, as one YAML stream.
pub fn openslo(model: &Model) -> String {
    let mut docs = vec![];
    for svc in &model.services {
        let mut spec = serde_json::Map::new();
        if !svc.description.is_empty() {
            spec.insert("description".into(), json!(svc.description));
        }
        docs.push(Doc {
            api_version: "openslo/v1",
            kind: "Service",
            metadata: json!({"name": svc.name, "labels": {"team": [svc.owner], "tier": [svc.tier.to_string()]}}),
            spec: Value::Object(spec),
        });
        for slo in &svc.slos {
            let ratio = match &slo.sli {
                Sli::Events { errors, total, source } => {
                    let mut m = BTreeMap::new();
                    m.insert("counter", json!(true));
                    match source {
                        EventsSource::Errors => m.insert("bad", prometheus(errors)),
                        EventsSource::Good(g) => m.insert("good", prometheus(g)),
                        // The latency SLI's errors are `total - good`: good is the bucket query.
                        EventsSource::Latency { .. } => {
                            let good = errors.strip_prefix(&format!("{total} - ")).unwrap_or(errors);
                            m.insert("good", prometheus(good))
                        }
                    };
                    m.insert("total", prometheus(total));
                    json!(m)
                }
                Sli::Raw { error_ratio } => json!({"rawType": "failure", "raw": prometheus(error_ratio)}),
            };
            let mut spec = serde_json::Map::new();
            spec.insert("service".into(), json!(svc.name));
            if !slo.description.is_empty() {
                spec.insert("description".into(), json!(slo.description));
            }
            spec.insert("indicator".into(), json!({"metadata": {"name": format!("{}-sli", slo.name)}, "spec": {"ratioMetric": ratio}}));
            spec.insert("timeWindow".into(), json!([{"duration": crate::duration::format(slo.period), "isRolling": true}]));
            spec.insert("budgetingMethod".into(), json!("Occurrences"));
            spec.insert("objectives".into(), json!([{"displayName": slo.name, "target": (slo.objective * 1e7).round() / 1e9}]));
            docs.push(Doc {
                api_version: "openslo/v1",
                kind: "SLO",
                metadata: json!({"name": slo.name, "labels": {"team": [slo.owner]}}),
                spec: Value::Object(spec),
            });
        }
    }
    let body: Vec<String> = docs.iter().map(crate::emit::yaml::to_string).collect();
    format!("# OpenSLO v1, exported by `rely export openslo`; rely's YAML is the source of truth.\n{}", body.join("---\n"))
}
