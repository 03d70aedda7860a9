//! `rely import FORMAT FILE... --out DIR`: the SLOs teams already keep for another tool, as rely
//! documents. Each format reads its documents (with positions) into the same drafts: services
//! and their SLOs as rely specs, with the source of each. Whatever cannot be carried over exactly
//! is a finding at the *source* file's line (IMP codes); nothing is dropped silently.
//!
//! Writing: one file per service under DIR, each document preceded by a comment naming where it
//! came from. Files are created, never replaced: if one exists, nothing is written. Names in the
//! output come from the source only through `rely_name` (lowercase letters, digits and dashes),
//! so no source text chooses a path; every other source string is written by the YAML writer as
//! a scalar, so none becomes structure.

mod openslo;
mod pyrra;
mod sloth;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::Serialize;
use serde_json::Value;

use crate::diag::{Finding, Rule, Severity, codes};
use crate::source::Span;
use crate::spec::{Metadata, ServiceSpec, SloSpec};
use crate::syntax::Loaded;
use crate::syntax::yaml::YamlDoc;

/// The formats rely reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Sloth,
    Pyrra,
    OpenSlo,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "sloth" => Some(Format::Sloth),
            "pyrra" => Some(Format::Pyrra),
            "openslo" => Some(Format::OpenSlo),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Sloth => "sloth",
            Format::Pyrra => "pyrra",
            Format::OpenSlo => "openslo",
        }
    }
}

/// What the caller gives.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    /// The Team that owns imported services whose source names no owner.
    pub owner: Option<String>,
    /// The runbook of imported SLOs whose source names none.
    pub runbook: Option<String>,
    /// The Project's `severities` in the reliability directory the files go to (see
    /// [`existing`]): a source's `severity` label that matches its tier's value is expressed.
    pub severities: Option<crate::spec::Severities>,
    /// The SLO names the reliability directory already has (see [`existing`]): an imported SLO
    /// of one of them is renamed as if imported before it.
    pub taken: std::collections::BTreeSet<String>,
}

impl Options {
    /// The `severity` value alerts of `tier` carry in the reliability directory.
    pub(crate) fn severity_value(&self, tier: &str) -> String {
        let p = crate::spec::ProjectSpec { severities: self.severities.clone(), ..Default::default() };
        crate::model::Settings::of(Some(&p)).severity_value(tier).to_string()
    }
}

/// An imported service: its spec and SLOs, each with the comment naming its source.
#[derive(Debug, Clone)]
pub struct ServiceDraft {
    pub name: String,
    pub spec: ServiceSpec,
    pub source: String,
    pub slos: Vec<SloDraft>,
}

#[derive(Debug, Clone)]
pub struct SloDraft {
    pub name: String,
    pub spec: SloSpec,
    pub source: String,
}

/// The result of reading the sources: drafts and findings (against `loaded.files`).
#[derive(Debug, Default)]
pub struct Imported {
    pub loaded: Loaded,
    pub findings: Vec<Finding>,
    pub services: BTreeMap<String, ServiceDraft>,
    /// SLOs found in the sources, imported or not.
    pub found: usize,
    /// The SLO names given so far (with the last suffix tried for each).
    names: BTreeMap<String, usize>,
}

impl Imported {
    pub fn imported(&self) -> usize {
        self.services.values().map(|s| s.slos.len()).sum()
    }
    /// 2: a file could not be read or holds no known document; 1: something was lost; else 0.
    pub fn exit_code(&self) -> u8 {
        if self.findings.iter().any(|f| f.severity == Severity::Error) {
            crate::EXIT_TOOL
        } else if self.findings.iter().any(|f| f.severity == Severity::Warning) || self.imported() == 0 {
            crate::EXIT_FINDINGS
        } else {
            crate::EXIT_OK
        }
    }
}

/// One source document being read: where findings point.
pub(crate) struct Src<'a> {
    pub file: usize,
    pub doc: &'a YamlDoc,
    /// The pointer of the document inside the YAML document (`/2` in a list), or empty.
    pub base: String,
    pub display: String,
    pub findings: &'a mut Vec<Finding>,
}

