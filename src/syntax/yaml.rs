//! YAML text → JSON values plus a JSON-pointer → span index, from saphyr-parser's event stream.
//! We build our own values (rather than use serde_yaml) for four reasons: positions for every
//! node, duplicate keys reported instead of silently overwritten, YAML 1.2 scalars (`NO` stays a
//! string), and hard limits on alias expansion, depth and the positions' pointer bytes so hostile
//! input cannot exhaust memory.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle};
use serde_json::{Map, Number, Value};

use crate::diag::{Finding, codes};
use crate::source::{Pos, Span};

/// Most nodes one file may expand to, aliases included.
pub const MAX_NODES: usize = 250_000;
/// Deepest nesting accepted.
pub const MAX_DEPTH: usize = 64;
/// Most bytes of JSON pointers one file's positions may hold. A pointer repeats its ancestors'
/// keys, so long keys nested deep could otherwise need gigabytes from a 4 MB file; past this,
/// nodes are located at their nearest indexed ancestor (or the document's start).
pub const MAX_POINTER_BYTES: usize = 32 << 20;

/// Where a node sits: the key that introduced it (for mapping values) and the value itself.
#[derive(Debug, Clone, Copy)]
pub struct NodeSpan {
    pub key: Option<Span>,
    pub value: Span,
    /// Mappings and sequences are pointed at through their key; scalars at their value.
    pub collection: bool,
}

/// One YAML document, as a JSON value with positions.
#[derive(Debug, Clone)]
pub struct YamlDoc {
    pub value: Value,
    pub index: Positions,
}

/// Where a document's nodes are, found when first asked for. A check that finds nothing never
/// needs them (at 100,000 SLOs they were a fifth of `rely check`'s memory), so the file's text
/// is parsed again, once per file, the first time a finding needs a position: the same text
/// gives the same documents.
#[derive(Debug, Clone)]
pub struct Positions {
    file: Arc<FilePositions>,
    /// Which document of the file.
    nth: usize,
}

#[derive(Debug)]
struct FilePositions {
    id: usize,
    text: Arc<str>,
    indexes: OnceLock<Vec<PointerIndex>>,
}

impl Positions {
    fn index(&self) -> &PointerIndex {
        static EMPTY: PointerIndex = PointerIndex { pointers: String::new(), entries: Vec::new(), sorted: true };
        let all = self.file.indexes.get_or_init(|| build(self.file.id, &self.file.text, true).0.into_iter().map(|d| d.index).collect());
        all.get(self.nth).unwrap_or(&EMPTY)
    }

    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        self.index().get(pointer)
    }

    /// The span of the node at `pointer`, or of its nearest existing ancestor. Scalars point at
    /// their value; mappings and sequences at the key that introduced them.
    pub fn locate(&self, pointer: &str) -> Span {
        self.index().locate(pointer)
    }

    /// The span of the key at `pointer` (for unknown fields), falling back to `locate`.
    pub fn locate_key(&self, pointer: &str) -> Span {
        self.index().locate_key(pointer)
    }

    /// How many nodes the document has.
    pub fn len(&self) -> usize {
        self.index().len()
    }

    pub fn is_empty(&self) -> bool {
        self.index().is_empty()
    }
}

/// Maps JSON pointers (`/spec/alerting/runbook`) to the span of the node. Compact, because one
/// is kept per document, once built, for as long as findings may be reported (at 100,000 SLOs a map of
/// strings to spans was a third of `rely check`'s memory): the pointers of a document are one
/// string, and the entries, sorted by pointer, hold offsets into it and 32-bit positions.
#[derive(Debug, Clone, Default)]
pub struct PointerIndex {
    pointers: String,
    entries: Vec<Entry>,
    sorted: bool,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    at: u32,
    len: u32,
    key: Option<Span32>,
    value: Span32,
    collection: bool,
}

/// A span in 32-bit positions (rely reads files of at most 4 MB).
#[derive(Debug, Clone, Copy)]
struct Span32([u32; 4]);

impl Span32 {
    fn of(s: Span) -> Self {
        let n = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Span32([n(s.start.line), n(s.start.col), n(s.end.line), n(s.end.col)])
    }
    fn span(self) -> Span {
        let [a, b, c, d] = self.0.map(|v| v as usize);
        Span { start: Pos { line: a, col: b }, end: Pos { line: c, col: d } }
    }
}

