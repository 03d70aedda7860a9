//! SLOs and SLIs (SLO): objectives in range, windows that are real durations of a day or more,
//! exactly one indicator, queries with `{{window}}` that parse as PromQL, and alerts that can
//! actually fire at the objective given.

use super::Ctx;
use crate::diag::codes;
use crate::model::burn::{self, Tier};
use crate::spec::Indicator;
use crate::{duration, promql};

const DAY: u64 = 86400;

fn latency_probe(l: &crate::spec::Latency) -> String {
    format!("{}_bucket{}", l.histogram, l.selector.as_deref().unwrap_or(""))
}

/// Every SLI and SLO, in parallel (parsing their PromQL is most of checking them): each gets a
/// context of its own, and the findings are gathered in document order.
pub(super) fn check(ctx: &mut Ctx<'_>) {
    use rayon::prelude::*;
    let repo = ctx.repo;
    if let Some(p) = repo.project()
        && let Some(w) = &p.spec.window
    {
        window(ctx, p.doc, "/spec/window", w);
    }
    if let Some(p) = repo.project()
        && let Some(policy) = &p.spec.alert_policy
    {
        alert_policy(ctx, p.doc, "/spec/alert_policy", policy);
    }
    let shared = &*ctx;
    let slis: Vec<Vec<crate::diag::Finding>> = repo
        .slis
        .par_iter()
        .map(|s| {
            let mut c = shared.fork();
            indicator(&mut c, s.doc, "/spec/indicator", &s.spec.indicator);
            c.findings
        })
        .collect();
    let slos: Vec<Vec<crate::diag::Finding>> = repo
        .slos
        .par_iter()
        .map(|s| {
            let mut c = shared.fork();
            slo(&mut c, s);
            c.findings
        })
        .collect();
    ctx.findings.extend(slis.into_iter().chain(slos).flatten());
}

fn slo(ctx: &mut Ctx<'_>, s: &crate::spec::Item<crate::spec::SloSpec>) {
    let o = s.spec.objective;
    let objective_ok = o > 0.0 && o < 100.0;
    if !objective_ok {
        let f = ctx.report(codes::SLO001, s.doc, "/spec/objective", format!("objective {o} is not strictly between 0 and 100"));
        f.help = Some(if o >= 100.0 {
            "100% leaves no error budget: every error would page; choose e.g. 99.9".into()
        } else {
            "objectives are percentages, e.g. 99.9".into()
        });
    } else if o < 1.0 {
        ctx.report(codes::SLO001, s.doc, "/spec/objective", format!("objective {o} is below 1%")).help =
            Some(format!("objectives are percentages: did you mean {}?", burn::num(o * 100.0)));
    }
    let period = match &s.spec.window {
        Some(w) => window(ctx, s.doc, "/spec/window", w),
        None => duration::parse(&ctx.settings.window).filter(|d| *d >= DAY),
    };
    match (&s.spec.sli, &s.spec.indicator) {
        (Some(_), Some(_)) => {
            ctx.report(codes::SLO007, s.doc, "/spec/indicator", format!("SLO `{}` has both `sli` and `indicator`", s.name)).help =
                Some("reference an SLI document or give the indicator inline, not both".into());
        }
        (None, None) => {
            ctx.report(codes::SLO007, s.doc, "/spec", format!("SLO `{}` has no indicator", s.name)).help =
                Some("add `sli: <name>` or an inline `indicator` (ratio, latency or raw)".into());
        }
        (None, Some(i)) => indicator(ctx, s.doc, "/spec/indicator", i),
        (Some(_), None) => {}
    }
    groups(ctx, s);
    let own = s.spec.alerting.as_ref().and_then(|a| a.policy.as_ref());
    if let Some(p) = own {
        alert_policy(ctx, s.doc, "/spec/alerting/policy", p);
    }
    // Every long window fits the period (the Project's policy is checked against each SLO).
    if let (Some(period), Some(policy)) = (period, own.or(ctx.settings.alert_policy.as_ref())) {
        for w in &policy.windows {
            if let Some(long) = duration::parse(&w.long).filter(|l| *l > period) {
                let at = if own.is_some() { "/spec/alerting/policy" } else { "/spec" };
                ctx.report(
                    codes::SLO011,
                    s.doc,
                    at,
                    format!(
                        "the alert policy's {} window is longer than the SLO period {}",
                        duration::format(long),
                        duration::format(period)
                    ),
                )
                .help = Some("a burn window covers part of the period: shorten it, or give this SLO its own `alerting.policy`".into());
            }
        }
    }
    // Can the page ever fire? With 14.4x a 10% budget, no error ratio is high enough.
    if let (true, Some(period), Some(alerting)) = (objective_ok && o >= 1.0, period, &s.spec.alerting)
        && alerting.page_enabled()
    {
        let budget = burn::round_sig(1.0 - o / 100.0);
        let impossible: Vec<String> = burn::policy_windows(own.or(ctx.settings.alert_policy.as_ref()), period)
            .iter()
            .filter(|w| w.tier == Tier::Page && w.factor(period) * budget >= 1.0)
            .map(|w| {
                format!(
                    "{}x over {} needs {}% errors",
                    burn::num(w.factor(period)),
                    duration::format(w.long),
                    burn::num(w.factor(period) * budget * 100.0)
                )
            })
            .collect();
        if !impossible.is_empty() {
            ctx.report(
                codes::SLO008,
                s.doc,
                "/spec/objective",
                format!("part of the page alert of SLO `{}` can never fire: {}", s.name, impossible.join("; ")),
            )
            .help = Some(
                "raise the objective, give the SLO an `alerting.policy` with lower page factors, or disable the page (`alerting.page.enabled: false`) and rely on the ticket"
                    .into(),
            );
        }
    }
}

