//! `rely status`: each SLO measured now (or at `--at`) from its own SLI queries, not from the
//! recording rules, so it works before the rules are deployed. Per SLO: the error ratio over its
//! window, the budget left (1 untouched, 0 spent, negative overspent) as a fraction and in time,
//! the 1h and 6h burn rates, and which of its burn alerts' conditions hold (`for:` is not
//! evaluated: an instant cannot tell how long a condition has held).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::prom::Prometheus;
use crate::duration;
use crate::model::burn::{self, Tier};
use crate::model::{Model, Sli, Slo};
use crate::promql::with_window;

/// The error ratio of an SLI over `window` seconds at `at`: `None` when it has no traffic (no
/// total, or a total of 0) or its query returns nothing.
pub(crate) fn error_ratio(prom: &Prometheus, sli: &Sli, window: u64, at: f64) -> Result<Option<f64>> {
    let w = duration::format(window);
    let scalar = |expr: &str| -> Result<Option<f64>> {
        let s = prom.instant(expr, at)?;
        Ok(s.first().and_then(|s| s.values.first()).map(|v| v.1).filter(|v| v.is_finite()))
    };
    match sli {
        Sli::Events { errors, total, .. } => {
            let Some(t) = scalar(&format!("sum({})", with_window(total, &w)))?.filter(|t| *t > 0.0) else { return Ok(None) };
            // No error series at all is no errors (a `sum` over nothing returns nothing).
            let e = scalar(&format!("sum({})", with_window(errors, &w)))?.unwrap_or(0.0);
            Ok(Some((e / t).max(0.0)))
        }
        Sli::Raw { error_ratio } => scalar(&format!("avg_over_time(({})[{w}:5m])", with_window(error_ratio, "5m"))),
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

fn slo_status(prom: &Prometheus, slo: &Slo, at: f64) -> Result<SloStatus> {
    let budget = slo.budget();
    let mut cache: BTreeMap<u64, Option<f64>> = BTreeMap::new();
    let mut ratio = |w: u64| -> Result<Option<f64>> {
        if let Some(r) = cache.get(&w) {
            return Ok(*r);
        }
        let r = error_ratio(prom, &slo.sli, w, at)?;
        cache.insert(w, r);
        Ok(r)
    };
    let er = ratio(slo.period)?;
    let burn = |r: Option<f64>| r.map(|r| burn::round_sig(r / budget));
    let (h1, h6) = (burn(ratio(3600)?), burn(ratio(6 * 3600)?));
    let mut firing = vec![];
    for w in slo.windows.iter().copied() {
        if !slo.alert_enabled(w.tier) {
            continue;
        }
        let limit = w.factor(slo.period) * budget;
        let over = |r: Option<f64>| r.is_some_and(|r| r > limit);
        if over(ratio(w.short)?) && over(ratio(w.long)?) {
            let t = w.tier.as_str().to_string();
            if !firing.contains(&t) {
                firing.push(t);
            }
        }
    }
    firing.sort_by_key(|t| if t == Tier::Page.as_str() { 0 } else { 1 });
    let remaining = er.map(|r| 1.0 - r / budget);
    Ok(SloStatus {
        name: slo.name.clone(),
        service: slo.service.clone(),
        team: slo.owner.clone(),
        objective: slo.objective,
        window: duration::format(slo.period),
        error_ratio: er,
        budget_remaining: remaining,
        budget_remaining_seconds: remaining.map(|r| r * slo.budget_seconds()),
        burn_rate: BurnRates { h1, h6 },
        firing,
        reason: er.is_none().then(|| "the SLI's queries return no data (no traffic, or no series match)".to_string()),
    })
}

/// Measures every SLO of `model` (or those named in `only`) at `at` (unix seconds).
pub fn status(model: &Model, prom: &Prometheus, at: f64, only: &[String]) -> Result<StatusReport> {
    let mut slos = vec![];
    for slo in model.all_slos().filter(|s| only.is_empty() || only.contains(&s.name)) {
        slos.push(slo_status(prom, slo, at)?);
    }
    // Grouped by team, the team with the worst SLO first; within a team worst first; no data last.
    let key = |s: &SloStatus| s.budget_remaining.unwrap_or(f64::INFINITY);
    let mut worst: BTreeMap<String, f64> = BTreeMap::new();
    for s in &slos {
        let w = worst.entry(s.team.clone()).or_insert(f64::INFINITY);
        *w = w.min(key(s));
    }
    slos.sort_by(|a, b| {
        worst[&a.team].total_cmp(&worst[&b.team]).then(a.team.cmp(&b.team)).then(key(a).total_cmp(&key(b))).then(a.name.cmp(&b.name))
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
        s.name.clone(),
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
