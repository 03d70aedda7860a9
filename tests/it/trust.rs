//! `rely build` never destroys what it did not write: `--out` is refused (exit 2, nothing
//! touched) when it is the input, the repository, `.git`, the home directory, an ancestor of
//! any of them, a symbolic link, a file, read-only, or a directory holding files rely did not
//! write; and builds never flake, even many at once.

use std::path::{Path, PathBuf};

use crate::{root, tree};

/// A scratch repository: `.git/` with a file in it, `reliability/` (the example), a `deploy/`
/// with the user's own file, a home directory with `.ssh/`.
struct Scratch {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::create_dir(dir.join("reliability")).unwrap();
        crate::chaos::copy_dir(&root().join("reliability"), &dir.join("reliability"));
        std::fs::create_dir(dir.join("deploy")).unwrap();
        std::fs::write(dir.join("deploy/kustomization.yaml"), "resources: [app.yaml]\n").unwrap();
        std::fs::create_dir_all(tmp.path().join("home/.ssh")).unwrap();
        std::fs::write(tmp.path().join("home/.ssh/id_ed25519"), "secret\n").unwrap();
        Scratch { _tmp: tmp, dir }
    }

    fn home(&self) -> PathBuf {
        self.dir.parent().unwrap().join("home")
    }

    /// Runs `rely build reliability --out OUT [extra]` in the repository with HOME set.
    fn build(&self, out: &str, extra: &[&str]) -> (i32, String, String) {
        let mut args = vec!["build", "reliability", "--out", out];
        args.extend_from_slice(extra);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
            .args(&args)
            .current_dir(&self.dir)
            .env("HOME", self.home())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
    }

    /// Everything under the scratch root, for before/after comparison.
    fn snapshot(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        tree(self.dir.parent().unwrap())
    }
}

#[test]
fn out_that_would_destroy_user_data_is_refused_and_nothing_is_touched() {
    let s = Scratch::new();
    let home = s.home();
    let root_dir = s.dir.to_str().unwrap().to_string();
    let cases: Vec<(String, &str)> = vec![
        ("reliability".into(), "reliability directory"),
        ("./reliability/".into(), "reliability directory"),
        ("reliability/generated".into(), "inside the reliability directory"),
        (".".into(), "repository root"),
        (root_dir.clone(), "repository root"),
        ("..".into(), "contains"),
        ("/".into(), "contains"),
        (".git".into(), ".git"),
        (".git/hooks".into(), ".git"),
        (home.to_str().unwrap().into(), "home directory"),
        ("deploy".into(), "did not write"),
        ("deploy/../reliability".into(), "reliability directory"),
    ];
    let before = s.snapshot();
    for (out, why) in &cases {
        let (code, stdout, err) = s.build(out, &[]);
        assert_eq!(code, 2, "--out {out}: {stdout}{err}");
        assert!(err.contains(why), "--out {out}: expected `{why}` in: {err}");
        assert!(s.snapshot() == before, "--out {out} changed files");
    }
    // --force adopts a directory rely did not write, but never a protected one.
    for (out, _) in cases.iter().filter(|(o, _)| o != "deploy") {
        let (code, _, err) = s.build(out, &["--force"]);
        assert_eq!(code, 2, "--out {out} --force: {err}");
        assert!(s.snapshot() == before, "--out {out} --force changed files");
    }
    let (code, _, err) = s.build("deploy", &["--force"]);
    assert_eq!(code, 0, "{err}");
    assert!(!s.dir.join("deploy/kustomization.yaml").exists(), "--force replaces the adopted directory");
    assert!(s.dir.join("deploy/.rely-manifest").is_file());
    // Now rely's: a plain rebuild is fine.
    assert_eq!(s.build("deploy", &[]).0, 0);
}

