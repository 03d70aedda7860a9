//! Generated promtool unit tests (`prometheus/tests/<service>.test.yml`): for every SLO with
//! alerts whose queries can be driven by synthetic counters, a burn well above the fastest page
//! threshold must page (and ticket), a burn between the ticket and page thresholds must only
//! ticket, and half the budget rate must stay quiet. SLOs that cannot be driven are listed in
//! the file's header with the reason, never silently dropped.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::prometheus::{AlertTexts, fired_labels, id_labels, id_selector};
use super::synth::{self, Role};
use super::yaml::{Shared, share};
use super::{OutputFile, yaml_header};
use crate::duration;
use crate::model::burn::{self, Tier, num};
use crate::model::{Model, NoData, Slo, names};
use crate::spec::RuleFormat;

/// Events per minute in synthetic traffic.
const RATE: f64 = 1000.0;
/// Minutes of synthetic series.
const STEPS: u32 = 70;

#[derive(Debug, Serialize)]
pub(crate) struct TestFile {
    pub rule_files: Vec<String>,
    pub evaluation_interval: String,
    pub tests: Vec<TestGroup>,
}

#[derive(Debug, Serialize)]
pub(crate) struct TestGroup {
    pub name: String,
    pub interval: String,
    pub input_series: Vec<InputSeries>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alert_rule_test: Vec<AlertTest>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub promql_expr_test: Vec<ExprTest>,
    /// The scenario an SLO's group drives (see `service_tests`, which merges them).
    #[serde(skip)]
    pub scenario: Scenario,
}

/// The scenarios of an SLO's tests, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Scenario {
    /// Not an SLO's (a chaos experiment's).
    #[default]
    Other,
    /// The SLO has no burn alerts: its recorded ratio.
    Recorded,
    Pages,
    Ticket,
    Quiet,
    NoData,
}

