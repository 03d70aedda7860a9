//! `rely`: parse the command line, run, map the outcome to an exit code (0, 1 or 2).
#![allow(clippy::print_stdout, clippy::print_stderr)] // the binary is the one place that prints

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    keep_freed_memory();
    let args = cli::args::Cli::parse();
    cli::log::init(args.verbose);
    std::process::ExitCode::from(cli::run(args))
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc 3 gives freed memory back to the OS a second after it is freed, by default; rely
// is a short-lived process that frees in bursts (each file's values once its documents are
// decoded, each service's outputs once written), and memory given back is faulted in again the
// next time it is needed. At 100,000 SLOs, with a 10 ms delay `rely build` faulted in 217,000
// pages and took 5.82-5.89 s; never giving memory back while running, 104,000 pages and
// 5.42-5.52 s, its peak 364 -> 427 MB. `rely check` peaks at 336 MB instead of 296 MB, in the
// same time (0.80-0.92 s against 0.87-1.02 s). (Before each file's values were dropped once
// decoded, the check peaked at 549 MB with mimalloc's 1 s delay, so a 10 ms one was set.)
// `mi_option_purge_delay` is the 16th option of `mi_option_e` in mimalloc.h, in both mimalloc
// 2 and 3 (libmimalloc-sys builds one of them); -1 is "never".
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[allow(unsafe_code)]
fn keep_freed_memory() {
    unsafe extern "C" {
        /// mimalloc's own, linked in with the allocator.
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: sets one of mimalloc's integer options (a plain store), before any thread starts.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}
