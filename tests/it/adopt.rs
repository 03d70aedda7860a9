//! Adoption, as a new team meets rely: an empty git repository, `rely init`, the placeholders
//! filled, and a green `check`, `build` and `verify`; the files init writes are judged by the
//! ecosystem's schemas; init never overwrites.

use std::path::Path;

use crate::{rely, require_tool};

/// Replaces every `<placeholder>` the way a person following the README would.
pub(crate) fn fill(text: &str) -> String {
    let re = regex::Regex::new(r"<([A-Za-z][^<>\n]*)>").unwrap();
    re.replace_all(text, |c: &regex::Captures<'_>| {
        let p = &c[1];
        let v = if p.contains("repository is browsed") {
            "https://github.com/acme/reliability/blob/main/"
        } else if p.contains("Grafana") {
            "https://grafana.acme.example"
        } else if p.contains("mail relay") {
            "smtp.acme.example:587"
        } else if p.contains("email") || p.contains("mailing list") {
            "oncall@acme.example"
        } else if p.contains("URL of the runbook") {
            "https://runbooks.acme.example/api"
        } else if p.contains("time zone") {
            "Europe/Berlin"
        } else if p.contains("path to") {
            "/etc/alertmanager/secrets/pagerduty.key"
        } else if p.contains("full name") {
            "Ada Lovelace"
        } else {
            return format!("We decided on {}", p.trim_end_matches('?'));
        };
        v.to_string()
    })
    .into_owned()
}

fn git_init(dir: &Path) {
    git2::Repository::init(dir).unwrap();
}

#[test]
fn from_an_empty_repository_to_a_green_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git_init(repo);
    let (code, out, err) = rely(&["init", "--team", "payments", "--service", "checkout", "--org", "acme"], repo);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Next: replace the"), "{out}");
    // A fresh init reports its placeholders and nothing else.
    let (code, out, _) = rely(&["check", "reliability", "--format", "json"], repo);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert!(findings.len() >= 10);
    assert!(findings.iter().all(|f| f["code"] == "SCH008"), "{out}");
    // Fill every placeholder; then the gate is green.
    for entry in rely::syntax::discover(&repo.join("reliability")).unwrap() {
        let text = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(&entry, fill(&text)).unwrap();
    }
    let (code, out, err) = rely(&["check", "reliability"], repo);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no findings"), "{out}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated"], repo);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = rely(&["build", "reliability", "--out", "generated", "--check"], repo);
    assert_eq!(code, 0, "{out}{err}");
    // The schemas the modelines point at exist.
    for entry in rely::syntax::discover(&repo.join("reliability")).unwrap() {
        let first = std::fs::read_to_string(&entry).unwrap().lines().next().unwrap().to_string();
        let rel = first.strip_prefix("# yaml-language-server: $schema=").unwrap_or_else(|| panic!("{}: {first}", entry.display()));
        assert!(entry.parent().unwrap().join(rel).is_file(), "{}: {rel}", entry.display());
    }
    let attrs = std::fs::read_to_string(repo.join(".gitattributes")).unwrap();
    assert!(attrs.contains("generated/** linguist-generated=true"));
    if !require_tool("promtool") || !require_tool("amtool") {
        return;
    }
    let (code, out, err) = rely(&["verify", "generated"], repo);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok   promtool check rules prometheus/checkout.rules.yml"), "{out}");
    assert!(out.contains("ok   promtool test rules prometheus/tests/checkout.test.yml"), "{out}");
    assert!(out.contains("ok   amtool config routes test alertmanager/production/routes.tsv"), "{out}");
    assert!(out.lines().last().unwrap().starts_with("verify: ") && out.contains(" 0 failed"), "{out}");
}

#[test]
fn init_never_overwrites_and_writes_nothing_when_something_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path();
    git_init(repo);
    std::fs::create_dir_all(repo.join("reliability/teams")).unwrap();
    std::fs::write(repo.join("reliability/teams/platform.yaml"), "mine").unwrap();
    std::fs::write(repo.join(".gitattributes"), "*.png binary\n").unwrap();
    let (code, _, err) = rely(&["init"], repo);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("never overwrites") && err.contains("platform.yaml"), "{err}");
    assert_eq!(std::fs::read_to_string(repo.join("reliability/teams/platform.yaml")).unwrap(), "mine");
    assert!(!repo.join("reliability/project.yaml").exists());
    assert!(!repo.join(".github").exists());
    // An existing .gitattributes is the user's: kept as it is, with the line to add printed.
    std::fs::remove_dir_all(repo.join("reliability")).unwrap();
    let (code, out, err) = rely(&["init"], repo);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("add the line `generated/** linguist-generated=true`"), "{out}");
    assert_eq!(std::fs::read_to_string(repo.join(".gitattributes")).unwrap(), "*.png binary\n");
    let (code, _, err) = rely(&["init", "--team", "Not A Name"], repo);
    assert_eq!(code, 2, "{err}");
}

