//! OpenSLO: `openslo/v1` and `openslo/v1alpha` documents (a file may be one YAML list of them).
//! One rely SLO per objective of an `SLO` document.
//!
//! What maps: the SLO's service (the `Service` document's description with it), description and
//! `team` label (its owner); each objective's `target` (a ratio) or `targetPercent` as the
//! objective; the time window (`timeWindow[0].duration` in v1, `timeWindows[0].count` and
//! `unit` in v1alpha) as the SLO's window; the indicator, inline, by `indicatorRef` to an `SLI`
//! document, or per objective: a ratio of Prometheus queries (`good` or `bad` over `total`) as a
//! `ratio` indicator and a raw one (`rawType: failure`, or `success` as one minus it) as `raw`,
//! with `{{.window}}` as `{{window}}`.
//! A `thresholdMetric` of Prometheus becomes a `gauge` indicator (good samples: the query
//! compared with the objective's `op` and `value`).
//! What does not: queries of other sources (Datadog, ...) (`IMP002`);
//! time-slice budgeting and calendar windows, approximated as occurrences over a rolling window
//! (`IMP004`); alert policies and the other kinds (`IMP003`): rely generates its own alerts.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Env, Options, Read, ServiceDraft, SloDraft, Src, rely_name};
use crate::diag::codes;
use crate::spec::{Alerting, Indicator, Ratio, Raw, SloSpec};

fn is_openslo(v: &Value) -> bool {
    matches!(v.get("apiVersion").and_then(Value::as_str), Some("openslo/v1" | "openslo/v1alpha"))
}

/// Remembers the SLI and Service documents SLOs may refer to.
pub(super) fn collect(v: &Value, env: &mut Env) {
    if !is_openslo(v) {
        return;
    }
    let name = v.pointer("/metadata/name").and_then(Value::as_str).unwrap_or_default().to_string();
    match v.get("kind").and_then(Value::as_str) {
        Some("SLI") => {
            env.slis.insert(name, v.get("spec").cloned().unwrap_or(Value::Null));
        }
        Some("Service") => {
            let d = v.pointer("/spec/description").and_then(Value::as_str).unwrap_or_default();
            let tier = label(v, "tier").and_then(|t| t.parse().ok());
            env.services.insert(name, (d.to_string(), tier.filter(|t| (1..=4).contains(t)), label(v, "team").map(|t| rely_name(&t))));
        }
        _ => {}
    }
}

