//! `rely diff`: compile both sides of a pull request and compare the documents, not the text.
//! Every document is matched by kind and name (renames by identical content, or by being the one
//! removed and the one added of a kind in the same file); changes are listed field by field, and
//! the ones a reviewer must look at — an objective or window changed, an alert or its page
//! removed, an owner or runbook changed, a concern's status, a chaos plan moving to production —
//! are called out with their consequences (the error budget in time, before and after).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::diag::{Finding, Severity};
use crate::duration;
use crate::model::Settings;
use crate::model::burn::num;
use crate::spec::Kind;
use crate::spec::Repo;
use crate::syntax::Loaded;

/// One side of the comparison, checked.
pub struct Side {
    pub label: String,
    pub loaded: Loaded,
    pub repo: Repo,
    pub findings: Vec<Finding>,
}

impl Side {
    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.severity == Severity::Error).count()
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum What {
    Added,
    Removed,
    Changed,
    Renamed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub kind: &'static str,
    pub name: String,
    pub change: What,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    pub file: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Risk {
    pub kind: &'static str,
    pub name: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub base: String,
    pub head: String,
    pub verdict: String,
    pub risks: Vec<Risk>,
    pub changes: Vec<Change>,
    /// New concerns, in full, for the council to vote on in the pull request.
    pub new_concerns: Vec<Value>,
    pub base_errors: Vec<String>,
    pub head_errors: Vec<String>,
    /// With `--prometheus`: each added or changed SLO backtested over its window, before and after.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backtests: Vec<SloBacktestChange>,
}

/// How often an SLO's burn alerts would have fired over its last window, per severity.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, Default)]
pub struct AlertCounts {
    pub page: usize,
    pub ticket: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SloBacktestChange {
    pub slo: String,
    /// The head's window, e.g. `30d`: the range backtested on both sides.
    pub window: String,
    /// `None` for an SLO the change adds.
    pub before: Option<AlertCounts>,
    pub after: AlertCounts,
}

struct Doc {
    file: String,
    value: Value,
}

fn docs(side: &Side) -> BTreeMap<(Kind, String), Doc> {
    let mut out = BTreeMap::new();
    let r = &side.repo;
    let mut add = |kind: Kind, doc: usize, name: &str| {
        let d = &side.loaded.docs[doc];
        let mut value = d.yaml.value.clone();
        if let Some(o) = value.as_object_mut() {
            o.remove("apiVersion");
            o.remove("kind");
            if let Some(m) = o.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("name");
            }
        }
        out.entry((kind, name.to_string())).or_insert(Doc { file: side.loaded.files[d.file].display.clone(), value });
    };
    r.projects.iter().for_each(|i| add(Kind::Project, i.doc, &i.name));
    r.teams.iter().for_each(|i| add(Kind::Team, i.doc, &i.name));
    r.services.iter().for_each(|i| add(Kind::Service, i.doc, &i.name));
    r.slis.iter().for_each(|i| add(Kind::Sli, i.doc, &i.name));
    r.slos.iter().for_each(|i| add(Kind::Slo, i.doc, &i.name));
    r.alerts.iter().for_each(|i| add(Kind::Alert, i.doc, &i.name));
    r.concerns.iter().for_each(|i| add(Kind::Concern, i.doc, &i.name));
    r.chaos.iter().for_each(|i| add(Kind::ChaosPlan, i.doc, &i.name));
    out
}

fn flatten(v: &Value, path: String, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) if !m.is_empty() => m.iter().for_each(|(k, x)| flatten(x, format!("{path}.{k}"), out)),
        Value::Array(a) if !a.is_empty() && a.iter().any(|x| x.is_object()) => {
            a.iter().enumerate().for_each(|(i, x)| flatten(x, format!("{path}[{i}]"), out))
        }
        v => {
            out.insert(path.trim_start_matches('.').to_string(), v.clone());
        }
    }
}

