//! What a new repository gets wrong first: `<placeholders>` left from `rely new` or `rely init`
//! (they would reach pagers, Alertmanager and chaos commands as text), malformed email
//! addresses, and Project defaults that break silently in production (relative runbook and
//! dashboard links, alerts dropped by the root receiver, mail through localhost, CODEOWNERS
//! handles GitHub reads as users). The default warnings are reported at the Project, where the
//! setting goes; a repository without a Project gets them from `rely init`'s commented one.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

use super::Ctx;
use crate::diag::codes;
use crate::syntax::yaml::escape_pointer;

/// `<full name>`, `<https:// URL of the runbook>`, `<team>`: what skeletons ask to be replaced.
fn placeholder() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"<([A-Za-z][A-Za-z0-9 ,.:;/'?()_+-]{1,100})>").expect("static"))
}

/// HTML a description may legitimately hold; everything else in angle brackets is a placeholder.
const HTML_TAGS: &[&str] =
    &["br", "em", "code", "strong", "pre", "kbd", "sup", "sub", "del", "ins", "details", "summary", "ul", "ol", "li"];

/// What `rely new` and `rely init` write between angle brackets in queries and names.
const SKELETON: &[&str] = &["service", "team", "name", "path", "placeholder", "experiment-name", "base", "reliability"];

/// The first placeholder in `s`, if any. An alternative of a regular-expression matcher's value
/// (`status_code=~"5..|<error>"`, the status Prometheus's Kubernetes discovery records) is not
/// one, unless it is what a skeleton writes.
pub(crate) fn find_placeholder(s: &str) -> Option<&str> {
    let in_alternation = |m: &regex::Match<'_>| {
        let before = &s[..m.start()];
        let next_to_bar = before.ends_with('|') || s[m.end()..].starts_with('|');
        // Inside the quoted value of `=~` or `!~`: the last quote before it opens that value.
        let in_regex = before.rfind('"').is_some_and(|q| {
            let head = before[..q].trim_end();
            head.ends_with("=~") || head.ends_with("!~")
        });
        next_to_bar && in_regex && !SKELETON.contains(&m.as_str().trim_matches(['<', '>']))
    };
    placeholder()
        .captures_iter(s)
        .filter(|c| !HTML_TAGS.contains(&c[1].trim().to_ascii_lowercase().as_str()))
        .map(|c| c.get(0).expect("whole match"))
        .find(|m| !in_alternation(m))
        .map(|m| m.as_str())
}

/// An email address, or Alertmanager's comma-separated list of them.
pub(crate) fn is_email_list(s: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^[^@\s<>,]+@[^@\s<>,.]+(\.[^@\s<>,.]+)+$").expect("static"));
    !s.trim().is_empty() && s.split(',').all(|a| re.is_match(a.trim()))
}

pub(crate) fn check(ctx: &mut Ctx<'_>) {
    placeholders(ctx);
    emails(ctx);
    defaults(ctx);
    codeowners(ctx);
}

/// The placeholders in `v`'s strings: each one's JSON pointer and the placeholder.
pub(super) fn placeholders_in(v: &Value) -> Vec<(String, String)> {
    /// Walks every string; the JSON pointer is built only for a string holding a placeholder.
    fn walk<'v>(v: &'v Value, path: &mut Vec<std::borrow::Cow<'v, str>>, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) => {
                if s.contains('<')
                    && let Some(p) = find_placeholder(s)
                {
                    let ptr: String = path.iter().map(|seg| format!("/{}", escape_pointer(seg))).collect();
                    out.push((ptr, p.to_string()));
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    path.push(i.to_string().into());
                    walk(x, path, out);
                    path.pop();
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    path.push(k.as_str().into());
                    walk(x, path, out);
                    path.pop();
                }
            }
            _ => {}
        }
    }
    let mut found = vec![];
    walk(v, &mut vec![], &mut found);
    found
}

/// Placeholders, found in every document's strings while it was decoded.
fn placeholders(ctx: &mut Ctx<'_>) {
    let found = ctx.placeholders;
    for (doc, ptr, p) in found {
        ctx.report(codes::SCH008, *doc, ptr, format!("placeholder `{p}` is still here")).help =
            Some("replace it with the real value (the comment beside it says what goes there)".into());
    }
}

