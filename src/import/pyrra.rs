//! Pyrra: `ServiceLevelObjective` objects (`pyrra.dev/v1alpha1`, or `v1alpha1` without the
//! group), several per file.
//!
//! What maps: the name; `target` as the objective; `window` as the SLO's window; `description`;
//! `ratio` (errors and total counters) as a `ratio` indicator and `latency` (a bucket at the
//! threshold and the count) as a `ratio` of good events, each `sum(rate(<metric>[{{window}}]))`
//! (an `offset` kept after the range); `bool_gauge` as a `raw` error ratio (the share of samples
//! that are 0; a `gauge` indicator, or with an offset a `raw` query); `alerting.name`, `alerting.disabled`, `alerting.burnrates: false` (no burn
//! alerts) and `alerting.absent: false` (no no-data alert); `pyrra.dev/<key>` labels as the
//! SLO's labels (Pyrra adds them to its rules). The service is the `pyrra.dev/service` label,
//! else the namespace, else the SLO's name; the owner the `pyrra.dev/team` or `pyrra.dev/owner`
//! label, else `--owner`.
//! `grouping` becomes `group_by` (`sum by` in the queries). What does not: native-histogram latency
//! (`IMP002`), dynamic burn rates (`IMP004`), other metadata labels
//! (the PrometheusRule selector labels belong in the Project's `prometheus.operator.labels`;
//! `IMP003`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Options, Read, ServiceDraft, SloDraft, Src, is_label_name, rely_name, reserved_label};
use crate::diag::codes;
use crate::spec::{AlertToggle, Alerting, Indicator, NoDataToggle, Ratio, Raw, SloSpec};

/// Reads one document; `None` when it is not a Pyrra ServiceLevelObjective.
pub(super) fn read(src: &mut Src<'_>, opts: &Options) -> Option<Vec<Read>> {
    let api = src.str("/apiVersion")?;
    if src.str("/kind").as_deref() != Some("ServiceLevelObjective") || !(api == "pyrra.dev/v1alpha1" || api == "v1alpha1") {
        return None;
    }
    src.unknown_keys("", &["apiVersion", "kind", "metadata", "spec", "status"], "a Pyrra ServiceLevelObjective");
    src.unknown_keys("/metadata", &["name", "namespace", "labels", "annotations"], "the metadata");
    let Some(name) = src.str("/metadata/name") else {
        src.report(
            codes::IMP002,
            "/metadata",
            "this ServiceLevelObjective has no name and is not imported",
            "Kubernetes objects have a `metadata.name`",
        );
        return Some(vec![]);
    };
    let namespace = src.str("/metadata/namespace");
    // Labels: `pyrra.dev/<key>` ones are the SLO's (Pyrra puts them on its rules).
    let mut labels = BTreeMap::new();
    let mut service = None;
    let mut owner = None;
    for (k, v) in src.map("/metadata/labels") {
        let at = format!("/metadata/labels/{}", crate::syntax::yaml::escape_pointer(&k));
        match k.strip_prefix("pyrra.dev/") {
            Some("service") => service = Some(v),
            Some("team") => owner = Some(rely_name(&v)),
            Some("owner") => {
                owner = Some(rely_name(&v));
                labels.insert("owner".into(), v);
            }
            Some(key) if is_label_name(key) && !reserved_label(key) => {
                labels.insert(key.to_string(), v);
            }
            Some(key) => src.report(
                codes::IMP003,
                &at,
                format!("label `{key}: {v}` is not carried over"),
                "rely sets this label itself, or it is not a Prometheus label name",
            ),
            None => src.report(
                codes::IMP003,
                &at,
                format!("metadata label `{k}: {v}` is not carried over"),
                "labels that select PrometheusRule objects belong in the Project's `prometheus.operator.labels`",
            ),
        }
    }
    // `alerting.labels` (which some Pyrra files carry) go on the SLO's alerts; a `team` there
    // names the owner, as in Sloth.
    let mut alert_labels = BTreeMap::new();
    for (k, v) in src.map("/spec/alerting/labels") {
        let at = format!("/spec/alerting/labels/{}", crate::syntax::yaml::escape_pointer(&k));
        if k == "team" && !v.trim().is_empty() && owner.as_ref().is_none_or(|o| *o == rely_name(&v)) {
            owner = Some(rely_name(&v));
        } else if is_label_name(&k) && !reserved_label(&k) {
            alert_labels.insert(k, v);
        } else {
            src.report(
                codes::IMP003,
                &at,
                format!("alert label `{k}: {v}` is not carried over"),
                "rely sets this label itself (team from the owner, severity, service), or it is not a Prometheus label name",
            );
        }
    }
    if owner.is_none() {
        owner = opts.owner.clone();
    }
    let svc_name = rely_name(service.as_deref().or(namespace.as_deref()).unwrap_or(&name));
    let svc = super::service_spec(owner, 3, None);
    let where_ = namespace.as_deref().map(|n| format!(" in namespace `{n}`")).unwrap_or_default();
    let source = src.provenance("/metadata/name", &format!("Pyrra ServiceLevelObjective `{name}`{where_}"));
    let mut draft = ServiceDraft { name: svc_name.clone(), spec: svc, source: source.clone(), slos: vec![] };
    if let Some(slo) = read_slo(src, opts, &name, &svc_name, (labels, alert_labels), source) {
        draft.slos.push(slo);
    }
    Some(vec![Read { draft, found: 1 }])
}

