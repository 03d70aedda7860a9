//! The inputs of `scripts/bench-rules`, which measures what generated rules cost a real
//! Prometheus: a rely repository of SLOS ratio SLOs on one service, OpenMetrics history of
//! SERIES counters per SLI (instances × {200, 500}) over DAYS days every STEP seconds, the same
//! SLOs as Sloth's own rules (its committed getting-started output, replicated per SLO), and
//! the recorded 5m series both tools' long windows read, as they would exist after DAYS days of
//! evaluation (so neither is measured reading an empty history).
//!
//!   cargo run --release --example bench-rules -- OUT SLOS SERIES DAYS STEP END_UNIX EVAL [UNTIL_UNIX]
//!
//! With UNTIL_UNIX, `history.om` holds only the samples after END_UNIX up to UNTIL_UNIX (the
//! same series, continued): the top-up that brings a copy of the history up to the minute just
//! before its Prometheus starts, so every rule set is measured reading live-fresh raw data.

#![allow(clippy::print_stderr)]

use std::fmt::Write as _;
use std::io::Write as _;

const SLOTH_TEMPLATE: &str = include_str!("../tests/fixtures/sloth/gen/getting-started.yml");
/// Requests per second per instance, and the error ratio (half a 99.9% SLO's budget).
const RATE: f64 = 10.0;
const ERRORS: f64 = 0.0005;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (out, slos, series, days, step, end, eval, until) = match &args[..] {
        [out, slos, series, days, step, end, eval] => (out, slos, series, days, step, end, eval, None),
        [out, slos, series, days, step, end, eval, until] => (out, slos, series, days, step, end, eval, Some(until)),
        _ => {
            eprintln!("usage: bench-rules OUT SLOS SERIES DAYS STEP END_UNIX EVAL [UNTIL_UNIX]");
            std::process::exit(2);
        }
    };
    let (slos, instances): (usize, usize) = (slos.parse().expect("SLOS"), series.parse::<usize>().expect("SERIES") / 2);
    let (days, step, end): (f64, i64, i64) = (days.parse().expect("DAYS"), step.parse().expect("STEP"), end.parse().expect("END"));
    let out = std::path::Path::new(out);
    std::fs::create_dir_all(out.join("reliability"))?;

    // The rely repository.
    let mut repo = format!(
        "apiVersion: rely/v1\nkind: Project\nmetadata: {{name: bench}}\nspec:\n  prometheus: {{evaluation_interval: {eval}s}}\n  \
         outputs: {{grafana: false, alertmanager: false, chaos: false, council: false, oncall: false}}\n---\n\
         apiVersion: rely/v1\nkind: Team\nmetadata: {{name: bench}}\nspec:\n  members: [{{name: Ada Example, email: ada@example.com}}]\n  \
         notify: {{page: [{{email: {{to: oncall@example.com}}}}], ticket: [{{email: {{to: team@example.com}}}}]}}\n---\n\
         apiVersion: rely/v1\nkind: Service\nmetadata: {{name: bench}}\nspec: {{owner: bench, tier: 2, runbook: \"https://runbooks.example.com/bench\"}}\n"
    );
    for k in 0..slos {
        write!(
            repo,
            "---\napiVersion: rely/v1\nkind: SLO\nmetadata: {{name: slo{k}}}\nspec:\n  service: bench\n  objective: 99.9\n  indicator:\n    ratio:\n      \
             errors: sum(rate(bench_requests_total{{slo=\"slo{k}\",code=\"500\"}}[{{{{window}}}}]))\n      \
             total: sum(rate(bench_requests_total{{slo=\"slo{k}\"}}[{{{{window}}}}]))\n  alerting: {{}}\n"
        )
        .expect("string");
    }
    std::fs::write(out.join("reliability/all.yaml"), repo)?;

    // Sloth's rules for the same SLOs: its own output for one SLO, with the SLI and ids swapped.
    let groups = SLOTH_TEMPLATE.split_once("groups:\n").expect("Sloth's file has groups").1;
    let mut sloth = String::from("# Sloth's getting-started output (tests/fixtures/sloth, Apache-2.0), one copy per SLO.\ngroups:\n");
    for k in 0..slos {
        sloth += &groups
            .replace(
                r#"http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}"#,
                &format!(r#"bench_requests_total{{slo="slo{k}",code="500"}}"#),
            )
            .replace(r#"http_request_duration_seconds_count{job="myservice"}"#, &format!(r#"bench_requests_total{{slo="slo{k}"}}"#))
            .replace("myservice-requests-availability", &format!("bench-slo{k}"))
            .replace("requests-availability", &format!("slo{k}"))
            .replace("myservice", "bench");
    }
    std::fs::write(out.join("sloth.rules.yml"), sloth)?;

    // History: counters per instance, then the recorded 5m series each tool's rules would have written.
    let start = end - (days * 86400.0) as i64;
    // The samples written: the history up to END, or its top-up from END to UNTIL.
    let (from, end) = match until {
        Some(u) => (end, u.parse::<i64>().expect("UNTIL")),
        None => (i64::MIN, end),
    };
    let mut f = std::io::BufWriter::new(std::fs::File::create(out.join("history.om"))?);
    writeln!(f, "# TYPE bench_requests counter")?;
    for k in 0..slos {
        for i in 0..instances {
            for (code, share) in [("200", 1.0 - ERRORS), ("500", ERRORS)] {
                let mut t = start;
                while t <= end {
                    let v = (t - start) as f64 * RATE * share;
                    if t > from {
                        writeln!(f, "bench_requests_total{{slo=\"slo{k}\",instance=\"i{i}\",code=\"{code}\"}} {v} {t}")?;
                    }
                    t += step;
                }
            }
        }
    }
    let all = instances as f64 * RATE;
    // With exactly the labels the live rules write (Sloth's carry its example's extra labels),
    // so history and new samples are one series.
    let sloth_extra = r#",cmd="examplesgen.sh",owner="myteam",repo="myorg/bench",tier="2""#;
    // rely's event rates carry no window label; Sloth's ratios do.
    let sloth_extra = format!(",sloth_window=\"5m\"{sloth_extra}");
    let recorded = [
        ("slo:sli_error_events:rate5m", "rely", "", all * ERRORS),
        ("slo:sli_total_events:rate5m", "rely", "", all),
        ("slo:sli_error:ratio_rate5m", "sloth", sloth_extra.as_str(), ERRORS),
    ];
    let eval: i64 = eval.parse().expect("EVAL");
    for (name, tool, extra, v) in recorded {
        writeln!(f, "# TYPE {name} gauge")?;
        for k in 0..slos {
            let mut t = start;
            while t <= end {
                if t > from {
                    writeln!(f, "{name}{{{tool}_id=\"bench-slo{k}\",{tool}_service=\"bench\",{tool}_slo=\"slo{k}\"{extra}}} {v} {t}")?;
                }
                t += eval;
            }
        }
    }
    writeln!(f, "# EOF")?;
    f.flush()
}