/// `group_by`: labels rely does not set, kept by every query of the SLO's indicator (inline or
/// its SLI document's).
fn groups(ctx: &mut Ctx<'_>, s: &crate::spec::Item<crate::spec::SloSpec>) {
    let group_by = &s.spec.group_by;
    let reserved =
        |g: &str| matches!(g, "team" | "severity" | "service" | "le" | "alertname") || g.starts_with("rely_") || g.starts_with("sloth_");
    for (i, g) in group_by.iter().enumerate() {
        if reserved(g) {
            ctx.report(codes::SLO010, s.doc, &format!("/spec/group_by/{i}"), format!("`{g}` is a label rely sets or reads itself")).help =
                Some("group by a label of the SLI's own series, such as `route` or `tenant`".into());
        } else if s.spec.labels.contains_key(g)
            || ctx.settings.extra_labels.contains_key(g)
            || s.spec.alerting.as_ref().is_some_and(|a| {
                a.labels.contains_key(g) || [&a.page, &a.ticket].iter().any(|t| t.as_ref().is_some_and(|t| t.labels.contains_key(g)))
            })
        {
            ctx.report(
                codes::SLO010,
                s.doc,
                &format!("/spec/group_by/{i}"),
                format!("`{g}` is also a label rely sets on the SLO's rules or alerts, whose one value would replace every group's"),
            )
            .help = Some(format!(
                "remove `{g}` from the SLO's `labels`, `alerting.labels`, `alerting.page/ticket.labels` or the Project's `prometheus.labels`"
            ));
        }
    }
    if group_by.is_empty() {
        return;
    }
    let (doc, base, indicator) = match (&s.spec.indicator, s.spec.sli.as_deref().and_then(|n| ctx.repo.sli(n))) {
        (Some(i), _) => (s.doc, "/spec/indicator", i),
        (None, Some(sli)) => (sli.doc, "/spec/indicator", &sli.spec.indicator),
        (None, None) => return,
    };
    let mut queries = vec![];
    if let Some(r) = &indicator.ratio {
        queries.extend(r.errors.iter().map(|q| ("ratio/errors", q)));
        queries.extend(r.good.iter().map(|q| ("ratio/good", q)));
        queries.push(("ratio/total", &r.total));
    }
    if let Some(r) = &indicator.raw {
        queries.push(("raw/error_ratio", &r.error_ratio));
    }
    if let Some(g) = indicator.gauge.as_ref().filter(|g| g.op.is_some()) {
        queries.push(("gauge/metric", &g.metric));
    }
    for (field, q) in queries {
        let Some(kept) = promql::facts(&promql::with_window(q.trim(), "5m")).kept.clone() else { continue };
        let lost: Vec<&str> = group_by.iter().map(String::as_str).filter(|g| !reserved(g) && !kept.has(g)).collect();
        if lost.is_empty() {
            continue;
        }
        let f = ctx.report(
            codes::SLO010,
            doc,
            &format!("{base}/{field}"),
            format!(
                "SLO `{}` groups by {}, but this query's result does not keep {}",
                s.name,
                list(&lost),
                if lost.len() == 1 { "it" } else { "them" }
            ),
        );
        f.help = Some(format!("aggregate by the group labels, e.g. `sum by ({}) (rate(...[{{{{window}}}}]))`", group_by.join(", ")));
    }
}

