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
use crate::spec::{AlertSeverity, AlertmanagerFormat, Receiver};

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

/// What a Slack notification says (both the whole configuration and AlertmanagerConfig use it).
const SLACK_TITLE: &str = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.service }})";
const SLACK_TEXT: &str = "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}";

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
        m.insert("title".into(), s(SLACK_TITLE));
        m.insert("text".into(), s(SLACK_TEXT));
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
    if model.settings.alertmanager_format == AlertmanagerFormat::Fragment {
        return EXISTING_ROOT.into();
    }
    (model.settings.default_receiver.as_deref())
        .and_then(|t| model.team(t).and_then(|team| team_fallback(t, &team_receivers(model, team, env))))
        .unwrap_or_else(|| UNROUTED.into())
}

/// Each team's route (matching `team`, a child per severity) and its receivers in `env`.
/// Each team's route (with `also`'s matchers after its `team` one) and receivers.
fn team_parts(model: &Model, env: &str, also: impl Fn(&str) -> Vec<String>) -> (Vec<Route>, Vec<ReceiverConfig>) {
    let mut receivers = vec![];
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
                matchers: vec![format!("severity=\"{}\"", model.settings.severity_value(sev))],
                ..Default::default()
            });
        }
        let fallback = team_fallback(&team.name, &rs).expect("team has receivers");
        let page = rs.iter().any(|(s, _)| *s == "page");
        routes.push(Route {
            receiver: fallback,
            matchers: std::iter::once(format!("team=\"{}\"", team.name)).chain(also(&team.name)).collect(),
            // Pages are re-sent sooner than tickets until acknowledged.
            repeat_interval: page.then(|| "1h".into()),
            routes: children,
            ..Default::default()
        });
    }
    (routes, receivers)
}

/// How rely groups alerts: one notification per alert name, service and SLO.
fn group_by(model: &Model) -> Vec<String> {
    vec!["alertname".into(), "service".into(), model.settings.labels.slo.to_string()]
}

/// The labels a page and the ticket it silences share: the alert, service and SLO, and every
/// SLO's group labels (a page of one group leaves the other groups' tickets alone; a label
/// neither alert has counts as equal, so ungrouped SLOs are unaffected).
fn inhibit_equal(model: &Model) -> Vec<String> {
    let mut equal: Vec<String> = vec!["alertname".into(), "service".into(), model.settings.labels.slo.to_string()];
    let mut groups: Vec<&String> = model.services.iter().flat_map(|s| &s.slos).flat_map(|s| &s.group_by).collect();
    groups.sort();
    groups.dedup();
    equal.extend(groups.into_iter().cloned());
    equal
}

fn inhibit_rules(model: &Model) -> Vec<Inhibit> {
    vec![Inhibit {
        source_matchers: vec![format!("severity=\"{}\"", model.settings.severity_value("page"))],
        target_matchers: vec![format!("severity=\"{}\"", model.settings.severity_value("ticket"))],
        equal: inhibit_equal(model),
    }]
}

pub fn config(model: &Model, env: &str) -> Config {
    let smtp = &model.settings.smtp;
    let (routes, team_receivers) = team_parts(model, env, |_| vec![]);
    let mut receivers = vec![ReceiverConfig { name: UNROUTED.into(), ..Default::default() }];
    receivers.extend(team_receivers);
    Config {
        global: Global {
            resolve_timeout: "5m".into(),
            smtp_smarthost: Some(smtp.smarthost.clone()),
            smtp_from: Some(smtp.from.clone()),
            smtp_require_tls: smtp.require_tls,
        },
        route: Route {
            receiver: default_receiver(model, env),
            group_by: group_by(model),
            group_wait: Some("30s".into()),
            group_interval: Some("5m".into()),
            repeat_interval: Some("4h".into()),
            routes,
            ..Default::default()
        },
        receivers,
        inhibit_rules: inhibit_rules(model),
    }
}

