//! Checking, in phases that each collect every finding: YAML (done while loading), schema,
//! then — on the documents that passed their schema — references and the lint rules of each
//! family. The typed documents that come out (`Repo`) are what the model is lowered from.

mod adoption;
mod alerts;
mod chaos;
mod concerns;
mod generate;
mod ownership;
mod refs;
pub mod schema;
mod slo;

use std::path::{Path, PathBuf};

use crate::diag::{Finding, Rule};
use crate::source::Span;
use crate::spec::*;

use crate::syntax::{Document, Loaded};

/// What the lint phases share: the documents (for positions), the typed repo and the repo root.
pub(crate) struct Ctx<'a> {
    pub docs: &'a [Document],
    pub files: &'a [crate::source::SourceFile],
    pub repo: &'a Repo,
    /// The Project's settings, defaults resolved (the same ones the model is lowered with).
    pub settings: &'a crate::model::Settings,
    pub root: &'a Path,
    /// The paths of the git revision being checked (see `Loaded::tree`); `None` for files on disk.
    pub tree: Option<&'a std::collections::BTreeSet<String>>,
    /// Every placeholder left in a document's strings: document, JSON pointer, placeholder.
    pub placeholders: &'a [(usize, String, String)],
    pub findings: Vec<Finding>,
}

impl<'a> Ctx<'a> {
    /// Whether a repository-relative path exists: in the revision being checked, or on disk.
    pub(crate) fn path_exists(&self, rel: &Path) -> bool {
        match self.tree {
            Some(tree) => {
                let parts: Vec<String> = rel
                    .components()
                    .filter(|c| !matches!(c, std::path::Component::CurDir))
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                tree.contains(&parts.join("/"))
            }
            None => self.root.join(rel).exists(),
        }
    }

    pub(crate) fn at(&self, doc: usize, pointer: &str) -> (usize, Span) {
        let d = &self.docs[doc];
        (d.file, d.locate(pointer))
    }

    /// `file:line` of the node at `pointer` in `doc`, for help lines.
    pub(crate) fn where_(&self, doc: usize, pointer: &str) -> String {
        let (file, span) = self.at(doc, pointer);
        format!("{}:{}", self.files.get(file).map(|f| f.display.as_str()).unwrap_or("?"), span.start.line)
    }

    /// A context over the same documents with findings of its own (for checks run in parallel).
    pub(crate) fn fork(&self) -> Ctx<'a> {
        Ctx { findings: vec![], ..*self }
    }

    /// Records a finding at `pointer` in document `doc`; returns it for a help line.
    pub(crate) fn report(&mut self, rule: &'static Rule, doc: usize, pointer: &str, message: impl Into<String>) -> &mut Finding {
        let (file, span) = self.at(doc, pointer);
        self.findings.push(Finding::new(rule, file, span, message));
        self.findings.last_mut().expect("just pushed")
    }
}

/// The result of checking a directory.
pub struct Checked {
    pub repo: Repo,
    pub findings: Vec<Finding>,
    /// The repository root runbook paths are resolved against.
    pub root: PathBuf,
}

/// Finds the repository root: the git work tree holding `dir`, or `dir`'s parent outside git.
pub(crate) fn repo_root(dir: &Path) -> PathBuf {
    let abs = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    let mut cur = Some(abs.as_path());
    while let Some(c) = cur {
        if c.join(".git").exists() {
            return c.to_path_buf();
        }
        cur = c.parent();
    }
    abs.parent().map(Path::to_path_buf).unwrap_or(abs)
}

/// What the schema phase made of one document, found while its value is at hand: the decoded
/// document, or the kind and name of one whose schema failed; its findings; and the
/// placeholders in its strings (JSON pointer and placeholder), reported by the adoption lints.
pub(crate) struct Outcome {
    decoded: Result<repo::Decoded, Option<(Kind, String)>>,
    findings: Vec<Finding>,
    placeholders: Vec<(String, String)>,
}

/// Checks `doc` against its schema, decodes it when it passes, and finds its placeholders.
/// Its index in the repository is set when the outcomes are assembled.
pub(crate) fn outcome(doc: &Document) -> Outcome {
    let mut findings = vec![];
    let decoded = match schema::check_document(doc, &mut findings) {
        Some(kind) => repo::decode_any(kind, doc, &mut findings).ok_or(None),
        None => {
            let kind = doc.yaml.value.get("kind").and_then(|k| k.as_str()).and_then(Kind::parse);
            let name = doc.yaml.value.pointer("/metadata/name").and_then(|n| n.as_str());
            Err(kind.zip(name).map(|(k, n)| (k, n.to_string())))
        }
    };
    Outcome { decoded, findings, placeholders: adoption::placeholders_in(&doc.yaml.value) }
}