impl Src<'_> {
    pub(crate) fn span(&self, pointer: &str) -> Span {
        self.doc.index.locate(&format!("{}{pointer}", self.base))
    }
    pub(crate) fn line(&self, pointer: &str) -> usize {
        self.span(pointer).start.line
    }
    pub(crate) fn report(&mut self, rule: &'static Rule, pointer: &str, message: impl Into<String>, help: impl Into<String>) {
        let f = Finding::new(rule, self.file, self.span(pointer), message).help(help);
        self.findings.push(f);
    }
    pub(crate) fn get(&self, pointer: &str) -> Option<&Value> {
        self.doc.value.pointer(&format!("{}{pointer}", self.base))
    }
    /// A string (or number, or boolean, as text) at `pointer`.
    pub(crate) fn str(&self, pointer: &str) -> Option<String> {
        scalar(self.get(pointer)?)
    }
    /// Reports every key of the mapping at `pointer` that is not in `known`.
    pub(crate) fn unknown_keys(&mut self, pointer: &str, known: &[&str], what: &str) {
        let Some(Value::Object(m)) = self.get(pointer) else { return };
        let keys: Vec<String> = m.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect();
        for k in keys {
            let p = format!("{pointer}/{}", crate::syntax::yaml::escape_pointer(&k));
            self.report(
                codes::IMP003,
                &p,
                format!("`{k}` of {what} is not carried over"),
                "rely has no equivalent; add it by hand if it matters",
            );
        }
    }
    /// A string map at `pointer` (label or annotation values as text); non-scalars are reported.
    pub(crate) fn map(&mut self, pointer: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(Value::Object(m)) = self.get(pointer).cloned() else { return out };
        for (k, v) in m {
            match scalar(&v) {
                Some(s) => {
                    out.insert(k, s);
                }
                None => {
                    let p = format!("{pointer}/{}", crate::syntax::yaml::escape_pointer(&k));
                    self.report(
                        codes::IMP003,
                        &p,
                        format!("`{k}` is not a text value and is not carried over"),
                        "labels and annotations are text",
                    );
                }
            }
        }
        out
    }
    /// The comment naming a document's source.
    pub(crate) fn provenance(&self, pointer: &str, what: &str) -> String {
        format!("Imported by `rely import` from {}:{} ({what}).", self.display, self.line(pointer))
    }
}

/// A string, number or boolean as text.
pub(crate) fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A valid rely name (a DNS label) made from any text, deterministically: lowercase ASCII
/// letters and digits kept, every other run of characters one dash, at most 63 characters.
pub fn rely_name(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out = out.trim_matches('-').to_string();
    out.truncate(63);
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "imported".into() } else { out }
}

/// Turns off the page of an imported SLO whose page could never fire with rely's burn factors
/// (a burn factor times the budget at or above 100% errors, as for 90% over 4w; `rely check`
/// warns of such a page, SLO008), and says so at `pointer` (the source's objective).
/// What every importer does last to an SLO: the groups its queries already keep, and a page
/// that could never fire turned off (`pointer`: the source's objective).
pub(crate) fn finish_slo(src: &mut Src<'_>, spec: &mut SloSpec, pointer: &str) {
    if spec.group_by.is_empty() {
        spec.group_by = groups_kept(spec);
    }
    page_or_ticket(src, spec, pointer);
}

/// The labels every query of an SLO's inline indicator aggregates by (`sum by (route) (...)` in
/// each): written by hand, the SLO is already measured per route, and `group_by` says so (the
/// generated tests then drive the groups). None when the queries differ or keep other labels.
fn groups_kept(spec: &SloSpec) -> Vec<String> {
    let Some(i) = &spec.indicator else { return vec![] };
    let mut queries: Vec<&String> = vec![];
    if let Some(r) = &i.ratio {
        queries.extend(r.errors.iter().chain(r.good.iter()));
        queries.push(&r.total);
    }
    if let Some(r) = &i.raw {
        queries.push(&r.error_ratio);
    }
    let mut common: Option<std::collections::BTreeSet<String>> = None;
    for q in queries {
        let facts = crate::promql::facts(&crate::promql::with_window(q.trim(), "5m"));
        let Some(crate::promql::Kept::Only(s)) = facts.kept.clone() else { return vec![] };
        if s.is_empty() || common.as_ref().is_some_and(|c| *c != s) {
            return vec![];
        }
        common = Some(s);
    }
    let groups: Vec<String> = common.unwrap_or_default().into_iter().collect();
    let labelled = |g: &String| spec.labels.contains_key(g) || spec.alerting.as_ref().is_some_and(|a| a.labels.contains_key(g));
    if groups.iter().any(|g| reserved_label(g) || matches!(g.as_str(), "le" | "alertname") || labelled(g)) {
        return vec![];
    }
    groups
}

