//! `rely verify`: the real judges run over what `rely build` wrote. `promtool check rules` and
//! `promtool test rules` (the generated alert tests), `amtool check-config` and `amtool config
//! routes test` for every line of each `routes.tsv`, `chaos validate` for every experiment. Each
//! judge is an outside program, run without a shell, with a timeout; a judge that is not
//! installed is reported with how to install it, never skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// How long one run of a judge may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// One verdict: what was judged, whether it passed, and what the judge said when it did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub what: String,
    pub ok: bool,
    pub output: String,
}

/// A judge the outputs need that is not installed, and how to get it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub tool: &'static str,
    pub install: &'static str,
}

#[derive(Debug, Default)]
pub struct Report {
    pub verdicts: Vec<Verdict>,
    pub missing: Vec<Missing>,
}

impl Report {
    pub fn failed(&self) -> usize {
        self.verdicts.iter().filter(|v| !v.ok).count()
    }
}

const PROMTOOL: Missing = Missing {
    tool: "promtool",
    install: "install Prometheus's promtool (Debian/Ubuntu: `apt-get install prometheus`; or the release tarball from prometheus.io)",
};
const AMTOOL: Missing = Missing {
    tool: "amtool",
    install: "install Alertmanager's amtool (Debian/Ubuntu: `apt-get install prometheus-alertmanager`; or the release tarball from prometheus.io)",
};
const CHAOS: Missing =
    Missing { tool: "chaos", install: "install the Chaos Toolkit: `pip install chaostoolkit chaostoolkit-prometheus` (in a virtualenv)" };

/// Whether `tool` can be run (it is on PATH).
fn installed(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
}

/// Runs `tool args` in `cwd` with a timeout: (success, stdout and stderr).
fn run(tool: &str, args: &[&str], cwd: &Path) -> Result<(bool, String)> {
    let dir = tempfile_dir()?;
    let (out_path, err_path) = (dir.join("out"), dir.join("err"));
    let mut child = Command::new(tool)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path)?)
        .stderr(std::fs::File::create(&err_path)?)
        .spawn()
        .with_context(|| format!("cannot run {tool}"))?;
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break Some(s);
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let text = std::fs::read_to_string(&out_path).unwrap_or_default() + &std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(match status {
        Some(s) => (s.success(), text),
        None => (false, format!("{tool} did not finish within {} s\n{text}", TIMEOUT.as_secs())),
    })
}

/// A private scratch directory for a judge's output (files, so a chatty judge never blocks).
fn tempfile_dir() -> Result<PathBuf> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!("rely-verify-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
    std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
    Ok(d)
}

/// Every file under `dir`, relative, `/`-separated, sorted.
fn files(dir: &Path) -> Result<Vec<String>> {
    let mut out = vec![];
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for e in std::fs::read_dir(dir.join(&rel)).with_context(|| format!("cannot read {}", dir.join(&rel).display()))? {
            let e = e?;
            let p = rel.join(e.file_name());
            if e.file_type()?.is_dir() {
                stack.push(p);
            } else {
                out.push(p.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Judges the outputs in `out`. An error (exit 2) when `out` holds no outputs.
pub fn verify(out: &Path) -> Result<Report> {
    if !out.is_dir() {
        bail!("{} is not a directory: run `rely build --out {}` first", out.display(), out.display());
    }
    let all = files(out)?;
    let with =
        |prefix: &str, suffix: &str| -> Vec<&String> { all.iter().filter(|f| f.starts_with(prefix) && f.ends_with(suffix)).collect() };
    let rules = with("prometheus/", ".rules.yml");
    let tests = with("prometheus/tests/", ".test.yml");
    let mut configs = with("alertmanager/", "/alertmanager.yml");
    configs.extend(with("alertmanager/", "/merged-example.yml"));
    let experiments = with("chaos/", ".json");
    if rules.is_empty() && configs.is_empty() && experiments.is_empty() {
        bail!(
            "{} holds no Prometheus rules, Alertmanager configurations or chaos experiments: run `rely build --out {}` first",
            out.display(),
            out.display()
        );
    }
    let mut report = Report::default();
    let judge = |report: &mut Report, what: String, tool: &str, args: &[&str]| -> Result<()> {
        let (ok, output) = run(tool, args, out)?;
        report.verdicts.push(Verdict { what, ok, output });
        Ok(())
    };
    let need = |m: Missing, files: &[&String], missing: &mut Vec<Missing>| -> bool {
        let go = !files.is_empty() && installed(m.tool);
        if !files.is_empty() && !go {
            missing.push(m);
        }
        go
    };
    let mut missing = vec![];
    if need(PROMTOOL, &rules, &mut missing) {
        for f in &rules {
            judge(&mut report, format!("promtool check rules {f}"), "promtool", &["check", "rules", f])?;
        }
        for f in &tests {
            judge(&mut report, format!("promtool test rules {f}"), "promtool", &["test", "rules", f])?;
        }
    }
    if need(AMTOOL, &configs, &mut missing) {
        for cfg in &configs {
            judge(&mut report, format!("amtool check-config {cfg}"), "amtool", &["check-config", cfg])?;
            let routes = cfg.rsplit_once('/').map_or(String::new(), |(dir, _)| format!("{dir}/routes.tsv"));
            let Ok(tsv) = std::fs::read_to_string(out.join(&routes)) else { continue };
            let (mut n, mut failures) = (0, vec![]);
            for line in tsv.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
                let cols: Vec<&str> = line.split('\t').collect();
                let [alertname, team, severity, service, receiver] = cols[..] else {
                    failures.push(format!("not 5 tab-separated columns: {line}"));
                    continue;
                };
                let args = [
                    "config".to_string(),
                    "routes".into(),
                    "test".into(),
                    format!("--config.file={cfg}"),
                    format!("--verify.receivers={receiver}"),
                    format!("alertname={alertname}"),
                    format!("team={team}"),
                    format!("severity={severity}"),
                    format!("service={service}"),
                ];
                let (ok, output) = run("amtool", &args.iter().map(String::as_str).collect::<Vec<_>>(), out)?;
                n += 1;
                if !ok {
                    failures.push(format!("{alertname} ({team}, {severity}) should reach {receiver}: {}", output.trim()));
                }
            }
            report.verdicts.push(Verdict {
                what: format!("amtool config routes test {routes} ({n} alerts)"),
                ok: failures.is_empty(),
                output: failures.join("\n"),
            });
        }
    }
    if need(CHAOS, &experiments, &mut missing) {
        for f in &experiments {
            judge(&mut report, format!("chaos validate {f}"), "chaos", &["--no-log-file", "validate", f])?;
        }
    }
    report.missing = missing;
    Ok(report)
}
