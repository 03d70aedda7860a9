//! `cargo bench`: how long `rely check` and `rely build` take on synthetic repositories of
//! 10, 100 and 1,000 services × 10 SLOs (100 to 10,000 SLOs), in process, median of several runs.
//! The generator writes teams, services with ratio and latency SLOs, and hand-written alerts.
//! "build" is the whole of `rely build` but the disk write: check, lower and emit.

use std::path::Path;
use std::time::{Duration, Instant};

fn generate(dir: &Path, services: usize, slos_per_service: usize) {
    let teams = (services / 10).max(1);
    let mut t = String::new();
    for i in 0..teams {
        t += &format!(
            "---\napiVersion: rely/v1\nkind: Team\nmetadata: {{name: team-{i}}}\nspec:\n  members: [{{name: Person {i}, email: p{i}@example.com}}]\n  notify:\n    page: [{{pagerduty: {{routing_key_file: /etc/am/pd-{i}.key}}}}]\n    ticket: [{{email: {{to: team-{i}@example.com}}}}]\n"
        );
    }
    std::fs::write(dir.join("teams.yaml"), t).unwrap();
    for s in 0..services {
        let mut y = format!(
            "apiVersion: rely/v1\nkind: Service\nmetadata: {{name: svc-{s}}}\nspec: {{owner: team-{}, tier: 2, runbook: \"https://runbooks.example.com/svc-{s}\"}}\n",
            s % teams
        );
        for k in 0..slos_per_service {
            let indicator = if k % 3 == 2 {
                format!(
                    "    latency: {{histogram: http_request_duration_seconds, selector: '{{job=\"svc-{s}\",route=\"r{k}\"}}', threshold: 0.3}}\n"
                )
            } else {
                format!(
                    "    ratio:\n      errors: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"r{k}\",code=~\"5..\"}}[{{{{window}}}}]))\n      total: sum(rate(http_requests_total{{job=\"svc-{s}\",route=\"r{k}\"}}[{{{{window}}}}]))\n"
                )
            };
            y += &format!(
                "---\napiVersion: rely/v1\nkind: SLO\nmetadata: {{name: svc-{s}-slo-{k}}}\nspec:\n  service: svc-{s}\n  objective: 99.9\n  indicator:\n{indicator}  alerting: {{}}\n"
            );
        }
        y += &format!(
            "---\napiVersion: rely/v1\nkind: Alert\nmetadata: {{name: svc-{s}-saturation}}\nspec:\n  service: svc-{s}\n  owner: team-{}\n  runbook: \"https://runbooks.example.com/svc-{s}\"\n  severity: ticket\n  expr: max(process_open_fds{{job=\"svc-{s}\"}}) / max(process_max_fds{{job=\"svc-{s}\"}}) > 0.8\n  for: 10m\n  summary: svc-{s} is running out of file descriptors\n",
            s % teams
        );
        std::fs::write(dir.join(format!("svc-{s}.yaml")), y).unwrap();
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes --bench; under `cargo test --all-targets` only a small smoke run.
    let sizes: &[usize] = if std::env::args().any(|a| a == "--bench") { &[10, 100, 1000] } else { &[2] };
    println!("{:>9} {:>12} {:>12} {:>12} {:>8}", "SLOs", "check", "build", "write", "files");
    for &services in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("reliability");
        std::fs::create_dir(&dir).unwrap();
        generate(&dir, services, 10);
        let runs = if services >= 1000 { 3 } else { 7 };
        let (mut check, mut build, mut write) = (vec![], vec![], vec![]);
        let mut nfiles = 0;
        for _ in 0..runs {
            let t0 = Instant::now();
            let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
            check.push(t0.elapsed());
            assert!(checked.findings.is_empty(), "{:?}", checked.findings.first());
            let t0 = Instant::now();
            let (_, _, files) = rely::build_outputs(&dir, &Default::default()).unwrap();
            let files = files.unwrap();
            build.push(t0.elapsed());
            let t0 = Instant::now();
            rely::emit::write(&tmp.path().join("generated"), &files).unwrap();
            write.push(t0.elapsed());
            nfiles = files.len();
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
