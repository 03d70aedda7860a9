//! `rely backtest [DIR] --prometheus URL --from T --to T [--step D] [--slo NAME]... [--format F]`.

use anyhow::{Result, bail};
use rely::EXIT_OK;
use rely::live::backtest;

use super::args::{BacktestArgs, BacktestFormat};

pub(super) fn run(args: &BacktestArgs) -> Result<u8> {
    let model = super::model_with(&args.dir, &args.slo)?;
    let (from, to) = (rely::live::parse_time(&args.from)? as i64, rely::live::parse_time(&args.to)? as i64);
    if to <= from {
        bail!("--to must be after --from");
    }
    let step = rely::duration::parse(&args.step)
        .filter(|s| *s >= 1)
        .ok_or_else(|| anyhow::anyhow!("--step {}: give a duration such as 1m", args.step))? as i64;
    let prom = rely::live::prom::Prometheus::new(&args.prometheus.options()?)?;
    let started = std::time::Instant::now();
    let report = backtest::backtest(&model, &prom, from, to, step, &args.slo)?;
    log::info!(target: "rely::timing", "backtest: {:.1} s", started.elapsed().as_secs_f64());
    match args.format {
        BacktestFormat::Markdown => print!("{}", backtest::markdown(&report, to - from)),
        BacktestFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
    }
    Ok(EXIT_OK)
}
