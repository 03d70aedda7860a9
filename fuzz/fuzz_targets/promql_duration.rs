//! The PromQL and duration parsers rely relies on, on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Some(secs) = rely::duration::parse(s) {
            assert_eq!(rely::duration::parse(&rely::duration::format(secs)), Some(secs), "format round-trips");
        }
        let q = rely::promql::with_window(s, "5m");
        let _ = rely::promql::check_vector(&q);
        assert!(rely::promql::fast_path_agrees(&q), "the fast path gives the facts of a full parse");
    }
});
