//! `rely new KIND NAME`: a commented skeleton of each kind. Every `<placeholder>` is a value to
//! fill in; once filled, the document passes `rely check` (a test fills them and checks).

use crate::spec::Kind;

/// Where the JSON Schema for editors is, relative to a document at `path` (relative to the
/// reliability directory) when the schemas are in `<reliability>/schema/` (`rely init` puts them
/// there).
pub fn schema_modeline(path: &str) -> String {
    format!("# yaml-language-server: $schema={}schema/rely.schema.json", "../".repeat(path.matches('/').count()))
}

/// The skeleton of `kind` named `name`; `service` and `team` fill those placeholders when given.
pub fn skeleton(kind: Kind, name: &str, service: Option<&str>, team: Option<&str>) -> String {
    let body = match kind {
        Kind::Project => PROJECT,
        Kind::Team => TEAM,
        Kind::Service => SERVICE,
        Kind::Sli => SLI,
        Kind::Slo => SLO,
        Kind::Alert => ALERT,
        Kind::Concern => CONCERN,
        Kind::ChaosPlan => CHAOS,
    };
    let mut s = format!(
        "{}\n# A new {} — replace every <placeholder> (`rely check` lists those left), then run `rely check`.\n# Commented lines are optional fields, shown with their defaults.\napiVersion: rely/v1\nkind: {}\nmetadata:\n  name: {name}\n{body}",
        schema_modeline(&path(kind, name)),
        kind.as_str(),
        kind.as_str()
    );
    // What the name already says.
    s = s.replace("<this service>", name).replace("<this team>", name);
    if let Some(svc) = service {
        s = s.replace("<service>", svc);
    }
    if let Some(t) = team {
        s = s.replace("<team>", t);
    }
    s
}

/// Where `rely new --write` puts a document of `kind` named `name`, inside the reliability directory.
pub fn path(kind: Kind, name: &str) -> String {
    match kind {
        Kind::Project => "project.yaml".into(),
        Kind::Team => format!("teams/{name}.yaml"),
        Kind::Service | Kind::Sli | Kind::Slo | Kind::Alert => format!("services/{name}.yaml"),
        Kind::Concern => format!("concerns/{name}.yaml"),
        Kind::ChaosPlan => format!("chaos/{name}.yaml"),
    }
}

/// The kind named `kind` (its slug, e.g. `chaosplan`, or its kind, e.g. `ChaosPlan`).
pub fn kind(kind: &str) -> anyhow::Result<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| k.slug() == kind.to_ascii_lowercase() || k.as_str() == kind)
        .ok_or_else(|| anyhow::anyhow!("unknown kind `{kind}`: one of {}", Kind::ALL.map(Kind::slug).join(", ")))
}

/// The skeleton of a new document, after checking its name.
pub fn document(kind: Kind, name: &str, service: Option<&str>, team: Option<&str>) -> anyhow::Result<String> {
    if !regex::Regex::new(crate::spec::NAME_PATTERN).expect("static").is_match(name) {
        anyhow::bail!("`{name}` is not a valid name: lowercase letters, digits and dashes");
    }
    Ok(skeleton(kind, name, service, team))
}

/// The owner of `service` in the reliability directory `dir`, when it can be read: what
/// `--service` lets `rely new` fill for `<team>` (an alert's owner, an SLO's team).
pub fn owner_of(dir: &std::path::Path, service: &str) -> Option<String> {
    if !dir.is_dir() {
        return None;
    }
    let loaded = crate::syntax::load_dir(dir).ok()?;
    let mut findings = vec![];
    let repo = crate::check::decode_all(&loaded, &mut findings);
    repo.service(service).map(|s| s.spec.owner.clone())
}