#[derive(Debug, Serialize)]
pub(crate) struct InputSeries {
    /// The series selector (shared: an SLO's series are the same in each scenario).
    pub series: Shared<String>,
    pub values: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct AlertTest {
    pub eval_time: String,
    pub alertname: String,
    /// Shared: an alert is often expected in more than one scenario.
    pub exp_alerts: Vec<Shared<ExpAlert>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ExpAlert {
    /// Shared: an SLO's no-data alert often carries its ticket's labels. One copy per SLO and
    /// alert, as the annotations.
    pub exp_labels: Shared<Arc<BTreeMap<String, String>>>,
    /// One copy per SLO and alert (`AlertTexts`), however many scenarios expect it.
    pub exp_annotations: Arc<BTreeMap<String, String>>,
}

// By the labels alone: they tell alerts apart (the SLO's, the alert's severity) and are short;
// the annotations, long, are compared only between alerts with equal labels.
impl std::hash::Hash for ExpAlert {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.exp_labels.hash(h);
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct ExprTest {
    pub expr: String,
    pub eval_time: String,
    pub exp_samples: Vec<ExpSample>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ExpSample {
    /// Shared: an SLO's recorded ratio is checked in each scenario.
    pub labels: Shared<String>,
    pub value: f64,
}

/// The selectors of an SLI's synthetic series in one group, in the order they are written: the
/// copies of each threshold gauge, then the other series with their roles. Made once per SLO:
/// every scenario writes the same series, at other rates.
struct Selectors {
    levels: Vec<String>,
    others: Vec<(Role, String)>,
}

impl Selectors {
    fn of(series: &[synth::Series]) -> Selectors {
        let mut levels = vec![];
        for s in series.iter().filter(|s| s.role == Role::Level) {
            for i in 0..synth::LEVEL_SERIES {
                let mut copy = s.clone();
                copy.labels.insert("rely_copy".into(), format!("{i:02}"));
                levels.push(copy.selector());
            }
        }
        let others = series.iter().filter(|s| s.role != Role::Level).map(|s| (s.role, s.selector())).collect();
        Selectors { levels, others }
    }
}

/// Input series at a constant error `ratio` for an SLI's synthetic counters (`levels`: the
/// good and bad values of a threshold gauge's copies).
fn inputs(sel: &Selectors, ratio: f64, steps: u32, levels: Option<(f64, f64)>) -> Vec<InputSeries> {
    let mut out = Vec::with_capacity(sel.levels.len() + sel.others.len());
    let (good, bad) = levels.unwrap_or((1.0, 0.0));
    let n = synth::LEVEL_SERIES;
    let k = (ratio * n as f64).round() as u32;
    let mut buf = itoa::Buffer::new();
    let steps = buf.format(steps);
    for (copy, s) in (0..n).cycle().zip(&sel.levels) {
        out.push(InputSeries { series: s.clone().into(), values: [&burn::exact(if copy < k { bad } else { good }), "x", steps].concat() });
    }
    out.extend(sel.others.iter().map(|(role, s)| {
        let values = match role {
            Role::Error => ["0+", &num(ratio * RATE), "x", steps].concat(),
            Role::Good => ["0+", &num((1.0 - ratio) * RATE), "x", steps].concat(),
            Role::Total => ["0+", &num(RATE), "x", steps].concat(),
            // A gauge: its mean over any window is the good share.
            Role::Mean | Role::Level => [&num(1.0 - ratio), "x", steps].concat(),
        };
        InputSeries { series: s.clone().into(), values }
    }));
    out
}

/// The labels a firing burn alert of `tier` carries (in the group the tests drive, if grouped).
pub(crate) fn expected_labels(model: &Model, slo: &Slo, tier: Tier) -> BTreeMap<String, String> {
    let mut l = fired_labels(model, slo, tier.as_str(), Some(tier));
    l.extend(group_labels(slo, BURNING));
    l
}

/// The group a grouped SLO's tests drive at each scenario's error ratio, and the one kept at
/// half the budget rate beside it: only the first may alert.
pub(crate) const BURNING: usize = 0;
const STEADY: usize = 1;

/// The group labels of a grouped SLO's series in group `which` (none for an ungrouped SLO).
pub(crate) fn group_labels(slo: &Slo, which: usize) -> BTreeMap<String, String> {
    if slo.group_by.is_empty() {
        return BTreeMap::new();
    }
    synth::group_values(&slo.sli, &slo.group_by).map(|g| g[which].clone()).unwrap_or_default()
}

/// The group labels of an SLO's synthetic series, per group: none (one group) for an ungrouped
/// SLO, else the burning group's and the steady one's.
fn group_label_sets(slo: &Slo) -> Vec<BTreeMap<String, String>> {
    if slo.group_by.is_empty() {
        return vec![BTreeMap::new()];
    }
    vec![group_labels(slo, BURNING), group_labels(slo, STEADY)]
}

/// The selectors of an SLO's synthetic series: of its one group or, for a grouped SLO, of the
/// burning group and of the steady one.
fn scenario_selectors(slo: &Slo, series: &[synth::Series]) -> Vec<Selectors> {
    if slo.group_by.is_empty() {
        return vec![Selectors::of(series)];
    }
    group_label_sets(slo).iter().map(|g| Selectors::of(&synth::in_group(series, g))).collect()
}

/// The input series of one scenario: the SLI's synthetic series at `ratio` and, for a grouped
/// SLO, the same series in the burning group at `ratio` and in a steady group at `steady`.
fn scenario_inputs(slo: &Slo, selectors: &[Selectors], ratio: f64, steady: f64, steps: u32) -> Vec<InputSeries> {
    let levels = synth::levels(&slo.sli);
    let mut out = vec![];
    for (i, sel) in selectors.iter().enumerate() {
        out.extend(inputs(sel, if i == 0 { ratio } else { steady }, steps, levels));
    }
    out
}

/// The alerts of each tier an SLO's tests expect (made once per SLO: the annotations are long).
struct Expected {
    /// `None` for a tier the SLO does not alert on.
    page: Option<ExpAlert>,
    ticket: Option<ExpAlert>,
}

impl Expected {
    fn new(model: &Model, slo: &Slo, texts: &AlertTexts) -> Expected {
        let of = |t| {
            texts.tier(t).map(|a| ExpAlert { exp_labels: Shared::new(expected_labels(model, slo, t).into()), exp_annotations: a.clone() })
        };
        Expected { page: of(Tier::Page), ticket: of(Tier::Ticket) }
    }

    fn of(&self, tiers: &[Tier]) -> Vec<ExpAlert> {
        tiers.iter().filter_map(|t| if *t == Tier::Page { self.page.clone() } else { self.ticket.clone() }).collect()
    }
}

fn factors(slo: &Slo, tier: Tier) -> Vec<f64> {
    slo.windows.iter().filter(|w| w.tier == tier).map(|w| w.factor(slo.period)).collect()
}

/// The test groups for one SLO, driven by its synthetic `series`.
/// `shared`: another alert of the service's rule file has the SLO's alert name (`alerting.name`),
/// so the other one may fire on the same synthetic series; the SLO's alerts are then checked as
/// `ALERTS` series selected by its SLO label (labels, not annotations) instead of by alert name.
/// `texts`: what the SLO's alerts say (`AlertTexts::of`).
pub(crate) fn slo_tests(model: &Model, slo: &Slo, series: &[synth::Series], shared: bool, texts: &AlertTexts) -> Vec<TestGroup> {
    let b = slo.budget();
    let selectors = scenario_selectors(slo, series);
    // A threshold gauge's ratios are multiples of 1/20 (its copies): `down` and `up` round to them.
    let copies = series.iter().any(|s| s.role == Role::Level).then_some(synth::LEVEL_SERIES as f64);
    let down = |r: f64| copies.map_or(r, |n| burn::round_sig((r * n).floor() / n));
    let up = |r: f64| copies.map_or(r, |n| burn::round_sig((r * n).ceil() / n));
    let steady = down(burn::round_sig(0.5 * b));
    let group_matchers: String = group_labels(slo, BURNING).iter().map(|(k, v)| format!(", {k}={}", crate::promql::quote(v))).collect();
    // The recorded 5m ratio is checked in every scenario: its selector and labels are made once.
    let sli_expr = format!("abs({}{}{group_matchers}}} - ", names::sli_ratio(300), id_selector(model, slo).trim_end_matches('}'));
    let sli_labels = sli_labels(model, slo);
    let sli_check = |ratio: f64| ExprTest {
        expr: format!("{sli_expr}{}) < bool 1e-9", num(ratio)),
        eval_time: "10m".into(),
        exp_samples: vec![ExpSample { labels: sli_labels.clone().into(), value: 1.0 }],
    };
    if !(slo.alert_enabled(Tier::Page) || slo.alert_enabled(Tier::Ticket)) {
        // No burn alerts to drive: the SLI's recorded ratio, and the no-data alert if it has one.
        let quiet = down(burn::round_sig(0.5 * b));
        let mut groups = vec![TestGroup {
            name: format!("{}: the SLI records the error ratio (the SLO has no burn alerts)", slo.name),
            interval: "1m".into(),
            input_series: scenario_inputs(slo, &selectors, quiet, steady, STEPS),
            alert_rule_test: vec![],
            promql_expr_test: vec![sli_check(quiet)],
            scenario: Scenario::Recorded,
        }];
        if let Some(n) = &slo.no_data {
            groups.push(no_data_test(model, slo, series, &selectors, quiet, n, texts));
        }
        return groups;
    }
    let page_max = factors(slo, Tier::Page).into_iter().fold(0.0, f64::max);
    let page_min = factors(slo, Tier::Page).into_iter().fold(f64::MAX, f64::min);
    let ticket_max = factors(slo, Tier::Ticket).into_iter().fold(0.0, f64::max);
    let alertname = slo.alert_name.clone();
    let expected = Expected::new(model, slo, texts);
    // The alerts firing at `at` are exactly those of `tiers`: by alert name, or (when the name is
    // shared) as the SLO's `ALERTS` series.
    let alerts_at = |at: &str, tiers: &[Tier]| -> (Vec<AlertTest>, Vec<ExprTest>) {
        let exp = expected.of(tiers);
        if !shared {
            return (
                vec![AlertTest {
                    eval_time: at.into(),
                    alertname: alertname.clone(),
                    exp_alerts: exp.into_iter().map(Shared::new).collect(),
                }],
                vec![],
            );
        }
        let slo_label = model.settings.labels.slo;
        let expr = format!(
            "ALERTS{{alertname={}, alertstate=\"firing\", {slo_label}={}}}",
            crate::promql::quote(&alertname),
            crate::promql::quote(&slo.name)
        );
        let exp_samples = exp
            .into_iter()
            .map(|a| {
                let mut l = Arc::unwrap_or_clone(a.exp_labels.value);
                l.insert("alertname".into(), alertname.clone());
                l.insert("alertstate".into(), "firing".into());
                ExpSample { labels: format!("ALERTS{}", label_set(&l)).into(), value: 1.0 }
            })
            .collect();
        (vec![], vec![ExprTest { expr, eval_time: at.into(), exp_samples }])
    };
    // One scenario: a constant error `ratio`, evaluated at `at`, expecting exactly `tiers`.
    let scenario = |kind: Scenario, what: &str, ratio: f64, at: &str, tiers: &[Tier]| {
        let (alert_rule_test, mut exprs) = alerts_at(at, tiers);
        exprs.push(sli_check(ratio));
        let what = if slo.group_by.is_empty() { what.to_string() } else { format!("in one group {what}; the other group is quiet") };
        TestGroup {
            name: format!("{}: {}x the budget rate {what}", slo.name, num(burn::round_sig(ratio / b))),
            interval: "1m".into(),
            input_series: scenario_inputs(slo, &selectors, ratio, steady, STEPS),
            alert_rule_test,
            promql_expr_test: exprs,
            scenario: kind,
        }
    };
    let mut groups = vec![];
    let fast = up(burn::round_sig((page_max * b * 1.4).min(1.0))).min(1.0);
    if slo.alert_enabled(Tier::Page) && fast > page_max * b {
        groups.push(scenario(Scenario::Pages, "pages within 5m", fast, "5m", &[Tier::Page, Tier::Ticket]));
    }
    // Between the ticket and page factors (above the ticket's when no pair pages).
    let mid = if slo.windows.iter().any(|w| w.tier == Tier::Page) {
        burn::round_sig((ticket_max * page_min).sqrt() * b)
    } else {
        burn::round_sig(ticket_max * 1.4 * b)
    };
    // A ticket-only band exists only when the slowest page factor is above the fastest ticket one
    // (not so for very short periods, where both are clamped to 1).
    let band = !slo.alert_enabled(Tier::Page) || page_min > ticket_max * 1.1;
    let mid = copies.map_or(mid, |n| burn::round_sig((mid * n).round() / n));
    let in_band = mid > ticket_max * b && (!slo.alert_enabled(Tier::Page) || mid < page_min * b);
    if slo.alert_enabled(Tier::Ticket) && mid < 1.0 && band && in_band {
        groups.push(scenario(Scenario::Ticket, "opens a ticket and does not page", mid, "10m", &[Tier::Ticket]));
    }
    let quiet = down(burn::round_sig(0.5 * b));
    let (mut alert_rule_test, mut exprs) = alerts_at("10m", &[]);
    let (a, e) = alerts_at("1h", &[]);
    alert_rule_test.extend(a);
    exprs.extend(e);
    exprs.push(sli_check(quiet));
    groups.push(TestGroup {
        name: format!("{}: half the budget rate is quiet", slo.name),
        interval: "1m".into(),
        input_series: scenario_inputs(slo, &selectors, quiet, steady, STEPS),
        alert_rule_test,
        promql_expr_test: exprs,
        scenario: Scenario::Quiet,
    });
    if let Some(n) = &slo.no_data {
        groups.push(no_data_test(model, slo, series, &selectors, quiet, n, texts));
    }
    groups
}

/// The no-data scenario: the SLI's series run for 30m and stop. While they run the alert is
/// quiet; once the 5m rates have emptied (by 36m) and the alert's `for:` has passed, it fires.
fn no_data_test(
    model: &Model,
    slo: &Slo,
    series: &[synth::Series],
    selectors: &[Selectors],
    ratio: f64,
    n: &NoData,
    texts: &AlertTexts,
) -> TestGroup {
    const PRESENT: u64 = 30;
    let for_minutes = duration::parse(&n.for_).unwrap_or(600).div_ceil(60);
    // A threshold gauge's subquery sees each sample for Prometheus's 5m lookback after it stops.
    let lookback = if series.iter().any(|s| s.role == Role::Level) { 5 } else { 0 };
    let fires_by = PRESENT + 7 + lookback + for_minutes;
    let mut input = scenario_inputs(slo, selectors, ratio, ratio, PRESENT as u32);
    let stopped = format!(" _x{}", fires_by - PRESENT + 5);
    for s in &mut input {
        s.values += &stopped;
    }
    let alertname = names::slo_no_data_alert(&slo.name);
    let expected = ExpAlert {
        exp_labels: Shared::new(fired_labels(model, slo, n.severity.as_str(), None).into()),
        exp_annotations: texts.no_data.clone().unwrap_or_default(),
    };
    TestGroup {
        name: format!("{}: series that stop raise no-data after {}", slo.name, n.for_),
        interval: "1m".into(),
        input_series: input,
        alert_rule_test: vec![
            AlertTest { eval_time: format!("{}m", PRESENT - 5), alertname: alertname.clone(), exp_alerts: vec![] },
            AlertTest { eval_time: format!("{fires_by}m"), alertname, exp_alerts: vec![expected.into()] },
        ],
        promql_expr_test: vec![],
        scenario: Scenario::NoData,
    }
}

/// Labels of an SLI recording rule's series, in promtool's notation.
fn sli_labels(model: &Model, slo: &Slo) -> String {
    let mut l = id_labels(model, slo);
    l.extend(group_labels(slo, BURNING));
    l.insert(model.settings.labels.window.into(), "5m".into());
    // Prometheus drops labels with empty values.
    l.retain(|_, v| !v.is_empty());
    label_set(&l)
}

/// A label set in promtool's notation: `{a="x", b="y"}`.
fn label_set(l: &BTreeMap<String, String>) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in l.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        crate::promql::quote_into(v, &mut out);
    }
    out.push('}');
    out
}

/// `UNTESTED.md`: the SLOs (as Markdown rows from `service_tests`) no test could drive.
pub(crate) fn untested_file(all_untested: &[String]) -> Option<OutputFile> {
    if all_untested.is_empty() {
        return None;
    }
    {
        let mut md = String::from("<!-- Generated by rely; do not edit. -->\n# SLOs without generated promtool tests\n\n");
        md += "rely drives each SLO's own queries with synthetic counters; these SLOs could not be driven that way, \
               so their alerts are checked by `promtool check rules` only.\n\n| service | SLO | why |\n|---|---|---|\n";
        md += &all_untested.concat();
        Some(OutputFile { path: names::UNTESTED_FILE.into(), contents: md })
    }
}

/// An SLO with tests: its test groups, the synthetic series they write and what its queries read.
struct Tested<'a> {
    slo: &'a Slo,
    groups: Vec<TestGroup>,
    series: Vec<synth::Series>,
    reader: synth::Reader,
    /// The group labels of its series (`group_label_sets`).
    labels: Vec<BTreeMap<String, String>>,
}

/// The SLOs' tests in batches whose SLOs read none of each other's synthetic series, so that
/// each scenario of a batch runs as one test group: promtool evaluates every rule of the file
/// for every group and minute, so a service of 25 SLOs took minutes with a group per SLO and
/// scenario. An SLO joins the first batch it is independent of (in both directions).
fn batches(tested: Vec<Tested<'_>>) -> Vec<Vec<Vec<TestGroup>>> {
    let seen = |t: Tested<'_>| {
        let groups = t.labels;
        let written = match groups.as_slice() {
            [one] => t.series.into_iter().map(|s| (s, one.clone())).collect(),
            _ => t.series.into_iter().flat_map(|s| groups.iter().map(move |g| (s.clone(), g.clone()))).collect(),
        };
        (t.groups, Seen { written, reader: t.reader })
    };
    first_fit(tested.into_iter().map(seen).collect())
}

