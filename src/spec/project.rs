use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Defaults for the whole repository (at most one Project).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectSpec {
    /// Default SLO period, a Prometheus duration (default `30d`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// Environments that get an Alertmanager configuration (default `[production, staging]`);
    /// each a lowercase DNS label (it names an output directory).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(pattern = super::NAME_PATTERN)))]
    pub environments: Option<Vec<String>>,
    /// The Team that runs the reliability council (reviews concerns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub council: Option<String>,
    /// Which back ends `rely build` writes (all on by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Outputs>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<PrometheusOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana: Option<GrafanaOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<AlertmanagerOptions>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagerduty: Option<PagerdutyOptions>,
    /// The `severity` label value each alert tier carries, e.g. `{page: critical, ticket: warning}`
    /// (default: the tier's own name). Rules, Alertmanager routes and inhibitions, dashboards and
    /// the generated tests all use these values; they must differ from one another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severities: Option<Severities>,
    /// The burn-rate windows of every SLO that sets no `alerting.policy` (default: the Google
    /// SRE Workbook's four pairs, 14.4x/6x pages and 3x/1x tickets over 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_policy: Option<super::AlertPolicy>,
    /// Per-code severity overrides, e.g. `{CON004: allow, REF004: error}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lint: BTreeMap<String, LintLevel>,
}

/// `severity` label values per alert tier.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Severities {
    /// Default `page`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"))]
    pub page: Option<String>,
    /// Default `ticket`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"))]
    pub ticket: Option<String>,
    /// Default `info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"))]
    pub info: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LintLevel {
    Error,
    Warning,
    Allow,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outputs {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub council: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oncall: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertmanagerOptions {
    /// The Team whose ticket receivers get alerts no team owns (default: a receiver that drops them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_receiver: Option<String>,
    /// Environments where pages reach pagers (default `[production]`); everywhere else pages go
    /// to the owning team's email receivers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(inner(regex(pattern = super::NAME_PATTERN)))]
    pub paging_environments: Option<Vec<String>>,
    /// SMTP settings for email receivers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<Smtp>,
    /// `config` (default): a whole `alertmanager.yml` per environment; `fragment`: routes,
    /// receivers and inhibitions to merge into an existing configuration (with a merged example);
    /// `prometheus-operator`: an `AlertmanagerConfig` object per team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<AlertmanagerFormat>,
    /// Namespace and labels of the `AlertmanagerConfig` objects (`format: prometheus-operator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorOptions>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlertmanagerFormat {
    #[default]
    Config,
    Fragment,
    PrometheusOperator,
}

/// Where prometheus-operator objects go and the labels its selectors look for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorOptions {
    /// `metadata.namespace` of the objects (default: none, so `kubectl apply -n` decides).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))]
    pub namespace: Option<String>,
    /// Extra `metadata.labels`, e.g. `{prometheus: k8s, role: alert-rules}` for the operator's
    /// rule or config selector: Kubernetes label keys (an optional DNS prefix and `/`, then up to
    /// 63 letters, digits, `-`, `_`, `.`) and values (up to 63 of those, or empty).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend(
        "propertyNames" = { "maxLength": 317, "pattern": "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$" },
        "additionalProperties" = { "type": "string", "maxLength": 63, "pattern": "^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$" }
    ))]
    pub labels: BTreeMap<String, String>,
}

/// How `oncall/pagerduty.tf` treats people.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PagerdutyOptions {
    /// `lookup` (default): members are existing PagerDuty users, found by email with the
    /// `pagerduty_user` data source; `create`: Terraform creates a user per member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<PagerdutyUsers>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PagerdutyUsers {
    #[default]
    Lookup,
    Create,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Smtp {
    /// host:port of the mail relay.
    pub smarthost: String,
    /// Sender address.
    pub from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_tls: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrometheusOptions {
    /// `rules` (plain rule files), `prometheus-operator` (PrometheusRule objects) or `mimir`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<RuleFormat>,
    /// Extra labels added to every generated rule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `sloth`: name the identifying labels `sloth_id`, `sloth_service`, ... for Sloth's dashboards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compat: Option<Compat>,
    /// Base URL that repository-relative runbook paths are resolved against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_base_url: Option<String>,
    /// Namespace and labels of the `PrometheusRule` objects (`format: prometheus-operator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<OperatorOptions>,
    /// `derived` (default): SLI windows above 30m are computed from recorded 5m and 30m event
    /// rates, so raw series are read over 35 minutes per evaluation instead of 3 days; `exact`:
    /// every window reads the raw series (`compat: sloth` is always exact).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub windows: Option<WindowMode>,
    /// How often the SLI rule groups are evaluated (default `1m`): with derived windows it is
    /// each group's `interval:`, since a recorded sample then stands for that much time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = super::DURATION_PATTERN))]
    pub evaluation_interval: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum WindowMode {
    #[default]
    Derived,
    Exact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RuleFormat {
    #[default]
    Rules,
    PrometheusOperator,
    Mimir,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Compat {
    Sloth,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrafanaOptions {
    /// uid of the Prometheus datasource dashboards query (default `prometheus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datasource_uid: Option<String>,
    /// Grafana folder for the provisioned dashboards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder: Option<String>,
    /// Grafana's external URL, used for `dashboard_url` annotations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}
