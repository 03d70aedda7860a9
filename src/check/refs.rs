//! References between documents (REF): every name a document mentions must exist, names are
//! unique per kind, at most one Project, and service dependencies have no cycles.

use std::collections::{BTreeMap, HashMap};

use super::Ctx;
use crate::diag::{closest, codes};
use crate::spec::Kind;

/// Codes in the Project's `spec.lint` must exist: a misspelt code would silently change nothing.
fn lint_codes(ctx: &mut Ctx<'_>) {
    let Some(p) = ctx.repo.project() else { return };
    for code in p.spec.lint.keys() {
        if codes::lookup(code).is_none() {
            let ptr = format!("/spec/lint/{}", crate::syntax::yaml::escape_pointer(code));
            let (file, _) = ctx.at(p.doc, &ptr);
            let at = ctx.docs[p.doc].yaml.index.locate_key(&ptr);
            let guess = closest(code, codes::ALL.iter().map(|r| r.code));
            ctx.findings.push(
                crate::diag::Finding::new(codes::SCH004, file, at, format!("unknown diagnostic code `{code}` in `lint`")).help(
                    match guess {
                        Some(g) => format!("did you mean `{g}`?"),
                        None => "`rely rules` lists every code".into(),
                    },
                ),
            );
        }
    }
}