/// Reads one document; `None` when it is not an OpenSLO document.
pub(super) fn read(src: &mut Src<'_>, opts: &Options, env: &Env) -> Option<Vec<Read>> {
    let version = src.str("/apiVersion")?;
    if version != "openslo/v1" && version != "openslo/v1alpha" {
        return None;
    }
    let kind = src.str("/kind").unwrap_or_default();
    match kind.as_str() {
        "SLO" => {}
        // Read with the SLOs that name them.
        "SLI" | "Service" => return Some(vec![]),
        other => {
            src.report(
                codes::IMP003,
                "/kind",
                format!("an OpenSLO `{other}` is not carried over"),
                "rely generates its own burn-rate alerts and routes them to the owning team's receivers",
            );
            return Some(vec![]);
        }
    }
    let alpha = version == "openslo/v1alpha";
    let name = src.str("/metadata/name").unwrap_or_else(|| "slo".into());
    let Some(service) = src.str("/spec/service") else {
        src.report(
            codes::IMP002,
            "/spec",
            format!("SLO `{name}` names no service and is not imported"),
            "OpenSLO SLOs have a `spec.service`",
        );
        return Some(vec![]);
    };
    let svc_name = rely_name(&service);
    // The service's owner is its `Service` document's team, else the SLO's, else --owner; an
    // SLO whose team differs from the service's is paged to its own (`alerting.owner`).
    let known = env.services.get(&service);
    let slo_team = team(src);
    let owner = known.and_then(|k| k.2.clone()).or_else(|| slo_team.clone()).or_else(|| opts.owner.clone());
    let slo_owner = slo_team.filter(|t| Some(t) != owner.as_ref());
    let svc = super::service_spec(owner, known.and_then(|k| k.1).unwrap_or(3), known.map(|k| k.0.clone()));
    let source = src.provenance("/spec/service", &format!("OpenSLO service `{service}`"));
    let mut draft = ServiceDraft { name: svc_name.clone(), spec: svc, source, slos: vec![] };
    let window = window(src, alpha);
    let budgeting = src.str("/spec/budgetingMethod").unwrap_or_else(|| "Occurrences".into());
    if budgeting != "Occurrences" {
        src.report(
            codes::IMP004,
            "/spec/budgetingMethod",
            format!("`{budgeting}` budgeting is imported as occurrences (events over the window)"),
            "rely's SLOs count events; time slices cannot be expressed as Prometheus burn-rate rules",
        );
    }
    if src.get("/spec/alertPolicies").is_some_and(|a| a.as_array().is_some_and(|a| !a.is_empty())) {
        src.report(
            codes::IMP003,
            "/spec/alertPolicies",
            "alert policies are not carried over",
            "rely generates multi-window burn-rate alerts for every SLO",
        );
    }
    let objectives = match src.get("/spec/objectives") {
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    };
    for i in 0..objectives {
        let p = format!("/spec/objectives/{i}");
        let label = src.str(&format!("{p}/displayName")).or_else(|| src.str(&format!("{p}/name")));
        let slo_name = if objectives > 1 { format!("{name}-{i}") } else { name.clone() };
        let shown = label.as_deref().map(|l| format!(" (`{l}`)")).unwrap_or_default();
        let Some(indicator) = indicator(src, env, &p, &slo_name, alpha) else { continue };
        // A ratio as a percentage, without the binary residue (0.999 × 100 is 99.9, not 99.899…).
        let target = src.get(&format!("{p}/target")).and_then(Value::as_f64).map(|t| (t * 100.0 * 1e9).round() / 1e9);
        let target = target.or_else(|| src.get(&format!("{p}/targetPercent")).and_then(Value::as_f64));
        let Some(objective) = target.filter(|o| *o > 0.0 && *o < 100.0) else {
            src.report(
                codes::IMP002,
                &p,
                format!("objective {i} of SLO `{name}` has no target between 0 and 1 and is not imported"),
                "give `target` as a ratio, e.g. 0.999",
            );
            continue;
        };
        // OpenSLO names are unique per kind, so they are kept (made valid rely names).
        let full = rely_name(&slo_name);
        let mut spec = SloSpec {
            service: svc_name.clone(),
            description: src.str("/spec/description").filter(|d| !d.trim().is_empty()),
            category: None,
            blackbox: None,
            objective,
            window: Some(window.clone()),
            sli: None,
            indicator: Some(indicator),
            alerting: Some(Alerting { runbook: opts.runbook.clone(), owner: slo_owner.clone(), ..Default::default() }),
            concerns: vec![],
            labels: BTreeMap::new(),
            group_by: vec![],
        };
        super::finish_slo(src, &mut spec, &format!("{p}/target"));
        let source = src.provenance(&p, &format!("OpenSLO SLO `{name}`, objective {i}{shown}"));
        draft.slos.push(SloDraft { name: full, spec, source });
    }
    Some(vec![Read { draft, found: objectives }])
}

/// A label with one value (v1 labels may be lists).
fn label(v: &Value, key: &str) -> Option<String> {
    match v.pointer(&format!("/metadata/labels/{key}"))? {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) if a.len() == 1 => a[0].as_str().map(str::to_string),
        _ => None,
    }
}

/// The SLO's `team` label, as a rely name.
fn team(src: &Src<'_>) -> Option<String> {
    label(src.get("")?, "team").map(|t| rely_name(&t))
}

