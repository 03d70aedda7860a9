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
    let mut out = Vec::with_capacity(16 * 1024);
    let mut line = Vec::with_capacity(WIDTH + 64);
    write(&value, 0, 0, &mut out, &mut line);
    out.push(b'\n');
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// Writes `v` at indentation `ind`, after `used` characters of its line; `line` is scratch space.
fn write(v: &Value, ind: usize, used: usize, out: &mut Vec<u8>, line: &mut Vec<u8>) {
    let empty = match v {
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => true,
    };
    // Scalars and empty collections always stay on the line; others when they fit.
    let limit = if empty { usize::MAX } else { WIDTH.saturating_sub(used) };
    line.clear();
    if one_line(v, line, limit) {
        out.extend_from_slice(line);
        return;
    }
    let (open, close) = if v.is_array() { (b'[', b']') } else { (b'{', b'}') };
    out.push(open);
    let inner = ind + 2;
    let mut first = true;
    let mut entry = |key: Option<&str>, item: &Value, out: &mut Vec<u8>| {
        if !first {
            out.push(b',');
        }
        first = false;
        out.push(b'\n');
        let start = out.len();
        out.extend(std::iter::repeat_n(b' ', inner));
        if let Some(k) = key {
            scalar(k, out);
            out.extend_from_slice(b": ");
        }
        let used = out.len() - start;
        write(item, inner, used, out, line);
    };
    match v {
        Value::Array(a) => a.iter().for_each(|item| entry(None, item, out)),
        Value::Object(o) => o.iter().for_each(|(k, item)| entry(Some(k), item, out)),
        _ => {}
    }
    out.push(b'\n');
    out.extend(std::iter::repeat_n(b' ', ind));
    out.push(close);
}

/// `v` on one line (`{"a": 1, "b": [2, 3]}`) appended to `out`, if that is at most `limit`
/// bytes; it stops writing once it is longer.
fn one_line(v: &Value, out: &mut Vec<u8>, limit: usize) -> bool {
    match v {
        Value::Array(a) => {
            out.push(b'[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                if !one_line(item, out, limit) || out.len() > limit {
                    return false;
                }
            }
            out.push(b']');
        }
        Value::Object(o) => {
            out.push(b'{');
            for (i, (k, item)) in o.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                scalar(k, out);
                out.extend_from_slice(b": ");
                if !one_line(item, out, limit) || out.len() > limit {
                    return false;
                }
            }
            out.push(b'}');
        }
        _ => scalar(v, out),
    }
    out.len() <= limit
}

/// A key, string, number, boolean or null as `serde_json` writes it.
fn scalar<T: Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    serde_json::to_writer(out, v).expect("JSON scalars serialise");
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
