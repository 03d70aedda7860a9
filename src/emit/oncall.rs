//! On-call exports: `oncall/<team>.json`, a vendor-neutral description of each team's members,
//! rotation, hand-off, time zone and escalation; and `oncall/pagerduty.tf`, PagerDuty as
//! Terraform, rendered from an overridable minijinja template (strict: an undefined value is an
//! error, never an empty string).

use serde::Serialize;
use serde_json::json;

use super::{OutputFile, TemplateError, Templates};
use crate::duration;
use crate::model::Model;
use crate::model::Team;
use crate::spec::{EscalationStep, EscalationTarget, Handoff, Member, Oncall, PagerdutyUsers, word};

/// An HCL-safe identifier from a rely name (`web-client` → `web_client`).
fn ident(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

fn after_minutes(after: &str) -> u64 {
    duration::parse(after).map(|s| s / 60).unwrap_or(0)
}

/// A PagerDuty user: `ref` is the Terraform expression of its id (`data.pagerduty_user.x.id` when
/// users are looked up, `pagerduty_user.x.id` when rely creates them).
#[derive(Serialize, Clone)]
struct TfUser {
    name: String,
    email: String,
    id: String,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Serialize)]
struct TfMembership {
    user: TfUser,
    role: &'static str,
}

#[derive(Serialize)]
struct TfTarget {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref")]
    reference: String,
}

#[derive(Serialize)]
struct TfStep {
    notify: String,
    delay_minutes: u64,
    targets: Vec<TfTarget>,
}

#[derive(Serialize)]
struct TfTeam {
    name: String,
    id: String,
    description: String,
    /// Members PagerDuty can reach (those with an email), in rotation order.
    members: Vec<TfUser>,
    /// The same people, one turn later: who is second while `members[0]` is first.
    secondary: Vec<TfUser>,
    has_secondary: bool,
    memberships: Vec<TfMembership>,
    /// Members without an email, left out of PagerDuty.
    unreachable: Vec<String>,
    rotation: String,
    rotation_seconds: u64,
    handoff_start: String,
    timezone: String,
    escalation: Vec<TfStep>,
    /// The rely services whose alerts reach this team.
    services: Vec<String>,
    /// Where the team's Alertmanager PagerDuty receiver reads its key, if it has one.
    routing_key_file: Option<String>,
}

/// The first hand-off of the rotation: the given weekday and time in the week of 2026-01-05.
/// The first handoff, in the first full week of 2026, as RFC 3339 with the zone's UTC offset on
/// that date (the PagerDuty provider requires the offset; PagerDuty keeps later handoffs at the
/// same wall-clock time in the schedule's `time_zone`). `check` reports handoffs and zones it
/// cannot read (OWN007); should one reach here, Monday 09:00 UTC stands in.
fn handoff_start(handoff: Option<&str>, tz: &str) -> String {
    let h = handoff.and_then(Handoff::parse).unwrap_or(Handoff::DEFAULT);
    let local = jiff::civil::date(2026, 1, 5 + h.weekday as i8).at(h.hour as i8, h.minute as i8, 0, 0);
    match local.in_tz(tz).or_else(|_| local.in_tz("UTC")) {
        Ok(z) => z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        Err(_) => format!("{local}Z"),
    }
}

/// A person's PagerDuty user, one per email (case-insensitively; or name, when there is no
/// email): somebody in two teams is one user with two memberships. The readable part alone
/// would merge `a.b@x` and `a_b@x`, so a hash of the exact key keeps ids distinct and stable.
fn user_id(name: &str, email: Option<&str>) -> String {
    let key = match email.filter(|e| !e.is_empty()) {
        Some(e) => format!("email:{}", e.to_lowercase()),
        None => format!("name:{name}"),
    };
    let readable = ident(&format!("user_{}", email.filter(|e| !e.is_empty()).unwrap_or(name)));
    format!("{readable}_{:08x}", crate::model::names::fnv1a(key.as_bytes()) as u32)
}

fn tf_user(m: &Member, email: &str, create: bool) -> TfUser {
    let id = user_id(&m.name, Some(email));
    let reference = if create { format!("pagerduty_user.{id}.id") } else { format!("data.pagerduty_user.{id}.id") };
    TfUser { name: m.name.clone(), email: email.to_string(), id, reference }
}

