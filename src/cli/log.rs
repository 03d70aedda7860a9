//! A logger for `-v` and `RELY_LOG`: one line per message on stderr, `rely: <module>: <message>`.

use log::{LevelFilter, Log, Metadata, Record};

struct Stderr;

impl Log for Stderr {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.target().starts_with("rely")
    }
    fn log(&self, r: &Record<'_>) {
        if self.enabled(r.metadata()) {
            eprintln!("rely: {}: {}", r.target().trim_start_matches("rely::"), r.args());
        }
    }
    fn flush(&self) {}
}

/// The level from `RELY_LOG` (off, error, warn, info, debug, trace), else from the count of `-v`.
fn level(verbose: u8) -> LevelFilter {
    if let Ok(v) = std::env::var("RELY_LOG")
        && let Ok(l) = v.trim().parse::<LevelFilter>()
    {
        return l;
    }
    match verbose {
        0 => LevelFilter::Warn,
        1 => LevelFilter::Info,
        2 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

pub(crate) fn init(verbose: u8) {
    static LOGGER: Stderr = Stderr;
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level(verbose));
    }
}
