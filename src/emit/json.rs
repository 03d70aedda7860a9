//! JSON as people read it, for the generated dashboards: an object or array that fits on one
//! line of `WIDTH` characters (with its indentation and key) is written on that line
//! (`"gridPos": {"h": 4, "w": 4, "x": 0, "y": 1}`), anything longer one entry per line, as
//! `serde_json`'s pretty printer does. `serde_json` writes the document compactly (strings,
//! keys and numbers are its text; no tree of values is built, no key hashed), and the layout
//! is made from the tokens of that text, each collection's one-line length counted once.

use serde::Serialize;

/// The widest line a collection is joined onto.
const WIDTH: usize = 100;

/// One token of compact JSON. Colons and commas are not tokens: an object's tokens alternate
/// keys and values.
#[derive(Clone, Copy)]
enum Token {
    /// `{` or `[`: the length of the collection written on one line (`{"a": 1, "b": [2, 3]}`)
    /// and the index of the token after its closing bracket.
    Open {
        array: bool,
        one_line: usize,
        end: usize,
    },
    Close,
    /// A key, string, number, boolean or null: the byte range of its text.
    Scalar {
        from: usize,
        to: usize,
    },
}

/// `v` as JSON with short collections on one line, and a final line break.
pub fn pretty<T: Serialize + ?Sized>(v: &T) -> String {
    let json = serde_json::to_vec(v).expect("generated data serialises");
    let tokens = tokens(&json);
    let mut out = Vec::with_capacity(json.len() * 2);
    if !tokens.is_empty() {
        write(&json, &tokens, 0, 0, 0, &mut out);
    }
    out.push(b'\n');
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// The tokens of `json` as `serde_json` writes it compactly (no white space outside strings).
fn tokens(json: &[u8]) -> Vec<Token> {
    struct Open {
        at: usize,
        array: bool,
        /// Whether it is the value of a key.
        after_colon: bool,
        entries: usize,
        len: usize,
    }
    // What a finished value (or key) of `len` bytes adds to the one-line length of the
    // collection it is in: `, ` before every entry but the first, `: ` after a key.
    fn count(open: &mut [Open], len: usize, is_value_of_key: bool) {
        let Some(c) = open.last_mut() else { return };
        if is_value_of_key {
            c.len += len;
            return;
        }
        c.len += len + if c.entries > 0 { 2 } else { 0 } + if c.array { 0 } else { 2 };
        c.entries += 1;
    }
    let mut out = Vec::with_capacity(json.len() / 6);
    let mut open: Vec<Open> = vec![];
    let mut i = 0;
    while i < json.len() {
        // A value in an object follows its key's `:`; anything else is an array item or a key.
        let after_colon = i > 0 && json[i - 1] == b':';
        match json[i] {
            c @ (b'{' | b'[') => {
                open.push(Open { at: out.len(), array: c == b'[', after_colon, entries: 0, len: 2 });
                out.push(Token::Open { array: c == b'[', one_line: 0, end: 0 });
                i += 1;
            }
            b'}' | b']' => {
                out.push(Token::Close);
                i += 1;
                let Some(c) = open.pop() else { break };
                out[c.at] = Token::Open { array: c.array, one_line: c.len, end: out.len() };
                count(&mut open, c.len, c.after_colon);
            }
            b',' | b':' => i += 1,
            c => {
                let from = i;
                i += 1;
                if c == b'"' {
                    // To the closing quote: the next quote that no backslash escapes.
                    while i < json.len() {
                        match memchr::memchr2(b'"', b'\\', &json[i..]) {
                            Some(k) if json[i + k] == b'\\' => i += k + 2,
                            Some(k) => {
                                i += k;
                                break;
                            }
                            None => i = json.len(),
                        }
                    }
                    i += 1;
                } else {
                    while i < json.len() && !matches!(json[i], b',' | b':' | b'}' | b']') {
                        i += 1;
                    }
                }
                let to = i.min(json.len());
                out.push(Token::Scalar { from, to });
                count(&mut open, to - from, after_colon);
            }
        }
    }
    out
}

/// Writes the value at token `t` at indentation `ind`, after `used` characters of its line;
/// returns the index of the token after it.
fn write(json: &[u8], tokens: &[Token], t: usize, ind: usize, used: usize, out: &mut Vec<u8>) -> usize {
    let (array, one_line, end) = match tokens[t] {
        Token::Open { array, one_line, end } => (array, one_line, end),
        _ => return write_one_line(json, tokens, t, out),
    };
    // Empty collections always stay on the line; others when they fit.
    let empty = end == t + 2;
    if empty || one_line <= WIDTH.saturating_sub(used) {
        return write_one_line(json, tokens, t, out);
    }
    out.push(if array { b'[' } else { b'{' });
    let inner = ind + 2;
    let mut k = t + 1;
    while k + 1 < end {
        if k > t + 1 {
            out.push(b',');
        }
        out.push(b'\n');
        let start = out.len();
        out.extend(std::iter::repeat_n(b' ', inner));
        if !array {
            k = write_one_line(json, tokens, k, out);
            out.extend_from_slice(b": ");
        }
        let used = out.len() - start;
        k = write(json, tokens, k, inner, used, out);
    }
    out.push(b'\n');
    out.extend(std::iter::repeat_n(b' ', ind));
    out.push(if array { b']' } else { b'}' });
    end
}

/// Writes the value at token `t` on one line (`{"a": 1, "b": [2, 3]}`); returns the index of
/// the token after it.
fn write_one_line(json: &[u8], tokens: &[Token], t: usize, out: &mut Vec<u8>) -> usize {
    let (array, end) = match tokens[t] {
        Token::Scalar { from, to } => {
            out.extend_from_slice(&json[from..to]);
            return t + 1;
        }
        Token::Close => return t + 1,
        Token::Open { array, end, .. } => (array, end),
    };
    out.push(if array { b'[' } else { b'{' });
    let mut k = t + 1;
    while k + 1 < end {
        if k > t + 1 {
            out.extend_from_slice(b", ");
        }
        if !array {
            k = write_one_line(json, tokens, k, out);
            out.extend_from_slice(b": ");
        }
        k = write_one_line(json, tokens, k, out);
    }
    out.push(if array { b']' } else { b'}' });
    end
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
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }
}
