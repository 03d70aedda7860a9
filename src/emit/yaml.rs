//! A small YAML writer for generated files. serde_yaml's emitter (libyaml) dominated build time
//! at scale; our outputs are plain data (maps, lists, strings, numbers), so they are written
//! here, straight from `Serialize` (a serde serializer; going through JSON values first cost a
//! tenth of a 10,000-SLO build): keys in struct order, strings plain when that is unambiguous,
//! otherwise double-quoted with JSON escapes (valid YAML), multi-line strings as `|-` blocks.
//! Shapes the serializer does not take (collections of unknown length, enum variants with data)
//! are turned into JSON values first, which it always takes. promtool and amtool parse every file in the tests.

use serde::Serialize;
use serde::ser::{self, Impossible};

/// Serialises `v` as a YAML document.
pub fn to_string<T: Serialize + ?Sized>(v: &T) -> String {
    let mut out = String::with_capacity(16 * 1024);
    append(v, &mut out);
    out
}

/// Serialises `v` as a YAML document at the end of `out` (after a header of comments: the
/// document is not copied behind it).
pub fn append<T: Serialize + ?Sized>(v: &T, out: &mut String) {
    let start = out.len();
    let direct = {
        let _writing = Writing::start();
        v.serialize(Ser { out: &mut *out, pos: Pos::Top, anchor: None }).is_ok()
    };
    if !direct {
        out.truncate(start);
        out.push_str(&via_value(v));
    }
}

thread_local! {
    /// Set while this writer serialises a document directly: only then is a `Shared` value
    /// written as an anchor or an alias (to any other serializer it is its value).
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Sets `WRITING` for as long as it lives.
struct Writing(bool);

impl Writing {
    fn start() -> Writing {
        Writing(WRITING.replace(true))
    }
}

impl Drop for Writing {
    fn drop(&mut self) {
        WRITING.set(self.0);
    }
}

/// The struct name by which a `Shared` value reaches this writer (no data has struct names).
const SHARED: &str = "$rely::emit::yaml::Shared";

/// A value of a generated document that may repeat: `share` marks the first of equal values to
/// be written with an anchor (`&a1`) and the others as aliases of it (`*a1`), which a YAML
/// reader expands back into the same value. Anchors are rely's own names, never user text.
#[derive(Debug, Clone, Default)]
pub struct Shared<T> {
    pub value: T,
    mark: Mark,
}

// Equal by value alone: how a value is written (its mark) does not make it another value, so
// values holding `Shared` ones compare alike before and after `share`.
impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: std::hash::Hash> std::hash::Hash for Shared<T> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.value.hash(h);
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Mark {
    #[default]
    Own,
    Anchor(u32),
    Alias(u32),
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared { value, mark: Mark::Own }
    }
}

impl<T> From<T> for Shared<T> {
    fn from(value: T) -> Shared<T> {
        Shared::new(value)
    }
}

/// Marks repeated values among `values`, given in the order they are written: the first of
/// equal values that are `worth` sharing gets an anchor numbered from `next`, the others are its
/// aliases.
pub fn share<'a, T: Eq + std::hash::Hash + 'a>(
    values: impl IntoIterator<Item = &'a mut Shared<T>>,
    worth: impl Fn(&T) -> bool,
    next: &mut u32,
) {
    let mut values: Vec<&mut Shared<T>> = values.into_iter().collect();
    let mut marks = Vec::with_capacity(values.len());
    {
        let mut first: crate::FastMap<&T, (usize, u32)> = crate::FastMap::with_capacity_and_hasher(values.len(), Default::default());
        for (i, v) in values.iter().enumerate() {
            if !worth(&v.value) {
                marks.push(Mark::Own);
                continue;
            }
            match first.get(&v.value) {
                Some(&(at, n)) => {
                    marks[at] = Mark::Anchor(n);
                    marks.push(Mark::Alias(n));
                }
                None => {
                    *next += 1;
                    first.insert(&v.value, (i, *next));
                    marks.push(Mark::Own);
                }
            }
        }
    }
    for (v, m) in values.iter_mut().zip(marks) {
        v.mark = m;
    }
}

