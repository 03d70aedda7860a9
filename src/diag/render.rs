//! One renderer per output format: human (rustc-like, via annotate-snippets), concise, json
//! (the shape SPEC.md section 4 fixes), github (workflow commands) and sarif (2.1.0).

use std::fmt::Write as _;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde_json::json;

use super::{Finding, Severity, Summary, codes};
use crate::source::SourceFile;

/// How findings are rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Concise,
    Json,
    Github,
    Sarif,
}

/// Renders `findings` in `format`. `color` only affects the human format.
pub fn render(format: Format, findings: &[Finding], files: &[SourceFile], summary: Summary, color: bool) -> String {
    match format {
        Format::Human => human(findings, files, summary, color),
        Format::Concise => concise(findings, files, summary),
        Format::Json => serde_json::to_string_pretty(&json_value(findings, files, summary)).expect("json") + "\n",
        Format::Github => github(findings, files, summary),
        Format::Sarif => serde_json::to_string_pretty(&sarif(findings, files)).expect("json") + "\n",
    }
}

fn path(files: &[SourceFile], f: &Finding) -> String {
    files.get(f.file).map(|s| s.display.clone()).unwrap_or_default()
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn summary_line(s: Summary) -> String {
    if s.errors == 0 && s.warnings == 0 {
        format!("ok: {} checked, no findings", plural(s.files, "file"))
    } else {
        format!(
            "{}: {} and {} in {}",
            if s.errors > 0 { "error" } else { "warning" },
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.files, "file")
        )
    }
}

fn human(findings: &[Finding], files: &[SourceFile], summary: Summary, color: bool) -> String {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() };
    let mut out = String::new();
    for f in findings {
        let level = if f.severity == Severity::Error { Level::ERROR } else { Level::WARNING };
        let file = files.get(f.file);
        let title = level.primary_title(f.message.as_str()).id(f.rule.code);
        let text = file.map(|s| s.line_text(f.span.start.line)).unwrap_or("");
        let group = if file.is_some_and(|s| !s.text.is_empty()) {
            let start = file.map(|s| s.offset(f.span.start) - s.line_start(f.span.start.line)).unwrap_or(0).min(text.len());
            let end = if f.span.end.line == f.span.start.line {
                file.map(|s| s.offset(f.span.end) - s.line_start(f.span.start.line)).unwrap_or(start).clamp(start, text.len())
            } else {
                text.len()
            };
            let end = if end == start { (start + 1).min(text.len().max(start)) } else { end };
            let snippet = Snippet::source(text)
                .line_start(f.span.start.line)
                .path(path(files, f))
                .annotation(AnnotationKind::Primary.span(start..end));
            title.element(snippet)
        } else {
            title.element(annotate_snippets::Origin::path(path(files, f)).line(f.span.start.line).char_column(f.span.start.col))
        };
        let group = match &f.help {
            Some(h) => group.element(Level::HELP.message(h.as_str())),
            None => group,
        };
        let report: Vec<Group<'_>> = vec![group];
        out += &renderer.render(&report);
        out += "\n\n";
    }
    out += &summary_line(summary);
    out.push('\n');
    out
}

fn concise(findings: &[Finding], files: &[SourceFile], summary: Summary) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            path(files, f),
            f.span.start.line,
            f.span.start.col,
            f.severity.as_str(),
            f.rule.code,
            f.message
        );
    }
    out += &summary_line(summary);
    out.push('\n');
    out
}

pub fn json_value(findings: &[Finding], files: &[SourceFile], summary: Summary) -> serde_json::Value {
    let list: Vec<_> = findings
        .iter()
        .map(|f| {
            json!({
                "code": f.rule.code,
                "name": f.rule.name,
                "severity": f.severity.as_str(),
                "message": f.message,
                "file": path(files, f),
                "line": f.span.start.line,
                "column": f.span.start.col,
                "end_line": f.span.end.line,
                "end_column": f.span.end.col,
                "help": f.help,
            })
        })
        .collect();
    json!({ "findings": list, "summary": { "errors": summary.errors, "warnings": summary.warnings, "files": summary.files } })
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(findings: &[Finding], files: &[SourceFile], summary: Summary) -> String {
    let mut out = String::new();
    for f in findings {
        let cmd = if f.severity == Severity::Error { "error" } else { "warning" };
        let mut msg = f.message.clone();
        if let Some(h) = &f.help {
            msg = format!("{msg}\nhelp: {h}");
        }
        let mut props = format!("file={},line={},col={}", escape_property(&path(files, f)), f.span.start.line, f.span.start.col);
        if f.span.end.line == f.span.start.line && f.span.end.col > f.span.start.col {
            let _ = write!(props, ",endLine={},endColumn={}", f.span.end.line, f.span.end.col);
        }
        let _ = write!(props, ",title={}", escape_property(&format!("rely {} ({})", f.rule.code, f.rule.name)));
        let _ = writeln!(out, "::{cmd} {props}::{}", escape_data(&msg));
    }
    out += &summary_line(summary);
    out.push('\n');
    out
}

fn sarif(findings: &[Finding], files: &[SourceFile]) -> serde_json::Value {
    let rules: Vec<_> = codes::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.why },
                "help": { "text": r.explain(), "markdown": r.explain() },
                "defaultConfiguration": { "level": if r.severity == Severity::Error { "error" } else { "warning" } },
            })
        })
        .collect();
    let results: Vec<_> = findings
        .iter()
        .map(|f| {
            let idx = codes::ALL.iter().position(|r| r.code == f.rule.code).unwrap_or(0);
            let text = match &f.help {
                Some(h) => format!("{}\nhelp: {h}", f.message),
                None => f.message.clone(),
            };
            json!({
                "ruleId": f.rule.code,
                "ruleIndex": idx,
                "level": if f.severity == Severity::Error { "error" } else { "warning" },
                "message": { "text": text },
                "locations": [{ "physicalLocation": {
                    "artifactLocation": { "uri": path(files, f) },
                    "region": { "startLine": f.span.start.line, "startColumn": f.span.start.col,
                                "endLine": f.span.end.line.max(f.span.start.line), "endColumn": f.span.end.col.max(f.span.start.col + 1) },
                }}],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "rely", "version": env!("CARGO_PKG_VERSION"), "informationUri": "https://github.com/example/rely", "rules": rules } },
            "results": results,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("a:b,c%\n"), "a:b,c%25%0A");
    }
}
