//! The Project's settings with every default resolved, in the one place defaults live. Check,
//! lowering, the back ends and `rely diff` all read these instead of the raw `ProjectSpec`, so
//! "production" means the same thing everywhere: an environment listed in
//! `alertmanager.paging_environments`.

use std::collections::BTreeMap;

use super::names::{self, Labels};
use crate::spec::{AlertmanagerFormat, Compat, OperatorOptions, PagerdutyUsers, ProjectSpec, RuleFormat, WindowMode};

/// The SLO period when neither the SLO nor the Project sets one.
pub const DEFAULT_WINDOW: &str = "30d";
/// Environments when the Project lists none.
pub const DEFAULT_ENVIRONMENTS: [&str; 2] = ["production", "staging"];
/// Environments whose pages reach pagers when the Project lists none.
pub const DEFAULT_PAGING_ENVIRONMENTS: [&str; 1] = ["production"];

/// Which back ends a build runs (`spec.outputs`; every one is on unless turned off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outputs {
    pub prometheus: bool,
    pub grafana: bool,
    pub alertmanager: bool,
    pub chaos: bool,
    pub council: bool,
    pub oncall: bool,
}

/// Where Alertmanager sends mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Smtp {
    pub smarthost: String,
    pub from: String,
    pub require_tls: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The default SLO period, as written (`30d`).
    pub window: String,
    /// Every environment, in the Project's order.
    pub environments: Vec<String>,
    /// The environments whose pages reach pagers; elsewhere pages go to email only.
    pub paging_environments: Vec<String>,
    /// The team that reviews concerns and chaos plans.
    pub council: Option<String>,
    pub outputs: Outputs,
    pub labels: Labels,
    pub extra_labels: BTreeMap<String, String>,
    pub format: RuleFormat,
    pub runbook_base_url: Option<String>,
    pub grafana_url: Option<String>,
    pub datasource_uid: String,
    pub dashboard_folder: String,
    /// The team that gets alerts no team claims.
    pub default_receiver: Option<String>,
    pub smtp: Smtp,
    /// Whether `oncall/pagerduty.tf` creates users (or looks existing ones up by email).
    pub pagerduty_users: PagerdutyUsers,
    pub alertmanager_format: AlertmanagerFormat,
    /// prometheus-operator objects: `PrometheusRule` and `AlertmanagerConfig`.
    pub rules_operator: OperatorOptions,
    pub alertmanager_operator: OperatorOptions,
    /// Whether SLI windows above 30m are derived from recorded event rates (else read raw).
    pub derived_windows: bool,
    /// The SLI groups' evaluation interval, in seconds and as written.
    pub evaluation_interval: (u64, String),
    /// The `severity` label values of the page, ticket and info tiers (`spec.severities`).
    pub severities: [String; 3],
    /// The Project's `alert_policy` (SLOs without their own use it; none: the Workbook's).
    pub alert_policy: Option<crate::spec::AlertPolicy>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::of(None)
    }
}

impl Settings {
    /// The `namespace` label every rely alert carries when Alertmanager is configured through
    /// prometheus-operator objects: the operator matches an AlertmanagerConfig's routes only on
    /// alerts labelled with the config's own namespace (its default matcher strategy), and
    /// rely's alerts are aggregates that carry no namespace of their own.
    pub fn alert_namespace(&self) -> Option<&str> {
        (self.alertmanager_format == AlertmanagerFormat::PrometheusOperator).then_some(self.alertmanager_operator.namespace.as_deref())?
    }

    /// The interval of the metadata groups when windows are derived: every 2 minutes, or the
    /// evaluation interval if that is longer. Their series (objective, budget, period ratio and
    /// burn, remaining budget) move slowly and no alert reads them; 2m stays well inside
    /// Prometheus's 5m lookback, so queries never find them stale.
    pub fn slow_interval(&self) -> String {
        if self.evaluation_interval.0 >= 120 { self.evaluation_interval.1.clone() } else { "2m".into() }
    }

    /// The `severity` label value alerts of a tier (`page`, `ticket` or `info`) carry: the
    /// Project's `severities`, or the tier's own name.
    pub fn severity_value<'a>(&'a self, tier: &'a str) -> &'a str {
        match tier {
            "page" => &self.severities[0],
            "ticket" => &self.severities[1],
            "info" => &self.severities[2],
            other => other,
        }
    }

