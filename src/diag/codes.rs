//! Every diagnostic rely can emit, in one list. The list drives `rely rules`, `rely explain`,
//! the README's table and the fixture test that demands one fixture per code, so a code cannot
//! exist without its documentation. Codes are stable: never renumber, only add.

use super::Severity;

/// A diagnostic rule: stable code, kebab-case name, default severity and its documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub why: &'static str,
    pub example: &'static str,
}

impl Rule {
    pub fn family(&self) -> &'static str {
        &self.code[..3]
    }

    /// The documentation printed by `rely explain CODE`.
    pub fn explain(&self) -> String {
        format!(
            "# {} ({}), default severity: {}\n\n## What it does\n{}\n\n## Why is this bad?\n{}\n\n## Example\n```yaml\n{}\n```\n",
            self.code,
            self.name,
            self.severity.as_str(),
            self.summary,
            self.why,
            self.example.trim_end()
        )
    }
}

pub fn lookup(code: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.code.eq_ignore_ascii_case(code) || r.name == code)
}

macro_rules! rules {
    ($( $id:ident: $name:literal, $sev:ident,
        what: $what:literal, why: $why:literal, example: $ex:literal; )*) => {
        $( pub const $id: &Rule = &Rule {
            code: stringify!($id), name: $name, severity: Severity::$sev,
            summary: $what, why: $why, example: $ex,
        }; )*
        /// Every rule, in code order.
        pub const ALL: &[&Rule] = &[$($id),*];
    };
}

