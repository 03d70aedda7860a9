//! Prometheus back end: per service, SLI recording rules for every window, metadata rules, and
//! multi-window multi-burn-rate alerts per SLO, then the service's hand-written alerts. Rules are
//! typed structs serialised to YAML; PromQL text is assembled here from names in `model::names`.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::{OutputFile, yaml_header};
use crate::duration;
use crate::model::burn::{self, Tier, num};
use crate::model::names;
use crate::model::{Alert, Model, NoData, Service, Sli, Slo};
use crate::promql::{quote, with_window};
use crate::spec::RuleFormat;

#[derive(Debug, Serialize)]
pub(crate) struct RuleFile {
    pub groups: Vec<Group>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Group {
    pub name: String,
    /// Set on the SLI groups when their windows are derived (see `derived_ratio`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<String>,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Default, Serialize)]
pub(crate) struct Rule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    pub expr: String,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pub for_: Option<String>,
    #[serde(skip_serializing_if = "no_entries")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "no_entries")]
    pub annotations: Labels,
}

/// A rule's labels or annotations. Shared: an SLO's recorded series carry the same labels in
/// several rules, and its alerts the annotations its promtool tests expect (`AlertTexts`).
pub(crate) type Labels = Arc<BTreeMap<String, String>>;

fn no_entries(m: &Labels) -> bool {
    m.is_empty()
}

#[derive(Serialize)]
struct PrometheusRule<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: K8sMeta,
    spec: &'a RuleFile,
}

#[derive(Serialize)]
pub(crate) struct K8sMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
}

impl K8sMeta {
    /// Metadata of a prometheus-operator object rely writes: the configured namespace and
    /// labels, and `app.kubernetes.io/managed-by: rely` (which a user label cannot replace).
    pub(crate) fn new(name: String, operator: &crate::spec::OperatorOptions) -> K8sMeta {
        let mut labels = operator.labels.clone();
        labels.insert("app.kubernetes.io/managed-by".into(), "rely".into());
        K8sMeta { name, namespace: operator.namespace.clone(), labels }
    }
}

#[derive(Serialize)]
struct MimirNamespace<'a> {
    namespace: &'a str,
    groups: &'a [Group],
}

/// The SLO id used in the identifying label: `<service>-<slo>`, as Sloth does, except that an
/// SLO whose name already starts with `<service>-` is its own id (`checkout-availability`, not
/// `checkout-checkout-availability`). `compat: sloth` keeps Sloth's ids exactly. Ids alone may
/// coincide (SLO `availability` of `checkout` and SLO `checkout-availability`), so selectors
/// match the SLO label instead (see `id_selector`).
pub(crate) fn slo_id(model: &Model, slo: &Slo) -> String {
    let sloth = model.settings.labels.id == names::SLOTH.id;
    match slo.name.strip_prefix(&slo.service).filter(|rest| rest.starts_with('-')) {
        Some(_) if !sloth => slo.name.clone(),
        _ => format!("{}-{}", slo.service, slo.name),
    }
}

/// Label matchers selecting one SLO's series: its name, unique among SLOs (a shorter selector
/// is most of what keeps the rules of 100,000 SLOs small). Under `compat: sloth` the SLO label
/// is unique only within a service, so Sloth's three matchers are kept.
pub(crate) fn id_selector(model: &Model, slo: &Slo) -> String {
    let l = &model.settings.labels;
    if l.id != names::SLOTH.id {
        return ["{", l.slo, "=", &quote(&slo.name), "}"].concat();
    }
    full_selector(model, slo)
}

/// The id, service and SLO matchers of one SLO's series.
fn full_selector(model: &Model, slo: &Slo) -> String {
    let l = &model.settings.labels;
    ["{", l.id, "=", &quote(&slo_id(model, slo)), ", ", l.service, "=", &quote(&slo.service), ", ", l.slo, "=", &quote(&slo.name), "}"]
        .concat()
}