impl<T: Serialize> Serialize for Shared<T> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeStruct;
        let (field, n) = match self.mark {
            Mark::Anchor(n) if WRITING.get() => ("anchor", n),
            Mark::Alias(n) if WRITING.get() => ("alias", n),
            _ => return self.value.serialize(s),
        };
        let mut st = s.serialize_struct(SHARED, 2)?;
        st.serialize_field(field, &["a", itoa::Buffer::new().format(n)].concat())?;
        st.serialize_field("value", &self.value)?;
        st.end()
    }
}

/// The same document, through JSON values (whose maps and lists always know their length, so the
/// serializer takes every value).
fn via_value<T: Serialize + ?Sized>(v: &T) -> String {
    let value = serde_json::to_value(v).expect("generated data serialises");
    let mut out = String::with_capacity(4096);
    value.serialize(Ser { out: &mut out, pos: Pos::Top, anchor: None }).expect("JSON values have known lengths");
    out
}

/// Longest key written as an implicit key, in bytes (YAML's limit is 1024 characters).
const MAX_IMPLICIT_KEY: usize = 1000;

fn indent(out: &mut String, n: usize) {
    const SPACES: &str = "                                                                ";
    let mut n = n;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// A double-quoted scalar. Besides `"` and `\\`, every character some YAML 1.1 or 1.2 reader
/// (Go's yaml.v2/v3, libyaml, PyYAML) could read differently is escaped: C0/C1 controls, DEL,
/// NEL, the line and paragraph separators, the byte-order mark and non-characters.
fn quote(s: &str, out: &mut String) {
    out.push('"');
    // Runs of printable ASCII other than `"` and `\\` are copied whole (most quoted strings are
    // nothing else); the bytes between them are written one character at a time.
    let b = s.as_bytes();
    let (mut run, mut i) = (0, 0);
    while i < b.len() {
        // Eight bytes at a time while none needs more than copying.
        if let Some(chunk) = b.get(i..i + 8)
            && chunk.iter().fold(true, |ok, &c| ok & COPIED[c as usize])
        {
            i += 8;
            continue;
        }
        if COPIED[b[i] as usize] {
            i += 1;
            continue;
        }
        out.push_str(&s[run..i]);
        // `i` is on a character boundary: runs end before a byte that starts a character.
        let ch = s[i..].chars().next().expect("a character starts here");
        push_escaped(ch, out);
        i += ch.len_utf8();
        run = i;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// `ch` as `quote` writes it when it is not in a run of copied bytes.
fn push_escaped(ch: char, out: &mut String) {
    match ch {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if super::escape::is_unsafe_char(c) => super::escape::push_unicode_escape(out, c),
        c => out.push(c),
    }
}

/// The bytes `quote` copies as they are: printable ASCII other than `"` and `\\`.
const COPIED: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0x20;
    while c < 0x7f {
        t[c] = c != b'"' as usize && c != b'\\' as usize;
        c += 1;
    }
    t
};

/// A string scalar: a literal block when multi-line (and the block keeps it exactly), plain
/// when unambiguous, else double-quoted. A whole document is never a block (a `---` line in it
/// would end the document).
fn string(s: &str, ind: usize, top: bool, out: &mut String) {
    // Most strings are plain, and a plain one has no line break: it is tested first.
    if plain_ok(s) {
        out.push_str(s);
    } else if !top && s.contains('\n') && block_ok(s) {
        out.push_str("|-");
        let mut from = 0;
        for end in memchr::memchr_iter(b'\n', s.as_bytes()).chain([s.len()]) {
            let line = &s[from..end];
            out.push('\n');
            if !line.is_empty() {
                indent(out, ind);
                out.push_str(line);
            }
            from = end + 1;
        }
    } else {
        quote(s, out);
    }
}

/// Where a value is written: the document itself, after `key:` in a mapping indented by `ind`,
/// or after `- ` in a sequence indented by `ind`.
#[derive(Clone, Copy)]
enum Pos {
    Top,
    Value(usize),
    Item(usize),
}

impl Pos {
    /// The indentation of a block scalar's lines.
    fn scalar_indent(self) -> usize {
        match self {
            Pos::Top => 0,
            Pos::Value(i) | Pos::Item(i) => i + 2,
        }
    }
}

/// A shape the serializer does not take; the caller falls back to JSON values.
#[derive(Debug)]
struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("unsupported shape")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

struct Ser<'a> {
    out: &'a mut String,
    pos: Pos,
    /// The anchor the value is written with (from a `Shared`).
    anchor: Option<String>,
}

impl<'a> Ser<'a> {
    /// Writes a scalar (given as a writer of its text) in this position.
    fn scalar(self, write: impl FnOnce(&mut String, usize)) -> Result<(), Unsupported> {
        let ind = self.pos.scalar_indent();
        if let Pos::Value(_) = self.pos {
            self.out.push(' ');
        }
        if let Some(a) = &self.anchor {
            push_anchor(self.out, a);
            self.out.push(' ');
        }
        write(self.out, ind);
        self.out.push('\n');
        Ok(())
    }

    /// Starts a collection of `len` entries: `None` when it is empty (written as `empty`),
    /// otherwise the indentation its entries are written at.
    fn open(self, len: Option<usize>, empty: &str, map: bool) -> Result<Block<'a>, Unsupported> {
        let Some(len) = len else { return Err(Unsupported) };
        if len == 0 {
            let out = self.out;
            Ser { out: &mut *out, pos: self.pos, anchor: self.anchor }.scalar(|o, _| o.push_str(empty))?;
            return Ok(Block::new(out, 0, true));
        }
        // An anchored collection: the anchor after `key:` or `- `, the entries on the next lines
        // (in a sequence item, an anchor before an implicit key would anchor the key).
        if let Some(a) = &self.anchor {
            if let Pos::Value(_) = self.pos {
                self.out.push(' ');
            }
            push_anchor(self.out, a);
            if let Pos::Top | Pos::Item(_) = self.pos {
                self.out.push('\n');
                indent(self.out, self.pos.scalar_indent());
            }
        }
        let ind = match (self.pos, map) {
            (Pos::Top, _) => 0,
            (Pos::Value(i), true) => {
                self.out.push('\n');
                indent(self.out, i + 2);
                i + 2
            }
            (Pos::Value(i), false) => {
                self.out.push('\n');
                indent(self.out, i);
                i
            }
            (Pos::Item(i), _) => i + 2,
        };
        Ok(Block::new(self.out, ind, false))
    }
}