fn page_or_ticket(src: &mut Src<'_>, spec: &mut SloSpec, pointer: &str) {
    use crate::model::burn::{self, Tier};
    let Some(period) = spec.window.as_deref().and_then(crate::duration::parse) else { return };
    let Some(alerting) = spec.alerting.as_mut() else { return };
    if !alerting.page_enabled() {
        return;
    }
    let budget = burn::round_sig(1.0 - spec.objective / 100.0);
    let need = burn::policy_windows(alerting.policy.as_ref(), period)
        .iter()
        .filter(|w| w.tier == Tier::Page)
        .map(|w| w.factor(period) * budget)
        .fold(0.0, f64::max);
    if need >= 1.0 {
        alerting.page.get_or_insert_with(Default::default).enabled = Some(false);
        src.report(
            codes::IMP004,
            pointer,
            format!(
                "objective {}% over {}: rely's page would need {}% errors and is turned off; the ticket alerts",
                spec.objective,
                spec.window.as_deref().unwrap_or(""),
                burn::num(need * 100.0)
            ),
            "a page whose burn threshold is above 100% errors never fires; give the SLO an `alerting.policy` with lower page factors, or keep the ticket",
        );
    }
}

/// An alert name rely accepts (letters, digits, underscores, not starting with a digit), made
/// from the source's; a changed one is reported at `pointer`.
pub(crate) fn alert_name(src: &mut Src<'_>, pointer: &str, n: &str) -> String {
    if !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !n.starts_with(|c: char| c.is_ascii_digit()) {
        return n.to_string();
    }
    let made: String = n.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let made = if made.is_empty() || made.starts_with(|c: char| c.is_ascii_digit()) { format!("_{made}") } else { made };
    src.report(
        codes::IMP004,
        pointer,
        format!("alert name `{n}` is written as `{made}`"),
        "rely alert names are letters, digits and underscores",
    );
    made
}

/// An imported service's spec: what the sources say of it, nothing else.
pub(crate) fn service_spec(owner: Option<String>, tier: u8, description: Option<String>) -> ServiceSpec {
    ServiceSpec {
        owner: owner.unwrap_or_default(),
        tier,
        description: description.filter(|d| !d.trim().is_empty()),
        runbook: None,
        selector: BTreeMap::new(),
        dependencies: vec![],
        dashboard_uid: None,
    }
}

/// An SLO's rely name: `<service>-<name>`, unless the name already starts with the service's
/// (or is it).
pub(crate) fn prefixed_name(service: &str, name: &str) -> String {
    let n = rely_name(name);
    if n == service || n.starts_with(&format!("{service}-")) { n } else { rely_name(&format!("{service}-{name}")) }
}

/// Is `k` a Prometheus label name?
pub(crate) fn is_label_name(k: &str) -> bool {
    crate::promql::is_label_name(k) && !k.starts_with("__")
}

/// Labels rely sets itself on rules or alerts, which an imported label cannot keep.
pub(crate) fn reserved_label(k: &str) -> bool {
    matches!(k, "team" | "severity" | "service") || k.starts_with("rely_") || k.starts_with("sloth_")
}

/// What documents of one format may refer to across files: OpenSLO SLOs name SLI documents
/// (`indicatorRef`) and Service documents.
#[derive(Debug, Default)]
pub(crate) struct Env {
    /// SLI name → its spec.
    pub slis: BTreeMap<String, Value>,
    /// Service name → its description, tier and owner (`tier` and `team` labels).
    pub services: BTreeMap<String, (String, Option<u8>, Option<String>)>,
    /// OpenSLO AlertPolicy and AlertCondition name → its spec, and where its document is (for
    /// findings about its own fields).
    pub alert_policies: BTreeMap<String, (Value, Place)>,
    pub alert_conditions: BTreeMap<String, (Value, Place)>,
    /// The AlertPolicy and AlertCondition names some SLO or policy refers to.
    pub used_policies: std::collections::BTreeSet<String>,
    pub used_conditions: std::collections::BTreeSet<String>,
}