fn list(labels: &[&str]) -> String {
    labels.iter().map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
}

/// An alert policy's own rules: pairs with a short window under the long one and exactly one
/// of a positive `factor` or a `budget_percent` in (0, 100]; at least one pair.
fn alert_policy(ctx: &mut Ctx<'_>, doc: usize, base: &str, policy: &crate::spec::AlertPolicy) {
    if policy.windows.is_empty() {
        ctx.report(codes::SLO011, doc, &format!("{base}/windows"), "the alert policy has no windows: nothing would alert").help =
            Some("list window pairs, or turn the tiers off with `alerting.page.enabled: false` / `ticket.enabled: false`".into());
    }
    for (i, w) in policy.windows.iter().enumerate() {
        let at = format!("{base}/windows/{i}");
        if let (Some(s), Some(l)) = (duration::parse(&w.short), duration::parse(&w.long))
            && (s == 0 || s >= l)
        {
            ctx.report(
                codes::SLO011,
                doc,
                &format!("{at}/short"),
                format!("short window {} is not shorter than long window {}", w.short, w.long),
            )
            .help = Some("the short window (e.g. 5m) confirms the long one (e.g. 1h) is still burning; it must be shorter".into());
        }
        match (w.factor, w.budget_percent) {
            (Some(f), None) if !(f > 0.0 && f.is_finite()) => {
                ctx.report(codes::SLO011, doc, &format!("{at}/factor"), format!("factor {f} is not a positive burn rate")).help =
                    Some("a burn rate of 1 spends the budget exactly over the period; pages are usually 6 to 14.4".into());
            }
            (None, Some(b)) if !(b > 0.0 && b <= 100.0) => {
                ctx.report(codes::SLO011, doc, &format!("{at}/budget_percent"), format!("budget_percent {b} is not in (0, 100]")).help =
                    Some("the share of the period's budget spent within the long window, e.g. 2 (percent) for a 1h page".into());
            }
            (Some(_), None) | (None, Some(_)) => {}
            _ => {
                ctx.report(codes::SLO011, doc, &at, "a window pair gives exactly one of `factor` or `budget_percent`").help =
                    Some("e.g. `factor: 14.4`, or `budget_percent: 2` (2% of a 30-day budget in 1h is 14.4)".into());
            }
        }
    }
}

/// Checks a window and returns it in seconds when valid.
fn window(ctx: &mut Ctx<'_>, doc: usize, pointer: &str, w: &str) -> Option<u64> {
    match duration::parse(w) {
        None => {
            ctx.report(codes::SLO002, doc, pointer, format!("`{w}` is not a Prometheus duration")).help =
                Some("write the period as a duration such as 30d, 28d or 4w".into());
            None
        }
        Some(d) if d < DAY => {
            ctx.report(codes::SLO002, doc, pointer, format!("window `{w}` is shorter than one day")).help =
                Some("the SLO period is the time the error budget covers: use at least 1d (30d and 28d are usual)".into());
            None
        }
        Some(d) => Some(d),
    }
}

fn query(ctx: &mut Ctx<'_>, doc: usize, pointer: &str, q: &str) {
    if !promql::has_window(q) {
        ctx.report(codes::SLO003, doc, pointer, "query has no `{{window}}` placeholder").help =
            Some("write the range as `[{{window}}]`; rely evaluates the query over every alert window".into());
        return;
    }
    // Trimmed as the model trims it, so that the build finds the same query remembered.
    if let Err(e) = promql::vector_of(&promql::with_window(q.trim(), "5m")) {
        ctx.report(codes::SLO004, doc, pointer, format!("invalid PromQL: {e}")).help =
            Some("the query must parse as PromQL once `{{window}}` is replaced by a duration such as 5m".into());
    }
}