fn push_anchor(out: &mut String, name: &str) {
    out.push('&');
    out.push_str(name);
}

/// The entries of a mapping or the items of a sequence, written at `ind`.
struct Block<'a> {
    out: &'a mut String,
    ind: usize,
    first: bool,
    empty: bool,
    /// Set for a `Shared` value, whose fields are not a mapping.
    shared: Option<SharedAt>,
}

/// Where a `Shared` value is written, its anchor once read, and whether it has been written (an
/// alias is, before its value comes).
struct SharedAt {
    pos: Pos,
    anchor: Option<String>,
    written: bool,
}

impl<'a> Block<'a> {
    fn new(out: &'a mut String, ind: usize, empty: bool) -> Block<'a> {
        Block { out, ind, first: true, empty, shared: None }
    }

    /// A `Shared` value's field: its anchor (kept for the value), its alias (written in its
    /// place; the value is then skipped) or its value.
    fn shared_field<T: Serialize + ?Sized>(&mut self, k: &str, v: &T) -> Result<(), Unsupported> {
        let Some(at) = &mut self.shared else { return Err(Unsupported) };
        if at.written {
            return Ok(());
        }
        match k {
            "anchor" | "alias" => {
                let name = v.serialize(KeySer(str::to_string))?;
                if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric()) {
                    return Err(Unsupported);
                }
                if k == "anchor" {
                    at.anchor = Some(name);
                    return Ok(());
                }
                at.written = true;
                Ser { out: &mut *self.out, pos: at.pos, anchor: None }.scalar(|o, _| {
                    o.push('*');
                    o.push_str(&name);
                })
            }
            _ => {
                let anchor = at.anchor.take().ok_or(Unsupported)?;
                at.written = true;
                v.serialize(Ser { out: &mut *self.out, pos: at.pos, anchor: Some(anchor) })
            }
        }
    }
}

