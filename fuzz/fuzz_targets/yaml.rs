//! The loader and checker on arbitrary bytes: findings, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut loaded = rely::syntax::Loaded::default();
    rely::syntax::add_source(&mut loaded, "fuzz.yaml".into(), "fuzz.yaml".into(), data.to_vec());
    let _ = rely::check::check_with_root(&loaded, std::path::Path::new("/nonexistent"));
});
