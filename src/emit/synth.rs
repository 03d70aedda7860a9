//! Synthetic input series for generated promtool tests. From an SLI's queries we find the
//! selectors they read and invent label sets that satisfy them — one series counting failed
//! events, one counting good (or all) events — so a test can drive the user's own queries at a
//! chosen error ratio. Only simple shapes (`sum(rate(selector[w]))`) are synthesised; anything
//! else is reported as not testable rather than guessed at.

use std::collections::BTreeMap;

use promql_parser::label::{MatchOp, Matcher};

use crate::model::{EventsSource, Sli};
use crate::promql::{is_match, quote_into, with_window};

/// What a synthetic counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Failed events: increases by `ratio × rate`.
    Error,
    /// Successful events: increases by `(1 - ratio) × rate`.
    Good,
    /// All events: increases by `rate`.
    Total,
    /// A gauge whose mean is the good share: constant at `1 - ratio`.
    Mean,
    /// A gauge compared with a threshold (see `levels`): `LEVEL_SERIES` copies, as many of them
    /// at the bad level as the error ratio asks, the others at the good level.
    Level,
}

/// Copies of a `Level` series: error ratios are then multiples of 1/20.
pub const LEVEL_SERIES: u32 = 20;

/// The good and the bad value of a threshold gauge's `Level` series.
pub fn levels(sli: &Sli) -> Option<(f64, f64)> {
    let Sli::Raw { error_ratio } = sli else { return None };
    let Ok(crate::promql::Shape::Threshold(_, op, t)) = crate::promql::shape(&with_window(error_ratio, "5m")) else { return None };
    // One apart, or for a large threshold the power of ten at about its millionth (past 2^53,
    // t + 1 is t), so the values stay short.
    let d = if t.abs() * 1e-6 > 1.0 { 10f64.powi((t.abs() * 1e-6).log10().ceil() as i32) } else { 1.0 };
    Some(match op.as_str() {
        "<" | "<=" => (t - d, t + d),
        ">" | ">=" => (t + d, t - d),
        "==" => (t, t + d),
        _ => (t + d, t),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub metric: String,
    pub labels: BTreeMap<String, String>,
    pub role: Role,
}

impl Series {
    /// The series in promtool's notation: `name{a="b"}`.
    pub fn selector(&self) -> String {
        let mut out = String::with_capacity(self.metric.len() + 2 + 24 * self.labels.len());
        out.push_str(&self.metric);
        out.push('{');
        for (i, (k, v)) in self.labels.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(k);
            out.push('=');
            quote_into(v, &mut out);
        }
        out.push('}');
        out
    }
}

#[derive(Clone)]
pub struct Sel {
    name: String,
    matchers: Vec<Matcher>,
    by: Vec<String>,
}

impl Sel {
    /// The metric it selects.
    pub fn metric(&self) -> &str {
        &self.name
    }

    /// Whether it selects `series` with its `extra` labels added (the group values).
    pub fn selects(&self, series: &Series, extra: &BTreeMap<String, String>) -> bool {
        let value = |name: &str| match name {
            "__name__" => Some(series.metric.as_str()),
            // A threshold gauge's copies differ in it: any value may be written.
            "rely_copy" if series.role == Role::Level => None,
            _ => Some(extra.get(name).or_else(|| series.labels.get(name)).map_or("", String::as_str)),
        };
        self.name == series.metric && self.matchers.iter().all(|m| value(&m.name).is_none_or(|v| is_match(m, v)))
    }

    /// Labels every series it selects has, with these values (from its equality matchers with a
    /// value, besides `__name__` and a threshold gauge's `rely_copy`): keys to find the series
    /// it may select by.
    pub fn required_labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.matchers
            .iter()
            .filter(|m| matches!(m.op, MatchOp::Equal) && !m.value.is_empty() && m.name != "__name__" && m.name != "rely_copy")
            .map(|m| (m.name.as_str(), m.value.as_str()))
    }
}