impl Block<'_> {
    fn next_line(&mut self) {
        if !self.first {
            indent(self.out, self.ind);
        }
        self.first = false;
    }

    fn item<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        if self.empty {
            return Err(Unsupported);
        }
        self.next_line();
        self.out.push_str("- ");
        v.serialize(Ser { out: &mut *self.out, pos: Pos::Item(self.ind), anchor: None })
    }

    fn key(&mut self, k: &str) {
        self.key_as(k, plain_ok(k));
    }

    /// `key` for `k` when `plain` is whether `plain_ok(k)`.
    fn key_as(&mut self, k: &str, plain: bool) {
        self.next_line();
        let start = self.out.len();
        if plain {
            self.out.push_str(k);
        } else {
            quote(k, self.out);
        }
        // YAML limits an implicit key to 1024 characters (libyaml and Go's yaml refuse longer
        // ones): a longer key is written explicitly, `? key` and its `:` on the next line.
        if self.out.len() - start > MAX_IMPLICIT_KEY {
            self.out.insert_str(start, "? ");
            self.out.push('\n');
            indent(self.out, self.ind);
        }
        self.out.push(':');
    }

    fn value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        v.serialize(Ser { out: &mut *self.out, pos: Pos::Value(self.ind), anchor: None })
    }
}

/// Serializer methods for narrower numbers that write them as the wider type.
macro_rules! widen {
    ($($name:ident: $t:ty => $wide:ident),* $(,)?) => {
        $(fn $name(self, v: $t) -> Result<(), Unsupported> {
            self.$wide(v.into())
        })*
    };
}

impl<'a> ser::Serializer for Ser<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Block<'a>;
    type SerializeTuple = Block<'a>;
    type SerializeTupleStruct = Block<'a>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Block<'a>;
    type SerializeStruct = Block<'a>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.scalar(|o, _| o.push_str(if v { "true" } else { "false" }))
    }
    widen! {
        serialize_i8: i8 => serialize_i64, serialize_i16: i16 => serialize_i64, serialize_i32: i32 => serialize_i64,
        serialize_u8: u8 => serialize_u64, serialize_u16: u16 => serialize_u64, serialize_u32: u32 => serialize_u64,
        serialize_f32: f32 => serialize_f64
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.scalar(|o, _| o.push_str(&v.to_string()))
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.scalar(|o, _| o.push_str(&v.to_string()))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        // As JSON values write them: shortest round-trip text, and null for NaN and infinities.
        self.scalar(|o, _| match serde_json::Number::from_f64(v) {
            Some(n) => o.push_str(&n.to_string()),
            None => o.push_str("null"),
        })
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        let top = matches!(self.pos, Pos::Top);
        self.scalar(|o, ind| string(v, ind, top, o))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.scalar(|o, _| o.push_str("null"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<(), Unsupported> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Block<'a>, Unsupported> {
        self.open(len, "[]", false)
    }
    fn serialize_tuple(self, len: usize) -> Result<Block<'a>, Unsupported> {
        self.open(Some(len), "[]", false)
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Block<'a>, Unsupported> {
        self.open(Some(len), "[]", false)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Block<'a>, Unsupported> {
        self.open(len, "{}", true)
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Block<'a>, Unsupported> {
        if name == SHARED {
            if self.anchor.is_some() {
                return Err(Unsupported);
            }
            let mut b = Block::new(self.out, 0, false);
            b.shared = Some(SharedAt { pos: self.pos, anchor: None, written: false });
            return Ok(b);
        }
        self.open(Some(len), "{}", true)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

/// The sequence-like serializers: each element is a `- ` item.
macro_rules! items {
    ($($tr:ident::$method:ident),*) => {
        $(impl ser::$tr for Block<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
                self.item(v)
            }
            fn end(self) -> Result<(), Unsupported> {
                Ok(())
            }
        })*
    };
}

