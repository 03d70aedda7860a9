//! Writes a synthetic reliability repository, for benchmarks and profiling (not part of the CLI):
//! `cargo run --release --example synth -- OUT_DIR SERVICES [SLOS_PER_SERVICE]`.
//! Teams of ten services, ratio and latency SLOs with realistic PromQL, a hand-written alert per
//! service, and a concern per ten services.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;

#[path = "../benches/synth.rs"]
mod synth;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: synth OUT_DIR SERVICES [SLOS_PER_SERVICE]");
        std::process::exit(2);
    }
    let out = Path::new(&args[1]);
    let services: usize = args[2].parse().expect("SERVICES is a number");
    let slos: usize = args.get(3).map(|s| s.parse().expect("SLOS_PER_SERVICE is a number")).unwrap_or(10);
    std::fs::create_dir_all(out).expect("create OUT_DIR");
    synth::generate(out, services, slos);
    println!("wrote {} services x {} SLOs to {}", services, slos, out.display());
}
