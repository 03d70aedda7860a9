//! Generation (GEN): problems that only show in what `rely build` would write, caught by
//! `rely check` first.

use std::collections::HashMap;

use super::Ctx;
use crate::diag::codes;
use crate::model::names;

pub fn check(ctx: &mut Ctx) {
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
