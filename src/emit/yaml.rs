//! A small YAML writer for generated files. serde_yaml's emitter (libyaml) dominated build time
//! at scale; our outputs are plain data (maps, lists, strings, numbers), so they are serialised
//! to JSON values and written here: keys in struct order, strings plain when that is
//! unambiguous, otherwise double-quoted with JSON escapes (valid YAML), multi-line strings as
//! `|-` blocks. promtool and amtool parse every file in the tests.

use serde::Serialize;
use serde_json::Value;

/// Serialises `v` as a YAML document.
pub fn to_string<T: Serialize>(v: &T) -> String {
    let value = serde_json::to_value(v).expect("generated data serialises");
    let mut out = String::with_capacity(4096);
    match &value {
        Value::Object(m) if !m.is_empty() => map(&value, 0, &mut out),
        Value::Array(a) if !a.is_empty() => seq(&value, 0, &mut out),
        v => {
            out += &scalar(v, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn map(v: &Value, ind: usize, out: &mut String) {
    let Value::Object(m) = v else { return };
    for (i, (k, x)) in m.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str(&key(k));
        out.push(':');
        value(x, ind, out);
    }
}

fn seq(v: &Value, ind: usize, out: &mut String) {
    let Value::Array(a) = v else { return };
    for (i, x) in a.iter().enumerate() {
        if i > 0 {
            indent(out, ind);
        }
        out.push_str("- ");
        match x {
            Value::Object(m) if !m.is_empty() => map(x, ind + 2, out),
            Value::Array(a) if !a.is_empty() => seq(x, ind + 2, out),
            _ => {
                out.push_str(&scalar(x, ind + 2));
                out.push('\n');
            }
        }
    }
}

/// Writes the value after `key:` (a space and a scalar, or a newline and a nested block).
fn value(x: &Value, ind: usize, out: &mut String) {
    match x {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            indent(out, ind + 2);
            map(x, ind + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            indent(out, ind);
            seq(x, ind, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(x, ind + 2));
            out.push('\n');
        }
    }
}

fn key(k: &str) -> String {
    if plain_ok(k) { k.to_string() } else { quote(k) }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

fn scalar(v: &Value, ind: usize) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Object(_) => "{}".into(),
        Value::Array(_) => "[]".into(),
        Value::String(s) => {
            if s.contains('\n') && block_ok(s) {
                let pad = " ".repeat(ind);
                let mut b = String::from("|-");
                for line in s.trim_end_matches('\n').split('\n') {
                    b.push('\n');
                    if !line.is_empty() {
                        b.push_str(&pad);
                        b.push_str(line);
                    }
                }
                b
            } else if plain_ok(s) {
                s.clone()
            } else {
                quote(s)
            }
        }
    }
}

/// A literal block keeps the text exactly when no line has trailing white space, the first line
/// does not start with a space, and there are no tabs or control characters.
fn block_ok(s: &str) -> bool {
    !s.starts_with(' ')
        && !s.ends_with('\n')
        && s.split('\n').all(|l| !l.ends_with(' ') && !l.ends_with('\t'))
        && !s.chars().any(|c| c.is_control() && c != '\n')
}

/// Whether `s` reads back as the same string when written without quotes.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    if !(first.is_ascii_alphanumeric() || first == '/' || first == '.' || first == '_' || first == '$') || s.ends_with(' ') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') {
        return false;
    }
    if !s.chars().all(|c| c.is_ascii_alphanumeric() || " _-./:=+()<>@$%^*~!?,'\"[]|\\".contains(c)) {
        return false;
    }
    if s.contains(['[', ']', ',']) && !s.contains(' ') {
        // flow indicators are only safe inside text that YAML cannot take for a flow collection
        return false;
    }
    let lower = s.to_ascii_lowercase();
    if ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", ".nan"].contains(&lower.as_str()) {
        return false;
    }
    // Anything number-like (1, 1.5, 1e3, 0x1f, 1_000, 12:30 sexagesimal in YAML 1.1) stays quoted.
    let numberish = s.chars().all(|c| c.is_ascii_digit() || "+-._:eExXoOabcdefABCDEF".contains(c)) && s.chars().any(|c| c.is_ascii_digit());
    !numberish
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_yaml_that_reads_back() {
        let v = serde_json::json!({
            "groups": [{ "name": "rely-slo-a-sli", "rules": [
                { "record": "slo:sli_error:ratio_rate5m", "expr": "(\n  sum(rate(x{code=~\"5..\"}[5m]))\n)\n/\n(\n  sum(rate(x[5m]))\n)",
                  "labels": { "rely_id": "a", "tier": "2", "on": "yes", "empty": "", "colon": "a: b", "hash": "x #y" } },
                { "alert": "ABudgetBurn", "expr": "up == 0", "for": "5m", "labels": {}, "annotations": { "summary": "Quote \" and \\ and ümlaut" } },
            ]}],
            "list": ["a", "1", "true", "0.5", "[x]"],
            "n": 1.5, "b": true, "z": null,
        });
        let y = to_string(&v);
        let back: serde_json::Value = serde_yaml::from_str(&y).unwrap();
        assert_eq!(back, v, "{y}");
        assert!(y.contains("    expr: |-\n      (\n"), "{y}");
        assert!(y.contains("tier: \"2\""), "{y}");
    }
}
