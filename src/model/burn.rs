//! Multi-window, multi-burn-rate alerting (Google SRE Workbook, ch. 5) as data plus one formula.
//! A window pair fires when the error ratio over both its short and long window exceeds
//! `factor × error budget`, where `factor = budget share × period / long window`: the rate at
//! which that share of the period's budget would be spent within the long window.

/// Severity of a generated SLO alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Page,
    Ticket,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Page => "page",
            Tier::Ticket => "ticket",
        }
    }
}

/// One window pair of the multi-window alert.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnWindow {
    pub tier: Tier,
    pub short: u64,
    pub long: u64,
    /// Share of the period's error budget this pair guards (0.02 = 2%).
    pub budget_share: f64,
    /// A factor an alert policy gives as it is (instead of from the share).
    pub fixed_factor: Option<f64>,
}

const M: u64 = 60;
const H: u64 = 3600;
const D: u64 = 86400;

/// The Workbook's four pairs, for periods of 28 days or more; for 30d their factors are 14.4,
/// 6, 3 and 1, for 28d 13.44, 5.6, 2.8 and 0.9333 (as Sloth generates).
pub const WINDOWS: [BurnWindow; 4] = [
    BurnWindow { tier: Tier::Page, short: 5 * M, long: H, budget_share: 0.02, fixed_factor: None },
    BurnWindow { tier: Tier::Page, short: 30 * M, long: 6 * H, budget_share: 0.05, fixed_factor: None },
    BurnWindow { tier: Tier::Ticket, short: 2 * H, long: D, budget_share: 0.10, fixed_factor: None },
    BurnWindow { tier: Tier::Ticket, short: 6 * H, long: 3 * D, budget_share: 0.10, fixed_factor: None },
];

/// For periods shorter than 28 days the Workbook's shares give factors below 1 (a 7d ticket at
/// 0.23x would fire while the budget is being spent slower than it accrues), so larger shares
/// are used, as in Sloth's 7d catalog: 13.44, 3.5, 1.4 and 0.98 for 7d.
pub const SHORT_PERIOD_WINDOWS: [BurnWindow; 4] = [
    BurnWindow { tier: Tier::Page, short: 5 * M, long: H, budget_share: 0.08, fixed_factor: None },
    BurnWindow { tier: Tier::Page, short: 30 * M, long: 6 * H, budget_share: 0.125, fixed_factor: None },
    BurnWindow { tier: Tier::Ticket, short: 2 * H, long: D, budget_share: 0.20, fixed_factor: None },
    BurnWindow { tier: Tier::Ticket, short: 6 * H, long: 3 * D, budget_share: 0.42, fixed_factor: None },
];

/// The window pairs for an SLO period: the catalog that fits it, without pairs whose long
/// window would be longer than the period itself.
pub fn windows(period: u64) -> Vec<BurnWindow> {
    let catalog = if period >= 28 * D { &WINDOWS } else { &SHORT_PERIOD_WINDOWS };
    catalog.iter().copied().filter(|w| w.long <= period).collect()
}

impl BurnWindow {
    /// The burn-rate factor for an SLO period of `period` seconds.
    pub fn factor(&self, period: u64) -> f64 {
        if let Some(f) = self.fixed_factor {
            return round_sig(f);
        }
        let f = round_sig(self.budget_share * period as f64 / self.long as f64);
        // Below a week even the short-period shares give factors under 1: an alert that fires
        // while the budget is spent slower than it accrues. Never go below the sustainable rate.
        if period < 7 * D { f.max(1.0) } else { f }
    }

    /// Seconds after a constant error ratio `ratio` starts until this pair fires (ignoring
    /// scrape and evaluation delays), or `None` if it never does. `budget` is 1 - objective.
    pub fn time_to_fire(&self, period: u64, budget: f64, ratio: f64) -> Option<f64> {
        let threshold = self.factor(period) * budget;
        // The long window's ratio is the last to cross: ratio × t / long > threshold.
        (ratio > threshold).then(|| threshold * self.long as f64 / ratio)
    }
    /// The share of the period's budget spent within the long window when this pair fires.
    pub fn share(&self, period: u64) -> f64 {
        match self.fixed_factor {
            Some(f) => round_sig(f * self.long as f64 / period as f64),
            None => self.budget_share,
        }
    }
}

/// The window pairs of an alert policy (the SLO's, else the Project's), else the Workbook's for
/// the period. Pairs `rely check` refuses (`SLO011`) are left out.
pub fn policy_windows(policy: Option<&crate::spec::AlertPolicy>, period: u64) -> Vec<BurnWindow> {
    let Some(p) = policy else { return windows(period) };
    p.windows
        .iter()
        .filter_map(|w| {
            let (short, long) = (crate::duration::parse(&w.short)?, crate::duration::parse(&w.long)?);
            if short == 0 || short >= long || long > period {
                return None;
            }
            let tier = match w.severity {
                crate::spec::BurnTier::Page => Tier::Page,
                crate::spec::BurnTier::Ticket => Tier::Ticket,
            };
            match (w.factor, w.budget_percent) {
                (Some(f), None) if f > 0.0 && f.is_finite() => {
                    Some(BurnWindow { tier, short, long, budget_share: f * long as f64 / period as f64, fixed_factor: Some(f) })
                }
                (None, Some(b)) if b > 0.0 && b <= 100.0 => {
                    Some(BurnWindow { tier, short, long, budget_share: b / 100.0, fixed_factor: None })
                }
                _ => None,
            }
        })
        .collect()
}