fn emails(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    for t in &repo.teams {
        for (i, m) in t.spec.members.iter().enumerate() {
            if let Some(e) = &m.email
                && find_placeholder(e).is_none()
                && !is_email_list(e)
            {
                ctx.report(codes::SCH004, t.doc, &format!("/spec/members/{i}/email"), format!("`{e}` is not an email address")).help =
                    Some("one address, e.g. ada@example.com".into());
            }
        }
        let Some(n) = &t.spec.notify else { continue };
        for (sev, list) in [("page", &n.page), ("ticket", &n.ticket), ("info", &n.info)] {
            for (i, r) in list.iter().enumerate() {
                if let Some(e) = &r.email
                    && find_placeholder(&e.to).is_none()
                    && !is_email_list(&e.to)
                {
                    ctx.report(
                        codes::SCH004,
                        t.doc,
                        &format!("/spec/notify/{sev}/{i}/email/to"),
                        format!("`{}` is not an email address", e.to),
                    )
                    .help = Some("an address or a comma-separated list, e.g. payments-oncall@example.com".into());
                }
            }
        }
    }
}

/// Project settings whose defaults work in a demo and fail in a page.
fn defaults(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    let Some(project) = repo.project() else { return };
    let (settings, doc) = (ctx.settings, project.doc);
    let on = settings.outputs;
    let written = |t: &str| {
        project.spec.severities.as_ref().is_some_and(|s| match t {
            "page" => s.page.is_some(),
            "ticket" => s.ticket.is_some(),
            _ => s.info.is_some(),
        })
    };
    for (i, tier) in ["ticket", "info"].iter().enumerate() {
        let value = settings.severity_value(tier);
        if let Some(other) = ["page", "ticket"][..=i].iter().find(|t| settings.severity_value(t) == value) {
            // At the value the author wrote (the other one may be a default).
            let at = [*tier, *other]
                .into_iter()
                .find(|t| written(t))
                .map_or("/spec/severities".to_string(), |t| format!("/spec/severities/{t}"));
            ctx.report(
                codes::ALR007,
                doc,
                &at,
                format!("`{tier}` alerts would carry `severity: {value}`, the same value as `{other}` alerts"),
            )
            .help = Some("give each tier its own value, e.g. `severities: {page: critical, ticket: warning, info: info}`".into());
        }
    }
    let path_runbook = repo
        .services
        .iter()
        .filter_map(|s| s.spec.runbook.as_deref().map(|r| (s.doc, "/spec/runbook", r)))
        .chain(repo.alerts.iter().filter_map(|a| a.spec.runbook.as_deref().map(|r| (a.doc, "/spec/runbook", r))))
        .chain(repo.slos.iter().filter_map(|s| s.spec.alerting.as_ref()?.runbook.as_deref().map(|r| (s.doc, "/spec/alerting/runbook", r))))
        .find(|(_, _, r)| !r.starts_with("https://"));
    if on.prometheus
        && settings.runbook_base_url.is_none()
        && let Some((d, ptr, r)) = path_runbook
    {
        let at = ctx.where_(d, ptr);
        ctx.report(
            codes::GEN004,
            doc,
            "/spec",
            format!("runbooks are repository paths (`{r}` at {at}) but `prometheus.runbook_base_url` is not set"),
        )
        .help = Some(format!(
            "alerts would carry `runbook_url: {r}`, which nobody can open from a page; set `prometheus.runbook_base_url` to where the repository is browsed, e.g. https://github.com/ORG/REPO/blob/main/"
        ));
    }
    if let Some(i) = project.spec.prometheus.as_ref().and_then(|p| p.evaluation_interval.as_deref())
        // The schema admits only durations; one that does not parse is zero.
        && let secs = crate::duration::parse(i).unwrap_or(0)
        && (secs == 0 || secs > 300)
    {
        let f = ctx.report(
            codes::GEN006,
            doc,
            "/spec/prometheus/evaluation_interval",
            if secs == 0 {
                "`prometheus.evaluation_interval` is zero; rely uses 1m".to_string()
            } else {
                format!(
                    "`prometheus.evaluation_interval` {i} is longer than the 5m window: each recorded 5m rate stands for {i} of events, and the page's 5m window is read once per {i}"
                )
            },
        );
        f.help = Some("use 1m (the default) or 30s; derived windows already keep the rules cheap at that interval".into());
    }
    if on.alertmanager
        && settings.alertmanager_format == crate::spec::AlertmanagerFormat::PrometheusOperator
        && settings.alertmanager_operator.namespace.is_none()
    {
        ctx.report(
            codes::GEN007,
            doc,
            "/spec/alertmanager/format",
            "AlertmanagerConfig objects without `alertmanager.operator.namespace`: rely's alerts carry no `namespace` label the operator's routes would match",
        )
        .help = Some(
            "set `alertmanager.operator: {namespace: <where the AlertmanagerConfig objects go>}`; rely then labels every alert with it (unless the operator's matcher strategy is `None`, routes match only alerts of their namespace)"
                .into(),
        );
    }
    if on.grafana && settings.grafana_url.is_none() && !repo.services.is_empty() {
        ctx.report(codes::GEN005, doc, "/spec", "`grafana.url` is not set: alerts link to dashboards by path only (`/d/...`)").help =
            Some("set `grafana: {url: https://grafana.example.com}` so the dashboard link in a page opens".into());
    }
    // With a fragment or operator objects, the root route is someone else's: it decides.
    let whole = settings.alertmanager_format == crate::spec::AlertmanagerFormat::Config;
    if on.alertmanager && whole && settings.default_receiver.is_none() {
        ctx.report(codes::OWN008, doc, "/spec", "no `alertmanager.default_receiver`: alerts without a `team` label are dropped").help =
            Some("alerts rely did not write (node-exporter, kube-state-metrics, ...) carry no `team`; name the team that should get them in `alertmanager.default_receiver`".into());
    }
    if on.alertmanager && !whole && settings.default_receiver.is_some() {
        let f = ctx.report(
            codes::GEN009,
            doc,
            "/spec/alertmanager/default_receiver",
            "`alertmanager.default_receiver` is not used: with `format: fragment` or `prometheus-operator` the root route is the existing configuration's",
        );
        f.help = Some("remove it, and set the default receiver in the configuration rely's routes are merged into".into());
    }
    let mails = repo
        .teams
        .iter()
        .any(|t| t.spec.notify.as_ref().is_some_and(|n| n.page.iter().chain(&n.ticket).chain(&n.info).any(|r| r.email.is_some())));
    let own_smtp = settings.alertmanager_format != crate::spec::AlertmanagerFormat::Fragment;
    if on.alertmanager && own_smtp && mails && project.spec.alertmanager.as_ref().and_then(|a| a.smtp.as_ref()).is_none() {
        ctx.report(codes::OWN009, doc, "/spec", format!("no `alertmanager.smtp`: email goes through {} as {}", settings.smtp.smarthost, settings.smtp.from))
            .help = Some("set `alertmanager.smtp: {smarthost: smtp.example.com:587, from: alertmanager@example.com}` unless a relay listens on every Alertmanager host".into());
    }
}