/// A team as PagerDuty sees it: a primary schedule over the members with an email, a secondary
/// one turn behind it (when a step asks for it), the manager, and escalation steps whose
/// targets are those, each delayed until the next step (the last one waits 30m).
fn tf_team(model: &Model, t: &Team, rotation: String, oncall: Option<&Oncall>, create: bool) -> TfTeam {
    let id = ident(&t.name);
    // One entry per PagerDuty user: emails that differ only in case are one person.
    let mut members: Vec<TfUser> = vec![];
    for u in t.members.iter().filter_map(|m| m.email.as_deref().filter(|e| !e.is_empty()).map(|e| tf_user(m, e, create))) {
        if !members.iter().any(|m| m.id == u.id) {
            members.push(u);
        }
    }
    let manager = oncall.and_then(|o| o.manager.as_ref()).and_then(|m| m.email.as_deref().map(|e| tf_user(m, e, create)));
    let mut memberships: Vec<TfMembership> = members
        .iter()
        .map(|u| TfMembership {
            user: u.clone(),
            role: if manager.as_ref().is_some_and(|m| m.id == u.id) { "manager" } else { "responder" },
        })
        .collect();
    if let Some(m) = manager.as_ref().filter(|m| !members.iter().any(|u| u.id == m.id)) {
        memberships.push(TfMembership { user: m.clone(), role: "manager" });
    }
    let mut secondary = members.clone();
    if !secondary.is_empty() {
        secondary.rotate_left(1);
    }
    // PagerDuty refuses a policy without a rule: no escalation means paging the primary.
    let mut escalation: Vec<_> = oncall.map(|o| o.escalation.clone()).unwrap_or_default();
    if escalation.is_empty() {
        escalation.push(EscalationStep { after: "0m".into(), notify: EscalationTarget::Primary });
    }
    let afters: Vec<u64> = escalation.iter().map(|s| after_minutes(&s.after)).collect();
    let everyone = || members.iter().map(|u| TfTarget { kind: "user_reference", reference: u.reference.clone() }).collect::<Vec<_>>();
    let schedule = |name: String| vec![TfTarget { kind: "schedule_reference", reference: format!("pagerduty_schedule.{name}.id") }];
    let steps = escalation
        .iter()
        .enumerate()
        .map(|(i, s)| TfStep {
            notify: word(&s.notify),
            delay_minutes: afters.get(i + 1).map(|n| n.saturating_sub(afters[i])).unwrap_or(30).max(1),
            targets: match (s.notify, &manager) {
                (EscalationTarget::Primary, _) => schedule(id.clone()),
                // `-` is not in any `ident`, so no team's schedule can take this name.
                (EscalationTarget::Secondary, _) => schedule(format!("{id}-secondary")),
                (EscalationTarget::Team, _) | (EscalationTarget::Manager, None) => everyone(),
                (EscalationTarget::Manager, Some(m)) => vec![TfTarget { kind: "user_reference", reference: m.reference.clone() }],
            },
        })
        .collect();
    let timezone = oncall.and_then(|o| o.timezone.clone()).unwrap_or_else(|| "UTC".into());
    TfTeam {
        name: t.name.clone(),
        id,
        description: t.description.clone().trim().to_string(),
        has_secondary: escalation.iter().any(|s| s.notify == EscalationTarget::Secondary),
        secondary,
        memberships,
        unreachable: t.members.iter().filter(|m| m.email.as_deref().is_none_or(str::is_empty)).map(|m| m.name.clone()).collect(),
        members,
        rotation_seconds: match rotation.as_str() {
            "daily" => 86400,
            "follow-the-sun" => 8 * 3600,
            _ => 7 * 86400,
        },
        rotation,
        handoff_start: handoff_start(oncall.and_then(|o| o.handoff.as_deref()), &timezone),
        timezone,
        escalation: steps,
        services: model.services.iter().filter(|s| s.owner == t.name).map(|s| s.name.clone()).collect(),
        routing_key_file: t.page.iter().find_map(|r| r.pagerduty.as_ref().and_then(|p| p.routing_key_file.clone())),
    }
}

