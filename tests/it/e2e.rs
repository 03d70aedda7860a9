//! End to end, with real servers on 127.0.0.1: a fake service exposes the counters of the
//! example chaos plan's first faulted SLO, a real Prometheus evaluates rely's generated rules,
//! and a real Alertmanager routes with rely's generated config, its receivers pointed at sinks
//! (a webhook listener and a tiny SMTP server). Injecting the fault must page the owner team in
//! production, and reach only the team's email in staging. Every wait is bounded; the whole test
//! takes well under three minutes.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rely::emit::synth::{self, Role};

use crate::build::build;
use crate::{require_tool, root};

/// Kills the server processes when the test ends, however it ends.
struct Procs(Vec<Child>);

impl Drop for Procs {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http_response(stream: &mut TcpStream, body: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// Reads one HTTP request; returns (path, body).
fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let path = line.split_whitespace().nth(1)?.to_string();
    let mut len = 0;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        if h == "\r\n" || h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; len];
    reader.read_exact(&mut body).ok()?;
    Some((path, String::from_utf8_lossy(&body).into_owned()))
}

/// Serves connections on 127.0.0.1 until `stop`, one at a time, with `handle`; returns the port.
fn serve(stop: Arc<AtomicBool>, mut handle: impl FnMut(TcpStream) + Send + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            let Ok((s, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(20));
                continue;
            };
            let _ = s.set_nonblocking(false);
            handle(s);
        }
    });
    port
}

/// The fake service: counters that grow with time at the current error ratio.
fn fake_service(series: Vec<synth::Series>, faulty: Arc<AtomicBool>, stop: Arc<AtomicBool>) -> u16 {
    let mut values = vec![0.0f64; series.len()];
    let mut last = Instant::now();
    serve(stop, move |mut s| {
        let dt = last.elapsed().as_secs_f64();
        last = Instant::now();
        let ratio = if faulty.load(Ordering::Relaxed) { 0.5 } else { 0.0 };
        let mut body = String::new();
        for (i, ser) in series.iter().enumerate() {
            match ser.role {
                Role::Error => values[i] += 100.0 * dt * ratio,
                Role::Good => values[i] += 100.0 * dt * (1.0 - ratio),
                Role::Total => values[i] += 100.0 * dt,
                // A gauge whose mean is the good share.
                Role::Mean => values[i] = 1.0 - ratio,
                Role::Level => unreachable!("the e2e SLO is not a threshold gauge"),
            }
            body += &format!("{} {}\n", ser.selector(), values[i]);
        }
        if read_request(&mut s).is_some() {
            http_response(&mut s, &body);
        }
    })
}

/// Records every POST: (path, body).
fn webhook_sink(seen: Arc<Mutex<Vec<(String, String)>>>, stop: Arc<AtomicBool>) -> u16 {
    serve(stop, move |mut s| {
        if let Some(req) = read_request(&mut s) {
            seen.lock().unwrap().push(req);
            http_response(&mut s, "ok");
        }
    })
}

/// Mails received: (recipients, message).
type Mails = Arc<Mutex<Vec<(Vec<String>, String)>>>;

/// A minimal SMTP server: records (recipients, message) of every mail.
fn smtp_sink(mails: Mails, stop: Arc<AtomicBool>) -> u16 {
    serve(stop, move |mut s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let mails = mails.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(s.try_clone().unwrap());
            let _ = s.write_all(b"220 sink ESMTP\r\n");
            let (mut rcpt, mut data) = (vec![], String::new());
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let up = line.to_ascii_uppercase();
                let reply: &[u8] = if up.starts_with("EHLO") {
                    b"250-sink\r\n250 8BITMIME\r\n"
                } else if up.starts_with("RCPT TO:") {
                    rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                    b"250 OK\r\n"
                } else if up.starts_with("DATA") {
                    let _ = s.write_all(b"354 go ahead\r\n");
                    loop {
                        let mut l = String::new();
                        if r.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                            break;
                        }
                        data += &l;
                    }
                    mails.lock().unwrap().push((std::mem::take(&mut rcpt), std::mem::take(&mut data)));
                    b"250 queued\r\n"
                } else if up.starts_with("QUIT") {
                    let _ = s.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 OK\r\n"
                };
                let _ = s.write_all(reply);
            }
        });
    })
}

/// Points every receiver of a generated Alertmanager config at the sinks: non-email configs
/// become webhooks to `/<receiver>`, email goes through the SMTP sink; groups flush at once.
fn rewire(text: &str, webhook: u16, smtp: u16) -> String {
    let mut v: serde_yaml::Value = serde_yaml::from_str(text).unwrap();
    v["global"]["smtp_smarthost"] = format!("127.0.0.1:{smtp}").into();
    v["global"]["smtp_require_tls"] = false.into();
    v["route"]["group_wait"] = "1s".into();
    v["route"]["group_interval"] = "1s".into();
    for r in v["receivers"].as_sequence_mut().unwrap() {
        let name = r["name"].as_str().unwrap().to_string();
        let m = r.as_mapping_mut().unwrap();
        let kinds: Vec<String> =
            m.keys().filter_map(|k| k.as_str()).filter(|k| k.ends_with("_configs") && *k != "email_configs").map(String::from).collect();
        for k in &kinds {
            m.remove(k.as_str());
        }
        if !kinds.is_empty() {
            let hook: serde_yaml::Value =
                serde_yaml::from_str(&format!("[{{url: 'http://127.0.0.1:{webhook}/{name}', send_resolved: false}}]")).unwrap();
            m.insert("webhook_configs".into(), hook);
        }
    }
    serde_yaml::to_string(&v).unwrap()
}

