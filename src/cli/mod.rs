//! The command-line layer: clap arguments (`args`), a logger (`log`), and one small module per
//! command that turns its arguments into the library's options, calls the library and prints.

pub(crate) mod args;
mod backlog;
mod backtest;
mod build;
mod check;
mod diff;
mod explain;
mod import;
mod init;
pub(crate) mod log;
mod new;
mod schema;
mod status;
mod verify;

use std::io::IsTerminal;

use args::{Cli, Color, Command};
use rely::diag::{Finding, Summary, render};
use rely::source::SourceFile;
use rely::{EXIT_FINDINGS, EXIT_OK, EXIT_TOOL};

/// Runs a command and returns the process exit code.
pub(crate) fn run(cli: Cli) -> u8 {
    let result = match cli.command {
        Command::Init { dir, team, service, org } => init::run(rely::init::InitOptions { dir, team, service, org }),
        Command::Check(args) => check::run(&args),
        Command::Import(args) => import::run(&args),
        Command::Export { format, dir } => import::export(&format, &dir),
        Command::Verify { out } => verify::run(&out),
        Command::Status(args) => status::run(&args),
        Command::Backtest(args) => backtest::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Backlog { dir } => backlog::run(&dir),
        Command::New { kind, name, service, team, write, dir } => new::run(&kind, &name, service.as_deref(), team.as_deref(), &dir, write),
        Command::Schema { out } => schema::run(&out),
        Command::Explain { code } => explain::explain(&code),
        Command::Rules { long, markdown } => explain::rules(long, markdown),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rely: error: {e:#}");
            EXIT_TOOL
        }
    }
}

fn use_color(c: Color) -> bool {
    match c {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Prints findings in the chosen format; returns the summary.
fn print_findings(lint: &args::LintArgs, findings: &[Finding], files: &[SourceFile]) -> Summary {
    let summary = Summary::of(findings, files.len());
    if files.is_empty() {
        eprintln!(
            "rely: warning: no reliability files (*.yaml, *.yml) found: start with `rely init`, or add documents with `rely new KIND NAME --write`"
        );
    }
    print!("{}", render::render(lint.format.into(), findings, files, summary, use_color(lint.color)));
    summary
}

/// The model of `dir` for the live commands: `dir` must check clean and hold every SLO in `slos`.
fn model_with(dir: &std::path::Path, slos: &[String]) -> anyhow::Result<rely::model::Model> {
    let Some(model) = rely::model_of(dir)? else {
        anyhow::bail!("{} has errors: run `rely check {}` first", dir.display(), dir.display());
    };
    if let Some(s) = slos.iter().find(|s| model.slo(s).is_none()) {
        anyhow::bail!("no SLO `{s}` in {}", dir.display());
    }
    Ok(model)
}

/// 1 when there are errors, else 0.
fn exit_for(summary: Summary) -> u8 {
    if summary.errors > 0 { EXIT_FINDINGS } else { EXIT_OK }
}
