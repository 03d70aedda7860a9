//! Online lints (`rely check --prometheus URL`): what only the metrics can tell, each at the
//! query's line. A selector that matches no series (LIV001), a latency threshold that is not one
//! of the histogram's `le` bounds (LIV002), errors above total (LIV003), a label the metric does
//! not have (LIV004). Queries look back `LOOKBACK` from the time of the check.

use anyhow::Result;

use super::prom::Prometheus;
use crate::diag::{Finding, Rule, codes};
use crate::promql::{Selector, facts, with_window};
use crate::spec::{Indicator, Repo};
use crate::syntax::Loaded;

/// How far back the online lints look for series.
pub const LOOKBACK: &str = "1d";

fn selector_text(s: &Selector) -> String {
    let ms: Vec<String> = s.matchers.iter().map(|m| m.to_string()).collect();
    format!("{}{{{}}}", s.name.clone().unwrap_or_default(), ms.join(","))
}

fn metric_of(s: &Selector) -> Option<String> {
    s.name.clone().or_else(|| s.matchers.iter().find(|m| m.name == "__name__").map(|m| m.value.clone()))
}

struct Lint<'a> {
    prom: &'a Prometheus,
    loaded: &'a Loaded,
    at: f64,
    findings: Vec<Finding>,
}

impl Lint<'_> {
    fn report(&mut self, rule: &'static Rule, doc: usize, ptr: &str, msg: String, help: String) {
        let d = &self.loaded.docs[doc];
        self.findings.push(Finding::new(rule, d.file, d.locate(ptr), msg).help(help));
    }

    fn count(&self, expr: &str) -> Result<f64> {
        let s = self.prom.instant(&format!("count(last_over_time({expr}[{LOOKBACK}]))"), self.at)?;
        Ok(s.first().and_then(|s| s.values.first()).map(|v| v.1).unwrap_or(0.0))
    }

    fn scalar(&self, expr: &str) -> Result<Option<f64>> {
        let s = self.prom.instant(expr, self.at)?;
        Ok(s.first().and_then(|s| s.values.first()).map(|v| v.1).filter(|v| v.is_finite()))
    }

    /// LIV004 for a label the metric never has, else LIV001 when the selector matches nothing.
    /// Returns whether the selector matches series.
    fn selects(&mut self, doc: usize, ptr: &str, query: &str) -> Result<bool> {
        let Ok(sel) = facts(&with_window(query, "5m")).sum_rate.clone() else { return Ok(true) };
        let text = selector_text(&sel);
        if self.count(&text)? > 0.0 {
            return Ok(true);
        }
        let Some(metric) = metric_of(&sel) else { return Ok(true) };
        if self.count(&metric)? == 0.0 {
            self.report(
                codes::LIV001,
                doc,
                ptr,
                format!("`{metric}` has no series in Prometheus (looked back {LOOKBACK})"),
                "check the metric name (a renamed metric or a dead exporter leaves the SLI without data, and it never alerts)".into(),
            );
            return Ok(false);
        }
        let have = self.prom.label_names(&metric, self.at)?;
        for m in sel.matchers.iter().filter(|m| m.name != "__name__") {
            if !have.contains(&m.name) {
                self.report(
                    codes::LIV004,
                    doc,
                    ptr,
                    format!("`{metric}` has no label `{}`", m.name),
                    format!(
                        "its labels are {}",
                        have.iter().filter(|l| *l != "__name__").map(|l| format!("`{l}`")).collect::<Vec<_>>().join(", ")
                    ),
                );
                return Ok(false);
            }
        }
        self.report(
            codes::LIV001,
            doc,
            ptr,
            format!("`{text}` selects no series (looked back {LOOKBACK})"),
            format!("`{metric}` exists, but no series has these label values; check them against what it exports"),
        );
        Ok(false)
    }

    fn indicator(&mut self, doc: usize, ind: &Indicator) -> Result<()> {
        if let Some(r) = &ind.ratio {
            let total_ok = self.selects(doc, "/spec/indicator/ratio/total", &r.total)?;
            // When `total` selects nothing, that is the finding; `errors` usually shares its cause.
            if let Some(e) = r.errors.as_ref().filter(|_| total_ok) {
                // No errors at all is fine: only a selector that can never match is reported.
                if let Ok(sel) = facts(&with_window(e, "5m")).sum_rate.clone()
                    && let Some(metric) = metric_of(&sel)
                    && self.count(&metric)? == 0.0
                {
                    self.selects(doc, "/spec/indicator/ratio/errors", e)?;
                } else {
                    let w = "1h";
                    let (e, t) =
                        (self.scalar(&format!("sum({})", with_window(e, w)))?, self.scalar(&format!("sum({})", with_window(&r.total, w)))?);
                    if let (Some(e), Some(t)) = (e, t)
                        && e > t * 1.0001
                        && e > 0.0
                    {
                        self.report(
                            codes::LIV003,
                            doc,
                            "/spec/indicator/ratio/errors",
                            format!("errors ({e:.3}/s) exceed total ({t:.3}/s) over the last hour"),
                            "errors must count a subset of the events `total` counts: check the selectors and the metric (a `_count` against a `_total`?)".into(),
                        );
                    }
                }
            }
            if let Some(g) = &r.good {
                self.selects(doc, "/spec/indicator/ratio/good", g)?;
            }
        }
        if let Some(l) = &ind.latency {
            let sel = l.selector.clone().unwrap_or_default();
            let bucket = format!("{}_bucket{}", l.histogram, sel.trim());
            let probe = format!("sum(rate({bucket}[5m]))");
            if self.selects(doc, "/spec/indicator/latency", &probe)? {
                let mut les = self.prom.label_values("le", &bucket, self.at - 86400.0, self.at)?;
                les.sort_by(|a, b| a.parse::<f64>().unwrap_or(f64::INFINITY).total_cmp(&b.parse::<f64>().unwrap_or(f64::INFINITY)));
                if !les.iter().any(|le| le.parse::<f64>().is_ok_and(|v| v == l.threshold)) {
                    self.report(
                        codes::LIV002,
                        doc,
                        "/spec/indicator/latency/threshold",
                        format!("`{}` has no bucket with `le` {}", l.histogram, crate::model::burn::num(l.threshold)),
                        format!("the threshold must be one of its bounds (seconds): {}", les.join(", ")),
                    );
                }
            }
        }
        Ok(())
    }
}

/// The online findings for every SLI and inline indicator of `repo`, against `prom` at `at`.
pub fn online(loaded: &Loaded, repo: &Repo, prom: &Prometheus, at: f64) -> Result<Vec<Finding>> {
    let mut lint = Lint { prom, loaded, at, findings: vec![] };
    for s in &repo.slis {
        lint.indicator(s.doc, &s.spec.indicator)?;
    }
    for s in &repo.slos {
        if let Some(i) = &s.spec.indicator {
            lint.indicator(s.doc, i)?;
        }
    }
    Ok(lint.findings)
}
