//! `rely schema [--out DIR]`: the JSON Schema of every kind, for editors and CI.

use std::path::Path;

use anyhow::{Context, Result};
use rely::EXIT_OK;

pub(super) fn run(out: &Path) -> Result<u8> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let files = rely::schema_files();
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("wrote {} schemas to {}", files.len(), out.display());
    Ok(EXIT_OK)
}
