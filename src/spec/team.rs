use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The people who own services and answer pages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oncall: Option<Oncall>,
    /// Where alerts go, per severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
    /// The code-review handle for CODEOWNERS, e.g. `@example/platform` (default `@<name>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^@[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)?$"))]
    pub codeowners: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Member {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Oncall {
    pub rotation: Rotation,
    /// When the rotation hands over: `HH:MM`, optionally after a weekday, e.g. `mon 09:00`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<String>,
    /// IANA time zone, e.g. `America/Denver`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Ordered steps; `after` is a delay from the page.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub escalation: Vec<EscalationStep>,
    /// The person an escalation step `notify: manager` reaches (in or outside the rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Member>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Rotation {
    Daily,
    Weekly,
    FollowTheSun,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationStep {
    #[schemars(regex(pattern = super::DURATION_PATTERN))]
    pub after: String,
    pub notify: EscalationTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum EscalationTarget {
    Primary,
    Secondary,
    Team,
    Manager,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub page: Vec<Receiver>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ticket: Vec<Receiver>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub info: Vec<Receiver>,
}

/// One Alertmanager-style receiver: exactly one of the kinds. Secrets only as `*_file` paths.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Receiver {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailReceiver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack: Option<SlackReceiver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagerduty: Option<PagerdutyReceiver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub victorops: Option<VictoropsReceiver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opsgenie: Option<OpsgenieReceiver>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookReceiver>,
}

impl Receiver {
    /// The kinds set on this receiver, by name.
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut k = vec![];
        if self.email.is_some() {
            k.push("email")
        }
        if self.slack.is_some() {
            k.push("slack")
        }
        if self.pagerduty.is_some() {
            k.push("pagerduty")
        }
        if self.victorops.is_some() {
            k.push("victorops")
        }
        if self.opsgenie.is_some() {
            k.push("opsgenie")
        }
        if self.webhook.is_some() {
            k.push("webhook")
        }
        k
    }

    /// The `*_file` paths that are set, with where they are (`pagerduty/routing_key_file`).
    pub fn secret_files<'a>(&'a self) -> Vec<(&'static str, &'a str)> {
        let mut s: Vec<(&'static str, &str)> = vec![];
        let mut add = |at: &'static str, f: &'a Option<String>| {
            if let Some(p) = f {
                s.push((at, p.as_str()));
            }
        };
        if let Some(e) = &self.email {
            add("email/auth_password_file", &e.auth_password_file);
        }
        if let Some(x) = &self.slack {
            add("slack/api_url_file", &x.api_url_file);
        }
        if let Some(x) = &self.pagerduty {
            add("pagerduty/routing_key_file", &x.routing_key_file);
            add("pagerduty/service_key_file", &x.service_key_file);
        }
        if let Some(x) = &self.victorops {
            add("victorops/api_key_file", &x.api_key_file);
        }
        if let Some(x) = &self.opsgenie {
            add("opsgenie/api_key_file", &x.api_key_file);
        }
        s
    }

    /// Inline secret fields that are set: (kind, field, the `_file` field to use instead).
    pub fn inline_secrets(&self) -> Vec<(&'static str, &'static str, &'static str)> {
        let mut s = vec![];
        if self.email.as_ref().is_some_and(|e| e.auth_password.is_some()) {
            s.push(("email", "auth_password", "auth_password_file"))
        }
        if self.slack.as_ref().is_some_and(|e| e.api_url.is_some()) {
            s.push(("slack", "api_url", "api_url_file"))
        }
        if self.pagerduty.as_ref().is_some_and(|e| e.routing_key.is_some()) {
            s.push(("pagerduty", "routing_key", "routing_key_file"))
        }
        if self.pagerduty.as_ref().is_some_and(|e| e.service_key.is_some()) {
            s.push(("pagerduty", "service_key", "service_key_file"))
        }
        if self.victorops.as_ref().is_some_and(|e| e.api_key.is_some()) {
            s.push(("victorops", "api_key", "api_key_file"))
        }
        if self.opsgenie.as_ref().is_some_and(|e| e.api_key.is_some()) {
            s.push(("opsgenie", "api_key", "api_key_file"))
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailReceiver {
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_password_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackReceiver {
    pub channel: String,
    /// Inline webhook URL: not allowed (it is a secret); use `api_url_file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url_file: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PagerdutyReceiver {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_key_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_key_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VictoropsReceiver {
    pub routing_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpsgenieReceiver {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_file: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookReceiver {
    pub url: String,
}

/// A parsed `handoff`: weekday (0 = Monday) and local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    pub weekday: u8,
    pub hour: u8,
    pub minute: u8,
}

impl Handoff {
    /// Monday 09:00, when no handoff is given.
    pub const DEFAULT: Handoff = Handoff { weekday: 0, hour: 9, minute: 0 };

    /// `HH:MM` or `<day> HH:MM` (day: mon…sun, or a longer spelling such as `monday`).
    pub fn parse(s: &str) -> Option<Handoff> {
        let s = s.trim().to_ascii_lowercase();
        let (day, time) = match s.rsplit_once(' ') {
            Some((d, t)) => (Some(d.trim()), t),
            None => (None, s.as_str()),
        };
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let full = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
        let weekday = match day {
            None => 0,
            Some(d) => days.iter().zip(full).position(|(a, b)| d == *a || d == b)? as u8,
        };
        let (h, m) = time.split_once(':')?;
        let (hour, minute): (u8, u8) = (h.parse().ok()?, m.parse().ok()?);
        (h.len() == 2 && m.len() == 2 && hour < 24 && minute < 60).then_some(Handoff { weekday, hour, minute })
    }
}

/// Whether `name` is an IANA time zone rely knows (its database is built in).
pub fn known_time_zone(name: &str) -> bool {
    jiff::tz::db().get(name).is_ok()
}
