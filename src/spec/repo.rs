//! The typed documents of a repository, by kind, with an index by name: what check decodes
//! and validates, and what the model is lowered from. It lives beside the specs so that both
//! `check` and `model` read it without depending on each other.

use std::collections::BTreeMap;

use super::*;

/// A decoded document of one kind: where it came from and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<T> {
    /// Index into `Loaded::docs`.
    pub doc: usize,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub spec: T,
}

/// Every document that passed its schema, by kind, in load order.
#[derive(Debug, Default, Clone)]
pub struct Repo {
    pub projects: Vec<Item<ProjectSpec>>,
    pub teams: Vec<Item<TeamSpec>>,
    pub services: Vec<Item<ServiceSpec>>,
    pub slis: Vec<Item<SliSpec>>,
    pub slos: Vec<Item<SloSpec>>,
    pub alerts: Vec<Item<AlertSpec>>,
    pub concerns: Vec<Item<ConcernSpec>>,
    pub chaos: Vec<Item<ChaosPlanSpec>>,
    /// Documents whose schema failed, by kind and name: references to them are not reported
    /// as unknown (the schema finding already says what is wrong).
    pub broken: Vec<(Kind, String)>,
    /// Position of the first document of each kind and name, so lookups are not quadratic.
    index: std::collections::HashMap<(Kind, String), usize>,
}

impl Repo {
    /// Indexes names once every document is decoded.
    pub(crate) fn build_index(&mut self) {
        let mut index = std::collections::HashMap::new();
        fn add<T>(index: &mut std::collections::HashMap<(Kind, String), usize>, kind: Kind, items: &[Item<T>]) {
            for (i, it) in items.iter().enumerate() {
                index.entry((kind, it.name.clone())).or_insert(i);
            }
        }
        add(&mut index, Kind::Project, &self.projects);
        add(&mut index, Kind::Team, &self.teams);
        add(&mut index, Kind::Service, &self.services);
        add(&mut index, Kind::Sli, &self.slis);
        add(&mut index, Kind::Slo, &self.slos);
        add(&mut index, Kind::Alert, &self.alerts);
        add(&mut index, Kind::Concern, &self.concerns);
        add(&mut index, Kind::ChaosPlan, &self.chaos);
        for (k, n) in &self.broken {
            index.entry((*k, n.clone())).or_insert(usize::MAX);
        }
        self.index = index;
    }

    fn at(&self, kind: Kind, name: &str) -> Option<usize> {
        self.index.get(&(kind, name.to_string())).copied().filter(|i| *i != usize::MAX)
    }

    /// Whether a document of `kind` named `name` exists (even one whose schema failed).
    pub fn has(&self, kind: Kind, name: &str) -> bool {
        self.index.contains_key(&(kind, name.to_string()))
    }

    pub fn project(&self) -> Option<&Item<ProjectSpec>> {
        self.projects.first()
    }
    pub fn team(&self, n: &str) -> Option<&Item<TeamSpec>> {
        self.at(Kind::Team, n).map(|i| &self.teams[i])
    }
    pub fn service(&self, n: &str) -> Option<&Item<ServiceSpec>> {
        self.at(Kind::Service, n).map(|i| &self.services[i])
    }
    pub fn sli(&self, n: &str) -> Option<&Item<SliSpec>> {
        self.at(Kind::Sli, n).map(|i| &self.slis[i])
    }
    pub fn slo(&self, n: &str) -> Option<&Item<SloSpec>> {
        self.at(Kind::Slo, n).map(|i| &self.slos[i])
    }
    pub fn alert(&self, n: &str) -> Option<&Item<AlertSpec>> {
        self.at(Kind::Alert, n).map(|i| &self.alerts[i])
    }
    pub fn concern(&self, n: &str) -> Option<&Item<ConcernSpec>> {
        self.at(Kind::Concern, n).map(|i| &self.concerns[i])
    }

    /// Names of every document of `kind` (including ones whose schema failed).
    pub fn names(&self, kind: Kind) -> Vec<&str> {
        let mut v: Vec<&str> = match kind {
            Kind::Project => self.projects.iter().map(|i| i.name.as_str()).collect(),
            Kind::Team => self.teams.iter().map(|i| i.name.as_str()).collect(),
            Kind::Service => self.services.iter().map(|i| i.name.as_str()).collect(),
            Kind::Sli => self.slis.iter().map(|i| i.name.as_str()).collect(),
            Kind::Slo => self.slos.iter().map(|i| i.name.as_str()).collect(),
            Kind::Alert => self.alerts.iter().map(|i| i.name.as_str()).collect(),
            Kind::Concern => self.concerns.iter().map(|i| i.name.as_str()).collect(),
            Kind::ChaosPlan => self.chaos.iter().map(|i| i.name.as_str()).collect(),
        };
        v.extend(self.broken.iter().filter(|(k, _)| *k == kind).map(|(_, n)| n.as_str()));
        v
    }

    /// The indicator an SLO measures: its own, or its SLI's.
    pub fn indicator_of<'a>(&'a self, slo: &'a SloSpec) -> Option<&'a Indicator> {
        match (&slo.indicator, &slo.sli) {
            (Some(i), None) => Some(i),
            (None, Some(s)) => self.sli(s).map(|s| &s.spec.indicator),
            _ => None,
        }
    }

    /// The team an SLO's alerts route to.
    pub fn slo_owner<'a>(&'a self, slo: &'a SloSpec) -> Option<&'a str> {
        slo.alerting.as_ref().and_then(|a| a.owner.as_deref()).or_else(|| self.service(&slo.service).map(|s| s.spec.owner.as_str()))
    }

    /// The runbook an SLO's alerts link to.
    pub fn slo_runbook<'a>(&'a self, slo: &'a SloSpec) -> Option<&'a str> {
        slo.alerting
            .as_ref()
            .and_then(|a| a.runbook.as_deref())
            .or_else(|| self.service(&slo.service).and_then(|s| s.spec.runbook.as_deref()))
    }

    pub fn alert_runbook<'a>(&'a self, a: &'a AlertSpec) -> Option<&'a str> {
        a.runbook.as_deref().or_else(|| self.service(&a.service).and_then(|s| s.spec.runbook.as_deref()))
    }
}