/// `sum(rate(x{..}[w]))` (or `increase`) → its selector, with the metric name taken out of the
/// matchers when it is written as `{__name__="x"}`.
fn simple_selector(query: &str) -> Result<Sel, String> {
    // A query's own facts (not shared with a cache) are taken, not copied.
    let facts = crate::promql::facts(&with_window(query, "5m"));
    sel_of(std::sync::Arc::try_unwrap(facts).map_or_else(|shared| shared.sum_rate.clone(), |own| own.sum_rate)?)
}

/// Candidate values for a label, guessed from the matchers on it.
fn candidates(matchers: &[&Matcher]) -> Vec<String> {
    let mut c = vec![];
    each_candidate(matchers, &mut |v| {
        c.push(v);
        false
    });
    c
}

/// Hands `take` the candidates of `candidates`, in order, until it returns `true` (then `true`):
/// the first that fits is found without making the others.
fn each_candidate(matchers: &[&Matcher], take: &mut dyn FnMut(String) -> bool) -> bool {
    for m in matchers {
        match &m.op {
            MatchOp::Equal => {
                if take(m.value.clone()) {
                    return true;
                }
            }
            MatchOp::Re(_) | MatchOp::NotRe(_) => {
                let v = &m.value;
                if take(v.replace('.', "0")) {
                    return true;
                }
                for alt in v.trim_matches(|ch| ch == '(' || ch == ')' || ch == '^' || ch == '$').split('|') {
                    let alt = alt.trim_matches(|ch| ch == '(' || ch == ')');
                    if take(alt.replace(".*", "").replace(".+", "x").replace('.', "0").replace(['\\', '?', '*', '+', '[', ']'], "")) {
                        return true;
                    }
                }
            }
            MatchOp::NotEqual => {}
        }
    }
    ["500", "503", "429", "200", "204", "error", "failed", "success", "ok", "true", "false", "1", "0", "rely-synthetic"]
        .into_iter()
        .any(|s| take(s.to_string()))
}

/// A value of one label satisfying the matchers `on` (all on that label) and not `must_not`.
fn value_for(on: &[&Matcher], must_not: Option<&Matcher>) -> Option<String> {
    // An equality matcher leaves one value that can fit: the candidates would find it or
    // nothing, after trying (and allocating) a few dozen.
    if let Some(eq) = on.iter().find(|m| matches!(m.op, MatchOp::Equal)) {
        return fits(on, must_not, &eq.value).then(|| eq.value.clone());
    }
    candidate_for(on, must_not)
}

fn fits(on: &[&Matcher], must_not: Option<&Matcher>, v: &str) -> bool {
    on.iter().all(|m| is_match(m, v)) && must_not.is_none_or(|n| !is_match(n, v))
}

/// `value_for` by the candidates alone: those of the label's matchers, then of the one to
/// break, in that order, the first that fits.
fn candidate_for(on: &[&Matcher], must_not: Option<&Matcher>) -> Option<String> {
    let mut found = None;
    let mut take = |v: String| {
        let ok = fits(on, must_not, &v);
        if ok {
            found = Some(v);
        }
        ok
    };
    if !each_candidate(on, &mut take)
        && let Some(n) = must_not
    {
        each_candidate(&[n], &mut take);
    }
    found
}

/// A label set satisfying every matcher in `all`, and — when `violate` is given — failing at
/// least one of the matchers in `violate`.
fn labels_for(all: &[&Matcher], violate: Option<&[&Matcher]>) -> Option<BTreeMap<String, String>> {
    let mut names: Vec<&str> = all.iter().map(|m| m.name.as_str()).collect();
    if let Some(v) = violate {
        names.extend(v.iter().map(|m| m.name.as_str()));
    }
    names.sort_unstable();
    names.dedup();
    let pick = |name: &str, must: &[&Matcher], must_not: Option<&Matcher>| -> Option<String> {
        let on: Vec<&Matcher> = must.iter().copied().filter(|m| m.name == name).collect();
        value_for(&on, must_not)
    };
    let build = |breaking: Option<&Matcher>| -> Option<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for name in &names {
            let brk = breaking.filter(|b| b.name == *name);
            let v = pick(name, all, brk)?;
            // An empty value means "label absent" to Prometheus.
            if !v.is_empty() {
                out.insert(name.to_string(), v);
            }
        }
        Some(out)
    };
    match violate {
        None => build(None),
        Some(v) => v.iter().find_map(|m| build(Some(m))),
    }
}

