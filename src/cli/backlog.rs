//! `rely backlog [DIR]`: the council backlog, printed even when some documents have errors.

use std::path::Path;

use anyhow::Result;
use rely::{EXIT_FINDINGS, EXIT_OK};

pub(super) fn run(dir: &Path) -> Result<u8> {
    let (text, errors) = rely::backlog(dir)?;
    if errors > 0 {
        eprintln!("rely: {errors} error(s) in {} (run `rely check`); the backlog shows what could be read", dir.display());
    }
    print!("{text}");
    Ok(if errors > 0 { EXIT_FINDINGS } else { EXIT_OK })
}