/// The repository of `outcomes` (one per document of `loaded`, in order, in lists of any
/// length), their findings added to `findings`, and every placeholder with its document.
fn assemble(loaded: &Loaded, outcomes: Vec<Vec<Outcome>>, findings: &mut Vec<Finding>) -> (Repo, Vec<(usize, String, String)>) {
    let mut repo = Repo::default();
    // Each kind's list made at its size: grown by doubling, 100,000 SLOs were copied 17 times
    // (into memory faulted in afresh each time).
    let mut counts = crate::FastMap::<Kind, usize>::default();
    for o in outcomes.iter().flatten() {
        if let Ok(d) = &o.decoded {
            *counts.entry(d.kind()).or_default() += 1;
        }
    }
    for (kind, n) in counts {
        repo::reserve(&mut repo, kind, n);
    }
    let mut placeholders = vec![];
    for (i, (o, doc)) in outcomes.into_iter().flatten().zip(&loaded.docs).enumerate() {
        // A document's schema findings are all in its own file.
        findings.extend(o.findings.into_iter().map(|f| Finding { file: doc.file, ..f }));
        placeholders.extend(o.placeholders.into_iter().map(|(ptr, p)| (i, ptr, p)));
        match o.decoded {
            Ok(d) => repo::push(&mut repo, d.at(i)),
            Err(Some(broken)) => repo.broken.push(broken),
            Err(None) => {}
        }
    }
    repo.build_index();
    (repo, placeholders)
}

/// Runs the schema phase and decodes every valid document (in parallel, added in load order).
pub(crate) fn decode_all(loaded: &Loaded, findings: &mut Vec<Finding>) -> Repo {
    decode_with_placeholders(loaded, findings).0
}

fn decode_with_placeholders(loaded: &Loaded, findings: &mut Vec<Finding>) -> (Repo, Vec<(usize, String, String)>) {
    use rayon::prelude::*;
    let outcomes: Vec<Outcome> = loaded.docs.par_iter().map(outcome).collect();
    assemble(loaded, vec![outcomes], findings)
}

/// Loads and checks `dir`, decoding each file's documents as soon as it is parsed (see
/// `syntax::load_dir_decoding`): the documents' values are not kept.
pub fn load_and_check(dir: &Path) -> anyhow::Result<(Loaded, Checked)> {
    // The schema phase runs within "load", as each file is parsed.
    let t = std::time::Instant::now();
    let (loaded, outcomes) = crate::syntax::load_dir_decoding(dir, &outcome)?;
    crate::phase("load", t);
    let t = std::time::Instant::now();
    let mut findings = loaded.findings.clone();
    let (repo, placeholders) = assemble(&loaded, outcomes, &mut findings);
    crate::phase("check: assemble", t);
    let checked = lint(&loaded, repo, placeholders, findings, repo_root(dir));
    crate::phase("check", t);
    Ok((loaded, checked))
}

/// Checks everything loaded from `dir`.
pub fn check(loaded: &Loaded, dir: &Path) -> Checked {
    check_with_root(loaded, &repo_root(dir))
}

/// Checks `loaded`, resolving runbook paths against `root`.
pub fn check_with_root(loaded: &Loaded, root: &Path) -> Checked {
    let mut findings = loaded.findings.clone();
    let t = std::time::Instant::now();
    let (repo, placeholders) = decode_with_placeholders(loaded, &mut findings);
    crate::phase("check: schema and decode", t);
    lint(loaded, repo, placeholders, findings, root.to_path_buf())
}

/// The phases after the schema's, on the decoded repository.
fn lint(loaded: &Loaded, repo: Repo, placeholders: Vec<(usize, String, String)>, mut findings: Vec<Finding>, root: PathBuf) -> Checked {
    let settings = crate::model::Settings::of(repo.project().map(|p| &p.spec));
    let mut ctx = Ctx {
        docs: &loaded.docs,
        files: &loaded.files,
        repo: &repo,
        settings: &settings,
        root: &root,
        tree: loaded.tree.as_ref(),
        placeholders: &placeholders,
        findings: vec![],
    };
    type Pass = fn(&mut Ctx<'_>);
    let run = |ctx: &mut Ctx<'_>, passes: &[(&str, Pass)]| {
        for (name, pass) in passes {
            let t = std::time::Instant::now();
            pass(ctx);
            crate::phase(&format!("check: {name}"), t);
        }
    };
    // The SLO pass (in parallel itself) alongside the others, which are sequential; findings
    // are gathered in the order of the passes.
    let (mut before, mut slos, mut after) = (ctx.fork(), ctx.fork(), ctx.fork());
    rayon::join(
        || run(&mut slos, &[("slos", slo::check)]),
        || {
            run(&mut before, &[("references", refs::check), ("ownership", ownership::check), ("alerts", alerts::check)]);
            run(
                &mut after,
                &[
                    ("concerns", concerns::check),
                    ("chaos", chaos::check),
                    ("generate", generate::check),
                    ("output paths", generate::output_paths),
                    ("adoption", adoption::check),
                ],
            );
        },
    );
    for part in [&mut before, &mut slos, &mut after] {
        ctx.findings.append(&mut part.findings);
    }
    findings.append(&mut ctx.findings);
    // A placeholder is the root cause of whatever else is wrong with its value (a runbook that is
    // not a URL, an unknown team): report it alone.
    let placeholders: std::collections::HashSet<(usize, Span)> =
        findings.iter().filter(|f| f.rule.code == crate::diag::codes::SCH008.code).map(|f| (f.file, f.span)).collect();
    findings.retain(|f| f.rule.code == crate::diag::codes::SCH008.code || !placeholders.contains(&(f.file, f.span)));
    mark_consequences(&mut findings, loaded);
    crate::diag::sort(&mut findings, &loaded.files);
    Checked { repo, findings, root }
}

