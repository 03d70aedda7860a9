//! Synthetic history for SLOs, as OpenMetrics text that `promtool tsdb create-blocks-from
//! openmetrics` backfills: for every SLO whose SLI rely can synthesise (`rely::emit::synth`),
//! counters that grow at a steady rate with a baseline error ratio, plus incidents (windows of a
//! higher error ratio). Shared by `examples/demo-metrics.rs` and the live tests.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use rely::emit::synth::{self, Role};
use rely::model::Model;

/// A window of a higher error ratio for one SLO.
#[derive(Debug, Clone)]
pub(crate) struct Incident {
    pub(crate) slo: String,
    /// Unix seconds.
    pub(crate) start: i64,
    pub(crate) minutes: i64,
    pub(crate) error_ratio: f64,
}

/// How history is made: from `start` to `end` (unix seconds) every `step` seconds, `rate`
/// events per second per SLO, `base` error ratio outside incidents (per SLO when listed).
#[derive(Debug, Clone)]
pub(crate) struct History {
    pub(crate) start: i64,
    pub(crate) end: i64,
    pub(crate) step: i64,
    pub(crate) rate: f64,
    pub(crate) base: f64,
    pub(crate) base_of: BTreeMap<String, f64>,
    pub(crate) incidents: Vec<Incident>,
}

impl History {
    /// The error ratio of `slo` during the step that ends at `t`.
    pub(crate) fn ratio(&self, slo: &str, t: i64) -> f64 {
        self.incidents
            .iter()
            .find(|i| i.slo == slo && t > i.start && t <= i.start + i.minutes * 60)
            .map(|i| i.error_ratio)
            .unwrap_or_else(|| self.base_ratio(slo))
    }

    /// The error ratio of `slo` outside its incidents.
    pub(crate) fn base_ratio(&self, slo: &str) -> f64 {
        self.base_of.get(slo).copied().unwrap_or(self.base)
    }
}

/// The OpenMetrics text for `model`'s SLOs, and the SLOs it could not synthesise (with why).
/// A series two SLOs share is written once (the first SLO's history drives it). An SLO with
/// `group_by` gets two groups (`synth::group_values`): the first has its incidents, the second
/// only its base error ratio.
pub(crate) fn openmetrics(model: &Model, h: &History) -> (String, Vec<(String, String)>) {
    // family → series selector → (labels, slo, role, whether its incidents happen in it)
    type Family = BTreeMap<String, (BTreeMap<String, String>, String, Role, bool)>;
    let mut families: BTreeMap<String, Family> = BTreeMap::new();
    let mut skipped = vec![];
    for slo in model.all_slos() {
        let groups = match synth::group_values(&slo.sli, &slo.group_by) {
            Ok(g) if !slo.group_by.is_empty() => g.to_vec(),
            Ok(_) => vec![BTreeMap::new()],
            Err(why) => {
                skipped.push((slo.name.clone(), why));
                continue;
            }
        };
        match synth::series(&slo.sli, &slo.group_by) {
            Ok(series) => {
                for s in series {
                    for (i, group) in groups.iter().enumerate() {
                        let mut s = s.clone();
                        s.labels.extend(group.clone());
                        let family = families.entry(s.metric.clone()).or_default();
                        family.entry(s.selector()).or_insert((s.labels, slo.name.clone(), s.role, i == 0));
                    }
                }
            }
            Err(why) => skipped.push((slo.name.clone(), why)),
        }
    }
    let mut out = String::new();
    for (family, series) in &families {
        let _ = writeln!(out, "# TYPE {family} gauge");
        for (labels, slo, role, incidents) in series.values() {
            let l: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))).collect();
            let mut value = 0.0;
            let mut t = h.start;
            while t <= h.end {
                let _ = writeln!(out, "{family}{{{}}} {value} {t}", l.join(","));
                t += h.step;
                let r = if *incidents { h.ratio(slo, t) } else { h.base_ratio(slo) };
                let events = h.rate * h.step as f64;
                value = match role {
                    Role::Error => value + events * r,
                    Role::Good => value + events * (1.0 - r),
                    Role::Total => value + events,
                    // A gauge whose mean is the good share.
                    Role::Mean => 1.0 - r,
                    // A threshold gauge's series: good (the demo has none).
                    Role::Level => 1.0,
                };
            }
        }
    }
    out += "# EOF\n";
    (out, skipped)
}
