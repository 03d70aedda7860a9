//! `rely`: parse the command line, run, map the outcome to an exit code (0, 1 or 2).
#![allow(clippy::print_stdout, clippy::print_stderr)] // the binary is the one place that prints

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::args::Cli::parse();
    cli::log::init(args.verbose);
    std::process::ExitCode::from(cli::run(args))
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
