//! `rely diff --base REV [--head REV] [DIR]`: what a change does to reliability.

use anyhow::Result;
use rely::{EXIT_FINDINGS, EXIT_OK};

use super::args::{DiffArgs, DiffFormat};

pub(super) fn run(args: &DiffArgs) -> Result<u8> {
    let report = match args.prometheus.given() {
        Some(prom) => rely::diff_report_online(&args.options(), &prom, rely::live::now())?,
        None => rely::diff_report(&args.options())?,
    };
    match args.format {
        DiffFormat::Markdown => print!("{}", rely::diff::markdown(&report)),
        DiffFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(if report.head_errors.is_empty() { EXIT_OK } else { EXIT_FINDINGS })
}