/// Synthetic series for an SLI grouped by `group_by` (their values left out: see `in_group`),
/// or why it cannot be synthesised. A `sum by (...)` must group by the SLO's group labels only,
/// and no matcher may constrain a group label (the groups' values are invented).
pub fn series(sli: &Sli, group_by: &[String]) -> Result<Vec<Series>, String> {
    let (series, by, matchers, _) = ungrouped_series(sli)?;
    checked(sli, series, by, matchers, group_by)
}

/// `series` and the SLI's `Reader` at once (working out what drives an SLI is most of the
/// cost of its tests).
pub fn series_and_reader(sli: &Sli, group_by: &[String]) -> (Result<Vec<Series>, String>, Reader) {
    match ungrouped_series(sli) {
        Ok((series, by, matchers, read)) => (checked(sli, series, by, matchers, group_by), Reader(Some(read))),
        Err(why) => (Err(why), Reader(None)),
    }
}

/// The `series` of a `Drive`, if its sums (`by`) group by the SLO's `group_by` labels only.
fn checked(
    sli: &Sli,
    series: Vec<Series>,
    mut by: Vec<String>,
    matchers: Vec<Matcher>,
    group_by: &[String],
) -> Result<Vec<Series>, String> {
    by.sort();
    by.dedup();
    if by.iter().any(|l| !group_by.contains(l)) {
        return Err(format!("a query sums by ({}), which is not the SLO's `group_by`", by.join(", ")));
    }
    if !group_by.is_empty() {
        remembered(sli, group_by, || Ok(matchers))?;
    }
    Ok(series)
}

/// The group labels of the burning group and of the steady one: `burning` and `steady`, or,
/// for a label the queries' matchers constrain, two distinct values they all accept.
pub fn group_values(sli: &Sli, group_by: &[String]) -> Result<[BTreeMap<String, String>; 2], String> {
    remembered(sli, group_by, || ungrouped_series(sli).map(|d| d.2))
}

/// The group values of the SLI last asked about, per thread: an SLO's tests ask for them
/// several times in a row (its scenarios, expected alerts, recorded ratio), and working them
/// out drives the whole synthesis again. They depend on the SLI and `group_by` alone, which is
/// what is compared; `matchers` (every matcher of the SLI's selectors) are made on a miss only.
fn remembered(
    sli: &Sli,
    group_by: &[String],
    matchers: impl FnOnce() -> Result<Vec<Matcher>, String>,
) -> Result<[BTreeMap<String, String>; 2], String> {
    type Values = Result<[BTreeMap<String, String>; 2], String>;
    thread_local! {
        static LAST: std::cell::RefCell<Option<(Sli, Vec<String>, Values)>> = const { std::cell::RefCell::new(None) };
    }
    let hit = LAST.with_borrow(|last| last.as_ref().filter(|(s, g, _)| s == sli && g.as_slice() == group_by).map(|(_, _, v)| v.clone()));
    if let Some(v) = hit {
        return v;
    }
    let v = matchers().and_then(|m| values_of(&m, group_by));
    LAST.set(Some((sli.clone(), group_by.to_vec(), v.clone())));
    v
}

