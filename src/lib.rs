//! rely is a small compiler for reliability practice kept as YAML:
//! load → parse → check (schema, references, lint rules) → lower to a model → emit → write.
//! Each stage is a module; `run` wires them to the command line.

pub mod check;
pub mod cli;
pub mod diag;
pub mod diff;
pub mod duration;
pub mod emit;
pub mod git;
pub mod model;
pub mod new;
pub mod promql;
pub mod source;
pub mod spec;
pub mod syntax;

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result, bail};

use cli::{Cli, Color, Command, LintArgs};
use diag::{Finding, Overrides, Severity, Summary, codes};

/// Exit codes (SPEC.md section 3).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TOOL: u8 = 2;

/// Runs a command and returns the process exit code.
pub fn run(cli: Cli) -> u8 {
    let result = match cli.command {
        Command::Check(args) => run_check(&args.dir, &args.lint),
        Command::Build(args) => run_build(&args),
        Command::Diff(args) => run_diff(&args),
        Command::Backlog { dir } => run_backlog(&dir),
        Command::New { kind, name, service, team, write, dir } => {
            run_new(&kind, &name, service.as_deref(), team.as_deref(), write.then_some(dir.as_path()))
        }
        Command::Schema { out } => write_schemas(&out).map(|()| EXIT_OK),
        Command::Explain { code } => match codes::lookup(&code) {
            Some(r) => {
                print!("{}", r.explain());
                Ok(EXIT_OK)
            }
            None => Err(anyhow::anyhow!("unknown code `{code}`; `rely rules` lists them all")),
        },
        Command::Rules { long, markdown } => {
            print!("{}", if markdown { rules_markdown() } else { rules_text(long) });
            Ok(EXIT_OK)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rely: error: {e:#}");
            EXIT_TOOL
        }
    }
}

/// `rely rules`: one line per code, or every rule's full documentation.
pub fn rules_text(long: bool) -> String {
    let mut out = String::new();
    for r in codes::ALL {
        if long {
            out += &r.explain();
            out.push('\n');
        } else {
            out += &format!("{}  {:<32} {:<8} {}\n", r.code, r.name, r.severity.as_str(), r.summary);
        }
    }
    out
}

/// The Markdown table of every code, as kept in the README.
pub fn rules_markdown() -> String {
    let mut out = String::from("| code | name | default | what it reports |\n|---|---|---|---|\n");
    for r in codes::ALL {
        out += &format!("| `{}` | {} | {} | {} |\n", r.code, r.name, r.severity.as_str(), r.summary.replace('|', "\\|"));
    }
    out
}

/// Builds the severity overrides from the Project's `spec.lint` and the command line.
fn overrides(lint: &LintArgs, project: Option<&spec::ProjectSpec>) -> Result<Overrides> {
    let mut o = Overrides::default();
    if let Some(p) = project {
        for (code, level) in &p.lint {
            if let Some(r) = codes::lookup(code) {
                let s = match level {
                    spec::LintLevel::Error => Severity::Error,
                    spec::LintLevel::Warning => Severity::Warning,
                    spec::LintLevel::Allow => Severity::Allow,
                };
                o.per_code.insert(r.code.to_string(), s);
            }
        }
    }
    let mut set = |codes_: &[String], s: Severity| -> Result<()> {
        for c in codes_ {
            if s == Severity::Error && c == "warnings" {
                o.deny_warnings = true;
                continue;
            }
            match codes::lookup(c) {
                Some(r) => {
                    o.per_code.insert(r.code.to_string(), s);
                }
                None => bail!("unknown code `{c}` (see `rely rules`)"),
            }
        }
        Ok(())
    };
    set(&lint.warn, Severity::Warning)?;
    set(&lint.allow, Severity::Allow)?;
    set(&lint.deny, Severity::Error)?;
    Ok(o)
}

fn use_color(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Loads and checks `dir`, applying severity overrides; returns everything needed to report.
pub fn load_and_check(dir: &Path, lint: &LintArgs) -> Result<(syntax::Loaded, check::Checked)> {
    let t = std::time::Instant::now();
    let loaded = syntax::load_dir(dir)?;
    timing("load", t);
    let t = std::time::Instant::now();
    let mut checked = check::check(&loaded, dir);
    timing("check", t);
    let o = overrides(lint, checked.repo.project().map(|p| &p.spec))?;
    lint_codes_known(&loaded, &checked.repo, &mut checked.findings);
    o.apply(&mut checked.findings);
    Ok((loaded, checked))
}

/// Unknown codes in the Project's `spec.lint` are findings, pointing at the key.
fn lint_codes_known(loaded: &syntax::Loaded, repo: &spec::Repo, findings: &mut Vec<Finding>) {
    let Some(p) = repo.project() else { return };
    let doc = &loaded.docs[p.doc];
    for code in p.spec.lint.keys() {
        if codes::lookup(code).is_none() {
            let at = doc.yaml.index.locate_key(&format!("/spec/lint/{}", syntax::yaml::escape_pointer(code)));
            let guess = diag::closest(code, codes::ALL.iter().map(|r| r.code));
            findings
                .push(Finding::new(codes::SCH004, doc.file, at, format!("unknown diagnostic code `{code}` in `lint`")).did_you_mean(guess));
        }
    }
}

fn run_check(dir: &Path, lint: &LintArgs) -> Result<u8> {
    let (loaded, checked) = load_and_check(dir, lint)?;
    let summary = Summary::of(&checked.findings, loaded.files.len());
    print!("{}", diag::render::render(lint.format, &checked.findings, &loaded.files, summary, use_color(lint.color)));
    Ok(if summary.errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

/// Which teams own each document file (repository-relative, for CODEOWNERS).
fn file_owners(
    loaded: &syntax::Loaded,
    repo: &spec::Repo,
    root: &Path,
) -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mut out: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    let council = repo.project().and_then(|p| p.spec.council.clone());
    // One path per file (a file holds many documents; resolving a path costs a syscall per part).
    let mut rel_of: std::collections::HashMap<usize, String> = Default::default();
    let mut own = |doc: usize, teams: Vec<String>| {
        let file = loaded.docs[doc].file;
        let rel = rel_of.entry(file).or_insert_with(|| {
            let f = &loaded.files[file];
            let abs = std::fs::canonicalize(&f.path).unwrap_or_else(|_| f.path.clone());
            abs.strip_prefix(root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_else(|_| f.display.clone())
        });
        out.entry(rel.clone()).or_default().extend(teams.into_iter().filter(|t| !t.is_empty()));
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
    out
}

/// Checks one side of a diff.
fn side(label: String, loaded: syntax::Loaded, root: &Path) -> diff::Side {
    let mut checked = check::check_with_root(&loaded, root);
    let o = overrides(&LintArgs::default(), checked.repo.project().map(|p| &p.spec)).unwrap_or_default();
    o.apply(&mut checked.findings);
    diff::Side { label, loaded, repo: checked.repo, findings: checked.findings }
}

/// `rely diff`: the report for `--base` against `--head` (or the working tree).
pub fn diff_report(args: &cli::DiffArgs) -> Result<diff::Report> {
    let repo = git::open(&args.dir)?;
    let base = side(args.base.clone(), repo.load_rev(&args.base)?, &repo.root);
    let head = match &args.head {
        Some(h) => side(format!("`{h}`"), repo.load_rev(h)?, &repo.root),
        None => side("the working tree".into(), repo.load_worktree()?, &repo.root),
    };
    Ok(diff::compare(&base, &head))
}

fn run_new(kind: &str, name: &str, service: Option<&str>, team: Option<&str>, write: Option<&Path>) -> Result<u8> {
    let k = spec::Kind::ALL
        .into_iter()
        .find(|k| k.slug() == kind.to_ascii_lowercase() || k.as_str() == kind)
        .ok_or_else(|| anyhow::anyhow!("unknown kind `{kind}`: one of {}", spec::Kind::ALL.map(spec::Kind::slug).join(", ")))?;
    if !regex::Regex::new(spec::NAME_PATTERN).expect("static").is_match(name) {
        bail!("`{name}` is not a valid name: lowercase letters, digits and dashes");
    }
    let text = new::skeleton(k, name, service, team);
    match write {
        None => print!("{text}"),
        Some(dir) => {
            let path = dir.join(new::path(k, name));
            if path.exists() {
                bail!("{} already exists", path.display());
            }
            if let Some(p) = path.parent() {
                std::fs::create_dir_all(p)?;
            }
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(EXIT_OK)
}

fn run_backlog(dir: &Path) -> Result<u8> {
    let (loaded, checked) = load_and_check(dir, &LintArgs::default())?;
    let errors = checked.findings.iter().filter(|f| f.severity == Severity::Error).count();
    if errors > 0 {
        eprintln!("rely: {errors} error(s) in {} (run `rely check`); the backlog shows what could be read", dir.display());
    }
    let source = |doc: usize| loaded.files[loaded.docs[doc].file].display.clone();
    print!("{}", emit::council::backlog(&model::lower(&checked.repo, &source)));
    Ok(if errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}

fn run_diff(args: &cli::DiffArgs) -> Result<u8> {
    let report = diff_report(args)?;
    match args.format {
        cli::DiffFormat::Markdown => print!("{}", diff::markdown(&report)),
        cli::DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(if report.head_errors.is_empty() { EXIT_OK } else { EXIT_FINDINGS })
}

/// Checks and lowers `dir`; `None` when it has errors.
pub fn model_of(dir: &Path) -> Result<Option<model::Model>> {
    let (loaded, checked) = load_and_check(dir, &LintArgs::default())?;
    if checked.findings.iter().any(|f| f.severity == Severity::Error) {
        return Ok(None);
    }
    let source = |doc: usize| loaded.files[loaded.docs[doc].file].display.clone();
    Ok(Some(model::lower(&checked.repo, &source)))
}

/// A checked repository lowered to its model, with the templates to render it: ready to emit.
pub struct Prepared {
    pub model: model::Model,
    pub templates: emit::Templates,
}

/// Checks and lowers: what `rely build` emits, or (`None`) the findings that stop it.
pub fn prepare(dir: &Path, lint: &LintArgs) -> Result<(syntax::Loaded, check::Checked, Option<Prepared>)> {
    let (mut loaded, checked) = load_and_check(dir, lint)?;
    if checked.findings.iter().any(|f| f.severity == Severity::Error) {
        return Ok((loaded, checked, None));
    }
    let t = std::time::Instant::now();
    let mut model = {
        let files = &loaded.files;
        let docs = &loaded.docs;
        let source = |doc: usize| files[docs[doc].file].display.clone();
        model::lower(&checked.repo, &source)
    };
    model.file_owners = file_owners(&loaded, &checked.repo, &checked.root);
    // The parsed documents are not needed past this point (findings keep only file text):
    // free them before the outputs are built, which matters at 10,000 SLOs.
    loaded.docs = vec![];
    timing("lower", t);
    let templates = emit::Templates::load(&checked.root);
    Ok((loaded, checked, Some(Prepared { model, templates })))
}

/// A template that does not render is a finding in the template's own file.
fn template_findings(
    errors: Vec<emit::TemplateError>,
    templates: &emit::Templates,
    loaded: &mut syntax::Loaded,
    checked: &mut check::Checked,
) {
    for e in errors {
        let (text, path) = templates.sources.get(&e.name).cloned().unwrap_or_default();
        let display = path.clone().unwrap_or_else(|| format!("<built-in {}>", e.name));
        let id = loaded.files.len();
        loaded.files.push(source::SourceFile::new(display.clone().into(), display, text));
        let line = e.line.unwrap_or(1);
        checked.findings.push(
            Finding::new(codes::GEN002, id, source::Span::point(line, 1), format!("template `{}` failed: {}", e.name, e.message))
                .help("fix the template (undefined values are errors), or delete the override to use the built-in one"),
        );
    }
}

/// Checks, lowers and emits in memory: the files `rely build` would write, or the findings
/// that stop it.
pub fn build_outputs(dir: &Path, lint: &LintArgs) -> Result<(syntax::Loaded, check::Checked, Option<Vec<emit::OutputFile>>)> {
    let (mut loaded, mut checked, prepared) = prepare(dir, lint)?;
    let Some(p) = prepared else { return Ok((loaded, checked, None)) };
    let (files, errors) = emit::emit_all(&p.model, &p.templates);
    if errors.is_empty() {
        return Ok((loaded, checked, Some(files)));
    }
    template_findings(errors, &p.templates, &mut loaded, &mut checked);
    Ok((loaded, checked, None))
}

/// What a build did once its inputs were clean.
enum Built {
    /// `--out` was replaced with these files.
    Written(Vec<String>),
    /// `--check`: how `--out` differs from what would be written, and how many files that is.
    Compared(emit::Drift, usize),
    /// A template failed: nothing was written.
    TemplateFailed,
}

fn run_build(args: &cli::BuildArgs) -> Result<u8> {
    if !args.check {
        // Before anything is built: a build replaces --out whole.
        emit::output::guard(&args.out, &args.dir, args.force)?;
    }
    let (mut loaded, mut checked, prepared) = prepare(&args.dir, &args.lint)?;
    // Outputs stream to the disk (or to the comparison) as they are made; see `emit::emit_to`.
    let t = std::time::Instant::now();
    let built = match prepared {
        None => None,
        Some(p) => {
            let mut failed = vec![];
            let built = if args.check {
                let sink = emit::DriftSink::new(&args.out);
                failed = emit::emit_to(&p.model, &p.templates, &sink)?;
                let n = sink.count();
                if failed.is_empty() { Built::Compared(sink.finish()?, n) } else { Built::TemplateFailed }
            } else {
                let written = emit::replace_dir(&args.out, |sink| {
                    failed = emit::emit_to(&p.model, &p.templates, sink)?;
                    Ok(failed.is_empty().then(|| sink.paths()))
                })?;
                written.map_or(Built::TemplateFailed, Built::Written)
            };
            template_findings(failed, &p.templates, &mut loaded, &mut checked);
            Some(built)
        }
    };
    timing("emit and write", t);
    let summary = Summary::of(&checked.findings, loaded.files.len());
    if !checked.findings.is_empty() {
        print!("{}", diag::render::render(args.lint.format, &checked.findings, &loaded.files, summary, use_color(args.lint.color)));
    }
    match built {
        None | Some(Built::TemplateFailed) => {
            eprintln!("rely: nothing written: fix the errors above first");
            Ok(EXIT_FINDINGS)
        }
        Some(Built::Compared(d, n)) => {
            if d.is_empty() {
                println!("{} is up to date ({n} files)", args.out.display());
                return Ok(EXIT_OK);
            }
            println!("{} is stale; run `rely build --out {}`:", args.out.display(), args.out.display());
            for (what, list) in [("added", &d.added), ("changed", &d.changed), ("removed", &d.removed)] {
                for f in list {
                    println!("  {what}: {f}");
                }
            }
            Ok(EXIT_FINDINGS)
        }
        Some(Built::Written(paths)) => {
            let mut out = String::with_capacity(paths.len() * 64);
            for p in &paths {
                out += &format!("wrote {}\n", args.out.join(p).display());
            }
            out += &format!("{} files written to {}\n", paths.len(), args.out.display());
            print!("{out}");
            Ok(EXIT_OK)
        }
    }
}

/// The schema files `rely schema` writes: one per kind, plus `rely.schema.json` for any document.
pub fn schema_files() -> Vec<(String, String)> {
    let mut files = vec![];
    let mut branches = vec![];
    for (kind, schema) in check::schema::schemas() {
        let name = format!("{}.schema.json", kind.slug());
        files.push((name.clone(), serde_json::to_string_pretty(schema).expect("json") + "\n"));
        branches.push(serde_json::json!({
            "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
            "then": { "$ref": name },
        }));
    }
    let all = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rely document (any kind)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": { "kind": { "enum": spec::Kind::ALL.map(spec::Kind::as_str) } },
        "allOf": branches,
    });
    files.push(("rely.schema.json".into(), serde_json::to_string_pretty(&all).expect("json") + "\n"));
    files.sort();
    files
}

fn write_schemas(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, text) in schema_files() {
        let path = out.join(&name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("wrote {} schemas to {}", schema_files().len(), out.display());
    Ok(())
}

/// With `RELY_TIMINGS` set, prints how long a phase took to stderr (for profiling).
pub fn timing(phase: &str, since: std::time::Instant) {
    if std::env::var_os("RELY_TIMINGS").is_some() {
        eprintln!("rely: {phase}: {:.1} ms", since.elapsed().as_secs_f64() * 1000.0);
    }
}
