//! `rely diff` on small git repositories made with git2 in a temporary directory: the base is a
//! commit (branch `base`), the head is the working tree. Markdown and JSON are snapshotted.

use rely::DiffOptions;

const BASE: &str = r#"apiVersion: rely/v1
kind: Team
metadata: {name: payments}
spec:
  members: [{name: Ada Example, email: ada@example.com}]
  notify:
    page: [{pagerduty: {routing_key_file: /etc/am/pd.key}}]
    ticket: [{email: {to: payments@example.com}}]
---
apiVersion: rely/v1
kind: Team
metadata: {name: platform}
spec:
  members: [{name: Bo Example, email: bo@example.com}]
  notify:
    page: [{email: {to: platform@example.com}}]
---
apiVersion: rely/v1
kind: Service
metadata: {name: checkout}
spec: {owner: payments, tier: 1, runbook: "https://runbooks.example.com/checkout"}
---
apiVersion: rely/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  service: checkout
  objective: 99.9
  indicator:
    ratio:
      errors: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{window}}]))
  alerting: {}
---
apiVersion: rely/v1
kind: Alert
metadata: {name: checkout-queue-backlog}
spec:
  service: checkout
  owner: payments
  runbook: https://runbooks.example.com/queue
  severity: page
  expr: sum(checkout_queue_depth) > 1000
  for: 10m
  summary: Orders are piling up
"#;

const CONCERN: &str = r#"---
apiVersion: rely/v1
kind: Concern
metadata: {name: provider-timeouts}
spec:
  title: The payment provider times out under load
  raised_by: payments
  status: proposed
  criteria:
    why_sre: Timeouts are a reliability property of a dependency we cannot change ourselves.
    why_important: Every timeout is a lost order at checkout.
    what_involved: Client-side timeouts and retries with budgets, plus an SLO on provider latency.
  assessment: {value: high, effort: medium, blockers: [provider contract]}
"#;

/// A repository whose `base` branch holds `BASE`, with `head` written to the working tree.
fn repo(head: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    crate::commit_base(tmp.path(), &[("reliability/payments.yaml", BASE)]);
    std::fs::write(tmp.path().join("reliability/payments.yaml"), head).unwrap();
    tmp
}

fn diff(head: &str) -> (String, String) {
    let tmp = repo(head);
    let args = DiffOptions { base: "base".into(), head: None, dir: tmp.path().join("reliability") };
    let r = rely::diff_report(&args).unwrap();
    (rely::diff::markdown(&r), serde_json::to_string_pretty(&r).unwrap())
}

fn snap(name: &str, head: &str) -> (String, String) {
    let (md, json) = diff(head);
    insta::assert_snapshot!(format!("diff_{name}_md"), md);
    insta::assert_snapshot!(format!("diff_{name}_json"), json);
    (md, json)
}

#[test]
fn a_new_slo() {
    let head = format!(
        "{BASE}---\napiVersion: rely/v1\nkind: SLO\nmetadata: {{name: checkout-latency}}\nspec:\n  service: checkout\n  objective: 99\n  indicator:\n    latency: {{histogram: http_request_duration_seconds, selector: '{{job=\"checkout\"}}', threshold: 0.3}}\n"
    );
    let (md, _) = snap("new_slo", &head);
    assert!(md.contains("- SLO `checkout-latency`"), "{md}");
}

#[test]
fn an_objective_lowered() {
    let (md, _) = snap("objective_lowered", &BASE.replace("objective: 99.9", "objective: 99.5"));
    assert!(md.contains("objective lowered from 99.9% to 99.5%: the error budget goes from 43m12s per 30d to 3h36m per 30d"), "{md}");
}

#[test]
fn an_alert_removed() {
    let head = &BASE[..BASE.find("---\napiVersion: rely/v1\nkind: Alert").unwrap()];
    let (md, _) = snap("alert_removed", head);
    assert!(md.contains("**Alert `checkout-queue-backlog`**: alert removed"), "{md}");
}

#[test]
fn an_owner_changed() {
    let (md, _) = snap(
        "owner_changed",
        &BASE.replace(
            "  owner: payments\n  runbook: https://runbooks.example.com/queue",
            "  owner: platform\n  runbook: https://runbooks.example.com/queue",
        ),
    );
    assert!(md.contains("`owner` changed from `payments` to `platform`"), "{md}");
}

#[test]
fn a_new_concern_is_shown_for_the_council() {
    let (md, _) = snap("new_concern", &format!("{BASE}{CONCERN}"));
    assert!(md.contains("### New concern for the council: `provider-timeouts`"), "{md}");
    assert!(md.contains("| Why is it important? | Every timeout is a lost order at checkout. |"), "{md}");
    assert!(md.contains("value **high**, effort **medium**, blockers: provider contract"), "{md}");
}

#[test]
fn a_rename() {
    let (md, json) = snap("rename", &BASE.replace("name: checkout-availability", "name: checkout-success"));
    assert!(md.contains("- SLO `checkout-success` (was `checkout-availability`)"), "{md}");
    assert!(json.contains("\"change\": \"renamed\""));
}

#[test]
fn a_head_that_does_not_compile() {
    let (md, json) = snap("broken_head", &BASE.replace("objective: 99.9", "objective: 100"));
    assert!(md.starts_with("**rely diff: ❌ head does not pass `rely check`: 1 error**"), "{md}");
    assert!(md.contains("SLO001"), "{md}");
    assert!(json.contains("\"head_errors\""));
}