rules! {
    YML001: "invalid-yaml", Error,
        what: "Reports a file that is not well-formed YAML.",
        why: "Nothing in a file that does not parse can be checked or generated; the parser's message points at where it gave up.",
        example: "spec:\n  objective: [99.9   # the flow sequence is never closed";
    YML002: "tab-indentation", Error,
        what: "Reports a tab character used for indentation.",
        why: "YAML forbids tabs in indentation; editors show them at different widths, so the structure you see is not the one parsed.",
        example: "spec:\n\tobjective: 99.9   # indented with a tab";
    YML003: "duplicate-key", Error,
        what: "Reports a mapping that sets the same key twice.",
        why: "Most YAML loaders silently keep the last value, so a reviewer reading the first one approves something that is not applied.",
        example: "spec:\n  objective: 99.9\n  objective: 95   # which one is meant?";
    YML004: "alias-expansion-limit", Error,
        what: "Reports YAML anchors and aliases that expand to more nodes than rely accepts (a \"billion laughs\" document).",
        why: "A few lines of aliases can expand to billions of nodes and exhaust memory in every tool that reads the file.",
        example: "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]";
    YML005: "file-too-large", Error,
        what: "Reports a file larger than rely reads (4 MiB).",
        why: "Reliability documents are small; a multi-megabyte file is generated or pasted by mistake, and reading it would slow every CI run.",
        example: "# a 10 MB dump of metrics pasted into reliability/";
    YML006: "invalid-utf8", Error,
        what: "Reports a file that is not valid UTF-8 text or contains NUL bytes.",
        why: "YAML is text; bytes that are not UTF-8 are usually a binary file or a wrong encoding, and would be mangled in every output.",
        example: "description: caf\\xe9   # Latin-1 byte, not UTF-8";
    YML007: "empty-file", Warning,
        what: "Reports a YAML file with no documents in it.",
        why: "An empty file in the reliability directory is usually a half-finished change or a file emptied by mistake.",
        example: "# only a comment, no document";
    YML008: "nesting-too-deep", Error,
        what: "Reports YAML nested more deeply than 64 levels.",
        why: "No rely document needs that depth; such input is generated or hostile, and deep recursion is how parsers are crashed.",
        example: "a: [[[[[[[[[[[[[[[[[[[[ ... ]]]]]]]]]]]]]]]]]]]]";
    YML009: "symlink-not-followed", Warning,
        what: "Reports a symbolic link in the reliability directory, which rely does not follow.",
        why: "A link can point outside the repository (or at a secret); reading it would make the result depend on the machine. Commit the file itself.",
        example: "reliability/shared.yaml -> /etc/passwd";
    YML010: "unsafe-file-name", Error,
        what: "Reports a reliability file whose name contains a control character, a line or paragraph separator, or a non-character.",
        why: "File names are copied into generated headers, CODEOWNERS and reports; a line break in one would end a comment and let the rest of the name become configuration.",
        example: "reliability/teams/payments\\nroute: {receiver: x}.yaml";
    SCH001: "unknown-field", Error,
        what: "Reports a field that the document's kind does not have.",
        why: "A misspelt field is silently ignored by lenient tools: `runbok:` would leave an alert with no runbook while looking fine in review.",
        example: "kind: Alert\nspec:\n  runbok: runbooks/queue.md   # did you mean `runbook`?";
    SCH002: "missing-field", Error,
        what: "Reports a required field that is missing.",
        why: "Without it rely cannot know what the document means; the message names the field and where it belongs.",
        example: "kind: SLO\nspec:\n  service: checkout   # no `objective`";
    SCH003: "wrong-type", Error,
        what: "Reports a value of the wrong type, such as a list where a number is expected.",
        why: "A value of the wrong type means something other than what the author intended, or nothing at all.",
        example: "spec:\n  objective: \"ninety-nine\"";
    SCH004: "invalid-value", Error,
        what: "Reports a value outside what the field accepts: not one of the allowed words, not matching the pattern, out of range.",
        why: "An invalid value (a severity `critcal`, a duration `5x`) would produce broken or surprising outputs.",
        example: "spec:\n  severity: critical   # page | ticket | info";
    SCH005: "unknown-kind", Error,
        what: "Reports a document whose `kind` rely does not know, or a document that is not a mapping.",
        why: "rely reads every YAML file in the directory; a document of an unknown kind is usually a typo and would otherwise be ignored.",
        example: "apiVersion: rely/v1\nkind: Slo   # did you mean `SLO`?";
    SCH006: "unsupported-api-version", Error,
        what: "Reports a document whose `apiVersion` is not `rely/v1`.",
        why: "The apiVersion says which contract the document follows; another version may mean different fields.",
        example: "apiVersion: rely/v2";
    SCH007: "invalid-name", Error,
        what: "Reports a `metadata.name`, an experiment name or an environment name (Project `environments`, `alertmanager.paging_environments`, a ChaosPlan's `environment`) that is not a lowercase DNS label (`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`).",
        why: "Names become file names, directory names, dashboard uids and metric label values; `../x`, `production/.` or `Checkout Svc` would escape the output directory, silently replace another output, or break PromQL.",
        example: "metadata:\n  name: ../../etc/passwd";
    SCH008: "placeholder", Error,
        what: "Reports a `<placeholder>` left in a value, as `rely new` and `rely init` write them (`<team>`, `<full name>`, `<https:// URL of the runbook>`), in any field of any kind.",
        why: "A placeholder is valid text to a schema: left in, it reaches Alertmanager (`to: <team mailing list>`), PagerDuty, runbook links and chaos commands (`sh -c \"<shell command>\"`).",
        example: "members:\n  - {name: <full name>, email: <email address>}";
    REF001: "unknown-reference", Error,
        what: "Reports a reference to a team, service, SLI, SLO, alert or concern that does not exist.",
        why: "A dangling reference routes pages to nobody or makes an SLO measure nothing; it is almost always a typo or a rename.",
        example: "kind: Service\nspec:\n  owner: platfrom   # did you mean `platform`?";
    REF002: "duplicate-name", Error,
        what: "Reports two documents of the same kind with the same name, in any files.",
        why: "Names are identities: two SLOs with one name would overwrite each other's rules and dashboards.",
        example: "# services/a.yaml and services/b.yaml both define SLO `api-availability`";
    REF003: "multiple-projects", Error,
        what: "Reports more than one Project document.",
        why: "The Project holds repository-wide defaults; two of them would disagree about the SLO window or outputs.",
        example: "# project.yaml and old-project.yaml both have kind: Project";
    REF004: "dependency-cycle", Warning,
        what: "Reports services whose `dependencies` form a cycle.",
        why: "A dependency cycle means no service can be brought up first; it is usually a mistake in the map, and it defeats impact analysis.",
        example: "# api depends on auth, auth depends on api";
    ALR001: "alert-without-owner", Error,
        what: "Reports an alert (a hand-written Alert, or an SLO with alerting) that has no owner team.",
        why: "An alert nobody owns pages nobody, or everybody. Every alert must route to the team best placed to fix it.",
        example: "kind: Alert\nspec:\n  severity: page   # no `owner`";
    ALR002: "alert-without-runbook", Error,
        what: "Reports an alert with no runbook: neither on the Alert, nor on the SLO's alerting, nor on its Service.",
        why: "A page without a runbook leaves the responder guessing at 3 a.m.; an actionable alert says what to do.",
        example: "kind: Alert\nspec:\n  owner: platform   # no `runbook`";
    ALR003: "runbook-not-found", Error,
        what: "Reports a runbook that is a repository path which does not exist.",
        why: "A link to a missing runbook is worse than none: the responder loses time finding out it is broken.",
        example: "runbook: runbooks/qeue.md   # the file is runbooks/queue.md";
    ALR004: "runbook-not-https", Error,
        what: "Reports a runbook that is neither an `https://` URL nor a relative repository path.",
        why: "Plain http links are blocked or rewritten by many companies' networks, and absolute paths only exist on one machine.",
        example: "runbook: http://wiki.example.com/queue";
    ALR005: "invalid-alert-expression", Error,
        what: "Reports a hand-written Alert whose `expr` is not valid PromQL.",
        why: "Prometheus refuses to load a rule file with one broken expression, so every alert in it stops working.",
        example: "expr: sum(rate(queue_depth[5m]) > 100   # unclosed parenthesis";
    ALR006: "reserved-label", Warning,
        what: "Reports a user label that rely sets itself (`team`, `severity`, `service`, or the SLO identifying labels), or an SLO annotation it sets itself (`runbook_url`, `dashboard_url`), which rely's value overrides.",
        why: "Routing depends on these labels: a hand-written `team: other` would silently lose to the alert's owner, which is confusing in review.",
        example: "labels: {severity: critical}   # use `severity:` on the Alert, and the Project's `severities` for the value";
    ALR007: "duplicate-severity-value", Error,
        what: "Reports a Project whose `severities` give two alert tiers the same `severity` label value.",
        why: "Alertmanager routes pages and tickets apart by that value, and pages inhibit tickets by it: with one value for both, every ticket would page (or every page would be inhibited).",
        example: "severities: {page: critical, ticket: critical}";
    SLO001: "objective-out-of-range", Error,
        what: "Reports an objective that is not strictly between 0 and 100.",
        why: "Objectives are percentages; 100 leaves no error budget (every error pages), 0 or less is meaningless, and 0.999 is probably 99.9 written as a ratio.",
        example: "objective: 100";
    SLO002: "invalid-window", Error,
        what: "Reports an SLO window that is not a Prometheus duration or is shorter than one day.",
        why: "The window is the period the error budget covers; multi-window burn-rate alerts need at least a day to mean anything.",
        example: "window: 30 days";
    SLO003: "missing-window-placeholder", Error,
        what: "Reports an SLI query without the `{{window}}` placeholder.",
        why: "rely evaluates every query over several windows (5m to the SLO period); a fixed range would make every window the same.",
        example: "errors: sum(rate(http_requests_total{code=~\"5..\"}[5m]))";
    SLO004: "invalid-promql", Error,
        what: "Reports an SLI query that is not valid PromQL once `{{window}}` is substituted.",
        why: "Prometheus refuses to load a rule file with one broken expression, so every SLO in it stops being measured.",
        example: "total: sum(rate(http_requests_total[{{window}}])";
    SLO005: "errors-equal-total", Error,
        what: "Reports a ratio indicator whose `errors` (or `good`) query is the same as its `total` query.",
        why: "The ratio would always be 1: the SLO would be permanently failing (or permanently perfect).",
        example: "errors: sum(rate(http_requests_total[{{window}}]))\ntotal:  sum(rate(http_requests_total[{{window}}]))";
    SLO006: "invalid-latency-threshold", Error,
        what: "Reports a latency threshold that is not a positive number of seconds.",
        why: "The threshold selects the histogram bucket `le` that counts good requests; zero or less selects nothing.",
        example: "latency: {histogram: http_request_duration_seconds, threshold: 0}";
    SLO007: "indicator-shape", Error,
        what: "Reports an SLO without exactly one indicator (`sli` or an inline `indicator` with exactly one of ratio, latency or raw), or a ratio without exactly one of `errors` and `good`.",
        why: "rely must know unambiguously what the SLO measures; two indicators would silently pick one.",
        example: "indicator:\n  ratio: {...}\n  raw: {...}   # choose one";
    SLO008: "page-cannot-fire", Warning,
        what: "Reports an SLO whose objective is so low that the page burn-rate threshold exceeds an error ratio of 1.",
        why: "With 14.4 times the error budget above 100% errors the page alert can never fire, and nobody would notice (a known Sloth pitfall).",
        example: "objective: 90   # 14.4 x 10% = 144% errors needed to page";
    SLO009: "latency-threshold-in-milliseconds", Warning,
        what: "Reports a latency threshold above 60, which reads as more than a minute: thresholds are in seconds, like Prometheus histogram bounds.",
        why: "`threshold: 300` meant as 300 ms promises five minutes; nearly every request is then good and the SLO never burns.",
        example: "latency: {histogram: http_request_duration_seconds, threshold: 300}   # 0.3 was meant";
    SLO010: "group-label-not-kept", Error,
        what: "Reports a `group_by` label that one of the SLO's queries aggregates away (a `sum(...)` without `by`, `on (...)` without it), or a label rely sets itself.",
        why: "The SLO would then record one series without the label: nothing is measured or alerted per group, silently, and the generated tests could not tell.",
        example: "group_by: [route]\nindicator:\n  ratio:\n    errors: sum(rate(http_requests_total{code=~\"5..\"}[{{window}}]))   # sum by (route) (...)";
    SLO011: "invalid-alert-policy", Error,
        what: "Reports an alert policy window pair (Project `alert_policy` or SLO `alerting.policy`) whose short window is not shorter than its long one, whose long window exceeds the SLO period, that gives both or neither of `factor` and `budget_percent` or a value out of range, or a policy without windows.",
        why: "A pair that cannot be evaluated would be dropped, and with it the alert the team believes it has.",
        example: "alert_policy:\n  windows:\n    - {severity: page, short: 1h, long: 5m, factor: 14.4}   # short and long swapped";
    CON001: "criterion-unanswered", Error,
        what: "Reports a concern that does not answer one of the three criteria (why is this SRE? why is it important? what is involved?) with real text.",
        why: "The council triages concerns by these answers; `TBD` or an empty answer cannot be weighed against other work.",
        example: "criteria:\n  why_sre: TBD";
    CON002: "missing-assessment", Error,
        what: "Reports a concern that is accepted, in progress or addressed but has no value/effort assessment.",
        why: "The backlog is ranked by value against effort; an accepted concern without an assessment cannot be ranked.",
        example: "status: accepted   # no assessment";
    CON003: "missing-results", Error,
        what: "Reports an addressed concern without `results` (before and after).",
        why: "Saying a concern is addressed without evidence is how the same risk comes back next quarter.",
        example: "status: addressed   # no results: {before, after}";
    CON004: "concern-not-observed", Warning,
        what: "Reports an accepted or in-progress concern that no SLO or alert observes.",
        why: "If nothing makes the risk knowable, nobody will know whether the work reduced it.",
        example: "status: accepted\nobserved_by: []";
    LIV001: "sli-selects-no-series", Error,
        what: "With `rely check --prometheus URL`: reports an SLI query whose selector matches no series in Prometheus over the last day (a metric that does not exist, or label values no series has).",
        why: "An SLI without data is NaN: its alerts never fire and the SLO looks healthy forever, whatever users see.",
        example: "total: sum(rate(http_requests_total{job=\"chekout\"}[{{window}}]))   # the job is checkout";
    LIV002: "no-matching-bucket", Error,
        what: "With `rely check --prometheus URL`: reports a latency threshold that is not one of the histogram's `le` bounds, listing the bounds that exist.",
        why: "`le=\"0.3\"` matches no series when the buckets are 0.25 and 0.5: every request counts as slow, or (as a `le` written `0.30`) nothing matches and the SLO never alerts.",
        example: "latency: {histogram: http_request_duration_seconds, threshold: 0.3}   # buckets: 0.1, 0.25, 0.5, 1";
    LIV003: "errors-exceed-total", Error,
        what: "With `rely check --prometheus URL`: reports an SLI whose errors query returns more events than its total over the last hour.",
        why: "An error ratio above 1 means the two queries do not count the same events (different metrics, a missing label filter); every number derived from it is wrong.",
        example: "errors: sum(rate(http_errors_total[{{window}}]))\ntotal: sum(rate(http_requests_total{code=\"200\"}[{{window}}]))";
    LIV004: "unknown-selector-label", Error,
        what: "With `rely check --prometheus URL`: reports a label in an SLI selector that the metric's series do not have, listing the labels they have.",
        why: "A matcher on a label that does not exist matches nothing (or everything, for `!=`): the SLI measures nothing.",
        example: "total: sum(rate(http_requests_total{service=\"checkout\"}[{{window}}]))   # the label is job";
    OWN001: "page-without-receiver", Error,
        what: "Reports a team that is paged (it owns a page-severity Alert, or an SLO's page routes to it) but has no `notify.page` receiver.",
        why: "A page routed to a team with nowhere to send pages is silently dropped by Alertmanager.",
        example: "kind: Team\nspec:\n  notify:\n    ticket: [{email: {to: team@example.com}}]   # but it owns page alerts";
    OWN002: "inline-secret", Error,
        what: "Reports a receiver with an inline secret (an API key, a Slack webhook URL, a password) instead of a `*_file` path.",
        why: "Secrets committed to git leak to everyone with read access and live forever in history.",
        example: "slack: {channel: \"#ops\", api_url: https://hooks.slack.com/services/T000/B000/XXXX}";
    OWN003: "receiver-shape", Error,
        what: "Reports a receiver that does not name exactly one kind (email, slack, pagerduty, victorops, opsgenie, webhook).",
        why: "A receiver entry with two kinds or none cannot be turned into an Alertmanager receiver unambiguously.",
        example: "page: [{}]";
    OWN004: "escalation-not-increasing", Error,
        what: "Reports an on-call escalation whose `after` delays do not strictly increase.",
        why: "Steps are taken in order of delay; a step with the same or an earlier delay than the one before it never gets its turn.",
        example: "escalation: [{after: 15m, notify: primary}, {after: 5m, notify: secondary}]";
    OWN005: "team-without-members", Warning,
        what: "Reports a team that owns services or alerts but lists no members.",
        why: "Pages routed to an empty team reach nobody; on-call exports need people.",
        example: "kind: Team\nspec:\n  members: []";
    OWN006: "no-email-outside-paging", Error,
        what: "Reports a team that is paged but has no email receiver, while some environment (staging, by default) turns pages into email.",
        why: "Outside the paging environments rely routes pages to email only, so that a chaos day never wakes anyone; a team without an email receiver would get nothing there.",
        example: "notify:\n  page: [{pagerduty: {routing_key_file: /etc/am/pd.key}}]   # and no email anywhere";
    OWN007: "bad-handoff-or-time-zone", Error,
        what: "Reports an on-call `handoff` that is not `[day] HH:MM`, or a `timezone` that is not an IANA time zone.",
        why: "The rotation's handoff becomes the PagerDuty schedule's start time with the zone's UTC offset; a time rely cannot read would hand over at the wrong hour, and PagerDuty refuses unknown zones.",
        example: "oncall:\n  handoff: monday 9am\n  timezone: Mountain Time";
    OWN008: "no-default-receiver", Warning,
        what: "Reports a Project without `alertmanager.default_receiver` (the Alertmanager output is on).",
        why: "The root of the routing tree then goes to `unrouted`, which has nowhere to send: every alert without a `team` label (node-exporter, kube-state-metrics, anything rely did not write) is dropped without a trace.",
        example: "alertmanager:\n  paging_environments: [production]   # no default_receiver";
    OWN009: "default-smtp", Warning,
        what: "Reports a Project without `alertmanager.smtp` while teams have email receivers.",
        why: "Alertmanager then sends mail through localhost:25 as alertmanager@localhost, which most hosts do not relay: staging pages and tickets vanish.",
        example: "alertmanager:\n  default_receiver: platform   # no smtp";
    OWN010: "codeowners-not-a-team", Warning,
        what: "Reports a team whose `codeowners` handle is not a GitHub team (`@org/team`) or an email, or (in a repository with a Project) that has none.",
        why: "The generated CODEOWNERS would name `@platform`, which GitHub reads as a user: reviews are requested from nobody, or from a stranger.",
        example: "kind: Team\nspec:\n  codeowners: \"@platform\"   # @acme/platform was meant";
    OWN011: "escalation-to-nobody", Warning,
        what: "Reports an escalation step that reaches nobody new: `secondary` in a team with fewer than two members with an email, or `manager` without `oncall.manager`.",
        why: "An unacknowledged page escalates so that someone else wakes up; escalating to the person who already slept through it, or to a manager PagerDuty does not know, only looks like a safety net.",
        example: "oncall:\n  escalation: [{after: 0m, notify: primary}, {after: 30m, notify: manager}]   # no manager:";
    CHS001: "missing-backout", Error,
        what: "Reports a chaos experiment without a back-out plan.",
        why: "Every fault injected on a chaos day must be reversible by a known step; without one a rehearsal becomes an incident.",
        example: "experiments:\n  - name: kill-db   # no backout";
    CHS002: "production-without-approval", Error,
        what: "Reports a chaos plan without `approved_by` in an environment whose pages reach pagers (one of the Project's `alertmanager.paging_environments`, `[production]` by default).",
        why: "Experiments in production affect customers; somebody accountable must have said yes.",
        example: "environment: production   # no approved_by";
    CHS003: "paging-not-email-only", Error,
        what: "Reports a chaos plan whose paging is not `email-only` in an environment where pages go to email (one not in `alertmanager.paging_environments`).",
        why: "A staging chaos day must not wake people on their personal devices; expected alerts go to email.",
        example: "environment: staging\npaging: normal";
    CHS004: "unknown-expected-alert", Error,
        what: "Reports an experiment that expects an alert which is neither an Alert document nor an SLO with alerting.",
        why: "The point of the experiment is to see that alert fire; if it does not exist the result is known before the day.",
        example: "expect:\n  fires: [{alert: websocket-disconnect-high, within: 5m}]";
    CHS005: "experiment-without-hypothesis", Error,
        what: "Reports an experiment whose hypothesis, blast radius or roles are missing or empty.",
        why: "A chaos experiment without a hypothesis about steady state learns nothing; without named roles nobody records or stops it.",
        example: "hypothesis: \"\"";
    CHS006: "expected-alert-cannot-fire", Error,
        what: "Reports an expected page that cannot fire under the experiment's declared fault (too small an error ratio, or too short).",
        why: "Finding out on the chaos day that the alert could never have fired wastes the day; rely does the arithmetic first.",
        example: "fault: {slo: api-availability, error_ratio: 0.001, for: 15m}   # below 14.4x the budget";
    GEN001: "dashboard-uid-collision", Error,
        what: "Reports two services whose Grafana dashboards would get the same uid.",
        why: "Grafana keys dashboards by uid: the second would silently replace the first when provisioned.",
        example: "kind: Service\nspec:\n  dashboard_uid: payments   # also used by another service";
    GEN002: "template-error", Error,
        what: "Reports a text template (built-in or overridden under `templates/`) that fails to render, for example by using an undefined value.",
        why: "A broken template would ship a half-rendered file to operations; rely renders strictly and writes nothing instead.",
        example: "{{ team.nmae }}   # templates/oncall/pagerduty.tf.j2";
    GEN003: "output-path-collision", Error,
        what: "Reports two sources that would write the same output file: a service named `overview` (the SLO overview dashboard), a service `chaos-x` (chaos plan `x`'s detection tests), two experiments of one plan with one name, an environment listed twice.",
        why: "The second file would silently replace the first: a dashboard, a test suite or an Alertmanager configuration would vanish from what ops apply.",
        example: "kind: Service\nmetadata:\n  name: overview   # grafana/dashboards/overview.json is the SLO overview";
    GEN004: "runbook-path-without-base-url", Warning,
        what: "Reports runbooks given as repository paths while the Project sets no `prometheus.runbook_base_url`.",
        why: "Alerts then carry `runbook_url: runbooks/x.md`, a relative path nobody can open from a phone at 3 a.m.",
        example: "prometheus: {}   # and a service with runbook: runbooks/checkout.md";
    GEN005: "no-grafana-url", Warning,
        what: "Reports a Project without `grafana.url` (the Grafana output is on and there are services).",
        why: "Alerts then link to dashboards as `/d/uid/name`, a path without a host: the link in the page does not open.",
        example: "grafana:\n  folder: SLOs   # no url";
    GEN006: "slow-evaluation-interval", Warning,
        what: "Reports a `prometheus.evaluation_interval` longer than 5m, or of zero.",
        why: "The SLI groups run at that interval: the page's 5m window is then read less often than it changes, and with derived windows each recorded 5m rate stands for the whole interval, so most events are never seen. Zero is not an interval; rely would use 1m.",
        example: "prometheus: {evaluation_interval: 10m}";
    GEN007: "operator-namespace-unset", Warning,
        what: "Reports `alertmanager.format: prometheus-operator` without `alertmanager.operator.namespace`.",
        why: "The operator matches an AlertmanagerConfig's routes only on alerts labelled with the config's namespace (its default matcher strategy). rely labels its alerts with that namespace, which it must know: without it no rely alert reaches its team's route.",
        example: "alertmanager:\n  format: prometheus-operator   # no operator: {namespace: monitoring}";
    GEN008: "secret-key", Error,
        what: "Reports, for `alertmanager.format: prometheus-operator`, two different `*_file` paths of one team with the same file name, or a file name that cannot be a Kubernetes Secret key.",
        why: "The AlertmanagerConfig reads each secret from the Secret `rely-<team>` under the file's name, as `kubectl create secret generic --from-file` names it: two files of one name would be one key (kubectl refuses the second), and a name with other characters than letters, digits, `-`, `_` and `.` is refused.",
        example: "routing_key_file: /etc/am/payments/key\n...\napi_url_file: /etc/am/slack/key   # both `key`";
    GEN009: "unused-default-receiver", Warning,
        what: "Reports `alertmanager.default_receiver` when the Alertmanager output is a fragment or prometheus-operator objects.",
        why: "rely then writes no root route: the default receiver is the existing configuration's, and a setting that does nothing misleads whoever reads the Project.",
        example: "alertmanager:\n  format: fragment\n  default_receiver: platform   # not used";
    IMP001: "unknown-import-format", Error,
        what: "Reports, in `rely import`, a file that cannot be read or a document that is not of the format being imported.",
        why: "Importing the wrong file (a Pyrra object as Sloth, a rendered rule file) would write nothing useful; rely stops and writes nothing.",
        example: "# rely import sloth rules.yml\ngroups:   # a Prometheus rule file, not a Sloth spec\n  - name: slo";
    IMP002: "not-imported", Warning,
        what: "Reports, in `rely import`, an SLO of the source that could not be carried over at all, and why (an SLI plugin, a query without the window template, a template rely cannot substitute, no objective).",
        why: "Every SLO of the source is either in the output or named here, so nothing is dropped silently.",
        example: "sli:\n  plugin: {id: getting_started_availability}   # Go code run by Sloth";
    IMP003: "not-carried-over", Warning,
        what: "Reports, in `rely import`, a field of an imported SLO that rely cannot express and left out (a label rely sets itself such as `severity`, an unknown field, a link annotation).",
        why: "The imported SLO works without it, but whatever relied on it (a routing label, a dashboard link) no longer gets it; review each one.",
        example: "page_alert:\n  labels: {severity: critical}   # rely's severity is page | ticket | info";
    IMP004: "approximated", Warning,
        what: "Reports, in `rely import`, a field carried over with a change in meaning (a Go-template annotation written as literal text, an alert name rewritten to letters, digits and underscores).",
        why: "The imported alert does not say exactly what the source's did; check that the difference does not matter.",
        example: "annotations:\n  summary: \"{{$labels.sloth_service}} is burning budget\"   # expanded by Prometheus in Sloth's rules";
}

