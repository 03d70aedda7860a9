//! `rely import FORMAT FILE... --out DIR [--owner TEAM] [--runbook RUNBOOK]`.

use anyhow::{Result, bail};
use rely::diag::{Summary, render};
use rely::import::{self, Format, Options};

use super::args::ImportArgs;

pub(super) fn run(args: &ImportArgs) -> Result<u8> {
    let Some(format) = Format::parse(&args.source) else {
        bail!("unknown format `{}`: rely imports sloth, pyrra or openslo", args.source);
    };
    let existing = import::existing(&args.out);
    let opts = Options {
        format,
        files: args.files.clone(),
        out: args.out.clone(),
        owner: args.owner.as_deref().map(import::rely_name),
        runbook: args.runbook.clone(),
        severities: existing.severities.clone(),
        taken: existing.slos.clone(),
    };
    let mut imp = import::read(&opts);
    rely::diag::sort(&mut imp.findings, &imp.loaded.files);
    let summary = Summary::of(&imp.findings, imp.loaded.files.len());
    print!("{}", render::render(args.format.into(), &imp.findings, &imp.loaded.files, summary, super::use_color(args.color)));
    let code = imp.exit_code();
    if code == rely::EXIT_TOOL {
        eprintln!("rely import: nothing written: a file could not be read or holds no {} document", format.as_str());
        return Ok(code);
    }
    let unowned: Vec<&str> =
        imp.services.values().filter(|s| s.spec.owner.is_empty() && !s.slos.is_empty()).map(|s| s.name.as_str()).collect();
    if !unowned.is_empty() {
        eprintln!("rely import: nothing written: the source names no owner of {}; pass --owner TEAM", unowned.join(", "));
        return Ok(rely::EXIT_TOOL);
    }
    if imp.imported() == 0 {
        eprintln!("rely import: nothing importable: {} SLOs found, none imported (see the findings above)", imp.found);
        return Ok(rely::EXIT_FINDINGS);
    }
    let files = import::render(&imp, &existing.services);
    let written = import::write(&args.out, &files)?;
    for p in &written {
        eprintln!("wrote {}", p.display());
    }
    eprintln!(
        "imported {} of {} SLOs ({} services) from {} files; {} findings. Next: `rely check` the reliability directory.",
        imp.imported(),
        imp.found,
        imp.services.values().filter(|s| !s.slos.is_empty()).count(),
        args.files.len(),
        imp.findings.len()
    );
    Ok(code)
}

/// `rely export openslo [DIR]`: the OpenSLO documents on stdout.
pub(super) fn export(format: &str, dir: &std::path::Path) -> Result<u8> {
    if format != "openslo" {
        bail!("unknown format `{format}`: rely exports openslo");
    }
    let Some(model) = rely::model_of(dir)? else {
        bail!("{} has errors: run `rely check {}` first", dir.display(), dir.display());
    };
    print!("{}", rely::export::openslo(&model));
    Ok(rely::EXIT_OK)
}
