//! Every diagnostic code has a fixture that produces exactly the codes it declares
//! (`# expect: CODE, CODE`), and the valid fixtures produce nothing. Each fixture is checked
//! alone, from a temporary directory, so fixtures cannot lean on each other.

use std::collections::BTreeSet;
use std::path::Path;

use rely::diag::codes;

use crate::root;

fn check_alone(file: &Path) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(file, dir.join(file.file_name().unwrap())).unwrap();
    let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
    let mut codes: Vec<String> = checked.findings.iter().map(|f| f.rule.code.to_string()).collect();
    codes.sort();
    codes
}

fn expected(file: &Path) -> Vec<String> {
    let bytes = std::fs::read(file).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let line = text.lines().next().unwrap_or("");
    let list = line.strip_prefix("# expect:").unwrap_or_else(|| panic!("{}: first line must be `# expect: CODES`", file.display())).trim();
    if list == "nothing" {
        return vec![];
    }
    let mut v: Vec<String> = list.split(',').map(|c| c.trim().to_string()).collect();
    v.sort();
    v
}

pub(crate) fn fixtures(sub: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("tests/fixtures").join(sub))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    v.sort();
    v
}

#[test]
fn invalid_fixtures_produce_exactly_their_codes() {
    let mut failures = vec![];
    for f in fixtures("invalid") {
        let want = expected(&f);
        let got = check_alone(&f);
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        assert!(!want.is_empty(), "{name} expects nothing; put it in valid/");
        assert!(
            want.iter().any(|c| name.starts_with(c.as_str())),
            "{name}: the file name must start with one of its expected codes {want:?}"
        );
        if got != want {
            failures.push(format!("{name}: expected {want:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_fixtures_produce_nothing() {
    let valid = fixtures("valid");
    assert!(!valid.is_empty());
    for f in valid {
        assert_eq!(check_alone(&f), Vec::<String>::new(), "{}", f.display());
    }
}

#[test]
fn every_code_has_a_fixture() {
    let mut covered: BTreeSet<String> = fixtures("invalid").iter().flat_map(|f| expected(f)).collect();
    // `rely import` findings: see import::import_finding_fixtures_produce_exactly_their_codes.
    covered.extend(crate::import::import_fixtures().iter().flat_map(|f| crate::import::expected(f)));
    covered.insert("YML005".into()); // generated below: a 10 MB file is not committed
    covered.insert("GEN002".into()); // a template error: see ops::a_broken_template_override_is_a_finding
    covered.insert("YML009".into()); // a symbolic link: see hostile::symlinks_are_not_followed
    covered.insert("YML010".into()); // a line break in a file name: see trust::a_file_name_with_a_line_break_is_refused
    for c in ["LIV001", "LIV002", "LIV003", "LIV004"] {
        covered.insert(c.into()); // online lints need a Prometheus: see live::online_lints_find_what_only_the_metrics_tell
    }
    let missing: Vec<&str> = codes::ALL.iter().map(|r| r.code).filter(|c| !covered.contains(*c)).collect();
    assert!(missing.is_empty(), "codes without a fixture: {missing:?}");
}

#[test]
fn a_10_mb_file_is_refused_quickly() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    let mut big = String::from("apiVersion: rely/v1\nkind: Team\nmetadata: {name: big}\nspec:\n  description: \"");
    big += &"x".repeat(10 * 1024 * 1024);
    big += "\"\n";
    std::fs::write(dir.join("big.yaml"), big).unwrap();
    let started = std::time::Instant::now();
    let (_, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
    let codes: Vec<&str> = checked.findings.iter().map(|f| f.rule.code).collect();
    assert_eq!(codes, ["YML005"]);
    assert!(started.elapsed().as_secs() < 5, "took {:?}", started.elapsed());
}

#[test]
fn multi_error_fixture_renders_human_and_json() {
    let dir = root().join("tests/fixtures/multi");
    let (loaded, checked) = rely::load_and_check(Path::new("tests/fixtures/multi"), &Default::default()).unwrap();
    assert!(dir.exists());
    let summary = rely::diag::Summary::of(&checked.findings, loaded.files.len());
    let want = expected(&dir.join("multi-error.yaml"));
    let mut got: Vec<String> = checked.findings.iter().map(|f| f.rule.code.to_string()).collect();
    got.sort();
    assert_eq!(got, want);
    let human = rely::diag::render::render(rely::diag::render::Format::Human, &checked.findings, &loaded.files, summary, false);
    insta::assert_snapshot!("multi_error_human", human);
    let json = rely::diag::render::render(rely::diag::render::Format::Json, &checked.findings, &loaded.files, summary, false);
    insta::assert_snapshot!("multi_error_json", json);
}

#[test]
fn duplicate_names_across_files_point_at_the_first_definition() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reliability");
    std::fs::create_dir(&dir).unwrap();
    let team = "apiVersion: rely/v1\nkind: Team\nmetadata: {name: platform}\nspec:\n  members: [{name: Ada, email: ada@example.com}]\n";
    std::fs::write(dir.join("a.yaml"), team).unwrap();
    std::fs::write(dir.join("b.yaml"), format!("# the same team again\n{team}")).unwrap();
    let (loaded, checked) = rely::load_and_check(&dir, &Default::default()).unwrap();
    assert_eq!(checked.findings.len(), 1, "{:?}", checked.findings);
    let f = &checked.findings[0];
    assert_eq!(f.rule.code, "REF002");
    assert!(loaded.files[f.file].display.ends_with("b.yaml"));
    assert_eq!((f.span.start.line, f.span.start.col), (4, 18));
    assert!(f.help.as_deref().unwrap().contains("a.yaml:3"), "{:?}", f.help);
}
