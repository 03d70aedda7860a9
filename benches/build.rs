//! `cargo bench`: how long `rely check` and `rely build` take on synthetic repositories of
//! 10, 100 and 1,000 services × 10 SLOs (100 to 10,000 SLOs), in process, median of several runs.
//! The generator writes teams, services with ratio and latency SLOs, and hand-written alerts.
//! "build" is check, lower and emit into memory; "build+write" is what the CLI does: check,
//! lower, and emit streamed into a temporary directory that replaces the output (a rebuild,
//! after the first run). The process-wide memo of parsed queries is cleared before each run, so
//! every run parses as a fresh process would. Same allocator as the binary.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::{Duration, Instant};

mod synth;
use synth::generate;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test --all-targets` only a small smoke run.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") { &[10, 100, 1000] } else { &[2] };
    println!("{:>9} {:>12} {:>12} {:>12} {:>8}", "SLOs", "check", "build", "build+write", "files");
    for &services in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("reliability");
        std::fs::create_dir(&dir).unwrap();
        generate(&dir, services, 10, false);
        let runs = if services >= 1000 { 3 } else { 7 };
        let (mut check, mut build, mut write) = (vec![], vec![], vec![]);
        let mut nfiles = 0;
        for _ in 0..runs {
            rely::promql::clear_memo();
            let t0 = Instant::now();
            let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
            check.push(t0.elapsed());
            assert!(checked.findings.is_empty(), "{:?}", checked.findings.first());
            rely::promql::clear_memo();
            let t0 = Instant::now();
            let (_, _, files) = rely::build_outputs(&dir, &Default::default()).unwrap();
            let files = files.unwrap();
            build.push(t0.elapsed());
            nfiles = files.len();
            drop(files);
            rely::promql::clear_memo();
            let t0 = Instant::now();
            let (_, _, prepared) = rely::prepare(&dir, &Default::default()).unwrap();
            let p = prepared.unwrap();
            let written = rely::emit::replace_dir(&tmp.path().join("generated"), |sink| {
                Ok(rely::emit::emit_to(&p.model, &p.templates, sink)?.is_empty().then(|| sink.paths()))
            })
            .unwrap()
            .unwrap();
            write.push(t0.elapsed());
            assert_eq!(written.len(), nfiles);
        }
        println!(
            "{:>9} {:>10.1}ms {:>10.1}ms {:>10.1}ms {:>8}",
            services * 10,
            median(check).as_secs_f64() * 1e3,
            median(build).as_secs_f64() * 1e3,
            median(write).as_secs_f64() * 1e3,
            nfiles
        );
    }
}
