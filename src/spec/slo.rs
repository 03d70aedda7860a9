use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Category;

/// An indicator: what users experience, measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SliSpec {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Measured from outside, as a user would see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blackbox: Option<bool>,
    pub indicator: Indicator,
}

/// Exactly one of `ratio`, `latency`, `gauge` or `raw`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratio: Option<Ratio>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency: Option<Latency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw: Option<Raw>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gauge: Option<Gauge>,
}

/// A gauge sampled over time: the share of its samples that are good. Without `op`, a boolean
/// gauge (1 good, 0 bad, such as `probe_success` or Pyrra's `bool_gauge`); with `op` and
/// `threshold`, a sample is good when `metric op threshold` holds (OpenSLO's threshold metrics).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gauge {
    /// The gauge: a selector such as `probe_success{job="api"}` (or, with `op`, any query
    /// returning an instant vector).
    pub metric: String,
    /// `<`, `<=`, `>`, `>=`, `==` or `!=`: how a good sample compares to `threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub op: Option<GaugeOp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum GaugeOp {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl GaugeOp {
    pub fn as_str(self) -> &'static str {
        match self {
            GaugeOp::Lt => "<",
            GaugeOp::Le => "<=",
            GaugeOp::Gt => ">",
            GaugeOp::Ge => ">=",
            GaugeOp::Eq => "==",
            GaugeOp::Ne => "!=",
        }
    }
}

/// Bad (or good) events over all events; queries contain `{{window}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ratio {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub good: Option<String>,
    pub total: String,
}

/// Requests slower than `threshold` seconds, from a Prometheus histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// The histogram's base name (without `_bucket`).
    pub histogram: String,
    /// Label matchers, e.g. `{job="api"}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// Seconds; must be one of the histogram's bucket bounds (`le`).
    pub threshold: f64,
}

/// A query that already returns an error ratio, with `{{window}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Raw {
    pub error_ratio: String,
}

/// A service level objective.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SloSpec {
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blackbox: Option<bool>,
    /// Percent, strictly between 0 and 100.
    pub objective: f64,
    /// SLO period; the Project's default (30d) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// An SLI document to target, instead of an inline indicator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sli: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<Indicator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerting: Option<Alerting>,
    /// Concerns this SLO observes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concerns: Vec<String>,
    /// Labels added to the SLO's recording rules and alerts (e.g. `tier: "1"`, `tenant: acme`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Labels the SLI is measured and alerted per value of (e.g. `[route]`): its queries must
    /// keep them (`sum by (route) (...)`); each group has its own ratios and alerts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(inner(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$")), extend("uniqueItems" = true))]
    pub group_by: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerting {
    /// The team paged (default: the service's owner).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Default: the service's runbook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook: Option<String>,
    /// The name of the SLO's burn-rate alerts (page and ticket share it); default
    /// `<SloName>BudgetBurn`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z_][A-Za-z0-9_]*$"))]
    pub name: Option<String>,
    /// Labels added to the SLO's alerts (burn and no-data), not to its recording rules.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations added to the burn-rate alerts; `summary` and `description` replace rely's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<AlertToggle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<AlertToggle>,
    /// The alert that fires when the SLI has no data (its total events, or its ratio, are absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_data: Option<NoDataToggle>,
    /// This SLO's burn-rate windows, over the Project's `alert_policy` (default: the Workbook's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<AlertPolicy>,
}

/// A multi-window, multi-burn-rate alert policy: each pair fires its tier when the error ratio
/// over both its short and long window is above `factor` × the error budget.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertPolicy {
    /// The window pairs; a tier without pairs never alerts.
    pub windows: Vec<PolicyWindow>,
}

/// One window pair of an alert policy: exactly one of `factor` or `budget_percent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyWindow {
    /// `page` or `ticket`.
    pub severity: BurnTier,
    /// The short window, e.g. `5m` (it resets the alert quickly once the burn stops).
    #[schemars(regex(pattern = super::DURATION_PATTERN))]
    pub short: String,
    /// The long window, e.g. `1h`; at most the SLO period.
    #[schemars(regex(pattern = super::DURATION_PATTERN))]
    pub long: String,
    /// The burn rate that fires, e.g. 14.4 (the budget would be gone in period / 14.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor: Option<f64>,
    /// Or: the share of the period's budget spent within `long` that fires, in percent (2 over
    /// 1h in 30 days is 14.4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_percent: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum BurnTier {
    Page,
    Ticket,
}

/// The no-data alert of an SLO: without it, an SLI whose series disappear (a renamed label, a
/// dead exporter) is NaN, nothing fires, and the SLO looks healthy forever.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoDataToggle {
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// How long the SLI must be absent before the alert fires (default `10m`).
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::DURATION_PATTERN))]
    pub for_: Option<String>,
    /// `ticket` (default), `page` or `info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<super::AlertSeverity>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertToggle {
    /// Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Optional `for:` on the generated alert.
    #[serde(default, rename = "for", skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::DURATION_PATTERN))]
    pub for_: Option<String>,
    /// Labels of this tier's alert only (e.g. a routing label for pages).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations of this tier's alert only; over `alerting.annotations`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Alerting {
    pub fn page_enabled(&self) -> bool {
        self.page.as_ref().and_then(|t| t.enabled).unwrap_or(true)
    }
    pub fn ticket_enabled(&self) -> bool {
        self.ticket.as_ref().and_then(|t| t.enabled).unwrap_or(true)
    }
}
