//! The loader and checker on arbitrary bytes: findings, never a panic. And the loader's fast
//! path: whenever it reads a text, saphyr reads the same values from it and finds nothing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(fast) = rely::syntax::yaml::parse_fast(text)
    {
        let (slow, findings) = rely::syntax::yaml::parse_with_saphyr(text);
        assert!(findings.is_empty(), "the fast path read what saphyr refuses: {findings:?}");
        assert_eq!(fast, slow, "the fast path and saphyr differ");
    }
    let mut loaded = rely::syntax::Loaded::default();
    rely::syntax::add_source(&mut loaded, "fuzz.yaml".into(), "fuzz.yaml".into(), data.to_vec());
    let _ = rely::check::check_with_root(&loaded, std::path::Path::new("/nonexistent"));
});
