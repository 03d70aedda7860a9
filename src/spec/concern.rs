use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Level;

/// What keeps a team up at night, raised to the reliability council.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcernSpec {
    pub title: String,
    /// The Team that raised it.
    pub raised_by: String,
    pub status: ConcernStatus,
    /// All three answered with real text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criteria: Option<Criteria>,
    /// Value against effort; required once accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    /// SLOs and Alerts that make it knowable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observed_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epic: Option<String>,
    /// Required once addressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<ConcernResults>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ConcernStatus {
    Proposed,
    Accepted,
    InProgress,
    Addressed,
    Rejected,
}

impl ConcernStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConcernStatus::Proposed => "proposed",
            ConcernStatus::Accepted => "accepted",
            ConcernStatus::InProgress => "in-progress",
            ConcernStatus::Addressed => "addressed",
            ConcernStatus::Rejected => "rejected",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    /// Why is this SRE work?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_sre: Option<String>,
    /// Why is it important?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_important: Option<String>,
    /// What is involved?
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub what_involved: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assessment {
    pub value: Level,
    pub effort: Level,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub blockers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complexity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConcernResults {
    pub before: String,
    pub after: String,
}
