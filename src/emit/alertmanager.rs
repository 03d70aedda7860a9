//! Alertmanager back end: per environment, a routing tree with one child per team (matching
//! `team`), under it one route per severity to the team's receivers; a default receiver for
//! alerts no team owns; an inhibition so a firing page silences the ticket of the same SLO.
//! Outside the paging environments (production by default) every page receiver is replaced by
//! the team's email receivers, so a chaos day in staging wakes nobody. Alongside each config,
//! `routes.tsv` lists every alert rely generated and the receiver it must reach; the tests feed
//! it to `amtool config routes test --verify.receivers`.

use std::collections::BTreeMap;

use serde::Serialize;

use super::OutputFile;
use crate::model::burn::Tier;
use crate::model::{Model, Team, names};
use crate::spec::{AlertSeverity, Receiver};

#[derive(Debug, Serialize)]
pub struct Config {
    pub global: Global,
    pub route: Route,
    pub receivers: Vec<ReceiverConfig>,
    pub inhibit_rules: Vec<Inhibit>,
}

#[derive(Debug, Default, Serialize)]
pub struct Global {
    pub resolve_timeout: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_smarthost: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub smtp_require_tls: Option<bool>,
}

#[derive(Debug, Default, Serialize)]
pub struct Route {
    pub receiver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_by: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_wait: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_interval: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_interval: Option<String>,
    #[serde(rename = "continue", skip_serializing_if = "std::ops::Not::not")]
    pub continue_: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
}

#[derive(Debug, Default, Serialize)]
pub struct ReceiverConfig {
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email_configs: Vec<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slack_configs: Vec<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pagerduty_configs: Vec<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub victorops_configs: Vec<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opsgenie_configs: Vec<BTreeMap<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub webhook_configs: Vec<BTreeMap<String, serde_json::Value>>,
}

#[derive(Debug, Serialize)]
pub struct Inhibit {
    pub source_matchers: Vec<String>,
    pub target_matchers: Vec<String>,
    pub equal: Vec<String>,
}

/// The receiver that gets alerts no team claims.
pub const UNROUTED: &str = "unrouted";

fn kv(pairs: &[(&str, serde_json::Value)]) -> BTreeMap<String, serde_json::Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

fn s(v: &str) -> serde_json::Value {
    serde_json::Value::String(v.to_string())
}

/// A user's value in an Alertmanager field that Alertmanager reads as a Go template (`to`,
/// `channel`, `routing_key`): rely's values are literal, so `{{` is escaped to print as it is.
fn t(v: &str) -> serde_json::Value {
    serde_json::Value::String(super::escape::go_template_literal(v))
}

fn add(rc: &mut ReceiverConfig, r: &Receiver) {
    let resolved = ("send_resolved", serde_json::Value::Bool(true));
    if let Some(e) = &r.email {
        let mut m = kv(&[("to", t(&e.to)), resolved.clone()]);
        if let Some(f) = &e.auth_password_file {
            m.insert("auth_password_file".into(), s(f));
        }
        rc.email_configs.push(m);
    }
    if let Some(x) = &r.slack {
        let mut m = kv(&[("channel", t(&x.channel)), resolved.clone()]);
        if let Some(f) = &x.api_url_file {
            m.insert("api_url_file".into(), s(f));
        }
        m.insert("title".into(), s("[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }})"));
        m.insert("text".into(), s("{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}"));
        rc.slack_configs.push(m);
    }
    if let Some(x) = &r.pagerduty {
        let mut m = kv(std::slice::from_ref(&resolved));
        if let Some(f) = &x.routing_key_file {
            m.insert("routing_key_file".into(), s(f));
        }
        if let Some(f) = &x.service_key_file {
            m.insert("service_key_file".into(), s(f));
        }
        rc.pagerduty_configs.push(m);
    }
    if let Some(x) = &r.victorops {
        let mut m = kv(&[("routing_key", t(&x.routing_key)), resolved.clone()]);
        if let Some(f) = &x.api_key_file {
            m.insert("api_key_file".into(), s(f));
        }
        rc.victorops_configs.push(m);
    }
    if let Some(x) = &r.opsgenie {
        let mut m = kv(std::slice::from_ref(&resolved));
        if let Some(f) = &x.api_key_file {
            m.insert("api_key_file".into(), s(f));
        }
        rc.opsgenie_configs.push(m);
    }
    if let Some(x) = &r.webhook {
        rc.webhook_configs.push(kv(&[("url", s(&x.url)), resolved]));
    }
}

/// Receiver name of a team's severity.
pub fn receiver_name(team: &str, severity: &str) -> String {
    format!("{team}-{severity}")
}

/// The receivers a team has in `env`, by severity (only severities with somewhere to go).
pub fn team_receivers(model: &Model, team: &Team, env: &str) -> Vec<(&'static str, Vec<Receiver>)> {
    team.receivers(model.settings.pages_in(env))
}

/// Where an alert of `team` and `severity` ends up in `env`.
pub fn expected_receiver(model: &Model, team: &str, severity: &str, env: &str) -> String {
    let Some(t) = model.team(team) else { return default_receiver(model, env) };
    let rs = team_receivers(model, t, env);
    if rs.iter().any(|(s, _)| *s == severity) {
        return receiver_name(team, severity);
    }
    team_fallback(team, &rs).unwrap_or_else(|| default_receiver(model, env))
}