/// Where a source document is: its file, its YAML document's positions, and its pointer there.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub file: usize,
    pub index: crate::syntax::Positions,
    pub base: String,
}

/// The documents of a YAML document: itself, or each item when it is a list (OpenSLO allows a
/// file to be one list of documents), as pointers into it.
fn items(value: &Value) -> Vec<String> {
    match value {
        Value::Array(a) => (0..a.len()).map(|i| format!("/{i}")).collect(),
        _ => vec![String::new()],
    }
}

/// Reads the sources (nothing is written).
pub fn read(opts: &Options) -> Imported {
    let mut imp = Imported { names: opts.taken.iter().map(|n| (n.clone(), 1)).collect(), ..Default::default() };
    // Every file first: documents of one may be named by another.
    let mut loaded_files = vec![];
    for path in &opts.files {
        let display = crate::source::display_path(path);
        let unreadable = |imp: &mut Imported, rule: &'static Rule, msg: String, help: &str| {
            let id = imp.loaded.files.len();
            imp.loaded.files.push(crate::source::SourceFile::new(path.clone(), display.clone(), String::new()));
            imp.findings.push(Finding::new(rule, id, Span::point(1, 1), msg).help(help));
        };
        match std::fs::read(path) {
            Ok(b) if b.len() as u64 > crate::syntax::MAX_FILE_BYTES => {
                unreadable(&mut imp, codes::YML005, "file is larger than rely reads (4 MiB)".into(), "import the SLO files themselves");
            }
            Ok(b) => {
                let first_doc = imp.loaded.docs.len();
                crate::syntax::add_source(&mut imp.loaded, path.clone(), display.clone(), b);
                // YAML and UTF-8 problems of the source are the import's findings.
                imp.findings.append(&mut imp.loaded.findings);
                loaded_files.push((imp.loaded.files.len() - 1, display, first_doc, imp.loaded.docs.len()));
            }
            Err(e) => unreadable(&mut imp, codes::IMP001, format!("cannot read {display}: {e}"), "give a readable file"),
        }
    }
    let mut env = Env::default();
    if opts.format == Format::OpenSlo {
        for d in &imp.loaded.docs {
            for base in items(&d.yaml.value) {
                openslo::collect(d.file, &d.yaml, &base, &mut env);
            }
        }
    }
    let docs = std::mem::take(&mut imp.loaded.docs);
    for (file, display, first, last) in loaded_files {
        let mut known = 0;
        let mut unknown = vec![];
        for doc in &docs[first..last] {
            for base in items(&doc.yaml.value) {
                let value = doc.yaml.value.pointer(&base).cloned().unwrap_or(Value::Null);
                let mut src = Src { file, doc: &doc.yaml, base, display: display.clone(), findings: &mut imp.findings };
                let read = match opts.format {
                    Format::Sloth => sloth::read(&mut src, opts),
                    Format::Pyrra => pyrra::read(&mut src, opts),
                    Format::OpenSlo => openslo::read(&mut src, opts, &env),
                };
                match read {
                    Some(services) => {
                        known += 1;
                        for s in services {
                            imp.found += s.found;
                            merge(&mut imp.services, &mut imp.names, &opts.taken, s.draft);
                        }
                    }
                    None => {
                        let what = match value.get("kind").or_else(|| value.get("version")) {
                            Some(Value::String(k)) => format!("a `{k}` document"),
                            _ => "this document".into(),
                        };
                        unknown.push(Finding::new(
                            codes::IMP001,
                            file,
                            src.span(""),
                            format!("{what} is not a {} document", opts.format.as_str()),
                        ));
                    }
                }
            }
        }
        // A file with no document of the format is the wrong file (exit 2); other documents
        // beside ones of the format (a Namespace next to SLOs) are left out, and said so.
        for f in unknown {
            if known == 0 {
                imp.findings.push(f.help(expected_help(opts.format)));
            } else {
                let mut f = Finding::new(codes::IMP003, f.file, f.span, format!("{}; it is not carried over", f.message));
                f.help = Some(expected_help(opts.format).into());
                imp.findings.push(f);
            }
        }
        if known == 0 && first == last && !imp.findings.iter().any(|f| f.file == file) {
            imp.findings.push(
                Finding::new(codes::IMP001, file, Span::point(1, 1), format!("{display} holds no documents"))
                    .help(expected_help(opts.format)),
            );
        }
    }
    // One finding per place: a service's labels are read again for each of its SLOs.
    let mut seen = std::collections::HashSet::new();
    imp.findings.retain(|f| seen.insert((f.rule.code, f.file, f.span.start.line, f.span.start.col, f.message.clone())));
    imp.loaded.docs = docs;
    // Syntax problems in a source make it unreadable: exit 2.
    for f in &mut imp.findings {
        if f.rule.family() == "YML" {
            f.severity = Severity::Error;
        }
    }
    imp
}