fn read_slo(
    src: &mut Src<'_>,
    opts: &Options,
    name: &str,
    svc_name: &str,
    (labels, alert_labels): (BTreeMap<String, String>, BTreeMap<String, String>),
    source: String,
) -> Option<SloDraft> {
    src.unknown_keys(
        "/spec",
        &["target", "window", "description", "indicator", "alerting", "performanceOverAccuracy"],
        "the ServiceLevelObjective spec",
    );
    let objective = src
        .get("/spec/target")
        .and_then(|t| match t {
            Value::String(s) => s.trim().parse::<f64>().ok(),
            v => v.as_f64(),
        })
        .filter(|o| *o > 0.0 && *o < 100.0);
    let Some(objective) = objective else {
        src.report(
            codes::IMP002,
            "/spec/target",
            format!("`{name}` has no target between 0 and 100 and is not imported"),
            "give `target` as a percentage, e.g. \"99.9\"",
        );
        return None;
    };
    let window = src.str("/spec/window").unwrap_or_else(|| {
        src.report(
            codes::IMP004,
            "/spec",
            format!("`{name}` has no window; it is imported with 28d"),
            "Pyrra requires `window`; give the one meant",
        );
        "28d".into()
    });
    let period = match crate::duration::parse(&window) {
        Some(w) => w,
        None => {
            src.report(
                codes::IMP002,
                "/spec/window",
                format!("`{name}` has a window `{window}` that is not a duration and is not imported"),
                "write the window as e.g. 4w or 28d",
            );
            return None;
        }
    };
    if src.get("/spec/performanceOverAccuracy").and_then(Value::as_bool) == Some(true) {
        src.report(
            codes::IMP004,
            "/spec/performanceOverAccuracy",
            "`performanceOverAccuracy` is not carried over",
            "rely's default derived windows read the raw series over 5m and 30m only, which is what it trades accuracy for",
        );
    }
    let (indicator, group_by) = indicator(src, name)?;
    let mut alerting = Alerting { runbook: opts.runbook.clone(), policy: Some(policy(period)), ..Default::default() };
    src.unknown_keys("/spec/alerting", &["name", "disabled", "burnrates", "absent", "burnRateType", "labels"], "Pyrra alerting");
    alerting.labels = alert_labels;
    if let Some(n) = src.str("/spec/alerting/name") {
        alerting.name = Some(super::alert_name(src, "/spec/alerting/name", &n));
    }
    // Pyrra passes the object's annotations on to its alerts.
    for (k, v) in src.map("/metadata/annotations") {
        if is_label_name(&k) && k != "runbook_url" && k != "dashboard_url" {
            alerting.annotations.insert(k, v);
        } else {
            let at = format!("/metadata/annotations/{}", crate::syntax::yaml::escape_pointer(&k));
            src.report(
                codes::IMP003,
                &at,
                format!("annotation `{k}` is not carried over"),
                "alert annotation names are Prometheus label names; rely writes the links itself",
            );
        }
    }
    let off = AlertToggle { enabled: Some(false), ..Default::default() };
    let disabled = src.get("/spec/alerting/disabled").and_then(Value::as_bool) == Some(true);
    if disabled || src.get("/spec/alerting/burnrates").and_then(Value::as_bool) == Some(false) {
        alerting.page = Some(off.clone());
        alerting.ticket = Some(off);
    }
    if disabled || src.get("/spec/alerting/absent").and_then(Value::as_bool) == Some(false) {
        alerting.no_data = Some(NoDataToggle { enabled: Some(false), ..Default::default() });
    }
    if src.str("/spec/alerting/burnRateType").is_some_and(|t| t != "static") {
        src.report(
            codes::IMP004,
            "/spec/alerting/burnRateType",
            "dynamic burn rates are imported as rely's static ones",
            "Pyrra scales dynamic thresholds with traffic; rely's alerts use fixed factors",
        );
    }
    let full = super::prefixed_name(svc_name, name);
    let mut spec = SloSpec {
        service: svc_name.to_string(),
        description: src.str("/spec/description").filter(|d| !d.trim().is_empty()),
        category: None,
        blackbox: None,
        objective,
        window: Some(window),
        sli: None,
        indicator: Some(indicator),
        alerting: Some(alerting),
        concerns: vec![],
        labels,
        group_by,
    };
    super::finish_slo(src, &mut spec, "/spec/target");
    Some(SloDraft { name: full, spec, source })
}

