//! `rely check [DIR]`: validate and print the findings.

use anyhow::Result;

use super::args::CheckArgs;

pub(super) fn run(args: &CheckArgs) -> Result<u8> {
    let (loaded, checked) = rely::load_and_check(&args.dir, &args.lint.options())?;
    Ok(super::exit_for(super::print_findings(&args.lint, &checked.findings, &loaded.files)))
}
