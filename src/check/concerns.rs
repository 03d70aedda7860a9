//! Concerns (CON): each answers the council's three questions with real text, is assessed
//! once accepted, has results once addressed, and is observable by an SLO or alert.

use super::{Ctx, is_real_text};
use crate::diag::codes;
use crate::spec::ConcernStatus;

pub(super) fn check(ctx: &mut Ctx<'_>) {
    for c in &ctx.repo.concerns {
        let crit = c.spec.criteria.clone().unwrap_or_default();
        for (field, question, answer) in [
            ("why_sre", "why is this SRE work?", &crit.why_sre),
            ("why_important", "why is it important?", &crit.why_important),
            ("what_involved", "what is involved?", &crit.what_involved),
        ] {
            if !is_real_text(answer.as_deref()) {
                let ptr = if c.spec.criteria.is_some() { format!("/spec/criteria/{field}") } else { "/spec".into() };
                let msg = match answer {
                    Some(a) if !a.trim().is_empty() => {
                        format!("concern `{}` does not answer `{field}` ({question}): `{}` is a placeholder", c.name, a.trim())
                    }
                    _ => format!("concern `{}` does not answer `{field}` ({question})", c.name),
                };
                ctx.report(codes::CON001, c.doc, &ptr, msg).help =
                    Some("the council weighs concerns by these answers; write one or two real sentences".into());
            }
        }
        let status = c.spec.status;
        if matches!(status, ConcernStatus::Accepted | ConcernStatus::InProgress | ConcernStatus::Addressed) && c.spec.assessment.is_none() {
            ctx.report(
                codes::CON002,
                c.doc,
                "/spec/status",
                format!("concern `{}` is {} but has no assessment", c.name, status.as_str()),
            )
            .help = Some("add `assessment: {value, effort, blockers}` so the backlog can rank it".into());
        }
        if status == ConcernStatus::Addressed && c.spec.results.is_none() {
            ctx.report(codes::CON003, c.doc, "/spec/status", format!("concern `{}` is addressed but has no results", c.name)).help =
                Some("add `results: {before, after}` with the evidence that the risk went down".into());
        }
        if matches!(status, ConcernStatus::Accepted | ConcernStatus::InProgress) && c.spec.observed_by.is_empty() {
            ctx.report(
                codes::CON004,
                c.doc,
                "/spec/status",
                format!("concern `{}` is {} but nothing observes it", c.name, status.as_str()),
            )
            .help = Some("name the SLOs or alerts that will show whether the risk is real in `observed_by`".into());
        }
    }
}
