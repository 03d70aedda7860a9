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
//! (`IMP004`); notification targets and other kinds (`IMP003`): rely routes to the owning team.
//! An SLO's `alertPolicies` become its alert policy (see `alert_policies`).

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Env, Options, Place, Read, ServiceDraft, SloDraft, Src, rely_name};
use crate::diag::{Finding, Rule, codes};
use crate::spec::{AlertPolicy, AlertToggle, Alerting, BurnTier, Indicator, PolicyWindow, Ratio, Raw, SloSpec};
use crate::syntax::{Positions, YamlDoc};

fn is_openslo(v: &Value) -> bool {
    matches!(v.get("apiVersion").and_then(Value::as_str), Some("openslo/v1" | "openslo/v1alpha"))
}

/// Remembers the documents SLOs may refer to: SLIs, Services, AlertPolicies and
/// AlertConditions (the document at `base` of `doc`, in `file`).
pub(super) fn collect(file: usize, doc: &YamlDoc, base: &str, env: &mut Env) {
    let v = doc.value.pointer(base).unwrap_or(&Value::Null);
    if !is_openslo(v) {
        return;
    }
    let name = text(v.pointer("/metadata/name")).unwrap_or_default();
    let spec = || v.get("spec").cloned().unwrap_or(Value::Null);
    let place = || Place { file, index: doc.index.clone(), base: base.to_string() };
    match v.get("kind").and_then(Value::as_str) {
        Some("SLI") => {
            env.slis.insert(name, spec());
        }
        Some("Service") => {
            let d = v.pointer("/spec/description").and_then(Value::as_str).unwrap_or_default();
            let tier = label(v, "tier").and_then(|t| t.parse().ok());
            env.services.insert(name, (d.to_string(), tier.filter(|t| (1..=4).contains(t)), label(v, "team").map(|t| rely_name(&t))));
        }
        Some("AlertPolicy") => {
            // A policy's condition refs count as used once the policy is (see `condition_used`).
            env.alert_policies.insert(name, (spec(), place()));
        }
        Some("AlertCondition") => {
            env.alert_conditions.insert(name, (spec(), place()));
        }
        Some("SLO") => {
            for p in v.pointer("/spec/alertPolicies").and_then(Value::as_array).into_iter().flatten() {
                if let Some(r) = text(p.get("alertPolicyRef")) {
                    env.used_policies.insert(r);
                }
                for c in p.pointer("/spec/conditions").and_then(Value::as_array).into_iter().flatten() {
                    if let Some(r) = text(c.get("conditionRef")) {
                        env.used_conditions.insert(r);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A name or ref as text: a string, or a number or boolean YAML read as one (`name: 404`).
fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(super::scalar)
}

/// A boolean setting, also when written as a string (`"false"`).
fn flag(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Whether an SLO refers to the AlertCondition `name`, inline in its policy or through a policy
/// it refers to.
fn condition_used(env: &Env, name: &str) -> bool {
    env.used_conditions.contains(name)
        || env.used_policies.iter().filter_map(|p| env.alert_policies.get(p)).any(|(spec, _)| {
            spec.get("conditions")
                .and_then(Value::as_array)
                .is_some_and(|cs| cs.iter().any(|c| text(c.get("conditionRef")).as_deref() == Some(name)))
        })
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
        "AlertPolicy" | "AlertCondition" => {
            let n = src.str("/metadata/name").unwrap_or_default();
            let used = if kind == "AlertPolicy" { env.used_policies.contains(&n) } else { condition_used(env, &n) };
            if !used {
                src.report(
                    codes::IMP003,
                    "/kind",
                    format!("OpenSLO {kind} `{n}` is not carried over: no SLO in the files given uses it"),
                    "an SLO's `alertPolicies` (by `alertPolicyRef` or inline) become its rely alert policy",
                );
            }
            return Some(vec![]);
        }
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
    let alerts = alert_policies(src, env, crate::duration::parse(&window).unwrap_or(30 * 86_400));
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
        let policy = alerts.as_ref().and_then(|a| a.policy(src, objective));
        let mut spec = SloSpec {
            service: svc_name.clone(),
            description: src.str("/spec/description").filter(|d| !d.trim().is_empty()),
            category: None,
            blackbox: None,
            objective,
            window: Some(window.clone()),
            sli: None,
            indicator: Some(indicator),
            alerting: Some(Alerting {
                runbook: opts.runbook.clone(),
                owner: slo_owner.clone(),
                page: policy.as_ref().and(alerts.as_ref()).and_then(|a| a.page.clone()),
                ticket: policy.as_ref().and(alerts.as_ref()).and_then(|a| a.ticket.clone()),
                policy,
                ..Default::default()
            }),
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

/// What an SLO's OpenSLO alert policies become: a rely alert policy and the tiers' `for:`.
struct Alerts {
    /// Each window pair with where its condition is and its name.
    windows: Vec<(PolicyWindow, String, String)>,
    page: Option<AlertToggle>,
    ticket: Option<AlertToggle>,
}

impl Alerts {
    /// The policy for an SLO of `objective` (percent): a pair whose factor times the error
    /// budget reaches 1 can never fire and is left out (`IMP003`); `None` when none is left.
    fn policy(&self, src: &mut Src<'_>, objective: f64) -> Option<AlertPolicy> {
        let budget = 1.0 - objective / 100.0;
        let mut windows = vec![];
        for (w, at, name) in &self.windows {
            let factor = w.factor.unwrap_or(0.0);
            if factor * budget >= 1.0 {
                src.report(
                    codes::IMP003,
                    at,
                    format!(
                        "alert condition `{name}` can never fire for objective {}%: a burn rate of {} would need more than every event to fail",
                        crate::model::burn::num(objective),
                        crate::model::burn::num(factor)
                    ),
                    "its window pair is left out of the SLO's alert policy",
                );
                continue;
            }
            windows.push(w.clone());
        }
        if windows.is_empty() {
            src.report(
                codes::IMP004,
                "/spec/alertPolicies",
                "no condition of the SLO's alert policies can fire: rely's default policy (the Workbook's window pairs) is used",
                "give a condition whose threshold times the error budget is under 1",
            );
            return None;
        }
        Some(AlertPolicy { windows })
    }
}

/// The rely tier of an AlertCondition's `severity` (free text in OpenSLO), and whether it was
/// named as the tier itself.
fn tier_of(severity: &str) -> (BurnTier, bool) {
    let s = severity.trim().to_ascii_lowercase();
    match s.as_str() {
        "page" => (BurnTier::Page, true),
        "ticket" => (BurnTier::Ticket, true),
        "critical" | "high" | "urgent" | "emergency" | "sev0" | "sev1" | "p0" | "p1" | "pager" => (BurnTier::Page, false),
        _ => (BurnTier::Ticket, false),
    }
}

/// The SLO's `alertPolicies` (inline, or by `alertPolicyRef` to an AlertPolicy document) as a
/// rely alert policy: each burn-rate condition (`op: gt|gte`, `threshold`, `lookbackWindow`,
/// `alertAfter`) is a window pair of its tier, the lookback as the long window and a twelfth of
/// it (at least 1m) as the short one, which OpenSLO's single-window conditions do not have
/// (`IMP004`). `None` when the SLO has no policy or none could be read (rely's default policy).
fn alert_policies(src: &mut Src<'_>, env: &Env, period: u64) -> Option<Alerts> {
    let list = src.get("/spec/alertPolicies").and_then(Value::as_array).cloned().filter(|l| !l.is_empty())?;
    let doc: &YamlDoc = src.doc;
    let mut windows = vec![];
    let mut fors: BTreeMap<&str, Option<String>> = BTreeMap::new();
    for (i, item) in list.iter().enumerate() {
        let at = format!("/spec/alertPolicies/{i}");
        // Findings about a policy's own fields point at them: inline in the SLO, or in the
        // AlertPolicy document a ref names. Findings about how it applies to this SLO point at
        // the SLO (`at`, and `slo_at` for a condition).
        let (pname, spec, fields, inline) = if let Some(r) = text(item.get("alertPolicyRef")) {
            let Some((spec, place)) = env.alert_policies.get(&r) else {
                src.report(
                    codes::IMP002,
                    &format!("{at}/alertPolicyRef"),
                    format!("alert policy `{r}` is not in the files given and is not carried over"),
                    "give the file with the AlertPolicy document too",
                );
                continue;
            };
            (r, spec.clone(), Fields::of(place), false)
        } else if item.get("kind").and_then(Value::as_str) == Some("AlertPolicy") {
            let n = text(item.pointer("/metadata/name")).unwrap_or_else(|| "inline".into());
            let fields = Fields { file: src.file, index: &doc.index, prefix: format!("{}{at}/spec", src.base) };
            (n, item.get("spec").cloned().unwrap_or(Value::Null), fields, true)
        } else {
            src.report(
                codes::IMP003,
                &at,
                "an alert policy that is neither inline nor a ref is not carried over",
                "write `alertPolicyRef: NAME` or an inline `kind: AlertPolicy`",
            );
            continue;
        };
        if flag(spec.get("alertWhenBreaching")) == Some(false) {
            fields.report(
                src.findings,
                codes::IMP003,
                "alertWhenBreaching",
                format!("alert policy `{pname}` does not alert when breaching and is not carried over"),
                "rely's alert policies alert when the burn rate is over the factor",
            );
            continue;
        }
        // The setting rely cannot follow: a notification when resolved (the receivers decide),
        // and silence without data (rely always raises its no-data alert).
        for (field, lost, help) in [
            ("alertWhenResolved", true, "Alertmanager's receivers decide whether resolved alerts are sent (`send_resolved`)"),
            ("alertWhenNoData", false, "rely always raises its no-data alert (`alerting.no_data`)"),
        ] {
            if flag(spec.get(field)) == Some(lost) {
                fields.report(
                    src.findings,
                    codes::IMP003,
                    field,
                    format!("`{field}: {lost}` of alert policy `{pname}` is not carried over"),
                    help,
                );
            }
        }
        if spec.get("notificationTargets").and_then(Value::as_array).is_some_and(|t| !t.is_empty()) {
            fields.report(
                src.findings,
                codes::IMP003,
                "notificationTargets",
                format!("the notification targets of alert policy `{pname}` are not carried over"),
                "rely routes an SLO's alerts to its owning team's receivers (`notify` on the Team)",
            );
        }
        let conditions = spec.get("conditions").and_then(Value::as_array).cloned().unwrap_or_default();
        if conditions.is_empty() {
            fields.report(
                src.findings,
                codes::IMP003,
                "conditions",
                format!("alert policy `{pname}` has no conditions and is not carried over"),
                "an OpenSLO policy alerts on its conditions",
            );
        }
        for (j, c) in conditions.iter().enumerate() {
            // Where the SLO names this condition: inline in its own policy, or the policy's ref.
            let slo_at = if inline { format!("{at}/spec/conditions/{j}") } else { at.clone() };
            let (cname, cspec, cfields) = if let Some(r) = text(c.get("conditionRef")) {
                let Some((cs, place)) = env.alert_conditions.get(&r) else {
                    fields.report(
                        src.findings,
                        codes::IMP002,
                        &format!("conditions/{j}/conditionRef"),
                        format!("alert condition `{r}` is not in the files given and is not carried over"),
                        "give the file with the AlertCondition document too",
                    );
                    continue;
                };
                (r, cs.clone(), Fields::of(place))
            } else {
                let n = text(c.pointer("/metadata/name")).unwrap_or_else(|| "inline".into());
                let cfields = Fields { file: fields.file, index: fields.index, prefix: format!("{}/conditions/{j}/spec", fields.prefix) };
                (n, c.get("spec").cloned().unwrap_or(Value::Null), cfields)
            };
            let slo_at = if inline && c.get("conditionRef").is_none() { format!("{slo_at}/spec/condition") } else { slo_at };
            let cond = cspec.get("condition").cloned().unwrap_or(Value::Null);
            let kind = cond.get("kind").and_then(Value::as_str).unwrap_or("burnrate");
            let op = cond.get("op").and_then(Value::as_str).unwrap_or_default();
            let threshold = cond.get("threshold").and_then(Value::as_f64).filter(|t| t.is_finite() && *t > 0.0);
            let lookback = cond.get("lookbackWindow").and_then(Value::as_str).and_then(crate::duration::parse);
            let (Some(threshold), Some(lookback), true, true) = (threshold, lookback, kind == "burnrate", matches!(op, "gt" | "gte"))
            else {
                cfields.report(
                    src.findings,
                    codes::IMP003,
                    "condition",
                    format!("alert condition `{cname}` is not carried over: rely alerts when a burn rate is over a threshold (kind `burnrate`, op `gt` or `gte`, a threshold above 0, a lookbackWindow)"),
                    "rely's alert policy windows are burn rates over a factor",
                );
                continue;
            };
            if lookback > period || lookback < 120 {
                src.report(
                    codes::IMP003,
                    &slo_at,
                    format!(
                        "alert condition `{cname}` looks back {}, outside 2m to the SLO's window, and is not carried over",
                        crate::duration::format(lookback)
                    ),
                    "rely's window pairs read at most the SLO's window",
                );
                continue;
            }
            let short = ((lookback as f64 / 12.0 / 60.0).round() as u64).max(1) * 60;
            let severity = cspec.get("severity").and_then(Value::as_str).unwrap_or_default();
            let (tier, named) = tier_of(severity);
            let tier_word = if tier == BurnTier::Page { "page" } else { "ticket" };
            if !named {
                let said = if severity.is_empty() { "no severity".to_string() } else { format!("severity `{severity}`") };
                cfields.report(
                    src.findings,
                    codes::IMP004,
                    "severity",
                    format!("{said} of alert condition `{cname}` is imported as the {tier_word} tier"),
                    "rely's tiers are page and ticket; `severities:` in the Project sets the label values they carry",
                );
            }
            cfields.report(
                src.findings,
                codes::IMP004,
                "condition",
                format!(
                    "alert condition `{cname}` (burn rate over {} for {}) is imported with a short window of {} as well",
                    crate::model::burn::num(threshold),
                    crate::duration::format(lookback),
                    crate::duration::format(short)
                ),
                "rely's window pairs also need the burn rate over a twelfth of the lookback, so the alert stops soon after the burn does (the Workbook's multi-window alerts)",
            );
            let window = PolicyWindow {
                severity: tier,
                short: crate::duration::format(short),
                long: crate::duration::format(lookback),
                factor: Some(threshold),
                budget_percent: None,
            };
            if windows.iter().any(|w: &(PolicyWindow, String, String)| w.0 == window) {
                continue;
            }
            windows.push((window, slo_at.clone(), cname.clone()));
            // One `for:` per tier: the first condition's `alertAfter` (none, 0m, or a duration).
            let after = match cond.get("alertAfter") {
                None => None,
                Some(a) => match text(Some(a)).as_deref().and_then(crate::duration::parse) {
                    Some(0) => None,
                    Some(_) => text(Some(a)),
                    None => {
                        cfields.report(
                            src.findings,
                            codes::IMP003,
                            "condition/alertAfter",
                            format!("`alertAfter` of alert condition `{cname}` is not a duration and is not carried over"),
                            "write it as a duration such as 5m",
                        );
                        None
                    }
                },
            };
            match fors.get(tier_word) {
                Some(kept) if *kept != after => {
                    let shown = |f: &Option<String>| f.clone().unwrap_or_else(|| "none".into());
                    src.report(
                        codes::IMP003,
                        &slo_at,
                        format!("`alertAfter` of alert condition `{cname}` ({}) is not carried over", shown(&after)),
                        format!("rely has one `for:` per tier, for all its window pairs: {} is kept", shown(kept)),
                    );
                }
                Some(_) => {}
                None => {
                    fors.insert(tier_word, after);
                }
            }
        }
    }
    if windows.is_empty() {
        return None;
    }
    let toggle = |t: &str| fors.get(t).cloned().flatten().map(|f| AlertToggle { for_: Some(f), ..Default::default() });
    Some(Alerts { windows, page: toggle("page"), ticket: toggle("ticket") })
}

/// Where a policy's or condition's own fields are: its file, the positions there, and the
/// pointer of the `spec` that holds them.
struct Fields<'x> {
    file: usize,
    index: &'x Positions,
    prefix: String,
}

impl<'x> Fields<'x> {
    /// The fields of the document at `place`.
    fn of(place: &'x Place) -> Self {
        Fields { file: place.file, index: &place.index, prefix: format!("{}/spec", place.base) }
    }
    /// A finding at `field` (a pointer relative to the `spec`).
    fn report(&self, findings: &mut Vec<Finding>, rule: &'static Rule, field: &str, message: impl Into<String>, help: impl Into<String>) {
        let span = self.index.locate(&format!("{}/{field}", self.prefix));
        findings.push(Finding::new(rule, self.file, span, message).help(help));
    }
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
