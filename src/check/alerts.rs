//! Alerts (ALR): every alert has an owner and a runbook that resolves, and hand-written
//! expressions are valid PromQL.

use std::path::{Component, Path};

use super::Ctx;
use crate::diag::codes;
use crate::promql;

/// Checks one runbook reference where it is written.
fn runbook(ctx: &mut Ctx<'_>, doc: usize, pointer: &str, value: &str) {
    let v = value.trim();
    if v.starts_with("https://") {
        if v.len() <= "https://".len() {
            ctx.report(codes::ALR004, doc, pointer, "runbook URL has no host");
        }
        return;
    }
    if v.contains("://") || v.starts_with("mailto:") {
        ctx.report(codes::ALR004, doc, pointer, format!("runbook `{v}` is not an https URL")).help =
            Some("use an https:// link, or a path relative to the repository root".into());
        return;
    }
    let p = Path::new(v);
    if p.is_absolute() || p.components().any(|c| matches!(c, Component::ParentDir)) || v.is_empty() {
        ctx.report(codes::ALR004, doc, pointer, format!("runbook `{v}` is not a path inside the repository")).help =
            Some("give a path relative to the repository root, without `..`".into());
        return;
    }
    if !ctx.path_exists(p) {
        let root = crate::source::display_path(ctx.root);
        let root = if root.is_empty() { ".".to_string() } else { root };
        ctx.report(codes::ALR003, doc, pointer, format!("runbook `{v}` does not exist")).help =
            Some(format!("paths are relative to the repository root ({root}); create the file or fix the path"));
    }
}

/// The labels rely sets on every alert.
const ALERT_LABELS: [&str; 3] = ["team", "severity", "service"];
/// The annotations rely derives from `runbook:` and the service's dashboard; the link a
/// responder follows must be the one `rely check` checked.
const LINK_ANNOTATIONS: [&str; 2] = ["runbook_url", "dashboard_url"];

/// Label names must be Prometheus label names; the ones rely sets itself are overridden.
fn labels<'a>(ctx: &mut Ctx<'_>, doc: usize, base: &str, keys: impl Iterator<Item = &'a String>, reserved: &[&str]) {
    names(ctx, doc, base, keys, reserved, "label");
}

/// Label or annotation names (`what`): Prometheus label names, none that rely sets itself.
fn names<'a>(ctx: &mut Ctx<'_>, doc: usize, base: &str, keys: impl Iterator<Item = &'a String>, reserved: &[&str], what: &str) {
    for k in keys {
        // Positions are read only for a finding (see `syntax::Positions`).
        let at = |ctx: &Ctx<'_>| {
            let ptr = format!("{base}/{}", crate::syntax::yaml::escape_pointer(k));
            (ctx.docs[doc].file, ctx.docs[doc].yaml.index.locate_key(&ptr))
        };
        if !promql::is_label_name(k) || k.starts_with("__") {
            let (file, span) = at(ctx);
            ctx.findings.push(
                crate::diag::Finding::new(codes::SCH004, file, span, format!("`{k}` is not a Prometheus {what} name"))
                    .help(format!("{what} names are letters, digits and underscores, not starting with a digit or `__`")),
            );
        } else if what == "annotation" && reserved.contains(&k.as_str()) {
            let (file, span) = at(ctx);
            ctx.findings.push(
                crate::diag::Finding::new(codes::ALR006, file, span, format!("annotation `{k}` is set by rely and overrides this value"))
                    .help("remove it; rely links the runbook of `runbook:` (checked) and the service's dashboard"),
            );
        } else if what == "label" && (reserved.contains(&k.as_str()) || k.starts_with("rely_") || k.starts_with("sloth_")) {
            let (file, span) = at(ctx);
            ctx.findings.push(
                crate::diag::Finding::new(codes::ALR006, file, span, format!("label `{k}` is set by rely and overrides this value"))
                    .help("remove it; rely derives it from the document (owner, severity, service)"),
            );
        }
    }
}

pub(super) fn check(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    if let Some(p) = repo.project() {
        let keys: Vec<String> = p.spec.prometheus.as_ref().map(|x| x.labels.keys().cloned().collect()).unwrap_or_default();
        labels(ctx, p.doc, "/spec/prometheus/labels", keys.iter(), &ALERT_LABELS);
    }
    for s in &repo.services {
        if let Some(r) = &s.spec.runbook {
            runbook(ctx, s.doc, "/spec/runbook", r);
        }
    }
    for a in &repo.alerts {
        if a.spec.owner.is_none() {
            ctx.report(codes::ALR001, a.doc, "/spec", format!("alert `{}` has no owner", a.name)).help =
                Some("add `owner: <team>`: the team best placed to act on it".into());
        }
        match &a.spec.runbook {
            Some(r) => runbook(ctx, a.doc, "/spec/runbook", r),
            None if repo.alert_runbook(&a.spec).is_none() => {
                ctx.report(codes::ALR002, a.doc, "/spec", format!("alert `{}` has no runbook", a.name)).help =
                    Some(format!("add `runbook:` here or on service `{}`", a.spec.service));
            }
            None => {}
        }
        labels(ctx, a.doc, "/spec/labels", a.spec.labels.keys(), &ALERT_LABELS);
        // Through `facts`: alerts that differ only in label values share one parse.
        if let Err(e) = &promql::vector_of(&a.spec.expr) {
            ctx.report(codes::ALR005, a.doc, "/spec/expr", format!("invalid PromQL: {e}")).help =
                Some("the expression must parse as PromQL (Prometheus 2.x syntax)".into());
        }
    }
    for s in &repo.slos {
        labels(ctx, s.doc, "/spec/labels", s.spec.labels.keys(), &ALERT_LABELS);
        let Some(alerting) = &s.spec.alerting else { continue };
        labels(ctx, s.doc, "/spec/alerting/labels", alerting.labels.keys(), &ALERT_LABELS);
        names(ctx, s.doc, "/spec/alerting/annotations", alerting.annotations.keys(), &LINK_ANNOTATIONS, "annotation");
        for (tier, t) in [("page", &alerting.page), ("ticket", &alerting.ticket)] {
            let Some(t) = t else { continue };
            labels(ctx, s.doc, &format!("/spec/alerting/{tier}/labels"), t.labels.keys(), &ALERT_LABELS);
            names(ctx, s.doc, &format!("/spec/alerting/{tier}/annotations"), t.annotations.keys(), &LINK_ANNOTATIONS, "annotation");
        }
        if let Some(r) = &alerting.runbook {
            runbook(ctx, s.doc, "/spec/alerting/runbook", r);
        }
        if !(alerting.page_enabled() || alerting.ticket_enabled()) {
            continue;
        }
        if repo.slo_owner(&s.spec).is_none() && repo.service(&s.spec.service).is_some() {
            ctx.report(codes::ALR001, s.doc, "/spec/alerting", format!("SLO `{}` alerts but has no owner", s.name));
        }
        if repo.slo_runbook(&s.spec).is_none() && repo.service(&s.spec.service).is_some() {
            ctx.report(codes::ALR002, s.doc, "/spec/alerting", format!("SLO `{}` alerts but has no runbook", s.name)).help =
                Some(format!("add `alerting.runbook`, or a `runbook` on service `{}`", s.spec.service));
        }
    }
}