/// `group_values` from the SLI's matchers.
fn values_of(matchers: &[Matcher], group_by: &[String]) -> Result<[BTreeMap<String, String>; 2], String> {
    let mut out = [BTreeMap::new(), BTreeMap::new()];
    for g in group_by {
        let on: Vec<&Matcher> = matchers.iter().filter(|m| m.name == *g).collect();
        if on.is_empty() {
            out[0].insert(g.clone(), "burning".to_string());
            out[1].insert(g.clone(), "steady".to_string());
            continue;
        }
        let ok = |v: &str| !v.is_empty() && on.iter().all(|m| is_match(m, v));
        let cands = candidates(&on);
        let burning = cands.iter().find(|c| ok(c)).ok_or_else(|| format!("no value of the group label `{g}` satisfies the matchers"))?;
        let steady = [format!("{burning}-steady"), format!("{burning}x"), format!("{burning}0")]
            .into_iter()
            .chain(cands.iter().cloned())
            .find(|c| c != burning && ok(c))
            .ok_or_else(|| format!("the matchers let the group label `{g}` take one value only"))?;
        out[0].insert(g.clone(), burning.clone());
        out[1].insert(g.clone(), steady);
    }
    Ok(out)
}

/// `series` in one group: the group labels set to `values` (one of `group_values`).
pub fn in_group(series: &[Series], values: &BTreeMap<String, String>) -> Vec<Series> {
    series
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.labels.extend(values.iter().map(|(k, v)| (k.clone(), v.clone())));
            s
        })
        .collect()
}

/// The selectors an SLI's queries read, to tell which synthetic series it sees (`None`: they
/// cannot be known).
pub struct Reader(Option<Vec<Sel>>);

impl Reader {
    pub fn of(sli: &Sli) -> Reader {
        Reader(ungrouped_series(sli).ok().map(|d| d.3))
    }

    /// The selectors; `None` when they are unknown (it may read any series).
    pub fn selectors(&self) -> Option<&[Sel]> {
        self.0.as_deref()
    }
}

#[cfg(test)]
impl Reader {
    /// Whether one of the selectors selects `series` (its `extra` labels added: the group
    /// values). `true` when the selectors are unknown, so that callers stay on the safe side.
    /// (Batching uses `Sel::selects` through its indexes; tests compare with this.)
    pub fn reads(&self, series: &Series, extra: &BTreeMap<String, String>) -> bool {
        let Some(selectors) = &self.0 else { return true };
        selectors.iter().any(|sel| sel.selects(series, extra))
    }

    /// A reader of these selectors (`None`: unknown), for tests.
    pub fn of_selectors(selectors: Option<&[String]>) -> Reader {
        Reader(selectors.map(|s| s.iter().map(|q| simple_selector(&format!("sum(rate({q}[5m]))")).expect("a selector")).collect()))
    }
}

/// A selector as `Sel` (the metric name out of the matchers when written `{__name__="x"}`).
fn sel_of(sel: crate::promql::Selector) -> Result<Sel, String> {
    let mut matchers = sel.matchers;
    let name = match sel.name {
        Some(n) => n,
        None => {
            let pos = matchers
                .iter()
                .position(|m| m.name == "__name__" && matches!(m.op, MatchOp::Equal))
                .ok_or("the selector has no metric name")?;
            matchers.remove(pos).value
        }
    };
    Ok(Sel { name, matchers, by: sel.by })
}

/// The series, the `by` labels of every sum, every matcher of the SLI's selectors, and the
/// selectors.
type Drive = (Vec<Series>, Vec<String>, Vec<Matcher>, Vec<Sel>);