/// The SLO's window as a rely duration (30d when the source gives none).
fn window(src: &mut Src<'_>, alpha: bool) -> String {
    let (p, text) = if alpha {
        let p = "/spec/timeWindows/0".to_string();
        let count = src.get(&format!("{p}/count")).and_then(Value::as_u64);
        let unit = src.str(&format!("{p}/unit")).unwrap_or_default();
        let d = count.and_then(|c| match unit.as_str() {
            "Minute" => Some(format!("{c}m")),
            "Hour" => Some(format!("{c}h")),
            "Day" => Some(format!("{c}d")),
            "Week" => Some(format!("{c}w")),
            "Month" => Some(format!("{}d", c * 30)),
            "Quarter" => Some(format!("{}d", c * 91)),
            "Year" => Some(format!("{}d", c * 365)),
            _ => None,
        });
        if matches!(unit.as_str(), "Month" | "Quarter" | "Year") {
            src.report(
                codes::IMP004,
                &format!("{p}/unit"),
                format!("a window in {unit}s is imported as {}", d.clone().unwrap_or_default()),
                "rely's windows are fixed durations",
            );
        }
        (p, d)
    } else {
        let p = "/spec/timeWindow/0".to_string();
        let d = src.str(&format!("{p}/duration"));
        let d = d.map(|d| match d.strip_suffix('M').and_then(|n| n.parse::<u64>().ok()) {
            Some(n) => {
                src.report(
                    codes::IMP004,
                    &format!("{p}/duration"),
                    format!("a window of {n} month(s) is imported as {}d", n * 30),
                    "rely's windows are fixed durations",
                );
                format!("{}d", n * 30)
            }
            None => d,
        });
        (p, d)
    };
    let calendar =
        src.get(&format!("{p}/calendar")).is_some() || src.get(&format!("{p}/isRolling")).and_then(Value::as_bool) == Some(false);
    if calendar {
        src.report(
            codes::IMP004,
            &p,
            "a calendar window is imported as a rolling one",
            "Prometheus burn-rate rules measure rolling windows",
        );
    }
    match text.filter(|d| crate::duration::parse(d).is_some_and(|s| s >= 86400)) {
        Some(d) => d,
        None => {
            if src.get(&p).is_some() {
                src.report(
                    codes::IMP004,
                    &p,
                    "this window is not a duration of a day or more; the SLO uses 30d",
                    "write the window as e.g. 28d or 4w",
                );
            }
            "30d".into()
        }
    }
}

