//! On-call exports: `oncall/<team>.json`, a vendor-neutral description of each team's members,
//! rotation, hand-off, time zone and escalation; and `oncall/pagerduty.tf`, PagerDuty as
//! Terraform, rendered from an overridable minijinja template (strict: an undefined value is an
//! error, never an empty string).

use serde::Serialize;
use serde_json::json;

use super::{OutputFile, TemplateError, Templates};
use crate::duration;
use crate::model::Model;
use crate::spec::{Handoff, word};

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

#[derive(Serialize)]
struct TfMember {
    name: String,
    email: String,
    id: String,
}

#[derive(Serialize)]
struct TfStep {
    notify: String,
    delay_minutes: u64,
}

#[derive(Serialize)]
struct TfTeam {
    name: String,
    id: String,
    description: String,
    members: Vec<TfMember>,
    rotation: String,
    rotation_seconds: u64,
    handoff_start: String,
    timezone: String,
    escalation: Vec<TfStep>,
}

#[derive(Serialize)]
struct TfService {
    name: String,
    id: String,
    description: String,
    owner_id: String,
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

pub(crate) fn emit(model: &Model, templates: &Templates) -> (Vec<OutputFile>, Vec<TemplateError>) {
    let mut out = vec![];
    let mut teams = vec![];
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
            "escalation": escalation.iter().map(|s| json!({
                "after": s.after, "after_minutes": after_minutes(&s.after), "notify": word(&s.notify),
            })).collect::<Vec<_>>(),
            "services": model.services.iter().filter(|s| s.owner == t.name).map(|s| s.name.clone()).collect::<Vec<_>>(),
        });
        out.push(OutputFile {
            path: crate::model::names::oncall_file(&t.name),
            contents: serde_json::to_string_pretty(&export).expect("json") + "\n",
        });
        // PagerDuty: each rule's delay is the time until the next step (the last one waits 30m).
        let afters: Vec<u64> = escalation.iter().map(|s| after_minutes(&s.after)).collect();
        let steps = escalation
            .iter()
            .enumerate()
            .map(|(i, s)| TfStep {
                notify: word(&s.notify),
                delay_minutes: afters.get(i + 1).map(|n| n.saturating_sub(afters[i])).unwrap_or(30).max(1),
            })
            .collect();
        let timezone = oncall.as_ref().and_then(|o| o.timezone.clone()).unwrap_or_else(|| "UTC".into());
        teams.push(TfTeam {
            name: t.name.clone(),
            id: ident(&t.name),
            description: t.description.clone().trim().to_string(),
            members: t
                .members
                .iter()
                .map(|m| TfMember {
                    name: m.name.clone(),
                    email: m.email.clone().unwrap_or_default(),
                    id: user_id(&m.name, m.email.as_deref()),
                })
                .collect(),
            rotation_seconds: match rotation.as_str() {
                "daily" => 86400,
                "follow-the-sun" => 8 * 3600,
                _ => 7 * 86400,
            },
            rotation,
            handoff_start: handoff_start(oncall.as_ref().and_then(|o| o.handoff.as_deref()), &timezone),
            timezone,
            escalation: steps,
        });
    }
    let services: Vec<TfService> = model
        .services
        .iter()
        .filter(|s| model.team(&s.owner).is_some_and(|t| !t.members.is_empty()))
        .map(|s| TfService {
            name: s.name.clone(),
            id: ident(&s.name),
            description: s.description.trim().to_string(),
            owner_id: ident(&s.owner),
        })
        .collect();
    // Each person once, in the order first met.
    let mut users: Vec<&TfMember> = vec![];
    for m in teams.iter().flat_map(|t| &t.members) {
        if !users.iter().any(|u| u.id == m.id) {
            users.push(m);
        }
    }
    let mut sources: Vec<String> = model.teams.iter().map(|t| t.source.clone()).collect();
    sources.extend(model.services.iter().flat_map(|s| s.sources.clone()));
    sources.sort();
    sources.dedup();
    let mut errors = vec![];
    let name = "oncall/pagerduty.tf.j2";
    let ctx = minijinja::context! {
        teams => minijinja::Value::from(minijinja::value::Serde(&teams)),
        users => minijinja::Value::from(minijinja::value::Serde(&users)),
        services => minijinja::Value::from(minijinja::value::Serde(&services)),
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