items!(SerializeSeq::serialize_element, SerializeTuple::serialize_element, SerializeTupleStruct::serialize_field);

impl ser::SerializeMap for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Unsupported> {
        if self.empty {
            return Err(Unsupported);
        }
        k.serialize(KeySer(|k: &str| self.key(k)))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Unsupported> {
        self.value(v)
    }
    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

impl ser::SerializeStruct for Block<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, k: &'static str, v: &T) -> Result<(), Unsupported> {
        if self.shared.is_some() {
            return self.shared_field(k, v);
        }
        if self.empty {
            return Err(Unsupported);
        }
        self.key_as(k, field_plain(k));
        self.value(v)
    }
    fn end(self) -> Result<(), Unsupported> {
        // A `Shared` value must have been written.
        if self.shared.is_some_and(|at| !at.written) {
            return Err(Unsupported);
        }
        Ok(())
    }
}

/// Serializer methods of one argument that refuse it.
macro_rules! refuse {
    ($($name:ident: $t:ty),* $(,)?) => {
        $(fn $name(self, _: $t) -> Result<R, Unsupported> {
            Err(Unsupported)
        })*
    };
}

/// Mapping keys: strings only (anything else falls back to JSON values, which refuse it too),
/// handed to the function it holds as they are (a key is written without being copied first).
struct KeySer<F>(F);

impl<R, F: FnOnce(&str) -> R> ser::Serializer for KeySer<F> {
    type Ok = R;
    type Error = Unsupported;
    type SerializeSeq = Impossible<R, Unsupported>;
    type SerializeTuple = Impossible<R, Unsupported>;
    type SerializeTupleStruct = Impossible<R, Unsupported>;
    type SerializeTupleVariant = Impossible<R, Unsupported>;
    type SerializeMap = Impossible<R, Unsupported>;
    type SerializeStruct = Impossible<R, Unsupported>;
    type SerializeStructVariant = Impossible<R, Unsupported>;

