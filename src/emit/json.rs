//! JSON as people read it, for the generated dashboards: an object or array that fits on one
//! line of `WIDTH` characters (with its indentation and key) is written on that line
//! (`"gridPos": {"h": 4, "w": 4, "x": 0, "y": 1}`), anything longer one entry per line, as
//! `serde_json`'s pretty printer does. Strings, keys and numbers are written by `serde_json`.

use serde::Serialize;
use serde_json::Value;

/// The widest line a collection is joined onto.
const WIDTH: usize = 100;

/// `v` as JSON with short collections on one line, and a final line break.
pub fn pretty<T: Serialize + ?Sized>(v: &T) -> String {
    let value = serde_json::to_value(v).expect("generated data serialises");
    let mut out = String::with_capacity(16 * 1024);
    write(&value, 0, 0, &mut out);
    out.push('\n');
    out
}

/// Writes `v` at indentation `ind`, after `used` characters of its line.
fn write(v: &Value, ind: usize, used: usize, out: &mut String) {
    let empty = match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    };
    // Scalars and empty collections always stay on the line; others when they fit.
    let limit = if empty { usize::MAX } else { WIDTH.saturating_sub(used) };
    let mut line = String::new();
    if one_line(v, &mut line, limit) {
        out.push_str(&line);
        return;
    }
    let (open, close) = if v.is_array() { ('[', ']') } else { ('{', '}') };
    out.push(open);
    let inner = ind + 2;
    let mut first = true;
    let mut entry = |key: Option<&str>, item: &Value, out: &mut String| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('\n');
        let start = out.len();
        out.extend(std::iter::repeat_n(' ', inner));
        if let Some(k) = key {
            out.push_str(&scalar(&Value::String(k.to_string())));
            out.push_str(": ");
        }
        let used = out.len() - start;
        write(item, inner, used, out);
    };
    match v {
        Value::Array(a) => a.iter().for_each(|item| entry(None, item, out)),
        Value::Object(o) => o.iter().for_each(|(k, item)| entry(Some(k), item, out)),
        _ => {}
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', ind));
    out.push(close);
}

/// `v` on one line (`{"a": 1, "b": [2, 3]}`), if that is at most `limit` characters (it stops
/// writing once it is longer).
fn one_line(v: &Value, out: &mut String, limit: usize) -> bool {
    match v {
        Value::Array(a) => {
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if !one_line(item, out, limit) {
                    return false;
                }
            }
            out.push(']');
        }
        Value::Object(o) => {
            out.push('{');
            for (i, (k, item)) in o.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&scalar(&Value::String(k.clone())));
                out.push_str(": ");
                if !one_line(item, out, limit) {
                    return false;
                }
            }
            out.push('}');
        }
        _ => out.push_str(&scalar(v)),
    }
    out.len() <= limit
}

/// A string, number, boolean or null as `serde_json` writes it.
fn scalar(v: &Value) -> String {
    serde_json::to_string(v).expect("JSON scalars serialise")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_collections_share_a_line() {
        let v = serde_json::json!({
            "gridPos": {"h": 4, "w": 4},
            "empty": {}, "none": [],
            "long": ["aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", 0.0],
            "text": "a \"quoted\" — line\n",
        });
        let text = pretty(&v);
        assert_eq!(
            text,
            "{\n  \"gridPos\": {\"h\": 4, \"w\": 4},\n  \"empty\": {},\n  \"none\": [],\n  \"long\": [\n    \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\n    \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\n    0.0\n  ],\n  \"text\": \"a \\\"quoted\\\" — line\\n\"\n}\n"
        );
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), v);
    }
}
