//! A fast reader for the YAML rely repositories are written in: block mappings and sequences,
//! plain and quoted scalars on one line, literal (`|`, `|-`) and folded (`>`, `>-`) block
//! scalars, flow collections on one line, comments and `---` between documents. saphyr's
//! scanner was the largest part of `rely check` at 100,000 SLOs; this reads the same files
//! several times faster. It is only a fast path: anything else (anchors, aliases, tags, keys
//! that are not plain words, multi-line plain or quoted scalars, folded lines indented more than
//! the first, flow collections over several lines, tabs, control characters, duplicate keys,
//! empty documents, every syntax error, more than `MAX_NODES` nodes or `MAX_DEPTH` levels)
//! returns `None`, and the caller reads the file with saphyr, which also reports the findings.
//! A unit test over generated and committed files and the `yaml` fuzz target check that
//! whenever this path returns documents, saphyr reads the same values from the same text and
//! finds nothing.

use serde_json::{Map, Value};

use super::yaml::{MAX_DEPTH, MAX_NODES, resolve_plain};

/// The documents of `text` as values, or `None` when the text is not in the subset read here.
pub(super) fn parse(text: &str) -> Option<Vec<Value>> {
    if !allowed_chars(text) {
        return None;
    }
    let mut lines: Vec<&str> = Vec::with_capacity(memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1);
    let mut from = 0;
    for nl in memchr::memchr_iter(b'\n', text.as_bytes()) {
        lines.push(&text[from..nl]);
        from = nl + 1;
    }
    lines.push(&text[from..]);
    let mut docs = vec![];
    // One document reader for the file, so that its scratch stacks are allocated once.
    let mut doc = Doc { lines: &[], i: 0, nodes: 0, depth: 0, entries: vec![], items: vec![] };
    let mut start = 0;
    let mut first = true;
    for i in 0..=lines.len() {
        let end_here = i == lines.len();
        let line = lines.get(i).copied().unwrap_or("");
        if !end_here && (line.starts_with("...") || line.starts_with('%')) {
            return None;
        }
        if !end_here && line.starts_with("---") && line != "---" {
            return None;
        }
        if end_here || line == "---" {
            let part = &lines[start..i];
            let empty = part.iter().all(|l| blank(l));
            if empty {
                // Comments before the first `---` are not a document; any other empty one is
                // left to saphyr.
                if !first || end_here {
                    return None;
                }
            } else {
                (doc.lines, doc.i, doc.depth) = (part, 0, 0);
                docs.push(doc.root()?);
            }
            first = false;
            start = i + 1;
        }
    }
    Some(docs)
}

/// Whether every character is one this reader handles like saphyr: printable, no tabs or
/// carriage returns, no byte-order mark or Unicode line separators.
fn allowed_chars(text: &str) -> bool {
    if text.bytes().any(|b| (b < 0x20 && b != b'\n') || b == 0x7f) {
        return false;
    }
    text.is_ascii()
        || !text.chars().any(|c| matches!(c, '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'))
}

/// Empty, spaces only, or a comment.
fn blank(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_item(content: &str) -> bool {
    content == "-" || content.starts_with("- ")
}

/// `key:` at the start of `s`: the key and what follows the colon (empty or starting with a
/// space). Keys are plain words (letters, digits, `_`, `-`, `.`, `/`); others are left to saphyr.
fn split_key(s: &str) -> Option<(&str, &str)> {
    let b = s.as_bytes();
    if !b.first().is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_') {
        return None;
    }
    let n = b.iter().position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'/')))?;
    // saphyr refuses implicit keys of 1024 characters or more.
    if b[n] != b':' || n > 1000 {
        return None;
    }
    let after = &s[n + 1..];
    (after.is_empty() || after.starts_with(' ')).then_some((&s[..n], after))
}

/// After a value on a line: nothing, or spaces and a comment.
fn rest_ok(rest: &str) -> bool {
    let t = rest.trim_start_matches(' ');
    t.is_empty() || (t.len() < rest.len() && t.starts_with('#'))
}