fn field_changes(a: &Value, b: &Value) -> Vec<FieldChange> {
    let (mut fa, mut fb) = (BTreeMap::new(), BTreeMap::new());
    flatten(a, String::new(), &mut fa);
    flatten(b, String::new(), &mut fb);
    let mut keys: Vec<&String> = fa.keys().chain(fb.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| fa.get(*k) != fb.get(*k))
        .map(|k| FieldChange { path: k.clone(), before: fa.get(k).cloned(), after: fb.get(k).cloned() })
        .collect()
}

fn get<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "(none)".into(),
        Some(Value::String(s)) => code(s),
        Some(v) => code(&v.to_string()),
    }
}

use crate::emit::escape::{code_block, code_span as code, markdown as md};

/// Text inside an HTML element of the Markdown (a `<summary>`).
fn html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\n', " ")
}

/// Error budget per period, in words: 99.9% over 30d → "43m12s per 30d".
fn budget(objective: f64, window: &str) -> String {
    match duration::parse(window) {
        Some(p) if objective > 0.0 && objective < 100.0 => {
            format!("{} per {window}", duration::human((1.0 - objective / 100.0) * p as f64))
        }
        _ => "?".into(),
    }
}

fn slo_window(v: &Value, default: &str) -> String {
    get(v, "spec.window").and_then(Value::as_str).unwrap_or(default).to_string()
}

/// What reviewers should look at in a change of one document; `settings` are the base's and the
/// head's Project settings (windows and paging environments differ per side).
fn risks_of(kind: Kind, name: &str, before: Option<&Value>, after: Option<&Value>, settings: (&Settings, &Settings), out: &mut Vec<Risk>) {
    let mut risk = |m: String| out.push(Risk { kind: kind.as_str(), name: name.to_string(), message: m });
    match (kind, before, after) {
        (Kind::Slo, Some(b), Some(a)) => {
            let (ob, oa) = (get(b, "spec.objective").and_then(Value::as_f64), get(a, "spec.objective").and_then(Value::as_f64));
            let (wb, wa) = (slo_window(b, &settings.0.window), slo_window(a, &settings.1.window));
            if let (Some(ob), Some(oa)) = (ob, oa)
                && ob != oa
            {
                let dir = if oa < ob { "lowered" } else { "raised" };
                risk(format!(
                    "objective {dir} from {}% to {}%: the error budget goes from {} to {}",
                    num(ob),
                    num(oa),
                    budget(ob, &wb),
                    budget(oa, &wa)
                ));
            }
            if wb != wa {
                risk(format!("window changed from {} to {}", md(&wb), md(&wa)));
            }
            let al = |v: &Value, t: &str| {
                get(v, "spec.alerting").is_some() && get(v, &format!("spec.alerting.{t}.enabled")).and_then(Value::as_bool).unwrap_or(true)
            };
            if get(b, "spec.alerting").is_some() && get(a, "spec.alerting").is_none() {
                risk("alerting removed: this SLO no longer pages or opens tickets".into());
            } else if al(b, "page") && !al(a, "page") {
                risk("page alert disabled".into());
            }
            for f in ["spec.alerting.owner", "spec.alerting.runbook", "spec.sli", "spec.service"] {
                if get(b, f) != get(a, f) {
                    risk(format!("`{}` changed from {} to {}", f.trim_start_matches("spec."), show(get(b, f)), show(get(a, f))));
                }
            }
        }
        (Kind::Slo, Some(b), None) => risk(format!(
            "SLO removed: {}% is no longer measured or alerted on",
            get(b, "spec.objective").and_then(Value::as_f64).map(num).unwrap_or_default()
        )),
        (Kind::Alert, Some(_), None) => risk("alert removed".into()),
        (Kind::Alert, Some(b), Some(a)) => {
            for f in ["spec.owner", "spec.runbook", "spec.severity", "spec.expr"] {
                if get(b, f) != get(a, f) {
                    let what = if get(a, f).is_none() {
                        "removed".to_string()
                    } else {
                        format!("changed from {} to {}", show(get(b, f)), show(get(a, f)))
                    };
                    risk(format!("`{}` {what}", f.trim_start_matches("spec.")));
                }
            }
        }
        (Kind::Service, Some(b), Some(a)) => {
            for f in ["spec.owner", "spec.runbook", "spec.tier"] {
                if get(b, f) != get(a, f) {
                    risk(format!("`{}` changed from {} to {}", f.trim_start_matches("spec."), show(get(b, f)), show(get(a, f))));
                }
            }
        }
        (Kind::Service, Some(_), None) => risk("service removed, with everything it owned".into()),
        (Kind::Team, Some(b), Some(a)) if get(b, "spec.notify.page") != get(a, "spec.notify.page") => {
            risk("page receivers changed".into());
        }
        (Kind::Team, Some(_), None) => risk("team removed".into()),
        (Kind::Concern, Some(b), Some(a)) if get(b, "spec.status") != get(a, "spec.status") => {
            risk(format!("status changed from {} to {}", show(get(b, "spec.status")), show(get(a, "spec.status"))));
        }
        (Kind::ChaosPlan, b, Some(a)) => {
            let env = |v: &Value| get(v, "spec.environment").and_then(Value::as_str).map(str::to_string);
            let pages = |s: &Settings, v: Option<&Value>| v.and_then(env).is_some_and(|e| s.pages_in(&e));
            if pages(settings.1, Some(a)) && !pages(settings.0, b) {
                risk(format!(
                    "{} {}, where pages reach pagers{}",
                    if b.is_some() { "moved to" } else { "new chaos plan in" },
                    md(&env(a).unwrap_or_default()),
                    get(a, "spec.approved_by").and_then(Value::as_str).map(|p| format!(", approved by {}", md(p))).unwrap_or_default()
                ));
            }
        }
        (Kind::Project, Some(b), Some(a)) if get(b, "spec.window") != get(a, "spec.window") => {
            risk(format!("default SLO window changed from {} to {}", show(get(b, "spec.window")), show(get(a, "spec.window"))));
        }
        _ => {}
    }
}

