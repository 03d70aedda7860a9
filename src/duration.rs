//! Prometheus durations (`5m`, `1h30m`, `30d`): parsed into seconds and printed back in the
//! canonical form Prometheus itself uses, so generated rule names are stable (`ratio_rate30d`).

/// Seconds in each unit, largest first.
const UNITS: [(&str, u64); 7] = [("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 0)];

/// Parses a Prometheus duration into whole seconds (milliseconds are rounded down; a duration
/// made only of milliseconds is rejected, as no rely window is that short). Returns `None` for
/// anything Prometheus would reject, and for zero.
pub fn parse(s: &str) -> Option<u64> {
    let mut rest = s;
    let mut total: u64 = 0;
    let mut last_unit = 0usize;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 12 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let (idx, unit, secs) = if let Some(r) = rest.strip_prefix("ms") {
            rest = r;
            (6, "ms", 0)
        } else {
            let (i, (u, s)) = UNITS.iter().enumerate().take(6).find(|(_, (u, _))| rest.starts_with(u))?;
            rest = &rest[u.len()..];
            (i, *u, *s)
        };
        let _ = unit;
        if idx < last_unit || (idx == last_unit && total > 0) {
            return None; // units must appear largest first, each at most once
        }
        last_unit = idx;
        total = total.checked_add(n.checked_mul(secs)?)?;
        if idx == 6 {
            total = total.checked_add(n / 1000)?;
        }
    }
    // Prometheus holds durations as int64 nanoseconds: about 292 years at most.
    (total > 0 && total <= MAX_SECONDS).then_some(total)
}

/// The longest duration Prometheus accepts, in seconds (`i64::MAX` nanoseconds).
const MAX_SECONDS: u64 = i64::MAX as u64 / 1_000_000_000;

/// Formats seconds the way Prometheus does: `30d` stays `30d`, `28d` becomes `4w`, `90m` `1h30m`.
pub fn format(mut secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::with_capacity(8);
    for (u, s) in UNITS.iter().take(6) {
        let (u, s) = (*u, *s);
        // Prometheus prints years and weeks only when they divide the remainder exactly.
        if (u == "y" || u == "w") && !secs.is_multiple_of(s) {
            continue;
        }
        if secs >= s {
            out.push_str(itoa::Buffer::new().format(secs / s));
            out.push_str(u);
            secs %= s;
        }
    }
    out
}

/// Formats seconds for people: `43m12s`, `7h12m`, `3d`.
pub fn human(secs: f64) -> String {
    let s = secs.round() as u64;
    let (d, h, m, sec) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60, s % 60);
    use std::fmt::Write;
    let mut out = String::with_capacity(12);
    for (n, unit) in [(d, 'd'), (h, 'h'), (m, 'm')] {
        if n > 0 {
            let _ = write!(out, "{n}{unit}");
        }
    }
    if sec > 0 || out.is_empty() {
        let _ = write!(out, "{sec}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse("5m"), Some(300));
        assert_eq!(parse("1h30m"), Some(5400));
        assert_eq!(parse("30d"), Some(30 * 86400));
        assert_eq!(parse("1w"), Some(7 * 86400));
        assert_eq!(parse("0m"), None);
        assert_eq!(parse("5x"), None);
        assert_eq!(parse("30 days"), None);
        assert_eq!(parse("m"), None);
        assert_eq!(parse("30m1h"), None);
        assert_eq!(parse(""), None);
        assert_eq!(parse("99999999999999999999d"), None);
        // Found by cargo-fuzz: beyond what Prometheus holds (int64 nanoseconds, ~292 years),
        // formatting gave back a duration that did not parse.
        assert_eq!(parse("555555552555w555s"), None);
        assert_eq!(parse("292y"), Some(292 * 365 * 86400));
        assert_eq!(parse("293y"), None);
        let max = parse("292y").unwrap();
        assert_eq!(parse(&format(max)), Some(max));
    }

    #[test]
    fn formats_like_prometheus() {
        assert_eq!(format(30 * 86400), "30d");
        assert_eq!(format(28 * 86400), "4w");
        assert_eq!(format(7 * 86400), "1w");
        assert_eq!(format(5400), "1h30m");
        assert_eq!(format(300), "5m");
        assert_eq!(format(3 * 86400), "3d");
        assert_eq!(human(2592.0), "43m12s");
        assert_eq!([human(0.0), human(3600.0), human(86400.0), human(90061.0), human(59.6)], ["0s", "1h", "1d", "1d1h1m1s", "1m"]);
    }
}