struct Doc<'a> {
    lines: &'a [&'a str],
    /// The line being read.
    i: usize,
    nodes: usize,
    depth: usize,
    /// The entries and items of the mappings and sequences being read, innermost last: each
    /// collection is then allocated once, at its exact size.
    entries: Vec<(String, Value)>,
    items: Vec<Value>,
}

impl<'a> Doc<'a> {
    fn root(&mut self) -> Option<Value> {
        self.skip_blank();
        let line = *self.lines.get(self.i)?;
        if indent(line) != 0 {
            return None;
        }
        let v = self.block(0)?;
        self.skip_blank();
        (self.i == self.lines.len()).then_some(v)
    }

    fn count(&mut self) -> Option<()> {
        self.nodes += 1;
        (self.nodes <= MAX_NODES).then_some(())
    }

    fn skip_blank(&mut self) {
        while self.lines.get(self.i).is_some_and(|l| blank(l)) {
            self.i += 1;
        }
    }

    /// The next line that is not empty or spaces only (comments included), as its indentation.
    fn next_indent(&self) -> Option<usize> {
        self.lines[self.i..].iter().find(|l| !l.trim_start_matches(' ').is_empty()).map(|l| indent(l))
    }

    /// `read` one level deeper; deeper than saphyr reads is left to it.
    fn nested<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH - 2 {
            return None;
        }
        let v = read(self)?;
        self.depth -= 1;
        Some(v)
    }

    /// A block mapping or sequence whose first line (the current one) is indented by `col`.
    fn block(&mut self, col: usize) -> Option<Value> {
        self.nested(|d| if is_item(&d.lines[d.i][col..]) { d.sequence(col) } else { d.mapping(col) })
    }

    /// A block mapping whose entries start at column `col`, the first on the current line.
    fn mapping(&mut self, col: usize) -> Option<Value> {
        self.count()?;
        let base = self.entries.len();
        loop {
            let line = self.lines[self.i];
            let (key, after) = split_key(line.get(col..)?)?;
            let mine = &self.entries[base..];
            if mine.len() > 64 || mine.iter().any(|(k, _)| k == key) {
                return None;
            }
            let value = self.value_after(col, after)?;
            self.entries.push((key.to_string(), value));
            self.skip_blank();
            let Some(line) = self.lines.get(self.i) else { break };
            let ind = indent(line);
            if ind > col || (ind == col && is_item(&line[ind..])) {
                return None;
            }
            if ind < col {
                break;
            }
        }
        Some(Value::Object(self.entries.drain(base..).collect::<Map<String, Value>>()))
    }

    /// A block sequence whose `-` are at column `col`, the first on the current line.
    fn sequence(&mut self, col: usize) -> Option<Value> {
        self.count()?;
        let base = self.items.len();
        loop {
            let line = self.lines[self.i];
            let after = line.get(col + 1..)?;
            let v = after.trim_start_matches(' ');
            let vcol = line.len() - v.len();
            let item = if v.is_empty() || v.starts_with('#') {
                self.i += 1;
                self.skip_blank();
                match self.lines.get(self.i) {
                    Some(l) if indent(l) > col => {
                        let ind = indent(l);
                        self.block(ind)?
                    }
                    _ => return None,
                }
            } else if is_item(v) {
                return None;
            } else if split_key(v).is_some() {
                self.nested(|d| d.mapping(vcol))?
            } else {
                self.inline(v, col)?
            };
            self.items.push(item);
            self.skip_blank();
            let Some(line) = self.lines.get(self.i) else { break };
            let ind = indent(line);
            if ind == col && is_item(&line[ind..]) {
                continue;
            }
            if ind > col {
                return None;
            }
            break;
        }
        Some(Value::Array(self.items.drain(base..).collect()))
    }

    /// The value of a mapping entry at column `col`, given what follows its colon.
    fn value_after(&mut self, col: usize, after: &'a str) -> Option<Value> {
        let v = after.trim_start_matches(' ');
        if !(v.is_empty() || v.starts_with('#')) {
            return self.inline(v, col);
        }
        self.i += 1;
        self.skip_blank();
        match self.lines.get(self.i) {
            Some(l) if indent(l) > col => {
                let ind = indent(l);
                self.block(ind)
            }
            Some(l) if indent(l) == col && is_item(&l[col..]) => self.nested(|d| d.sequence(col)),
            _ => {
                self.count()?;
                Some(Value::Null)
            }
        }
    }

    /// A value that starts on the current line at `v`, in a node indented by `col`; moves past it.
    fn inline(&mut self, v: &'a str, col: usize) -> Option<Value> {
        let b = v.as_bytes()[0];
        if b == b'|' || b == b'>' {
            return self.block_scalar(v, col);
        }
        let value = match b {
            b'"' | b'\'' | b'[' | b'{' => {
                let mut at = 0;
                let value = self.flow_value(v, &mut at)?;
                if !rest_ok(&v[at..]) {
                    return None;
                }
                value
            }
            _ => {
                if !plain_start(v) {
                    return None;
                }
                let end = v.find(" #").unwrap_or(v.len());
                let s = v[..end].trim_end_matches(' ');
                if s.contains(": ") || s.ends_with(':') {
                    return None;
                }
                self.count()?;
                resolve_plain(s)
            }
        };
        self.i += 1;
        // A more indented line after it would continue a plain scalar or be an error.
        if self.next_indent().is_some_and(|n| n > col) {
            return None;
        }
        Some(value)
    }

    /// A literal (`|`, `|-`) or folded (`>`, `>-`) block scalar whose header is `v`, in a node
    /// indented by `col`. Folded lines indented more than the first are left to saphyr.
    fn block_scalar(&mut self, v: &str, col: usize) -> Option<Value> {
        let (folded, strip) = match v.trim_end_matches(' ') {
            "|" => (false, false),
            "|-" => (false, true),
            ">" => (true, false),
            ">-" => (true, true),
            _ => return None,
        };
        self.count()?;
        self.i += 1;
        let first = *self.lines.get(self.i)?;
        let ind = indent(first);
        if first.len() == ind || ind <= col {
            return None;
        }
        let mut out = String::new();
        // Empty lines seen since the last content line.
        let mut pending_empty = 0;
        let mut any = false;
        while let Some(line) = self.lines.get(self.i) {
            if line.is_empty() {
                pending_empty += 1;
                self.i += 1;
                continue;
            }
            let n = indent(line);
            if n == line.len() {
                return None;
            }
            if n < ind {
                break;
            }
            let text = &line[ind..];
            if folded {
                if n > ind {
                    return None;
                }
                if any {
                    if pending_empty == 0 {
                        out.push(' ');
                    }
                    for _ in 0..pending_empty {
                        out.push('\n');
                    }
                }
            } else {
                for _ in 0..pending_empty {
                    out.push('\n');
                }
            }
            pending_empty = 0;
            out.push_str(text);
            if !folded {
                out.push('\n');
            }
            any = true;
            self.i += 1;
        }
        if folded {
            out.push('\n');
        }
        if strip {
            out.pop();
        }
        if self.next_indent().is_some_and(|n| n > col) {
            return None;
        }
        Some(Value::String(out))
    }

    /// A quoted scalar or a flow collection at `s[*at..]`; `*at` moves past it.
    fn flow_value(&mut self, s: &str, at: &mut usize) -> Option<Value> {
        let b = s.as_bytes();
        match b.get(*at)? {
            b'"' => {
                self.count()?;
                double_quoted(s, at).map(Value::String)
            }
            b'\'' => {
                self.count()?;
                single_quoted(s, at).map(Value::String)
            }
            b'[' => self.flow_seq(s, at),
            b'{' => self.flow_map(s, at),
            _ => {
                let rest = &s[*at..];
                let end = rest.find([',', ']', '}']).unwrap_or(rest.len());
                let t = rest[..end].trim_end_matches(' ');
                if t.is_empty() || !plain_start(t) || t.contains(['[', '{', '#', ':', '"', '\'']) {
                    return None;
                }
                *at += end;
                self.count()?;
                Some(resolve_plain(t))
            }
        }
    }

    fn flow_seq(&mut self, s: &str, at: &mut usize) -> Option<Value> {
        let base = self.items.len();
        self.flow_elements(s, at, b']', |d, s, at| {
            let item = d.flow_value(s, at)?;
            d.items.push(item);
            Some(())
        })?;
        Some(Value::Array(self.items.drain(base..).collect()))
    }

    fn flow_map(&mut self, s: &str, at: &mut usize) -> Option<Value> {
        let base = self.entries.len();
        self.flow_elements(s, at, b'}', |d, s, at| {
            let (key, after) = split_key(&s[*at..])?;
            let mine = &d.entries[base..];
            if after.is_empty() || mine.len() > 64 || mine.iter().any(|(k, _)| k == key) {
                return None;
            }
            *at += key.len() + 1;
            spaces(s, at);
            let value = d.flow_value(s, at)?;
            d.entries.push((key.to_string(), value));
            Some(())
        })?;
        Some(Value::Object(self.entries.drain(base..).collect::<Map<String, Value>>()))
    }

    /// The elements of the flow collection opening at `s[*at]` and closing with `close` on the
    /// same line, separated by commas, each read by `element`; `*at` moves past the close.
    fn flow_elements(
        &mut self,
        s: &str,
        at: &mut usize,
        close: u8,
        mut element: impl FnMut(&mut Self, &str, &mut usize) -> Option<()>,
    ) -> Option<()> {
        self.count()?;
        self.nested(|d| {
            *at += 1;
            spaces(s, at);
            if s.as_bytes().get(*at) == Some(&close) {
                *at += 1;
                return Some(());
            }
            loop {
                element(d, s, at)?;
                spaces(s, at);
                match *s.as_bytes().get(*at)? {
                    b',' => {
                        *at += 1;
                        spaces(s, at);
                    }
                    c if c == close => {
                        *at += 1;
                        return Some(());
                    }
                    _ => return None,
                }
            }
        })
    }
}

