//! Live features: what the metrics say, read from a Prometheus-compatible HTTP API. `prom` is
//! the client (the only code here that talks to the outside), `status` measures SLOs now.

pub mod backtest;
pub mod lint;
pub mod prom;
pub mod status;

/// An RFC 3339 time (`2026-11-30T12:00:00Z`) as unix seconds.
pub fn parse_time(s: &str) -> anyhow::Result<f64> {
    let t: jiff::Timestamp = s.parse().map_err(|e| anyhow::anyhow!("`{s}` is not an RFC 3339 time (e.g. 2026-11-30T12:00:00Z): {e}"))?;
    Ok(t.as_millisecond() as f64 / 1000.0)
}

/// Now, as unix seconds.
pub fn now() -> f64 {
    jiff::Timestamp::now().as_millisecond() as f64 / 1000.0
}