#[cfg(unix)]
#[test]
fn links_files_and_read_only_directories_are_refused_before_anything_is_built() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    // A symbolic link to a directory of the user's: the target is never emptied.
    std::os::unix::fs::symlink(s.dir.join("deploy"), s.dir.join("link")).unwrap();
    std::fs::write(s.dir.join("notes.txt"), "mine\n").unwrap();
    std::fs::create_dir(s.dir.join("locked")).unwrap();
    std::fs::set_permissions(s.dir.join("locked"), std::fs::Permissions::from_mode(0o555)).unwrap();
    let before = s.snapshot();
    for (out, why) in [("link", "symbolic link"), ("notes.txt", "not a directory"), ("locked", "read-only")] {
        let (code, _, err) = s.build(out, &["--force"]);
        assert_eq!(code, 2, "--out {out}: {err}");
        assert!(err.contains(why), "--out {out}: {err}");
        assert!(s.snapshot() == before, "--out {out} changed files");
        let hidden = crate::rely_leftovers(&s.dir);
        assert!(hidden.is_empty(), "--out {out} left {hidden:?}");
    }
    std::fs::set_permissions(s.dir.join("locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn a_file_rely_did_not_write_inside_its_outputs_stops_the_build() {
    let s = Scratch::new();
    assert_eq!(s.build("generated", &[]).0, 0);
    std::fs::write(s.dir.join("generated/prometheus/mine.rules.yml"), "groups: []\n").unwrap();
    let before = s.snapshot();
    let (code, _, err) = s.build("generated", &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("prometheus/mine.rules.yml"), "{err}");
    assert!(s.snapshot() == before);
}

/// Builds in parallel loops, into one shared output directory and into directories of their
/// own: every one succeeds and the outputs are complete. (The race this guards against made
/// 1–4% of builds fail on an idle machine.)
#[test]
fn parallel_builds_never_fail() {
    let s = Scratch::new();
    assert_eq!(s.build("shared", &[]).0, 0);
    let expected = tree(&s.dir.join("shared"));
    let loops = 4;
    let per_loop = 25;
    let failures = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for l in 0..loops {
            let s = &s;
            let failures = &failures;
            scope.spawn(move || {
                for i in 0..per_loop {
                    let out = if l % 2 == 0 { "shared".to_string() } else { format!("own-{l}") };
                    let (code, _, err) = s.build(&out, &[]);
                    if code != 0 {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        eprintln!("build {l}/{i} into {out} failed: {err}");
                    }
                }
            });
        }
    });
    assert_eq!(failures.into_inner(), 0, "of {} parallel builds", loops * per_loop);
    for out in ["shared", "own-1", "own-3"] {
        assert!(tree(&s.dir.join(out)) == expected, "{out} is not the complete build");
    }
    let leftovers = crate::rely_leftovers(&s.dir);
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The guard's message names the problem for an `--out` given as a path through a link to the
/// repository (resolved, not compared as text).
#[cfg(unix)]
#[test]
fn a_path_through_a_link_is_resolved_before_it_is_compared() {
    let s = Scratch::new();
    let alias = s.dir.parent().unwrap().join("alias");
    std::os::unix::fs::symlink(&s.dir, &alias).unwrap();
    let out: &Path = &alias.join("reliability");
    let (code, _, err) = s.build(out.to_str().unwrap(), &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("reliability directory"), "{err}");
}

/// A line break in a file name once rewrote the whole Alertmanager configuration through the
/// generated header: now the name is a finding (YML010), shown escaped, and nothing is built.
#[cfg(unix)]
#[test]
fn a_file_name_with_a_line_break_is_refused() {
    let s = Scratch::new();
    let evil = "teams/x\nroute: {receiver: x}\n#.yaml";
    std::fs::rename(s.dir.join("reliability/teams/platform.yaml"), s.dir.join("reliability").join(evil)).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
        .args(["check", "reliability", "--format", "json"])
        .current_dir(&s.dir)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["code"] == "YML010").expect("YML010");
    assert!(f["file"].as_str().unwrap().contains("x\\u000Aroute"), "{f}");
    let (code, _, _) = s.build("generated", &[]);
    assert_eq!(code, 1);
    assert!(!s.dir.join("generated").exists());
}