fn spaces(s: &str, at: &mut usize) {
    while s.as_bytes().get(*at) == Some(&b' ') {
        *at += 1;
    }
}

/// Whether a plain scalar may start with `s`'s first characters (no indicator).
fn plain_start(s: &str) -> bool {
    let b = s.as_bytes();
    match b[0] {
        b'-' => b.get(1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.'),
        b'?' | b':' | b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' => {
            false
        }
        _ => true,
    }
}

/// A double-quoted scalar on one line, with the common escapes.
fn double_quoted(s: &str, at: &mut usize) -> Option<String> {
    let mut out = String::new();
    let mut chars = s[*at + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                *at += i + 2;
                return Some(out);
            }
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    '\\' | '"' | '/' => out.push(e),
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'u' => {
                        let hex: String = (0..4).map(|_| chars.next().map(|(_, h)| h)).collect::<Option<_>>()?;
                        if !hex.bytes().all(|h| h.is_ascii_hexdigit()) {
                            return None;
                        }
                        out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?)?);
                    }
                    _ => return None,
                }
            }
            _ => out.push(c),
        }
    }
    None
}

/// A single-quoted scalar on one line (`''` is a quote).
fn single_quoted(s: &str, at: &mut usize) -> Option<String> {
    let body = &s[*at + 1..];
    let mut out = String::new();
    let mut i = 0;
    let b = body.as_bytes();
    loop {
        let j = body[i..].find('\'')? + i;
        out.push_str(&body[i..j]);
        if b.get(j + 1) == Some(&b'\'') {
            out.push('\'');
            i = j + 2;
        } else {
            *at += j + 2;
            return Some(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the fast path read `text`; when it did, saphyr must read the same values and
    /// find nothing.
    fn agrees(text: &str) -> bool {
        let Some(fast) = parse(text) else { return false };
        let (docs, findings) = super::super::yaml::parse_with_saphyr(text);
        assert!(findings.is_empty(), "the fast path read what saphyr refuses: {findings:?}\n---\n{text}");
        assert_eq!(fast, docs, "the fast path and saphyr differ on:\n{text}");
        true
    }

    /// A deterministic generator (proptest's, seeded), so that failures reproduce.
    struct Rng(proptest::test_runner::TestRng);
    impl Rng {
        fn new() -> Self {
            Rng(proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha))
        }
        fn below(&mut self, n: usize) -> usize {
            use proptest::prelude::Rng as _;
            (self.0.next_u64() % n as u64) as usize
        }
        fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
            xs[self.below(xs.len())]
        }
    }

    const KEYS: &[&str] = &["a", "kind", "spec", "name", "x-y", "a.b", "k/v", "1", "true", "null", "_", "apiVersion"];
    const SCALARS: &[&str] = &[
        "1",
        "-2",
        "0x1f",
        "0o17",
        "1e3",
        "99.9",
        ".5",
        "-.5",
        "1_000",
        "true",
        "False",
        "NO",
        "~",
        "null",
        "x",
        "a b",
        "sum(rate(x{a=\"b\"}[{{window}}]))",
        "http://x/y",
        "a:b",
        "a #b",
        "a#b",
        "x  ",
        "'q'",
        "'it''s'",
        "\"d\\\"q\\n\"",
        "\"\\u00e9\\t/\\/\"",
        "\"é\"",
        "[]",
        "{}",
        "[a, 'b', \"c\", 1]",
        "{a: 1, b: [x, y], c: {d: e}}",
        "[a, [b, [c]]]",
        "{a: 'x,y', b: \"}\"}",
        "-x",
        "--x",
        "@x",
        "`x`",
        "!x",
        "&a x",
        "*a",
        "? x",
        "%x",
        "x: y",
        "x:",
        "|",
        "|-",
        ">",
        "|+",
        "| # c",
        "[a, b,]",
        "[a b]",
        "{a}",
        "{a:1}",
        "'unterminated",
        "\"bad \\q\"",
        "é ü",
        "a\u{85}b",
        ".inf",
        "0.",
        "1e999",
    ];
    /// Scalars in the subset, and (one time in five) any of the hard ones.
    const GOOD: &[&str] = &[
        "1",
        "-2",
        "99.9",
        "true",
        "~",
        "x",
        "a b",
        "sum(rate(x{a=\"b\"}[{{window}}]))",
        "http://x/y",
        "'q'",
        "'it''s'",
        "\"d\\\"q\\n\"",
        "[]",
        "{}",
        "[a, 'b', \"c\", 1]",
        "{a: 1, b: [x, y], c: {d: e}}",
        "é ü",
        "a#b",
    ];

    fn scalar(r: &mut Rng) -> &'static str {
        if r.below(5) == 0 { r.pick(SCALARS) } else { r.pick(GOOD) }
    }

    const LINES: &[&str] = &["", "  ", "# c", "  # c", "---", "...", "--- x", "%YAML 1.2", "\t", "x", "- ", "-"];

    fn node(r: &mut Rng, out: &mut String, indent: usize, depth: usize) {
        let pad = " ".repeat(indent);
        match if depth > 3 { 0 } else { r.below(4) } {
            0 | 1 => {
                for _ in 0..1 + r.below(4) {
                    let key = r.pick(KEYS);
                    match r.below(6) {
                        0 if depth < 4 => {
                            out.push_str(&format!("{pad}{key}:\n"));
                            let extra = [0, 2, 2, 4, 1][r.below(5)];
                            node(r, out, indent + extra, depth + 1);
                        }
                        1 => {
                            out.push_str(&format!("{pad}{key}: {}\n", ["|", "|-", ">-", ">", "|+", "|2"][r.below(6)]));
                            let inner = " ".repeat(indent + [2, 2, 4, 0, 1][r.below(5)]);
                            for _ in 0..1 + r.below(3) {
                                let l = r.pick(&["text", "a: b", "# not a comment", "", "  more", "x #y", "more text"]);
                                out.push_str(&if l.is_empty() { String::new() } else { format!("{inner}{l}") });
                                out.push('\n');
                            }
                        }
                        2 => out.push_str(&format!("{pad}{key}:\n")),
                        _ => out.push_str(&format!("{pad}{key}: {}{}\n", scalar(r), ["", " # c", "", " "][r.below(4)])),
                    }
                }
            }
            2 => {
                for _ in 0..1 + r.below(3) {
                    match r.below(4) {
                        0 => {
                            out.push_str(&format!("{pad}- {}: {}\n", r.pick(KEYS), scalar(r)));
                            if r.below(2) == 0 {
                                out.push_str(&format!("{pad}  {}: {}\n", r.pick(KEYS), scalar(r)));
                            }
                        }
                        1 => {
                            out.push_str(&format!("{pad}-\n"));
                            node(r, out, indent + 2, depth + 1);
                        }
                        _ => out.push_str(&format!("{pad}- {}\n", scalar(r))),
                    }
                }
            }
            _ => {
                let key = r.pick(KEYS);
                out.push_str(&format!("{pad}{key}:\n"));
                let extra = [0, 2][r.below(2)];
                node(r, out, indent + extra, depth + 1);
            }
        }
    }

    fn document(r: &mut Rng) -> String {
        let mut out = String::new();
        for d in 0..1 + r.below(3) {
            if d > 0 || r.below(3) == 0 {
                out.push_str("---\n");
            }
            node(r, &mut out, 0, 0);
        }
        // Mutations: lines inserted, characters changed, indentation shifted.
        let mut lines: Vec<String> = out.lines().map(String::from).collect();
        for _ in 0..r.below(3).saturating_sub(1) {
            let at = r.below(lines.len() + 1);
            match r.below(4) {
                0 => lines.insert(at, r.pick(LINES).to_string()),
                1 if at < lines.len() => lines[at].insert(0, ' '),
                2 if at < lines.len() && !lines[at].is_empty() => {
                    let l = &mut lines[at];
                    let i = r.below(l.len());
                    if l.is_char_boundary(i) {
                        l.insert_str(i, r.pick(&[":", " ", "#", "'", "\"", "-", "[", "{", "}", ",", "\\", "&", "\t"]));
                    }
                }
                _ => {}
            }
        }
        lines.join("\n") + if r.below(4) == 0 { "" } else { "\n" }
    }

    #[test]
    fn agrees_with_saphyr_on_generated_yaml() {
        let mut r = Rng::new();
        let n = 30_000;
        let accepted = (0..n).filter(|_| agrees(&document(&mut r))).count();
        // Most generated documents are in the subset (and compared); the rest are left to saphyr.
        assert!(accepted > n / 4, "only {accepted} of {n} generated documents took the fast path");
        assert!(accepted < n, "every generated document took the fast path: the generator makes no hard cases");
    }

    #[test]
    fn agrees_with_saphyr_on_committed_yaml() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![];
        for dir in ["reliability", "tests", "examples", "generated"] {
            let mut stack = vec![root.join(dir)];
            while let Some(d) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&d) else { continue };
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "yaml" || x == "yml") {
                        files.push(p);
                    }
                }
            }
        }
        let mut accepted = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else { continue };
            if agrees(&text) {
                accepted += 1;
            }
        }
        assert!(files.len() > 100 && accepted > files.len() / 2, "{accepted} of {} files took the fast path", files.len());
        // The example repository is read entirely by the fast path.
        for f in files.iter().filter(|f| f.starts_with(root.join("reliability"))) {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(parse(&text).is_some(), "{} is not read by the fast path", f.display());
        }
    }

    #[test]
    fn limits_and_hard_cases_are_left_to_saphyr() {
        assert!(parse("a: 1\na: 2\n").is_none());
        assert!(parse("a: &x 1\nb: *x\n").is_none());
        assert!(parse("a:\n\tb: 1\n").is_none());
        assert!(parse("a: b\n  c\n").is_none());
        assert!(parse("a: 1\n---\n").is_none());
        assert!(parse(&format!("{}: 1\n", "k".repeat(1100))).is_none());
        let deep = (0..70).map(|d| format!("{}k:\n", "  ".repeat(d))).collect::<String>();
        assert!(parse(&deep).is_none());
        assert_eq!(parse("# c\n---\na: [1, 'x']\n"), Some(vec![serde_json::json!({"a": [1, "x"]})]));
    }
}