fn ungrouped_series(sli: &Sli) -> Result<Drive, String> {
    use crate::promql::Shape;
    let (errors, total, source) = match sli {
        Sli::Events { errors, total, source } => (errors, total, source),
        Sli::Raw { error_ratio } => {
            let why = "a raw error-ratio query other than `sum(rate(errors[w])) / sum(rate(total[w]))` or `1 - (sum(sum_over_time(g[w])) / sum(count_over_time(g[w])))` cannot be reproduced from synthetic series";
            return match crate::promql::shape(&with_window(error_ratio, "5m")) {
                Ok(Shape::Ratio(e, t)) => counters(sel_of(e)?, Role::Error, sel_of(t)?),
                Ok(Shape::Threshold(g, _, _)) => {
                    let g = sel_of(g)?;
                    let ms: Vec<&Matcher> = g.matchers.iter().collect();
                    let labels = labels_for(&ms, None).ok_or("no label set satisfies the gauge's selector")?;
                    let read = vec![Sel { name: g.name.clone(), matchers: g.matchers.clone(), by: vec![] }];
                    Ok((vec![Series { metric: g.name, labels, role: Role::Level }], g.by, g.matchers, read))
                }
                Ok(Shape::OneMinusMean(g)) => {
                    let g = sel_of(g)?;
                    let ms: Vec<&Matcher> = g.matchers.iter().collect();
                    let labels = labels_for(&ms, None).ok_or("no label set satisfies the gauge's selector")?;
                    let read = vec![Sel { name: g.name.clone(), matchers: g.matchers.clone(), by: vec![] }];
                    Ok((vec![Series { metric: g.name, labels, role: Role::Mean }], g.by, g.matchers, read))
                }
                _ => Err(why.into()),
            };
        }
    };
    match source {
        EventsSource::Latency { histogram, selector, le } => {
            let probe = crate::promql::facts(&format!("{histogram}_count{{{selector}}}"));
            probe.vector.clone()?;
            let Some(vs) = &probe.selector else { return Err("latency selector".into()) };
            let ms: Vec<&Matcher> = vs.matchers.iter().collect();
            let base = labels_for(&ms, None).ok_or("no label set satisfies the selector")?;
            let with = |k: &str, v: &str| {
                let mut l = base.clone();
                l.insert(k.into(), v.into());
                l
            };
            let series = vec![
                Series { metric: format!("{histogram}_bucket"), labels: with("le", le), role: Role::Good },
                Series { metric: format!("{histogram}_bucket"), labels: with("le", "+Inf"), role: Role::Total },
                Series { metric: format!("{histogram}_count"), labels: base, role: Role::Total },
            ];
            // The generated queries sum by the SLO's groups, which `series` adds. They read the
            // buckets (of any `le`: on the safe side) and the count.
            let read = ["bucket", "count"]
                .map(|suffix| Sel { name: format!("{histogram}_{suffix}"), matchers: vs.matchers.clone(), by: vec![] })
                .into();
            Ok((series, vec![], vs.matchers.clone(), read))
        }
        EventsSource::Good(g) => {
            let total_sel = simple_selector(total).map_err(|e| format!("total query: {e}"))?;
            counters(simple_selector(g).map_err(|e| format!("good query: {e}"))?, Role::Good, total_sel)
        }
        EventsSource::Errors => {
            let total_sel = simple_selector(total).map_err(|e| format!("total query: {e}"))?;
            match simple_selector(errors) {
                Ok(part) => counters(part, Role::Error, total_sel),
                Err(e) => match crate::promql::shape(&with_window(errors, "5m")) {
                    // Errors written as the total less the good events.
                    Ok(Shape::Difference(t, g)) if same_selector(&sel_of(t.clone())?, &total_sel) => {
                        counters(sel_of(g)?, Role::Good, total_sel)
                    }
                    _ => Err(format!("errors query: {e}")),
                },
            }
        }
    }
}

/// Whether two selectors read the same series (same metric, same matchers in the same order).
fn same_selector(a: &Sel, b: &Sel) -> bool {
    a.name == b.name && format!("{:?}", a.matchers) == format!("{:?}", b.matchers)
}