/// Writes a new document into the reliability directory `dir`, never over an existing file;
/// returns where.
pub fn write(dir: &std::path::Path, kind: Kind, name: &str, text: &str) -> anyhow::Result<std::path::PathBuf> {
    use anyhow::Context;
    let path = dir.join(path(kind, name));
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("cannot create {}", p.display()))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| format!("cannot create {} (it may already exist)", path.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

const PROJECT: &str = r#"spec:
  window: 30d                      # the default SLO period (an SLO may set its own)
  environments: [production, staging]
  council: <team>                  # the team that runs the reliability council
  prometheus:
    format: rules                  # rules | prometheus-operator | mimir
    # labels: {}                   # added to every generated rule
    # compat: sloth                # Sloth's label names, for Sloth's dashboards
    # operator: {namespace: monitoring, labels: {prometheus: k8s, role: alert-rules}}   # PrometheusRule metadata
    # windows: derived             # long windows from recorded 5m/30m rates; `exact` reads raw series for each
    # evaluation_interval: 1m      # the SLI groups' interval (derived windows count one sample as this long)
    # where runbook paths are browsed: alerts link to <base>/<path>
    runbook_base_url: <https:// URL where the repository is browsed, e.g. https://github.com/ORG/REPO/blob/main/>
  grafana:
    url: <https:// URL of your Grafana>   # dashboard links in alerts
    # datasource_uid: prometheus
    # folder: SLOs
  alertmanager:
    paging_environments: [production]   # elsewhere, pages go to email only
    default_receiver: <team>       # gets alerts without a `team` label (node-exporter, ...)
    smtp: {smarthost: <mail relay host:port>, from: <sender email address>}   # require_tls: true by default
    # format: config               # config | fragment (to merge into yours) | prometheus-operator
    # operator: {namespace: monitoring, labels: {}}   # AlertmanagerConfig metadata
  # pagerduty: {users: lookup}     # oncall/pagerduty.tf finds people by email; `create` makes them
  # outputs: {prometheus: true, grafana: true, alertmanager: true, chaos: true, council: true, oncall: true}
  # alert_policy:                  # burn windows of every SLO without its own (default: the Workbook's)
  #   windows:
  #     - {severity: page, short: 5m, long: 1h, factor: 14.4}           # or budget_percent: 2
  #     - {severity: ticket, short: 6h, long: 3d, budget_percent: 10}
  # severities: {page: page, ticket: ticket, info: info}   # the `severity` label value of each tier, e.g. page: critical
  # lint: {OWN005: allow}          # per-code severity: error | warning | allow
"#;

const TEAM: &str = r#"spec:
  description: <what this team owns>
  codeowners: "@<GitHub organisation>/<this team>"   # the GitHub team that reviews its files
  members:                         # in rotation order; two or more, so the secondary is someone else
    - {name: <full name>, email: <email address>}
    - {name: <full name>, email: <email address>}
  oncall:
    rotation: weekly               # daily | weekly | follow-the-sun
    handoff: "mon 09:00"           # [day] HH:MM in the time zone below
    timezone: <IANA time zone, e.g. Europe/Berlin>
    manager: {name: <full name>, email: <email address>}   # who `notify: manager` reaches
    escalation:                    # strictly increasing delays from the page
      - {after: 0m, notify: primary}
      - {after: 15m, notify: secondary}
      - {after: 30m, notify: team}
      - {after: 60m, notify: manager}
  notify:                          # secrets only as *_file paths on the Alertmanager host
    page:                          # email | slack | pagerduty | victorops | opsgenie | webhook
      - pagerduty: {routing_key_file: <path to the PagerDuty integration key file>}
    ticket:
      - email: {to: <team mailing list address>}
    # info: [{slack: {channel: <Slack channel>, api_url_file: <path to the Slack webhook URL file>}}]
    # Every receiver kind, one per entry; secrets only as files on the Alertmanager host (inline
    # `api_key:`, `api_url:`, `auth_password:`, `routing_key:` of PagerDuty and `service_key:` are OWN002):
    #   - email: {to: ..., auth_password_file: ...}
    #   - slack: {channel: ..., api_url_file: ...}
    #   - pagerduty: {routing_key_file: ...}        # or service_key_file: ... (Events API v1)
    #   - victorops: {routing_key: ..., api_key_file: ...}
    #   - opsgenie: {api_key_file: ...}
    #   - webhook: {url: https://...}
"#;

const SERVICE: &str = r#"spec:
  owner: <team>
  tier: 2                          # 1 (most critical) .. 4
  description: <what users get from it>
  runbook: <https:// URL of the runbook, or a path in this repository>
  selector: {job: <this service>}  # labels that identify its metrics
  # dependencies: []               # services it needs (no cycles)
  # dashboard_uid: rely-<this service>   # at most 40 characters
"#;

const SLI: &str = r#"spec:
  service: <service>
  description: <what users experience, measured>
  category: availability           # availability | latency | correctness | freshness
  blackbox: true                   # measured from outside, as users see it
  indicator:                       # one of ratio, latency, raw; queries keep [{{window}}]
    ratio:
      errors: sum(rate(http_requests_total{job="<service>",code=~"5.."}[{{window}}]))
      # good: ...                  # instead of errors: good events
      total: sum(rate(http_requests_total{job="<service>"}[{{window}}]))
    # latency: {histogram: http_request_duration_seconds, selector: '{job="<service>"}', threshold: 0.3}   # seconds
    # raw: {error_ratio: ...}      # a query that returns the error ratio itself
    # gauge: {metric: 'probe_success{job="<service>"}'}   # share of samples at 1; or add op: ">=", threshold: 0.5
"#;

const SLO: &str = r#"spec:
  service: <service>
  description: <the promise, in words users would recognise>
  category: availability           # availability | latency | correctness | freshness
  blackbox: true
  objective: 99.9                  # percent, strictly between 0 and 100
  # window: 30d                    # the Project's default otherwise
  indicator:                       # or `sli: <SLI name>` instead of an indicator
    ratio:
      errors: sum(rate(http_requests_total{job="<service>",code=~"5.."}[{{window}}]))
      # good: ...                  # instead of errors: good events
      total: sum(rate(http_requests_total{job="<service>"}[{{window}}]))
    # latency: {histogram: http_request_duration_seconds, selector: '{job="<service>"}', threshold: 0.3}   # seconds
    # raw: {error_ratio: ...}      # a query that returns the error ratio itself
    # gauge: {metric: 'probe_success{job="<service>"}'}   # share of samples at 1; or add op: ">=", threshold: 0.5
  # labels: {}                     # on its recording rules and alerts (not team, severity or rely_*)
  # group_by: []                   # e.g. [route]: measured and alerted per route (queries `sum by (route)`)
  alerting:
    # owner: <team>                # default: the service's owner
    # runbook: ...                 # default: the service's runbook
    # name: <AlertName>            # the burn alerts' name; default <SloName>BudgetBurn
    # labels: {}                   # on its alerts only
    # annotations: {}              # on its burn alerts; summary and description replace rely's
    page: {enabled: true}          # fast burn: 2% of the budget in 1h, or 5% in 6h
    ticket: {enabled: true}        # slow burn: 10% of the budget in 3d
    # page: {enabled: true, for: 2m, labels: {}, annotations: {}}
    # no_data: {enabled: true, for: 10m, severity: ticket}   # the SLI's series are absent
    # policy:                      # burn windows; default the Project's alert_policy, else the Workbook's
    #   windows:
    #     - {severity: page, short: 5m, long: 1h, factor: 14.4}         # or budget_percent: 2
    #     - {severity: ticket, short: 6h, long: 3d, budget_percent: 10}
  # concerns: []                   # concerns this SLO makes observable
"#;

const ALERT: &str = r#"spec:
  service: <service>
  owner: <team>                    # the team that is paged
  runbook: <https:// URL of the runbook, or a path in this repository>
  severity: ticket                 # page | ticket | info
  expr: sum(rate(http_requests_total{job="<service>",code=~"5.."}[5m])) > 10
  for: 10m                         # how long the condition holds before it fires
  summary: <what is wrong, in one line>
  description: <what it means for users and where to start>
  # blackbox: false
  # labels: {}                     # extra labels (not team, severity or rely_*)
"#;

const CONCERN: &str = r#"spec:
  title: <what keeps you up at night>
  raised_by: <team>
  status: proposed                 # proposed | accepted | in-progress | addressed | rejected
  criteria:
    why_sre: <why is this SRE work?>
    why_important: <why is it important?>
    what_involved: <what is involved?>
  # assessment:                    # required once accepted
  #   value: high                  # low | medium | high
  #   effort: medium               # low | medium | high
  #   blockers: []
  #   complexity: ...
  #   risk: ...
  #   evidence: ...
  # observed_by: []                # SLO or Alert names that show it happening
  # epic: ...                      # the backlog item, once accepted
  # results: {before: ..., after: ...}   # required once addressed
"#;

const CHAOS: &str = r#"spec:
  environment: staging             # a paging environment (production) also needs approved_by
  date: 2026-12-01
  schedule: {kickoff: "09:00", start: "10:00", retro: "15:30"}
  commander: <chaos incident commander>
  # approved_by: ...               # required in a paging environment
  paging: email-only               # email-only | normal | none
  experiments:
    - name: <experiment-name>
      team: <team>
      roles: {recorder: <name>, driver: <name>, incident_commander: <name>}
      hypothesis: <what stays true while the fault is injected>
      steady_state: {slos: [<SLO that must hold>]}
      method:                      # each step runs a command (no shell) or calls a URL
        - {action: <what the driver does>, command: <command that injects the fault>}
        # - {action: ..., url: https://..., headers: {}}   # or an HTTP call instead of a command
      blast_radius: <what the fault can touch>
      risk: low                    # low | medium | high
      backout: <command that undoes the fault>
      expect:
        fires: [{alert: <SLO or Alert name>, within: 10m}]   # how fast the alert must fire
        # quiet: []                # alerts that must not fire
      fault: {slo: <SLO that must hold>, error_ratio: 0.5, for: 15m}   # what the SLO sees; rely checks the alert can fire
      # results: {time_to_know: ..., time_to_detection: ..., fired: [], followups: [], notes: ...}
"#;