impl PointerIndex {
    fn insert(&mut self, pointer: &str, n: NodeSpan) {
        let at = u32::try_from(self.pointers.len()).unwrap_or(u32::MAX);
        self.pointers.push_str(pointer);
        let len = u32::try_from(pointer.len()).unwrap_or(u32::MAX);
        self.entries.push(Entry { at, len, key: n.key.map(Span32::of), value: Span32::of(n.value), collection: n.collection });
        self.sorted = false;
    }

    fn pointer(&self, e: &Entry) -> &str {
        self.pointers.get(e.at as usize..(e.at as usize + e.len as usize)).unwrap_or("")
    }

    /// Sorts the entries by pointer for lookups; the last entry of a pointer wins, as in a map.
    fn finish(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.reverse();
        entries.sort_by(|a, b| self.pointer(a).cmp(self.pointer(b)));
        entries.dedup_by(|a, b| self.pointer(a) == self.pointer(b));
        entries.shrink_to_fit();
        self.entries = entries;
        self.pointers.shrink_to_fit();
        self.sorted = true;
    }

    pub fn get(&self, pointer: &str) -> Option<NodeSpan> {
        let e = if self.sorted {
            let i = self.entries.binary_search_by(|e| self.pointer(e).cmp(pointer)).ok()?;
            self.entries[i]
        } else {
            *self.entries.iter().rev().find(|e| self.pointer(e) == pointer)?
        };
        Some(NodeSpan { key: e.key.map(Span32::span), value: e.value.span(), collection: e.collection })
    }

    /// The span of the node at `pointer`, or of its nearest existing ancestor. Scalars point at
    /// their value; mappings and sequences at the key that introduced them.
    pub fn locate(&self, pointer: &str) -> Span {
        let mut p = pointer;
        loop {
            if let Some(n) = self.get(p) {
                let s = if n.collection { n.key.unwrap_or(n.value) } else { n.value };
                return one_line(s);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return Span::point(1, 1),
            }
        }
    }

    /// The span of the key at `pointer` (for unknown fields), falling back to `locate`.
    pub fn locate_key(&self, pointer: &str) -> Span {
        self.get(pointer).and_then(|n| n.key).map(one_line).unwrap_or_else(|| self.locate(pointer))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Shortens a multi-line span to its first line, so renderers underline one line.
fn one_line(s: Span) -> Span {
    if s.end.line == s.start.line && s.end.col > s.start.col {
        s
    } else {
        Span { start: s.start, end: Pos { line: s.start.line, col: s.start.col + 1 } }
    }
}

/// Escapes a mapping key for use in a JSON pointer (RFC 6901).
pub fn escape_pointer(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) { key.replace('~', "~0").replace('/', "~1").into() } else { key.into() }
}

fn pos(m: &Marker) -> Pos {
    Pos { line: m.line(), col: m.col() + 1 }
}

fn span(s: &saphyr_parser::Span) -> Span {
    Span { start: pos(&s.start), end: pos(&s.end) }
}

/// A mapping's entries as they are read: a plain list (rely's mappings have a handful of keys,
/// and a map grown key by key is hashed twice and over-allocated), with a set of the keys for
/// duplicate checks once there are many.
#[derive(Default)]
struct Entries {
    list: Vec<(String, Value)>,
    keys: Option<std::collections::HashSet<String>>,
}

impl Entries {
    const SCAN: usize = 16;

    fn contains(&self, k: &str) -> bool {
        match &self.keys {
            Some(keys) => keys.contains(k),
            None => self.list.iter().any(|(x, _)| x == k),
        }
    }

    fn insert(&mut self, k: String, v: Value) {
        if let Some(keys) = &mut self.keys {
            keys.insert(k.clone());
        } else if self.list.len() >= Self::SCAN {
            self.keys = Some(self.list.iter().map(|(x, _)| x.clone()).chain(std::iter::once(k.clone())).collect());
        }
        self.list.push((k, v));
    }