/// Counters for a part (errors or good events) and the total, with every sum's `by` labels.
fn counters(part: Sel, part_role: Role, total_sel: Sel) -> Result<Drive, String> {
    let rest_role = if part_role == Role::Good { Role::Error } else { Role::Good };
    let mut by = part.by.clone();
    by.extend(total_sel.by.iter().cloned());
    let all: Vec<Matcher> = total_sel.matchers.iter().chain(part.matchers.iter()).cloned().collect();
    let t: Vec<&Matcher> = total_sel.matchers.iter().collect();
    let p: Vec<&Matcher> = part.matchers.iter().collect();
    let series = if part.name == total_sel.name {
        let both: Vec<&Matcher> = t.iter().chain(p.iter()).copied().collect();
        let part_labels = labels_for(&both, None).ok_or("no label set satisfies both queries")?;
        let rest_labels = labels_for(&t, Some(&p)).ok_or("no label set is counted by `total` but not by the other query")?;
        vec![
            Series { metric: part.name.clone(), labels: part_labels, role: part_role },
            Series { metric: total_sel.name.clone(), labels: rest_labels, role: rest_role },
        ]
    } else {
        vec![
            Series { metric: part.name.clone(), labels: labels_for(&p, None).ok_or("no label set satisfies the query")?, role: part_role },
            Series {
                metric: total_sel.name.clone(),
                labels: labels_for(&t, None).ok_or("no label set satisfies `total`")?,
                role: Role::Total,
            },
        ]
    };
    let read = vec![
        Sel { name: part.name, matchers: part.matchers, by: vec![] },
        Sel { name: total_sel.name, matchers: total_sel.matchers, by: vec![] },
    ];
    Ok((series, by, all, read))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(errors: &str, total: &str) -> Sli {
        Sli::Events { errors: errors.into(), total: total.into(), source: EventsSource::Errors }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]
        /// The shortcut for a label with an equality matcher finds what the candidates find.
        #[test]
        fn an_equality_matcher_shortcut_agrees_with_the_candidates(
            on in proptest::collection::vec((0..4usize, 0..8usize), 0..4),
            not in proptest::option::of((0..4usize, 0..8usize)),
        ) {
            let values = ["500", "5..", "", "x", "(5..|429)", "429", "rely-synthetic", ".*"];
            let matcher = |(op, v): (usize, usize)| {
                let value = values[v].to_string();
                let op = match op {
                    0 => MatchOp::Equal,
                    1 => MatchOp::NotEqual,
                    2 => MatchOp::Re(regex::Regex::new(&format!("^(?:{value})$")).unwrap()),
                    _ => MatchOp::NotRe(regex::Regex::new(&format!("^(?:{value})$")).unwrap()),
                };
                Matcher { op, name: "code".into(), value }
            };
            let on: Vec<Matcher> = on.into_iter().map(matcher).collect();
            let not = not.map(matcher);
            let on: Vec<&Matcher> = on.iter().collect();
            proptest::prop_assert_eq!(value_for(&on, not.as_ref()), candidate_for(&on, not.as_ref()));
        }
    }

    #[test]
    fn same_metric_split_by_a_regex() {
        let s = series(
            &ev(
                r#"sum(rate(http_requests_total{job="api",code=~"(5..|429)"}[{{window}}]))"#,
                r#"sum(rate(http_requests_total{job="api"}[{{window}}]))"#,
            ),
            &[],
        )
        .unwrap();
        assert_eq!(s[0].selector(), r#"http_requests_total{code="500", job="api"}"#);
        assert_eq!(s[0].role, Role::Error);
        assert_eq!(s[1].role, Role::Good);
        assert_eq!(s[1].labels["job"], "api");
        assert!(!["500", "429"].contains(&s[1].labels["code"].as_str()));
    }

    #[test]
    fn different_metrics_and_unsupported_shapes() {
        let s = series(&ev("sum(rate(errors_total[{{window}}]))", "sum(increase(requests_total[{{window}}]))"), &[]).unwrap();
        assert_eq!((s[0].role, s[1].role), (Role::Error, Role::Total));
        assert!(series(&ev("sum by (x) (rate(e[{{window}}]))", "sum(rate(t[{{window}}]))"), &[]).is_err());
        assert!(series(&Sli::Raw { error_ratio: "x".into() }, &[]).is_err());
    }

    #[test]
    fn an_sli_reads_the_series_its_selectors_select() {
        let reads = |sli: &Sli, s: &Series, extra: &BTreeMap<String, String>| Reader::of(sli).reads(s, extra);
        let all = ev(
            r#"sum(rate(http_requests_total{job="api",code=~"5.."}[{{window}}]))"#,
            r#"sum(rate(http_requests_total{job="api"}[{{window}}]))"#,
        );
        let pay = ev(
            r#"sum(rate(http_requests_total{job="api",route="/pay",code=~"5.."}[{{window}}]))"#,
            r#"sum(rate(http_requests_total{job="api",route="/pay"}[{{window}}]))"#,
        );
        let other = ev(
            r#"sum(rate(http_requests_total{job="web",code=~"5.."}[{{window}}]))"#,
            r#"sum(rate(http_requests_total{job="web"}[{{window}}]))"#,
        );
        let none = BTreeMap::new();
        let pay_series = series(&pay, &[]).unwrap();
        // Every series of /pay is also a request of the whole job; not the other way round.
        assert!(pay_series.iter().all(|s| reads(&all, s, &none)));
        assert!(series(&all, &[]).unwrap().iter().all(|s| !reads(&pay, s, &none)));
        assert!(pay_series.iter().all(|s| !reads(&other, s, &none)));
        // Labels added to the series (a group's) count: `route="/pay"` from outside.
        let all_series = series(&all, &[]).unwrap();
        let route: BTreeMap<String, String> = [("route".to_string(), "/pay".to_string())].into();
        assert!(all_series.iter().any(|s| reads(&pay, s, &route)));
        // An SLI whose selectors are unknown reads everything (the safe answer).
        assert!(reads(&Sli::Raw { error_ratio: "x".into() }, &pay_series[0], &none));
    }

    #[test]
    fn grouped_sums_by_the_group_labels_only() {
        let g = ["route".to_string()];
        let q = |by: &str, m: &str| format!("sum by ({by}) (rate(http_requests_total{{job=\"api\"{m}}}[{{{{window}}}}]))");
        let sli = ev(&q("route", ",code=~\"5..\""), &q("route", ""));
        let s = series(&sli, &g).unwrap();
        let [burning, steady] = group_values(&sli, &g).unwrap();
        // The values remembered for the last SLI are those of that SLI (and only of it).
        let other = ev(&q("route", ",route=~\"/api/.*\",code=~\"5..\""), &q("route", ",route=~\"/api/.*\""));
        assert_ne!(group_values(&other, &g).unwrap()[0], burning);
        assert_eq!(group_values(&sli, &g).unwrap(), [burning.clone(), steady.clone()]);
        assert_eq!(group_values(&sli, &g).unwrap(), values_of(&ungrouped_series(&sli).unwrap().2, &g).unwrap());
        let a = in_group(&s, &burning);
        assert_eq!(a[0].selector(), r#"http_requests_total{code="500", job="api", route="burning"}"#);
        assert_eq!(steady["route"], "steady");
        assert!(series(&ev(&q("route, code", ",code=~\"5..\""), &q("route", "")), &g).is_err());
        // One value only: two groups cannot be driven.
        assert!(series(&ev(&q("route", ",route=\"/x\""), &q("route", "")), &g).is_err());
        // A pattern: two values it accepts.
        let sli = ev(&q("route", ",route=~\"/api/.*\",code=~\"5..\""), &q("route", ",route=~\"/api/.*\""));
        assert!(series(&sli, &g).is_ok(), "{:?}", series(&sli, &g));
        let [b, s] = group_values(&sli, &g).unwrap();
        assert!(b["route"].starts_with("/api/") && s["route"].starts_with("/api/") && b != s, "{b:?} {s:?}");
    }
}
