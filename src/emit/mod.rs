//! Back ends are pure: each turns the model into files (`OutputFile`), and only `write` touches
//! the disk. Writing is atomic per build: everything goes to a temporary directory next to the
//! output, which then replaces it, so a failure never leaves a half-written tree and outputs
//! whose source was deleted disappear.

pub mod alertmanager;
pub(crate) mod chaos;
pub(crate) mod codeowners;
pub(crate) mod council;
pub mod escape;
pub(crate) mod grafana;
pub mod json;
pub(crate) mod oncall;
pub(crate) mod output;
pub(crate) mod prometheus;
pub(crate) mod promtest;
pub(crate) mod sink;
pub mod synth;
pub(crate) mod templates;
pub mod yaml;

use anyhow::Result;

use crate::model::Model;
pub use output::{DirSink, replace_dir, write};
pub use sink::{Collect, Drift, DriftSink, Sink, drift};
pub use templates::{TemplateError, Templates};

/// One generated file: a path relative to the output directory, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: String,
    pub contents: String,
}

/// Every output of every back end, handed to `sink` as soon as it is made, so that a build never
/// holds all of its outputs at once (at 10,000 SLOs they are hundreds of megabytes). Templates
/// render alongside the other back ends: when one fails, its errors are returned, the others
/// stop at the next service, and what was handed to `sink` is not an output (every caller
/// drops it: a build removes its temporary directory, a comparison stops, `emit_all`'s caller
/// reports the errors instead of the files). Back ends the Project turns off (`spec.outputs`)
/// are not run.
pub fn emit_to(model: &Model, templates: &Templates, sink: &dyn Sink) -> Result<Vec<TemplateError>> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    let on = model.settings.outputs;
    let stop = AtomicBool::new(false);
    // The templated files, then those made from the whole model, alongside the per-service ones.
    let shared = || -> Result<Vec<TemplateError>> {
        let t = std::time::Instant::now();
        let (oncall, mut errors) = if on.oncall { oncall::emit(model, templates) } else { Default::default() };
        let (mut chaos, chaos_errors) = if on.chaos { chaos::emit(model, templates) } else { Default::default() };
        // A chaos day's promtool tests read the SLO rules: without those rules they are not made.
        chaos.retain(|f| on.prometheus || !f.path.starts_with("prometheus/"));
        errors.extend(chaos_errors);
        if !errors.is_empty() {
            stop.store(true, Ordering::Relaxed);
            return Ok(errors);
        }
        crate::phase("emit templated files", t);
        let t = std::time::Instant::now();
        let mut files: Vec<OutputFile> = oncall.into_iter().chain(chaos).collect();
        if on.alertmanager {
            files.extend(alertmanager::emit(model));
        }
        if on.grafana {
            files.extend(grafana::shared(model));
        }
        if on.council {
            files.push(OutputFile { path: crate::model::names::BACKLOG_FILE.into(), contents: council::backlog(model) });
        }
        if !model.file_owners.is_empty() {
            files.push(OutputFile { path: crate::model::names::CODEOWNERS_FILE.into(), contents: codeowners::codeowners(model) });
        }
        for f in files {
            sink.put(f)?;
        }
        crate::phase("emit shared files", t);
        Ok(vec![])
    };
    // Per service, in parallel: rules, their tests and the dashboard, each passed on when made.
    let per_service = || -> Result<()> {
        let t = std::time::Instant::now();
        let untested: Vec<Vec<String>> = model
            .services
            .par_iter()
            .map(|svc| -> Result<Vec<String>> {
                if stop.load(Ordering::Relaxed) {
                    return Ok(vec![]);
                }
                // What the SLOs' alerts say, for their rules and their tests.
                let texts = on.prometheus.then(|| prometheus::AlertTexts::of_service(model, svc));
                // The rules, the tests and the dashboard side by side: one service of thousands
                // of SLOs is otherwise one thread's work.
                let rules = || -> Result<()> {
                    if let Some(f) = texts.as_ref().and_then(|texts| prometheus::service_file(model, svc, texts)) {
                        sink.put(f)?;
                    }
                    Ok(())
                };
                let tests = || -> Result<Vec<String>> {
                    let Some(texts) = &texts else { return Ok(vec![]) };
                    let (tests, untested) = promtest::service_tests(model, svc, texts);
                    if let Some(f) = tests {
                        sink.put(f)?;
                    }
                    Ok(untested)
                };
                let dashboard = || -> Result<()> {
                    if on.grafana
                        && let Some(f) = grafana::service_file(model, svc)
                    {
                        sink.put(f)?;
                    }
                    Ok(())
                };
                let (r, (untested, d)) = rayon::join(rules, || rayon::join(tests, dashboard));
                r?;
                d?;
                untested
            })
            .collect::<Result<_>>()?;
        if on.prometheus
            && let Some(f) = promtest::untested_file(&untested.concat())
        {
            sink.put(f)?;
        }
        crate::phase("emit per-service files", t);
        Ok(())
    };
    let (a, b) = rayon::join(shared, per_service);
    let errors = a?;
    if !errors.is_empty() {
        return Ok(errors);
    }
    b?;
    Ok(vec![])
}

/// Every output of every back end, sorted by path, and the templates that failed to render.
pub fn emit_all(model: &Model, templates: &Templates) -> (Vec<OutputFile>, Vec<TemplateError>) {
    let sink = Collect::default();
    let errors = emit_to(model, templates, &sink).expect("collecting in memory does not fail");
    (sink.into_sorted(), errors)
}

/// The header every generated YAML file starts with.
pub fn yaml_header(sources: &[String]) -> String {
    let mut h = String::from("# Generated by rely from the files below; do not edit. Change them and run `rely build`.\n");
    for s in sources {
        h += &format!("#   {}\n", escape::comment(s));
    }
    h
}
