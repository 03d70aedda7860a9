//! `rely`: parse the command line, run, map the outcome to an exit code (0, 1 or 2).
#![allow(clippy::print_stdout, clippy::print_stderr)] // the binary is the one place that prints

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    purge_freed_memory_soon();
    let args = cli::args::Cli::parse();
    cli::log::init(args.verbose);
    std::process::ExitCode::from(cli::run(args))
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc 3 gives freed memory back to the OS a second after it is freed, by default. rely
// frees in bursts (each file's scratch space while loading, each chunk's while decoding): at
// 100,000 SLOs `rely check` peaked at 549 MB with that delay, 455 MB with mimalloc 2's 10 ms,
// in the same time (a median of 1.04 s against 1.02 s over 5 runs); with no delay at all, 451 MB
// but 1.23 s (memory given back is faulted in again). `mi_option_purge_delay` is the 16th option
// of `mi_option_e` in mimalloc.h, in both mimalloc 2 and 3 (libmimalloc-sys builds one of them).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

#[allow(unsafe_code)]
fn purge_freed_memory_soon() {
    unsafe extern "C" {
        /// mimalloc's own, linked in with the allocator.
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: sets one of mimalloc's integer options (a plain store), before any thread starts.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 10) };
}
