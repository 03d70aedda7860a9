//! Writes a synthetic reliability repository, for benchmarks and profiling (not part of the CLI):
//! `cargo run --release --example synth -- OUT_DIR SERVICES [SLOS_PER_SERVICE [grouped]]`.
//! Teams of ten services, ratio and latency SLOs with realistic PromQL, a hand-written alert per
//! service, and a concern per ten services; `grouped`: the ratio SLOs are grouped (`group_by`).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::Path;

#[path = "../benches/synth.rs"]
mod synth;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: synth OUT_DIR SERVICES [SLOS_PER_SERVICE [grouped]]");
        std::process::exit(2);
    }
    let out = Path::new(&args[1]);
    let services: usize = args[2].parse().expect("SERVICES is a number");
    let slos: usize = args.get(3).map(|s| s.parse().expect("SLOS_PER_SERVICE is a number")).unwrap_or(10);
    let grouped = match args.get(4).map(String::as_str) {
        None => false,
        Some("grouped") => true,
        Some(other) => {
            eprintln!("synth: unknown option {other:?} (only `grouped`)");
            std::process::exit(2);
        }
    };
    std::fs::create_dir_all(out).expect("create OUT_DIR");
    synth::generate(out, services, slos, grouped);
    println!("wrote {} services x {} SLOs to {}", services, slos, out.display());
}
