//! `rely new KIND NAME`: a commented skeleton of each kind. Every `<placeholder>` is a value to
//! fill in; once filled, the document passes `rely check` (a test fills them and checks).

use crate::spec::Kind;

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
        "# yaml-language-server: $schema=https://example.com/rely/schema/rely.schema.json\n# A new {} — fill in every <placeholder>, then run `rely check`.\napiVersion: rely/v1\nkind: {}\nmetadata:\n  name: {name}\n{body}",
        kind.as_str(),
        kind.as_str()
    );
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
  window: 30d                      # the default SLO period
  environments: [production, staging]
  council: <team>                  # the team that runs the reliability council
  alertmanager:
    paging_environments: [production]   # elsewhere, pages go to email only
"#;

const TEAM: &str = r#"spec:
  description: <what this team owns>
  members:
    - {name: <full name>, email: <email address>}
  oncall:
    rotation: weekly               # daily | weekly | follow-the-sun
    handoff: "mon 09:00"
    timezone: <IANA time zone, e.g. Europe/Berlin>
    escalation:                    # strictly increasing delays from the page
      - {after: 0m, notify: primary}
      - {after: 15m, notify: secondary}
      - {after: 30m, notify: team}
  notify:                          # secrets only as *_file paths
    page:
      - pagerduty: {routing_key_file: <path to the PagerDuty integration key file>}
    ticket:
      - email: {to: <team mailing list>}
"#;

const SERVICE: &str = r#"spec:
  owner: <team>
  tier: 2                          # 1 (most critical) .. 4
  description: <what users get from it>
  runbook: <https:// URL of the runbook>
  selector: {job: <service>}       # labels that identify its metrics
"#;

const SLI: &str = r#"spec:
  service: <service>
  description: <what users experience, measured>
  category: availability           # availability | latency | correctness | freshness
  blackbox: true
  indicator:
    ratio:                         # or latency: {histogram, selector, threshold} / raw: {error_ratio}
      errors: sum(rate(http_requests_total{job="<service>",code=~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total{job="<service>"}[{{window}}]))
"#;

const SLO: &str = r#"spec:
  service: <service>
  description: <the promise, in words users would recognise>
  category: availability
  blackbox: true
  objective: 99.9                  # percent, strictly between 0 and 100
  # window: 30d                    # the Project's default otherwise
  indicator:                       # or `sli: <SLI name>`
    ratio:
      errors: sum(rate(http_requests_total{job="<service>",code=~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total{job="<service>"}[{{window}}]))
  alerting:
    # owner: <team>                # default: the service's owner
    page: {enabled: true}
    ticket: {enabled: true}
"#;

const ALERT: &str = r#"spec:
  service: <service>
  owner: <team>                    # the team that is paged
  runbook: <https:// URL of the runbook>
  severity: ticket                 # page | ticket | info
  expr: sum(rate(http_requests_total{job="<service>",code=~"5.."}[5m])) > 10
  for: 10m
  summary: <what is wrong, in one line>
  description: <what it means for users and where to start>
"#;

const CONCERN: &str = r#"spec:
  title: <what keeps you up at night>
  raised_by: <team>
  status: proposed                 # proposed | accepted | in-progress | addressed | rejected
  criteria:
    why_sre: <why is this SRE work?>
    why_important: <why is it important?>
    what_involved: <what is involved?>
  # assessment: {value: high, effort: medium, blockers: []}   # required once accepted
  # observed_by: [<SLO or Alert names>]
"#;

const CHAOS: &str = r#"spec:
  environment: staging             # a paging environment requires approved_by
  date: 2026-12-01
  schedule: {kickoff: "09:00", start: "10:00", retro: "15:30"}
  commander: <chaos incident commander>
  paging: email-only
  experiments:
    - name: <experiment-name>
      team: <team>
      roles: {recorder: <name>, driver: <name>, incident_commander: <name>}
      hypothesis: <what stays true while the fault is injected>
      method:
        - {action: <what the driver does>, command: <shell command>}
      blast_radius: <what the fault can touch>
      risk: low
      backout: <shell command that undoes the fault>
"#;