    fn serialize_str(self, v: &str) -> Result<R, Unsupported> {
        Ok((self.0)(v))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<R, Unsupported> {
        Ok((self.0)(variant))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<R, Unsupported> {
        v.serialize(self)
    }
    refuse! {
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64, serialize_bytes: &[u8], serialize_unit_struct: &'static str
    }
    fn serialize_char(self, v: char) -> Result<R, Unsupported> {
        Ok((self.0)(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_none(self) -> Result<R, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<R, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<R, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<R, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

/// A literal block keeps the text exactly when its first non-empty line does not start with a
/// space (the block's indentation is taken from it), no line ends with white space (nor is
/// only white space), the text does not end with a line break (`|-` strips it), and there are
/// no tabs, controls or characters a reader could take for a line break.
fn block_ok(s: &str) -> bool {
    let first = s.split('\n').find(|l| !l.is_empty()).unwrap_or("");
    // Printable ASCII and line breaks (what generated queries are) hold no control or unsafe
    // character; only other text is read character by character.
    let plain_ascii = s.bytes().fold(true, |ok, c| ok & ((0x20..0x7f).contains(&c) | (c == b'\n')));
    !first.starts_with(' ')
        && !s.ends_with('\n')
        && !s.contains(" \n")
        && !s.ends_with(' ')
        && (plain_ascii || !s.chars().any(|c| c != '\n' && (c.is_control() || super::escape::is_unsafe_char(c))))
}

/// A byte table: `true` for the bytes in `chars` and ASCII letters and digits when `alnum`.
const fn table(chars: &[u8], alnum: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < chars.len() {
        t[chars[i] as usize] = true;
        i += 1;
    }
    let mut c = 0;
    while c < 128 {
        if alnum && (c as u8).is_ascii_alphanumeric() {
            t[c] = true;
        }
        c += 1;
    }
    t
}

/// Bytes allowed in a plain scalar (others force quotes).
const PLAIN: [bool; 256] = table(b" _-./:=+()<>@$%^*~!?,'\"[]|\\", true);
/// Bytes of things YAML 1.1 or 1.2 may read as numbers (with at least one digit).
const NUMBERISH: [bool; 256] = table(b"0123456789+-._:eExXoOabcdefABCDEF", false);

const C_PLAIN: u8 = 1;
const C_NUMBERISH: u8 = 2;
const C_DIGIT: u8 = 4;
const C_SPACE: u8 = 8;
const C_FLOW: u8 = 16;

/// What `plain_ok` needs to know of each byte, as bits.
const CLASSES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let mut class = 0;
        if PLAIN[c] {
            class |= C_PLAIN;
        }
        if NUMBERISH[c] {
            class |= C_NUMBERISH;
        }
        if (c as u8).is_ascii_digit() {
            class |= C_DIGIT;
        }
        if c == b' ' as usize {
            class |= C_SPACE;
        }
        if c == b'[' as usize || c == b']' as usize || c == b',' as usize {
            class |= C_FLOW;
        }
        t[c] = class;
        c += 1;
    }
    t
};

/// `plain_ok` of a struct's field name, remembered per thread: a field name is a `&'static str`
/// (its address and length stay the same for the run), and documents write few of them, often.
fn field_plain(k: &'static str) -> bool {
    thread_local! {
        static PLAIN: std::cell::RefCell<crate::FastMap<(usize, usize), bool>> = Default::default();
    }
    PLAIN.with_borrow_mut(|m| *m.entry((k.as_ptr() as usize, k.len())).or_insert_with(|| plain_ok(k)))
}

/// The classes every byte of `b` has, and the classes some byte has; early when a byte is not
/// `C_PLAIN`. Eight bytes are taken at a time, with no test between them.
fn classes(b: &[u8]) -> (u8, u8) {
    let (mut all, mut any) = (u8::MAX, 0u8);
    let mut chunks = b.chunks_exact(8);
    for chunk in &mut chunks {
        let (mut a, mut o) = (u8::MAX, 0u8);
        for &c in chunk {
            let class = CLASSES[c as usize];
            a &= class;
            o |= class;
        }
        all &= a;
        any |= o;
        if all & C_PLAIN == 0 {
            return (all, any);
        }
    }
    for &c in chunks.remainder() {
        let class = CLASSES[c as usize];
        all &= class;
        any |= class;
    }
    (all, any)
}

/// Whether `s` reads back as the same string when written without quotes.
fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return false };
    if !(first.is_ascii_alphanumeric() || matches!(first, b'/' | b'.' | b'_' | b'$')) || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    // One pass over a table of byte classes: the bytes allowed (never `#`, so never ` #`, which
    // starts a comment), and what the rules below need to know.
    let (all, any) = classes(b);
    if all & C_PLAIN == 0 {
        return false;
    }
    let spaced = any & C_SPACE != 0;
    // `: ` starts a mapping value.
    if spaced && memchr::memchr_iter(b':', b).any(|i| b.get(i + 1) == Some(&b' ')) {
        return false;
    }
    let (flow, numberish, digit) = (any & C_FLOW != 0, all & C_NUMBERISH != 0, any & C_DIGIT != 0);
    // flow indicators are only safe inside text that YAML cannot take for a flow collection
    if !spaced && flow {
        return false;
    }
    if b.len() <= 5 {
        let mut low = [0u8; 5];
        for (l, c) in low.iter_mut().zip(b) {
            *l = c.to_ascii_lowercase();
        }
        if matches!(
            &low[..b.len()],
            b"true" | b"false" | b"yes" | b"no" | b"on" | b"off" | b"y" | b"n" | b"null" | b"~" | b".inf" | b".nan"
        ) {
            return false;
        }
    }
    // Anything number-like (1, 1.5, 1e3, 0x1f, 1_000, 12:30 sexagesimal in YAML 1.1) stays quoted,
    // and so does everything that starts with a digit: durations are then quoted alike (`"5m"`
    // as `"1d"`, which is hex-like), rather than some plain and some quoted.
    !(first.is_ascii_digit() || numberish && digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document the direct writer does not take (a flattened map has no known length) is
    /// written through JSON values, where shared values are written out in full.
    #[test]
    fn shared_values_through_json_values_are_written_in_full() {
        #[derive(Serialize)]
        struct Doc {
            a: Shared<String>,
            b: Shared<String>,
            #[serde(flatten)]
            rest: std::collections::BTreeMap<String, String>,
        }
        let mut doc = Doc { a: Shared::new("same".into()), b: Shared::new("same".into()), rest: [("c".into(), "d".into())].into() };
        let mut next = 0;
        share([&mut doc.a, &mut doc.b], |_| true, &mut next);
        assert_eq!(to_string(&doc), "a: same\nb: same\nc: d\n");
        // Directly, the second is an alias of the first.
        #[derive(Serialize)]
        struct Direct<'a> {
            a: &'a Shared<String>,
            b: &'a Shared<String>,
        }
        assert_eq!(to_string(&Direct { a: &doc.a, b: &doc.b }), "a: &a1 same\nb: *a1\n");
    }

    /// Typed data written directly is byte for byte what the JSON-value path writes.
    #[test]
    fn direct_serializer_matches_the_value_path() {
        #[derive(Serialize)]
        #[serde(rename_all = "snake_case")]
        enum Kind {
            Page,
        }
        #[derive(Serialize)]
        struct Inner {
            name: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u32>,
            none: Option<u32>,
            kind: Kind,
            ratios: Vec<f64>,
            nested: Vec<Vec<String>>,
            empty_list: Vec<String>,
            empty_map: std::collections::BTreeMap<String, String>,
            labels: std::collections::BTreeMap<String, String>,
            text: String,
        }
        #[derive(Serialize)]
        struct Outer {
            items: Vec<Inner>,
            #[serde(skip_serializing_if = "Vec::is_empty")]
            gone: Vec<u8>,
            count: u64,
            flag: bool,
        }
        let v = Outer {
            items: vec![Inner {
                name: "a: b".into(),
                skipped: None,
                none: None,
                kind: Kind::Page,
                ratios: vec![0.5, 1.0, 1e-7, f64::NAN],
                nested: vec![vec!["x".into(), "yes".into()], vec![]],
                empty_list: vec![],
                empty_map: Default::default(),
                labels: [("tier".to_string(), "2".to_string()), ("k8s.io/x".into(), "v\"q".into())].into(),
                text: "line one\n  line two\nend".into(),
            }],
            gone: vec![],
            count: 3,
            flag: true,
        };
        let direct = {
            let mut out = String::new();
            v.serialize(Ser { out: &mut out, pos: Pos::Top, anchor: None }).expect("direct path takes it");
            out
        };
        assert_eq!(direct, via_value(&v));
        assert_eq!(to_string(&Vec::<u8>::new()), "[]\n");
        assert_eq!(to_string(&std::collections::BTreeMap::<String, u8>::new()), "{}\n");
    }

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

    /// Found by cargo-fuzz: keys past YAML's 1024-character limit for implicit keys are written
    /// as explicit keys, with a scalar, a mapping or a sequence after them.
    #[test]
    fn long_keys_are_explicit() {
        let long = "k".repeat(1500);
        let quoted = format!("\u{1}{}", "\u{7f}".repeat(300));
        let v = serde_json::json!({
            "labels": { long.clone(): "v", quoted.clone(): "w", "short": "x" },
            "nested": { long.clone(): { "a": 1 }, quoted.clone(): ["x", "y"] },
        });
        let y = to_string(&v);
        let back: serde_json::Value = serde_yaml::from_str(&y).unwrap_or_else(|e| panic!("{e}\n{y}"));
        assert_eq!(back, v, "{y}");
        assert!(y.contains(&format!("? {long}\n")), "{y}");
        assert!(y.contains("short: x"), "{y}");
    }

    /// `plain_ok` and `quote` as they were written byte by byte (character by character, for
    /// `quote`), before they took eight bytes at a time: what the faster ones must agree with.
    fn plain_ok_bytewise(s: &str) -> bool {
        let b = s.as_bytes();
        let Some(&first) = b.first() else { return false };
        if !(first.is_ascii_alphanumeric() || matches!(first, b'/' | b'.' | b'_' | b'$')) || s.ends_with(' ') || s.ends_with(':') {
            return false;
        }
        let (mut all, mut any) = (u8::MAX, 0u8);
        for &c in b {
            let class = CLASSES[c as usize];
            if class & C_PLAIN == 0 {
                return false;
            }
            all &= class;
            any |= class;
        }
        let spaced = any & C_SPACE != 0;
        if spaced && b.windows(2).any(|w| w == b": ") {
            return false;
        }
        let (flow, numberish, digit) = (any & C_FLOW != 0, all & C_NUMBERISH != 0, any & C_DIGIT != 0);
        if !spaced && flow {
            return false;
        }
        if b.len() <= 5
            && ["true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", ".nan"].iter().any(|w| s.eq_ignore_ascii_case(w))
        {
            return false;
        }
        !(first.is_ascii_digit() || numberish && digit)
    }

    fn quote_bytewise(s: &str) -> String {
        let mut out = String::from('"');
        for ch in s.chars() {
            push_escaped(ch, &mut out);
        }
        out.push('"');
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, failure_persistence: None, ..Default::default() })]
        /// Strings of the pieces the tests turn on (indicators, white space, digits and number
        /// letters, words YAML reads as values), mostly of bytes allowed in plain scalars, short
        /// ones that may be such words, and others with line breaks, controls and non-ASCII
        /// too, long enough to fill several eight-byte chunks.
        #[test]
        fn chunked_scans_agree_with_bytewise_ones(
            parts in proptest::prop_oneof![
                proptest::collection::vec(
                    proptest::sample::select(vec!["a", "Z", "0", "9", " ", ":", ": ", ".", "-", "_", "e", "x", "/", "$", "[", "]", ",", "\"", "'", "+", "true", "0x1f", "svc-0"]),
                    0..30,
                ),
                proptest::collection::vec(
                    proptest::sample::select(vec!["On", "no", "Y", "n", "NULL", ".Inf", ".nan", "off", "yes", "tRue", "e", "1", "~", ".", "x"]),
                    0..3,
                ),
                proptest::collection::vec(
                    proptest::sample::select(vec!["a", "0", " ", ":", "#", "{", "}", "\n", "\\", "\"", "\t", "\r", "\u{0}", "\u{7f}", "é", "\u{85}", "\u{2028}", "\u{feff}", "😀", "12345678"]),
                    0..30,
                ),
            ],
        ) {
            let s: String = parts.concat();
            proptest::prop_assert_eq!(plain_ok(&s), plain_ok_bytewise(&s), "{:?}", s);
            let mut q = String::new();
            quote(&s, &mut q);
            proptest::prop_assert_eq!(q, quote_bytewise(&s), "{:?}", s);
        }
    }
}
