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

/// Runs the schema phase and decodes every valid document: in parallel, a few thousand
/// documents at a time (so that only those are held twice, as decoded and as added), and added
/// in load order.
pub(crate) fn decode_all(loaded: &Loaded, findings: &mut Vec<Finding>) -> Repo {
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let mut repo = Repo::default();
    for (c, docs) in loaded.docs.chunks(CHUNK).enumerate() {
        // Each document: decoded, or the kind and name of one whose schema failed; and findings.
        type Outcome = (Result<repo::Decoded, Option<(Kind, String)>>, Vec<Finding>);
        let checked: Vec<Outcome> = docs
            .par_iter()
            .enumerate()
            .map(|(i, doc)| {
                let mut f = vec![];
                let decoded = match schema::check_document(doc, &mut f) {
                    Some(kind) => repo::decode_any(kind, doc, c * CHUNK + i, &mut f).ok_or(None),
                    None => {
                        let kind = doc.yaml.value.get("kind").and_then(|k| k.as_str()).and_then(Kind::parse);
                        let name = doc.yaml.value.pointer("/metadata/name").and_then(|n| n.as_str());
                        Err(kind.zip(name).map(|(k, n)| (k, n.to_string())))
                    }
                };
                (decoded, f)
            })
            .collect();
        for (decoded, mut fs) in checked {
            findings.append(&mut fs);
            match decoded {
                Ok(d) => repo::push(&mut repo, d),
                Err(Some(broken)) => repo.broken.push(broken),
                Err(None) => {}
            }
        }
    }
    repo.build_index();
    repo
}

/// Checks everything loaded from `dir`.
pub fn check(loaded: &Loaded, dir: &Path) -> Checked {
    check_with_root(loaded, &repo_root(dir))
}

/// Checks `loaded`, resolving runbook paths against `root`.
pub fn check_with_root(loaded: &Loaded, root: &Path) -> Checked {
    let mut findings = loaded.findings.clone();
    let t = std::time::Instant::now();
    let repo = decode_all(loaded, &mut findings);
    crate::phase("check: schema and decode", t);
    let root = root.to_path_buf();
    let settings = crate::model::Settings::of(repo.project().map(|p| &p.spec));
    let mut ctx = Ctx {
        docs: &loaded.docs,
        files: &loaded.files,
        repo: &repo,
        settings: &settings,
        root: &root,
        tree: loaded.tree.as_ref(),
        findings: vec![],
    };
    type Pass = fn(&mut Ctx<'_>);
    let passes: [(&str, Pass); 9] = [
        ("references", refs::check),
        ("ownership", ownership::check),
        ("alerts", alerts::check),
        ("slos", slo::check),
        ("concerns", concerns::check),
        ("chaos", chaos::check),
        ("generate", generate::check),
        ("output paths", generate::output_paths),
        ("adoption", adoption::check),
    ];
    for (name, pass) in passes {
        let t = std::time::Instant::now();
        pass(&mut ctx);
        crate::phase(&format!("check: {name}"), t);
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