/// Hostile text in every kind of field, through the whole pipeline: each generated file has
/// the structure rely meant (the same number of rules, receivers, resources, steps) and the
/// real tools read the values back as written.
const HOSTILE: &str = r#"apiVersion: rely/v1
kind: Team
metadata: {name: payments}
spec:
  description: "Payments\b\f team ${var} %{ if } \u2028resource \"null_resource\" \"x\" {}"
  members:
    - {name: "Ada \"Example\"", email: a.b@example.com}
    - {name: Bo Example, email: a_b@example.com}
  notify:
    page:
      - pagerduty: {routing_key_file: "/etc/am/key\u2028- name: evil\n  webhook_configs: [{url: 'http://evil.example'}]"}
    ticket:
      - email: {to: "payments-oncall@example.com"}
---
apiVersion: rely/v1
kind: Service
metadata: {name: checkout}
spec: {owner: payments, tier: 1, runbook: "https://runbooks.example.com/checkout", selector: {job: checkout}}
---
apiVersion: rely/v1
kind: SLO
metadata: {name: checkout-availability}
spec:
  service: checkout
  description: "Checkout {{ works }}\u0085- alert: Evil\x7f\u009f\uFFFE"
  objective: 99.9
  indicator:
    ratio:
      errors: sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{window}}]))
      total: sum(rate(http_requests_total{job="checkout"}[{{window}}]))
  alerting: {page: {enabled: true}, ticket: {enabled: true}}
---
apiVersion: rely/v1
kind: Alert
metadata: {name: queue-backlog}
spec:
  service: checkout
  owner: payments
  runbook: https://runbooks.example.com/queue
  severity: page
  expr: sum(checkout_queue_depth) > 1000
  for: 10m
  summary: "Queue {{ $labels.x }} is long"
  description: "Fine.\u2028- alert: AlwaysFiring\n  expr: vector(1)\n  labels: {severity: page}"
  labels: {note: "\n  indented\n---\n# not a comment"}
---
apiVersion: rely/v1
kind: ChaosPlan
metadata: {name: game-day}
spec:
  environment: staging
  date: 2026-03-15
  commander: Ada Example
  paging: email-only
  experiments:
    - name: provider-errors
      team: payments
      roles: {recorder: Bo Example, driver: "Ada | <b>x</b>", incident_commander: "<!-- hidden"}
      hypothesis: "Failing calls page payments `$(touch /tmp/rely-pwned)` ${secret}"
      steady_state: {slos: [checkout-availability]}
      method:
        - action: "announce `touch /tmp/rely-pwned` $(touch /tmp/rely-pwned) ${secret} \" '"
        - action: break it
          command: "echo '```' && true"
      blast_radius: checkout in staging only
      risk: low
      backout: "echo back"
"#;

