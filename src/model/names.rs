//! Every generated name in one place: rule and metric names, label names, alert names,
//! output paths and dashboard uids. Back ends ask here instead of formatting names themselves.

use crate::duration;

/// Label names identifying an SLO's series; `compat: sloth` renames them for Sloth's dashboards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labels {
    pub id: &'static str,
    pub service: &'static str,
    pub slo: &'static str,
    pub window: &'static str,
    pub info_metric: &'static str,
}

pub const RELY: Labels =
    Labels { id: "rely_id", service: "rely_service", slo: "rely_slo", window: "rely_window", info_metric: "rely_slo_info" };
pub const SLOTH: Labels =
    Labels { id: "sloth_id", service: "sloth_service", slo: "sloth_slo", window: "sloth_window", info_metric: "sloth_slo_info" };

/// `slo:sli_error:ratio_rate5m` — the SLI error ratio over a window.
pub fn sli_ratio(window_secs: u64) -> String {
    ["slo:sli_error:ratio_rate", &duration::format(window_secs)].concat()
}

/// Error and total event rates over 5m, recorded so the period ratio can be traffic-weighted.
pub const ERROR_EVENTS_5M: &str = "slo:sli_error_events:rate5m";
pub const ERROR_EVENTS_30M: &str = "slo:sli_error_events:rate30m";
pub const TOTAL_EVENTS_30M: &str = "slo:sli_total_events:rate30m";
pub const TOTAL_EVENTS_5M: &str = "slo:sli_total_events:rate5m";
pub const OBJECTIVE: &str = "slo:objective:ratio";
pub const ERROR_BUDGET: &str = "slo:error_budget:ratio";
pub const PERIOD_DAYS: &str = "slo:time_period:days";
pub const CURRENT_BURN: &str = "slo:current_burn_rate:ratio";
pub const PERIOD_BURN: &str = "slo:period_burn_rate:ratio";
pub const BUDGET_REMAINING: &str = "slo:period_error_budget_remaining:ratio";

/// `checkout-queue-backlog` → `CheckoutQueueBacklog`.
pub fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 10);
    camel_into(name, &mut out);
    out
}

/// `camel`, appended to `out`.
fn camel_into(name: &str, out: &mut String) {
    // Each `-` is dropped and the character after it (and the first) is upper-cased.
    let mut up = true;
    for c in name.chars() {
        if c == '-' {
            up = true;
        } else {
            out.push(if up { c.to_ascii_uppercase() } else { c });
            up = false;
        }
    }
}

/// The alert an SLO fires (page and ticket share it, told apart by `severity`).
pub fn slo_alert(slo: &str) -> String {
    let mut out = String::with_capacity(slo.len() + 20);
    camel_into(slo, &mut out);
    out.push_str("BudgetBurn");
    out
}

/// The alert an SLO fires when its SLI has no data.
pub fn slo_no_data_alert(slo: &str) -> String {
    let mut out = String::with_capacity(slo.len() + 16);
    camel_into(slo, &mut out);
    out.push_str("NoData");
    out
}

/// The alert a hand-written Alert document fires.
pub fn alert(name: &str) -> String {
    camel(name)
}

/// Grafana dashboard uid of a service: at most 40 characters, stable, and distinct after
/// truncation (a short hash of the full name is kept when it has to be cut).
pub fn dashboard_uid(service: &str) -> String {
    let uid = format!("rely-{service}");
    if uid.len() <= 40 {
        return uid;
    }
    let hash = fnv1a(service.as_bytes());
    format!("{}-{:08x}", &uid[..31].trim_end_matches('-'), hash as u32)
}

/// FNV-1a, for short stable hashes in generated ids.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3))
}

pub fn rules_file(service: &str) -> String {
    format!("prometheus/{service}.rules.yml")
}

pub fn rules_test_file(service: &str) -> String {
    format!("prometheus/tests/{service}.test.yml")
}

pub fn dashboard_file(service: &str) -> String {
    format!("grafana/dashboards/{service}.json")
}

pub const OVERVIEW_DASHBOARD_FILE: &str = "grafana/dashboards/overview.json";
pub const UNTESTED_FILE: &str = "prometheus/tests/UNTESTED.md";
pub const PAGERDUTY_FILE: &str = "oncall/pagerduty.tf";
pub const BACKLOG_FILE: &str = "council/backlog.md";
pub const CODEOWNERS_FILE: &str = "codeowners/CODEOWNERS";
pub const PROVISIONING_FILE: &str = "grafana/provisioning/dashboards.yml";

/// The outputs whose paths do not come from a name, with what they are.
pub const FIXED_OUTPUTS: &[(&str, &str)] = &[
    (OVERVIEW_DASHBOARD_FILE, "the SLO overview dashboard"),
    (UNTESTED_FILE, "the list of untested SLOs"),
    (PAGERDUTY_FILE, "the PagerDuty Terraform"),
    (BACKLOG_FILE, "the council backlog"),
    (CODEOWNERS_FILE, "the CODEOWNERS fragment"),
    (PROVISIONING_FILE, "the Grafana provisioning file"),
];

pub fn chaos_tests_file(plan: &str) -> String {
    format!("prometheus/tests/chaos-{plan}.test.yml")
}

pub fn chaos_experiment_file(plan: &str, experiment: &str) -> String {
    format!("chaos/{plan}/{experiment}.json")
}

pub fn chaos_readme_file(plan: &str) -> String {
    format!("chaos/{plan}/README.md")
}

pub fn oncall_file(team: &str) -> String {
    format!("oncall/{team}.json")
}

pub fn alertmanager_file(env: &str) -> String {
    format!("alertmanager/{env}/alertmanager.yml")
}

pub fn merged_example_file(env: &str) -> String {
    format!("alertmanager/{env}/merged-example.yml")
}

pub fn routes_file(env: &str) -> String {
    format!("alertmanager/{env}/routes.tsv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(alert("checkout-queue-backlog"), "CheckoutQueueBacklog");
        assert_eq!(slo_alert("checkout-availability"), "CheckoutAvailabilityBudgetBurn");
        assert_eq!(sli_ratio(28 * 86400), "slo:sli_error:ratio_rate4w");
        assert_eq!(dashboard_uid("api"), "rely-api");
        let long = "a".repeat(60);
        let uid = dashboard_uid(&long);
        assert!(uid.len() <= 40, "{uid}");
        assert_ne!(uid, dashboard_uid(&format!("{}b", "a".repeat(59))));
    }

    proptest::proptest! {
        /// Alert names are the parts between `-`s, each with its first character upper-cased,
        /// as the split-based version made them (empty parts dropped).
        #[test]
        fn camel_case_joins_the_parts(parts in proptest::collection::vec("[a-z0-9é]{0,4}", 0..6)) {
            let name = parts.join("-");
            let by_parts: String = name
                .split('-')
                .filter_map(|p| {
                    let mut c = p.chars();
                    c.next().map(|f| format!("{}{}", f.to_ascii_uppercase(), c.as_str()))
                })
                .collect();
            proptest::prop_assert_eq!(camel(&name), by_parts);
        }
    }
}