/// The labels of an SLO's recorded series: the Project's, the SLO's own, and its ids.
pub(crate) fn id_labels(model: &Model, slo: &Slo) -> BTreeMap<String, String> {
    let mut m = model.settings.extra_labels.clone();
    m.extend(slo.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    m.insert(model.settings.labels.id.into(), slo_id(model, slo));
    m.insert(model.settings.labels.service.into(), slo.service.clone());
    m.insert(model.settings.labels.slo.into(), slo.name.clone());
    m
}

fn record(name: String, expr: String, labels: impl Into<Labels>) -> Rule {
    Rule { record: Some(name), expr, labels: labels.into(), ..Default::default() }
}

/// Whether an SLO's windows are derived from its recorded 5m and 30m event rates (see
/// `derived_ratio`); such SLOs share their service's SLI and metadata groups (`derived_groups`).
fn is_derived(model: &Model, slo: &Slo) -> bool {
    model.settings.derived_windows && matches!(slo.sli, Sli::Events { .. })
}

/// Label matchers selecting the series of `slos`, some of `svc`'s SLOs: the service label when
/// they are all of them (no other SLO's series carry it), else their names.
fn set_selector(model: &Model, svc: &Service, slos: &[&Slo]) -> String {
    match slos {
        [one] => id_selector(model, one),
        _ if slos.len() == svc.slos.len() => format!("{{{}={}}}", model.settings.labels.service, quote(&svc.name)),
        _ => {
            // SLO names are `[a-z0-9-]`: nothing in them is special to a regular expression.
            let names: Vec<&str> = slos.iter().map(|s| s.name.as_str()).collect();
            format!("{{{}=~{}}}", model.settings.labels.slo, quote(&names.join("|")))
        }
    }
}

/// SLI recording rules of an SLO whose windows are read from its raw series (`windows: exact`,
/// `compat: sloth`, raw ratios): one error ratio per window, traffic-weighted over the period.
pub(crate) fn sli_rules(model: &Model, slo: &Slo) -> Vec<Rule> {
    let ids = id_selector(model, slo);
    let with_win = |w: u64| {
        let mut l = id_labels(model, slo);
        l.insert(model.settings.labels.window.into(), duration::format(w));
        l
    };
    let windows = burn::sli_windows(&slo.windows, slo.period);
    let mut rules = vec![];
    for &w in windows.iter().filter(|w| **w != slo.period) {
        let d = duration::format(w);
        let expr = match &slo.sli {
            Sli::Events { errors, total, .. } => format!("(\n  {}\n)\n/\n(\n  {}\n)", with_window(errors, &d), with_window(total, &d)),
            Sli::Raw { error_ratio } => format!("(\n  {}\n)", with_window(error_ratio, &d)),
        };
        rules.push(record(names::sli_ratio(w), expr, with_win(w)));
    }
    let p = duration::format(slo.period);
    match &slo.sli {
        Sli::Events { errors, total, .. } => {
            // The period ratio divides summed events, so a busy hour weighs more than a quiet one.
            rules.push(record(names::ERROR_EVENTS_5M.into(), with_window(errors, "5m"), id_labels(model, slo)));
            rules.push(record(names::TOTAL_EVENTS_5M.into(), with_window(total, "5m"), id_labels(model, slo)));
            rules.push(period_ratio(model, &ids, slo.period, with_win(slo.period)));
        }
        Sli::Raw { .. } => {
            // A raw ratio carries no event counts: the best available is the mean of 5m ratios.
            let expr = format!("avg_over_time({}{ids}[{p}])", names::sli_ratio(300));
            rules.push(record(names::sli_ratio(slo.period), expr, with_win(slo.period)));
        }
    }
    rules
}

/// The SLI and metadata groups of a service's SLOs with derived windows. Each SLO reads its raw
/// series twice per evaluation, into its error and total event rates over 5m and 30m (and over
/// any window it alerts on under 30m); every ratio, burn rate and remaining budget is then one
/// rule for all of them, matching each SLO's series to its own by their labels: a ratio per
/// window instead of one per window and SLO, so the rules cost a fraction to store and evaluate.
fn derived_groups(model: &Model, svc: &Service, slos: &[&Slo]) -> [Group; 2] {
    let l = &model.settings.labels;
    let window = |w: u64| BTreeMap::from([(l.window.to_string(), duration::format(w))]);
    let mut sli = vec![];
    for slo in slos {
        let Sli::Events { errors, total, .. } = &slo.sli else { continue };
        let ids = Labels::new(id_labels(model, slo));
        // Event rates carry no window label (their names say the window), so the expressions
        // combining them need no `ignoring`.
        for (d, e, t) in [("5m", names::ERROR_EVENTS_5M, names::TOTAL_EVENTS_5M), ("30m", names::ERROR_EVENTS_30M, names::TOTAL_EVENTS_30M)]
        {
            sli.push(record(e.into(), with_window(errors, d), ids.clone()));
            sli.push(record(t.into(), with_window(total, d), ids.clone()));
        }
    }
    // The windows each SLO alerts on (and 5m), without its period, which is in the slower group.
    let needs = |slo: &Slo, w: u64| w != slo.period && burn::sli_windows(&slo.windows, slo.period).contains(&w);
    let mut windows: Vec<u64> = slos.iter().flat_map(|s| burn::sli_windows(&s.windows, s.period)).collect();
    windows.sort_unstable();
    windows.dedup();
    for w in windows {
        let who: Vec<&Slo> = slos.iter().copied().filter(|s| needs(s, w)).collect();
        if who.is_empty() {
            continue;
        }
        let d = duration::format(w);
        if w < 1800 && w != 300 {
            // A short window no recorded rate covers is read from the raw series, per SLO.
            for slo in &who {
                let Sli::Events { errors, total, .. } = &slo.sli else { continue };
                let expr = format!("(\n  {}\n)\n/\n(\n  {}\n)", with_window(errors, &d), with_window(total, &d));
                let mut labels = id_labels(model, slo);
                labels.extend(window(w));
                sli.push(record(names::sli_ratio(w), expr, labels));
            }
            continue;
        }
        let sel = set_selector(model, svc, &who);
        let expr = match w {
            300 => format!("{}{sel}\n/\n{}{sel}", names::ERROR_EVENTS_5M, names::TOTAL_EVENTS_5M),
            1800 => format!("{}{sel}\n/\n{}{sel}", names::ERROR_EVENTS_30M, names::TOTAL_EVENTS_30M),
            _ => derived_ratio(model, &sel, w),
        };
        sli.push(record(names::sli_ratio(w), expr, window(w)));
    }

    // With derived windows the period ratio and the metadata are evaluated every
    // `Settings::slow_interval`: they feed dashboards and reports, not alerts, and the period
    // ratio reads the period's recorded 5m rates (a sample per interval over 30 days).
    let mut meta = vec![];
    let mut periods: Vec<u64> = slos.iter().map(|s| s.period).collect();
    periods.sort_unstable();
    periods.dedup();
    let of_period = |p: u64| -> Vec<&Slo> { slos.iter().copied().filter(|s| s.period == p).collect() };
    for &p in &periods {
        meta.push(period_ratio(model, &set_selector(model, svc, &of_period(p)), p, window(p)));
    }
    meta.extend(derived_constants(model, svc, slos));
    let on = format!("on ({}, {}, {}) group_left", l.id, l.service, l.slo);
    let all = set_selector(model, svc, slos);
    meta.push(record(
        names::CURRENT_BURN.into(),
        format!("{}{all}\n/ {on}\n{}{all}", names::sli_ratio(300), names::ERROR_BUDGET),
        BTreeMap::new(),
    ));
    for &p in &periods {
        let sel = set_selector(model, svc, &of_period(p));
        meta.push(record(
            names::PERIOD_BURN.into(),
            format!("{}{sel}\n/ {on}\n{}{sel}", names::sli_ratio(p), names::ERROR_BUDGET),
            BTreeMap::new(),
        ));
    }
    meta.push(record(names::BUDGET_REMAINING.into(), format!("1 - {}{all}", names::PERIOD_BURN), BTreeMap::new()));
    [
        Group { name: format!("rely-service-{}-sli", svc.name), interval: Some(model.settings.evaluation_interval.1.clone()), rules: sli },
        Group { name: format!("rely-service-{}-meta", svc.name), interval: Some(model.settings.slow_interval()), rules: meta },
    ]
}

/// The period ratio divides summed 5m events, so a busy hour weighs more than a quiet one.
fn period_ratio(model: &Model, ids: &str, period: u64, labels: BTreeMap<String, String>) -> Rule {
    // `sum without (window)`: event rates recorded by rely before they lost their window label
    // are part of the period's history, and add up with the new ones instead of becoming a
    // second series (two series with one label set after the rule's labels fail the rule).
    let expr = format!(
        "sum without ({w}) (sum_over_time({e}{ids}[{p}]))\n/\nsum without ({w}) (sum_over_time({t}{ids}[{p}]))",
        e = names::ERROR_EVENTS_5M,
        t = names::TOTAL_EVENTS_5M,
        p = duration::format(period),
        w = model.settings.labels.window,
    );
    record(names::sli_ratio(period), expr, labels)
}

/// A window `w` above 30m from recorded rates: its last 30m are the recorded 30m events (read
/// from the raw series, so a new burn counts at once), the rest the recorded 5m rates over
/// `[w - 30m]`, summed and times the group's evaluation interval (each recorded sample stands for
/// one interval), i.e. the events of that history as far as it goes. Each 5m rate spreads an
/// event over the 5 minutes after it, so that range ends 27m30s ago: the half-counted events
/// either side of the 30m seam then make up for each other instead of going missing. Without
/// any yet, the window is the 30m alone. Both sides are event counts, so the ratio stays
/// traffic-weighted, and missing evaluations count as missing traffic on both sides.
fn derived_ratio(model: &Model, ids: &str, w: u64) -> String {
    let len = duration::format(w - 1800);
    let step = model.settings.evaluation_interval.0;
    let (e5, e30, t5, t30) = (names::ERROR_EVENTS_5M, names::ERROR_EVENTS_30M, names::TOTAL_EVENTS_5M, names::TOTAL_EVENTS_30M);
    // Either error term may be absent (no error series in the last 30m, or no history yet): it
    // then counts as zero events, read off the 30m total, which exists whenever there is traffic.
    // (The 30m total term needs no fallback: without it there is no ratio.)
    // History recorded before the event rates lost their window label counts too (see `period_ratio`).
    let win = model.settings.labels.window;
    let mut buf = itoa::Buffer::new();
    let step = buf.format(step);
    // (sum without (<win>) (sum_over_time(<r5><ids>[<len>] offset 27m30s)) * <step> or <t30><ids> * 0)
    let history = |r5: &str| {
        ["(sum without (", win, ") (sum_over_time(", r5, ids, "[", &len, "] offset 27m30s)) * ", step, " or ", t30, ids, " * 0)"].concat()
    };
    // (\n  <errors>\n  + (<e30><ids> * 1800 or <t30><ids> * 0)\n)\n/\n(\n  <total>\n  + <t30><ids> * 1800\n)
    [
        "(\n  ",
        &history(e5),
        "\n  + (",
        e30,
        ids,
        " * 1800 or ",
        t30,
        ids,
        " * 0)\n)\n/\n(\n  ",
        &history(t5),
        "\n  + ",
        t30,
        ids,
        " * 1800\n)",
    ]
    .concat()
}

/// An SLO's constant metadata: objective, budget, period and an info series.
fn constant_rules(model: &Model, slo: &Slo) -> [Rule; 4] {
    let labels = Labels::new(id_labels(model, slo));
    let info = info_rule(model, slo, (*labels).clone());
    [
        record(names::OBJECTIVE.into(), format!("vector({})", num(slo.objective_ratio())), labels.clone()),
        record(names::ERROR_BUDGET.into(), format!("vector({})", num(slo.budget())), labels.clone()),
        record(names::PERIOD_DAYS.into(), format!("vector({})", num(slo.period as f64 / 86400.0)), labels),
        info,
    ]
}

/// An SLO's info series: its labels (`id_labels`) and its objective, period and team.
fn info_rule(model: &Model, slo: &Slo, mut info: BTreeMap<String, String>) -> Rule {
    info.insert("rely_objective".into(), num(slo.objective));
    info.insert("rely_period".into(), duration::format(slo.period));
    info.insert("team".into(), slo.owner.clone());
    record(model.settings.labels.info_metric.into(), "vector(1)".into(), info)
}

/// The info series of `slos` (SLOs of `svc` with derived windows), then their objectives,
/// budgets and periods: one rule per value for all the SLOs with it, read off their info series
/// (which carry the SLO's labels and these values), or, for an SLO whose own labels have the
/// names the info series adds, rules of its own.
fn derived_constants(model: &Model, svc: &Service, slos: &[&Slo]) -> Vec<Rule> {
    const ADDED: [&str; 3] = ["rely_objective", "rely_period", "team"];
    let mut rules = vec![];
    let (mut shared, mut own) = (vec![], vec![]);
    for slo in slos {
        let own_labels = id_labels(model, slo);
        if ADDED.iter().any(|k| own_labels.contains_key(*k)) {
            let [objective, budget, days, info] = constant_rules(model, slo);
            rules.push(info);
            own.extend([objective, budget, days]);
        } else {
            rules.push(info_rule(model, slo, own_labels));
            shared.push(*slo);
        }
    }
    rules.extend(own);
    let info = model.settings.labels.info_metric;
    let strip = format!("max without ({}) ", ADDED.join(", "));
    // (metric, the value of an SLO) for each constant.
    type Value = fn(&Slo) -> String;
    let constants: [(&str, Value); 3] = [
        (names::OBJECTIVE, |s| num(s.objective_ratio())),
        (names::ERROR_BUDGET, |s| num(s.budget())),
        (names::PERIOD_DAYS, |s| num(s.period as f64 / 86400.0)),
    ];
    for (metric, value) in constants {
        let mut by_value: BTreeMap<String, Vec<&Slo>> = BTreeMap::new();
        for slo in &shared {
            by_value.entry(value(slo)).or_default().push(*slo);
        }
        for (v, with) in by_value {
            let expr = format!("{v} * {strip}({info}{})", set_selector(model, svc, &with));
            rules.push(record(metric.into(), expr, BTreeMap::new()));
        }
    }
    rules
}

/// Metadata rules of an SLO whose windows are not derived: objective, budget, period, burn
/// rates, remaining budget and an info series.
pub(crate) fn meta_rules(model: &Model, slo: &Slo) -> Vec<Rule> {
    let ids = id_selector(model, slo);
    let l = &model.settings.labels;
    let on = format!("on ({}, {}, {}) group_left", l.id, l.service, l.slo);
    let labels = Labels::new(id_labels(model, slo));
    let [objective, budget, days, info] = constant_rules(model, slo);
    vec![
        objective,
        budget,
        days,
        record(names::CURRENT_BURN.into(), format!("{}{ids}\n/ {on}\n{}{ids}", names::sli_ratio(300), names::ERROR_BUDGET), labels.clone()),
        record(
            names::PERIOD_BURN.into(),
            format!("{}{ids}\n/ {on}\n{}{ids}", names::sli_ratio(slo.period), names::ERROR_BUDGET),
            labels.clone(),
        ),
        record(names::BUDGET_REMAINING.into(), format!("1 - {}{ids}", names::PERIOD_BURN), labels),
        info,
    ]
}

/// The multi-window, multi-burn-rate alert of one tier.
pub(crate) fn burn_alert(model: &Model, slo: &Slo, tier: Tier, annotations: &Labels) -> Rule {
    let ids = id_selector(model, slo);
    let budget = num(slo.budget());
    let w = model.settings.labels.window;
    let pairs: Vec<String> = slo
        .windows
        .iter()
        .filter(|p| p.tier == tier)
        .map(|p| {
            // (\n  max(<short>{ids} > (<f> * <budget>)) without (<w>)\n  and\n  max(<long>…)\n)
            let over = [" > (", &num(p.factor(slo.period)), " * ", &budget, ")) without (", w, ")"].concat();
            let (s, l) = (names::sli_ratio(p.short), names::sli_ratio(p.long));
            ["(\n  max(", &s, &ids, &over, "\n  and\n  max(", &l, &ids, &over, "\n)"].concat()
        })
        .collect();
    let toggle = if tier == Tier::Page { &slo.page } else { &slo.ticket };
    let mut user = slo.alert_labels.clone();
    user.extend(toggle.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    Rule {
        alert: Some(slo.alert_name.clone()),
        expr: pairs.join("\nor\n"),
        for_: toggle.for_.clone(),
        labels: literal(alert_labels(model, &slo.owner, tier.as_str(), &slo.service, Some(&slo.name), &user)),
        annotations: literal_shared(annotations),
        ..Default::default()
    }
}

/// The no-data alert: the SLI's 5m total events (or, for a raw SLI, its 5m ratio) are absent,
/// so every burn-rate alert of the SLO is blind.
pub(crate) fn no_data_alert(model: &Model, slo: &Slo, no_data: &NoData, annotations: &Labels) -> Rule {
    // absent() labels its alert with the selector's equality matchers: all three, as before.
    let ids = full_selector(model, slo);
    let series = match &slo.sli {
        Sli::Events { .. } => names::TOTAL_EVENTS_5M.to_string(),
        Sli::Raw { .. } => names::sli_ratio(300),
    };
    // absent() keeps only the selector's matchers: the Project's and the SLO's labels are added.
    let mut labels = model.settings.extra_labels.clone();
    labels.extend(slo.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    labels.extend(alert_labels(model, &slo.owner, no_data.severity.as_str(), &slo.service, Some(&slo.name), &slo.alert_labels));
    Rule {
        alert: Some(names::slo_no_data_alert(&slo.name)),
        expr: format!("absent({series}{ids})"),
        for_: Some(no_data.for_.clone()),
        labels: literal(labels),
        annotations: literal_shared(annotations),
        ..Default::default()
    }
}

/// What an SLO's alerts say (their annotations), made once per SLO for both its rules and its
/// promtool tests, which expect the same text: each enabled tier's, and the no-data alert's.
pub(crate) struct AlertTexts {
    page: Option<Arc<BTreeMap<String, String>>>,
    ticket: Option<Arc<BTreeMap<String, String>>>,
    pub no_data: Option<Arc<BTreeMap<String, String>>>,
}

impl AlertTexts {
    pub(crate) fn of(model: &Model, slo: &Slo) -> AlertTexts {
        let tier = |t| slo.alert_enabled(t).then(|| Arc::new(slo_annotations(model, slo, t)));
        AlertTexts {
            page: tier(Tier::Page),
            ticket: tier(Tier::Ticket),
            no_data: slo.no_data.as_ref().map(|n| Arc::new(no_data_annotations(model, slo, n))),
        }
    }

    /// The texts of each of a service's SLOs, in order.
    pub(crate) fn of_service(model: &Model, svc: &Service) -> Vec<AlertTexts> {
        svc.slos.iter().map(|slo| AlertTexts::of(model, slo)).collect()
    }

    /// The annotations of `tier`'s burn alert (`None` when the SLO does not alert on it).
    pub(crate) fn tier(&self, tier: Tier) -> Option<&Arc<BTreeMap<String, String>>> {
        if tier == Tier::Page { self.page.as_ref() } else { self.ticket.as_ref() }
    }
}

/// Annotations of the no-data alert: static text, so promtool tests can expect it exactly.
pub(crate) fn no_data_annotations(model: &Model, slo: &Slo, no_data: &NoData) -> BTreeMap<String, String> {
    let what = match &slo.sli {
        Sli::Events { .. } => "its total events",
        Sli::Raw { .. } => "its error ratio",
    };
    let mut a = BTreeMap::new();
    a.insert("summary".into(), format!("{}: SLO {} has no data", slo.service, slo.name));
    a.insert(
        "description".into(),
        format!(
            "The SLI of SLO {} has returned nothing for {} ({what} are absent): its burn-rate alerts cannot fire. \
             Look for a stopped exporter or scrape target, or a renamed metric or label.",
            slo.name, no_data.for_
        ),
    );
    if let Some(r) = &slo.runbook_url {
        a.insert("runbook_url".into(), r.clone());
    }
    if let Some(d) = model.dashboard_url(&slo.service) {
        a.insert("dashboard_url".into(), d);
    }
    a
}

/// An alerting rule's labels and annotations are Go templates to Prometheus; rely's are literal
/// text, so any `{{` in them (from a description, a label value) is escaped to print as it is.
/// Generated promtool tests expect the text itself, which is what Prometheus expands this to.
fn literal(mut m: BTreeMap<String, String>) -> Labels {
    for v in m.values_mut().filter(|v| v.contains("{{")) {
        *v = super::escape::go_template_literal(v);
    }
    Labels::new(m)
}

/// `literal` of shared text, shared again when it has nothing to escape (as it mostly has not).
fn literal_shared(m: &Labels) -> Labels {
    if m.values().any(|v| v.contains("{{")) { literal((**m).clone()) } else { Labels::clone(m) }
}

fn alert_labels(
    model: &Model,
    team: &str,
    severity: &str,
    service: &str,
    slo: Option<&str>,
    user: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut m = user.clone();
    m.insert("team".into(), team.into());
    m.insert("severity".into(), model.settings.severity_value(severity).into());
    m.insert("service".into(), service.into());
    if let Some(s) = slo {
        m.insert(model.settings.labels.slo.into(), s.into());
    }
    // Over an author's own `namespace`: the operator routes only alerts of its namespace.
    if let Some(ns) = model.settings.alert_namespace() {
        m.insert("namespace".into(), ns.into());
    }
    m
}

/// How a burn alert of `tier` decides, in words: "above 14.4x the budget over both 1h and 5m
/// (2% of the budget in 1h), or ...". The same for every SLO with the same period and windows,
/// so each thread remembers the text of each it has written.
fn burn_pairs(slo: &Slo, tier: Tier) -> std::rc::Rc<str> {
    type Key = (u64, Vec<(u64, u64, u64, Option<u64>)>);
    thread_local! {
        static PAIRS: std::cell::RefCell<crate::FastMap<Key, std::rc::Rc<str>>> = Default::default();
    }
    let windows = slo.windows.iter().filter(|p| p.tier == tier);
    let key: Key =
        (slo.period, windows.clone().map(|p| (p.short, p.long, p.budget_share.to_bits(), p.fixed_factor.map(f64::to_bits))).collect());
    if let Some(text) = PAIRS.with_borrow(|m| m.get(&key).cloned()) {
        return text;
    }
    // The first pair says what its figures are; the others follow it.
    let pairs: Vec<String> = windows
        .enumerate()
        .map(|(i, p)| {
            let (budget, of) = if i == 0 { (" the budget", " of the budget") } else { ("", "") };
            format!(
                "above {}x{budget} over both {} and {} ({}%{of} in {})",
                num(p.factor(slo.period)),
                duration::format(p.long),
                duration::format(p.short),
                num(p.share(slo.period) * 100.0),
                duration::format(p.long)
            )
        })
        .collect();
    let text: std::rc::Rc<str> = pairs.join(", or ").into();
    PAIRS.with_borrow_mut(|m| {
        // Bounded: a long-lived caller meets few distinct policies, but never many.
        if m.len() >= 1_000 {
            m.clear();
        }
        m.insert(key, text.clone());
    });
    text
}

/// Annotations of an SLO burn alert: static text, so promtool tests can expect it exactly.
pub(crate) fn slo_annotations(model: &Model, slo: &Slo, tier: Tier) -> BTreeMap<String, String> {
    let pairs = burn_pairs(slo, tier);
    let what = if slo.description.is_empty() { String::new() } else { [" (", slo.description.trim_end_matches('.'), ")"].concat() };
    let mut a = BTreeMap::new();
    a.insert("summary".into(), [&slo.service, ": SLO ", &slo.name, " is burning its error budget too fast (", tier.as_str(), ")"].concat());
    // SLO <name>< (description)> promises <objective>% over <period> (an error budget of
    // <budget>). The error ratio is <pairs>.
    a.insert(
        "description".into(),
        [
            "SLO ",
            &slo.name,
            &what,
            " promises ",
            &num(slo.objective),
            "% over ",
            &duration::format(slo.period),
            " (an error budget of ",
            &duration::human(slo.budget_seconds()),
            "). The error ratio is ",
            &pairs,
            ".",
        ]
        .concat(),
    );
    if let Some(r) = &slo.runbook_url {
        a.insert("runbook_url".into(), r.clone());
    }
    if let Some(d) = model.dashboard_url(&slo.service) {
        a.insert("dashboard_url".into(), d);
    }
    // The author's annotations, then the tier's, over rely's text; never over the links, which
    // come from the checked `runbook:` and the service's dashboard (ALR006 reports them).
    let toggle = if tier == Tier::Page { &slo.page } else { &slo.ticket };
    for (k, v) in slo.annotations.iter().chain(&toggle.annotations) {
        if k != "runbook_url" && k != "dashboard_url" {
            a.insert(k.clone(), v.clone());
        }
    }
    a
}

/// The labels a firing alert of an SLO carries: those of its recorded series (or, for the
/// no-data alert, the ones its rule adds back), then its rule's labels over them, as Prometheus
/// does; `tier` adds that tier's own labels.
pub(crate) fn fired_labels(model: &Model, slo: &Slo, severity: &str, tier: Option<Tier>) -> BTreeMap<String, String> {
    let mut user = slo.alert_labels.clone();
    if let Some(t) = tier {
        let toggle = if t == Tier::Page { &slo.page } else { &slo.ticket };
        user.extend(toggle.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    let mut l = id_labels(model, slo);
    l.extend(alert_labels(model, &slo.owner, severity, &slo.service, Some(&slo.name), &user));
    // Prometheus drops labels with empty values.
    l.retain(|_, v| !v.is_empty());
    l
}

/// A hand-written Alert, with the same label and annotation conventions.
pub(crate) fn hand_alert(model: &Model, a: &Alert) -> Rule {
    let mut ann = BTreeMap::new();
    ann.insert("summary".into(), a.summary.clone());
    ann.insert("description".into(), a.description.clone().unwrap_or_else(|| a.summary.clone()));
    if let Some(r) = &a.runbook_url {
        ann.insert("runbook_url".into(), r.clone());
    }
    if let Some(d) = model.dashboard_url(&a.service) {
        ann.insert("dashboard_url".into(), d);
    }
    Rule {
        alert: Some(names::alert(&a.name)),
        expr: a.expr.clone(),
        for_: a.for_.clone(),
        labels: literal(alert_labels(model, &a.owner, a.severity.as_str(), &a.service, None, &a.labels)),
        annotations: literal(ann),
        ..Default::default()
    }
}

/// The rule groups of one service: the SLI and metadata groups its SLOs with derived windows
/// share, each other SLO's own, every SLO's alerts, then the service's hand-written alerts.
/// `texts`: the service's SLOs' (`AlertTexts::of_service`).
pub(crate) fn groups(model: &Model, svc: &Service, texts: &[AlertTexts]) -> Vec<Group> {
    let mut groups = vec![];
    let derived: Vec<&Slo> = svc.slos.iter().filter(|s| is_derived(model, s)).collect();
    if !derived.is_empty() {
        groups.extend(derived_groups(model, svc, &derived));
    }
    for (slo, texts) in svc.slos.iter().zip(texts) {
        if !is_derived(model, slo) {
            groups.push(Group { name: format!("rely-slo-{}-sli", slo.name), interval: None, rules: sli_rules(model, slo) });
            groups.push(Group { name: format!("rely-slo-{}-meta", slo.name), interval: None, rules: meta_rules(model, slo) });
        }
        let mut alerts: Vec<Rule> =
            [Tier::Page, Tier::Ticket].into_iter().filter_map(|t| Some(burn_alert(model, slo, t, texts.tier(t)?))).collect();
        alerts.extend(slo.no_data.as_ref().zip(texts.no_data.as_ref()).map(|(n, a)| no_data_alert(model, slo, n, a)));
        if !alerts.is_empty() {
            groups.push(Group { name: format!("rely-slo-{}-alerts", slo.name), interval: None, rules: alerts });
        }
    }
    if !svc.alerts.is_empty() {
        groups.push(Group {
            name: format!("rely-service-{}-alerts", svc.name),
            interval: None,
            rules: svc.alerts.iter().map(|a| hand_alert(model, a)).collect(),
        });
    }
    groups
}

/// Path of a service's rule file for the configured format.
pub(crate) fn rules_path(model: &Model, service: &str) -> String {
    match model.settings.format {
        RuleFormat::Rules => names::rules_file(service),
        RuleFormat::PrometheusOperator => format!("prometheus/{service}.prometheusrule.yml"),
        RuleFormat::Mimir => format!("prometheus/{service}.mimir.yml"),
    }
}

/// The rule file of one service (none when it has neither SLOs nor alerts).
/// `texts`: the service's SLOs' (`AlertTexts::of_service`).
pub(crate) fn service_file(model: &Model, svc: &Service, texts: &[AlertTexts]) -> Option<OutputFile> {
    {
        let groups = groups(model, svc, texts);
        if groups.is_empty() {
            return None;
        }
        let file = RuleFile { groups };
        let mut contents = yaml_header(&svc.sources);
        // About what an SLO's rules take, so the text is seldom moved as it grows.
        contents.reserve(5120 * svc.slos.len());
        match model.settings.format {
            RuleFormat::Rules => super::yaml::append(&file, &mut contents),
            RuleFormat::PrometheusOperator => super::yaml::append(
                &PrometheusRule {
                    api_version: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: K8sMeta::new(format!("rely-{}", svc.name), &model.settings.rules_operator),
                    spec: &file,
                },
                &mut contents,
            ),
            RuleFormat::Mimir => super::yaml::append(&MimirNamespace { namespace: &svc.name, groups: &file.groups }, &mut contents),
        }
        Some(OutputFile { path: rules_path(model, &svc.name), contents })
    }
}