/// A file rely could not read (not YAML, too large, not UTF-8, a link) may define the names other
/// documents refer to: an unknown name is then possibly a consequence, said so and printed after.
fn mark_consequences(findings: &mut [Finding], loaded: &Loaded) {
    use crate::diag::codes::{CHS004, REF001, YML001, YML005, YML006, YML008, YML009, YML010};
    let unread: Vec<&str> = findings
        .iter()
        .filter(|f| [YML001, YML005, YML006, YML008, YML009, YML010].iter().any(|r| r.code == f.rule.code))
        .filter_map(|f| loaded.files.get(f.file).map(|s| s.display.as_str()))
        .collect();
    let Some(first) = unread.first().map(|s| s.to_string()) else { return };
    let more = if unread.len() > 1 { format!(" (and {} more)", unread.len() - 1) } else { String::new() };
    for f in findings.iter_mut().filter(|f| f.rule.code == REF001.code || f.rule.code == CHS004.code) {
        f.consequence = true;
        let note = format!("it may be defined in {first}{more}, which could not be read: fix that first");
        f.help = Some(match f.help.take() {
            Some(h) if !h.starts_with("there is no") => format!("{h}; or {note}"),
            _ => note,
        });
    }
}

/// Whether a free-text answer is real text rather than a placeholder.
pub(crate) fn is_real_text(s: Option<&str>) -> bool {
    let Some(s) = s else { return false };
    let t = s.trim().trim_end_matches('.').to_ascii_lowercase();
    !(t.is_empty()
        || ["tbd", "tbc", "todo", "n/a", "na", "none", "?", "??", "???", "-", "--", "...", "xxx", "fixme", "unknown", "later"]
            .contains(&t.as_str()))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Decoding each file's documents as it is loaded, then dropping their values, finds what
    /// decoding the loaded documents does: the same findings, in the same places, and the same
    /// repository (every fixture, valid and invalid, and the example repository).
    #[test]
    fn checking_while_loading_finds_what_checking_after_loading_finds() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![root.join("reliability")];
        for group in ["valid", "invalid", "multi", "sloth"] {
            for entry in std::fs::read_dir(root.join("tests/fixtures").join(group)).expect("fixtures") {
                let path = entry.expect("entry").path();
                let tmp = tempfile::tempdir().expect("tempdir");
                let dir = tmp.keep().join("reliability");
                std::fs::create_dir_all(&dir).expect("mkdir");
                if path.is_dir() {
                    for f in std::fs::read_dir(&path).expect("fixture dir") {
                        let f = f.expect("entry").path();
                        if f.is_file() {
                            std::fs::copy(&f, dir.join(f.file_name().expect("name"))).expect("copy");
                        }
                    }
                } else {
                    std::fs::copy(&path, dir.join(path.file_name().expect("name"))).expect("copy");
                }
                dirs.push(dir);
            }
        }
        let mut with_findings = 0;
        for dir in &dirs {
            let (streamed, a) = super::load_and_check(dir).expect("loads");
            let loaded = crate::syntax::load_dir(dir).expect("loads");
            let b = super::check(&loaded, dir);
            assert_eq!(a.findings, b.findings, "{}", dir.display());
            // Every list (the name index is a hash map, printed in no fixed order).
            let lists = |r: &crate::spec::Repo| {
                format!("{:?}", (&r.projects, &r.teams, &r.services, &r.slis, &r.slos, &r.alerts, &r.concerns, &r.chaos, &r.broken))
            };
            assert_eq!(lists(&a.repo), lists(&b.repo), "{}", dir.display());
            for kind in crate::spec::Kind::ALL {
                for name in b.repo.names(kind) {
                    assert!(a.repo.has(kind, name), "{kind:?} {name}");
                }
            }
            assert_eq!(streamed.docs.len(), loaded.docs.len());
            assert!(streamed.docs.iter().all(|d| d.yaml.value.is_null()), "values are dropped once decoded");
            with_findings += usize::from(!a.findings.is_empty());
        }
        assert!(with_findings > 90, "the invalid fixtures have findings: {with_findings} of {}", dirs.len());
    }
}