#[test]
fn hostile_text_in_every_field_stays_text() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("all.yaml"), HOSTILE).unwrap();
    let out = tmp.path().join("gen");
    let (code, stdout, err) = crate::rely(&["build", "reliability", "--out", out.to_str().unwrap()], tmp.path());
    assert_eq!(code, 0, "{stdout}{err}");

    // Prometheus rules: the alerts rely meant, with the text as written (escaped for Go templates).
    let rules_text = std::fs::read_to_string(out.join("prometheus/checkout.rules.yml")).unwrap();
    let rules: serde_yaml::Value = serde_yaml::from_str(&rules_text).unwrap();
    let all: Vec<&serde_yaml::Value> =
        rules["groups"].as_sequence().unwrap().iter().flat_map(|g| g["rules"].as_sequence().unwrap()).collect();
    let alerts: Vec<&str> = all.iter().filter_map(|r| r["alert"].as_str()).collect();
    assert_eq!(
        alerts,
        ["CheckoutAvailabilityBudgetBurn", "CheckoutAvailabilityBudgetBurn", "CheckoutAvailabilityNoData", "QueueBacklog"],
        "{rules_text}"
    );
    let q = all.iter().find(|r| r["alert"] == "QueueBacklog").unwrap();
    assert_eq!(q["annotations"]["description"], "Fine.\u{2028}- alert: AlwaysFiring\n  expr: vector(1)\n  labels: {severity: page}");
    assert_eq!(q["annotations"]["summary"], "Queue {{ \"{{\" }} $labels.x }} is long");
    assert_eq!(q["labels"]["note"], "\n  indented\n---\n# not a comment");
    if crate::require_tool("promtool") {
        let (ok, o) = crate::promtool::promtool(&["check", "rules", "prometheus/checkout.rules.yml"], &out);
        assert!(ok, "{o}");
        assert!(o.contains(&format!("SUCCESS: {} rules found", all.len())), "{o}");
        // The generated tests expect the burn alerts' descriptions as written: Go reads them so.
        let (ok, o) = crate::promtool::promtool(&["test", "rules", "prometheus/tests/checkout.test.yml"], &out);
        assert!(ok, "{o}");
    }

    // Alertmanager: one receiver per team severity and no other; the file path kept whole.
    for env in ["production", "staging"] {
        let text = std::fs::read_to_string(out.join(format!("alertmanager/{env}/alertmanager.yml"))).unwrap();
        let v: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let names: Vec<&str> = v["receivers"].as_sequence().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
        assert!(!names.contains(&"evil"), "{names:?}");
        if env == "production" {
            let pd = v["receivers"].as_sequence().unwrap().iter().find(|r| r["name"] == "payments-page").unwrap();
            assert!(pd["pagerduty_configs"][0]["routing_key_file"].as_str().unwrap().starts_with("/etc/am/key\u{2028}- name: evil\n"));
        }
        if crate::require_tool("amtool") {
            let (ok, o) = crate::ops::amtool(&["check-config", &format!("alertmanager/{env}/alertmanager.yml")], &out);
            assert!(ok, "{o}");
            assert!(o.contains(&format!(" - {} receivers", names.len())), "{o}");
        }
    }

    // Terraform: hcl-rs reads the same resources and the description as written; two people
    // whose emails differ in `.` and `_` stay two users.
    let tf = std::fs::read_to_string(out.join("oncall/pagerduty.tf")).unwrap();
    let body: hcl::Body = hcl::from_str(&tf).unwrap_or_else(|e| panic!("{e}\n{tf}"));
    let kinds: Vec<String> = body.blocks().filter(|b| b.identifier() == "resource").map(|b| b.labels()[0].as_str().to_string()).collect();
    assert!(!kinds.contains(&"null_resource".to_string()), "{kinds:?}");
    let users = body.blocks().filter(|b| b.identifier() == "data" && b.labels()[0].as_str() == "pagerduty_user").count();
    assert_eq!(users, 2, "{tf}");
    assert_eq!(body.blocks().filter(|b| b.identifier() == "output").count(), 1, "{tf}");
    let team = body.blocks().find(|b| b.labels().first().map(|l| l.as_str()) == Some("pagerduty_team")).unwrap();
    let desc = team.body().attributes().find(|a| a.key() == "description").unwrap();
    let shown = match desc.expr() {
        hcl::Expression::String(s) => s.clone(),
        hcl::Expression::TemplateExpr(t) => hcl::Template::from_expr(t)
            .unwrap()
            .elements()
            .iter()
            .map(|e| match e {
                hcl::template::Element::Literal(l) => l.clone(),
                other => panic!("interpolation in a description: {other:?}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(shown, "Payments\u{8}\u{c} team ${var} %{ if } \u{2028}resource \"null_resource\" \"x\" {}");

    // Chaos Toolkit: the manual step is printed by echo with one argument, never run by a shell.
    let exp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("chaos/game-day/provider-errors.json")).unwrap()).unwrap();
    let method = exp["method"].as_array().unwrap();
    assert_eq!(method.len(), 2);
    assert_eq!(method[0]["provider"]["path"], "echo");
    assert_eq!(method[0]["provider"]["arguments"].as_array().unwrap().len(), 1);
    assert!(method[0]["provider"]["arguments"][0].as_str().unwrap().contains("$$(touch /tmp/rely-pwned) $${secret}"));
    if crate::require_tool("chaos") {
        let o = std::process::Command::new("chaos")
            .args(["validate", "chaos/game-day/provider-errors.json"])
            .current_dir(&out)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    }

    // The day's plan: the user's text is text; the command block stays one block.
    let readme = std::fs::read_to_string(out.join("chaos/game-day/README.md")).unwrap();
    use pulldown_cmark::{Event, Options, Parser, Tag};
    let events: Vec<Event<'_>> = Parser::new_ext(&readme, Options::ENABLE_TABLES).collect();
    let html: Vec<String> =
        events.iter().filter_map(|e| if let Event::Html(h) | Event::InlineHtml(h) = e { Some(h.to_string()) } else { None }).collect();
    assert_eq!(html.len(), 1, "only rely's own header comment: {html:?}");
    assert!(html[0].starts_with("<!-- Generated by rely"));
    let code_blocks = events.iter().filter(|e| matches!(e, Event::Start(Tag::CodeBlock(_)))).count();
    assert_eq!(code_blocks, 2, "the command and the back-out: {readme}");
    assert!(!Path::new("/tmp/rely-pwned").exists());
}