/// `rely rules`: one line per code, or every rule's full documentation.
pub fn table_text(long: bool) -> String {
    let mut out = String::new();
    for r in ALL {
        if long {
            out += &r.explain();
            out.push('\n');
        } else {
            out += &format!("{}  {:<32} {:<8} {}\n", r.code, r.name, r.severity.as_str(), r.summary);
        }
    }
    out
}

/// The Markdown table of every code, as kept in the README.
pub fn table_markdown() -> String {
    let mut out = String::from("| code | name | default | what it reports |\n|---|---|---|---|\n");
    for r in ALL {
        out += &format!("| `{}` | {} | {} | {} |\n", r.code, r.name, r.severity.as_str(), r.summary.replace('|', "\\|"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_well_formed_and_documented() {
        let mut seen = std::collections::BTreeSet::new();
        for r in ALL {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            assert_eq!(r.code.len(), 6, "{}", r.code);
            assert!(r.code[3..].chars().all(|c| c.is_ascii_digit()), "{}", r.code);
            assert!(["YML", "SCH", "REF", "SLO", "ALR", "CON", "CHS", "OWN", "GEN", "LIV", "IMP"].contains(&r.family()));
            assert!(r.name.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()));
            assert!(!r.summary.is_empty() && !r.why.is_empty() && !r.example.is_empty());
        }
        assert_eq!(lookup("sch001").map(|r| r.name), Some("unknown-field"));
        assert_eq!(lookup("unknown-field").map(|r| r.code), Some("SCH001"));
    }
}