/// The indicator of objective `p`: its own (v1alpha `ratioMetrics`, v1 `indicator` on the
/// objective), the SLO's inline one, or the SLI its `indicatorRef` names.
fn indicator(src: &mut Src<'_>, env: &Env, p: &str, slo: &str, alpha: bool) -> Option<Indicator> {
    if alpha {
        let r = format!("{p}/ratioMetrics");
        if src.get(&r).is_none() {
            src.report(
                codes::IMP002,
                p,
                format!("`{slo}` has no ratioMetrics and is not imported"),
                "rely imports ratio objectives of Prometheus queries",
            );
            return None;
        }
        let good = src.get(&format!("{r}/good")).is_some();
        let q = |src: &mut Src<'_>, which: &str| {
            let m = format!("{r}/{which}");
            let promql = src.str(&format!("{m}/queryType")).is_none_or(|t| t == "promql")
                && src.str(&format!("{m}/source")).is_none_or(|s| s.to_ascii_lowercase().contains("prometheus"));
            if !promql {
                src.report(
                    codes::IMP002,
                    &m,
                    format!("`{slo}` does not query Prometheus and is not imported"),
                    "rely reads Prometheus (PromQL) queries",
                );
                return None;
            }
            super::sloth::query(src, &format!("{m}/query"), slo)
        };
        let which = if good { "good" } else { "bad" };
        let a = q(src, which)?;
        let total = q(src, "total")?;
        return Some(ratio(good, a, total));
    }
    let (spec_ptr, spec) = if src.get(&format!("{p}/indicator")).is_some() {
        (format!("{p}/indicator/spec"), None)
    } else if src.get("/spec/indicator").is_some() {
        ("/spec/indicator/spec".to_string(), None)
    } else if let Some(r) = src.str("/spec/indicatorRef") {
        match env.slis.get(&r) {
            Some(s) => ("/spec/indicatorRef".to_string(), Some(s.clone())),
            None => {
                src.report(
                    codes::IMP002,
                    "/spec/indicatorRef",
                    format!("`{slo}` refers to SLI `{r}`, which is in none of the files"),
                    "import the file with the SLI document too",
                );
                return None;
            }
        }
    } else {
        src.report(
            codes::IMP002,
            "/spec",
            format!("`{slo}` has no indicator and is not imported"),
            "OpenSLO SLOs have an `indicator` or an `indicatorRef`",
        );
        return None;
    };
    // A referenced SLI's fields are read from its value; findings point at the reference.
    let get = |src: &Src<'_>, rel: &str| -> Option<Value> {
        match &spec {
            Some(v) => v.pointer(rel).cloned(),
            None => src.get(&format!("{spec_ptr}{rel}")).cloned(),
        }
    };
    let at = |rel: &str| if spec.is_some() { spec_ptr.clone() } else { format!("{spec_ptr}{rel}") };
    if get(src, "/thresholdMetric").is_some() {
        // Good samples are those where `query op value` holds (the objective's op and value).
        let source = get(src, "/thresholdMetric/metricSource/type").and_then(|t| t.as_str().map(str::to_ascii_lowercase));
        let query = get(src, "/thresholdMetric/metricSource/spec/query").and_then(|q| q.as_str().map(String::from));
        let op = src.str(&format!("{p}/op")).and_then(|o| match o.as_str() {
            "lt" => Some(crate::spec::GaugeOp::Lt),
            "lte" => Some(crate::spec::GaugeOp::Le),
            "gt" => Some(crate::spec::GaugeOp::Gt),
            "gte" => Some(crate::spec::GaugeOp::Ge),
            _ => None,
        });
        let value = src.get(&format!("{p}/value")).and_then(Value::as_f64).filter(|v| v.is_finite());
        return match (source.as_deref(), query, op, value) {
            (Some("prometheus"), Some(q), Some(op), Some(v)) if crate::promql::check_vector(q.trim()).is_ok() => Some(Indicator {
                gauge: Some(crate::spec::Gauge { metric: q.trim().to_string(), op: Some(op), threshold: Some(v) }),
                ..Default::default()
            }),
            (Some("prometheus"), ..) => {
                src.report(
                    codes::IMP002,
                    &at("/thresholdMetric"),
                    format!("`{slo}` is a threshold without a PromQL instant query, or its objective has no `op` (lt, lte, gt, gte) and `value`; it is not imported"),
                    "a threshold SLO needs the query and the objective's comparison",
                );
                None
            }
            _ => {
                src.report(
                    codes::IMP002,
                    &at("/thresholdMetric"),
                    format!("`{slo}` is a threshold on a metric that is not from Prometheus and is not imported"),
                    "rely reads Prometheus (PromQL) queries",
                );
                None
            }
        };
    }
    let Some(_) = get(src, "/ratioMetric") else {
        src.report(
            codes::IMP002,
            &at(""),
            format!("`{slo}` has no ratioMetric and is not imported"),
            "rely imports ratio and raw metrics of Prometheus queries",
        );
        return None;
    };
    let query = |src: &mut Src<'_>, rel: &str| -> Option<String> {
        let m = format!("/ratioMetric/{rel}/metricSource");
        let ty = get(src, &format!("{m}/type")).and_then(|t| t.as_str().map(str::to_string)).unwrap_or_default();
        let q = get(src, &format!("{m}/spec/query")).and_then(|t| t.as_str().map(str::to_string));
        if !ty.eq_ignore_ascii_case("prometheus") || q.is_none() {
            src.report(
                codes::IMP002,
                &at(&m),
                format!("`{slo}` reads `{}` ({ty}), not a Prometheus query, and is not imported", rel),
                "rely reads Prometheus (PromQL) queries",
            );
            return None;
        }
        if spec.is_some() {
            // The query lives in another document: convert it without a position of its own.
            let q = q.unwrap_or_default();
            let out = q.replace("{{.window}}", "{{window}}").replace("{{ .window }}", "{{window}}");
            if out.contains("{{.") || out.contains("{{ .") || !out.contains("{{window}}") {
                src.report(
                    codes::IMP002,
                    &at(&m),
                    format!("`{slo}`'s query needs `{{{{.window}}}}` and no other template"),
                    "rely substitutes only the window",
                );
                return None;
            }
            return Some(out);
        }
        super::sloth::query(src, &format!("{spec_ptr}{m}/spec/query"), slo)
    };
    if get(src, "/ratioMetric/raw").is_some() {
        let q = query(src, "raw")?;
        let failure = get(src, "/ratioMetric/rawType").and_then(|t| t.as_str().map(str::to_string)).is_none_or(|t| t == "failure");
        let q = if failure { q } else { format!("1 - (\n{}\n)", q.trim_end()) };
        return Some(Indicator { raw: Some(Raw { error_ratio: q }), ..Default::default() });
    }
    let good = get(src, "/ratioMetric/good").is_some();
    let a = query(src, if good { "good" } else { "bad" })?;
    let total = query(src, "total")?;
    Some(ratio(good, a, total))
}

fn ratio(good: bool, a: String, total: String) -> Indicator {
    let (errors, good) = if good { (None, Some(a)) } else { (Some(a), None) };
    Indicator { ratio: Some(Ratio { errors, good, total }), ..Default::default() }
}