fn finding_lines(side: &Side) -> Vec<String> {
    side.findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| {
            let file = side.loaded.files.get(f.file).map(|s| s.display.as_str()).unwrap_or("?");
            format!("{file}:{}:{}: {} {}", f.span.start.line, f.span.start.col, f.rule.code, f.message)
        })
        .collect()
}

pub fn compare(base: &Side, head: &Side) -> Report {
    let (b, h) = (docs(base), docs(head));
    let settings = |r: &Repo| Settings::of(r.project().map(|p| &p.spec));
    let (sb, sh) = (settings(&base.repo), settings(&head.repo));
    let mut changes = vec![];
    let mut risks = vec![];
    let mut removed: Vec<&(Kind, String)> = b.keys().filter(|k| !h.contains_key(*k)).collect();
    let mut added: Vec<&(Kind, String)> = h.keys().filter(|k| !b.contains_key(*k)).collect();
    // Renames: the same content under a new name, or the one removed and the one added of a kind in a file.
    let mut renames = vec![];
    for r in removed.clone() {
        let candidates: Vec<&(Kind, String)> = added.iter().copied().filter(|a| a.0 == r.0).collect();
        let same = candidates.iter().copied().find(|a| h[*a].value == b[r].value);
        let in_file: Vec<&(Kind, String)> = candidates.iter().copied().filter(|a| h[*a].file == b[r].file).collect();
        let removed_in_file = removed.iter().filter(|x| x.0 == r.0 && b[*x].file == b[r].file).count();
        let pick = same.or_else(|| (in_file.len() == 1 && removed_in_file == 1).then(|| in_file[0]));
        if let Some(a) = pick {
            renames.push((r, a));
            added.retain(|x| *x != a);
        }
    }
    removed.retain(|r| !renames.iter().any(|(x, _)| x == r));
    for (k, d) in h.iter() {
        if let Some(old) = b.get(k) {
            let fields = field_changes(&old.value, &d.value);
            if !fields.is_empty() {
                risks_of(k.0, &k.1, Some(&old.value), Some(&d.value), (&sb, &sh), &mut risks);
                changes.push(Change {
                    kind: k.0.as_str(),
                    name: k.1.clone(),
                    change: What::Changed,
                    from: None,
                    file: d.file.clone(),
                    fields,
                });
            }
        }
    }
    for (r, a) in &renames {
        let fields = field_changes(&b[*r].value, &h[*a].value);
        risks_of(a.0, &a.1, Some(&b[*r].value), Some(&h[*a].value), (&sb, &sh), &mut risks);
        risks.push(Risk {
            kind: a.0.as_str(),
            name: a.1.clone(),
            message: format!("renamed from `{}`: references to the old name and its generated rules and dashboards change", r.1),
        });
        changes.push(Change {
            kind: a.0.as_str(),
            name: a.1.clone(),
            change: What::Renamed,
            from: Some(r.1.clone()),
            file: h[*a].file.clone(),
            fields,
        });
    }
    for (list, what) in [(&added, What::Added), (&removed, What::Removed)] {
        for k in list.iter() {
            let (before, after, file) = match what {
                What::Added => (None, Some(&h[*k].value), h[*k].file.clone()),
                _ => (Some(&b[*k].value), None, b[*k].file.clone()),
            };
            risks_of(k.0, &k.1, before, after, (&sb, &sh), &mut risks);
            changes.push(Change { kind: k.0.as_str(), name: k.1.clone(), change: what.clone(), from: None, file, fields: vec![] });
        }
    }
    changes.sort_by(|x, y| (x.kind, &x.name).cmp(&(y.kind, &y.name)));
    let new_concerns: Vec<Value> = added
        .iter()
        .filter(|a| a.0 == Kind::Concern)
        .map(|a| {
            let mut v = h[*a].value.clone();
            v["name"] = Value::String(a.1.clone());
            v
        })
        .collect();
    let (base_errors, head_errors) = (finding_lines(base), finding_lines(head));
    let verdict = if !head_errors.is_empty() {
        format!("❌ head does not pass `rely check`: {} error{}", head_errors.len(), if head_errors.len() == 1 { "" } else { "s" })
    } else if changes.is_empty() {
        "✅ no reliability changes".into()
    } else if risks.is_empty() {
        format!("✅ {} change{}, none risky", changes.len(), if changes.len() == 1 { "" } else { "s" })
    } else {
        format!(
            "⚠️ {} change{} to review among {} changed document{}",
            risks.len(),
            if risks.len() == 1 { "" } else { "s" },
            changes.len(),
            if changes.len() == 1 { "" } else { "s" }
        )
    };
    Report {
        base: base.label.clone(),
        head: head.label.clone(),
        verdict,
        risks,
        changes,
        new_concerns,
        base_errors,
        head_errors,
        backtests: vec![],
    }
}

