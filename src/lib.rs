//! rely is a small compiler for reliability practice kept as YAML:
//! load (`syntax`) → check (`check`: schema, references, lint rules) → lower to a model
//! (`model`) → emit (`emit`: pure back ends, one atomic writer). `pipeline` runs those stages
//! for each command with the library's own option types; the command line (`src/cli/`, in the
//! binary) is one client of this library and the only place that parses arguments or prints.

pub mod check;
pub mod diag;
pub mod diff;
pub mod duration;
pub mod emit;
pub mod export;
mod git;
pub mod import;
pub mod init;
pub mod live;
pub mod model;
pub mod new;
mod pipeline;
pub mod promql;
pub mod source;
pub mod spec;
pub mod syntax;
pub mod verify;

pub use check::schema::files as schema_files;
pub(crate) use pipeline::phase;

pub use pipeline::{
    BuildOptions, BuildReport, Built, DiffOptions, LintOptions, Prepared, backlog, build, build_outputs, check_online, diff_report,
    diff_report_online, has_errors, load_and_check, model_of, prepare,
};

/// Exit codes (SPEC.md section 3): success, findings (or a stale `--check`), a failure of the tool.
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_TOOL: u8 = 2;

/// A hash map for rely's hot lookups: foldhash is several times faster than the standard
/// hasher on short strings and, like it, seeded at random per process.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