/// Pyrra's static multi-window alerts for an SLO window of `period` seconds: the window pairs of
/// 28 days (1h/5m and 6h/30m pages at 14x and 7x, 1d/2h and 4d/6h tickets at 2x and 1x) scaled
/// with the period and rounded to the minute, the factors as they are.
fn policy(period: u64) -> crate::spec::AlertPolicy {
    use crate::spec::{BurnTier, PolicyWindow};
    // Nearest minute, halves away from zero (Go's `Duration.Round`).
    // (At least a minute: a 1d window's 5m pair would otherwise round to nothing.)
    let at = |divisor: u64| crate::duration::format((((period as f64 / divisor as f64) / 60.0).round() as u64).max(1) * 60);
    let pair = |severity, short, long, factor: f64| PolicyWindow {
        severity,
        short: at(short),
        long: at(long),
        factor: Some(factor),
        budget_percent: None,
    };
    crate::spec::AlertPolicy {
        windows: vec![
            pair(BurnTier::Page, 28 * 24 * 12, 28 * 24, 14.0),
            pair(BurnTier::Page, 28 * 24 * 2, 28 * 4, 7.0),
            pair(BurnTier::Ticket, 28 * 12, 28, 2.0),
            pair(BurnTier::Ticket, 28 * 4, 7, 1.0),
        ],
    }
}

/// A metric selector and its `offset` (as ` offset <d>`, or empty): the offset follows the
/// selector's closing brace.
fn split_offset(selector: &str) -> (String, String) {
    let s = selector.trim();
    let end = s.rfind('}').map(|i| i + 1).unwrap_or(0);
    let (sel, rest) = s.split_at(end);
    let rest = rest.trim();
    match rest.strip_prefix("offset") {
        Some(d) if !d.trim().is_empty() => (sel.to_string(), format!(" offset {}", d.trim())),
        _ => (s.to_string(), String::new()),
    }
}

/// `sum(rate(<selector>[{{window}}]))` (by the groups), keeping an `offset` after the range.
fn rate(selector: &str, group_by: &[String]) -> String {
    let (sel, off) = split_offset(selector);
    format!("{}(rate({sel}[{{{{window}}}}]{off}))", sum(group_by))
}

fn metric(src: &mut Src<'_>, pointer: &str, name: &str) -> Option<String> {
    match src.str(pointer) {
        Some(m) if !m.trim().is_empty() => Some(m),
        _ => {
            src.report(codes::IMP002, pointer, format!("`{name}` is missing this metric and is not imported"), "Pyrra requires it");
            None
        }
    }
}

/// `grouping` as the SLO's `group_by`: the labels rely can group by (a label rely sets itself,
/// such as `service`, is reported and left out of the grouping).
fn grouping(src: &mut Src<'_>, pointer: &str) -> Vec<String> {
    let Some(Value::Array(g)) = src.get(pointer).cloned() else { return vec![] };
    let mut out = vec![];
    for (i, v) in g.iter().enumerate() {
        let at = format!("{pointer}/{i}");
        match v.as_str() {
            Some(l) if is_label_name(l) && !reserved_label(l) && !matches!(l, "le" | "alertname") => {
                if !out.iter().any(|o| o == l) {
                    out.push(l.to_string());
                }
            }
            Some(l) => src.report(
                codes::IMP003,
                &at,
                format!("grouping by `{l}` is not carried over; the SLO is grouped by the other labels"),
                "rely sets or reads this label itself (team, severity, service, le, rely_*), so it cannot be a group",
            ),
            None => src.report(
                codes::IMP003,
                &at,
                "a grouping entry that is not a label name is not carried over",
                "grouping lists label names",
            ),
        }
    }
    out
}