fn cell(v: &Option<Value>) -> String {
    match v {
        None => "—".into(),
        Some(Value::String(s)) => code(s).replace('|', "\\|"),
        Some(v) => code(&v.to_string()).replace('|', "\\|"),
    }
}

/// The Markdown for a pull-request comment, verdict first.
pub fn markdown(r: &Report) -> String {
    let mut o = format!("**rely diff: {}** (base {}, head {})\n\n", r.verdict, code(&r.base), r.head);
    let count = |w: What| r.changes.iter().filter(|c| c.change == w).count();
    o += &format!(
        "| added | changed | renamed | removed |\n|---|---|---|---|\n| {} | {} | {} | {} |\n\n",
        count(What::Added),
        count(What::Changed),
        count(What::Renamed),
        count(What::Removed)
    );
    if !r.head_errors.is_empty() {
        o += "### Errors in this change\n\n";
        o += &code_block(&r.head_errors.join("\n"), "", 0);
        o += "\n\n";
    }
    if !r.base_errors.is_empty() {
        o +=
            &format!("_The base has {} error(s) of its own; documents it could not read are compared as absent._\n\n", r.base_errors.len());
    }
    if !r.backtests.is_empty() {
        o += "### What the metrics say\n\nEach added or changed SLO backtested over its last window against Prometheus:\n\n";
        for b in &r.backtests {
            let before = |f: fn(&AlertCounts) -> usize| b.before.as_ref().map(|c| f(c).to_string()).unwrap_or_else(|| "(new)".into());
            o += &format!(
                "- **SLO {}**: would have paged {} → {} times and opened {} → {} tickets in {}\n",
                code(&b.slo),
                before(|c| c.page),
                b.after.page,
                before(|c| c.ticket),
                b.after.ticket,
                b.window
            );
        }
        o += "\n";
    }
    if !r.risks.is_empty() {
        o += "### Needs a reviewer's eye\n\n";
        for x in &r.risks {
            o += &format!("- **{} {}**: {}\n", x.kind, code(&x.name), x.message);
        }
        o += "\n";
    }
    for (title, what) in [("Added", What::Added), ("Renamed", What::Renamed), ("Removed", What::Removed)] {
        let list: Vec<&Change> = r.changes.iter().filter(|c| c.change == what).collect();
        if list.is_empty() {
            continue;
        }
        o += &format!("### {title}\n\n");
        for c in list {
            let from = c.from.as_ref().map(|f| format!(" (was {})", code(f))).unwrap_or_default();
            o += &format!("- {} {}{from} — {}\n", c.kind, code(&c.name), code(&c.file));
        }
        o += "\n";
    }
    let changed: Vec<&Change> =
        r.changes.iter().filter(|c| matches!(c.change, What::Changed | What::Renamed) && !c.fields.is_empty()).collect();
    if !changed.is_empty() {
        o += "### Changed\n\n";
        for c in changed {
            o += &format!(
                "<details><summary>{} <code>{}</code>: {} field(s)</summary>\n\n| field | before | after |\n|---|---|---|\n",
                c.kind,
                html(&c.name),
                c.fields.len()
            );
            for f in &c.fields {
                o += &format!("| {} | {} | {} |\n", code(&f.path).replace('|', "\\|"), cell(&f.before), cell(&f.after));
            }
            o += "\n</details>\n\n";
        }
    }
    for c in &r.new_concerns {
        let s = |p: &str| md(get(c, p).and_then(Value::as_str).unwrap_or("—").trim());
        let name = code(get(c, "name").and_then(Value::as_str).unwrap_or("—"));
        o += &format!("### New concern for the council: {name} — {}\n\n", s("spec.title"));
        o += &format!("Raised by **{}**, status **{}**.\n\n", s("spec.raised_by"), s("spec.status"));
        o += &format!(
            "| question | answer |\n|---|---|\n| Why is this SRE? | {} |\n| Why is it important? | {} |\n| What is involved? | {} |\n\n",
            s("spec.criteria.why_sre"),
            s("spec.criteria.why_important"),
            s("spec.criteria.what_involved")
        );
        if get(c, "spec.assessment").is_some() {
            let blockers = get(c, "spec.assessment.blockers")
                .and_then(Value::as_array)
                .map(|b| b.iter().filter_map(Value::as_str).map(md).collect::<Vec<_>>().join(", "))
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "none".into());
            o += &format!(
                "Assessment: value **{}**, effort **{}**, blockers: {blockers}.\n\n",
                s("spec.assessment.value"),
                s("spec.assessment.effort")
            );
        } else {
            o += "Not assessed yet: the council votes on value, effort and blockers.\n\n";
        }
    }
    o
}
