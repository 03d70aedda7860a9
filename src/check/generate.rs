//! Generation (GEN): problems that only show in what `rely build` would write, caught by
//! `rely check` first.

use std::collections::HashMap;

use super::Ctx;
use crate::diag::codes;
use crate::model::names;

/// Secret keys of the AlertmanagerConfig objects (GEN008): per team, a file name is one key.
fn secret_keys(ctx: &mut Ctx<'_>) {
    let settings = ctx.settings;
    if !settings.outputs.alertmanager || settings.alertmanager_format != crate::spec::AlertmanagerFormat::PrometheusOperator {
        return;
    }
    let repo = ctx.repo;
    for t in &repo.teams {
        let Some(n) = &t.spec.notify else { continue };
        let mut keys: HashMap<&str, (&str, String)> = HashMap::new();
        for (sev, list) in [("page", &n.page), ("ticket", &n.ticket), ("info", &n.info)] {
            for (i, r) in list.iter().enumerate() {
                for (at, path) in r.secret_files() {
                    let ptr = format!("/spec/notify/{sev}/{i}/{at}");
                    let key = crate::emit::alertmanager::secret_key(path);
                    if key.is_empty() || !key.chars().all(crate::emit::alertmanager::is_secret_key_char) {
                        ctx.report(codes::GEN008, t.doc, &ptr, format!("`{key}` (the file name of `{path}`) cannot be a Secret key")).help =
                            Some("name the file with letters, digits, `-`, `_` and `.` only: the Secret `rely-<team>` holds it under its file name".into());
                        continue;
                    }
                    match keys.get(key) {
                        Some((other, other_ptr)) if *other != path => {
                            // Positions are read only for a finding (see `syntax::Positions`).
                            let at_other = ctx.where_(t.doc, other_ptr);
                            let msg = format!("`{path}` and `{other}` are both the key `{key}` of the Secret `rely-{}`", t.name);
                            ctx.report(codes::GEN008, t.doc, &ptr, msg).help =
                                Some(format!("give the files different names (the other is at {at_other})"));
                        }
                        Some(_) => {}
                        None => {
                            keys.insert(key, (path, ptr));
                        }
                    }
                }
            }
        }
    }
}

pub(super) fn check(ctx: &mut Ctx<'_>) {
    secret_keys(ctx);
    let mut seen: HashMap<String, usize> = HashMap::new();
    seen.insert("rely-overview".into(), usize::MAX);
    let mut names_seen = std::collections::HashSet::new();
    for s in &ctx.repo.services {
        if !names_seen.insert(s.name.as_str()) {
            continue; // a duplicate service name is REF002 already
        }
        let (uid, ptr) = match &s.spec.dashboard_uid {
            Some(u) => (u.clone(), "/spec/dashboard_uid"),
            None => (names::dashboard_uid(&s.name), "/metadata/name"),
        };
        match seen.get(&uid) {
            None => {
                seen.insert(uid, s.doc);
            }
            Some(&first) => {
                let other = if first == usize::MAX { "the overview dashboard".to_string() } else { ctx.where_(first, "/metadata/name") };
                ctx.report(
                    codes::GEN001,
                    s.doc,
                    ptr,
                    format!("dashboard uid `{uid}` of service `{}` is already used by {other}", s.name),
                )
                .help = Some("set a distinct `dashboard_uid` on one of the services".into());
            }
        }
    }
}

/// Output paths that two sources would write (GEN003): a service named `overview` and the
/// overview dashboard, a service `chaos-x` and plan `x`'s detection tests, two experiments of a
/// plan with one name, an environment listed twice. The second source is reported, naming the
/// first; nothing is ever written twice.
pub(super) fn output_paths(ctx: &mut Ctx<'_>) {
    // path → the first claim: (document, pointer), or `None` for rely's own fixed outputs.
    let mut seen: HashMap<String, Option<(usize, String)>> = HashMap::new();
    let mut fixed_what: HashMap<&str, &str> = HashMap::new();
    for (path, what) in names::FIXED_OUTPUTS {
        seen.insert(path.to_string(), None);
        fixed_what.insert(path, what);
    }
    let mut claims: Vec<(String, usize, String, String)> = vec![];
    let mut unique = std::collections::HashSet::new();
    for s in &ctx.repo.services {
        if unique.insert(("service", s.name.as_str())) {
            let n = &s.name;
            claims.push((names::rules_test_file(n), s.doc, "/metadata/name".into(), format!("service `{n}`")));
            claims.push((names::dashboard_file(n), s.doc, "/metadata/name".into(), format!("service `{n}`")));
        }
    }
    for t in &ctx.repo.teams {
        if unique.insert(("team", t.name.as_str())) {
            claims.push((names::oncall_file(&t.name), t.doc, "/metadata/name".into(), format!("team `{}`", t.name)));
        }
    }
    for p in &ctx.repo.chaos {
        if !unique.insert(("chaos", p.name.as_str())) {
            continue;
        }
        let what = format!("chaos plan `{}`", p.name);
        claims.push((names::chaos_readme_file(&p.name), p.doc, "/metadata/name".into(), what.clone()));
        claims.push((names::chaos_tests_file(&p.name), p.doc, "/metadata/name".into(), what.clone()));
        for (i, e) in p.spec.experiments.iter().enumerate() {
            claims.push((
                names::chaos_experiment_file(&p.name, &e.name),
                p.doc,
                format!("/spec/experiments/{i}/name"),
                format!("experiment `{}` of {what}", e.name),
            ));
        }
    }
    if let Some(p) = ctx.repo.projects.first() {
        for (i, env) in p.spec.environments.iter().flatten().enumerate() {
            claims.push((names::alertmanager_file(env), p.doc, format!("/spec/environments/{i}"), format!("environment `{env}`")));
        }
    }
    for (path, doc, ptr, what) in claims {
        match seen.get(&path) {
            None => {
                seen.insert(path, Some((doc, ptr)));
            }
            Some(first) => {
                let other = match first {
                    None => fixed_what.get(path.as_str()).map(|w| format!("rely's {}", w.trim_start_matches("the "))).unwrap_or_default(),
                    Some((d, p)) => ctx.where_(*d, p),
                };
                ctx.report(codes::GEN003, doc, &ptr, format!("{what} would write `{path}`, which {other} writes too")).help =
                    Some("rename one of them: rely writes every output path once".into());
            }
        }
    }
}
