//! `rely status`: each SLO measured now (or at `--at`) from its own SLI queries, not from the
//! recording rules, so it works before the rules are deployed. Per SLO: the error ratio over its
//! window, the budget left (1 untouched, 0 spent, negative overspent) as a fraction and in time,
//! the 1h and 6h burn rates, and which of its burn alerts' conditions hold (`for:` is not
//! evaluated: an instant cannot tell how long a condition has held); per group for an SLO with
//! `group_by`, as its alerts are.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::prom::Prometheus;
use crate::duration;
use crate::model::burn::{self, Tier};
use crate::model::{Model, Sli, Slo};
use crate::promql::with_window;

/// The values of an SLO's `group_by` labels that identify one group (empty when ungrouped).
pub type Group = BTreeMap<String, String>;

/// `sum` or `sum by (labels)`.
pub(crate) fn sum_by(group_by: &[String]) -> String {
    if group_by.is_empty() { "sum".to_string() } else { format!("sum by ({})", group_by.join(", ")) }
}

/// The group of a series: its values of the `group_by` labels (empty for a label it lacks, as
/// Prometheus reads an absent label).
pub(crate) fn group_of(labels: &BTreeMap<String, String>, group_by: &[String]) -> Group {
    group_by.iter().map(|g| (g.clone(), labels.get(g).cloned().unwrap_or_default())).collect()
}

/// An SLO's name with its group, as people read it: `delivery{channel="sms"}`.
pub fn named(name: &str, group: &Group) -> String {
    if group.is_empty() {
        return name.to_string();
    }
    let l: Vec<String> = group.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{name}{{{}}}", l.join(","))
}

/// The queries whose values are an SLI's error ratio over `w` per group: errors and total for
/// an event SLI (the ratio is theirs), or the ratio itself for a raw one (the worst series, of
/// the group or of all, when the query returns several).
pub(crate) enum RatioQueries {
    Events { errors: String, total: String },
    Raw(String),
}

pub(crate) fn ratio_queries(sli: &Sli, group_by: &[String], w: &str) -> RatioQueries {
    let sum = sum_by(group_by);
    match sli {
        Sli::Events { errors, total, .. } => RatioQueries::Events {
            errors: format!("{sum}({})", with_window(errors, w)),
            total: format!("{sum}({})", with_window(total, w)),
        },
        Sli::Raw { error_ratio } => {
            let avg = format!("avg_over_time(({})[{w}:5m])", with_window(error_ratio, "5m"));
            let max = if group_by.is_empty() { "max".to_string() } else { format!("max by ({})", group_by.join(", ")) };
            RatioQueries::Raw(format!("{max}({avg})"))
        }
    }
}

/// Per group, errors over total where the total is above 0 (a group without error series has
/// no errors: a `sum` over nothing returns nothing).
pub(crate) fn divide(errors: &BTreeMap<Group, f64>, total: &BTreeMap<Group, f64>) -> BTreeMap<Group, f64> {
    total.iter().filter(|(_, t)| **t > 0.0).map(|(g, t)| (g.clone(), (errors.get(g).copied().unwrap_or(0.0) / t).max(0.0))).collect()
}