/// Every series an SLO's tests write, with the labels they get (its groups'), and what its
/// queries read.
struct Seen {
    written: Vec<(synth::Series, BTreeMap<String, String>)>,
    reader: synth::Reader,
}

/// `(metric, label, value)` hashed, the key the batches' indexes file selectors and series
/// under (keys that collide only add candidates, which are checked).
fn key(metric: &str, (label, value): (&str, &str)) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::default().hash_one((metric, label, value))
}

/// A metric's key in the indexes by metric.
fn metric_key(metric: &str) -> u64 {
    key(metric, ("", ""))
}

/// The labels a written series has, its group's over its own, with a value.
fn labels_of<'a>(series: &'a synth::Series, group: &'a BTreeMap<String, String>) -> impl Iterator<Item = (&'a str, &'a str)> {
    group
        .iter()
        .chain(series.labels.iter().filter(|(k, _)| !group.contains_key(*k)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// A batch of SLOs, with what they read and write indexed so that telling whether another SLO
/// is independent of all of them costs about the selectors and series that could match, not
/// the batch's size (a service of thousands of SLOs compared each with every other one). The
/// index only narrows down: each candidate is then checked with `Sel::selects`, as it was.
struct Batch<T> {
    members: Vec<(T, Seen)>,
    /// A member's selectors are unknown: it may read anything.
    reads_any: bool,
    /// (member, selector) by the one label the selector requires that fewest selectors of the
    /// service require (`filed`), or by metric when it requires none.
    selectors: crate::FastMap<u64, Vec<(usize, usize)>>,
    selectors_of_metric: crate::FastMap<u64, Vec<(usize, usize)>>,
    /// (member, written series) by each label it has, and by metric.
    written: crate::FastMap<u64, Vec<(usize, usize)>>,
    written_of_metric: crate::FastMap<u64, Vec<(usize, usize)>>,
}

impl<T> Batch<T> {
    fn new() -> Batch<T> {
        Batch {
            members: vec![],
            reads_any: false,
            selectors: Default::default(),
            selectors_of_metric: Default::default(),
            written: Default::default(),
            written_of_metric: Default::default(),
        }
    }

    /// Whether `s` reads none of the members' series and they none of its.
    fn independent_of(&self, s: &Seen) -> bool {
        if !s.written.is_empty() {
            if self.reads_any {
                return false;
            }
            for (w, g) in &s.written {
                let by_label = labels_of(w, g).filter_map(|kv| self.selectors.get(&key(&w.metric, kv)));
                for &(m, i) in self.selectors_of_metric.get(&metric_key(&w.metric)).into_iter().chain(by_label).flatten() {
                    let sel = &self.members[m].1.reader.selectors().expect("filed selectors are known")[i];
                    if sel.selects(w, g) {
                        return false;
                    }
                }
            }
        }
        let Some(selectors) = s.reader.selectors() else {
            // It may read anything: independent only of a batch that writes nothing.
            return self.written_of_metric.is_empty();
        };
        let none = vec![];
        for sel in selectors {
            // The series with the label the fewest have, of those the selector requires.
            let mut required = sel.required_labels().peekable();
            let candidates = if required.peek().is_none() {
                self.written_of_metric.get(&metric_key(sel.metric())).unwrap_or(&none)
            } else {
                required.map(|kv| self.written.get(&key(sel.metric(), kv)).unwrap_or(&none)).min_by_key(|c| c.len()).unwrap_or(&none)
            };
            for &(m, j) in candidates {
                let (w, g) = &self.members[m].1.written[j];
                if sel.selects(w, g) {
                    return false;
                }
            }
        }
        true
    }

    fn push(&mut self, item: T, s: Seen, filed: &dyn Fn(&synth::Sel) -> Option<u64>) {
        let m = self.members.len();
        match s.reader.selectors() {
            None => self.reads_any = true,
            Some(selectors) => {
                for (i, sel) in selectors.iter().enumerate() {
                    match filed(sel) {
                        Some(k) => self.selectors.entry(k).or_default().push((m, i)),
                        None => self.selectors_of_metric.entry(metric_key(sel.metric())).or_default().push((m, i)),
                    }
                }
            }
        }
        for (j, (w, g)) in s.written.iter().enumerate() {
            self.written_of_metric.entry(metric_key(&w.metric)).or_default().push((m, j));
            for kv in labels_of(w, g) {
                self.written.entry(key(&w.metric, kv)).or_default().push((m, j));
            }
        }
        self.members.push((item, s));
    }
}

/// First fit: each item joins the first batch whose members it is independent of, or starts
/// one.
fn first_fit<T>(items: Vec<(T, Seen)>) -> Vec<Vec<T>> {
    // How many of the items' selectors require each label: a selector is filed under its rarest.
    let mut counts: crate::FastMap<u64, usize> = Default::default();
    for (_, s) in &items {
        for sel in s.reader.selectors().into_iter().flatten() {
            for kv in sel.required_labels() {
                *counts.entry(key(sel.metric(), kv)).or_default() += 1;
            }
        }
    }
    let filed =
        |sel: &synth::Sel| sel.required_labels().map(|kv| key(sel.metric(), kv)).min_by_key(|k| counts.get(k).copied().unwrap_or(0));
    let mut out: Vec<Batch<T>> = vec![];
    for (item, s) in items {
        match out.iter().position(|b| b.independent_of(&s)) {
            Some(i) => out[i].push(item, s, &filed),
            None => {
                let mut b = Batch::new();
                b.push(item, s, &filed);
                out.push(b);
            }
        }
    }
    out.into_iter().map(|b| b.members.into_iter().map(|(item, _)| item).collect()).collect()
}

/// One test group per scenario of a batch: the SLOs' input series and checks side by side,
/// named after the SLOs' own groups (`a, b: what` for SLOs whose groups say the same).
fn merged(batch: Vec<Vec<TestGroup>>) -> Vec<TestGroup> {
    let mut by: BTreeMap<Scenario, Vec<TestGroup>> = BTreeMap::new();
    for groups in batch {
        for g in groups {
            by.entry(g.scenario).or_default().push(g);
        }
    }
    by.into_values()
        .filter_map(|groups| {
            // (what the group checks, the SLOs it checks it for), in order.
            let mut names: Vec<(String, Vec<String>)> = vec![];
            for g in &groups {
                let (slo, what) = g.name.split_once(": ").unwrap_or(("", g.name.as_str()));
                match names.iter_mut().find(|(w, _)| w == what) {
                    Some((_, slos)) => slos.push(slo.to_string()),
                    None => names.push((what.to_string(), vec![slo.to_string()])),
                }
            }
            let name = names.iter().map(|(what, slos)| format!("{}: {what}", slos.join(", "))).collect::<Vec<_>>().join("; ");
            groups
                .into_iter()
                .reduce(|mut a, b| {
                    a.input_series.extend(b.input_series);
                    a.alert_rule_test.extend(b.alert_rule_test);
                    a.promql_expr_test.extend(b.promql_expr_test);
                    a
                })
                .map(|mut g| {
                    g.name = name;
                    g
                })
        })
        .collect()
}

/// Every alert `tests` expect, in the order they are written.
fn expected_alerts(tests: &mut [TestGroup]) -> impl Iterator<Item = &mut Shared<ExpAlert>> {
    tests.iter_mut().flat_map(|t| t.alert_rule_test.iter_mut().flat_map(|a| a.exp_alerts.iter_mut()))
}

/// Writes what the tests of a file repeat once: the expected alerts (a ticket is expected when
/// an SLO pages and when it only tickets) and their labels (a no-data alert's are often its
/// SLO's ticket's), the input series' selectors and the recorded ratios'
/// labels (the same in each scenario of an SLO), as YAML anchors and aliases.
pub(crate) fn share_repeats(tests: &mut [TestGroup]) {
    let mut next = 0;
    let long = |s: &String| s.len() > 24;
    share(tests.iter_mut().flat_map(|t| t.input_series.iter_mut().map(|s| &mut s.series)), long, &mut next);
    share(expected_alerts(tests), |_| true, &mut next);
    // Then the alerts' labels (an alias's are not written, but equal ones were written before
    // it, so an anchor is never inside an alias).
    share(expected_alerts(tests).map(|a| &mut a.value.exp_labels), |_| true, &mut next);
    share(
        tests.iter_mut().flat_map(|t| t.promql_expr_test.iter_mut().flat_map(|e| e.exp_samples.iter_mut().map(|s| &mut s.labels))),
        long,
        &mut next,
    );
}

/// The test file of one service, and its SLOs that could not be tested (as Markdown rows).
/// Tests are written for plain rule files only (the other formats are not promtool's input).
/// `texts`: the service's SLOs' (`AlertTexts::of_service`).
pub(crate) fn service_tests(model: &Model, svc: &crate::model::Service, texts: &[AlertTexts]) -> (Option<OutputFile>, Vec<String>) {
    if model.settings.format != RuleFormat::Rules {
        return (None, vec![]);
    }
    let mut all_untested = vec![];
    let mut tests = vec![];
    let mut untested = vec![];
    // Alert names used by more than one alert of the service's rule file.
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for slo in svc.slos.iter().filter(|s| s.alert_enabled(Tier::Page) || s.alert_enabled(Tier::Ticket)) {
        *uses.entry(slo.alert_name.clone()).or_default() += 1;
    }
    for a in &svc.alerts {
        *uses.entry(names::alert(&a.name)).or_default() += 1;
    }
    let mut tested = vec![];
    for (slo, texts) in svc.slos.iter().zip(texts) {
        let (series, reader) = synth::series_and_reader(&slo.sli, &slo.group_by);
        match series {
            Ok(series) => {
                let groups = slo_tests(model, slo, &series, uses.get(&slo.alert_name).is_some_and(|n| *n > 1), texts);
                tested.push(Tested { slo, groups, series, reader, labels: group_label_sets(slo) });
            }
            Err(why) => {
                untested.push(format!("#   not tested: SLO {}: {why}\n", slo.name));
                all_untested.push(format!("| {} | {} | {why} |\n", svc.name, slo.name));
            }
        }
    }
    // An SLO whose checked alert names (burn or no-data) a hand-written Alert also fires under
    // keeps groups of its own: the Alert may fire on another SLO's series in a shared group.
    let hand: std::collections::BTreeSet<String> = svc.alerts.iter().map(|a| names::alert(&a.name)).collect();
    let (alone, shareable): (Vec<_>, Vec<_>) =
        tested.into_iter().partition(|t| hand.contains(&t.slo.alert_name) || hand.contains(&names::slo_no_data_alert(&t.slo.name)));
    for batch in batches(shareable).into_iter().chain(alone.into_iter().map(|t| vec![t.groups])) {
        tests.extend(merged(batch));
    }
    if tests.is_empty() {
        return (None, all_untested);
    }
    share_repeats(&mut tests);
    let file = TestFile { rule_files: vec![format!("../{}.rules.yml", svc.name)], evaluation_interval: "1m".into(), tests };
    let mut contents = yaml_header(&svc.sources);
    // About what an SLO's tests take, so the text is seldom moved as it grows.
    contents.reserve(4096 * svc.slos.len());
    contents += "# promtool unit tests: run `promtool test rules` on this file.\n";
    contents += &untested.concat();
    super::yaml::append(&file, &mut contents);
    (Some(OutputFile { path: names::rules_test_file(&svc.name), contents }), all_untested)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An SLO as the property test makes it: the series it writes (metric, labels, whether a
    /// threshold gauge's, group labels) and its selectors (`None`: unknown).
    type Made = (Vec<(String, BTreeMap<String, String>, bool, BTreeMap<String, String>)>, Option<Vec<String>>);

    fn seen(m: &Made) -> Seen {
        let written =
            m.0.iter()
                .map(|(metric, labels, level, group)| {
                    let role = if *level { Role::Level } else { Role::Total };
                    (synth::Series { metric: metric.clone(), labels: labels.clone(), role }, group.clone())
                })
                .collect();
        Seen { written, reader: synth::Reader::of_selectors(m.1.as_deref()) }
    }

    /// First fit as it was, comparing an SLO with every member of every batch it tries.
    fn first_fit_pairwise(items: Vec<(usize, Seen)>) -> Vec<Vec<usize>> {
        let independent = |a: &Seen, b: &Seen| {
            !a.written.iter().any(|(s, g)| b.reader.reads(s, g)) && !b.written.iter().any(|(s, g)| a.reader.reads(s, g))
        };
        let mut out: Vec<Vec<(usize, Seen)>> = vec![];
        for (i, s) in items {
            match out.iter_mut().find(|batch| batch.iter().all(|(_, other)| independent(&s, other))) {
                Some(batch) => batch.push((i, s)),
                None => out.push(vec![(i, s)]),
            }
        }
        out.into_iter().map(|b| b.into_iter().map(|(i, _)| i).collect()).collect()
    }

    fn labels() -> impl Strategy<Value = BTreeMap<String, String>> {
        proptest::collection::btree_map(
            proptest::sample::select(vec!["job", "route", "code", "rely_copy"]).prop_map(String::from),
            proptest::sample::select(vec!["", "x", "y", "z"]).prop_map(String::from),
            0..3,
        )
    }

    fn selector() -> impl Strategy<Value = String> {
        let matcher = (
            proptest::sample::select(vec!["job", "route", "code", "rely_copy"]),
            proptest::sample::select(vec!["=", "!=", "=~", "!~"]),
            proptest::sample::select(vec!["", "x", "y", "a", "x|y", ".*", ".+"]),
        )
            .prop_map(|(l, op, v)| format!("{l}{op}\"{v}\""));
        // The metric name before the braces, or as a `__name__` matcher in them.
        (proptest::sample::select(vec!["a", "b"]), proptest::collection::vec(matcher, 0..3), proptest::bool::ANY).prop_map(
            |(metric, ms, inside)| {
                if inside {
                    format!("{{__name__=\"{metric}\"{}}}", ms.iter().map(|m| format!(",{m}")).collect::<String>())
                } else if ms.is_empty() {
                    metric.to_string()
                } else {
                    format!("{metric}{{{}}}", ms.join(","))
                }
            },
        )
    }

    fn made() -> impl Strategy<Value = Made> {
        let series = (proptest::sample::select(vec!["a", "b"]).prop_map(String::from), labels(), proptest::bool::weighted(0.2), labels());
        (proptest::collection::vec(series, 0..3), proptest::option::weighted(0.85, proptest::collection::vec(selector(), 0..3)))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..Default::default() })]
        /// The indexed first fit makes the batches comparing every pair made.
        #[test]
        fn indexed_batches_are_the_pairwise_ones(items in proptest::collection::vec(made(), 0..14)) {
            let indexed = first_fit(items.iter().enumerate().map(|(i, m)| (i, seen(m))).collect());
            let pairwise = first_fit_pairwise(items.iter().enumerate().map(|(i, m)| (i, seen(m))).collect());
            prop_assert_eq!(indexed, pairwise);
        }
    }
}