fn team_fallback(team: &str, rs: &[(&str, Vec<Receiver>)]) -> Option<String> {
    ["ticket", "page", "info"].iter().find(|s| rs.iter().any(|(x, _)| x == *s)).map(|s| receiver_name(team, s))
}

/// The Project's `default_receiver` team's first receiver in `env`, or one that drops the alert.
fn default_receiver(model: &Model, env: &str) -> String {
    (model.settings.default_receiver.as_deref())
        .and_then(|t| model.team(t).and_then(|team| team_fallback(t, &team_receivers(model, team, env))))
        .unwrap_or_else(|| UNROUTED.into())
}

pub fn config(model: &Model, env: &str) -> Config {
    let smtp = &model.settings.smtp;
    let mut receivers = vec![ReceiverConfig { name: UNROUTED.into(), ..Default::default() }];
    let mut routes = vec![];
    for team in &model.teams {
        let rs = team_receivers(model, team, env);
        if rs.is_empty() {
            continue;
        }
        let mut children = vec![];
        for (sev, list) in &rs {
            let mut rc = ReceiverConfig { name: receiver_name(&team.name, sev), ..Default::default() };
            for r in list {
                add(&mut rc, r);
            }
            receivers.push(rc);
            children.push(Route {
                receiver: receiver_name(&team.name, sev),
                matchers: vec![format!("severity=\"{sev}\"")],
                ..Default::default()
            });
        }
        let fallback = team_fallback(&team.name, &rs).expect("team has receivers");
        let page = rs.iter().any(|(s, _)| *s == "page");
        routes.push(Route {
            receiver: fallback,
            matchers: vec![format!("team=\"{}\"", team.name)],
            // Pages are re-sent sooner than tickets until acknowledged.
            repeat_interval: page.then(|| "1h".into()),
            routes: children,
            ..Default::default()
        });
    }
    let slo = model.settings.labels.slo.to_string();
    Config {
        global: Global {
            resolve_timeout: "5m".into(),
            smtp_smarthost: Some(smtp.smarthost.clone()),
            smtp_from: Some(smtp.from.clone()),
            smtp_require_tls: smtp.require_tls,
        },
        route: Route {
            receiver: default_receiver(model, env),
            group_by: vec!["alertname".into(), "service".into(), slo.clone()],
            group_wait: Some("30s".into()),
            group_interval: Some("5m".into()),
            repeat_interval: Some("4h".into()),
            routes,
            ..Default::default()
        },
        receivers,
        inhibit_rules: vec![Inhibit {
            source_matchers: vec!["severity=\"page\"".into()],
            target_matchers: vec!["severity=\"ticket\"".into()],
            equal: vec!["alertname".into(), "service".into(), slo],
        }],
    }
}

/// Every alert rely generates, as (alertname, team, severity, service).
pub fn generated_alerts(model: &Model) -> Vec<(String, String, String, String)> {
    let mut out = vec![];
    for svc in &model.services {
        for slo in &svc.slos {
            for tier in [Tier::Page, Tier::Ticket] {
                if slo.alert_enabled(tier) {
                    out.push((names::slo_alert(&slo.name), slo.owner.clone(), tier.as_str().to_string(), svc.name.clone()));
                }
            }
            if let Some(n) = &slo.no_data {
                out.push((names::slo_no_data_alert(&slo.name), slo.owner.clone(), n.severity.as_str().to_string(), svc.name.clone()));
            }
        }
        for a in &svc.alerts {
            let sev = match a.severity {
                AlertSeverity::Page => "page",
                AlertSeverity::Ticket => "ticket",
                AlertSeverity::Info => "info",
            };
            out.push((names::alert(&a.name), a.owner.clone(), sev.to_string(), svc.name.clone()));
        }
    }
    out
}

pub fn emit(model: &Model) -> Vec<OutputFile> {
    let mut out = vec![];
    let mut sources: Vec<String> = model.teams.iter().map(|t| t.source.clone()).collect();
    sources.extend(model.services.iter().flat_map(|s| s.sources.clone()));
    sources.sort();
    sources.dedup();
    for env in &model.settings.environments {
        let body = super::yaml::to_string(&config(model, env));
        let mut header = super::yaml_header(&sources);
        header += &format!(
            "# Environment: {env}. {}\n",
            if model.settings.pages_in(env) {
                "Pages go to the teams' page receivers."
            } else {
                "Pages go to the teams' email receivers only."
            }
        );
        out.push(OutputFile { path: names::alertmanager_file(env), contents: header + &body });
        let mut tsv = String::from(
            "# Generated by rely: every generated alert and the receiver it must reach (amtool config routes test).\n# alertname\tteam\tseverity\tservice\treceiver\n",
        );
        for (name, team, sev, svc) in generated_alerts(model) {
            let r = expected_receiver(model, &team, &sev, env);
            tsv += &format!("{name}\t{team}\t{sev}\t{svc}\t{r}\n");
        }
        out.push(OutputFile { path: names::routes_file(env), contents: tsv });
    }
    out
}
