//! `rely explain CODE` and `rely rules [--long|--markdown]`: the documentation of the codes.

use anyhow::{Result, anyhow};
use rely::EXIT_OK;
use rely::diag::codes;

pub(super) fn explain(code: &str) -> Result<u8> {
    let rule = codes::lookup(code).ok_or_else(|| anyhow!("unknown code `{code}`; `rely rules` lists them all"))?;
    print!("{}", rule.explain());
    Ok(EXIT_OK)
}

pub(super) fn rules(long: bool, markdown: bool) -> Result<u8> {
    print!("{}", if markdown { codes::table_markdown() } else { codes::table_text(long) });
    Ok(EXIT_OK)
}
