//! `rely verify [OUT]`: the real judges on generated outputs, one line each, then a summary.

use std::path::Path;

use anyhow::Result;
use rely::{EXIT_FINDINGS, EXIT_OK, EXIT_TOOL};

pub(super) fn run(out: &Path) -> Result<u8> {
    let report = rely::verify::verify(out)?;
    for v in &report.verdicts {
        println!("{} {}", if v.ok { "ok  " } else { "FAIL" }, v.what);
        if !v.ok {
            for line in v.output.lines().take(20) {
                println!("     {line}");
            }
        }
    }
    for m in &report.missing {
        eprintln!("rely: {} is not installed, so it judged nothing: {}", m.tool, m.install);
    }
    let failed = report.failed();
    println!(
        "verify: {} passed, {failed} failed{}",
        report.verdicts.len() - failed,
        if report.missing.is_empty() { String::new() } else { format!(", {} judge(s) missing", report.missing.len()) }
    );
    Ok(if !report.missing.is_empty() {
        EXIT_TOOL
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}
