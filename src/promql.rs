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

/// Parses PromQL; the error is promql-parser's message. promql-parser panics on some inputs
/// (fuzzing found `x[666…6]`: a duration overflow), so absurd numbers are refused first and a
/// panic is turned into an error rather than taking rely down.
pub fn parse(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    let longest_digits = expr.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    if longest_digits > 15 {
        return Err("a number with more than 15 digits".into());
    }
    std::panic::catch_unwind(|| promql_parser::parser::parse(expr))
        .unwrap_or_else(|_| Err("the PromQL parser failed on this expression".into()))
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
        // Found by fuzzing: promql-parser overflows on a huge range; rely reports it instead.
        assert_eq!(check_vector(&format!("ssa[{}]", "6".repeat(74))).unwrap_err(), "a number with more than 15 digits");
        assert!(check_vector("rate(x[999999999999999d])").is_err());
        assert_eq!(quote("a\"b\\\nc"), r#""a\"b\\\nc""#);
        assert!(is_metric_name("slo:sli_error:ratio_rate5m") && !is_metric_name("5m"));
    }
}
