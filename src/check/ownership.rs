//! Ownership and on-call (OWN): pages reach a receiver, secrets stay out of git, receivers are
//! unambiguous, escalations progress, and teams that own things have people in them.

use std::collections::BTreeMap;

use super::Ctx;
use crate::diag::codes;
use crate::duration;
use crate::spec::EscalationTarget;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    // Which teams are paged, and by what (first source, for the message).
    let mut paged: BTreeMap<&str, String> = BTreeMap::new();
    for a in &repo.alerts {
        if a.spec.severity == crate::spec::AlertSeverity::Page
            && let Some(o) = &a.spec.owner
        {
            paged.entry(o.as_str()).or_insert_with(|| format!("Alert `{}`", a.name));
        }
    }
    for s in &repo.slos {
        if s.spec.alerting.as_ref().is_some_and(|a| a.page_enabled())
            && let Some(o) = repo.slo_owner(&s.spec)
        {
            paged.entry(o).or_insert_with(|| format!("SLO `{}`", s.name));
        }
    }
    let mut owners: BTreeMap<&str, String> = BTreeMap::new();
    for s in &repo.services {
        owners.entry(s.spec.owner.as_str()).or_insert_with(|| format!("service `{}`", s.name));
    }
    for (t, why) in &paged {
        owners.entry(t).or_insert_with(|| why.clone());
    }

    let settings = ctx.settings;
    let email_only: Vec<&str> = settings.email_only_environments().collect();
    for team in &repo.teams {
        let notify = team.spec.notify.clone().unwrap_or_default();
        let has_email = notify.page.iter().chain(&notify.ticket).chain(&notify.info).any(|r| r.email.is_some());
        if let (Some(by), Some(env)) = (paged.get(team.name.as_str()), email_only.first())
            && !notify.page.is_empty()
            && !has_email
        {
            ctx.report(codes::OWN006, team.doc, "/spec/notify/page", format!("team `{}` is paged by {by}, but in {env} pages go to email and it has no email receiver", team.name)).help =
                Some("add an `email` receiver (under ticket or page), or list the environment in the Project's `alertmanager.paging_environments`".into());
        }
        if let Some(by) = paged.get(team.name.as_str())
            && notify.page.is_empty()
        {
            let ptr = if team.spec.notify.is_some() { "/spec/notify" } else { "/spec" };
            ctx.report(codes::OWN001, team.doc, ptr, format!("team `{}` is paged by {by} but has no page receiver", team.name)).help =
                Some("add `notify.page` with at least one receiver, or route the page to another team".into());
        }
        if let Some(by) = owners.get(team.name.as_str())
            && team.spec.members.is_empty()
        {
            ctx.report(codes::OWN005, team.doc, "/spec", format!("team `{}` owns {by} but has no members", team.name)).help =
                Some("list the people who answer for it under `members`".into());
        }
        for (sev, list) in [("page", &notify.page), ("ticket", &notify.ticket), ("info", &notify.info)] {
            for (i, r) in list.iter().enumerate() {
                let base = format!("/spec/notify/{sev}/{i}");
                let kinds = r.kinds();
                if kinds.len() != 1 {
                    let msg = if kinds.is_empty() {
                        "receiver names no kind".to_string()
                    } else {
                        format!("receiver names {} kinds ({}); give one per entry", kinds.len(), kinds.join(", "))
                    };
                    ctx.report(codes::OWN003, team.doc, &base, msg).help =
                        Some("each entry is one of email, slack, pagerduty, victorops, opsgenie, webhook".into());
                }
                for (kind, field, file_field) in r.inline_secrets() {
                    ctx.report(codes::OWN002, team.doc, &format!("{base}/{kind}/{field}"), format!("inline secret `{kind}.{field}`"))
                        .help = Some(format!("store the secret in a file on the Alertmanager host and reference it with `{file_field}`"));
                }
            }
        }
        if let Some(oncall) = &team.spec.oncall {
            if let Some(h) = &oncall.handoff
                && crate::spec::Handoff::parse(h).is_none()
            {
                ctx.report(codes::OWN007, team.doc, "/spec/oncall/handoff", format!("handoff `{h}` is not a time such as `mon 09:00`"))
                    .help =
                    Some("write `HH:MM` in 24-hour time, optionally after a weekday: `09:00`, `mon 09:00`, `wednesday 17:30`".into());
            }
            if let Some(tz) = &oncall.timezone
                && !crate::spec::known_time_zone(tz)
            {
                ctx.report(codes::OWN007, team.doc, "/spec/oncall/timezone", format!("`{tz}` is not an IANA time zone")).help =
                    Some("use a name from the IANA time zone database, e.g. `Europe/London`, `America/Denver` or `UTC`".into());
            }
            let mut prev: Option<u64> = None;
            for (i, step) in oncall.escalation.iter().enumerate() {
                let after =
                    if step.after.chars().all(|c| c == '0' || c.is_ascii_alphabetic()) { Some(0) } else { duration::parse(&step.after) };
                let Some(after) = after else { continue };
                if let Some(p) = prev
                    && after <= p
                {
                    ctx.report(
                        codes::OWN004,
                        team.doc,
                        &format!("/spec/oncall/escalation/{i}/after"),
                        format!("escalation step {} comes {} after the page, not later than the step before it", i + 1, step.after),
                    )
                    .help = Some("order escalation steps by strictly increasing `after`".into());
                }
                prev = Some(after);
            }
            // A step that reaches nobody new: the primary again, or a manager nobody named.
            let reachable = team.spec.members.iter().filter(|m| m.email.is_some()).count();
            for (i, step) in oncall.escalation.iter().enumerate() {
                let why = match step.notify {
                    EscalationTarget::Secondary if reachable < 2 && !team.spec.members.is_empty() => format!(
                        "escalation step {} notifies the secondary, but team `{}` has {reachable} member{} with an email: the secondary is the primary again",
                        i + 1,
                        team.name,
                        if reachable == 1 { "" } else { "s" }
                    ),
                    EscalationTarget::Manager if oncall.manager.as_ref().and_then(|m| m.email.as_ref()).is_none() => {
                        format!("escalation step {} notifies the manager, but `oncall.manager` names nobody with an email", i + 1)
                    }
                    _ => continue,
                };
                ctx.report(codes::OWN011, team.doc, &format!("/spec/oncall/escalation/{i}/notify"), why).help = Some(match step.notify {
                    EscalationTarget::Manager => {
                        "name the manager: `oncall: {manager: {name: ..., email: ...}}`; until then the step pages the whole team".into()
                    }
                    _ => "add a second member with an email, or escalate to `team` or `manager` instead".into(),
                });
            }
        }
    }
}
