//! Chaos plans (CHS): every experiment can be backed out, has a hypothesis and people, staging
//! never pages phones, production needs an approver, and the alerts it expects exist and can
//! fire under the declared fault.

use super::{Ctx, is_real_text};
use crate::diag::{closest, codes};
use crate::duration;
use crate::model::burn;
use crate::spec::Paging;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    for plan in &repo.chaos {
        let s = &plan.spec;
        let pages = ctx.settings.pages_in(&s.environment);
        if pages && !is_real_text(s.approved_by.as_deref()) {
            ctx.report(
                codes::CHS002,
                plan.doc,
                "/spec/environment",
                format!("chaos plan `{}` runs in {}, where pages reach pagers, without `approved_by`", plan.name, s.environment),
            )
            .help = Some("name the person who approved running these experiments against customers".into());
        }
        if !pages && s.paging != Paging::EmailOnly {
            ctx.report(
                codes::CHS003,
                plan.doc,
                "/spec/paging",
                format!("chaos plan `{}` in {} pages with `{}`", plan.name, s.environment, s.paging.as_str()),
            )
            .help = Some("set `paging: email-only`: outside the paging environments, expected alerts go to email, not phones".into());
        }
        for (i, e) in s.experiments.iter().enumerate() {
            let base = format!("/spec/experiments/{i}");
            if !is_real_text(e.backout.as_deref()) {
                ctx.report(codes::CHS001, plan.doc, &base, format!("experiment `{}` has no back-out plan", e.name)).help =
                    Some("add `backout:` with the command or step that undoes the fault".into());
            }
            if !is_real_text(e.hypothesis.as_deref()) {
                ctx.report(codes::CHS005, plan.doc, &base, format!("experiment `{}` has no hypothesis", e.name)).help =
                    Some("state what you expect to stay true (steady state) while the fault is injected".into());
            }
            if !is_real_text(e.blast_radius.as_deref()) {
                ctx.report(codes::CHS005, plan.doc, &base, format!("experiment `{}` has no blast radius", e.name)).help =
                    Some("say what the fault can touch (e.g. one gateway node in staging), so it can be kept small".into());
            }
            let roles = e.roles.clone().unwrap_or_default();
            let missing: Vec<&str> =
                [("recorder", &roles.recorder), ("driver", &roles.driver), ("incident_commander", &roles.incident_commander)]
                    .into_iter()
                    .filter(|(_, v)| !is_real_text(v.as_deref()))
                    .map(|(n, _)| n)
                    .collect();
            if !missing.is_empty() {
                let ptr = if e.roles.is_some() { format!("{base}/roles") } else { base.clone() };
                ctx.report(codes::CHS005, plan.doc, &ptr, format!("experiment `{}` has no {}", e.name, missing.join(", "))).help =
                    Some("name a recorder, a driver and an incident commander for every experiment".into());
            }
            let Some(expect) = &e.expect else { continue };
            for (j, f) in expect.fires.iter().enumerate() {
                let ptr = format!("{base}/expect/fires/{j}/alert");
                let is_alert = repo.has(crate::spec::Kind::Alert, &f.alert);
                if repo.slo(&f.alert).is_none() && repo.has(crate::spec::Kind::Slo, &f.alert) {
                    continue; // an SLO whose schema failed: that finding is the root cause
                }
                let slo = repo.slo(&f.alert);
                let slo_alerts = slo.is_some_and(|s| s.spec.alerting.as_ref().is_some_and(|a| a.page_enabled() || a.ticket_enabled()));
                if !is_alert && !slo_alerts {
                    let msg = if slo.is_some() {
                        format!("SLO `{}` has no alerting, so it cannot fire", f.alert)
                    } else {
                        format!("unknown alert `{}`", f.alert)
                    };
                    let mut names = repo.names(crate::spec::Kind::Alert);
                    names.extend(repo.names(crate::spec::Kind::Slo));
                    let help = closest(&f.alert, names)
                        .map(|g| format!("did you mean `{g}`?"))
                        .unwrap_or_else(|| "name an Alert document, or an SLO with alerting (its burn alert)".into());
                    ctx.report(codes::CHS004, plan.doc, &ptr, msg).help = Some(help);
                    continue;
                }
                // An SLO's burn alert under this experiment's own fault: do the arithmetic now.
                let (Some(slo), Some(fault)) = (slo, &e.fault) else { continue };
                if fault.slo != f.alert {
                    continue;
                }
                let (Some(period), Some(fault_for), Some(within)) = (
                    duration::parse(ctx.settings.window_of(slo.spec.window.as_deref())),
                    duration::parse(&fault.for_),
                    duration::parse(&f.within),
                ) else {
                    continue;
                };
                let o = slo.spec.objective;
                if !(o > 0.0 && o < 100.0) {
                    continue;
                }
                let budget = burn::round_sig(1.0 - o / 100.0);
                let alerting = slo.spec.alerting.clone().unwrap_or_default();
                let policy = alerting.policy.as_ref().or(ctx.settings.alert_policy.as_ref());
                let earliest = burn::policy_windows(policy, period)
                    .iter()
                    .filter(|w| match w.tier {
                        burn::Tier::Page => alerting.page_enabled(),
                        burn::Tier::Ticket => alerting.ticket_enabled(),
                    })
                    .filter_map(|w| w.time_to_fire(period, budget, fault.error_ratio))
                    .fold(f64::INFINITY, f64::min);
                let limit = fault_for.min(within) as f64;
                if earliest > limit {
                    let msg = if earliest.is_infinite() {
                        format!(
                            "SLO `{}` cannot fire at an error ratio of {}: every burn threshold is higher",
                            f.alert,
                            burn::num(fault.error_ratio)
                        )
                    } else {
                        format!(
                            "SLO `{}` fires about {} after the fault starts, later than {} (the fault lasts {}, expected within {})",
                            f.alert,
                            duration::human(earliest),
                            duration::human(limit),
                            fault.for_,
                            f.within
                        )
                    };
                    ctx.report(codes::CHS006, plan.doc, &ptr, msg).help =
                        Some("raise the fault's error_ratio or duration, or expect the alert later".into());
                }
            }
        }
    }
}
