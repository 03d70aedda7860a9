//! `rely init`: a starter reliability repository in the current repository. A Project with every
//! setting a newcomer must decide (commented), one team, one service with one SLO, one concern,
//! the editor schemas where the documents' `$schema` modelines point, the gate workflow (the rely
//! action at this version) and `.gitattributes` marking `generated/` as generated. What cannot be
//! inferred is a `<placeholder>`, which `rely check` reports at its line (SCH008). Nothing that
//! exists is overwritten: if any file is already there, nothing is written.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::new::skeleton;
use crate::spec::{Kind, NAME_PATTERN};

/// What `rely init` is asked to do.
#[derive(Debug, Clone)]
pub struct InitOptions {
    /// The reliability directory to create (`reliability`).
    pub dir: PathBuf,
    /// The first team (the council and the default receiver until there are more).
    pub team: String,
    /// The first service, owned by the team.
    pub service: String,
    /// The GitHub organisation, for CODEOWNERS handles (`@org/team`).
    pub org: Option<String>,
}

/// One file `rely init` writes: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: PathBuf,
    pub contents: String,
}

/// The line `.gitattributes` gets, so diffs and language statistics skip generated outputs.
pub const GITATTRIBUTES: &str = "generated/** linguist-generated=true\n";

/// The rely action's `owner/name` and the version a new gate pins.
fn action_ref() -> String {
    let repo = env!("CARGO_PKG_REPOSITORY").trim_start_matches("https://github.com/").trim_end_matches('/');
    format!("{repo}@v{}", env!("CARGO_PKG_VERSION"))
}

/// The gate workflow for an adopter's repository.
pub fn workflow(dir: &str) -> String {
    format!(
        "# The reliability gate (written by `rely init`): on every pull request and push to main, rely checks\n\
         # {dir}/ (annotations on the diff), fails when generated/ is stale, runs the real judges on it\n\
         # (promtool, amtool, chaos) and summarises the change. No `paths:` filter, so that a required\n\
         # check never stays pending; on pull requests from forks the summary goes to the job summary only.\n\
         name: reliability\n\
         on:\n  pull_request:\n  push:\n    branches: [main]\n\
         permissions:\n  contents: read\n  pull-requests: write\n\
         jobs:\n  rely:\n    runs-on: ubuntu-latest\n    steps:\n\
         \x20     - uses: actions/checkout@v4\n        with:\n          fetch-depth: 0   # rely diff needs the base branch\n\
         \x20     - uses: {}\n        with:\n          directory: {dir}\n          out: generated\n",
        action_ref()
    )
}

/// The repository root that holds `dir` (which may not exist yet): the nearest ancestor of its
/// parent with `.git`, else that parent.
fn root_of(dir: &Path) -> Result<PathBuf> {
    let abs = if dir.is_absolute() { dir.to_path_buf() } else { std::env::current_dir()?.join(dir) };
    let parent = abs.parent().map(Path::to_path_buf).unwrap_or(abs.clone());
    let parent = std::fs::canonicalize(&parent).with_context(|| format!("{} does not exist", parent.display()))?;
    let mut cur = Some(parent.as_path());
    while let Some(c) = cur {
        if c.join(".git").exists() {
            return Ok(c.to_path_buf());
        }
        cur = c.parent();
    }
    Ok(parent)
}

/// Every file `rely init` would write.
pub fn plan(opts: &InitOptions) -> Result<Vec<Planned>> {
    let re = regex::Regex::new(NAME_PATTERN).expect("static");
    for (what, name) in [("team", &opts.team), ("service", &opts.service)] {
        if !re.is_match(name) {
            bail!("`{name}` is not a valid {what} name: lowercase letters, digits and dashes (--{what})");
        }
    }
    if let Some(org) = &opts.org
        && !regex::Regex::new("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$").expect("static").is_match(org)
    {
        bail!("`{org}` is not a GitHub organisation name (--org)");
    }
    let (team, service) = (opts.team.as_str(), opts.service.as_str());
    let fill = |s: String| match &opts.org {
        Some(org) => s.replace("<GitHub organisation>", org),
        None => s,
    };
    let doc = |kind: Kind, name: &str| fill(skeleton(kind, name, Some(service), Some(team)));
    // A second document in a file keeps its body, not the file's header lines.
    let body = |text: String| text.lines().skip_while(|l| l.starts_with('#')).collect::<Vec<_>>().join("\n") + "\n";
    let slo = format!("{service}-availability");
    let dir = &opts.dir;
    let mut files = vec![
        Planned { path: dir.join("project.yaml"), contents: doc(Kind::Project, "main") },
        Planned { path: dir.join(format!("teams/{team}.yaml")), contents: doc(Kind::Team, team) },
        Planned {
            path: dir.join(format!("services/{service}.yaml")),
            contents: doc(Kind::Service, service) + "---\n" + &body(doc(Kind::Slo, &slo)),
        },
        Planned { path: dir.join("concerns/first-concern.yaml"), contents: doc(Kind::Concern, "first-concern") },
    ];
    for (name, text) in crate::schema_files() {
        files.push(Planned { path: dir.join("schema").join(name), contents: text });
    }
    let root = root_of(dir)?;
    let rel = std::fs::canonicalize(dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")))
        .ok()
        .and_then(|p| p.strip_prefix(&root).ok().map(|r| r.join(dir.file_name().unwrap_or_default())))
        .unwrap_or_else(|| PathBuf::from("reliability"));
    files.push(Planned { path: root.join(".github/workflows/reliability.yml"), contents: workflow(&rel.to_string_lossy()) });
    files.push(Planned { path: root.join(".gitattributes"), contents: GITATTRIBUTES.into() });
    Ok(files)
}

/// What `rely init` did: the files it wrote, and `.gitattributes` when it existed already (it is
/// the user's; the line to add is `GITATTRIBUTES`).
#[derive(Debug, Default)]
pub struct Initialised {
    pub written: Vec<PathBuf>,
    pub gitattributes_kept: Option<PathBuf>,
}

/// Writes the starter repository; refuses (writing nothing) when any of its files exists.
pub fn init(opts: &InitOptions) -> Result<Initialised> {
    let files = plan(opts)?;
    let mut done = Initialised::default();
    let existing: Vec<String> = files
        .iter()
        .filter(|f| f.path.symlink_metadata().is_ok() && !f.path.ends_with(".gitattributes"))
        .map(|f| f.path.display().to_string())
        .collect();
    if !existing.is_empty() {
        bail!("nothing written: these files exist already and rely init never overwrites: {}", existing.join(", "));
    }
    for f in files {
        if f.path.ends_with(".gitattributes") && f.path.symlink_metadata().is_ok() {
            done.gitattributes_kept = Some(f.path);
            continue;
        }
        if let Some(p) = f.path.parent() {
            std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
        }
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&f.path)
            .with_context(|| format!("cannot create {}", f.path.display()))?;
        std::io::Write::write_all(&mut out, f.contents.as_bytes()).with_context(|| format!("cannot write {}", f.path.display()))?;
        done.written.push(f.path);
    }
    Ok(done)
}
