//! Phase 2: every document against the JSON Schema of its kind. Schemas are generated from the
//! spec types and compiled once per process. jsonschema's errors come back as JSON pointers
//! into the instance, which the pointer index turns into the user's line and column.

use std::collections::HashMap;
use std::sync::OnceLock;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use crate::diag::{Finding, closest, codes};
use crate::spec::{API_VERSION, DURATION_PATTERN, Kind, NAME_PATTERN};
use crate::syntax::Document;

struct Compiled {
    schema: Value,
    validator: jsonschema::Validator,
}

/// Generates the JSON Schema of every kind (the same text `rely schema` writes).
pub fn schemas() -> &'static [(Kind, Value)] {
    static S: OnceLock<Vec<(Kind, Value)>> = OnceLock::new();
    S.get_or_init(|| Kind::ALL.iter().map(|k| (*k, k.schema())).collect())
}

fn compiled() -> &'static HashMap<Kind, Compiled> {
    static C: OnceLock<HashMap<Kind, Compiled>> = OnceLock::new();
    C.get_or_init(|| {
        schemas()
            .iter()
            .map(|(k, s)| {
                let validator = jsonschema::draft202012::new(s).expect("generated schemas are valid");
                (*k, Compiled { schema: s.clone(), validator })
            })
            .collect()
    })
}

/// Checks a document's envelope and schema. Returns its kind when it is valid and can be decoded.
pub fn check_document(doc: &Document, out: &mut Vec<Finding>) -> Option<Kind> {
    let v = &doc.yaml.value;
    let at = |p: &str| doc.locate(p);
    let Some(obj) = v.as_object() else {
        out.push(
            Finding::new(codes::SCH005, doc.file, at(""), format!("document is a {}, not a mapping", type_name(v)))
                .help("every document is a mapping with apiVersion, kind, metadata and spec"),
        );
        return None;
    };
    let kind = match obj.get("kind") {
        None => {
            out.push(
                Finding::new(codes::SCH002, doc.file, at(""), "document has no `kind`")
                    .help("add `kind:` (one of Project, Team, Service, SLI, SLO, Alert, Concern, ChaosPlan)"),
            );
            return None;
        }
        Some(Value::String(k)) => match Kind::parse(k) {
            Some(kind) => kind,
            None => {
                let names = Kind::ALL.map(Kind::as_str);
                let guess = names.iter().find(|n| n.eq_ignore_ascii_case(k)).copied().or_else(|| closest(k, names));
                out.push(Finding::new(codes::SCH005, doc.file, at("/kind"), format!("unknown kind `{k}`")).help(match guess {
                    Some(g) => format!("did you mean `{g}`?"),
                    None => format!("kind is one of {}", names.join(", ")),
                }));
                return None;
            }
        },
        Some(other) => {
            out.push(Finding::new(codes::SCH003, doc.file, at("/kind"), format!("`kind` must be a string, found {}", type_name(other))));
            return None;
        }
    };
    let before = out.len();
    match obj.get("apiVersion") {
        None => out.push(
            Finding::new(codes::SCH002, doc.file, at(""), format!("{} document has no `apiVersion`", kind.as_str()))
                .help(format!("add `apiVersion: {API_VERSION}`")),
        ),
        Some(a) if a != API_VERSION => out.push(
            Finding::new(
                codes::SCH006,
                doc.file,
                at("/apiVersion"),
                format!("unsupported apiVersion `{}`", a.as_str().map(str::to_string).unwrap_or_else(|| a.to_string())),
            )
            .help(format!("this version of rely reads `apiVersion: {API_VERSION}`")),
        ),
        Some(_) => {}
    }
    let c = &compiled()[&kind];
    // Most documents are valid: `is_valid` answers without building errors and their paths.
    let errors: Vec<_> = if c.validator.is_valid(v) {
        vec![]
    } else {
        c.validator.iter_errors(v).filter(|e| !matches!(e.instance_path().as_str(), "/apiVersion" | "/kind")).collect()
    };
    // A misspelt required field is one mistake, not two: report the unknown field with its
    // "did you mean" and drop the "missing" finding it explains.
    let mut typos: Vec<(String, String)> = vec![];
    for e in &errors {
        if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind() {
            let path = e.instance_path().as_str().to_string();
            let allowed = allowed_keys(&c.schema, &path);
            for k in unexpected {
                if let Some(g) = closest(k, allowed.iter().map(String::as_str)) {
                    typos.push((path.clone(), g.to_string()));
                }
            }
        }
    }
    for e in &errors {
        let path = e.instance_path().as_str().to_string();
        if let ValidationErrorKind::Required { property } = e.kind()
            && typos.iter().any(|(p, g)| *p == path && property.as_str() == Some(g.as_str()))
        {
            continue;
        }
        if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind() {
            out.extend(unexpected.iter().map(|k| unknown_field(doc, kind, &c.schema, &path, k)));
            continue;
        }
        out.push(translate(doc, kind, &c.schema, &path, e.kind(), &e.to_string()));
    }
    (out.len() == before).then_some(kind)
}

