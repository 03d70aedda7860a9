//! Lowering: the checked `Repo` becomes the `Model` the back ends read. Defaults are resolved
//! here (period, owner, runbook, alert toggles), indicators become error/total queries, and
//! runbook paths become URLs, so no back end repeats that logic.

use std::collections::BTreeMap;

use super::burn;
use super::names;
use super::settings::Settings;
use crate::duration;
use crate::spec::Repo;
use crate::spec::{AlertSeverity, ChaosPlanSpec, ConcernSpec, Indicator, Member, Oncall, Receiver, TeamSpec};

/// What an SLO measures, lowered to queries with the `{{window}}` placeholder.
#[derive(Debug, Clone, PartialEq)]
pub enum Sli {
    /// Bad events over all events (ratio and latency indicators): traffic-weighted period ratio.
    Events { errors: String, total: String, source: EventsSource },
    /// A query that already returns the error ratio: the period ratio averages the 5m ratio.
    Raw { error_ratio: String },
}

/// Where an `Events` SLI came from, for test synthesis.
#[derive(Debug, Clone, PartialEq)]
pub enum EventsSource {
    Errors,
    Good(String),
    Latency { histogram: String, selector: String, le: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloAlert {
    pub enabled: bool,
    pub for_: Option<String>,
    /// This tier's own labels and annotations (`alerting.page.labels`, ...).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    pub name: String,
    pub service: String,
    pub description: String,
    pub category: Option<String>,
    /// Percent, e.g. 99.9.
    pub objective: f64,
    pub period: u64,
    pub sli: Sli,
    pub owner: String,
    pub runbook_url: Option<String>,
    pub page: SloAlert,
    pub ticket: SloAlert,
    pub has_alerting: bool,
    /// The no-data alert, when the SLO alerts and does not turn it off.
    pub no_data: Option<NoData>,
    /// The burn-rate alerts' name (`alerting.name`, else `<SloName>BudgetBurn`).
    pub alert_name: String,
    /// The SLO's labels (on its recording rules and alerts).
    pub labels: BTreeMap<String, String>,
    /// `group_by`: the labels its SLI is measured and alerted per value of.
    pub group_by: Vec<String>,
    /// The burn-rate window pairs of its alerts (its policy, the Project's, or the Workbook's).
    pub windows: Vec<burn::BurnWindow>,
    /// `alerting.labels` (on its alerts) and `alerting.annotations` (on its burn alerts).
    pub alert_labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub source: String,
}

/// When an SLI counts as dark, and who hears of it.
#[derive(Debug, Clone, PartialEq)]
pub struct NoData {
    pub for_: String,
    pub severity: AlertSeverity,
}

/// The no-data alert's `for:` when the SLO sets none: long enough for a Prometheus restart or a
/// scrape hiccup, short enough that a dead exporter is noticed the same hour.
pub const NO_DATA_FOR: &str = "10m";

impl Slo {
    pub fn budget(&self) -> f64 {
        burn::round_sig(1.0 - self.objective / 100.0)
    }
    pub fn objective_ratio(&self) -> f64 {
        burn::round_sig(self.objective / 100.0)
    }
    /// Error budget in seconds per period (99.9% over 30d: 43m12s).
    pub fn budget_seconds(&self) -> f64 {
        self.budget() * self.period as f64
    }
    /// Whether the SLO has a burn alert of `tier`: turned on, with window pairs in its policy.
    pub fn alert_enabled(&self, tier: burn::Tier) -> bool {
        self.has_alerting
            && match tier {
                burn::Tier::Page => self.page.enabled,
                burn::Tier::Ticket => self.ticket.enabled,
            }
            && self.windows.iter().any(|w| w.tier == tier)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub name: String,
    pub service: String,
    pub owner: String,
    pub severity: AlertSeverity,
    pub expr: String,
    pub for_: Option<String>,
    pub summary: String,
    pub description: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub runbook_url: Option<String>,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub name: String,
    pub owner: String,
    pub tier: u8,
    pub description: String,
    pub dashboard_uid: String,
    pub runbook_url: Option<String>,
    pub slos: Vec<Slo>,
    pub alerts: Vec<Alert>,
    /// The file of the Service document itself.
    pub source: String,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub services: Vec<Service>,
    /// Teams by name, with the file each came from.
    pub teams: Vec<Team>,
    pub chaos: Vec<ChaosPlan>,
    pub concerns: Vec<Concern>,
    /// Repository-relative document files and the teams that must review them.
    pub file_owners: BTreeMap<String, std::collections::BTreeSet<String>>,
    /// The Project's settings, defaults resolved.
    pub settings: Settings,
    /// The file the Project came from, if there is one.
    pub project_source: Option<String>,
    /// Where each service, team and SLO is, by name: lookups are per SLO and alert, and a
    /// search through 10,000 services for each of them was most of a large build.
    index: Index,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct Index {
    services: crate::FastMap<String, usize>,
    teams: crate::FastMap<String, usize>,
    slos: crate::FastMap<String, (usize, usize)>,
}

impl Index {
    fn of(services: &[Service], teams: &[Team]) -> Index {
        let mut i = Index::default();
        for (n, s) in services.iter().enumerate() {
            i.services.entry(s.name.clone()).or_insert(n);
            for (k, slo) in s.slos.iter().enumerate() {
                i.slos.entry(slo.name.clone()).or_insert((n, k));
            }
        }
        for (n, t) in teams.iter().enumerate() {
            i.teams.entry(t.name.clone()).or_insert(n);
        }
        i
    }
}

/// A team with its defaults resolved: receivers per severity (empty when none), its email
/// receivers (where its pages go outside the paging environments) and its CODEOWNERS handle.
#[derive(Debug, Clone, PartialEq)]
pub struct Team {
    pub name: String,
    pub description: String,
    pub members: Vec<Member>,
    pub oncall: Option<Oncall>,
    pub page: Vec<Receiver>,
    pub ticket: Vec<Receiver>,
    pub info: Vec<Receiver>,
    /// Every email receiver the team lists, under any severity, once each.
    pub email: Vec<Receiver>,
    /// `@org/team` as GitHub reads it (`@<name>` when the team sets none).
    pub codeowners: String,
    pub source: String,
}

impl Team {
    fn lower(name: &str, spec: &TeamSpec, source: String) -> Team {
        let n = spec.notify.clone().unwrap_or_default();
        let mut email: Vec<Receiver> = vec![];
        for r in n.page.iter().chain(&n.ticket).chain(&n.info) {
            if let Some(e) = &r.email
                && !email.iter().any(|o| o.email.as_ref().is_some_and(|x| x.to == e.to))
            {
                email.push(Receiver { email: Some(e.clone()), ..Default::default() });
            }
        }
        Team {
            name: name.to_string(),
            description: spec.description.clone().unwrap_or_default(),
            members: spec.members.clone(),
            oncall: spec.oncall.clone(),
            page: n.page,
            ticket: n.ticket,
            info: n.info,
            email,
            codeowners: spec.codeowners.clone().unwrap_or_else(|| format!("@{name}")),
            source,
        }
    }

    /// The receivers the team has in an environment, by severity, leaving out severities with
    /// nowhere to go. Where pages do not reach pagers (`pages` false) they go to its email.
    pub fn receivers(&self, pages: bool) -> Vec<(&'static str, Vec<Receiver>)> {
        let page = if pages { self.page.clone() } else { self.email.clone() };
        [("page", page), ("ticket", self.ticket.clone()), ("info", self.info.clone())].into_iter().filter(|(_, r)| !r.is_empty()).collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Concern {
    pub name: String,
    pub spec: ConcernSpec,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChaosPlan {
    pub name: String,
    pub spec: ChaosPlanSpec,
    /// Whether its environment is a paging one (pages reach pagers there).
    pub pages: bool,
    pub source: String,
}

impl Model {
    pub fn dashboard_url(&self, service: &str) -> Option<String> {
        let known = self.index.services.get(service).and_then(|&i| self.services.get(i));
        let made;
        let uid = match known {
            Some(s) => &s.dashboard_uid,
            None => {
                made = names::dashboard_uid(service);
                &made
            }
        };
        // Without the Project's `grafana.url` the link is relative to Grafana's root.
        Some([self.settings.grafana_url.as_deref().unwrap_or("").trim_end_matches('/'), "/d/", uid, "/", service].concat())
    }

    pub fn team(&self, name: &str) -> Option<&Team> {
        self.index.teams.get(name).and_then(|&i| self.teams.get(i))
    }

    pub fn slo(&self, name: &str) -> Option<&Slo> {
        self.index.slos.get(name).and_then(|&(i, k)| self.services.get(i)?.slos.get(k))
    }

    pub fn alert(&self, name: &str) -> Option<&Alert> {
        self.services.iter().flat_map(|s| s.alerts.iter()).find(|a| a.name == name)
    }

    pub fn all_slos(&self) -> impl Iterator<Item = &Slo> {
        self.services.iter().flat_map(|s| s.slos.iter())
    }
}

/// Lowers a checked repository. Call only when `rely check` found no errors.
pub fn lower(repo: &Repo, origin: &dyn super::Origin) -> Model {
    let sources = |doc: usize| origin.source(doc);
    let settings = Settings::of(repo.project().map(|p| &p.spec));
    let runbook_url = |r: Option<&str>| settings.runbook_url(r);
    // Each service's SLOs and alerts, counted first: its lists are then made at their size
    // instead of growing (and copying every lowered SLO) as they are filled.
    let mut counts: crate::FastMap<&str, (usize, usize)> = crate::FastMap::default();
    for s in &repo.slos {
        counts.entry(s.spec.service.as_str()).or_default().0 += 1;
    }
    for a in &repo.alerts {
        counts.entry(a.spec.service.as_str()).or_default().1 += 1;
    }
    let mut services: Vec<Service> = repo
        .services
        .iter()
        .map(|s| Service {
            name: s.name.clone(),
            owner: s.spec.owner.clone(),
            tier: s.spec.tier,
            description: s.spec.description.clone().unwrap_or_default(),
            dashboard_uid: s.spec.dashboard_uid.clone().unwrap_or_else(|| names::dashboard_uid(&s.name)),
            runbook_url: runbook_url(s.spec.runbook.as_deref()),
            slos: Vec::with_capacity(counts.get(s.name.as_str()).map_or(0, |c| c.0)),
            alerts: Vec::with_capacity(counts.get(s.name.as_str()).map_or(0, |c| c.1)),
            source: sources(s.doc),
            sources: vec![sources(s.doc)],
        })
        .collect();
    services.sort_by(|a, b| a.name.cmp(&b.name));
    let position: std::collections::HashMap<String, usize> = services.iter().enumerate().map(|(i, s)| (s.name.clone(), i)).collect();
    let t = std::time::Instant::now();
    // Each SLO lowered in parallel (with its service's place and the file of its SLI), then
    // added to its service in document order.
    use rayon::prelude::*;
    let lowered: Vec<Option<(usize, Slo, Option<String>)>> = repo
        .slos
        .par_iter()
        .map(|s| {
            let svc = *position.get(&s.spec.service)?;
            let indicator = repo.indicator_of(&s.spec)?;
            let period = duration::parse(settings.window_of(s.spec.window.as_deref()))?;
            let alerting = s.spec.alerting.as_ref();
            let toggle = |t: Option<&crate::spec::AlertToggle>| SloAlert {
                enabled: t.and_then(|t| t.enabled).unwrap_or(true),
                for_: t.and_then(|t| t.for_.clone()),
                labels: t.map(|t| t.labels.clone()).unwrap_or_default(),
                annotations: t.map(|t| t.annotations.clone()).unwrap_or_default(),
            };
            let sli_source = s.spec.sli.as_ref().and_then(|n| repo.sli(n)).map(|sli| sources(sli.doc));
            let slo = Slo {
                name: s.name.clone(),
                service: s.spec.service.clone(),
                description: s.spec.description.clone().unwrap_or_default(),
                category: s.spec.category.map(|c| crate::spec::word(&c)),
                objective: s.spec.objective,
                period,
                sli: lower_indicator(indicator, &s.spec.group_by),
                owner: repo.slo_owner(&s.spec).unwrap_or_default().to_string(),
                runbook_url: runbook_url(repo.slo_runbook(&s.spec)),
                page: toggle(alerting.and_then(|a| a.page.as_ref())),
                ticket: toggle(alerting.and_then(|a| a.ticket.as_ref())),
                has_alerting: alerting.is_some(),
                no_data: alerting.and_then(|a| {
                    let n = a.no_data.clone().unwrap_or_default();
                    n.enabled.unwrap_or(true).then(|| NoData {
                        for_: n.for_.unwrap_or_else(|| NO_DATA_FOR.into()),
                        severity: n.severity.unwrap_or(AlertSeverity::Ticket),
                    })
                }),
                alert_name: alerting.and_then(|a| a.name.clone()).unwrap_or_else(|| names::slo_alert(&s.name)),
                labels: s.spec.labels.clone(),
                group_by: s.spec.group_by.clone(),
                windows: burn::policy_windows(alerting.and_then(|a| a.policy.as_ref()).or(settings.alert_policy.as_ref()), period),
                alert_labels: alerting.map(|a| a.labels.clone()).unwrap_or_default(),
                annotations: alerting.map(|a| a.annotations.clone()).unwrap_or_default(),
                source: sources(s.doc),
            };
            Some((svc, slo, sli_source))
        })
        .collect();
    for (i, slo, sli_source) in lowered.into_iter().flatten() {
        let svc = &mut services[i];
        if !svc.sources.contains(&slo.source) {
            svc.sources.push(slo.source.clone());
        }
        if let Some(src) = sli_source
            && !svc.sources.contains(&src)
        {
            svc.sources.push(src);
        }
        svc.slos.push(slo);
    }
    crate::phase("lower: slos", t);
    for a in &repo.alerts {
        let Some(svc) = position.get(&a.spec.service).map(|i| &mut services[*i]) else { continue };
        let source = sources(a.doc);
        if !svc.sources.contains(&source) {
            svc.sources.push(source.clone());
        }
        svc.alerts.push(Alert {
            name: a.name.clone(),
            service: a.spec.service.clone(),
            owner: a.spec.owner.clone().unwrap_or_default(),
            severity: a.spec.severity,
            expr: a.spec.expr.trim().to_string(),
            for_: a.spec.for_.clone(),
            summary: a.spec.summary.clone(),
            description: a.spec.description.clone(),
            labels: a.spec.labels.clone(),
            runbook_url: runbook_url(repo.alert_runbook(&a.spec)),
            source,
        });
    }
    // Every service's outputs also depend on the Project (labels, runbook base, URLs, routing).
    let project_source = repo.project().map(|p| sources(p.doc));
    for s in &mut services {
        s.sources.extend(project_source.clone());
        s.slos.sort_by(|a, b| a.name.cmp(&b.name));
        s.alerts.sort_by(|a, b| a.name.cmp(&b.name));
        s.sources.sort();
        s.sources.dedup();
    }
    let mut teams: Vec<Team> = repo.teams.iter().map(|t| Team::lower(&t.name, &t.spec, sources(t.doc))).collect();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    let mut chaos: Vec<ChaosPlan> = repo
        .chaos
        .iter()
        .map(|c| ChaosPlan {
            name: c.name.clone(),
            spec: c.spec.clone(),
            pages: settings.pages_in(&c.spec.environment),
            source: sources(c.doc),
        })
        .collect();
    chaos.sort_by(|a, b| a.name.cmp(&b.name));
    let mut concerns: Vec<Concern> =
        repo.concerns.iter().map(|c| Concern { name: c.name.clone(), spec: c.spec.clone(), source: sources(c.doc) }).collect();
    concerns.sort_by(|a, b| a.name.cmp(&b.name));
    let t = std::time::Instant::now();
    let file_owners = super::owners::file_owners(repo, origin, settings.council.as_deref());
    crate::phase("lower: file owners", t);
    let index = Index::of(&services, &teams);
    Model { services, teams, chaos, concerns, file_owners, settings, project_source, index }
}

/// A gauge's error ratio: one minus the share of good samples over the window. A boolean gauge
/// is read as it is (its mean is the good share); with `op`, each sample is compared on a 1m
/// subquery grid.
pub fn gauge_query(g: &crate::spec::Gauge, group_by: &[String]) -> String {
    let sum = if group_by.is_empty() { "sum".to_string() } else { format!("sum by ({}) ", group_by.join(", ")) };
    let m = g.metric.trim();
    let series = match g.op {
        None => format!("{m}[{{{{window}}}}]"),
        // The query in parentheses: `a or b < 30` would compare `b` alone.
        Some(op) => format!("(({m}) {} bool {})[{{{{window}}}}:1m]", op.as_str(), burn::exact(g.threshold.unwrap_or(1.0))),
    };
    format!("1 - (\n  {sum}(sum_over_time({series}))\n  /\n  {sum}(count_over_time({series}))\n)")
}

/// The SLI of an indicator; a latency SLO's generated queries sum by `group_by`.
fn lower_indicator(i: &Indicator, group_by: &[String]) -> Sli {
    if let Some(r) = &i.ratio {
        let total = r.total.trim().to_string();
        return match (&r.errors, &r.good) {
            (Some(e), _) => Sli::Events { errors: e.trim().to_string(), total, source: EventsSource::Errors },
            (None, Some(g)) => {
                Sli::Events { errors: format!("({total}) - ({})", g.trim()), total, source: EventsSource::Good(g.trim().to_string()) }
            }
            (None, None) => Sli::Raw { error_ratio: "vector(0)".into() },
        };
    }
    if let Some(l) = &i.latency {
        let sel = l.selector.clone().unwrap_or_default();
        let inner = sel.trim().trim_start_matches('{').trim_end_matches('}').trim();
        let le = burn::num(l.threshold);
        let join = |extra: &str| -> String {
            match (inner.is_empty(), extra.is_empty()) {
                (true, _) => format!("{{{extra}}}"),
                (false, true) => format!("{{{inner}}}"),
                (false, false) => format!("{{{inner},{extra}}}"),
            }
        };
        let h = &l.histogram;
        let count_sel = if inner.is_empty() { String::new() } else { join("") };
        let sum = if group_by.is_empty() { "sum".to_string() } else { format!("sum by ({})", group_by.join(", ")) };
        let total = format!("{sum}(rate({h}_count{count_sel}[{{{{window}}}}]))");
        // Exporters write a bound as they like (`0.8` or `0.80`; Prometheus 3 stores integral
        // ones as `1.0`, Prometheus 2 as exposed): every decimal spelling of the threshold, with
        // any trailing zeros, is matched. An exact `le="0.8"` matches nothing where the
        // histogram says `0.80`, and the SLO would never alert.
        let le_matcher =
            if le.contains('.') { format!("le=~\"{}0*\"", le.replace('.', "\\\\.")) } else { format!("le=~\"{le}(\\\\.0*)?\"") };
        let good = format!("{sum}(rate({h}_bucket{}[{{{{window}}}}]))", join(&le_matcher));
        return Sli::Events {
            errors: format!("{total} - {good}"),
            total,
            source: EventsSource::Latency { histogram: h.clone(), selector: inner.to_string(), le },
        };
    }
    if let Some(g) = &i.gauge {
        return Sli::Raw { error_ratio: gauge_query(g, group_by) };
    }
    match &i.raw {
        Some(r) => Sli::Raw { error_ratio: r.error_ratio.trim().to_string() },
        None => Sli::Raw { error_ratio: "vector(0)".into() },
    }
}
