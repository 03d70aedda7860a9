//! `rely build [DIR] --out DIR [--check] [--force]`: write (or compare) every output.

use anyhow::Result;
use rely::{Built, EXIT_FINDINGS, EXIT_OK};

use super::args::BuildArgs;

pub(super) fn run(args: &BuildArgs) -> Result<u8> {
    let report = rely::build(&args.options())?;
    if !report.findings.is_empty() {
        super::print_findings(&args.lint, &report.findings, &report.files);
    }
    let out = &args.out;
    match report.built {
        Built::Stopped => {
            eprintln!("rely: nothing written: fix the errors above first");
            Ok(EXIT_FINDINGS)
        }
        Built::Compared(d, n) => {
            if d.is_empty() {
                println!("{} is up to date ({n} files)", out.display());
                return Ok(EXIT_OK);
            }
            println!("{} is stale; run `rely build --out {}`:", out.display(), out.display());
            for (what, list) in [("added", &d.added), ("changed", &d.changed), ("removed", &d.removed)] {
                for f in list {
                    println!("  {what}: {f}");
                }
            }
            Ok(EXIT_FINDINGS)
        }
        Built::Written { paths, unchanged } => {
            let mut text = String::with_capacity(paths.len() * 64);
            let same: std::collections::HashSet<&String> = unchanged.iter().collect();
            if !args.quiet {
                for p in paths.iter().filter(|p| !same.contains(p)) {
                    text += &format!("wrote {}\n", out.join(p).display());
                }
            }
            text += &format!(
                "{} files in {}: {} written, {} unchanged\n",
                paths.len(),
                out.display(),
                paths.len() - unchanged.len(),
                unchanged.len()
            );
            print!("{text}");
            Ok(EXIT_OK)
        }
    }
}