fn expected_help(format: Format) -> &'static str {
    match format {
        Format::Sloth => "rely import sloth reads `version: prometheus/v1` files and `sloth.slok.dev/v1` PrometheusServiceLevel objects",
        Format::Pyrra => "rely import pyrra reads `pyrra.dev/v1alpha1` ServiceLevelObjective objects",
        Format::OpenSlo => "rely import openslo reads `openslo/v1` and `openslo/v1alpha` documents",
    }
}

/// One service read from one source document, and how many SLOs the source had.
pub(crate) struct Read {
    pub draft: ServiceDraft,
    pub found: usize,
}

/// Services of one name from several documents become one (the first one's spec). SLO names
/// are unique in rely: a name taken by an SLO of the reliability directory (`taken`) or read
/// before gets `-2`, `-3`, ... (in the order the files were given), and its comment says so.
fn merge(
    services: &mut BTreeMap<String, ServiceDraft>,
    names: &mut BTreeMap<String, usize>,
    taken: &std::collections::BTreeSet<String>,
    mut s: ServiceDraft,
) {
    for slo in &mut s.slos {
        if names.contains_key(&slo.name) {
            let base = slo.name.clone();
            // The next suffix tried for this name is remembered: no quadratic search.
            let mut i = names[&base].max(1);
            let name = loop {
                i += 1;
                let suffix = format!("-{i}");
                let mut b = base.clone();
                b.truncate(63 - suffix.len());
                let n = format!("{}{suffix}", b.trim_end_matches('-'));
                if !names.contains_key(&n) {
                    break n;
                }
            };
            names.insert(base.clone(), i);
            names.insert(name.clone(), 1);
            let by = if taken.contains(&base) { "an SLO of the reliability directory" } else { "an SLO imported before it" };
            slo.source = format!("{} Named `{name}`: `{base}` was taken by {by}.", slo.source);
            slo.name = name;
        } else {
            names.insert(slo.name.clone(), 1);
        }
    }
    match services.get_mut(&s.name) {
        Some(existing) => existing.slos.extend(s.slos),
        None => {
            services.insert(s.name.clone(), s);
        }
    }
}

#[derive(Serialize)]
struct Doc<'a, T: Serialize> {
    #[serde(rename = "apiVersion")]
    api_version: &'static str,
    kind: &'static str,
    metadata: Metadata,
    spec: &'a T,
}

fn document<T: Serialize>(kind: &'static str, name: &str, spec: &T, comment: &str) -> String {
    let doc = Doc { api_version: "rely/v1", kind, metadata: Metadata { name: name.into(), labels: BTreeMap::new() }, spec };
    format!("# {}\n{}", crate::emit::escape::comment(comment), crate::emit::yaml::to_string(&doc))
}

/// The files to write: one per service, `<service>.yaml`, relative to the output directory.
/// Services already defined in `existing` get no Service document.
pub fn render(imp: &Imported, existing: &std::collections::BTreeSet<String>) -> Vec<(PathBuf, String)> {
    let mut files = vec![];
    for (name, s) in &imp.services {
        if s.slos.is_empty() {
            continue;
        }
        let mut docs = vec![];
        if !existing.contains(name) {
            docs.push(document("Service", name, &s.spec, &s.source));
        }
        for slo in &s.slos {
            docs.push(document("SLO", &slo.name, &slo.spec, &slo.source));
        }
        files.push((PathBuf::from(format!("{name}.yaml")), docs.join("---\n")));
    }
    files
}