    /// Resolves the defaults of a Project (or of none).
    pub fn of(project: Option<&ProjectSpec>) -> Settings {
        let p = project.cloned().unwrap_or_default();
        let prom = p.prometheus.unwrap_or_default();
        let grafana = p.grafana.unwrap_or_default();
        let am = p.alertmanager.unwrap_or_default();
        let out = p.outputs.unwrap_or_default();
        let on = |v: Option<bool>| v.unwrap_or(true);
        let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Settings {
            window: p.window.unwrap_or_else(|| DEFAULT_WINDOW.into()),
            environments: p.environments.unwrap_or_else(|| owned(&DEFAULT_ENVIRONMENTS)),
            paging_environments: am.paging_environments.unwrap_or_else(|| owned(&DEFAULT_PAGING_ENVIRONMENTS)),
            council: p.council,
            outputs: Outputs {
                prometheus: on(out.prometheus),
                grafana: on(out.grafana),
                alertmanager: on(out.alertmanager),
                chaos: on(out.chaos),
                council: on(out.council),
                oncall: on(out.oncall),
            },
            labels: if prom.compat == Some(Compat::Sloth) { names::SLOTH } else { names::RELY },
            evaluation_interval: prom
                .evaluation_interval
                .as_deref()
                .and_then(|i| crate::duration::parse(i).filter(|s| *s > 0).map(|s| (s, i.to_string())))
                .unwrap_or((60, "1m".into())),
            derived_windows: prom.compat != Some(Compat::Sloth) && prom.windows.unwrap_or_default() == WindowMode::Derived,
            extra_labels: prom.labels,
            format: prom.format.unwrap_or_default(),
            runbook_base_url: prom.runbook_base_url,
            grafana_url: grafana.url,
            datasource_uid: grafana.datasource_uid.unwrap_or_else(|| "prometheus".into()),
            dashboard_folder: grafana.folder.unwrap_or_else(|| "SLOs".into()),
            default_receiver: am.default_receiver,
            // Without `alertmanager.smtp`, mail goes through a relay on the host itself.
            smtp: match am.smtp {
                Some(s) => Smtp { smarthost: s.smarthost, from: s.from, require_tls: s.require_tls },
                None => Smtp { smarthost: "localhost:25".into(), from: "alertmanager@localhost".into(), require_tls: None },
            },
            pagerduty_users: p.pagerduty.and_then(|pd| pd.users).unwrap_or_default(),
            alertmanager_format: am.format.unwrap_or_default(),
            rules_operator: prom.operator.unwrap_or_default(),
            alertmanager_operator: am.operator.unwrap_or_default(),
            alert_policy: p.alert_policy.clone(),
            severities: {
                let sv = p.severities.unwrap_or_default();
                [
                    sv.page.unwrap_or_else(|| "page".into()),
                    sv.ticket.unwrap_or_else(|| "ticket".into()),
                    sv.info.unwrap_or_else(|| "info".into()),
                ]
            },
        }
    }

    /// Whether pages reach pagers in `env` (elsewhere they go to email only).
    pub fn pages_in(&self, env: &str) -> bool {
        self.paging_environments.iter().any(|e| e == env)
    }

    /// The environments where pages go to email only, in the Project's order.
    pub fn email_only_environments(&self) -> impl Iterator<Item = &str> {
        self.environments.iter().map(String::as_str).filter(|e| !self.pages_in(e))
    }

    /// The SLO period in effect for an SLO that sets `own` (or none), as written.
    pub fn window_of<'a>(&'a self, own: Option<&'a str>) -> &'a str {
        own.unwrap_or(&self.window)
    }

    /// A runbook as a link: paths are joined to `runbook_base_url`, URLs kept as they are.
    pub fn runbook_url(&self, runbook: Option<&str>) -> Option<String> {
        runbook.map(|r| match (&self.runbook_base_url, r.starts_with("https://")) {
            (Some(b), false) => format!("{}/{}", b.trim_end_matches('/'), r.trim_start_matches("./")),
            _ => r.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_project_production_pages_and_staging_mails() {
        let s = Settings::of(None);
        assert_eq!(s.environments, ["production", "staging"]);
        assert!(s.pages_in("production"));
        assert!(!s.pages_in("staging"));
        assert_eq!(s.email_only_environments().collect::<Vec<_>>(), ["staging"]);
        assert_eq!(s.window, "30d");
        assert!(s.outputs.prometheus && s.outputs.oncall);
    }

    #[test]
    fn paging_is_what_the_project_says_not_a_name() {
        let mut p = ProjectSpec { environments: Some(vec!["prod".into(), "staging".into()]), ..Default::default() };
        p.alertmanager = Some(crate::spec::AlertmanagerOptions { paging_environments: Some(vec!["prod".into()]), ..Default::default() });
        let s = Settings::of(Some(&p));
        assert!(s.pages_in("prod"));
        assert!(!s.pages_in("production"));
        assert_eq!(s.email_only_environments().collect::<Vec<_>>(), ["staging"]);
    }
}
