//! File ownership: which teams review each document file (the CODEOWNERS output). A file is owned
//! by the teams owning what its documents define; concerns and chaos plans also by the council.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::Repo;

/// Where each document came from, for generated headers and CODEOWNERS (asked from several
/// threads while lowering).
pub trait Origin: Sync {
    /// The document's file as shown to users (and in generated headers).
    fn source(&self, doc: usize) -> String;
    /// The document's file relative to the repository root, `/`-separated.
    fn repo_path(&self, doc: usize) -> String;
    /// A number for the document's file, the same for every document of one file (so that what
    /// is asked per file is asked once).
    fn file(&self, doc: usize) -> usize;
}

/// Repository-relative document files and the teams that must review them.
pub(super) fn file_owners(repo: &Repo, origin: &dyn Origin, council: Option<&str>) -> BTreeMap<String, BTreeSet<String>> {
    // Per file (one of its documents, and the teams), then by path.
    let mut by_file: crate::FastMap<usize, (usize, BTreeSet<String>)> = Default::default();
    let council = council.map(str::to_string);
    let mut own = |doc: usize, teams: Vec<String>| {
        by_file.entry(origin.file(doc)).or_insert_with(|| (doc, BTreeSet::new())).1.extend(teams.into_iter().filter(|t| !t.is_empty()));
    };
    let svc_owner = |s: &str| repo.service(s).map(|x| x.spec.owner.clone()).unwrap_or_default();
    for p in &repo.projects {
        own(p.doc, council.iter().cloned().collect());
    }
    for t in &repo.teams {
        own(t.doc, vec![t.name.clone()]);
    }
    for s in &repo.services {
        own(s.doc, vec![s.spec.owner.clone()]);
    }
    for s in &repo.slis {
        own(s.doc, vec![svc_owner(&s.spec.service)]);
    }
    for s in &repo.slos {
        own(s.doc, vec![svc_owner(&s.spec.service), repo.slo_owner(&s.spec).unwrap_or_default().to_string()]);
    }
    for a in &repo.alerts {
        own(a.doc, vec![svc_owner(&a.spec.service), a.spec.owner.clone().unwrap_or_default()]);
    }
    for c in &repo.concerns {
        own(c.doc, vec![council.clone().unwrap_or_else(|| c.spec.raised_by.clone())]);
    }
    for c in &repo.chaos {
        own(c.doc, c.spec.experiments.iter().map(|e| e.team.clone()).chain(council.clone()).collect());
    }
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (doc, teams) in by_file.into_values() {
        out.entry(origin.repo_path(doc)).or_default().extend(teams);
    }
    out
}
