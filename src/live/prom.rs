//! A small, blocking client for the Prometheus HTTP API (Prometheus, Thanos, Mimir): instant and
//! range queries, a bearer token from a file, extra headers, TLS through rustls, a timeout on
//! every request, and a few retries with backoff on 5xx and connection errors. Every failure
//! names the URL and what failed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

/// How to reach a Prometheus-compatible API.
#[derive(Debug, Clone)]
pub struct PromOptions {
    /// The base URL, e.g. `http://127.0.0.1:9090` (a path prefix such as `/prometheus` is kept).
    pub url: String,
    /// A file holding a bearer token.
    pub token_file: Option<PathBuf>,
    /// Extra request headers (`X-Scope-OrgID` for Mimir, ...).
    pub headers: Vec<(String, String)>,
    /// The longest one request may take.
    pub timeout: Duration,
    /// How many times a 5xx or a connection error is retried.
    pub retries: u32,
}

impl PromOptions {
    pub fn new(url: &str) -> PromOptions {
        PromOptions { url: url.to_string(), token_file: None, headers: vec![], timeout: Duration::from_secs(30), retries: 2 }
    }
}

/// One series: its labels and its value (instant) or values (range), as (unix seconds, value).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub values: Vec<(f64, f64)>,
}

pub struct Prometheus {
    agent: ureq::Agent,
    base: String,
    headers: Vec<(String, String)>,
    retries: u32,
}

impl Prometheus {
    pub fn new(opts: &PromOptions) -> Result<Prometheus> {
        let url = opts.url.trim_end_matches('/').to_string();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            bail!("--prometheus {url}: give an http:// or https:// URL");
        }
        let mut headers = opts.headers.clone();
        if let Some(f) = &opts.token_file {
            let token = std::fs::read_to_string(f).with_context(|| format!("cannot read the token file {}", f.display()))?;
            headers.push(("Authorization".into(), format!("Bearer {}", token.trim())));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(opts.timeout))
            .http_status_as_error(false)
            .user_agent(concat!("rely/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Prometheus { agent, base: url, headers, retries: opts.retries })
    }

    /// `GET /api/v1/<path>` with `params`; the `data` of a successful answer.
    fn get(&self, path: &str, params: &[(&str, String)]) -> Result<Value> {
        let url = format!("{}/api/v1/{path}", self.base);
        let mut attempt = 0;
        loop {
            let mut req = self.agent.get(&url);
            for (k, v) in params {
                req = req.query(*k, v);
            }
            for (k, v) in &self.headers {
                req = req.header(k.as_str(), v.as_str());
            }
            let outcome: Result<()> = match req.call() {
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let body = resp.body_mut().with_config().limit(256 * 1024 * 1024).read_to_string().unwrap_or_default();
                    if status >= 500 {
                        Err(anyhow!("HTTP {status}: {}", short(&body)))
                    } else {
                        return parse_answer(&url, status, &body);
                    }
                }
                Err(e) => Err(anyhow!("{e}")),
            };
            let err = outcome.expect_err("a retryable failure");
            if attempt >= self.retries {
                return Err(err.context(format!("Prometheus at {url} failed (after {} attempts)", attempt + 1)));
            }
            attempt += 1;
            log::info!("retrying {url}: {err}");
            std::thread::sleep(Duration::from_millis(200 << attempt));
        }
    }

    /// An instant query at `at` (unix seconds).
    pub fn instant(&self, expr: &str, at: f64) -> Result<Vec<Series>> {
        let data = self.get("query", &[("query", expr.to_string()), ("time", format!("{at:.3}"))])?;
        series(&data).with_context(|| format!("query `{}`", short(expr)))
    }

    /// A range query from `start` to `end` (unix seconds) every `step` seconds.
    pub fn range(&self, expr: &str, start: f64, end: f64, step: u64) -> Result<Vec<Series>> {
        let data = self.get(
            "query_range",
            &[("query", expr.to_string()), ("start", format!("{start:.3}")), ("end", format!("{end:.3}")), ("step", step.to_string())],
        )?;
        series(&data).with_context(|| format!("query `{}`", short(expr)))
    }

    /// The label names of the series `selector` selects over the last day before `at`.
    pub fn label_names(&self, selector: &str, at: f64) -> Result<Vec<String>> {
        let data = self
            .get("labels", &[("match[]", selector.to_string()), ("start", format!("{:.3}", at - 86400.0)), ("end", format!("{at:.3}"))])?;
        Ok(data.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default())
    }

    /// The label values of `label` on the series `selector` selects (`/api/v1/label/<l>/values`).
    pub fn label_values(&self, label: &str, selector: &str, start: f64, end: f64) -> Result<Vec<String>> {
        let data = self.get(
            &format!("label/{label}/values"),
            &[("match[]", selector.to_string()), ("start", format!("{start:.3}")), ("end", format!("{end:.3}"))],
        )?;
        Ok(data.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(String::from)).collect()).unwrap_or_default())
    }
}

fn short(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 300 { format!("{}…", s.chars().take(300).collect::<String>()) } else { s.to_string() }
}

fn parse_answer(url: &str, status: u16, body: &str) -> Result<Value> {
    let v: Value = serde_json::from_str(body)
        .map_err(|_| anyhow!("Prometheus at {url} answered HTTP {status} with something that is not its API: {}", short(body)))?;
    if v["status"] != "success" {
        bail!(
            "Prometheus at {url} refused the query (HTTP {status}, {}): {}",
            v["errorType"].as_str().unwrap_or("error"),
            v["error"].as_str().unwrap_or("no message")
        );
    }
    Ok(v["data"].clone())
}

fn number(v: &Value) -> Option<f64> {
    v.as_str().and_then(|s| s.parse::<f64>().ok())
}

fn point(p: &Value) -> Option<(f64, f64)> {
    Some((p.get(0)?.as_f64()?, number(p.get(1)?)?))
}

/// The series of a `vector`, `matrix` or `scalar` answer.
fn series(data: &Value) -> Result<Vec<Series>> {
    let labels = |s: &Value| -> BTreeMap<String, String> {
        s["metric"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string())).collect())
            .unwrap_or_default()
    };
    let result = &data["result"];
    Ok(match data["resultType"].as_str() {
        Some("vector") => result
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| Series { labels: labels(s), values: point(&s["value"]).into_iter().collect() })
            .collect(),
        Some("matrix") => result
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| Series { labels: labels(s), values: s["values"].as_array().into_iter().flatten().filter_map(point).collect() })
            .collect(),
        Some("scalar") => vec![Series { labels: BTreeMap::new(), values: point(result).into_iter().collect() }],
        other => bail!("an answer of type {other:?}, not a vector or matrix"),
    })
}