/// What a field takes, for help lines: units and allowed values a newcomer cannot guess.
fn field_hint(field: &str) -> Option<&'static str> {
    Some(match field {
        "for" | "after" | "within" | "window" => "a Prometheus duration such as 30s, 10m, 1h30m or 7d",
        "threshold" => "in seconds, like the histogram's `le` bounds: 0.3 is 300 ms",
        "objective" => "a percentage strictly between 0 and 100, e.g. 99.9",
        "error_ratio" => "a fraction of requests between 0 and 1, e.g. 0.5",
        "tier" => "1 (most critical) to 4",
        "severity" => "page (wake someone), ticket (next working day) or info",
        "status" => "proposed, accepted, in-progress, addressed or rejected",
        "paging" => "email-only, normal or none",
        "rotation" => "daily, weekly or follow-the-sun",
        "risk" | "value" | "effort" => "low, medium or high",
        "category" => "availability, latency, correctness or freshness",
        "handoff" => "[day] HH:MM, e.g. \"mon 09:00\"",
        "date" => "a date, YYYY-MM-DD",
        "enabled" | "blackbox" => "true or false",
        _ => return None,
    })
}

fn translate(doc: &Document, kind: Kind, schema: &Value, path: &str, k: &ValidationErrorKind, raw: &str) -> Finding {
    let mut f = translate_error(doc, kind, schema, path, k, raw);
    if f.help.is_none() && (f.rule.code == codes::SCH003.code || f.rule.code == codes::SCH004.code) {
        let field = path.rsplit('/').find(|s| !s.is_empty() && s.parse::<usize>().is_err()).unwrap_or("");
        f.help = Some(match field_hint(field) {
            Some(h) => format!("`{field}` is {h}"),
            None => format!("see `rely new {}` for the shape of every field, or `rely explain {}`", kind.slug(), f.rule.code),
        });
    }
    f
}

fn translate_error(doc: &Document, kind: Kind, schema: &Value, path: &str, k: &ValidationErrorKind, raw: &str) -> Finding {
    let file = doc.file;
    let field = path.rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("document");
    let value = doc.yaml.value.pointer(path);
    match k {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            unknown_field(doc, kind, schema, path, unexpected.first().map(String::as_str).unwrap_or(""))
        }
        ValidationErrorKind::Required { property } => {
            let p = property.as_str().unwrap_or("?");
            let where_ =
                if path.is_empty() { "the document".to_string() } else { format!("`{}`", path.trim_start_matches('/').replace('/', ".")) };
            Finding::new(codes::SCH002, file, doc.locate(path), format!("missing required field `{p}` in {where_}"))
                .help(format!("see `rely new {}` for a complete example", kind.slug()))
        }
        ValidationErrorKind::Type { kind: t } => {
            let expected = match t {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(ts) => ts.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
            };
            let found = value.map(type_name).unwrap_or("nothing");
            let shown = value.and_then(Value::as_str).map(|s| format!(" `{s}`")).unwrap_or_default();
            let f = Finding::new(
                codes::SCH003,
                file,
                doc.locate(path),
                format!("`{field}` must be {}, found {found}{shown}", with_article(&expected)),
            );
            if found == "string" && expected == "boolean" {
                f.help("rely reads YAML 1.2: write `true` or `false` (`yes`, `no`, `on`, `off` are strings)")
            } else if found == "string" && (expected == "number" || expected == "integer") {
                f.help("write a plain number; `.nan`, `.inf` and quoted numbers are not accepted")
            } else if found == "null" {
                f.help("give a value, or remove the field")
            } else {
                f
            }
        }
        ValidationErrorKind::Pattern { pattern } => {
            let s = value.and_then(Value::as_str).unwrap_or("");
            if path == "/metadata/name" || pattern == NAME_PATTERN {
                Finding::new(codes::SCH007, file, doc.locate(path), format!("invalid name `{s}`"))
                    .help("names are lowercase letters, digits and dashes (a DNS label, at most 63 characters): they become file names and label values")
            } else if pattern == DURATION_PATTERN {
                Finding::new(codes::SCH004, file, doc.locate(path), format!("`{s}` is not a Prometheus duration"))
                    .help("write a duration such as 30s, 5m, 1h30m or 7d")
            } else {
                Finding::new(codes::SCH004, file, doc.locate(path), format!("`{field}`: `{s}` does not match `{pattern}`"))
            }
        }
        ValidationErrorKind::Enum { options } => {
            let opts: Vec<&str> = options.as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            let s = value.map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())).unwrap_or_default();
            let f = Finding::new(codes::SCH004, file, doc.locate(path), format!("`{field}`: `{s}` is not one of {}", opts.join(", ")));
            match closest(&s, opts.iter().copied()) {
                Some(g) => f.help(format!("did you mean `{g}`?")),
                None => f,
            }
        }
        ValidationErrorKind::MaxLength { .. } if path == "/metadata/name" => {
            Finding::new(codes::SCH007, file, doc.locate(path), "name is longer than 63 characters")
                .help("names are DNS labels: at most 63 characters")
        }
        _ => Finding::new(codes::SCH004, file, doc.locate(path), format!("`{field}`: {}", shorten(raw))),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 200 { format!("{}…", s.chars().take(200).collect::<String>()) } else { s.to_string() }
}

