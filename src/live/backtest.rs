//! `rely backtest`: if these SLOs had existed over a past range, when would their burn alerts
//! have fired? Each SLO's window pairs are evaluated over history with range queries of its own
//! SLI (the window expressions inlined; no recording rules needed). An episode is a maximal run
//! of evaluations where some pair of the tier holds, starting once it has held for the alert's
//! `for:`. Ranges are split into chunks of at most `MAX_POINTS` evaluations per query.

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::prom::Prometheus;
use super::status::{Group, RatioQueries, error_ratios, group_of, named, ratio_queries};
use crate::duration;
use crate::model::burn::{self, Tier};
use crate::model::{Model, Sli, Slo};

/// Prometheus refuses range queries of more than 11,000 points; stay under it.
pub const MAX_POINTS: i64 = 10_000;

/// The error ratio of `sli` over `window` at every `step` from `from` to `to` (unix seconds),
/// per group: only instants with traffic.
fn ratio_series(
    prom: &Prometheus,
    sli: &Sli,
    group_by: &[String],
    window: u64,
    from: i64,
    to: i64,
    step: i64,
) -> Result<BTreeMap<Group, BTreeMap<i64, f64>>> {
    let range = |expr: &str| -> Result<BTreeMap<Group, BTreeMap<i64, f64>>> {
        let mut out: BTreeMap<Group, BTreeMap<i64, f64>> = BTreeMap::new();
        let mut start = from;
        while start <= to {
            let end = (start + step * (MAX_POINTS - 1)).min(to);
            for s in prom.range(expr, start as f64, end as f64, step as u64)? {
                out.entry(group_of(&s.labels, group_by))
                    .or_default()
                    .extend(s.values.into_iter().filter(|(_, v)| v.is_finite()).map(|(t, v)| (t.round() as i64, v)));
            }
            start = end + step;
        }
        Ok(out)
    };
    match ratio_queries(sli, group_by, &duration::format(window)) {
        RatioQueries::Events { errors, total } => {
            let (e, t) = (range(&errors)?, range(&total)?);
            let none = BTreeMap::new();
            Ok(t.iter()
                .map(|(g, t)| {
                    let e = e.get(g).unwrap_or(&none);
                    let r = t.iter().filter(|(_, t)| **t > 0.0).map(|(ts, t)| (*ts, (e.get(ts).copied().unwrap_or(0.0) / t).max(0.0)));
                    (g.clone(), r.collect())
                })
                .collect())
        }
        RatioQueries::Raw(q) => range(&q),
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Episode {
    pub severity: String,
    pub starts: String,
    pub ends: String,
    /// How long it would have fired, in seconds.
    pub seconds: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SloBacktest {
    pub name: String,
    /// For an SLO with `group_by`, the group (one entry per group that had traffic).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub group: Group,
    pub service: String,
    pub team: String,
    pub objective: f64,
    pub window: String,
    pub alerts: Vec<Episode>,
    /// The share of the SLO's budget (per window) that the range consumed; `null` without data.
    pub budget_consumed: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BacktestReport {
    pub from: String,
    pub to: String,
    pub step: String,
    pub slos: Vec<SloBacktest>,
}

fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t).map(|t| t.to_string()).unwrap_or_default()
}

/// Maximal runs of `firing` instants (`step` apart), each starting once it has lasted `hold`.
pub(crate) fn episodes(firing: &[i64], step: i64, hold: i64) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = vec![];
    for &t in firing {
        match runs.last_mut() {
            Some((_, end)) if t - *end <= step => *end = t,
            _ => runs.push((t, t)),
        }
    }
    runs.into_iter().filter(|(s, e)| e - s >= hold).map(|(s, e)| (s + hold, e)).collect()
}

/// One entry per group of `slo` that had traffic in the range (one entry when it is not grouped
/// or had none).
pub(crate) fn slo_backtest(prom: &Prometheus, slo: &Slo, from: i64, to: i64, step: i64) -> Result<Vec<SloBacktest>> {
    let budget = slo.budget();
    let pairs: Vec<burn::BurnWindow> = slo.windows.iter().copied().filter(|w| slo.alert_enabled(w.tier)).collect();
    let mut ratios: BTreeMap<u64, BTreeMap<Group, BTreeMap<i64, f64>>> = BTreeMap::new();
    for w in &pairs {
        for win in [w.short, w.long] {
            if let std::collections::btree_map::Entry::Vacant(e) = ratios.entry(win) {
                e.insert(ratio_series(prom, &slo.sli, &slo.group_by, win, from, to, step)?);
            }
        }
    }
    let whole = error_ratios(prom, &slo.sli, &slo.group_by, (to - from).max(step) as u64, to as f64)?;
    let mut groups: Vec<Group> = whole.keys().chain(ratios.values().flat_map(|r| r.keys())).cloned().collect();
    groups.sort();
    groups.dedup();
    if groups.is_empty() {
        groups.push(Group::new());
    }
    let none = BTreeMap::new();
    let mut out = vec![];
    for group in groups {
        let mut alerts = vec![];
        for tier in [Tier::Page, Tier::Ticket] {
            let tier_pairs: Vec<&burn::BurnWindow> = pairs.iter().filter(|w| w.tier == tier).collect();
            if tier_pairs.is_empty() {
                continue;
            }
            let mut firing = vec![];
            let mut t = from;
            while t <= to {
                let holds = tier_pairs.iter().any(|w| {
                    let limit = w.factor(slo.period) * budget;
                    let over = |win: u64| ratios[&win].get(&group).unwrap_or(&none).get(&t).is_some_and(|r| *r > limit);
                    over(w.short) && over(w.long)
                });
                if holds {
                    firing.push(t);
                }
                t += step;
            }
            let toggle = if tier == Tier::Page { &slo.page } else { &slo.ticket };
            let hold = toggle.for_.as_deref().and_then(duration::parse).unwrap_or(0) as i64;
            for (s, e) in episodes(&firing, step, hold) {
                alerts.push(Episode { severity: tier.as_str().into(), starts: rfc3339(s), ends: rfc3339(e), seconds: e - s + step });
            }
        }
        alerts.sort_by(|a, b| a.starts.cmp(&b.starts));
        out.push(SloBacktest {
            name: slo.name.clone(),
            budget_consumed: whole.get(&group).map(|r| burn::round_sig(r * (to - from) as f64 / slo.period as f64 / budget)),
            group,
            service: slo.service.clone(),
            team: slo.owner.clone(),
            objective: slo.objective,
            window: duration::format(slo.period),
            alerts,
        });
    }
    Ok(out)
}

/// Backtests every SLO of `model` (or those in `only`) from `from` to `to` every `step` seconds.
pub fn backtest(model: &Model, prom: &Prometheus, from: i64, to: i64, step: i64, only: &[String]) -> Result<BacktestReport> {
    let mut slos = vec![];
    for slo in model.all_slos().filter(|s| only.is_empty() || only.contains(&s.name)) {
        slos.extend(slo_backtest(prom, slo, from, to, step)?);
    }
    Ok(BacktestReport { from: rfc3339(from), to: rfc3339(to), step: duration::format(step as u64), slos })
}

/// "would have paged 3 times in 30d (Nov 3 14:05, 22m; ...)", per SLO.
pub fn markdown(r: &BacktestReport, range_secs: i64) -> String {
    let esc = |s: &str| crate::emit::escape::markdown(s);
    let span = duration::format(range_secs.max(1) as u64);
    let mut out = format!("## Backtest from {} to {} (every {})\n\n", r.from, r.to, r.step);
    for s in &r.slos {
        let mut parts = vec![];
        for (sev, verb) in [("page", "paged"), ("ticket", "opened a ticket")] {
            let eps: Vec<&Episode> = s.alerts.iter().filter(|e| e.severity == sev).collect();
            if eps.is_empty() {
                continue;
            }
            let when: Vec<String> = eps
                .iter()
                .take(5)
                .map(|e| {
                    let t: jiff::Timestamp = e.starts.parse().unwrap_or_default();
                    format!("{}, {}", t.strftime("%b %-d %H:%M"), duration::human(e.seconds as f64))
                })
                .collect();
            let more = if eps.len() > 5 { format!("; {} more", eps.len() - 5) } else { String::new() };
            let times = if eps.len() == 1 { "once".to_string() } else { format!("{} times", eps.len()) };
            parts.push(format!("would have {verb} {times} in {span} ({}{more})", when.join("; ")));
        }
        if parts.is_empty() {
            parts.push(format!("would not have alerted in {span}"));
        }
        let budget = s
            .budget_consumed
            .map(|b| format!("; the range used {}% of its {} budget", super::status::sig3(b * 100.0), s.window))
            .unwrap_or_else(|| "; no data".into());
        out += &format!(
            "- **{}** ({}, {}%): {}{budget}\n",
            esc(&named(&s.name, &s.group)),
            esc(&s.team),
            burn::num(s.objective),
            parts.join(", and ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn episodes_are_maximal_runs_that_lasted_their_for() {
        let firing = [0, 60, 120, 600, 660, 1200];
        assert_eq!(episodes(&firing, 60, 0), [(0, 120), (600, 660), (1200, 1200)]);
        assert_eq!(episodes(&firing, 60, 120), [(120, 120)]);
        assert_eq!(episodes(&[], 60, 0), []);
    }
}
