//! The pipeline each command runs, as library calls: load → check → (severity overrides) →
//! lower → emit. Options are the library's own types; the command line is one client of them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};

use crate::diag::{Finding, Overrides, Severity, codes};
use crate::{check, diff, emit, git, model, source, spec, syntax};

/// Severity overrides from the command line (the Project's `spec.lint` applies under them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintOptions {
    /// Codes reported as errors; `warnings` makes every warning an error.
    pub deny: Vec<String>,
    /// Codes reported as warnings.
    pub warn: Vec<String>,
    /// Codes not reported.
    pub allow: Vec<String>,
}

/// Frees `v` on a thread of its own: at 100,000 SLOs the parsed documents, the decoded
/// repository and the model each take a tenth of a second to free, which the build (or the
/// process's exit) need not wait for. Dropped here when no thread can be started.
pub(crate) fn free_in_background<T: Send + 'static>(v: T) {
    // A thread that cannot be started drops its closure, and `v` with it, here.
    let _ = std::thread::Builder::new().name("rely-free".into()).spawn(move || drop(v));
}

/// Logs how long a phase took (`rely -vv`, or `RELY_LOG=debug`).
pub(crate) fn phase(name: &str, since: Instant) {
    if log::log_enabled!(target: "rely::timing", log::Level::Info) {
        // Resident memory after the phase and the peak so far (Linux), to see which phase holds
        // what and where the peak is.
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let kb = |field: &str| {
            status.lines().find_map(|l| l.strip_prefix(field)).and_then(|v| v.trim().trim_end_matches(" kB").parse::<u64>().ok())
        };
        let rss = match (kb("VmRSS:"), kb("VmHWM:")) {
            (Some(now), Some(peak)) => format!(", {} MB resident, peak {} MB", now * 1024 / 1_000_000, peak * 1024 / 1_000_000),
            _ => String::new(),
        };
        log::info!(target: "rely::timing", "{name}: {:.1} ms{rss}", since.elapsed().as_secs_f64() * 1000.0);
    }
}

/// The severity overrides: the Project's `spec.lint`, then the options (deny wins over allow,
/// allow over warn). An unknown code in the options is an error; in the Project, a finding.
fn overrides(lint: &LintOptions, project: Option<&spec::ProjectSpec>) -> Result<Overrides> {
    let mut o = Overrides::default();
    for (code, level) in project.iter().flat_map(|p| &p.lint) {
        if let Some(r) = codes::lookup(code) {
            let s = match level {
                spec::LintLevel::Error => Severity::Error,
                spec::LintLevel::Warning => Severity::Warning,
                spec::LintLevel::Allow => Severity::Allow,
            };
            o.per_code.insert(r.code.to_string(), s);
        }
    }
    for (list, s) in [(&lint.warn, Severity::Warning), (&lint.allow, Severity::Allow), (&lint.deny, Severity::Error)] {
        for c in list {
            if s == Severity::Error && c == "warnings" {
                o.deny_warnings = true;
                continue;
            }
            match codes::lookup(c) {
                Some(r) => o.per_code.insert(r.code.to_string(), s),
                None => bail!("unknown code `{c}` (see `rely rules`)"),
            };
        }
    }
    Ok(o)
}

/// Whether any finding is an error (after overrides).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}

/// Loads and checks `dir`, applying severity overrides; returns everything needed to report.
pub fn load_and_check(dir: &Path, lint: &LintOptions) -> Result<(syntax::Loaded, check::Checked)> {
    let (loaded, mut checked) = check::load_and_check(dir)?;
    overrides(lint, checked.repo.project().map(|p| &p.spec))?.apply(&mut checked.findings);
    Ok((loaded, checked))
}