/// Template overrides are regular files inside the repository, read with a bound: a link (to
/// the process environment, to /dev/zero), a FIFO or a huge file is GEN002, at once.
#[cfg(unix)]
#[test]
fn template_overrides_that_are_not_regular_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(root().join("tests/fixtures/valid/minimal.yaml"), dir.join("minimal.yaml")).unwrap();
    std::fs::create_dir_all(tmp.path().join("templates/oncall")).unwrap();
    let over = tmp.path().join("templates/oncall/pagerduty.tf.j2");
    let out = tmp.path().join("gen");
    type Make<'a> = Box<dyn Fn() + 'a>;
    let cases: Vec<(&str, Make<'_>)> = vec![
        ("symbolic link", Box::new(|| std::os::unix::fs::symlink("/proc/self/environ", &over).unwrap())),
        ("symbolic link", Box::new(|| std::os::unix::fs::symlink("/dev/zero", &over).unwrap())),
        (
            "not a regular file",
            Box::new(|| {
                let st = std::process::Command::new("mkfifo").arg(&over).status().unwrap();
                assert!(st.success());
            }),
        ),
        ("larger than", Box::new(|| std::fs::write(&over, "#".repeat(300 * 1024)).unwrap())),
        (
            "symbolic link",
            Box::new(|| {
                std::fs::remove_dir(tmp.path().join("templates/oncall")).unwrap();
                std::os::unix::fs::symlink("/etc", tmp.path().join("templates/oncall")).unwrap();
            }),
        ),
    ];
    for (why, make) in cases {
        let _ = std::fs::remove_file(&over);
        make();
        let started = std::time::Instant::now();
        let (code, stdout, err) = crate::rely(&["build", "reliability", "--out", out.to_str().unwrap(), "--format", "concise"], tmp.path());
        assert!(started.elapsed().as_secs() < 10, "took {:?}", started.elapsed());
        assert_eq!(code, 1, "{why}: {stdout}{err}");
        assert!(stdout.contains("GEN002") && stdout.contains(why), "{why}: {stdout}");
        assert!(!stdout.contains("PATH="), "{stdout}");
        assert!(!out.exists());
    }
}
