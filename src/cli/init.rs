//! `rely init [DIR] [--team T] [--service S] [--org O]`: a starter reliability repository, then
//! what is left to fill (the placeholders `rely check` reports).

use anyhow::Result;
use rely::EXIT_OK;
use rely::init::{GITATTRIBUTES, InitOptions};

pub(super) fn run(opts: InitOptions) -> Result<u8> {
    let done = rely::init::init(&opts)?;
    for p in &done.written {
        println!("wrote {}", p.display());
    }
    if let Some(p) = &done.gitattributes_kept {
        println!("kept {} as it is: add the line `{}` to it", p.display(), GITATTRIBUTES.trim_end());
    }
    let (loaded, checked) = rely::load_and_check(&opts.dir, &Default::default())?;
    let placeholders = checked.findings.iter().filter(|f| f.rule.code == "SCH008").count();
    println!(
        "\nNext: replace the {placeholders} <placeholders> below (`rely check {dir}` lists those left), then\n  rely check {dir} && rely build {dir} --out generated && rely verify generated\nand commit {dir}/, generated/ and .github/workflows/reliability.yml.\n",
        dir = opts.dir.display()
    );
    let summary = rely::diag::Summary::of(&checked.findings, loaded.files.len());
    print!("{}", rely::diag::render::render(rely::diag::render::Format::Concise, &checked.findings, &loaded.files, summary, false));
    Ok(EXIT_OK)
}
