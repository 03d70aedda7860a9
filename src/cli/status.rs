//! `rely status [DIR] --prometheus URL [--at T] [--format table|json|markdown]`.

use anyhow::Result;
use rely::live::status;
use rely::{EXIT_FINDINGS, EXIT_OK};

use super::args::{StatusArgs, StatusFormat};

pub(super) fn run(args: &StatusArgs) -> Result<u8> {
    let model = super::model_with(&args.dir, &args.slo)?;
    let at = match &args.at {
        Some(t) => rely::live::parse_time(t)?,
        None => rely::live::now(),
    };
    let prom = rely::live::prom::Prometheus::new(&args.prometheus.options()?)?;
    let report = status::status(&model, &prom, at, &args.slo)?;
    match args.format {
        StatusFormat::Table => print!("{}", status::table(&report)),
        StatusFormat::Markdown => print!("{}", status::markdown(&report)),
        StatusFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(if report.overspent() { EXIT_FINDINGS } else { EXIT_OK })
}
