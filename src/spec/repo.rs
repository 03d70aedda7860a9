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
    index: crate::FastMap<Kind, crate::FastMap<String, usize>>,
}

impl Repo {
    fn at(&self, kind: Kind, name: &str) -> Option<usize> {
        self.index.get(&kind).and_then(|names| names.get(name)).copied().filter(|i| *i != usize::MAX)
    }

    /// Whether a document of `kind` named `name` exists (even one whose schema failed).
    pub fn has(&self, kind: Kind, name: &str) -> bool {
        self.index.get(&kind).is_some_and(|names| names.contains_key(name))
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
        let mut v = self.decoded_names(kind);
        // A document whose schema failed still has a name, but only a valid one is worth suggesting.
        let valid = regex::Regex::new(NAME_PATTERN).expect("static");
        v.extend(self.broken.iter().filter(|(k, n)| *k == kind && valid.is_match(n)).map(|(_, n)| n.as_str()));
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

macro_rules! repo_by_kind {
    ($($variant:ident, $name:literal, $slug:literal, $word:literal, $field:ident, $spec:ident;)*) => {
        impl Repo {
            /// Names of the decoded documents of `kind`, in load order.
            fn decoded_names(&self, kind: Kind) -> Vec<&str> {
                match kind {
                    $(Kind::$variant => self.$field.iter().map(|i| i.name.as_str()).collect(),)*
                }
            }

            /// Indexes names once every document is decoded (the first of a name wins).
            pub(crate) fn build_index(&mut self) {
                let mut index: crate::FastMap<Kind, crate::FastMap<String, usize>> = crate::FastMap::default();
                $(
                    let names = index.entry(Kind::$variant).or_default();
                    names.reserve(self.$field.len());
                    for (i, it) in self.$field.iter().enumerate() {
                        names.entry(it.name.clone()).or_insert(i);
                    }
                )*
                for (k, n) in &self.broken {
                    index.entry(*k).or_default().entry(n.clone()).or_insert(usize::MAX);
                }
                self.index = index;
            }
        }

        /// A decoded document of any kind (documents are decoded in parallel, then added in order).
        pub(crate) enum Decoded {
            $($variant(Item<$spec>),)*
        }

        /// Decodes a document whose schema passed (its place in the repository is set by `at`).
        pub(crate) fn decode_any(kind: Kind, doc: &crate::syntax::Document, findings: &mut Vec<crate::diag::Finding>) -> Option<Decoded> {
            match kind {
                $(Kind::$variant => decode::<$spec>(doc, findings).map(Decoded::$variant),)*
            }
        }

        impl Decoded {
            pub(crate) fn kind(&self) -> Kind {
                match self {
                    $(Decoded::$variant(_) => Kind::$variant,)*
                }
            }

            /// The document, as the `idx`-th of the repository.
            pub(crate) fn at(self, idx: usize) -> Self {
                match self {
                    $(Decoded::$variant(it) => Decoded::$variant(Item { doc: idx, ..it }),)*
                }
            }
        }

        /// Makes room for `n` more documents of `kind`.
        pub(crate) fn reserve(repo: &mut Repo, kind: Kind, n: usize) {
            match kind {
                $(Kind::$variant => repo.$field.reserve_exact(n),)*
            }
        }

        /// Adds a decoded document to the list of its kind.
        pub(crate) fn push(repo: &mut Repo, d: Decoded) {
            match d {
                $(Decoded::$variant(it) => repo.$field.push(it),)*
            }
        }
    };
}
kinds!(repo_by_kind);

fn decode<T: serde::de::DeserializeOwned>(doc: &crate::syntax::Document, out: &mut Vec<crate::diag::Finding>) -> Option<Item<T>> {
    // Deserialised from a borrow: cloning every document first doubled the memory of a decode.
    match <Doc<T> as Deserialize>::deserialize(&doc.yaml.value) {
        // Its place in the repository is set when it is added (`Decoded::at`).
        Ok(d) => Some(Item { doc: 0, name: d.metadata.name, labels: d.metadata.labels, spec: d.spec }),
        Err(e) => {
            out.push(crate::diag::Finding::new(crate::diag::codes::SCH003, doc.file, doc.locate(""), format!("cannot read document: {e}")));
            None
        }
    }
}