#[test]
fn a_base_that_does_not_compile() {
    // Base broken, head fixed: the head's changes are still listed; the base's errors are noted.
    let tmp = tempfile::tempdir().unwrap();
    let broken = BASE.replace("owner: payments, tier: 1", "owner: payments, tier: 9");
    crate::commit_base(tmp.path(), &[("reliability/payments.yaml", &broken)]);
    let dir = tmp.path().join("reliability");
    std::fs::write(dir.join("payments.yaml"), BASE).unwrap();
    let args = DiffOptions { base: "base".into(), head: None, dir: dir.clone() };
    let r = rely::diff_report(&args).unwrap();
    let md = rely::diff::markdown(&r);
    insta::assert_snapshot!("diff_broken_base_md", md);
    assert!(r.head_errors.is_empty() && r.base_errors.len() == 1, "{md}");
    assert!(md.contains("The base has 1 error(s)"), "{md}");
    assert!(md.contains("- Service `checkout`"), "the service the base could not read shows as added: {md}");
}

/// The base side's runbook paths are looked up in the base revision, not the working tree: a
/// pull request that deletes a runbook file (and links the runbook elsewhere) leaves a base that
/// was fine, and a base that pointed at a runbook it did not have is reported.
#[test]
fn runbooks_of_the_base_are_checked_in_the_base() {
    let with_path = BASE.replace("runbook: \"https://runbooks.example.com/checkout\"", "runbook: reliability/runbooks/checkout.md");
    assert_ne!(with_path, BASE);
    let commit = |files: &[(&str, &str)]| {
        let tmp = tempfile::tempdir().unwrap();
        crate::commit_base(tmp.path(), files);
        tmp
    };
    let report = |tmp: &tempfile::TempDir| {
        let dir = tmp.path().join("reliability");
        rely::diff_report(&DiffOptions { base: "base".into(), head: None, dir }).unwrap()
    };
    // The base has the runbook; the working tree deletes it and links an https runbook instead.
    let tmp = commit(&[("reliability/payments.yaml", &with_path), ("reliability/runbooks/checkout.md", "# Checkout\n")]);
    std::fs::remove_file(tmp.path().join("reliability/runbooks/checkout.md")).unwrap();
    std::fs::write(tmp.path().join("reliability/payments.yaml"), BASE).unwrap();
    let r = report(&tmp);
    assert!(r.base_errors.is_empty() && r.head_errors.is_empty(), "{:?} {:?}", r.base_errors, r.head_errors);
    // The base pointed at a runbook it did not have; the working tree adds it.
    let tmp = commit(&[("reliability/payments.yaml", &with_path)]);
    std::fs::create_dir_all(tmp.path().join("reliability/runbooks")).unwrap();
    std::fs::write(tmp.path().join("reliability/runbooks/checkout.md"), "# Checkout\n").unwrap();
    let r = report(&tmp);
    assert!(r.head_errors.is_empty(), "{:?}", r.head_errors);
    assert!(r.base_errors.len() == 1 && r.base_errors[0].contains("ALR003"), "{:?}", r.base_errors);
}

#[test]
fn a_missing_base_is_explained() {
    let tmp = repo(BASE);
    let (code, _, err) = crate::rely(&["diff", "--base", "origin/main", "reliability"], tmp.path());
    assert_eq!(code, 2);
    assert!(err.contains("revision `origin/main` is not in this repository") && err.contains("fetch-depth: 0"), "{err}");
}

#[test]
fn diff_of_the_example_repository_against_itself_is_empty() {
    let (code, out, err) = crate::rely(&["diff", "--base", "HEAD", "reliability", "--format", "json"], &crate::root());
    if err.contains("not inside a git repository") {
        return; // a source tarball without .git
    }
    assert!(code == 0 || code == 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["verdict"].is_string());
}

/// A runbook holding `\n<!--` once opened an HTML comment in the Markdown that hid the
/// "objective lowered" risk and the whole Changed section: user values are code spans or
/// escaped text now, and every part of the report still renders as text.
#[test]
fn user_values_cannot_hide_the_report() {
    let head = BASE.replace("objective: 99.9", "objective: 99.5").replace(
        "runbook: https://runbooks.example.com/queue",
        "runbook: \"https://runbooks.example.com/queue\\n<!-- hidden\\n| fake | row |\"",
    );
    let (md, _) = diff(&head);
    use pulldown_cmark::{Event, Options, Parser};
    let html: Vec<String> = Parser::new_ext(&md, Options::ENABLE_TABLES)
        .filter_map(|e| match e {
            Event::Html(h) | Event::InlineHtml(h) => Some(h.to_string()),
            _ => None,
        })
        .collect();
    // rely's own <details>/<summary> are the only HTML.
    assert!(html.iter().all(|h| h.starts_with("<details>") || h.starts_with("</details>") || h.contains("<summary>")), "{html:?}\n{md}");
    // The value is shown, as code, not interpreted.
    assert!(Parser::new(&md).any(|e| matches!(e, Event::Code(c) if c.contains("<!-- hidden"))), "{md}");
    assert!(md.contains("objective lowered from 99.9% to 99.5%"), "{md}");
    assert!(md.contains("### Changed"), "{md}");
}