/// The workflow `rely init` writes is a valid GitHub workflow that runs the action.
#[test]
fn the_workflow_init_writes_passes_githubs_schema() {
    let tmp = tempfile::tempdir().unwrap();
    git_init(tmp.path());
    let (code, _, err) = rely(&["init"], tmp.path());
    assert_eq!(code, 0, "{err}");
    let wf = std::fs::read_to_string(tmp.path().join(".github/workflows/reliability.yml")).unwrap();
    let v: serde_yaml::Value = serde_yaml::from_str(&wf).unwrap();
    assert!(v["jobs"]["rely"]["steps"][1]["uses"].as_str().unwrap().ends_with(&format!("@v{}", env!("CARGO_PKG_VERSION"))));
    assert_eq!(v["jobs"]["rely"]["steps"][1]["with"]["directory"], "reliability");
    if !require_tool("check-jsonschema") {
        return;
    }
    let out = std::process::Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows", ".github/workflows/reliability.yml"])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}

/// `rely verify` fails (1) when a judge rejects an output, says which, and exits 2 when a judge
/// is missing or there is nothing to judge.
#[test]
fn verify_reports_failures_and_missing_judges() {
    let tmp = tempfile::tempdir().unwrap();
    let (code, _, err) = rely(&["verify", "generated"], tmp.path());
    assert_eq!(code, 2, "{err}");
    std::fs::create_dir(tmp.path().join("generated")).unwrap();
    let (code, _, err) = rely(&["verify", "generated"], tmp.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("run `rely build"), "{err}");
    let files = crate::build::build(&crate::root().join("reliability"));
    rely::emit::write(&tmp.path().join("gen"), &files).unwrap();
    // Without any judge on PATH: exit 2, and how to install each.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rely"))
        .args(["verify", "gen"])
        .current_dir(tmp.path())
        .env("PATH", tmp.path().join("empty"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for tool in ["promtool", "amtool", "chaos"] {
        assert!(err.contains(&format!("rely: {tool} is not installed")), "{err}");
    }
    if !require_tool("promtool") {
        return;
    }
    // A rule file promtool rejects: exit 1, the file named, promtool's words shown.
    let rules = tmp.path().join("gen/prometheus/public-api.rules.yml");
    let text = std::fs::read_to_string(&rules).unwrap();
    std::fs::write(&rules, text.replacen("expr: ", "expr: sum(", 1)).unwrap();
    let (code, out, _) = rely(&["verify", "gen"], tmp.path());
    assert_ne!(code, 0, "{out}");
    assert!(out.contains("FAIL promtool check rules prometheus/public-api.rules.yml"), "{out}");
    assert!(!out.contains(" 0 failed"), "{out}");
}

/// `rely new` fills what it knows: the service's owner (from the reliability directory) and the
/// service's own name in its selector.
#[test]
fn new_fills_what_the_repository_knows() {
    let (code, out, _) = rely(&["new", "alert", "api-errors", "--service", "public-api"], &crate::root());
    assert_eq!(code, 0);
    assert!(out.contains("  owner: platform "), "{out}");
    assert!(out.contains("job=\"public-api\""), "{out}");
    let (_, out, _) = rely(&["new", "service", "billing"], &crate::root());
    assert!(out.contains("selector: {job: billing}"), "{out}");
    assert!(out.starts_with("# yaml-language-server: $schema=../schema/rely.schema.json\n"), "{out}");
}

/// Skeletons that teach: every field a kind accepts (every property in its JSON Schema, at any
/// depth) appears in its `rely new` skeleton, set or commented.
#[test]
fn every_field_of_every_kind_is_in_its_skeleton() {
    fn props(v: &serde_json::Value, defs: &serde_json::Value, out: &mut std::collections::BTreeSet<String>, depth: usize) {
        if depth > 12 {
            return;
        }
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    let name = r.rsplit('/').next().unwrap();
                    if let Some(d) = defs.get(name) {
                        props(d, defs, out, depth + 1);
                    }
                }
                if let Some(p) = m.get("properties").and_then(|p| p.as_object()) {
                    out.extend(p.keys().cloned());
                }
                for (_, x) in m {
                    props(x, defs, out, depth + 1);
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| props(x, defs, out, depth + 1)),
            _ => {}
        }
    }
    for (name, text) in rely::schema_files() {
        let Some(slug) = name.strip_suffix(".schema.json").filter(|s| *s != "rely") else { continue };
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut fields = std::collections::BTreeSet::new();
        props(&schema["properties"]["spec"], &schema["$defs"], &mut fields, 0);
        assert!(fields.len() >= 3, "{slug}: {fields:?}");
        let (_, skeleton, _) = rely(&["new", slug, "x"], &crate::root());
        let missing: Vec<&String> = fields.iter().filter(|f| !skeleton.contains(&format!("{f}:"))).collect();
        assert!(missing.is_empty(), "{slug}: fields missing from the skeleton: {missing:?}\n{skeleton}");
    }
}