/// `rely check --prometheus`: the online lints of `checked`'s SLIs against `prom` at `at`, added to
/// its findings under the same severity overrides.
pub fn check_online(
    loaded: &syntax::Loaded,
    checked: &mut check::Checked,
    prom: &crate::live::prom::PromOptions,
    lint: &LintOptions,
    at: f64,
) -> Result<()> {
    let t = Instant::now();
    let client = crate::live::prom::Prometheus::new(prom)?;
    let mut found = crate::live::lint::online(loaded, &checked.repo, &client, at)?;
    overrides(lint, checked.repo.project().map(|p| &p.spec))?.apply(&mut found);
    checked.findings.append(&mut found);
    crate::diag::sort(&mut checked.findings, &loaded.files);
    phase("check: online", t);
    Ok(())
}

/// Where the documents of `loaded` came from: as shown, and relative to the repository root.
struct Sources<'a> {
    loaded: &'a syntax::Loaded,
    root: &'a Path,
    /// Each directory's resolved path (`None`: it cannot be resolved): the files of a directory
    /// that are not symbolic links resolve to it and their names.
    dirs: std::sync::Mutex<HashMap<PathBuf, Option<PathBuf>>>,
}

impl Sources<'_> {
    /// `path` with every symbolic link resolved, as `std::fs::canonicalize` gives it; a file that
    /// is not a link costs one `lstat` once its directory is resolved.
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return std::fs::canonicalize(path).ok() };
        if dir.as_os_str().is_empty() || !std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_symlink()) {
            return std::fs::canonicalize(path).ok();
        }
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        let real = dirs.entry(dir.to_path_buf()).or_insert_with(|| std::fs::canonicalize(dir).ok());
        real.as_ref().map(|d| d.join(name))
    }
}

impl model::Origin for Sources<'_> {
    fn source(&self, doc: usize) -> String {
        self.loaded.files[self.loaded.docs[doc].file].display.clone()
    }
    fn file(&self, doc: usize) -> usize {
        self.loaded.docs[doc].file
    }
    fn repo_path(&self, doc: usize) -> String {
        let f = &self.loaded.files[self.loaded.docs[doc].file];
        let abs = self.canonical(&f.path).unwrap_or_else(|| f.path.clone());
        abs.strip_prefix(self.root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_else(|_| f.display.clone())
    }
}

fn lower(loaded: &syntax::Loaded, checked: &check::Checked) -> model::Model {
    let t = Instant::now();
    let m = model::lower(&checked.repo, &Sources { loaded, root: &checked.root, dirs: Default::default() });
    phase("lower", t);
    m
}

/// Checks and lowers `dir`; `None` when it has errors.
pub fn model_of(dir: &Path) -> Result<Option<model::Model>> {
    let (loaded, checked) = load_and_check(dir, &LintOptions::default())?;
    Ok((!has_errors(&checked.findings)).then(|| lower(&loaded, &checked)))
}

/// A checked repository lowered to its model, with the templates to render it: ready to emit.
pub struct Prepared {
    pub model: model::Model,
    pub templates: emit::Templates,
}

/// Checks and lowers: what `rely build` emits, or (`None`) the findings that stop it.
pub fn prepare(dir: &Path, lint: &LintOptions) -> Result<(syntax::Loaded, check::Checked, Option<Prepared>)> {
    let (mut loaded, checked) = load_and_check(dir, lint)?;
    if has_errors(&checked.findings) {
        return Ok((loaded, checked, None));
    }
    let model = lower(&loaded, &checked);
    // The parsed documents are not needed past this point (findings keep only file text):
    // free them before the outputs are built, which matters at 10,000 SLOs.
    free_in_background(std::mem::take(&mut loaded.docs));
    let templates = emit::Templates::load(&checked.root);
    Ok((loaded, checked, Some(Prepared { model, templates })))
}

