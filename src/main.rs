//! `rely`: parse the command line, run, map the outcome to an exit code (0, 1 or 2).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = rely::cli::Cli::parse();
    std::process::ExitCode::from(rely::run(cli))
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