/// An unknown field, with "did you mean" from the fields allowed at that place.
fn unknown_field(doc: &Document, kind: Kind, schema: &Value, path: &str, key: &str) -> Finding {
    let file = doc.file;
    let key = key.to_string();
    let allowed = allowed_keys(schema, path);
    let at = doc.yaml.index.locate_key(&format!("{path}/{}", crate::syntax::yaml::escape_pointer(&key)));
    let where_ = if path.is_empty() { "the document".to_string() } else { format!("`{}`", path.trim_start_matches('/').replace('/', ".")) };
    if key == "<<" {
        return Finding::new(codes::SCH001, file, at, "YAML merge keys (`<<`) are not supported")
            .help("write the fields out in full; rely reads YAML 1.2, which has no merge keys");
    }
    let f = Finding::new(codes::SCH001, file, at, format!("unknown field `{key}` in {where_} of {} {}", article(kind), kind.as_str()));
    match closest(&key, allowed.iter().map(String::as_str)) {
        Some(g) => f.help(format!("did you mean `{g}`?")),
        None if !allowed.is_empty() => {
            f.help(format!("expected one of {}", allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")))
        }
        None => f,
    }
}

/// The property names the schema allows at instance path `path`.
pub fn allowed_keys(root: &Value, path: &str) -> Vec<String> {
    let deref = |n: &Value| -> Value {
        let mut n = n.clone();
        for _ in 0..8 {
            match n.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#")) {
                Some(ptr) => n = root.pointer(ptr).cloned().unwrap_or(Value::Null),
                None => break,
            }
        }
        n
    };
    let mut cur = deref(root);
    for seg in path.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let next = if let Some(p) = cur.get("properties").and_then(|p| p.get(&seg)) {
            p.clone()
        } else if let Some(items) = cur.get("items") {
            items.clone()
        } else if let Some(ap) = cur.get("additionalProperties").filter(|a| a.is_object()) {
            ap.clone()
        } else {
            return vec![];
        };
        cur = deref(&next);
    }
    cur.get("properties").and_then(Value::as_object).map(|m| m.keys().cloned().collect()).unwrap_or_default()
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

fn with_article(t: &str) -> String {
    match t {
        "object" => "a mapping".into(),
        "array" => "a list".into(),
        "integer" => "an integer".into(),
        "null" => "null".into(),
        t => format!("a {t}"),
    }
}

fn article(kind: Kind) -> &'static str {
    match kind {
        Kind::Alert | Kind::Sli | Kind::Slo => "an",
        _ => "a",
    }
}

/// The schema files `rely schema` writes: one per kind, plus `rely.schema.json` for any document.
pub fn files() -> Vec<(String, String)> {
    let mut files = vec![];
    let mut branches = vec![];
    for (kind, schema) in schemas() {
        let name = format!("{}.schema.json", kind.slug());
        files.push((name.clone(), serde_json::to_string_pretty(schema).expect("json") + "\n"));
        branches.push(serde_json::json!({
            "if": { "properties": { "kind": { "const": kind.as_str() } }, "required": ["kind"] },
            "then": { "$ref": name },
        }));
    }
    let all = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rely document (any kind)",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": { "kind": { "enum": Kind::ALL.map(Kind::as_str) } },
        "allOf": branches,
    });
    files.push(("rely.schema.json".into(), serde_json::to_string_pretty(&all).expect("json") + "\n"));
    files.sort();
    files
}
