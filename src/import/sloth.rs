//! Sloth: `version: prometheus/v1` files and `sloth.slok.dev/v1` `PrometheusServiceLevel`
//! objects (the same fields in camelCase, under `spec`).
//!
//! What maps: the service; each SLO's name, objective, description, labels (the service's and
//! its own, on rules and alerts), events (`error_query`/`total_query`) or raw
//! (`error_ratio_query`) SLI with `{{.window}}`; the alert name, labels and annotations, and per
//! tier (`page_alert`, `ticket_alert`) labels, annotations and `disable`. Sloth's period is 30d
//! unless its command line says otherwise, so imported SLOs say `window: 30d`.
//! What does not: SLI plugins (Go code), SLO plugins, labels rely sets itself (`severity`,
//! `team`, `service`, `sloth_*`), and Go templates in annotations (kept as text).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Options, Read, ServiceDraft, SloDraft, Src, is_label_name, rely_name, reserved_label};
use crate::diag::codes;
use crate::spec::{AlertToggle, Alerting, Indicator, Ratio, Raw, SloSpec};

/// Field names of the prometheus/v1 spec, and their camelCase in the CRD.
struct Keys {
    crd: bool,
}

impl Keys {
    fn k(&self, snake: &'static str) -> &'static str {
        if !self.crd {
            return snake;
        }
        match snake {
            "error_query" => "errorQuery",
            "total_query" => "totalQuery",
            "error_ratio_query" => "errorRatioQuery",
            "page_alert" => "pageAlert",
            "ticket_alert" => "ticketAlert",
            other => other,
        }
    }
}

/// Reads one document; `None` when it is not a Sloth document.
pub(super) fn read(src: &mut Src<'_>, opts: &Options) -> Option<Vec<Read>> {
    let version = src.str("/version");
    let api = src.str("/apiVersion");
    let kind = src.str("/kind");
    let (base, keys) = if version.as_deref() == Some("prometheus/v1") {
        src.unknown_keys("", &["version", "service", "labels", "slos"], "the Sloth spec");
        (String::new(), Keys { crd: false })
    } else if api.as_deref().is_some_and(|a| a.starts_with("sloth.slok.dev/")) && kind.as_deref() == Some("PrometheusServiceLevel") {
        src.unknown_keys("/spec", &["service", "labels", "slos"], "the PrometheusServiceLevel spec");
        ("/spec".to_string(), Keys { crd: true })
    } else {
        return None;
    };
    let Some(service) = src.str(&format!("{base}/service")) else {
        src.report(codes::IMP002, &base, "the Sloth spec names no `service`", "Sloth requires `service`; add it to the source");
        return Some(vec![]);
    };
    let svc_name = rely_name(&service);
    let mut svc_labels = src.map(&format!("{base}/labels"));
    // A `team` label names the owner, which rely's own `team` label carries.
    if svc_labels.contains_key("team") && !svc_labels.contains_key("owner") {
        let t = svc_labels.remove("team");
        svc_labels.insert("owner".into(), t.unwrap_or_default());
    }
    let owner = svc_labels.get("owner").map(|o| rely_name(o)).or_else(|| opts.owner.clone());
    let tier = svc_labels.get("tier").and_then(|t| t.trim().parse::<u8>().ok()).filter(|t| (1..=4).contains(t)).unwrap_or(3);
    let spec = super::service_spec(owner, tier, None);
    let source = src.provenance(&format!("{base}/service"), &format!("Sloth service `{service}`"));
    let mut draft = ServiceDraft { name: svc_name.clone(), spec, source, slos: vec![] };
    let slos = match src.get(&format!("{base}/slos")) {
        Some(Value::Array(a)) => a.len(),
        _ => 0,
    };
    for i in 0..slos {
        let p = format!("{base}/slos/{i}");
        if let Some(slo) = read_slo(src, opts, &p, &keys, &service, &svc_name, &svc_labels) {
            draft.slos.push(slo);
        }
    }
    Some(vec![Read { draft, found: slos }])
}

fn read_slo(
    src: &mut Src<'_>,
    opts: &Options,
    p: &str,
    keys: &Keys,
    service: &str,
    svc_name: &str,
    svc_labels: &BTreeMap<String, String>,
) -> Option<SloDraft> {
    let k = |s| keys.k(s);
    src.unknown_keys(p, &["name", "objective", "description", "labels", "sli", "alerting"], "a Sloth SLO");
    let Some(name) = src.str(&format!("{p}/name")) else {
        src.report(codes::IMP002, p, "this SLO has no `name` and is not imported", "Sloth requires `name`");
        return None;
    };
    let Some(objective) = src.get(&format!("{p}/objective")).and_then(Value::as_f64).filter(|o| *o > 0.0 && *o < 100.0) else {
        src.report(
            codes::IMP002,
            &format!("{p}/objective"),
            format!("SLO `{name}` has no objective between 0 and 100 and is not imported"),
            "give the objective as a percentage, e.g. 99.9",
        );
        return None;
    };
    // The SLI.
    let sli = format!("{p}/sli");
    src.unknown_keys(&sli, &["events", "raw", "plugin"], "a Sloth SLI");
    let indicator = if src.get(&format!("{sli}/events")).is_some() {
        let ev = format!("{sli}/events");
        src.unknown_keys(&ev, &[k("error_query"), k("total_query")], "a Sloth events SLI");
        let errors = query(src, &format!("{ev}/{}", k("error_query")), &name)?;
        let total = query(src, &format!("{ev}/{}", k("total_query")), &name)?;
        Indicator { ratio: Some(Ratio { errors: Some(errors), good: None, total }), ..Default::default() }
    } else if src.get(&format!("{sli}/raw")).is_some() {
        let raw = format!("{sli}/raw");
        src.unknown_keys(&raw, &[k("error_ratio_query")], "a Sloth raw SLI");
        let q = query(src, &format!("{raw}/{}", k("error_ratio_query")), &name)?;
        Indicator { raw: Some(Raw { error_ratio: q }), ..Default::default() }
    } else if src.get(&format!("{sli}/plugin")).is_some() {
        src.report(
            codes::IMP002,
            &format!("{sli}/plugin"),
            format!("SLO `{name}` uses an SLI plugin (Go code run by Sloth) and is not imported"),
            "write the query the plugin returns as a `raw` or `ratio` indicator by hand",
        );
        return None;
    } else {
        src.report(
            codes::IMP002,
            &sli,
            format!("SLO `{name}` has no events or raw SLI and is not imported"),
            "Sloth SLIs are `events`, `raw` or `plugin`",
        );
        return None;
    };
    // Labels: the service's, then the SLO's.
    let mut labels = svc_labels.clone();
    labels.extend(src.map(&format!("{p}/labels")));
    let labels = keep_labels(
        src,
        opts,
        None,
        labels,
        &[format!("{p}/labels"), format!("{}/labels", p.rsplit_once("/slos/").map(|x| x.0).unwrap_or(""))],
    );
    // Alerting: Sloth alerts unless a tier is disabled.
    let a = format!("{p}/alerting");
    src.unknown_keys(&a, &["name", "labels", "annotations", k("page_alert"), k("ticket_alert")], "Sloth alerting");
    let mut alerting = Alerting::default();
    if let Some(n) = src.str(&format!("{a}/name")) {
        alerting.name = Some(super::alert_name(src, &format!("{a}/name"), &n));
    }
    let m = src.map(&format!("{a}/labels"));
    alerting.labels = keep_labels(src, opts, None, m, &[format!("{a}/labels")]);
    let (ann, runbook) = annotations(src, &format!("{a}/annotations"));
    alerting.annotations = ann;
    // `--runbook` only where the source has none, at the SLO or on either alert.
    alerting.runbook = runbook.map(|r| r.0);
    for (tier, field) in [("page", k("page_alert")), ("ticket", k("ticket_alert"))] {
        let t = format!("{a}/{field}");
        if src.get(&t).is_none() {
            continue;
        }
        src.unknown_keys(&t, &["disable", "labels", "annotations"], &format!("Sloth's {tier} alert"));
        let mut toggle = AlertToggle::default();
        if src.get(&format!("{t}/disable")).and_then(Value::as_bool) == Some(true) {
            toggle.enabled = Some(false);
        }
        let m = src.map(&format!("{t}/labels"));
        toggle.labels = keep_labels(src, opts, Some(tier), m, &[format!("{t}/labels")]);
        let (ann, rb) = annotations(src, &format!("{t}/annotations"));
        toggle.annotations = ann;
        match (rb, &alerting.runbook) {
            (Some((rb, _)), None) => alerting.runbook = Some(rb),
            (Some((rb, at)), Some(kept)) if rb != *kept => src.report(
                codes::IMP003,
                &at,
                format!("the {tier} alert's own runbook `{rb}` is not carried over"),
                format!("rely has one runbook per SLO, for both its alerts: `{kept}` is kept"),
            ),
            _ => {}
        }
        if toggle != AlertToggle::default() {
            if tier == "page" {
                alerting.page = Some(toggle);
            } else {
                alerting.ticket = Some(toggle);
            }
        }
    }
    if alerting.runbook.is_none() {
        alerting.runbook = opts.runbook.clone();
    }
    let full = super::prefixed_name(svc_name, &name);
    let mut spec = SloSpec {
        service: svc_name.to_string(),
        description: src.str(&format!("{p}/description")).filter(|d| !d.trim().is_empty()),
        category: None,
        blackbox: None,
        objective,
        window: Some("30d".into()),
        sli: None,
        indicator: Some(indicator),
        alerting: Some(alerting),
        concerns: vec![],
        labels,
        group_by: vec![],
    };
    super::finish_slo(src, &mut spec, &format!("{p}/objective"));
    let source = src.provenance(p, &format!("Sloth service `{service}`, SLO `{name}`"));
    Some(SloDraft { name: full, spec, source })
}

/// A query with Sloth's `{{.window}}` as rely's `{{window}}`; other Go templates are refused.
pub(super) fn query(src: &mut Src<'_>, pointer: &str, slo: &str) -> Option<String> {
    let Some(q) = src.str(pointer) else {
        src.report(codes::IMP002, pointer, format!("SLO `{slo}` is missing this query and is not imported"), "Sloth requires both queries");
        return None;
    };
    let mut out = String::with_capacity(q.len());
    let mut rest = q.as_str();
    while let Some(at) = rest.find("{{") {
        let Some(end) = rest[at..].find("}}") else { break };
        out.push_str(&rest[..at]);
        let inner = rest[at + 2..at + end].trim().trim_start_matches('-').trim_end_matches('-').trim();
        if inner == ".window" {
            out.push_str("{{window}}");
        } else {
            src.report(
                codes::IMP002,
                pointer,
                format!("SLO `{slo}` uses the Go template `{{{{{inner}}}}}` in its query and is not imported"),
                "rely substitutes only `{{window}}`; write the query without other templates",
            );
            return None;
        }
        rest = &rest[at + end + 2..];
    }
    out.push_str(rest);
    if !out.contains("{{window}}") {
        src.report(
            codes::IMP002,
            pointer,
            format!("SLO `{slo}`'s query has no `{{{{.window}}}}` and is not imported"),
            "every window reads the same range otherwise; add `[{{.window}}]` to its range selectors",
        );
        return None;
    }
    Some(out)
}

/// Labels rely can keep: Prometheus label names that rely does not set itself. The others are
/// reported where they were written (the first of `pointers` holding the key), except a tier's
/// `severity` that is the value the Project already gives that tier (`tier` is the alert tier
/// the labels belong to, if one).
fn keep_labels(
    src: &mut Src<'_>,
    opts: &Options,
    tier: Option<&str>,
    labels: BTreeMap<String, String>,
    pointers: &[String],
) -> BTreeMap<String, String> {
    let mut kept = BTreeMap::new();
    for (k, v) in labels {
        let at = pointers
            .iter()
            .map(|p| format!("{p}/{}", crate::syntax::yaml::escape_pointer(&k)))
            .find(|p| src.get(p).is_some())
            .unwrap_or_else(|| pointers[0].clone());
        if !is_label_name(&k) {
            src.report(codes::IMP003, &at, format!("`{k}` is not a Prometheus label name and is not carried over"), "rename the label");
        } else if k == "severity" && tier.is_some_and(|t| opts.severity_value(t) == v) {
            // Expressed: the Project gives this tier's alerts that value.
        } else if reserved_label(&k) {
            let help = match tier {
                Some(t) if k == "severity" => format!(
                    "rely sets `severity` per tier from the Project's `severities` (now `{t}: {}`); for this value, set `severities: {{{t}: {v}}}` in the Project and import again",
                    opts.severity_value(t)
                ),
                None if k == "severity" => {
                    "rely sets `severity` per tier (page and ticket) from the Project's `severities`, not per SLO".into()
                }
                _ => "rely sets this label itself (team, severity, service, rely_*, sloth_*)".into(),
            };
            src.report(codes::IMP003, &at, format!("label `{k}: {v}` is not carried over"), help);
        } else {
            kept.insert(k, v);
        }
    }
    kept
}

/// Annotations, and the runbook among them (`runbook`/`runbook_url` holding an https URL):
/// rely's runbook is a checked field, not an annotation. Go templates are kept as text.
/// The runbook comes with the pointer to where it was written.
fn annotations(src: &mut Src<'_>, pointer: &str) -> (BTreeMap<String, String>, Option<(String, String)>) {
    let mut out = BTreeMap::new();
    let mut runbook = None;
    for (k, v) in src.map(pointer) {
        let at = format!("{pointer}/{}", crate::syntax::yaml::escape_pointer(&k));
        if (k == "runbook" || k == "runbook_url") && v.trim().starts_with("https://") && !v.contains("{{") {
            match &runbook {
                Some((kept, _)) if kept != v.trim() => src.report(
                    codes::IMP003,
                    &at,
                    format!("a second runbook `{}` is not carried over", v.trim()),
                    format!("rely has one runbook per SLO, for both its alerts: `{kept}` is kept"),
                ),
                Some(_) => {}
                None => runbook = Some((v.trim().to_string(), at)),
            }
            continue;
        }
        if !is_label_name(&k) || k == "dashboard_url" || k == "runbook_url" {
            src.report(
                codes::IMP003,
                &at,
                format!("annotation `{k}` is not carried over"),
                "rely writes `runbook_url` and `dashboard_url` from `runbook:` and the service's dashboard",
            );
            continue;
        }
        if v.contains("{{") {
            src.report(
                codes::IMP004,
                &at,
                format!("annotation `{k}` is a Go template; rely writes it as literal text"),
                "Prometheus expanded it per alert; rely's annotations are static (the labels are on the alert)",
            );
        }
        out.insert(k, v);
    }
    (out, runbook)
}