/// The error ratio of an SLI over `window` seconds at `at`, per group: a group is missing when
/// it has no traffic (no total, or a total of 0) or its query returns nothing.
pub(crate) fn error_ratios(prom: &Prometheus, sli: &Sli, group_by: &[String], window: u64, at: f64) -> Result<BTreeMap<Group, f64>> {
    let values = |expr: &str| -> Result<BTreeMap<Group, f64>> {
        Ok(prom
            .instant(expr, at)?
            .iter()
            .filter_map(|s| s.values.first().map(|v| (group_of(&s.labels, group_by), v.1)))
            .filter(|(_, v)| v.is_finite())
            .collect())
    };
    match ratio_queries(sli, group_by, &duration::format(window)) {
        RatioQueries::Events { errors, total } => Ok(divide(&values(&errors)?, &values(&total)?)),
        RatioQueries::Raw(q) => values(&q),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BurnRates {
    #[serde(rename = "1h")]
    pub h1: Option<f64>,
    #[serde(rename = "6h")]
    pub h6: Option<f64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloStatus {
    pub name: String,
    /// For an SLO with `group_by`, the group this row measures (one row per group).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub group: Group,
    pub service: String,
    pub team: String,
    /// Percent.
    pub objective: f64,
    pub window: String,
    pub error_ratio: Option<f64>,
    pub budget_remaining: Option<f64>,
    pub budget_remaining_seconds: Option<f64>,
    pub burn_rate: BurnRates,
    /// The severities (`page`, `ticket`) whose burn conditions hold at `at`.
    pub firing: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    pub at: String,
    pub slos: Vec<SloStatus>,
}

impl StatusReport {
    /// Whether some SLO has spent more than its budget.
    pub fn overspent(&self) -> bool {
        self.slos.iter().any(|s| s.budget_remaining.is_some_and(|b| b < 0.0))
    }
}

/// One row per group of `slo` (one row when it is not grouped, or has no data at all).
fn slo_status(prom: &Prometheus, slo: &Slo, at: f64) -> Result<Vec<SloStatus>> {
    let budget = slo.budget();
    let pairs: Vec<burn::BurnWindow> = slo.windows.iter().copied().filter(|w| slo.alert_enabled(w.tier)).collect();
    let mut ratios: BTreeMap<u64, BTreeMap<Group, f64>> = BTreeMap::new();
    for w in [slo.period, 3600, 6 * 3600].into_iter().chain(pairs.iter().flat_map(|w| [w.short, w.long])) {
        if let std::collections::btree_map::Entry::Vacant(e) = ratios.entry(w) {
            e.insert(error_ratios(prom, &slo.sli, &slo.group_by, w, at)?);
        }
    }
    // Every group some window sees (one whose SLO-window query returned nothing still shows).
    let mut groups: Vec<Group> = ratios.values().flat_map(|r| r.keys()).cloned().collect();
    groups.sort();
    groups.dedup();
    if groups.is_empty() {
        groups.push(Group::new());
    }
    let mut rows = vec![];
    for group in groups {
        let ratio = |w: u64| ratios[&w].get(&group).copied();
        let er = ratio(slo.period);
        let burn = |r: Option<f64>| r.map(|r| burn::round_sig(r / budget));
        let mut firing = vec![];
        for w in &pairs {
            let limit = w.factor(slo.period) * budget;
            let over = |r: Option<f64>| r.is_some_and(|r| r > limit);
            let t = w.tier.as_str().to_string();
            if over(ratio(w.short)) && over(ratio(w.long)) && !firing.contains(&t) {
                firing.push(t);
            }
        }
        firing.sort_by_key(|t| if t == Tier::Page.as_str() { 0 } else { 1 });
        let remaining = er.map(|r| 1.0 - r / budget);
        let burn_rate = BurnRates { h1: burn(ratio(3600)), h6: burn(ratio(6 * 3600)) };
        rows.push(SloStatus {
            name: slo.name.clone(),
            group,
            service: slo.service.clone(),
            team: slo.owner.clone(),
            objective: slo.objective,
            window: duration::format(slo.period),
            error_ratio: er,
            budget_remaining: remaining,
            budget_remaining_seconds: remaining.map(|r| r * slo.budget_seconds()),
            burn_rate,
            firing,
            reason: er.is_none().then(|| "the SLI's queries return no data (no traffic, or no series match)".to_string()),
        });
    }
    Ok(rows)
}

/// Measures every SLO of `model` (or those named in `only`) at `at` (unix seconds).
pub fn status(model: &Model, prom: &Prometheus, at: f64, only: &[String]) -> Result<StatusReport> {
    let mut slos = vec![];
    for slo in model.all_slos().filter(|s| only.is_empty() || only.contains(&s.name)) {
        slos.extend(slo_status(prom, slo, at)?);
    }
    // Grouped by team, the team with the worst SLO first; within a team worst first; no data last.
    let key = |s: &SloStatus| s.budget_remaining.unwrap_or(f64::INFINITY);
    let mut worst: BTreeMap<String, f64> = BTreeMap::new();
    for s in &slos {
        let w = worst.entry(s.team.clone()).or_insert(f64::INFINITY);
        *w = w.min(key(s));
    }
    slos.sort_by(|a, b| {
        worst[&a.team]
            .total_cmp(&worst[&b.team])
            .then(a.team.cmp(&b.team))
            .then(key(a).total_cmp(&key(b)))
            .then(a.name.cmp(&b.name))
            .then(a.group.cmp(&b.group))
    });
    let at = jiff::Timestamp::from_millisecond((at * 1000.0) as i64).map(|t| t.to_string()).unwrap_or_default();
    Ok(StatusReport { at, slos })
}

/// `x` to 3 significant digits, for reading (JSON keeps every digit).
pub(crate) fn sig3(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return burn::num(x);
    }
    let digits = 2 - x.abs().log10().floor() as i32;
    let p = 10f64.powi(digits.max(0));
    burn::num((x * p).round() / p)
}

fn pct(x: f64) -> String {
    format!("{}%", sig3(x * 100.0))
}

fn cells(s: &SloStatus) -> [String; 8] {
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map(f).unwrap_or_else(|| "no data".into());
    [
        named(&s.name, &s.group),
        format!("{}%", burn::num(s.objective)),
        s.window.clone(),
        opt(s.error_ratio, &pct),
        match (s.budget_remaining, s.budget_remaining_seconds) {
            (Some(b), Some(sec)) if sec >= 0.0 => format!("{} ({})", pct(b), duration::human(sec)),
            (Some(b), Some(sec)) => format!("{} (over by {})", pct(b), duration::human(-sec)),
            _ => "no data".into(),
        },
        opt(s.burn_rate.h1, &sig3),
        opt(s.burn_rate.h6, &sig3),
        if s.firing.is_empty() { "-".into() } else { s.firing.join(", ") },
    ]
}

const HEADERS: [&str; 8] = ["SLO", "objective", "window", "error ratio", "budget left", "burn 1h", "burn 6h", "firing"];

/// The table `rely status` prints: one block per team, worst first.
pub fn table(r: &StatusReport) -> String {
    let rows: Vec<[String; 8]> = r.slos.iter().map(cells).collect();
    let mut width = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (w, c) in width.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String]| -> String {
        let mut l = String::from("  ");
        for (c, w) in cols.iter().zip(width) {
            l += &format!("{c:<w$}  ");
        }
        l.trim_end().to_string() + "\n"
    };
    let mut out = format!("SLO status at {}\n", r.at);
    let mut team = None;
    for (s, row) in r.slos.iter().zip(&rows) {
        if team != Some(&s.team) {
            team = Some(&s.team);
            out += &format!("\nteam {}\n", s.team);
            out += &line(&HEADERS.map(String::from));
        }
        out += &line(row);
    }
    out
}

/// The same as a Markdown table per team.
pub fn markdown(r: &StatusReport) -> String {
    let esc = |s: &str| crate::emit::escape::markdown(s).replace('|', "\\|");
    let mut out = format!("## SLO status at {}\n", r.at);
    let mut team = None;
    for s in &r.slos {
        if team != Some(&s.team) {
            team = Some(&s.team);
            out += &format!("\n### {}\n\n| {} |\n|{}\n", esc(&s.team), HEADERS.join(" | "), "---|".repeat(HEADERS.len()));
        }
        out += &format!("| {} |\n", cells(s).iter().map(|c| esc(c)).collect::<Vec<_>>().join(" | "));
    }
    out
}
