//! PromQL as rely uses it: the `{{window}}` placeholder, parsing through promql-parser, and
//! the escaping of label values written into generated rules.

use std::sync::OnceLock;

use regex::Regex;

fn placeholder() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\{\{\s*window\s*\}\}").expect("static regex"))
}

/// Whether `query` contains the `{{window}}` placeholder.
pub fn has_window(query: &str) -> bool {
    placeholder().is_match(query)
}

/// Substitutes the `{{window}}` placeholder with a Prometheus duration.
pub fn with_window(query: &str, window: &str) -> String {
    placeholder().replace_all(query, window).into_owned()
}

/// Parses PromQL; the error is promql-parser's message.
pub fn parse(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    promql_parser::parser::parse(expr)
}

/// Checks that `expr` is valid PromQL returning an instant vector (or a scalar where allowed).
pub fn check_vector(expr: &str) -> Result<(), String> {
    let e = parse(expr)?;
    match e.value_type() {
        promql_parser::parser::value::ValueType::Vector => Ok(()),
        other => Err(format!("the query returns a {other}, not an instant vector")),
    }
}

/// Normalises whitespace so that two spellings of one query compare equal.
pub fn normalise(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quotes a label value for a PromQL selector: `"a\"b"`.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `name` is a valid Prometheus metric name.
pub fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether `name` is a valid Prometheus label name.
pub fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_placeholder_and_parse() {
        let q = r#"sum(rate(x{code=~"5.."}[{{window}}]))"#;
        assert!(has_window(q));
        assert!(has_window("rate(x[{{ window }}])"));
        assert_eq!(with_window(q, "5m"), r#"sum(rate(x{code=~"5.."}[5m]))"#);
        assert!(check_vector(&with_window(q, "5m")).is_ok());
        assert!(check_vector("sum(rate(x[5m])").is_err());
        assert!(check_vector("1").is_err());
        assert_eq!(quote("a\"b\\\nc"), r#""a\"b\\\nc""#);
        assert!(is_metric_name("slo:sli_error:ratio_rate5m") && !is_metric_name("5m"));
    }
}
