//! The command line: every command and flag, in one clap definition. Only the CLI layer knows
//! clap; each argument type turns into the library's own options.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use rely::diag::render::Format;
use rely::{BuildOptions, DiffOptions, LintOptions};

#[derive(Debug, Parser)]
#[command(name = "rely", version, about = "Reliability as code: validate SLOs, alerts, concerns and chaos plans; generate what ops apply")]
pub(crate) struct Cli {
    /// Log what rely does to stderr: `-v` phase timings, `-vv` more (or set RELY_LOG=info|debug|trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Start a reliability repository here: a commented Project, a team, a service with an SLO, a
    /// concern, editor schemas, the gate workflow and .gitattributes (never overwrites).
    Init {
        /// The reliability directory to create.
        #[arg(default_value = "reliability")]
        dir: PathBuf,
        /// The first team: it owns the service and runs the council until there are more.
        #[arg(long, default_value = "platform")]
        team: String,
        /// The first service.
        #[arg(long, default_value = "api")]
        service: String,
        /// The GitHub organisation, for CODEOWNERS handles (@ORG/TEAM).
        #[arg(long)]
        org: Option<String>,
    },
    /// Validate every document under the reliability directory.
    Check(CheckArgs),
    /// Print the services and SLOs as OpenSLO v1 documents (for tools that read OpenSLO).
    Export {
        /// The format: openslo.
        format: String,
        /// The reliability directory.
        #[arg(default_value = "reliability")]
        dir: PathBuf,
    },
    /// Import SLOs kept for Sloth, Pyrra or OpenSLO as rely documents (what cannot be carried over is a finding).
    Import(ImportArgs),
    /// Validate, then write every generated output.
    Build(BuildArgs),
    /// Run the real judges on generated outputs: promtool check/test rules, amtool check-config and
    /// routes test, chaos validate. Exit 1 when one fails, 2 when one is not installed.
    Verify {
        /// The output directory `rely build` wrote.
        #[arg(default_value = "generated")]
        out: PathBuf,
    },
    /// Each SLO measured now from its SLI queries against Prometheus: error ratio, budget left,
    /// burn rates, which burn alerts' conditions hold. Exit 1 when an SLO has overspent its budget.
    Status(StatusArgs),
    /// When would each SLO's burn alerts have fired over a past range? Range queries of the SLOs'
    /// own SLIs against Prometheus; no recording rules needed.
    Backtest(BacktestArgs),
    /// Summarise what a change does to reliability, comparing two revisions through git.
    Diff(DiffArgs),
    /// The council backlog: concerns by status, accepted ones ranked by value against effort.
    Backlog {
        /// The reliability directory.
        #[arg(default_value = "reliability")]
        dir: PathBuf,
    },
    /// Print (or --write) a commented skeleton of a document.
    New {
        /// project | team | service | sli | slo | alert | concern | chaosplan
        kind: String,
        /// The document's name.
        name: String,
        /// Fill the service placeholders.
        #[arg(long)]
        service: Option<String>,
        /// Fill the team placeholders.
        #[arg(long)]
        team: Option<String>,
        /// Write it under the reliability directory instead of printing it.
        #[arg(long)]
        write: bool,
        /// The reliability directory: where --write puts the document, and where the service's
        /// owner is looked up to fill `<team>`.
        #[arg(long, default_value = "reliability")]
        dir: PathBuf,
    },
    /// Write the JSON Schemas of every kind (the committed `schema/` must equal this).
    Schema {
        /// Directory to write into.
        #[arg(long, default_value = "schema")]
        out: PathBuf,
    },
    /// Print the documentation of a diagnostic code (e.g. `rely explain SCH001`).
    Explain {
        /// A code such as SCH001, or a rule name such as unknown-field.
        code: String,
    },
    /// List every diagnostic code.
    Rules {
        /// Print the full documentation of each rule.
        #[arg(long, conflicts_with = "markdown")]
        long: bool,
        /// Print a Markdown table (the one in the README).
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub(crate) struct LintArgs {
    /// Output format of findings.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Deny: `-D warnings` turns every warning into an error; `-D CODE` makes CODE an error.
    #[arg(short = 'D', value_name = "warnings|CODE")]
    pub deny: Vec<String>,
    /// Warn: report CODE as a warning.
    #[arg(short = 'W', value_name = "CODE")]
    pub warn: Vec<String>,
    /// Allow: do not report CODE.
    #[arg(short = 'A', value_name = "CODE")]
    pub allow: Vec<String>,
    /// When to colour human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

/// How findings are printed (the library's `Format`, as a command-line value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Concise,
    Json,
    Github,
    Sarif,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Concise => Format::Concise,
            FormatArg::Json => Format::Json,
            FormatArg::Github => Format::Github,
            FormatArg::Sarif => Format::Sarif,
        }
    }
}