/// What `format: fragment` writes: rely's part of someone else's configuration.
#[derive(Debug, Serialize)]
pub struct Fragment {
    pub route: FragmentRoute,
    pub receivers: Vec<ReceiverConfig>,
    pub inhibit_rules: Vec<Inhibit>,
}

#[derive(Debug, Serialize)]
pub struct FragmentRoute {
    pub routes: Vec<Route>,
}

/// The receiver of the root route in `merged-example.yml`: it stands for yours.
pub const EXISTING_ROOT: &str = "existing-root";

/// The fragment: team routes that carry rely's grouping themselves (the root they are merged
/// under groups its own way), their receivers, and the page-silences-ticket inhibition.
pub fn fragment(model: &Model, env: &str) -> Fragment {
    // In someone else's configuration a `team` label may be theirs too (a team of the same name,
    // a label their exporters set): each route also names the services of the team's rely
    // alerts (service names are `[a-z0-9-]`: nothing in them is special to a regex or quotes).
    let mut services: BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for (_, team, _, service) in generated_alerts(model) {
        services.entry(team).or_default().insert(service);
    }
    let also = |team: &str| {
        let of_team: Vec<&str> = services.get(team).into_iter().flatten().map(String::as_str).collect();
        vec![format!("service=~\"{}\"", of_team.join("|"))]
    };
    let (mut routes, receivers) = team_parts(model, env, also);
    for r in &mut routes {
        r.group_by = group_by(model);
        r.group_wait = Some("30s".into());
        r.group_interval = Some("5m".into());
        r.repeat_interval = Some(r.repeat_interval.clone().unwrap_or_else(|| "4h".into()));
    }
    // In someone else's configuration the inhibition touches only rely's SLO alerts.
    let mut inhibit = inhibit_rules(model);
    for i in &mut inhibit {
        i.source_matchers.push(format!("{}=~\".+\"", model.settings.labels.slo));
    }
    Fragment { route: FragmentRoute { routes }, receivers, inhibit_rules: inhibit }
}

/// The fragment merged as the fragment's header says, into a minimal configuration whose root
/// receiver stands for an existing one: what `rely verify` and the tests judge with amtool.
pub fn merged_example(model: &Model, env: &str) -> Config {
    let f = fragment(model, env);
    let smtp = &model.settings.smtp;
    let mut receivers = vec![ReceiverConfig { name: EXISTING_ROOT.into(), ..Default::default() }];
    receivers.extend(f.receivers);
    Config {
        global: Global {
            resolve_timeout: "5m".into(),
            smtp_smarthost: Some(smtp.smarthost.clone()),
            smtp_from: Some(smtp.from.clone()),
            smtp_require_tls: smtp.require_tls,
        },
        route: Route { receiver: EXISTING_ROOT.into(), group_by: vec!["alertname".into()], routes: f.route.routes, ..Default::default() },
        receivers,
        inhibit_rules: f.inhibit_rules,
    }
}

