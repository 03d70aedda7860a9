//! Writes synthetic history for a reliability directory's SLOs as OpenMetrics, for
//! `scripts/demo-prometheus` (not part of the CLI):
//! `cargo run --example demo-metrics -- DIR OUT_FILE END_RFC3339 [DAYS]`.
//! One sample every 2 minutes; traffic of 10 events/s per SLO with 0.02% errors, and one incident per SLO of the team owning most SLOs:
//! 45 minutes at 10% errors, three days before the end.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "demo/openmetrics.rs"]
mod openmetrics;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: demo-metrics DIR OUT_FILE END_RFC3339 [DAYS]");
        std::process::exit(2);
    }
    let model = rely::model_of(std::path::Path::new(&args[1])).expect("read DIR").expect("DIR has errors: run rely check");
    let end = rely::live::parse_time(&args[3]).expect("END_RFC3339") as i64;
    let days: i64 = args.get(4).map(|d| d.parse().expect("DAYS")).unwrap_or(30);
    // The team that owns the most SLOs has the incident.
    let mut count = std::collections::BTreeMap::<String, usize>::new();
    for s in model.all_slos() {
        *count.entry(s.owner.clone()).or_default() += 1;
    }
    let first_team = count.iter().max_by_key(|(t, n)| (**n, std::cmp::Reverse((*t).clone()))).map(|(t, _)| t.clone()).unwrap_or_default();
    let incidents = model
        .all_slos()
        .filter(|s| s.owner == first_team)
        .map(|s| openmetrics::Incident { slo: s.name.clone(), start: end - 3 * 86400, minutes: 45, error_ratio: 0.10 })
        .collect();
    let h = openmetrics::History {
        start: end - days * 86400,
        end,
        step: 120,
        rate: 10.0,
        base: 0.0002,
        base_of: Default::default(),
        incidents,
    };
    let (text, skipped) = openmetrics::openmetrics(&model, &h);
    std::fs::write(&args[2], text).expect("write OUT_FILE");
    for (slo, why) in skipped {
        eprintln!("no history for SLO {slo}: {why}");
    }
    println!("wrote {} ({days} days ending {})", args[2], args[3]);
}