impl LintArgs {
    pub(crate) fn options(&self) -> LintOptions {
        LintOptions { deny: self.deny.clone(), warn: self.warn.clone(), allow: self.allow.clone() }
    }
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The reliability directory.
    #[arg(default_value = "reliability")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub(crate) prometheus: PromArgs,
    #[command(flatten)]
    pub lint: LintArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The source format: sloth, pyrra or openslo.
    pub source: String,
    /// The files to import.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write (a folder inside the reliability directory); existing files are never replaced.
    #[arg(long)]
    pub out: PathBuf,
    /// The Team that owns imported services whose source names no owner.
    #[arg(long)]
    pub owner: Option<String>,
    /// The runbook of imported SLOs whose source names none (an https URL or a repository path).
    #[arg(long)]
    pub runbook: Option<String>,
    /// Output format of findings.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// When to colour human output (auto: on a terminal, unless NO_COLOR is set).
    #[arg(long, value_enum, default_value = "auto")]
    pub color: Color,
}

/// Where a Prometheus-compatible HTTP API is (Prometheus, Thanos, Mimir).
#[derive(Debug, Args)]
pub(crate) struct PromArgs {
    /// Base URL, e.g. http://127.0.0.1:9090 (with `check`: also run the online lints).
    #[arg(long = "prometheus", value_name = "URL")]
    pub(crate) url: Option<String>,
    /// A file holding a bearer token.
    #[arg(long = "prometheus-token-file", value_name = "FILE")]
    pub(crate) token_file: Option<PathBuf>,
    /// An extra request header, e.g. X-Scope-OrgID=team-a (repeatable).
    #[arg(long = "prometheus-header", value_name = "K=V", value_parser = parse_header)]
    pub(crate) headers: Vec<(String, String)>,
    /// Seconds one request may take.
    #[arg(long = "prometheus-timeout", value_name = "SECONDS", default_value_t = 30)]
    pub(crate) timeout: u64,
}

fn parse_header(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or_else(|| format!("`{s}` is not K=V"))?;
    let k = k.trim();
    if k.is_empty() || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') || v.contains(['\r', '\n']) {
        return Err(format!("`{s}` is not a valid header"));
    }
    Ok((k.to_string(), v.trim().to_string()))
}

impl PromArgs {
    /// The client options; `None` without `--prometheus`.
    pub(crate) fn given(&self) -> Option<rely::live::prom::PromOptions> {
        let mut o = rely::live::prom::PromOptions::new(self.url.as_deref()?);
        o.token_file = self.token_file.clone();
        o.headers = self.headers.clone();
        o.timeout = std::time::Duration::from_secs(self.timeout.max(1));
        Some(o)
    }

    /// The client options, for commands that need a Prometheus.
    pub(crate) fn options(&self) -> anyhow::Result<rely::live::prom::PromOptions> {
        self.given().ok_or_else(|| anyhow::anyhow!("--prometheus URL is required"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum StatusFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub(crate) struct StatusArgs {
    /// The reliability directory.
    #[arg(default_value = "reliability")]
    pub(crate) dir: PathBuf,
    #[command(flatten)]
    pub(crate) prometheus: PromArgs,
    /// The time to measure at (RFC 3339; default now).
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Only these SLOs (repeatable).
    #[arg(long)]
    pub(crate) slo: Vec<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub(crate) format: StatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum BacktestFormat {
    Json,
    Markdown,
}

#[derive(Debug, Args)]
pub(crate) struct BacktestArgs {
    /// The reliability directory.
    #[arg(default_value = "reliability")]
    pub(crate) dir: PathBuf,
    #[command(flatten)]
    pub(crate) prometheus: PromArgs,
    /// Start of the range (RFC 3339).
    #[arg(long)]
    pub(crate) from: String,
    /// End of the range (RFC 3339).
    #[arg(long)]
    pub(crate) to: String,
    /// Evaluation interval, a duration (like the rule group's).
    #[arg(long, default_value = "1m")]
    pub(crate) step: String,
    /// Only these SLOs (repeatable).
    #[arg(long)]
    pub(crate) slo: Vec<String>,
    #[arg(long, value_enum, default_value = "markdown")]
    pub(crate) format: BacktestFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    Markdown,
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The base revision, e.g. origin/main.
    #[arg(long)]
    pub base: String,
    /// The head revision (default: the working tree).
    #[arg(long)]
    pub head: Option<String>,
    /// The reliability directory.
    #[arg(default_value = "reliability")]
    pub dir: PathBuf,
    /// Also backtest each added or changed SLO over its window, before and after.
    #[command(flatten)]
    pub(crate) prometheus: PromArgs,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: DiffFormat,
}

impl DiffArgs {
    pub(crate) fn options(&self) -> DiffOptions {
        DiffOptions { dir: self.dir.clone(), base: self.base.clone(), head: self.head.clone() }
    }
}

#[derive(Debug, Args)]
pub(crate) struct BuildArgs {
    /// The reliability directory.
    #[arg(default_value = "reliability")]
    pub dir: PathBuf,
    /// Where to write the outputs.
    #[arg(long, default_value = "generated")]
    pub out: PathBuf,
    /// Write nothing; exit 1 if the output directory differs from what would be written.
    #[arg(long)]
    pub check: bool,
    /// Adopt an existing --out directory that rely did not write: everything in it is replaced.
    /// (The reliability directory, the repository, `.git` and your home are refused even so.)
    #[arg(long)]
    pub force: bool,
    /// Print only the closing line, not one line per file.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub lint: LintArgs,
}

impl BuildArgs {
    pub(crate) fn options(&self) -> BuildOptions {
        BuildOptions { dir: self.dir.clone(), out: self.out.clone(), check: self.check, force: self.force, lint: self.lint.options() }
    }
}