fn wait_for(deadline: Instant, what: &str, mut ok: impl FnMut() -> bool) {
    while Instant::now() < deadline {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out waiting for {what}");
}

fn alertmanager(cfg: &Path, dir: &Path, port: u16) -> Child {
    Command::new("prometheus-alertmanager")
        .arg(format!("--config.file={}", cfg.display()))
        .arg(format!("--storage.path={}", dir.display()))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start alertmanager")
}

#[test]
fn a_chaos_fault_pages_the_owner_in_production_and_only_emails_in_staging() {
    if !require_tool("prometheus") || !require_tool("prometheus-alertmanager") {
        return;
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(150);
    let model = rely::model_of(&root().join("reliability")).unwrap().unwrap();
    let plan = &model.chaos[0];
    let exp = plan.spec.experiments.iter().find(|e| e.fault.is_some()).unwrap();
    let slo = model.slo(&exp.fault.as_ref().unwrap().slo).unwrap().clone();
    let owner = model.team(&slo.owner).unwrap().clone();
    let emails: Vec<String> = owner.email.iter().filter_map(|r| r.email.as_ref().map(|e| e.to.clone())).collect();
    assert!(!emails.is_empty());

    let tmp = tempfile::tempdir().unwrap();
    let files = build(&root().join("reliability"));
    rely::emit::write(&tmp.path().join("gen"), &files).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let faulty = Arc::new(AtomicBool::new(false));
    let hooks = Arc::new(Mutex::new(vec![]));
    let mails = Arc::new(Mutex::new(vec![]));
    let service = fake_service(synth::series(&slo.sli, &slo.group_by).unwrap(), faulty.clone(), stop.clone());
    let webhook = webhook_sink(hooks.clone(), stop.clone());
    let smtp = smtp_sink(mails.clone(), stop.clone());
    let (prom_port, am_port) = (free_port(), free_port());

    let mut configs = BTreeMap::new();
    for env in ["production", "staging"] {
        let text = std::fs::read_to_string(tmp.path().join(format!("gen/alertmanager/{env}/alertmanager.yml"))).unwrap();
        let path = tmp.path().join(format!("am-{env}.yml"));
        std::fs::write(&path, rewire(&text, webhook, smtp)).unwrap();
        configs.insert(env, path);
    }
    let prom_cfg = tmp.path().join("prometheus.yml");
    std::fs::write(
        &prom_cfg,
        format!(
            "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\nrule_files: ['{}']\nscrape_configs:\n  - job_name: fake\n    honor_labels: true\n    static_configs: [{{targets: ['127.0.0.1:{service}']}}]\nalerting:\n  alertmanagers: [{{static_configs: [{{targets: ['127.0.0.1:{am_port}']}}]}}]\n",
            tmp.path().join(format!("gen/prometheus/{}.rules.yml", slo.service)).display()
        ),
    )
    .unwrap();
    let mut procs = Procs(vec![]);
    procs.0.push(
        Command::new("prometheus")
            .arg(format!("--config.file={}", prom_cfg.display()))
            .arg(format!("--storage.tsdb.path={}", tmp.path().join("tsdb").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg("--rules.alert.resend-delay=1s")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus"),
    );
    procs.0.push(alertmanager(&configs["production"], &tmp.path().join("am-prod"), am_port));

    // Healthy traffic first, then the fault.
    std::thread::sleep(Duration::from_secs(8));
    faulty.store(true, Ordering::Relaxed);
    let page_path = format!("/{}-page", owner.name);
    let alertname = rely::model::names::slo_alert(&slo.name);
    wait_for(deadline, "the production page at the owner's receiver", || {
        hooks.lock().unwrap().iter().any(|(p, b)| p == &page_path && b.contains(&alertname) && b.contains("\"severity\":\"page\""))
    });
    let prod_elapsed = started.elapsed();
    // Production pages the owner's pager receiver, and no other team's.
    let others: Vec<String> =
        hooks.lock().unwrap().iter().filter(|(p, _)| p.ends_with("-page") && p != &page_path).map(|(p, _)| p.clone()).collect();
    assert!(others.is_empty(), "other teams paged: {others:?}");

    // Staging: the same fault, the staging routing: email only.
    let am = procs.0.pop().unwrap();
    drop(Procs(vec![am]));
    hooks.lock().unwrap().clear();
    mails.lock().unwrap().clear();
    procs.0.push(alertmanager(&configs["staging"], &tmp.path().join("am-staging"), am_port));
    wait_for(deadline, "the staging page by email", || {
        mails.lock().unwrap().iter().any(|(to, body)| to.iter().any(|t| emails.contains(t)) && body.contains(&alertname))
    });
    std::thread::sleep(Duration::from_secs(3));
    let paged: Vec<String> = hooks.lock().unwrap().iter().filter(|(p, _)| p.ends_with("-page")).map(|(p, _)| p.clone()).collect();
    assert!(paged.is_empty(), "staging must not reach any pager: {paged:?}");
    stop.store(true, Ordering::Relaxed);
    eprintln!("e2e: production page after {prod_elapsed:?}, staging email after {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(180));
}
