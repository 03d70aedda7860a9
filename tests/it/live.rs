//! Live features against a real Prometheus (the Debian package scripts/install-validators
//! installs) on 127.0.0.1, over a TSDB backfilled with `promtool tsdb create-blocks-from
//! openmetrics` from history this test generates: days of traffic with known incidents. The
//! numbers `rely status` prints are checked against values computed here from that history.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../../examples/demo/openmetrics.rs"]
mod openmetrics;

use openmetrics::{History, Incident};

use crate::{rely, require_tool};

/// A Prometheus serving a backfilled TSDB; killed when dropped.
pub(crate) struct LivePrometheus {
    child: Child,
    pub(crate) url: String,
    _dir: tempfile::TempDir,
}

impl Drop for LivePrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl LivePrometheus {
    /// Backfills `openmetrics` and starts Prometheus on it; `None` when the tools are missing
    /// and RELY_SKIP_VALIDATORS=1 (otherwise a missing tool fails the test).
    pub(crate) fn start(openmetrics: &str) -> Option<LivePrometheus> {
        if !require_tool("promtool") || !require_tool("prometheus") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let om = dir.path().join("history.om");
        std::fs::write(&om, openmetrics).unwrap();
        let tsdb = dir.path().join("tsdb");
        let out = Command::new("promtool")
            .args(["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=24h"])
            .arg(&om)
            .arg(&tsdb)
            .output()
            .unwrap();
        assert!(out.status.success(), "promtool: {}", String::from_utf8_lossy(&out.stderr));
        let config = dir.path().join("prometheus.yml");
        std::fs::write(&config, "global: {evaluation_interval: 1m}\n").unwrap();
        let port = free_port();
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", tsdb.display()))
            .arg("--storage.tsdb.retention.time=100y")
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let p = LivePrometheus { child, url: format!("http://127.0.0.1:{port}"), _dir: dir };
        let start = Instant::now();
        loop {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
                && ureq::get(&format!("{}/-/ready", p.url)).call().is_ok_and(|r| r.status() == 200)
            {
                return Some(p);
            }
            assert!(start.elapsed() < Duration::from_secs(60), "prometheus did not become ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

const END: i64 = 1_790_000_040; // 2026-09-21T13:54:00Z, on a whole minute
const DAY: i64 = 86_400;

fn repo(dir: &Path) -> PathBuf {
    let r = dir.join("reliability");
    std::fs::create_dir_all(&r).unwrap();
    let slo = |name: &str, job: &str, objective: &str| {
        format!(
            "---\napiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: {name}\nspec:\n  service: shop\n  objective: {objective}\n  window: 7d\n  indicator:\n    ratio:\n      errors: sum(rate(http_requests_total{{job=\"{job}\",code=~\"5..\"}}[{{{{window}}}}]))\n      total: sum(rate(http_requests_total{{job=\"{job}\"}}[{{{{window}}}}]))\n  alerting:\n    page: {{enabled: true}}\n    ticket: {{enabled: true}}\n"
        )
    };
    let text = format!(
        "apiVersion: rely/v1\nkind: Team\nmetadata:\n  name: payments\nspec:\n  members: [{{name: Ada, email: ada@example.com}}]\n  notify:\n    page: [{{email: {{to: pay@example.com}}}}]\n---\napiVersion: rely/v1\nkind: Team\nmetadata:\n  name: search\nspec:\n  members: [{{name: Bo, email: bo@example.com}}]\n  notify:\n    page: [{{email: {{to: search@example.com}}}}]\n---\napiVersion: rely/v1\nkind: Service\nmetadata:\n  name: shop\nspec:\n  owner: payments\n  tier: 1\n  runbook: https://runbooks.example.com/shop\n{}{}{}{}",
        slo("checkout-availability", "checkout", "99.9"),
        slo("search-availability", "search", "99.99").replace("  alerting:\n", "  alerting:\n    owner: search\n"),
        slo("cart-availability", "cart", "99.9"),
        slo("ghost-availability", "ghost", "99.9"),
    );
    std::fs::write(r.join("shop.yaml"), text).unwrap();
    r
}

fn history(model: &rely::model::Model) -> (History, String) {
    let h = History {
        start: END - 8 * DAY,
        end: END,
        step: 60,
        rate: 10.0,
        base: 0.0002,
        // search overspends its 99.99% budget; cart is clean.
        base_of: [("search-availability".to_string(), 0.0003), ("cart-availability".to_string(), 0.0)].into(),
        incidents: vec![Incident { slo: "checkout-availability".into(), start: END - 2 * DAY, minutes: 30, error_ratio: 0.1 }],
    };
    // ghost's metrics are never written: it has no data.
    let mut m = model.clone();
    for s in &mut m.services {
        s.slos.retain(|s| s.name != "ghost-availability");
    }
    let (text, skipped) = openmetrics::openmetrics(&m, &h);
    assert!(skipped.is_empty(), "{skipped:?}");
    (h, text)
}

/// The error ratio over [at - window, at] as `rate()` sees it in Debian's Prometheus 2 (whose
/// range selectors include the sample at the window's start): the increase between the first
/// and the last sample in the window, errors over all events.
fn expected_ratio(h: &History, slo: &str, window: i64, at: i64) -> f64 {
    let first = (at - window + h.step - 1) / h.step * h.step;
    let (mut e, mut t) = (0.0, 0.0);
    let mut ts = first + h.step;
    while ts <= at {
        e += h.ratio(slo, ts);
        t += 1.0;
        ts += h.step;
    }
    e / t
}

fn close(got: f64, want: f64, what: &str) {
    let tol = (want.abs() * 0.01).max(1e-9);
    assert!((got - want).abs() <= tol, "{what}: got {got}, want {want} (±1%)");
}

#[test]
fn status_measures_slos_against_a_real_prometheus() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo(tmp.path());
    let model = rely::model_of(&dir).unwrap().expect("the test repository checks clean");
    let (h, text) = history(&model);
    let Some(prom) = LivePrometheus::start(&text) else { return };
    let at = jiff::Timestamp::from_second(END).unwrap().to_string();
    let (code, out, err) = rely(&["status", "reliability", "--prometheus", &prom.url, "--at", &at, "--format", "json"], tmp.path());
    assert_eq!(code, 1, "search has overspent its budget: exit 1\n{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["at"], at);
    let slo = |n: &str| v["slos"].as_array().unwrap().iter().find(|s| s["name"] == n).unwrap_or_else(|| panic!("{n}: {out}")).clone();
    let week = 7 * DAY;
    for (name, budget) in [("checkout-availability", 0.001), ("search-availability", 0.0001), ("cart-availability", 0.001)] {
        let s = slo(name);
        let want = expected_ratio(&h, name, week, END);
        close(s["error_ratio"].as_f64().unwrap(), want, &format!("{name} error ratio"));
        close(s["budget_remaining"].as_f64().unwrap(), 1.0 - want / budget, &format!("{name} budget remaining"));
        close(s["budget_remaining_seconds"].as_f64().unwrap(), (1.0 - want / budget) * budget * week as f64, &format!("{name} seconds"));
        let h1 = expected_ratio(&h, name, 3600, END) / budget;
        close(s["burn_rate"]["1h"].as_f64().unwrap(), h1, &format!("{name} burn 1h"));
        // search burns at 3x everywhere: above the 7d ticket factors (1.4 and 0.98), below the
        // page ones (13.44 and 3.5); the others burn below 1.
        let firing = if name == "search-availability" { serde_json::json!(["ticket"]) } else { serde_json::json!([]) };
        assert_eq!(s["firing"], firing, "{name}");
    }
    assert!(slo("search-availability")["budget_remaining"].as_f64().unwrap() < 0.0);
    assert_eq!(slo("search-availability")["team"], "search");
    let ghost = slo("ghost-availability");
    assert!(ghost["error_ratio"].is_null() && ghost["budget_remaining"].is_null(), "{ghost}");
    assert!(ghost["reason"].as_str().unwrap().contains("no data"));
    // Worst team first (search, overspent), and within payments worst first; no data last.
    let order: Vec<&str> = v["slos"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(order, ["search-availability", "checkout-availability", "cart-availability", "ghost-availability"]);
    // Twenty minutes into checkout's incident, its page conditions hold.
    let during = jiff::Timestamp::from_second(END - 2 * DAY + 20 * 60).unwrap().to_string();
    let (_, out, err) = rely(
        &["status", "reliability", "--prometheus", &prom.url, "--at", &during, "--slo", "checkout-availability", "--format", "json"],
        tmp.path(),
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    // 5m at 10% and 1h at 3.3% are above 13.44 × 0.1%: page; 2h and 1d above 1.4 × 0.1%: ticket too.
    assert_eq!(v["slos"][0]["firing"], serde_json::json!(["page", "ticket"]), "{out}");
    close(
        v["slos"][0]["burn_rate"]["1h"].as_f64().unwrap(),
        expected_ratio(&h, "checkout-availability", 3600, END - 2 * DAY + 1200) / 0.001,
        "burn 1h during the incident",
    );
    // The table, grouped by team.
    let (_, table, _) = rely(&["status", "reliability", "--prometheus", &prom.url, "--at", &at], tmp.path());
    let (search, payments) = (table.find("team search").unwrap(), table.find("team payments").unwrap());
    assert!(search < payments, "{table}");
    assert!(table.contains("over by"), "{table}");
}

/// A dead server, a slow one and a server that is not Prometheus: exit 2 naming the URL, in
/// bounded time, never a hang.
#[test]
fn an_unreachable_or_slow_server_is_exit_2_in_bounded_time() {
    let tmp = tempfile::tempdir().unwrap();
    repo(tmp.path());
    let dead = format!("http://127.0.0.1:{}", free_port());
    let t = Instant::now();
    let (code, _, err) = rely(&["status", "reliability", "--prometheus", &dead, "--prometheus-timeout", "2"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&dead) && err.contains("refused"), "{err}");
    assert!(t.elapsed() < Duration::from_secs(10));
    // A server that accepts and never answers.
    let slow = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", slow.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = vec![];
        for c in slow.incoming().take(3).flatten() {
            conns.push(c);
        }
        std::thread::sleep(Duration::from_secs(12));
    });
    let t = Instant::now();
    let (code, _, err) = rely(&["status", "reliability", "--prometheus", &url, "--prometheus-timeout", "1"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&url), "{err}");
    assert!(t.elapsed() < Duration::from_secs(10), "took {:?}", t.elapsed());
    drop(held);
    let (code, _, err) = rely(&["status", "reliability", "--prometheus", "ftp://x", "--at", "yesterday"], tmp.path());
    assert_eq!(code, 2, "{err}");
}

/// The backtest finds checkout's incident (one page episode, starting within minutes of it),
/// nothing on the healthy SLO, and search's slow overspend as a ticket; long ranges are chunked.
#[test]
fn backtest_finds_the_incidents_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo(tmp.path());
    let model = rely::model_of(&dir).unwrap().unwrap();
    let (h, text) = history(&model);
    let Some(prom) = LivePrometheus::start(&text) else { return };
    let (from, to) =
        (jiff::Timestamp::from_second(END - 5 * DAY).unwrap().to_string(), jiff::Timestamp::from_second(END).unwrap().to_string());
    let t = Instant::now();
    // A 1m step over 5 days is 7,201 points per query; --step 30s (14,401) needs two chunks.
    let (code, out, err) = rely(
        &["backtest", "reliability", "--prometheus", &prom.url, "--from", &from, "--to", &to, "--step", "30s", "--format", "json"],
        tmp.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    eprintln!("backtest of 4 SLOs over 5 days every 30s: {:.1} s", t.elapsed().as_secs_f64());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let slo = |n: &str| v["slos"].as_array().unwrap().iter().find(|s| s["name"] == n).unwrap().clone();
    let incident = &h.incidents[0];
    let checkout = slo("checkout-availability");
    let pages: Vec<&serde_json::Value> = checkout["alerts"].as_array().unwrap().iter().filter(|a| a["severity"] == "page").collect();
    assert_eq!(pages.len(), 1, "one page episode per incident: {checkout}");
    let starts: jiff::Timestamp = pages[0]["starts"].as_str().unwrap().parse().unwrap();
    // The 5m/1h pair (13.44 × 0.1% for a 7d window) needs the 1h ratio above 1.344%: at 10%
    // errors, 60 × 1.344 / 10 = 8.06 minutes into the incident. It stops when the 30m/6h pair
    // (3.5 × 0.1%) lets go: the 30m ratio falls under 0.35% 30 × (1 - 0.35 / 10) = 28.95 minutes
    // after the incident ends (the 6h ratio, 0.83%, stays above).
    let delay = (starts.as_second() - incident.start) as f64 / 60.0;
    assert!((delay - 8.06).abs() <= 1.5, "the page starts {delay} min after the incident: {checkout}");
    let ends: jiff::Timestamp = pages[0]["ends"].as_str().unwrap().parse().unwrap();
    let after = (ends.as_second() - (incident.start + incident.minutes * 60)) as f64 / 60.0;
    assert!((after - 28.95).abs() <= 1.5, "the page ends {after} min after the incident: {checkout}");
    assert_eq!(slo("cart-availability")["alerts"], serde_json::json!([]));
    assert!(slo("cart-availability")["budget_consumed"].as_f64().unwrap().abs() < 1e-9);
    let search = slo("search-availability");
    assert!(search["alerts"].as_array().unwrap().iter().all(|a| a["severity"] == "ticket"), "{search}");
    assert!(!search["alerts"].as_array().unwrap().is_empty(), "{search}");
    // search burns 3x for 5 of its 7 days: 3 × 5/7 of its budget.
    let consumed = search["budget_consumed"].as_f64().unwrap();
    assert!((consumed - 3.0 * 5.0 / 7.0).abs() < 0.03, "{consumed}");
    let ghost = slo("ghost-availability");
    assert!(ghost["alerts"].as_array().unwrap().is_empty() && ghost["budget_consumed"].is_null(), "{ghost}");
    let (_, md, _) = rely(&["backtest", "reliability", "--prometheus", &prom.url, "--from", &from, "--to", &to], tmp.path());
    assert!(md.contains("**checkout-availability** (payments, 99.9%): would have paged once in 5d ("), "{md}");
    assert!(md.contains("**cart-availability** (payments, 99.9%): would not have alerted in 5d"), "{md}");
}

/// `rely check --prometheus`: purpose-made mistakes, each reported at its query's line with its
/// own code; a correct SLI gets nothing.
#[test]
fn online_lints_find_what_only_the_metrics_tell() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path().join("reliability");
    std::fs::create_dir_all(&r).unwrap();
    let ratio = |name: &str, errors: &str, total: &str| {
        format!(
            "---\napiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: {name}\nspec:\n  service: shop\n  objective: 99\n  indicator:\n    ratio:\n      errors: sum(rate({errors}[{{{{window}}}}]))\n      total: sum(rate({total}[{{{{window}}}}]))\n"
        )
    };
    let text = [
        "apiVersion: rely/v1\nkind: Team\nmetadata:\n  name: payments\nspec:\n  members: [{name: Ada, email: ada@example.com}]\n---\napiVersion: rely/v1\nkind: Service\nmetadata:\n  name: shop\nspec:\n  owner: payments\n  tier: 2\n  runbook: https://runbooks.example.com/shop\n".to_string(),
        ratio("good", "http_requests_total{job=\"checkout\",code=~\"5..\"}", "http_requests_total{job=\"checkout\"}"),
        ratio("metric-typo", "http_request_total{job=\"checkout\",code=~\"5..\"}", "http_request_total{job=\"checkout\"}"),
        ratio("label-typo", "http_requests_total{service=\"checkout\",code=~\"5..\"}", "http_requests_total{service=\"checkout\"}"),
        ratio("value-typo", "http_requests_total{job=\"chekout\",code=~\"5..\"}", "http_requests_total{job=\"chekout\"}"),
        ratio("errors-above-total", "app_errors_total{job=\"batch\"}", "app_runs_total{job=\"batch\"}"),
        "---\napiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: latency\nspec:\n  service: shop\n  objective: 99\n  indicator:\n    latency: {histogram: api_latency_seconds, selector: '{job=\"api\"}', threshold: 0.3}\n".to_string(),
    ]
    .concat();
    std::fs::write(r.join("shop.yaml"), &text).unwrap();
    let line_of = |needle: &str, nth: usize| text.lines().enumerate().filter(|(_, l)| l.contains(needle)).nth(nth).unwrap().0 + 1;
    // History ending now: the lints look back one day from the time of the check.
    let now = jiff::Timestamp::now().as_second() / 60 * 60;
    let model = rely::model_of(&r).unwrap().unwrap();
    let mut only_good = model.clone();
    for s in &mut only_good.services {
        s.slos.retain(|s| s.name == "good");
    }
    let h = History { start: now - DAY, end: now, step: 60, rate: 10.0, base: 0.001, base_of: Default::default(), incidents: vec![] };
    let (mut om, _) = openmetrics::openmetrics(&only_good, &h);
    om.truncate(om.len() - "# EOF\n".len());
    for (family, labels, per_step) in [
        ("api_latency_seconds_bucket", "job=\"api\",le=\"0.25\"", 500.0),
        ("api_latency_seconds_bucket", "job=\"api\",le=\"0.5\"", 590.0),
        ("api_latency_seconds_bucket", "job=\"api\",le=\"+Inf\"", 600.0),
        ("api_latency_seconds_count", "job=\"api\"", 600.0),
        ("app_errors_total", "job=\"batch\"", 20.0),
        ("app_runs_total", "job=\"batch\"", 10.0),
    ] {
        if !om.contains(&format!("# TYPE {family} ")) {
            om += &format!("# TYPE {family} gauge\n");
        }
        let mut t = h.start;
        while t <= h.end {
            om += &format!("{family}{{{labels}}} {} {t}\n", per_step * ((t - h.start) / 60) as f64);
            t += 60;
        }
    }
    om += "# EOF\n";
    let Some(prom) = LivePrometheus::start(&om) else { return };
    let (code, out, err) = rely(&["check", "reliability", "--prometheus", &prom.url, "--format", "json"], tmp.path());
    assert_eq!(code, 1, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let got: Vec<(String, u64)> =
        v["findings"].as_array().unwrap().iter().map(|f| (f["code"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap())).collect();
    let want: Vec<(String, u64)> = vec![
        ("LIV001".into(), line_of("total: sum(rate(http_request_total", 0) as u64),
        ("LIV004".into(), line_of("total: sum(rate(http_requests_total{service", 0) as u64),
        ("LIV001".into(), line_of("total: sum(rate(http_requests_total{job=\"chekout\"", 0) as u64),
        ("LIV003".into(), line_of("errors: sum(rate(app_errors_total", 0) as u64),
        ("LIV002".into(), line_of("threshold: 0.3", 0) as u64),
    ];
    let mut sorted_got = got.clone();
    sorted_got.sort_by_key(|g| g.1);
    assert_eq!(sorted_got, want, "{out}");
    let human = rely(&["check", "reliability", "--prometheus", &prom.url], tmp.path()).1;
    assert!(human.contains("the threshold must be one of its bounds (seconds): 0.25, 0.5, +Inf"), "{human}");
    assert!(human.contains("its labels are") && human.contains("`job`"), "{human}");
    // Without --prometheus, check stays offline: the same repository is clean.
    let (code, out, _) = rely(&["check", "reliability"], tmp.path());
    assert_eq!(code, 0, "{out}");
}

/// `rely diff --prometheus`: a changed SLO backtested over its window before and after.
#[test]
fn diff_says_how_often_a_changed_slo_would_have_paged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = repo(tmp.path());
    let head_text = std::fs::read_to_string(dir.join("shop.yaml")).unwrap();
    // The base promised 99%: a 30-minute incident at 10% errors never reaches its page threshold.
    let base_text = head_text.replacen("objective: 99.9\n", "objective: 99\n", 1);
    assert_ne!(base_text, head_text);
    crate::commit_base(tmp.path(), &[("reliability/shop.yaml", &base_text)]);
    std::fs::write(dir.join("shop.yaml"), &head_text).unwrap();
    let model = rely::model_of(&dir).unwrap().unwrap();
    let now = jiff::Timestamp::now().as_second() / 60 * 60;
    let (mut h, _) = history(&model);
    h.start = now - 8 * DAY;
    h.end = now;
    h.incidents = vec![Incident { slo: "checkout-availability".into(), start: now - DAY, minutes: 30, error_ratio: 0.1 }];
    let mut m = model.clone();
    for s in &mut m.services {
        s.slos.retain(|s| s.name != "ghost-availability");
    }
    let (text, _) = openmetrics::openmetrics(&m, &h);
    let Some(prom) = LivePrometheus::start(&text) else { return };
    let (code, out, err) = rely(&["diff", "--base", "base", "reliability", "--prometheus", &prom.url, "--format", "json"], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["backtests"],
        serde_json::json!([{"slo": "checkout-availability", "window": "1w", "before": {"page": 0, "ticket": 0}, "after": {"page": 1, "ticket": 1}}]),
        "{out}"
    );
    let (_, md, _) = rely(&["diff", "--base", "base", "reliability", "--prometheus", &prom.url], tmp.path());
    assert!(md.contains("would have paged 0 → 1 times and opened 0 → 1 tickets in 1w"), "{md}");
    // Without --prometheus, nothing is queried and the section is absent.
    let (_, md, _) = rely(&["diff", "--base", "base", "reliability"], tmp.path());
    assert!(!md.contains("What the metrics say"), "{md}");
}

/// A grouped SLO is measured per group: during an incident in one channel, `rely status` shows
/// that channel burning and paging while the other stays quiet, and `rely backtest` finds one
/// page episode there and none in the steady channel; for an event SLI and a boolean gauge.
#[test]
fn status_and_backtest_measure_each_group_of_a_grouped_slo() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path().join("reliability");
    std::fs::create_dir_all(&r).unwrap();
    let text = "apiVersion: rely/v1\nkind: Team\nmetadata:\n  name: payments\nspec:\n  members: [{name: Ada, email: ada@example.com}]\n  notify:\n    page: [{email: {to: pay@example.com}}]\n---\napiVersion: rely/v1\nkind: Service\nmetadata:\n  name: notify\nspec:\n  owner: payments\n  tier: 1\n  runbook: https://runbooks.example.com/notify\n---\napiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: delivery\nspec:\n  service: notify\n  objective: 99.9\n  window: 7d\n  group_by: [channel]\n  indicator:\n    ratio:\n      errors: sum by (channel) (rate(sent_total{job=\"notify\",result=\"failed\"}[{{window}}]))\n      total: sum by (channel) (rate(sent_total{job=\"notify\"}[{{window}}]))\n  alerting:\n    page: {enabled: true}\n    ticket: {enabled: true}\n---\napiVersion: rely/v1\nkind: SLO\nmetadata:\n  name: runs\nspec:\n  service: notify\n  objective: 99\n  window: 7d\n  group_by: [pipeline]\n  indicator:\n    gauge:\n      metric: run_ok{job=\"etl\"}\n  alerting:\n    page: {enabled: true}\n    ticket: {enabled: true}\n";
    std::fs::write(r.join("notify.yaml"), text).unwrap();
    let model = rely::model_of(&r).unwrap().expect("the test repository checks clean");
    let incident_start = END - DAY;
    let h = History {
        start: END - 8 * DAY,
        end: END,
        step: 60,
        rate: 10.0,
        base: 0.0002,
        base_of: Default::default(),
        incidents: vec![
            Incident { slo: "delivery".into(), start: incident_start, minutes: 30, error_ratio: 0.2 },
            Incident { slo: "runs".into(), start: incident_start, minutes: 60, error_ratio: 1.0 },
        ],
    };
    let (om, skipped) = openmetrics::openmetrics(&model, &h);
    assert!(skipped.is_empty(), "{skipped:?}");
    let Some(prom) = LivePrometheus::start(&om) else { return };
    let during = jiff::Timestamp::from_second(incident_start + 25 * 60).unwrap().to_string();
    let (_, out, err) = rely(&["status", "reliability", "--prometheus", &prom.url, "--at", &during, "--format", "json"], tmp.path());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let rows = v["slos"].as_array().unwrap();
    let row = |slo: &str, label: &str, value: &str| {
        rows.iter().find(|s| s["name"] == slo && s["group"][label] == value).unwrap_or_else(|| panic!("{slo} {value}: {out}")).clone()
    };
    assert_eq!(rows.len(), 4, "two rows per grouped SLO: {out}");
    // The burning group pages; the steady one has burnt 0.2 of its budget share and fires nothing.
    assert_eq!(row("delivery", "channel", "burning")["firing"], serde_json::json!(["page", "ticket"]), "{out}");
    assert_eq!(row("delivery", "channel", "steady")["firing"], serde_json::json!([]), "{out}");
    close(row("delivery", "channel", "steady")["burn_rate"]["1h"].as_f64().unwrap(), 0.2, "the steady channel's 1h burn rate");
    // 25 minutes at 20% over an hour: 8.33% / 0.1%.
    close(
        row("delivery", "channel", "burning")["burn_rate"]["1h"].as_f64().unwrap(),
        0.2 * 25.0 / 60.0 / 0.001 + 0.2 * 35.0 / 60.0,
        "the burning channel's 1h burn rate",
    );
    // The gauge: the burning pipeline has been failing for 25 minutes.
    assert_eq!(row("runs", "pipeline", "burning")["firing"], serde_json::json!(["page", "ticket"]), "{out}");
    assert_eq!(row("runs", "pipeline", "steady")["firing"], serde_json::json!([]), "{out}");
    let (_, table, _) = rely(&["status", "reliability", "--prometheus", &prom.url, "--at", &during], tmp.path());
    assert!(table.contains("delivery{channel=\"burning\"}") && table.contains("delivery{channel=\"steady\"}"), "{table}");
    // The backtest over three days: one page episode in each burning group, none elsewhere.
    let (from, to) =
        (jiff::Timestamp::from_second(END - 3 * DAY).unwrap().to_string(), jiff::Timestamp::from_second(END).unwrap().to_string());
    let (code, out, err) =
        rely(&["backtest", "reliability", "--prometheus", &prom.url, "--from", &from, "--to", &to, "--format", "json"], tmp.path());
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let entries = v["slos"].as_array().unwrap();
    assert_eq!(entries.len(), 4, "{out}");
    for (slo, label) in [("delivery", "channel"), ("runs", "pipeline")] {
        let of = |value: &str| {
            entries.iter().find(|s| s["name"] == slo && s["group"][label] == value).unwrap_or_else(|| panic!("{out}")).clone()
        };
        let pages = |e: &serde_json::Value| e["alerts"].as_array().unwrap().iter().filter(|a| a["severity"] == "page").count();
        assert_eq!(pages(&of("burning")), 1, "{slo}: {out}");
        assert_eq!(of("steady")["alerts"], serde_json::json!([]), "{slo}: {out}");
        assert!(of("burning")["budget_consumed"].as_f64().unwrap() > of("steady")["budget_consumed"].as_f64().unwrap(), "{out}");
    }
    let (_, md, _) = rely(&["backtest", "reliability", "--prometheus", &prom.url, "--from", &from, "--to", &to], tmp.path());
    assert!(md.contains("**delivery{channel=\"burning\"}** (payments, 99.9%): would have paged once in 3d"), "{md}");
    assert!(md.contains("**delivery{channel=\"steady\"}** (payments, 99.9%): would not have alerted"), "{md}");
}
