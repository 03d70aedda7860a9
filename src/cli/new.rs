//! `rely new KIND NAME [--service S] [--team T] [--write [--dir DIR]]`: a document skeleton.

use std::path::Path;

use anyhow::Result;
use rely::EXIT_OK;

pub(super) fn run(kind: &str, name: &str, service: Option<&str>, team: Option<&str>, write: Option<&Path>) -> Result<u8> {
    let kind = rely::new::kind(kind)?;
    let text = rely::new::document(kind, name, service, team)?;
    match write {
        None => print!("{text}"),
        Some(dir) => println!("wrote {}", rely::new::write(dir, kind, name, &text)?.display()),
    }
    Ok(EXIT_OK)
}