fn indicator(ctx: &mut Ctx<'_>, doc: usize, base: &str, i: &Indicator) {
    let n =
        usize::from(i.ratio.is_some()) + usize::from(i.latency.is_some()) + usize::from(i.raw.is_some()) + usize::from(i.gauge.is_some());
    if n != 1 {
        ctx.report(codes::SLO007, doc, base, format!("an indicator has exactly one of ratio, latency, gauge or raw; this one has {n}"));
        return;
    }
    if let Some(r) = &i.ratio {
        let p = format!("{base}/ratio");
        let bad = match (&r.errors, &r.good) {
            (Some(e), None) => Some(("errors", e)),
            (None, Some(g)) => Some(("good", g)),
            _ => {
                ctx.report(codes::SLO007, doc, &p, "a ratio has exactly one of `errors` or `good`").help =
                    Some("`errors` counts bad events; `good` counts good ones; rely derives the other".into());
                None
            }
        };
        if let Some((field, q)) = bad {
            query(ctx, doc, &format!("{p}/{field}"), q);
            if promql::normalise(q) == promql::normalise(&r.total) {
                ctx.report(codes::SLO005, doc, &format!("{p}/{field}"), format!("`{field}` is the same query as `total`")).help =
                    Some(format!(
                        "`{field}` must select only the {} events, e.g. with a `code=~\"5..\"` matcher",
                        if field == "errors" { "failed" } else { "successful" }
                    ));
            }
        }
        query(ctx, doc, &format!("{p}/total"), &r.total);
    }
    if let Some(l) = &i.latency {
        let p = format!("{base}/latency");
        if !(l.threshold > 0.0 && l.threshold.is_finite()) {
            ctx.report(
                codes::SLO006,
                doc,
                &format!("{p}/threshold"),
                format!("latency threshold {} is not a positive number of seconds", l.threshold),
            )
            .help = Some("give the threshold in seconds, matching a histogram bucket bound (`le`), e.g. 0.3".into());
        } else if l.threshold > 60.0 {
            ctx.report(
                codes::SLO009,
                doc,
                &format!("{p}/threshold"),
                format!("latency threshold {} (seconds) is {}", burn::num(l.threshold), duration::human(l.threshold)),
            )
            .help = Some(format!(
                "thresholds are in seconds, like the histogram's `le` bounds: did you mean {}?",
                burn::num(l.threshold / 1000.0)
            ));
        }
        let sel = l.selector.as_deref().unwrap_or("");
        let probe = latency_probe(l);
        if !promql::is_metric_name(&l.histogram) || l.histogram.ends_with("_bucket") {
            ctx.report(codes::SLO004, doc, &format!("{p}/histogram"), format!("`{}` is not a histogram base name", l.histogram)).help =
                Some("give the metric name without `_bucket`, e.g. http_request_duration_seconds".into());
        } else if promql::facts(&probe).selector.is_none() {
            ctx.report(codes::SLO004, doc, &format!("{p}/selector"), format!("`{sel}` is not a label selector")).help =
                Some("write label matchers in braces, e.g. '{job=\"api\"}'".into());
        }
    }
    if let Some(r) = &i.raw {
        query(ctx, doc, &format!("{base}/raw/error_ratio"), &r.error_ratio);
    }
    if let Some(g) = &i.gauge {
        let p = format!("{base}/gauge");
        let facts = promql::facts(g.metric.trim());
        match (g.op, g.threshold) {
            (Some(_), None) | (None, Some(_)) => {
                ctx.report(codes::SLO007, doc, &p, "a gauge gives both `op` and `threshold`, or neither (a boolean gauge)").help =
                    Some("e.g. `op: \"<\"` and `threshold: 0.5` for samples below 0.5 being good".into());
            }
            (Some(_), Some(t)) if !t.is_finite() => {
                ctx.report(codes::SLO007, doc, &format!("{p}/threshold"), "the threshold is not a finite number").help =
                    Some("give the value good samples are compared with, e.g. 0.5".into());
            }
            (Some(_), Some(_)) => {
                if let Err(e) = facts.vector.clone() {
                    ctx.report(codes::SLO004, doc, &format!("{p}/metric"), format!("invalid PromQL: {e}")).help =
                        Some("the metric is a query returning an instant vector, e.g. `queue_depth{job=\"etl\"}`".into());
                }
            }
            (None, None) => {
                let plain = matches!(promql::parse(g.metric.trim()), Ok(promql_parser::parser::Expr::VectorSelector(vs)) if vs.offset.is_none() && vs.at.is_none());
                if facts.selector.is_none() || !plain {
                    ctx.report(codes::SLO004, doc, &format!("{p}/metric"), format!("`{}` is not a selector (without `offset` or `@`)", g.metric.trim())).help =
                        Some("a boolean gauge is a metric with matchers, e.g. `probe_success{job=\"api\"}`; give `op` and `threshold` to compare a query's values".into());
                }
            }
        }
    }
}