    /// The mapping, allocated once at its exact size.
    fn into_map(self) -> Map<String, Value> {
        self.list.into_iter().collect()
    }
}

enum Frame {
    Map { map: Entries, pointer: String, key: Option<(String, Span)>, anchor: usize, open: Span, own_key: Option<Span> },
    Seq { seq: Vec<Value>, pointer: String, anchor: usize, open: Span, own_key: Option<Span> },
}

/// A document as the builder reads it: positions only when asked for.
struct Built {
    value: Value,
    index: PointerIndex,
}

struct Builder {
    file: usize,
    /// Whether to index the nodes' positions.
    positions: bool,
    /// Pointer bytes indexed so far (at most `MAX_POINTER_BYTES`).
    pointer_bytes: usize,
    docs: Vec<Built>,
    findings: Vec<Finding>,
    stack: Vec<Frame>,
    index: PointerIndex,
    anchors: HashMap<usize, (Value, usize)>,
    nodes: usize,
    root: Option<Value>,
    /// The pointer of the scalar being placed (one buffer for all of them).
    scratch: String,
}

/// Parses every document in `text` (of file `file`). Syntax problems become findings; documents
/// before the first error are still returned so that as much as possible can be checked.
pub fn parse(file: usize, text: impl Into<Arc<str>>) -> (Vec<YamlDoc>, Vec<Finding>) {
    let text: Arc<str> = text.into();
    let (built, findings) = match super::fast::parse(&text) {
        Some(values) => (values.into_iter().map(|value| Built { value, index: PointerIndex::default() }).collect(), vec![]),
        None => build(file, &text, false),
    };
    let shared = Arc::new(FilePositions { id: file, text, indexes: OnceLock::new() });
    let docs =
        built.into_iter().enumerate().map(|(nth, d)| YamlDoc { value: d.value, index: Positions { file: shared.clone(), nth } }).collect();
    (docs, findings)
}

/// The documents saphyr reads from `text` and its findings, without the fast path (which the
/// fast path's tests and the `yaml` fuzz target compare with it).
#[doc(hidden)]
pub fn parse_with_saphyr(text: &str) -> (Vec<Value>, Vec<Finding>) {
    let (built, findings) = build(0, text, false);
    (built.into_iter().map(|b| b.value).collect(), findings)
}

/// The documents of `text` by the fast path, when it reads them (see `parse_with_saphyr`).
#[doc(hidden)]
pub fn parse_fast(text: &str) -> Option<Vec<Value>> {
    super::fast::parse(text)
}

/// Reads the documents of `text`, with the positions of their nodes when `positions`.
fn build(file: usize, text: &str, positions: bool) -> (Vec<Built>, Vec<Finding>) {
    let mut b = Builder {
        file,
        positions,
        pointer_bytes: 0,
        docs: vec![],
        findings: vec![],
        stack: vec![],
        index: PointerIndex::default(),
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        scratch: String::new(),
    };
    let parser = Parser::new_from_str(text);
    for item in parser {
        match item {
            Ok((event, sp)) => {
                if let Err(f) = b.event(event, span(&sp)) {
                    b.findings.push(*f);
                    return (b.docs, b.findings);
                }
            }
            Err(e) => {
                let mut at = pos(e.marker());
                // Errors at the very end point past the last line; show them on the last line.
                let lines: Vec<&str> = text.lines().collect();
                if at.line > lines.len().max(1) {
                    let last = lines.len().max(1);
                    at = Pos { line: last, col: lines.last().map(|l| l.chars().count()).unwrap_or(0).max(1) };
                }
                let mut at_span = Span { start: at, end: Pos { line: at.line, col: at.col + 1 } };
                let info = e.info().to_string();
                // A tab in the indentation of the failing line, the next (the parser may stop at the
                // end of the line before the tab) or the one before it is the cause.
                let indented_by_tab =
                    |n: usize| lines.get(n.wrapping_sub(1)).map(|l| l.trim_start_matches(' ').starts_with('\t')).unwrap_or(false);
                let tab_line = [at.line, at.line + 1, at.line.saturating_sub(1)].into_iter().find(|n| *n > 0 && indented_by_tab(*n));
                let f = if info.contains("tab") || tab_line.is_some() {
                    if let Some(n) = tab_line {
                        let col = lines[n - 1].find('\t').unwrap_or(0) + 1;
                        at_span = Span { start: Pos { line: n, col }, end: Pos { line: n, col: col + 1 } };
                    }
                    Finding::new(codes::YML002, file, at_span, "tab character used for indentation")
                        .help("indent with spaces; YAML does not allow tabs in indentation")
                } else {
                    Finding::new(codes::YML001, file, at_span, format!("invalid YAML: {info}"))
                        .help("fix the syntax at this position; everything after it in this file was not read")
                };
                b.findings.push(f);
                return (b.docs, b.findings);
            }
        }
    }
    (b.docs, b.findings)
}

impl Builder {
    fn child_pointer(&self) -> String {
        let mut p = String::new();
        self.write_child_pointer(&mut p);
        p
    }