/// The SLI windows recorded for an SLO with burn windows `pairs`: 5m (the current burn rate,
/// dashboards and tests read it), every alert window, then the period.
pub fn sli_windows(pairs: &[BurnWindow], period: u64) -> Vec<u64> {
    let mut w: Vec<u64> = std::iter::once(300).chain(pairs.iter().flat_map(|p| [p.short, p.long])).collect();
    w.push(period);
    w.sort_unstable();
    w.dedup();
    w
}

/// Rounds to 12 significant digits, so `0.999` never prints as `0.9990000000000001`.
pub fn round_sig(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    // Scale to a 12-digit integer, round, scale back: the division is correctly rounded, so the
    // result is the double nearest the 12-digit decimal (formatting through text was slow).
    let exp = 11 - x.abs().log10().floor() as i32;
    if !(-290..=290).contains(&exp) {
        return format!("{x:.11e}").parse().unwrap_or(x);
    }
    if exp >= 0 { (x * 10f64.powi(exp)).round() / 10f64.powi(exp) } else { (x / 10f64.powi(-exp)).round() * 10f64.powi(-exp) }
}

/// Prints a number for PromQL and YAML: shortest form after rounding (`0.999`, `14.4`, `1`).
/// A build prints the same few numbers (objectives, budgets, burn factors) for every SLO, so
/// each thread remembers the text of the numbers it has printed.
pub fn num(x: f64) -> String {
    thread_local! {
        static PRINTED: std::cell::RefCell<crate::FastMap<u64, Box<str>>> = Default::default();
    }
    if let Some(text) = PRINTED.with_borrow(|m| m.get(&x.to_bits()).map(|t| t.to_string())) {
        return text;
    }
    let text = print_num(x);
    PRINTED.with_borrow_mut(|m| {
        // Bounded: a build meets few distinct numbers, but never many are kept.
        if m.len() >= 4096 {
            m.clear();
        }
        m.insert(x.to_bits(), text.as_str().into());
    });
    text
}

fn print_num(x: f64) -> String {
    let r = round_sig(x);
    if r == r.trunc() && r.abs() < 1e15 { format!("{}", r as i64) } else { format!("{r}") }
}

/// `x` exactly as written (a user's threshold, not a computed ratio): every digit an f64 keeps,
/// whole numbers without a point, and 1e15 or more with an exponent (PromQL reads `1e+20`).
pub fn exact(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x.abs() >= 1e15 {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A remembered number prints as it did the first time, and as printing it afresh does.
        #[test]
        fn remembered_numbers_print_as_printed(bits in proptest::num::u64::ANY, small in -1e6f64..1e6) {
            for x in [f64::from_bits(bits), small, small / 1e4] {
                let first = num(x);
                proptest::prop_assert_eq!(&first, &print_num(x));
                proptest::prop_assert_eq!(num(x), first);
            }
        }
    }

    #[test]
    fn exact_keeps_every_digit_and_reads_back() {
        for x in [30.0, 0.8, 123456789012.5, 1e11 + 1.0, 999999999999999.0, 1e15, 2.5e20, -7.25, 1e-7] {
            let s = exact(x);
            assert_eq!(s.parse::<f64>().unwrap(), x, "{s}");
            assert!(!s.contains("inf") && !s.contains("NaN"), "{s}");
        }
        assert_eq!(exact(30.0), "30");
        assert_eq!(exact(123456789012.5), "123456789012.5");
        assert_eq!(exact(2.5e20), "2.5e20");
    }

    #[test]
    fn factors_match_the_workbook_and_sloth() {
        let f30: Vec<String> = WINDOWS.iter().map(|w| num(w.factor(30 * D))).collect();
        assert_eq!(f30, ["14.4", "6", "3", "1"]);
        let f28: Vec<String> = WINDOWS.iter().map(|w| num(w.factor(28 * D))).collect();
        assert_eq!(f28, ["13.44", "5.6", "2.8", "0.933333333333"]);
        let f7: Vec<String> = windows(7 * D).iter().map(|w| num(w.factor(7 * D))).collect();
        assert_eq!(f7, ["13.44", "3.5", "1.4", "0.98"]);
        assert_eq!(windows(2 * D).len(), 3, "the 3d pair does not fit a 2d period");
        let f1: Vec<String> = windows(D).iter().map(|w| num(w.factor(D))).collect();
        assert_eq!(f1, ["1.92", "1", "1"], "never below the sustainable rate");
    }

    #[test]
    fn numbers_print_exactly() {
        assert_eq!(num(99.9 / 100.0), "0.999");
        assert_eq!(num(1.0 - 99.9 / 100.0), "0.001");
        assert_eq!(num(1.0 - 99.95 / 100.0), "0.0005");
        assert_eq!(num(30.0), "30");
        assert_eq!(num(14.4 * 0.001), "0.0144");
        assert_eq!(num(1e-5), "0.00001");
        assert_eq!(num(123456.0), "123456");
        assert_eq!(num(0.1 + 0.2), "0.3");
        assert_eq!(num(2.0 / 3.0), "0.666666666667");
    }

    #[test]
    fn windows_and_time_to_fire() {
        assert_eq!(sli_windows(&windows(30 * D), 30 * D), vec![300, 1800, 3600, 7200, 21600, 86400, 259200, 30 * 86400]);
        assert_eq!(sli_windows(&windows(D), D), vec![300, 1800, 3600, 7200, 21600, 86400]);
        // 50% errors against a 99.9% SLO: the fast page pair fires after ~104 s.
        let t = WINDOWS[0].time_to_fire(30 * D, 0.001, 0.5).unwrap();
        assert!((t - 103.68).abs() < 1e-6, "{t}");
        assert_eq!(WINDOWS[0].time_to_fire(30 * D, 0.001, 0.01), None);
    }
}