/// CODEOWNERS handles: `@org/team` (a GitHub team) or an email; a bare `@name` is a user.
fn codeowners(ctx: &mut Ctx<'_>) {
    let repo = ctx.repo;
    let has_project = repo.project().is_some();
    for t in &repo.teams {
        match &t.spec.codeowners {
            Some(h) if (h.starts_with('@') && h[1..].contains('/')) || is_email_list(h) => {}
            Some(h) => {
                ctx.report(
                    codes::OWN010,
                    t.doc,
                    "/spec/codeowners",
                    format!("`{h}` is not a GitHub team: CODEOWNERS reads `@name` as a user"),
                )
                .help = Some("give the team as @ORG/TEAM (or an email address)".into());
            }
            None if has_project => {
                ctx.report(
                    codes::OWN010,
                    t.doc,
                    "/spec",
                    format!(
                        "team `{}` has no `codeowners` handle: CODEOWNERS will name `@{}`, which GitHub reads as a user",
                        t.name, t.name
                    ),
                )
                .help = Some(format!("add `codeowners: \"@ORG/{}\"` (the GitHub team that reviews its files)", t.name));
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_what_skeletons_write_not_promql_or_html() {
        for p in
            ["<team>", "<full name>", "<https:// URL of the runbook>", "<IANA time zone, e.g. Europe/Berlin>", "<why is this SRE work?>"]
        {
            assert_eq!(find_placeholder(&format!("x {p} y")), Some(p));
        }
        assert_eq!(find_placeholder(r#"sum(rate(x{job="<service>"}[5m])) > 10"#), Some("<service>"));
        // A skeleton's placeholder stays one in an alternation; a `|` outside a regex is no excuse.
        assert_eq!(find_placeholder(r#"x{job=~"<service>|<service>-canary"}"#), Some("<service>"));
        assert_eq!(find_placeholder(r#"x{job="a|<error>"}"#), Some("<error>"));
        assert_eq!(find_placeholder("see <runbook>|<dashboard>"), Some("<runbook>"));
        for s in [
            "sum(rate(x[5m])) > 10 < 20",
            "a < b and c > d",
            "line<br>break",
            "x <= 3 >= y",
            "<>",
            "a<1>",
            r#"sum(rate(prometheus_sd_kubernetes_http_request_total{status_code=~"5..|<error>"}[5m]))"#,
            r#"x{code=~"<error>|5.."}"#,
        ] {
            assert_eq!(find_placeholder(s), None, "{s}");
        }
    }

    #[test]
    fn email_lists() {
        for ok in ["ada@example.com", "a.b+c@x.example.org", "a@x.io, b@y.io"] {
            assert!(is_email_list(ok), "{ok}");
        }
        for bad in ["", "ada", "ada@", "@x.com", "ada@localhost", "a@x.io,", "a b@x.io", "<email address>"] {
            assert!(!is_email_list(bad), "{bad}");
        }
    }
}