pub(crate) fn emit(model: &Model, templates: &Templates) -> (Vec<OutputFile>, Vec<TemplateError>) {
    let mut out = vec![];
    let mut teams = vec![];
    let create = model.settings.pagerduty_users == PagerdutyUsers::Create;
    // Each team's services, in the model's order (found once, not by a pass over every service
    // per team: 10,000 services and 1,000 teams made that ten million comparisons).
    let mut owned: crate::FastMap<&str, Vec<String>> = crate::FastMap::default();
    for s in &model.services {
        owned.entry(s.owner.as_str()).or_default().push(s.name.clone());
    }
    for t in &model.teams {
        let oncall = t.oncall.clone();
        let rotation = oncall.as_ref().map(|o| word(&o.rotation)).unwrap_or_else(|| "weekly".into());
        let escalation: Vec<_> = oncall.as_ref().map(|o| o.escalation.clone()).unwrap_or_default();
        let export = json!({
            "generated_by": format!("rely, from {}; do not edit", t.source),
            "team": t.name,
            "description": t.description.clone(),
            "members": t.members.iter().map(|m| json!({ "name": m.name, "email": m.email })).collect::<Vec<_>>(),
            "rotation": rotation,
            "handoff": oncall.as_ref().and_then(|o| o.handoff.clone()),
            "timezone": oncall.as_ref().and_then(|o| o.timezone.clone()),
            "manager": oncall.as_ref().and_then(|o| o.manager.as_ref()).map(|m| json!({ "name": m.name, "email": m.email })),
            "escalation": escalation.iter().map(|s| json!({
                "after": s.after, "after_minutes": after_minutes(&s.after), "notify": word(&s.notify),
            })).collect::<Vec<_>>(),
            "services": owned.get(t.name.as_str()).cloned().unwrap_or_default(),
        });
        out.push(OutputFile {
            path: crate::model::names::oncall_file(&t.name),
            contents: serde_json::to_string_pretty(&export).expect("json") + "\n",
        });
        teams.push(tf_team(model, t, rotation, oncall.as_ref(), create));
    }
    // Each person once, in the order first met.
    let mut users: Vec<TfUser> = vec![];
    let mut met: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for t in &teams {
        for m in t.memberships.iter().map(|m| &m.user) {
            if met.insert(m.id.as_str()) {
                users.push(m.clone());
            }
        }
    }
    // Teams, the services they own (by name) and the Project's `pagerduty` settings.
    let mut sources: Vec<String> = model.teams.iter().map(|t| t.source.clone()).collect();
    sources.extend(model.services.iter().map(|s| s.source.clone()));
    sources.extend(model.project_source.clone());
    sources.sort();
    sources.dedup();
    let mut errors = vec![];
    let name = "oncall/pagerduty.tf.j2";
    let ctx = minijinja::context! {
        teams => minijinja::Value::from(minijinja::value::Serde(&teams)),
        users => minijinja::Value::from(minijinja::value::Serde(&users)),
        create_users => create,
        sources => sources,
    };
    match templates.render(name, ctx) {
        Ok(text) => out.push(OutputFile { path: crate::model::names::PAGERDUTY_FILE.into(), contents: text }),
        Err(e) => errors.push(e),
    }
    (out, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_quoting_and_identifiers() {
        assert_eq!(ident("web-client"), "web_client");
        assert_eq!(ident("1x"), "_1x");
        assert_eq!(handoff_start(Some("wed 10:30"), "UTC"), "2026-01-07T10:30:00+00:00");
        assert_eq!(handoff_start(Some("mon 09:00"), "America/Denver"), "2026-01-05T09:00:00-07:00");
        assert_eq!(handoff_start(Some("friday 17:30"), "Asia/Kolkata"), "2026-01-09T17:30:00+05:30");
        assert_eq!(handoff_start(None, "Europe/London"), "2026-01-05T09:00:00+00:00");
        assert!(user_id("Ada L", Some("ada.l@example.com")).starts_with("user_ada_l_example_com_"));
        assert_eq!(user_id("Ada L", Some("ada.l@example.com")), user_id("A. L.", Some("Ada.L@Example.com")));
        assert_ne!(user_id("A", Some("a.b@example.com")), user_id("A", Some("a_b@example.com")));
        assert_ne!(user_id("a b", None), user_id("a.b", None));
        assert_eq!(Handoff::parse("09:00"), Some(Handoff::DEFAULT));
        assert!(Handoff::parse("monday 9am").is_none() && Handoff::parse("mon 24:00").is_none() && Handoff::parse("9:00").is_none());
    }
}