/// Every alert rely generates, as (alertname, team, severity, service).
pub fn generated_alerts(model: &Model) -> Vec<(String, String, String, String)> {
    let mut out = vec![];
    for svc in &model.services {
        for slo in &svc.slos {
            for tier in [Tier::Page, Tier::Ticket] {
                if slo.alert_enabled(tier) {
                    out.push((slo.alert_name.clone(), slo.owner.clone(), tier.as_str().to_string(), svc.name.clone()));
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

/// A Kubernetes Secret reference for a rely `*_file` path: the Secret `rely-<team>`, keyed by
/// the file's name, as `kubectl create secret generic rely-<team> --from-file=<path>` makes it
/// (`rely check` refuses names that collide or that a key cannot hold, GEN008; such characters
/// would become `_` here).
fn secret(team: &str, path: &str) -> serde_json::Value {
    let key: String = secret_key(path).chars().map(|c| if is_secret_key_char(c) { c } else { '_' }).collect();
    serde_json::json!({ "name": format!("rely-{team}"), "key": key })
}

/// The Secret key of a `*_file` path: its file name, as `kubectl --from-file` names it.
pub(crate) fn secret_key(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// What a Secret key may hold: letters, digits, `-`, `_` and `.`.
pub(crate) fn is_secret_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-._".contains(c)
}

fn operator_receiver(model: &Model, team: &str, name: String, list: &[Receiver]) -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let mut out = Map::new();
    out.insert("name".into(), json!(name));
    let mut push = |kind: &str, v: Value| {
        out.entry(kind).or_insert_with(|| Value::Array(vec![])).as_array_mut().expect("array").push(v);
    };
    let smtp = &model.settings.smtp;
    for r in list {
        if let Some(e) = &r.email {
            let mut m = json!({ "to": t(&e.to), "sendResolved": true, "smarthost": smtp.smarthost, "from": smtp.from });
            if let Some(tls) = smtp.require_tls {
                m["requireTLS"] = json!(tls);
            }
            if let Some(f) = &e.auth_password_file {
                m["authPassword"] = secret(team, f);
            }
            push("emailConfigs", m);
        }
        if let Some(x) = &r.slack {
            let mut m = json!({
                "channel": t(&x.channel), "sendResolved": true,
                "title": SLACK_TITLE,
                "text": SLACK_TEXT,
            });
            if let Some(f) = &x.api_url_file {
                m["apiURL"] = secret(team, f);
            }
            push("slackConfigs", m);
        }
        if let Some(x) = &r.pagerduty {
            let mut m = json!({ "sendResolved": true });
            if let Some(f) = &x.routing_key_file {
                m["routingKey"] = secret(team, f);
            }
            if let Some(f) = &x.service_key_file {
                m["serviceKey"] = secret(team, f);
            }
            push("pagerdutyConfigs", m);
        }
        if let Some(x) = &r.victorops {
            let mut m = json!({ "routingKey": t(&x.routing_key), "sendResolved": true });
            if let Some(f) = &x.api_key_file {
                m["apiKey"] = secret(team, f);
            }
            push("victoropsConfigs", m);
        }
        if let Some(x) = &r.opsgenie {
            let mut m = json!({ "sendResolved": true });
            if let Some(f) = &x.api_key_file {
                m["apiKey"] = secret(team, f);
            }
            push("opsgenieConfigs", m);
        }
        if let Some(x) = &r.webhook {
            push("webhookConfigs", json!({ "url": x.url, "sendResolved": true }));
        }
    }
    Value::Object(out)
}

fn matcher(name: &str, value: &str) -> serde_json::Value {
    serde_json::json!({ "name": name, "value": value, "matchType": "=" })
}

/// A team's `AlertmanagerConfig` in `env` (none when it has no receivers there): the same route,
/// receivers and inhibition as its part of the whole configuration.
pub fn alertmanager_config(model: &Model, team: &Team, env: &str) -> Option<serde_json::Value> {
    let rs = team_receivers(model, team, env);
    let fallback = team_fallback(&team.name, &rs)?;
    let page = rs.iter().any(|(s, _)| *s == "page");
    let routes: Vec<serde_json::Value> = rs
        .iter()
        .map(|(sev, _)| serde_json::json!({ "receiver": receiver_name(&team.name, sev), "matchers": [matcher("severity", model.settings.severity_value(sev))] }))
        .collect();
    let receivers: Vec<serde_json::Value> =
        rs.iter().map(|(sev, list)| operator_receiver(model, &team.name, receiver_name(&team.name, sev), list)).collect();
    let meta = super::prometheus::K8sMeta::new(format!("rely-{}", team.name), &model.settings.alertmanager_operator);
    Some(serde_json::json!({
        "apiVersion": "monitoring.coreos.com/v1alpha1",
        "kind": "AlertmanagerConfig",
        "metadata": serde_json::to_value(&meta).expect("metadata"),
        "spec": {
            "route": {
                "receiver": fallback,
                "matchers": [matcher("team", &team.name)],
                "groupBy": group_by(model),
                "groupWait": "30s",
                "groupInterval": "5m",
                "repeatInterval": if page { "1h" } else { "4h" },
                "routes": routes,
            },
            "receivers": receivers,
            "inhibitRules": [{
                "sourceMatch": [matcher("severity", model.settings.severity_value("page"))],
                "targetMatch": [matcher("severity", model.settings.severity_value("ticket"))],
                "equal": inhibit_equal(model),
            }],
        },
    }))
}

fn environment_note(model: &Model, env: &str) -> String {
    format!(
        "# Environment: {env}. {}\n",
        if model.settings.pages_in(env) {
            "Pages go to the teams' page receivers."
        } else {
            "Pages go to the teams' email receivers only."
        }
    )
}

const FRAGMENT_NOTE: &str = "\
# A fragment to merge into your Alertmanager configuration (alertmanager.format: fragment):
#   1. put the entries of route.routes first among your root route's `routes:` (each matches
#      one `team`, so it takes only the alerts of rely's teams; yours keep matching the rest);
#   2. append `receivers` to yours (their names are `<team>-<severity>`; keep them unique);
#   3. append `inhibit_rules` to yours.
# Email receivers use your `global` SMTP settings. merged-example.yml beside this file is the
# result on a minimal configuration whose root receiver `existing-root` stands for yours.
";

pub fn emit(model: &Model) -> Vec<OutputFile> {
    let mut out = vec![];
    // The routing tree comes from the teams and the Project alone (routes.tsv, which lists the
    // services' alerts, has no header).
    let mut sources: Vec<String> = model.teams.iter().map(|t| t.source.clone()).collect();
    sources.extend(model.project_source.clone());
    sources.sort();
    sources.dedup();
    let format = model.settings.alertmanager_format;
    for env in &model.settings.environments {
        match format {
            AlertmanagerFormat::Config => {
                let body = super::yaml::to_string(&config(model, env));
                let header = super::yaml_header(&sources) + &environment_note(model, env);
                out.push(OutputFile { path: names::alertmanager_file(env), contents: header + &body });
            }
            AlertmanagerFormat::Fragment => {
                let header = super::yaml_header(&sources) + &environment_note(model, env);
                let body = super::yaml::to_string(&fragment(model, env));
                out.push(OutputFile { path: format!("alertmanager/{env}/fragment.yml"), contents: header.clone() + FRAGMENT_NOTE + &body });
                let body = super::yaml::to_string(&merged_example(model, env));
                let note = "# fragment.yml merged into a minimal configuration, as its header says; `rely verify` judges it.\n";
                out.push(OutputFile { path: names::merged_example_file(env), contents: header + note + &body });
            }
            AlertmanagerFormat::PrometheusOperator => {
                for team in &model.teams {
                    let Some(obj) = alertmanager_config(model, team, env) else { continue };
                    let header = super::yaml_header(std::slice::from_ref(&team.source)) + &environment_note(model, env);
                    out.push(OutputFile {
                        path: format!("alertmanager/{env}/{}.alertmanagerconfig.yml", team.name),
                        contents: header + &super::yaml::to_string(&obj),
                    });
                }
                continue; // amtool cannot route AlertmanagerConfig objects: no routes.tsv
            }
        }
        let mut tsv = String::from(
            "# Generated by rely: every generated alert and the receiver it must reach (amtool config routes test).\n# alertname\tteam\tseverity\tservice\treceiver\n",
        );
        // A team's receiver of a severity is worked out once per environment, not per alert.
        let alerts = generated_alerts(model);
        let mut receivers: crate::FastMap<(&str, &str), String> = Default::default();
        for (name, team, sev, svc) in &alerts {
            let r = receivers.entry((team, sev)).or_insert_with(|| expected_receiver(model, team, sev, env));
            tsv.push_str(&[name, team, model.settings.severity_value(sev), svc, r.as_str()].join("\t"));
            tsv.push('\n');
        }
        out.push(OutputFile { path: names::routes_file(env), contents: tsv });
    }
    out
}
