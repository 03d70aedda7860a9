//! Revisions for `rely diff`, read through libgit2 without a checkout: the YAML files under the
//! reliability directory at a revision, or in the working tree.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use git2::{ObjectType, Repository, TreeWalkMode, TreeWalkResult};

use crate::syntax::{self, Loaded};

/// A repository and where the reliability directory sits in it.
pub(crate) struct Repo {
    pub repo: Repository,
    /// The work tree root.
    pub root: PathBuf,
    /// The reliability directory, relative to the root (`reliability`).
    pub prefix: PathBuf,
}

/// libgit2 refuses repositories owned by another user (CI containers); rely only reads.
#[allow(unsafe_code)]
fn trust_owners() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: a global libgit2 option, set once (under `Once`) before this process opens a
        // repository; no other thread reads it while it is written.
        unsafe {
            let _ = git2::opts::set_verify_owner_validation(false);
        }
    });
}

/// Opens the repository that holds `dir`.
pub(crate) fn open(dir: &Path) -> Result<Repo> {
    trust_owners();
    let abs = std::fs::canonicalize(dir).with_context(|| format!("{} does not exist", dir.display()))?;
    let repo = Repository::discover(&abs).with_context(|| format!("{} is not inside a git repository", dir.display()))?;
    let root = repo.workdir().ok_or_else(|| anyhow!("the repository has no work tree"))?.to_path_buf();
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    let prefix = abs.strip_prefix(&root).unwrap_or(Path::new("")).to_path_buf();
    Ok(Repo { repo, root, prefix })
}

impl Repo {
    /// The YAML files of the reliability directory at `rev`.
    pub(crate) fn load_rev(&self, rev: &str) -> Result<Loaded> {
        let obj = self.repo.revparse_single(rev).map_err(|_| {
            anyhow!(
                "revision `{rev}` is not in this repository. In CI, fetch it first: actions/checkout with `fetch-depth: 0`, or `git fetch origin <branch>`"
            )
        })?;
        let tree = obj.peel_to_tree().with_context(|| format!("`{rev}` is not a commit or tree"))?;
        let sub = if self.prefix.as_os_str().is_empty() {
            tree.clone()
        } else {
            match tree.get_path(&self.prefix) {
                Ok(entry) => entry.to_object(&self.repo)?.peel_to_tree()?,
                Err(_) => return Ok(Loaded::default()), // the directory did not exist yet
            }
        };
        let mut blobs: Vec<(String, git2::Oid)> = vec![];
        sub.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let name = entry.name().unwrap_or("");
            if name.starts_with('.') {
                return TreeWalkResult::Skip;
            }
            if entry.kind() == Some(ObjectType::Blob) && (name.ends_with(".yaml") || name.ends_with(".yml")) {
                blobs.push((format!("{dir}{name}"), entry.id()));
            }
            TreeWalkResult::Ok
        })?;
        blobs.sort();
        // Every path of the revision, for the checks that look for files (runbooks).
        let mut paths = std::collections::BTreeSet::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            paths.insert(format!("{dir}{}", entry.name().unwrap_or("")));
            TreeWalkResult::Ok
        })?;
        let mut loaded = Loaded { tree: Some(paths), ..Loaded::default() };
        for (rel, id) in blobs {
            let blob = self.repo.find_blob(id)?;
            let display = self.display(&rel);
            if blob.size() as u64 > syntax::MAX_FILE_BYTES {
                syntax::add_source(&mut loaded, display.clone().into(), display, b"# file too large to compare\n".to_vec());
                continue;
            }
            syntax::add_source(&mut loaded, display.clone().into(), display, blob.content().to_vec());
        }
        Ok(loaded)
    }

    /// The working tree's files, with repository-relative display paths.
    pub(crate) fn load_worktree(&self) -> Result<Loaded> {
        let mut loaded = syntax::load_dir(&self.root.join(&self.prefix))?;
        for f in &mut loaded.files {
            let rel = f.path.strip_prefix(&self.root).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_else(|_| f.display.clone());
            f.display = rel;
        }
        Ok(loaded)
    }

    fn display(&self, rel: &str) -> String {
        let p = self.prefix.join(rel);
        p.to_string_lossy().replace('\\', "/")
    }
}
