//! `rely new KIND NAME [--service S] [--team T] [--write] [--dir DIR]`: a document skeleton, with
//! what is known filled in (the service's owner when `--service` names one in DIR).

use std::path::Path;

use anyhow::Result;
use rely::EXIT_OK;

pub(super) fn run(kind: &str, name: &str, service: Option<&str>, team: Option<&str>, dir: &Path, write: bool) -> Result<u8> {
    let kind = rely::new::kind(kind)?;
    let owner = match (team, service) {
        (None, Some(s)) => rely::new::owner_of(dir, s),
        _ => None,
    };
    let text = rely::new::document(kind, name, service, team.or(owner.as_deref()))?;
    if write {
        println!("wrote {}", rely::new::write(dir, kind, name, &text)?.display());
    } else {
        print!("{text}");
    }
    Ok(EXIT_OK)
}