    /// Writes the pointer of the node about to be placed into `out` (cleared first): scalars
    /// are most nodes, and their pointers are only copied into the index, so they reuse one buffer.
    fn write_child_pointer(&self, out: &mut String) {
        use std::fmt::Write as _;
        out.clear();
        match self.stack.last() {
            None => {}
            Some(Frame::Map { pointer, key, .. }) => {
                out.push_str(pointer);
                out.push('/');
                out.push_str(&escape_pointer(key.as_ref().map(|k| k.0.as_str()).unwrap_or("")));
            }
            Some(Frame::Seq { pointer, seq, .. }) => {
                let _ = write!(out, "{pointer}/{}", seq.len());
            }
        }
    }

    /// Whether a pointer of `len` bytes still fits the file's budget (and counts it if so).
    fn room(&mut self, len: usize) -> bool {
        let fits = self.pointer_bytes + len <= MAX_POINTER_BYTES;
        if fits {
            self.pointer_bytes += len;
        }
        fits
    }

    fn pending_key_span(&self) -> Option<Span> {
        match self.stack.last() {
            Some(Frame::Map { key: Some((_, s)), .. }) => Some(*s),
            _ => None,
        }
    }

    fn count(&mut self, n: usize, at: Span) -> Result<(), Box<Finding>> {
        self.nodes += n;
        if self.nodes > MAX_NODES {
            return Err(Box::new(
                Finding::new(codes::YML004, self.file, at, format!("aliases expand to more than {MAX_NODES} nodes"))
                    .help("remove the nested anchors and aliases; rely documents never need this many nodes"),
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, sp: Span) -> Result<(), Box<Finding>> {
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.index = PointerIndex::default();
                self.root = None;
            }
            Event::DocumentEnd => {
                if let Some(value) = self.root.take() {
                    let mut index = std::mem::take(&mut self.index);
                    index.finish();
                    self.docs.push(Built { value, index });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if let Some(Frame::Map { key: key @ None, map, .. }) = self.stack.last_mut() {
                    let k = text.to_string();
                    if map.contains(&k) {
                        let msg = format!("duplicate key `{k}`");
                        return Err(Box::new(
                            Finding::new(codes::YML003, self.file, sp, msg)
                                .help("remove one of the two; YAML loaders keep only the last value, silently"),
                        ));
                    }
                    *key = Some((k, sp));
                    return Ok(());
                }
                self.count(1, sp)?;
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let value =
                    if style == ScalarStyle::Plain && !is_str_tag { resolve_plain(&text) } else { Value::String(text.into_owned()) };
                if anchor > 0 {
                    self.anchors.insert(anchor, (value.clone(), 1));
                }
                self.insert(value, sp, 1);
            }
            Event::Alias(id) => {
                if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
                    return Err(Box::new(
                        Finding::new(codes::YML001, self.file, sp, "an alias cannot be used as a mapping key")
                            .help("write the key out in full"),
                    ));
                }
                let Some((value, n)) = self.anchors.get(&id).cloned() else {
                    return Err(Box::new(Finding::new(codes::YML001, self.file, sp, "alias to an unknown anchor")));
                };
                self.count(n, sp)?;
                self.insert(value, sp, n);
            }
            Event::MappingStart(anchor, _) | Event::SequenceStart(anchor, _) => {
                if let Some(Frame::Map { key: None, .. }) = self.stack.last() {
                    return Err(Box::new(
                        Finding::new(codes::YML001, self.file, sp, "complex mapping keys are not supported")
                            .help("use a plain string as the key"),
                    ));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(Box::new(
                        Finding::new(codes::YML008, self.file, sp, format!("YAML nested more than {MAX_DEPTH} levels deep"))
                            .help("rely documents are a few levels deep; flatten this structure"),
                    ));
                }
                self.count(1, sp)?;
                let pointer = if self.positions { self.child_pointer() } else { String::new() };
                let own_key = self.pending_key_span();
                let frame = if matches!(event, Event::MappingStart(..)) {
                    Frame::Map { map: Entries::default(), pointer, key: None, anchor, open: sp, own_key }
                } else {
                    Frame::Seq { seq: vec![], pointer, anchor, open: sp, own_key }
                };
                self.stack.push(frame);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                let Some(frame) = self.stack.pop() else { return Ok(()) };
                let (value, anchor, open, pointer, own_key) = match frame {
                    // Built at their exact size: every document is kept until the check is done.
                    Frame::Map { map, anchor, open, pointer, own_key, .. } => {
                        (Value::Object(map.into_map()), anchor, open, pointer, own_key)
                    }
                    Frame::Seq { mut seq, anchor, open, pointer, own_key } => {
                        seq.shrink_to_fit();
                        (Value::Array(seq), anchor, open, pointer, own_key)
                    }
                };
                let whole = Span { start: open.start, end: sp.end };
                let n = count_nodes(&value);
                if anchor > 0 {
                    self.anchors.insert(anchor, (value.clone(), n));
                }
                if self.positions && self.room(pointer.len()) {
                    self.index.insert(&pointer, NodeSpan { key: own_key, value: whole, collection: true });
                }
                self.place(value);
            }
        }
        Ok(())
    }

    /// Inserts a scalar or alias value into the current container, indexing its span.
    fn insert(&mut self, value: Value, sp: Span, _nodes: usize) {
        if !self.positions {
            self.place(value);
            return;
        }
        let mut pointer = std::mem::take(&mut self.scratch);
        self.write_child_pointer(&mut pointer);
        let key = self.pending_key_span();
        if self.room(pointer.len()) {
            self.index.insert(&pointer, NodeSpan { key, value: sp, collection: false });
        }
        self.scratch = pointer;
        self.place(value);
    }

    fn place(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.root = Some(value),
            Some(Frame::Map { map, key, .. }) => {
                if let Some((k, _)) = key.take() {
                    map.insert(k, value);
                }
            }
            Some(Frame::Seq { seq, .. }) => seq.push(value),
        }
    }
}

fn count_nodes(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(count_nodes).sum::<usize>(),
        Value::Object(m) => 1 + m.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// Resolves a plain scalar by the YAML 1.2 core schema. Values that JSON cannot hold
/// (`.inf`, `.nan`, numbers too large for a double) stay strings, so the schema reports them.
pub fn resolve_plain(s: &str) -> Value {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let b = s.as_bytes();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let unsigned = s.strip_prefix(['-', '+']).unwrap_or(s);
    if digits(unsigned) {
        if let Ok(i) = s.parse::<i64>() {
            return Value::Number(i.into());
        }
    } else if let Some(h) = s.strip_prefix("0x") {
        if let Ok(i) = i64::from_str_radix(h, 16) {
            return Value::Number(i.into());
        }
    } else if let Some(o) = s.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(o, 8)
    {
        return Value::Number(i.into());
    }
    let looks_float = !b.is_empty()
        && unsigned.bytes().all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'-' | b'+'))
        && unsigned.bytes().any(|c| c.is_ascii_digit())
        && unsigned.bytes().next().is_some_and(|c| c.is_ascii_digit() || c == b'.');
    if looks_float
        && let Ok(f) = s.parse::<f64>()
        && let Some(n) = Number::from_f64(f).filter(|_| f.is_finite())
    {
        return Value::Number(n);
    }
    Value::String(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_12_scalars() {
        assert_eq!(resolve_plain("NO"), Value::String("NO".into()));
        assert_eq!(resolve_plain("yes"), Value::String("yes".into()));
        assert_eq!(resolve_plain("true"), Value::Bool(true));
        assert_eq!(resolve_plain("99.9"), serde_json::json!(99.9));
        assert_eq!(resolve_plain("1"), serde_json::json!(1));
        assert_eq!(resolve_plain(".nan"), Value::String(".nan".into()));
        assert_eq!(resolve_plain("1e999"), Value::String("1e999".into()));
        assert_eq!(resolve_plain("30d"), Value::String("30d".into()));
        assert_eq!(resolve_plain("~"), Value::Null);
    }

    #[test]
    fn pointers_locate_nodes_in_every_document() {
        let src = "a: 1\nb:\n  c: [x, y]\n---\nkind: SLO\nspec:\n  objective: 99.9\n";
        let (docs, findings) = parse(0, src);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].index.locate("/b/c/1").start, Pos { line: 3, col: 10 });
        assert_eq!(docs[1].index.locate("/spec/objective").start, Pos { line: 7, col: 14 });
        assert_eq!(docs[1].index.locate("/spec/missing").start, Pos { line: 6, col: 1 });
        assert_eq!(docs[1].index.locate_key("/spec/objective").start, Pos { line: 7, col: 3 });
    }

    #[test]
    fn long_keys_nested_deep_cannot_make_positions_huge() {
        // 60 levels of 1000-byte keys (YAML's longest implicit key) over 20,000 leaves: every
        // leaf's pointer would be 60 KB, 1.2 GB in all.
        let key = "k".repeat(1000);
        let mut text = String::new();
        for d in 0..60 {
            text += &format!("{}{key}{d}:\n", "  ".repeat(d));
        }
        for i in 0..20_000 {
            text += &format!("{}leaf{i}: x\n", "  ".repeat(60));
        }
        assert!(text.len() < 4 * 1024 * 1024);
        let (docs, findings) = parse(0, text.as_str());
        assert!(findings.is_empty(), "{findings:?}");
        let index = docs[0].index.index();
        assert!(index.pointers.len() <= MAX_POINTER_BYTES, "{}", index.pointers.len());
        // The first leaves are still located exactly; past the budget, a node is located at its
        // nearest indexed ancestor (one of the keys above it).
        let path: String = (0..60).map(|d| format!("/{key}{d}")).collect();
        assert_eq!(docs[0].index.locate(&format!("{path}/leaf0")).start.line, 61);
        assert!(docs[0].index.locate(&format!("{path}/leaf19999")).start.line <= 60);
    }

    #[test]
    fn duplicate_keys_alias_bombs_and_tabs_are_findings() {
        let (_, f) = parse(0, "a: 1\na: 2\n");
        assert_eq!(f[0].rule.code, "YML003");
        assert_eq!(f[0].span.start, Pos { line: 2, col: 1 });
        // Past the keys scanned one by one, a set of them finds the duplicate.
        let many: String = (0..40).map(|i| format!("k{i}: {i}\n")).collect::<String>() + "k3: again\n";
        let (_, f) = parse(0, many.as_str());
        assert_eq!((f[0].rule.code, f[0].span.start.line), ("YML003", 41));
        let (docs, f) = parse(0, (0..40).map(|i| format!("k{i}: {i}\n")).collect::<String>().as_str());
        assert!(f.is_empty() && docs[0].value.as_object().unwrap().len() == 40);
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 1..9 {
            let p = (b'a' + i - 1) as char;
            let c = (b'a' + i) as char;
            bomb += &format!("{c}: &{c} [{}]\n", vec![format!("*{p}"); 10].join(","));
        }
        let (_, f) = parse(0, bomb.as_str());
        assert_eq!(f[0].rule.code, "YML004");
        let (_, f) = parse(0, "a:\n\tb: 1\n");
        assert_eq!(f[0].rule.code, "YML002");
        // A tab after a `key: value` line is reported where it is, not at the end of that line.
        let (_, f) = parse(0, "a:\n  b: x\n\tc: 1\n");
        assert_eq!((f[0].rule.code, f[0].span.start), ("YML002", Pos { line: 3, col: 1 }));
        let deep = format!("a: {}{}", "[".repeat(100), "]".repeat(100));
        let (_, f) = parse(0, deep.as_str());
        assert_eq!(f[0].rule.code, "YML008");
    }
}
