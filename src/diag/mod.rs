//! Findings: what rely says about the user's YAML. A finding is plain data (a rule, a severity,
//! a message, a location, an optional help line); the renderers in `render` turn a list of them
//! into text, and `Overrides` applies `-D/-W/-A` and the Project's `spec.lint` in one place.

pub mod codes;
pub mod render;

use std::collections::BTreeMap;

use crate::source::Span;
pub use codes::Rule;

/// How serious a finding is; `Allow` findings are dropped before rendering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Allow,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Allow => "allow",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One problem in the user's input, anchored to a file and a span in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    /// Index into the loaded source files.
    pub file: usize,
    pub span: Span,
    pub help: Option<String>,
    /// Possibly a consequence of another finding (a file that could not be read): printed after
    /// the others, so the root cause comes first.
    pub consequence: bool,
}

impl Finding {
    pub fn new(rule: &'static Rule, file: usize, span: Span, message: impl Into<String>) -> Self {
        Finding { rule, severity: rule.severity, message: message.into(), file, span, help: None, consequence: false }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a "did you mean" help line when `candidate` is given.
    pub fn did_you_mean(self, candidate: Option<&str>) -> Self {
        match candidate {
            Some(c) => self.help(format!("did you mean `{c}`?")),
            None => self,
        }
    }
}

/// Severity overrides: the Project's `spec.lint`, then `-W`, `-A`, then `-D warnings`/`-D CODE`.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub per_code: BTreeMap<String, Severity>,
    pub deny_warnings: bool,
}

impl Overrides {
    pub fn apply(&self, findings: &mut Vec<Finding>) {
        for f in findings.iter_mut() {
            if let Some(&s) = self.per_code.get(f.rule.code) {
                // Syntax errors stop everything else from being read: they cannot be lowered.
                if !(f.rule.code.starts_with("YML") && f.rule.severity == Severity::Error) {
                    f.severity = s;
                }
            }
            if self.deny_warnings && f.severity == Severity::Warning {
                f.severity = Severity::Error;
            }
        }
        findings.retain(|f| f.severity != Severity::Allow);
    }
}

/// Counts of what a run found, for summaries and the exit code.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub files: usize,
}

impl Summary {
    pub fn of(findings: &[Finding], files: usize) -> Summary {
        let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
        let warnings = findings.iter().filter(|f| f.severity == Severity::Warning).count();
        Summary { errors, warnings, files }
    }
}

/// Sorts findings by file, position and code, and drops exact duplicates.
pub fn sort(findings: &mut Vec<Finding>, files: &[crate::source::SourceFile]) {
    findings.sort_by(|a, b| {
        let fa = files.get(a.file).map(|f| f.display.as_str()).unwrap_or("");
        let fb = files.get(b.file).map(|f| f.display.as_str()).unwrap_or("");
        (a.consequence, fa, a.span, a.rule.code, &a.message).cmp(&(b.consequence, fb, b.span, b.rule.code, &b.message))
    });
    findings.dedup_by(|a, b| a.file == b.file && a.span == b.span && a.rule.code == b.rule.code && a.message == b.message);
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate to `word`, if it is close enough to be a plausible typo.
pub fn closest<'a, I: IntoIterator<Item = &'a str>>(word: &str, candidates: I) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1) + 1;
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= limit || c.starts_with(word) || word.starts_with(c))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        assert_eq!(edit_distance("runbok", "runbook"), 1);
        assert_eq!(closest("runbok", ["owner", "runbook", "severity"]), Some("runbook"));
        assert_eq!(closest("zzzz", ["owner", "runbook"]), None);
    }
}
