//! The YAML users write, as serde types that mirror it field for field (SPEC.md section 2).
//! Unknown fields are rejected, and the JSON Schemas in `schema/` are generated from these
//! types, so the editor, `rely check` and the back ends all agree on one definition.
//! Rules that need more than a field's own value (references, "exactly one of") live in `check`.

mod chaos;
mod concern;
mod project;
pub(crate) mod repo;
mod service;
mod slo;
mod team;

pub use chaos::*;
pub use concern::*;
pub use project::*;
pub use repo::{Item, Repo};
pub use service::*;
pub use slo::*;
pub use team::*;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const API_VERSION: &str = "rely/v1";
pub const NAME_PATTERN: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";
/// A Prometheus duration such as `5m`, `1h30m` or `30d`.
pub const DURATION_PATTERN: &str = "^[0-9]+(ms|[smhdwy])([0-9]+(ms|[smhdwy]))*$";

/// Every document: `apiVersion`, `kind`, `metadata` and a kind-specific `spec`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Doc<S> {
    /// Always `rely/v1`.
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: S,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    /// Lowercase letters, digits and dashes; unique per kind. Used in file names and metric labels.
    #[schemars(regex(pattern = NAME_PATTERN), length(max = 63))]
    pub name: String,
    /// Free-form labels.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// Every kind, once: its variant, its `kind:` in YAML, its slug (schema file names, `rely new`),
/// the word messages use, the `Repo` field that holds its documents, and its spec type. Every
/// dispatch on kinds (names, schemas, decoding, the index) is generated from this one list by
/// handing a macro to `kinds!`.
macro_rules! kinds {
    ($m:ident) => {
        $m! {
            Project, "Project", "project", "project", projects, ProjectSpec;
            Team, "Team", "team", "team", teams, TeamSpec;
            Service, "Service", "service", "service", services, ServiceSpec;
            Sli, "SLI", "sli", "SLI", slis, SliSpec;
            Slo, "SLO", "slo", "SLO", slos, SloSpec;
            Alert, "Alert", "alert", "alert", alerts, AlertSpec;
            Concern, "Concern", "concern", "concern", concerns, ConcernSpec;
            ChaosPlan, "ChaosPlan", "chaosplan", "chaos plan", chaos, ChaosPlanSpec;
        }
    };
}
pub(crate) use kinds;

macro_rules! define_kind {
    ($($variant:ident, $name:literal, $slug:literal, $word:literal, $field:ident, $spec:ident;)*) => {
        /// The kinds of document rely reads.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $($variant,)*
        }

        impl Kind {
            pub const ALL: [Kind; 8] = [$(Kind::$variant,)*];

            /// The `kind:` value in YAML.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $name,)*
                }
            }

            /// Lowercase form used in schema file names and `rely new`.
            pub fn slug(self) -> &'static str {
                match self {
                    $(Kind::$variant => $slug,)*
                }
            }

            /// The kind as a word in messages ("unknown chaos plan `x`").
            pub fn word(self) -> &'static str {
                match self {
                    $(Kind::$variant => $word,)*
                }
            }

            fn root_schema(self, g: &mut schemars::SchemaGenerator) -> schemars::Schema {
                match self {
                    $(Kind::$variant => g.root_schema_for::<Doc<$spec>>(),)*
                }
            }
        }
    };
}
kinds!(define_kind);

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The JSON Schema of a whole document of this kind.
    pub fn schema(self) -> serde_json::Value {
        // Optional fields are simply not required: no `anyOf [T, null]`, whose errors would be
        // reported as "not valid under any of the schemas" instead of the real problem.
        let mut g = schemars::generate::SchemaSettings::draft2020_12().into_generator();
        let mut s = self.root_schema(&mut g).to_value();
        strip_null(&mut s);
        s["title"] = format!("rely {} document", self.as_str()).into();
        s["properties"]["kind"] = serde_json::json!({ "const": self.as_str() });
        s["properties"]["apiVersion"] = serde_json::json!({ "const": API_VERSION, "description": "Always `rely/v1`." });
        s
    }
}

/// Removes `null` from optional fields' schemas (`anyOf [T, null]` becomes `T`): an optional
/// field is one that may be left out, and `anyOf` errors would hide the real problem.
fn strip_null(v: &mut serde_json::Value) {
    use serde_json::Value;
    if let Value::Object(m) = v {
        if let Some(Value::Array(types)) = m.get_mut("type") {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                let t = types[0].clone();
                m.insert("type".into(), t);
            }
        }
        if let Some(Value::Array(any)) = m.get("anyOf") {
            let rest: Vec<Value> = any.iter().filter(|s| s.get("type").is_none_or(|t| t != "null")).cloned().collect();
            if rest.len() == 1 && rest.len() < any.len() {
                m.remove("anyOf");
                if let Value::Object(inner) = &rest[0] {
                    for (k, val) in inner {
                        m.insert(k.clone(), val.clone());
                    }
                }
            }
        }
        if m.get("default").is_some_and(Value::is_null) {
            m.remove("default");
        }
        for val in m.values_mut() {
            strip_null(val);
        }
    } else if let Value::Array(a) = v {
        a.iter_mut().for_each(strip_null);
    }
}

/// The word a unit enum value is written as in YAML (`follow-the-sun`, `availability`).
pub fn word<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Document categories shared by SLIs and SLOs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Availability,
    Latency,
    Correctness,
    Freshness,
}

/// low | medium | high
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}