/// A template that does not render is a finding in the template's own file.
fn template_findings(
    errors: Vec<emit::TemplateError>,
    templates: &emit::Templates,
    loaded: &mut syntax::Loaded,
    findings: &mut Vec<Finding>,
) {
    for e in errors {
        let (text, path) = templates.sources.get(&e.name).cloned().unwrap_or_default();
        let display = path.clone().unwrap_or_else(|| format!("<built-in {}>", e.name));
        let id = loaded.files.len();
        loaded.files.push(source::SourceFile::new(display.clone().into(), display, text));
        let line = e.line.unwrap_or(1);
        findings.push(
            Finding::new(codes::GEN002, id, source::Span::point(line, 1), format!("template `{}` failed: {}", e.name, e.message))
                .help("fix the template (undefined values are errors), or delete the override to use the built-in one"),
        );
    }
}

/// Checks, lowers and emits in memory: the files `rely build` would write, or the findings
/// that stop it.
pub fn build_outputs(dir: &Path, lint: &LintOptions) -> Result<(syntax::Loaded, check::Checked, Option<Vec<emit::OutputFile>>)> {
    let (mut loaded, mut checked, prepared) = prepare(dir, lint)?;
    let Some(p) = prepared else { return Ok((loaded, checked, None)) };
    let (files, errors) = emit::emit_all(&p.model, &p.templates);
    if errors.is_empty() {
        return Ok((loaded, checked, Some(files)));
    }
    template_findings(errors, &p.templates, &mut loaded, &mut checked.findings);
    Ok((loaded, checked, None))
}

/// What `rely build` is asked to do.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// The reliability directory.
    pub dir: PathBuf,
    /// The output directory, replaced whole.
    pub out: PathBuf,
    /// Compare with `out` instead of writing.
    pub check: bool,
    /// Adopt an `out` that rely did not write (never a protected one).
    pub force: bool,
    pub lint: LintOptions,
}

/// What a build did.
pub enum Built {
    /// Errors (in the documents or a template) stopped it: nothing was written.
    Stopped,
    /// `out` was replaced with these files, of which `unchanged` have the contents they had.
    Written { paths: Vec<String>, unchanged: Vec<String> },
    /// `check`: how `out` differs from what would be written, and how many files that is.
    Compared(emit::Drift, usize),
}

/// A build's outcome, with the findings (and the files they point into) to report.
pub struct BuildReport {
    pub files: Vec<source::SourceFile>,
    pub findings: Vec<Finding>,
    pub built: Built,
}

/// `rely build`: guard `out`, check and lower, then stream every output into `out` (replaced
/// atomically) or compare with it.
pub fn build(opts: &BuildOptions) -> Result<BuildReport> {
    if !opts.check {
        // Before anything is built: a build replaces `out` whole.
        emit::output::guard(&opts.out, &opts.dir, opts.force)?;
    }
    let (mut loaded, checked, prepared) = prepare(&opts.dir, &opts.lint)?;
    let mut findings = checked.findings;
    free_in_background(checked.repo);
    let Some(p) = prepared else { return Ok(BuildReport { files: loaded.files, findings, built: Built::Stopped }) };
    // Outputs stream to the disk (or to the comparison) as they are made; see `emit::emit_to`.
    let t = Instant::now();
    let mut failed = vec![];
    let built = if opts.check {
        let sink = emit::DriftSink::new(&opts.out);
        failed = emit::emit_to(&p.model, &p.templates, &sink)?;
        let n = sink.count();
        if failed.is_empty() { Built::Compared(sink.finish()?, n) } else { Built::Stopped }
    } else {
        let written = emit::replace_dir(&opts.out, |sink| {
            failed = emit::emit_to(&p.model, &p.templates, sink)?;
            Ok(failed.is_empty().then(|| (sink.paths(), sink.unchanged())))
        })?;
        written.map_or(Built::Stopped, |(paths, unchanged)| Built::Written { paths, unchanged })
    };
    free_in_background(p.model);
    template_findings(failed, &p.templates, &mut loaded, &mut findings);
    phase("emit and write", t);
    Ok(BuildReport { files: loaded.files, findings, built })
}

