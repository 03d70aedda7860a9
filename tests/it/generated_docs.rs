//! Committed artefacts that are generated: `schema/` and the README's table of codes. A stale
//! copy fails here with the command that regenerates it.

use crate::root;

#[test]
fn committed_schemas_are_current() {
    let files = rely::schema_files();
    for (name, text) in &files {
        let path = root().join("schema").join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(committed == *text, "schema/{name} is stale: run `cargo run -- schema --out schema`");
    }
    let on_disk = std::fs::read_dir(root().join("schema")).unwrap().count();
    assert_eq!(on_disk, files.len(), "schema/ has files rely does not generate");
}

#[test]
fn readme_lists_every_code() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = rely::diag::codes::table_markdown();
    assert!(readme.contains(&table), "README.md's table of codes is stale: replace it with `cargo run -- rules --markdown`");
}

#[test]
fn example_files_point_editors_at_the_schema() {
    for entry in rely::syntax::discover(&root().join("reliability")).unwrap() {
        let text = std::fs::read_to_string(&entry).unwrap();
        let first = text.lines().next().unwrap_or("");
        assert!(
            first.starts_with("# yaml-language-server: $schema=") && first.ends_with("schema/rely.schema.json"),
            "{}: {first}",
            entry.display()
        );
        let rel = first.trim_start_matches("# yaml-language-server: $schema=");
        assert!(entry.parent().unwrap().join(rel).exists(), "{}: {rel} does not exist", entry.display());
    }
}