/// Reports `name` at `pointer` of `doc` when no document of `kind` has it.
pub(super) fn expect(ctx: &mut Ctx<'_>, kind: Kind, name: &str, doc: usize, pointer: &str) -> bool {
    if ctx.repo.has(kind, name) {
        return true;
    }
    let names = ctx.repo.names(kind);
    let guess = closest(name, names.iter().copied()).map(str::to_string);
    let f = ctx.report(codes::REF001, doc, pointer, format!("unknown {} `{name}`", kind.word()));
    f.help = Some(match guess {
        Some(g) => format!("did you mean `{g}`?"),
        None if names.is_empty() => format!("there is no {} document; add one (see `rely new {}`)", kind.as_str(), kind.slug()),
        None => format!("known {}s: {}", kind.word(), names.iter().take(8).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")),
    });
    false
}

pub(super) fn check(ctx: &mut Ctx<'_>) {
    duplicates(ctx);
    let repo = ctx.repo;
    if repo.projects.len() > 1 {
        for p in &repo.projects[1..] {
            let first = ctx.where_(repo.projects[0].doc, "/metadata/name");
            ctx.report(codes::REF003, p.doc, "/metadata/name", format!("a second Project `{}`", p.name)).help =
                Some(format!("keep one Project document; the first is at {first}"));
        }
    }
    if let Some(p) = repo.project()
        && let Some(c) = &p.spec.council
    {
        expect(ctx, Kind::Team, c, p.doc, "/spec/council");
    }
    lint_codes(ctx);
    for s in &repo.services {
        expect(ctx, Kind::Team, &s.spec.owner, s.doc, "/spec/owner");
        for (i, d) in s.spec.dependencies.iter().enumerate() {
            expect(ctx, Kind::Service, d, s.doc, &format!("/spec/dependencies/{i}"));
        }
    }
    for s in &repo.slis {
        expect(ctx, Kind::Service, &s.spec.service, s.doc, "/spec/service");
    }
    for s in &repo.slos {
        expect(ctx, Kind::Service, &s.spec.service, s.doc, "/spec/service");
        if let Some(sli) = &s.spec.sli
            && expect(ctx, Kind::Sli, sli, s.doc, "/spec/sli")
            && let Some(target) = repo.sli(sli)
            && target.spec.service != s.spec.service
        {
            ctx.report(
                codes::REF001,
                s.doc,
                "/spec/sli",
                format!("SLI `{sli}` belongs to service `{}`, not `{}`", target.spec.service, s.spec.service),
            )
            .help = Some("an SLO targets an SLI of its own service".into());
        }
        if let Some(owner) = s.spec.alerting.as_ref().and_then(|a| a.owner.as_ref()) {
            expect(ctx, Kind::Team, owner, s.doc, "/spec/alerting/owner");
        }
        for (i, c) in s.spec.concerns.iter().enumerate() {
            expect(ctx, Kind::Concern, c, s.doc, &format!("/spec/concerns/{i}"));
        }
    }
    for a in &repo.alerts {
        expect(ctx, Kind::Service, &a.spec.service, a.doc, "/spec/service");
        if let Some(o) = &a.spec.owner {
            expect(ctx, Kind::Team, o, a.doc, "/spec/owner");
        }
    }
    for c in &repo.concerns {
        expect(ctx, Kind::Team, &c.spec.raised_by, c.doc, "/spec/raised_by");
        for (i, o) in c.spec.observed_by.iter().enumerate() {
            let known = repo.has(Kind::Slo, o) || repo.has(Kind::Alert, o);
            if !known {
                let mut names = repo.names(Kind::Slo);
                names.extend(repo.names(Kind::Alert));
                let guess = closest(o, names).map(|g| format!("did you mean `{g}`?"));
                ctx.report(codes::REF001, c.doc, &format!("/spec/observed_by/{i}"), format!("unknown SLO or alert `{o}`")).help =
                    Some(guess.unwrap_or_else(|| "observed_by names SLO or Alert documents".into()));
            }
        }
    }
    for plan in &repo.chaos {
        for (i, e) in plan.spec.experiments.iter().enumerate() {
            let base = format!("/spec/experiments/{i}");
            expect(ctx, Kind::Team, &e.team, plan.doc, &format!("{base}/team"));
            if let Some(ss) = &e.steady_state {
                for (j, s) in ss.slos.iter().enumerate() {
                    expect(ctx, Kind::Slo, s, plan.doc, &format!("{base}/steady_state/slos/{j}"));
                }
            }
            if let Some(x) = &e.expect {
                for (j, s) in x.quiet.iter().enumerate() {
                    expect(ctx, Kind::Slo, s, plan.doc, &format!("{base}/expect/quiet/{j}"));
                }
            }
            if let Some(f) = &e.fault {
                expect(ctx, Kind::Slo, &f.slo, plan.doc, &format!("{base}/fault/slo"));
            }
            if let Some(r) = &e.results {
                for (j, c) in r.followups.iter().enumerate() {
                    expect(ctx, Kind::Concern, c, plan.doc, &format!("{base}/results/followups/{j}"));
                }
                for (j, a) in r.fired.iter().enumerate() {
                    if !repo.has(Kind::Alert, a) && !repo.has(Kind::Slo, a) {
                        let mut names = repo.names(Kind::Alert);
                        names.extend(repo.names(Kind::Slo));
                        let help = closest(a, names)
                            .map(|g| format!("did you mean `{g}`?"))
                            .unwrap_or_else(|| "name an Alert document or an SLO".into());
                        ctx.report(codes::REF001, plan.doc, &format!("{base}/results/fired/{j}"), format!("unknown alert `{a}`")).help =
                            Some(help);
                    }
                }
            }
        }
    }
    cycles(ctx);
}

fn duplicates(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    let groups: [(Kind, Vec<(usize, &str)>); 8] = [
        (Kind::Project, repo.projects.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::Team, repo.teams.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::Service, repo.services.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::Sli, repo.slis.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::Slo, repo.slos.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::Alert, repo.alerts.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::Concern, repo.concerns.iter().map(|i| (i.doc, i.name.as_str())).collect()),
        (Kind::ChaosPlan, repo.chaos.iter().map(|i| (i.doc, i.name.as_str())).collect()),
    ];
    for (kind, items) in groups {
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (doc, name) in items {
            match first.get(name) {
                None => {
                    first.insert(name, doc);
                }
                Some(&d0) => {
                    let first = ctx.where_(d0, "/metadata/name");
                    let msg = format!("{} `{name}` is defined twice", kind.as_str());
                    ctx.report(codes::REF002, doc, "/metadata/name", msg).help =
                        Some(format!("the first definition is at {first}; rename or remove one of them"));
                }
            }
        }
    }
}

fn cycles(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    let graph: BTreeMap<&str, Vec<&str>> =
        repo.services.iter().map(|s| (s.name.as_str(), s.spec.dependencies.iter().map(String::as_str).collect())).collect();
    // 0 = unvisited, 1 = on the stack, 2 = done
    let mut state: HashMap<&str, u8> = HashMap::new();
    let mut reported = false;
    for start in graph.keys() {
        if reported {
            break;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut path: Vec<&str> = vec![];
        while let Some((node, i)) = stack.pop() {
            if i == 0 {
                if state.get(node).copied().unwrap_or(0) == 2 {
                    continue;
                }
                state.insert(node, 1);
                path.push(node);
            }
            let deps = graph.get(node).map(Vec::as_slice).unwrap_or(&[]);
            if let Some(&next) = deps.get(i) {
                stack.push((node, i + 1));
                match state.get(next).copied().unwrap_or(0) {
                    0 if graph.contains_key(next) => stack.push((next, 0)),
                    1 => {
                        let from = path.iter().position(|p| *p == next).unwrap_or(0);
                        let mut cycle: Vec<&str> = path[from..].to_vec();
                        cycle.push(next);
                        let svc = repo.service(node).expect("node is a service");
                        let dep_idx = svc.spec.dependencies.iter().position(|d| d == next).unwrap_or(0);
                        ctx.report(
                            codes::REF004,
                            svc.doc,
                            &format!("/spec/dependencies/{dep_idx}"),
                            format!("dependency cycle: {}", cycle.join(" → ")),
                        )
                        .help = Some("remove one of these dependencies, or split the shared part into its own service".into());
                        reported = true;
                    }
                    _ => {}
                }
            } else {
                state.insert(node, 2);
                path.pop();
            }
            if reported {
                break;
            }
        }
    }
}