/// `rely backlog`: the council backlog of `dir` (what could be read), and how many errors it has.
pub fn backlog(dir: &Path) -> Result<(String, usize)> {
    let (loaded, checked) = load_and_check(dir, &LintOptions::default())?;
    let errors = checked.findings.iter().filter(|f| f.severity == Severity::Error).count();
    Ok((emit::council::backlog(&lower(&loaded, &checked)), errors))
}

/// What `rely diff` compares.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// The reliability directory (inside a git work tree).
    pub dir: PathBuf,
    /// The base revision, e.g. `origin/main`.
    pub base: String,
    /// The head revision; `None` for the working tree.
    pub head: Option<String>,
}

/// Checks one side of a diff, with the Project's own severity overrides.
fn side(label: String, loaded: syntax::Loaded, root: &Path) -> diff::Side {
    let mut checked = check::check_with_root(&loaded, root);
    let o = overrides(&LintOptions::default(), checked.repo.project().map(|p| &p.spec)).unwrap_or_default();
    o.apply(&mut checked.findings);
    diff::Side { label, loaded, repo: checked.repo, findings: checked.findings }
}

/// `rely diff`: the report for `base` against `head` (or the working tree).
pub fn diff_report(opts: &DiffOptions) -> Result<diff::Report> {
    Ok(diff_sides(opts)?.0)
}

fn diff_sides(opts: &DiffOptions) -> Result<(diff::Report, diff::Side, diff::Side, PathBuf)> {
    let repo = git::open(&opts.dir)?;
    let base = side(opts.base.clone(), repo.load_rev(&opts.base)?, &repo.root);
    let head = match &opts.head {
        Some(h) => side(format!("`{h}`"), repo.load_rev(h)?, &repo.root),
        None => side("the working tree".into(), repo.load_worktree()?, &repo.root),
    };
    Ok((diff::compare(&base, &head), base, head, repo.root.clone()))
}

/// `rely diff --prometheus`: the report, with each added or changed SLO backtested over its
/// window ending at `at` (every 5m), before and after. A side with errors is not backtested.
pub fn diff_report_online(opts: &DiffOptions, prom: &crate::live::prom::PromOptions, at: f64) -> Result<diff::Report> {
    let (mut report, base, head, root) = diff_sides(opts)?;
    let model = |s: &diff::Side| {
        (!has_errors(&s.findings)).then(|| model::lower(&s.repo, &Sources { loaded: &s.loaded, root: &root, dirs: Default::default() }))
    };
    let (Some(after), before) = (model(&head), model(&base)) else { return Ok(report) };
    let client = crate::live::prom::Prometheus::new(prom)?;
    // Episodes of every group together.
    let counts = |b: &Vec<crate::live::backtest::SloBacktest>| {
        let n = |sev: &str| b.iter().flat_map(|g| &g.alerts).filter(|a| a.severity == sev).count();
        diff::AlertCounts { page: n("page"), ticket: n("ticket") }
    };
    let changed: Vec<&str> = report
        .changes
        .iter()
        .filter(|c| c.kind == spec::Kind::Slo.as_str() && c.change != diff::What::Removed)
        .map(|c| c.name.as_str())
        .collect();
    let mut out = vec![];
    for name in changed {
        let Some(new) = after.slo(name) else { continue };
        let (to, from) = (at as i64, at as i64 - new.period as i64);
        let old = before
            .as_ref()
            .and_then(|m| m.slo(name))
            .map(|o| crate::live::backtest::slo_backtest(&client, o, from, to, 300))
            .transpose()?;
        let now = crate::live::backtest::slo_backtest(&client, new, from, to, 300)?;
        out.push(diff::SloBacktestChange {
            slo: name.to_string(),
            window: crate::duration::format(new.period),
            before: old.as_ref().map(counts),
            after: counts(&now),
        });
    }
    report.backtests = out;
    Ok(report)
}