/// What the reliability directory that `out` is in already defines.
#[derive(Debug, Default)]
pub struct Existing {
    /// Service names (imported SLOs of these get no Service document).
    pub services: std::collections::BTreeSet<String>,
    /// The Project's `severities`.
    pub severities: Option<crate::spec::Severities>,
    /// SLO names.
    pub slos: std::collections::BTreeSet<String>,
}

/// The Services, SLO names and Project severities defined in the reliability directory that
/// holds `out`: the highest of `out` and its ancestors with a rely document directly in it
/// (`project.yaml`, `teams.yaml`, ...; not the nearest, which may be an earlier import's folder
/// beside the SLOs of `services/`), read as `rely check` reads it. Only directories inside
/// `out`'s git work tree are considered (outside git, `out` and its parent only), so a stray file
/// in `/tmp` or a home directory is never read.
pub fn existing(out: &Path) -> Existing {
    let mut found = Existing::default();
    let Ok(abs) = std::path::absolute(out) else { return found };
    let root = abs.ancestors().find(|d| d.join(".git").exists());
    let candidates: Vec<&Path> = match root {
        Some(r) => abs.ancestors().take_while(|d| d.starts_with(r)).collect(),
        None => abs.ancestors().take(2).collect(),
    };
    if let Some(dir) = candidates.into_iter().rev().find(|d| has_rely_document(d))
        && let Ok(loaded) = crate::syntax::load_dir(dir)
    {
        for d in &loaded.docs {
            let v = &d.yaml.value;
            if v.get("apiVersion").and_then(Value::as_str) != Some("rely/v1") {
                continue;
            }
            match v.get("kind").and_then(Value::as_str) {
                Some(kind @ ("Service" | "SLO")) => {
                    if let Some(n) = v.pointer("/metadata/name").and_then(Value::as_str) {
                        let set = if kind == "SLO" { &mut found.slos } else { &mut found.services };
                        set.insert(n.to_string());
                    }
                }
                Some("Project") => {
                    found.severities = v.pointer("/spec/severities").and_then(|s| serde_json::from_value(s.clone()).ok());
                }
                _ => {}
            }
        }
    }
    found
}

/// Whether a YAML file directly in `dir` says `apiVersion: rely/v1`.
fn has_rely_document(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        let p = e.path();
        p.extension().is_some_and(|x| x == "yaml" || x == "yml")
            && e.file_type().is_ok_and(|t| t.is_file())
            && e.metadata().is_ok_and(|m| m.len() <= crate::syntax::MAX_FILE_BYTES)
            && std::fs::read_to_string(&p).is_ok_and(|t| t.lines().any(|l| l.trim() == "apiVersion: rely/v1"))
    })
}

/// Creates every file under `out`; refuses, writing nothing, when one exists.
pub fn write(out: &Path, files: &[(PathBuf, String)]) -> Result<Vec<PathBuf>> {
    let existing: Vec<String> =
        files.iter().map(|(p, _)| out.join(p)).filter(|p| p.symlink_metadata().is_ok()).map(|p| p.display().to_string()).collect();
    if !existing.is_empty() {
        bail!("nothing written: these files exist already and rely import never overwrites: {}", existing.join(", "));
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut written: Vec<PathBuf> = vec![];
    // All or nothing: on a failure the files this run created go again (a half-written one too).
    let undo = |written: &[PathBuf]| {
        for w in written {
            let _ = std::fs::remove_file(w);
        }
    };
    for (p, text) in files {
        let path = out.join(p);
        let mut f = match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => f,
            Err(e) => {
                undo(&written);
                return Err(anyhow::Error::new(e).context(format!("nothing written: cannot create {}", path.display())));
            }
        };
        written.push(path.clone());
        if let Err(e) = std::io::Write::write_all(&mut f, text.as_bytes()) {
            undo(&written);
            return Err(anyhow::Error::new(e).context(format!("nothing written: cannot write {}", path.display())));
        }
    }
    Ok(written)
}

/// Counts a severity's findings.
pub fn count(findings: &[Finding], s: Severity) -> usize {
    findings.iter().filter(|f| f.severity == s).count()
}