/// `sum(...)`, or `sum by (groups) (...)`.
fn sum(group_by: &[String]) -> String {
    if group_by.is_empty() { "sum".into() } else { format!("sum by ({}) ", group_by.join(", ")) }
}

/// A Pyrra query is its `metric` alone: anything beside it (a `matchers` list) is not read by
/// Pyrra, nor by rely, and the loss is said.
fn only_metric(src: &mut Src<'_>, queries: &[String]) {
    for q in queries {
        let Some(Value::Object(m)) = src.get(q) else { continue };
        let others: Vec<String> = m.keys().filter(|k| *k != "metric").cloned().collect();
        for k in others {
            src.report(
                codes::IMP003,
                &format!("{q}/{}", crate::syntax::yaml::escape_pointer(&k)),
                format!(
                    "`{k}` is not a field of a Pyrra query and is not carried over: the query is its `metric` alone, as Pyrra reads it"
                ),
                "write the label matchers into `metric`, e.g. `metric: http_requests_total{job=\"api\"}`",
            );
        }
    }
}

/// The indicator, and the labels it is grouped by.
fn indicator(src: &mut Src<'_>, name: &str) -> Option<(Indicator, Vec<String>)> {
    let i = "/spec/indicator";
    src.unknown_keys(i, &["ratio", "latency", "latencyNative", "bool_gauge"], "a Pyrra indicator");
    if src.get(&format!("{i}/ratio")).is_some() {
        let p = format!("{i}/ratio");
        src.unknown_keys(&p, &["errors", "total", "grouping"], "a ratio indicator");
        only_metric(src, &[format!("{p}/errors"), format!("{p}/total")]);
        let errors = metric(src, &format!("{p}/errors/metric"), name)?;
        let total = metric(src, &format!("{p}/total/metric"), name)?;
        let g = grouping(src, &format!("{p}/grouping"));
        let ratio = Ratio { errors: Some(rate(&errors, &g)), good: None, total: rate(&total, &g) };
        return Some((Indicator { ratio: Some(ratio), ..Default::default() }, g));
    }
    if src.get(&format!("{i}/latency")).is_some() {
        let p = format!("{i}/latency");
        src.unknown_keys(&p, &["success", "total", "grouping"], "a latency indicator");
        only_metric(src, &[format!("{p}/success"), format!("{p}/total")]);
        let good = metric(src, &format!("{p}/success/metric"), name)?;
        let total = metric(src, &format!("{p}/total/metric"), name)?;
        let g = grouping(src, &format!("{p}/grouping"));
        let ratio = Ratio { errors: None, good: Some(rate(&good, &g)), total: rate(&total, &g) };
        return Some((Indicator { ratio: Some(ratio), ..Default::default() }, g));
    }
    if src.get(&format!("{i}/bool_gauge")).is_some() {
        let p = format!("{i}/bool_gauge");
        src.unknown_keys(&p, &["metric", "grouping"], "a bool_gauge indicator");
        let m = metric(src, &format!("{p}/metric"), name)?;
        let g = grouping(src, &format!("{p}/grouping"));
        let (sel, off) = split_offset(&m);
        if off.is_empty() {
            let gauge = crate::spec::Gauge { metric: sel, op: None, threshold: None };
            return Some((Indicator { gauge: Some(gauge), ..Default::default() }, g));
        }
        // An offset goes after the range: the query is written out.
        let s = sum(&g);
        let q =
            format!("1 - (\n  {s}(sum_over_time({sel}[{{{{window}}}}]{off}))\n  /\n  {s}(count_over_time({sel}[{{{{window}}}}]{off}))\n)");
        return Some((Indicator { raw: Some(Raw { error_ratio: q }), ..Default::default() }, g));
    }
    if src.get(&format!("{i}/latencyNative")).is_some() {
        src.report(
            codes::IMP002,
            &format!("{i}/latencyNative"),
            format!("`{name}` measures latency from a native histogram and is not imported"),
            "rely's latency indicators read classic histograms (`_bucket` with `le`)",
        );
        return None;
    }
    src.report(
        codes::IMP002,
        i,
        format!("`{name}` has no ratio, latency or bool_gauge indicator and is not imported"),
        "Pyrra indicators are ratio, latency, latencyNative or bool_gauge",
    );
    None
}
