//! PromQL as rely uses it: the `{{window}}` placeholder, parsing through promql-parser, and
//! the escaping of label values written into generated rules.

use std::sync::OnceLock;

use regex::Regex;

/// Where the `{{window}}` placeholder (`{{`, `window` and `}}`, with any white space between
/// them) that starts at byte `at` of `query` ends, if one does. Written out rather than as a
/// regular expression: every SLI query of a build goes through it several times.
fn placeholder_end(query: &str, at: usize) -> Option<usize> {
    let rest = query[at..].strip_prefix("{{")?.trim_start_matches(char::is_whitespace);
    let rest = rest.strip_prefix("window")?.trim_start_matches(char::is_whitespace);
    let rest = rest.strip_prefix("}}")?;
    Some(query.len() - rest.len())
}

/// The placeholders of `query`, leftmost first and not overlapping, as byte ranges.
fn placeholders(query: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(i) = memchr::memmem::find(&query.as_bytes()[from..], b"{{") {
            let at = from + i;
            match placeholder_end(query, at) {
                Some(end) => {
                    from = end;
                    return Some((at, end));
                }
                // `{` is one byte: the next candidate starts at the next one.
                None => from = at + 1,
            }
        }
        None
    })
}

/// Whether `query` contains the `{{window}}` placeholder.
pub(crate) fn has_window(query: &str) -> bool {
    placeholders(query).next().is_some()
}

/// Substitutes the `{{window}}` placeholder with a Prometheus duration.
pub fn with_window(query: &str, window: &str) -> String {
    let mut out = String::with_capacity(query.len() + 8);
    let mut last = 0;
    for (start, end) in placeholders(query) {
        out.push_str(&query[last..start]);
        out.push_str(window);
        last = end;
    }
    out.push_str(&query[last..]);
    out
}

/// Parses PromQL; the error is promql-parser's message. promql-parser panics on some inputs
/// (fuzzing found `x[666…6]`: a duration overflow), so absurd numbers are refused first and a
/// panic is turned into an error rather than taking rely down.
pub(crate) fn parse(expr: &str) -> Result<promql_parser::parser::Expr, String> {
    if has_long_number(expr) {
        return Err("a number with more than 15 digits".into());
    }
    std::panic::catch_unwind(|| promql_parser::parser::parse(expr))
        .unwrap_or_else(|_| Err("the PromQL parser failed on this expression".into()))
}

/// Whether `expr` holds a run of more than 15 digits (which `parse` refuses).
fn has_long_number(expr: &str) -> bool {
    expr.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() > 15)
}

/// Checks that `expr` is valid PromQL returning an instant vector (or a scalar where allowed).
pub fn check_vector(expr: &str) -> Result<(), String> {
    is_vector(&parse(expr)?)
}

/// Whether a parsed query returns an instant vector (the message says what it returns instead).
pub(crate) fn is_vector(e: &promql_parser::parser::Expr) -> Result<(), String> {
    match e.value_type() {
        promql_parser::parser::value::ValueType::Vector => Ok(()),
        other => Err(format!("the query returns a {other}, not an instant vector")),
    }
}

/// What rely needs to know of one query, found by one parse and remembered (see `facts`).
#[derive(Debug)]
pub(crate) struct Facts {
    /// Whether the query returns an instant vector, or why not (including parse errors).
    pub vector: Result<(), String>,
    /// The query when it is a bare selector such as `x_bucket{job="api"}`.
    pub selector: Option<Selector>,
    /// The selector of a `sum(rate(selector[w]))` (or `increase`, or `sum by (labels)`), or why
    /// the query is not that.
    pub sum_rate: Result<Selector, String>,
    /// The labels the query's result series keep (`None` when it does not parse).
    pub kept: Option<Kept>,
}

/// The labels of a query's result series, as far as its structure tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kept {
    /// Every label of the series read, except these (a selector, `rate(...)`, `sum without (x)`).
    AllBut(std::collections::BTreeSet<String>),
    /// Only these, at most (`sum by (x)`, `on (x)`; none for `sum(...)` or a number).
    Only(std::collections::BTreeSet<String>),
}

impl Kept {
    /// Whether result series keep `label` (when the series read have it).
    pub(crate) fn has(&self, label: &str) -> bool {
        match self {
            Kept::AllBut(x) => !x.contains(label),
            Kept::Only(x) => x.contains(label),
        }
    }
    fn none() -> Kept {
        Kept::Only(Default::default())
    }
    fn all() -> Kept {
        Kept::AllBut(Default::default())
    }
    /// Labels both keep.
    fn and(self, other: Kept) -> Kept {
        match (self, other) {
            (Kept::AllBut(a), Kept::AllBut(b)) => Kept::AllBut(a.union(&b).cloned().collect()),
            (Kept::AllBut(a), Kept::Only(s)) | (Kept::Only(s), Kept::AllBut(a)) => Kept::Only(s.difference(&a).cloned().collect()),
            (Kept::Only(a), Kept::Only(b)) => Kept::Only(a.intersection(&b).cloned().collect()),
        }
    }
    fn without(self, labels: &[String]) -> Kept {
        self.and(Kept::AllBut(labels.iter().cloned().collect()))
    }
    fn only(self, labels: &[String]) -> Kept {
        self.and(Kept::Only(labels.iter().cloned().collect()))
    }
}

/// The labels `e`'s result series keep: conservative, so a label said to be kept is kept
/// whenever the series read carry it (aggregations keep their `by` labels, binary operations
/// the labels both sides keep, `on (x)` only `x`).
fn kept(e: &promql_parser::parser::Expr) -> Kept {
    use promql_parser::parser::value::ValueType;
    use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality};
    let scalar = |e: &Expr| matches!(e.value_type(), ValueType::Scalar | ValueType::String);
    match e {
        Expr::Paren(p) => kept(&p.expr),
        Expr::Unary(u) => kept(&u.expr),
        Expr::Subquery(s) => kept(&s.expr),
        Expr::VectorSelector(_) | Expr::MatrixSelector(_) => Kept::all(),
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => Kept::none(),
        Expr::Aggregate(a) => {
            let inner = kept(&a.expr);
            match (a.op.to_string().as_str(), &a.modifier) {
                ("topk" | "bottomk" | "limitk" | "limit_ratio", _) => inner,
                (_, Some(LabelModifier::Include(l))) => inner.only(&l.labels),
                (_, Some(LabelModifier::Exclude(l))) => inner.without(&l.labels),
                (_, None) => Kept::none(),
            }
        }
        Expr::Call(c) => match c.func.name {
            "vector" | "scalar" | "time" | "absent" | "absent_over_time" | "pi" => Kept::none(),
            // They add (or overwrite) the label named by their second argument.
            "label_replace" | "label_join" => {
                let inner = c.args.args.first().map_or_else(Kept::none, |a| kept(a));
                match (c.args.args.get(1).map(|a| strip(a)), inner) {
                    (Some(Expr::StringLiteral(dst)), Kept::Only(mut s)) => {
                        s.insert(dst.val.clone());
                        Kept::Only(s)
                    }
                    (Some(Expr::StringLiteral(dst)), Kept::AllBut(mut s)) => {
                        s.remove(&dst.val);
                        Kept::AllBut(s)
                    }
                    (_, inner) => inner,
                }
            }
            _ => c.args.args.iter().find(|a| !scalar(a)).map_or_else(Kept::none, |a| kept(a)),
        },
        Expr::Binary(b) => {
            let (l, r) = (kept(&b.lhs), kept(&b.rhs));
            if scalar(&b.lhs) {
                return r;
            }
            if scalar(&b.rhs) {
                return l;
            }
            let m = b.modifier.as_ref();
            let matching = m.and_then(|m| m.matching.as_ref());
            match m.map(|m| &m.card) {
                Some(VectorMatchCardinality::ManyToOne(_)) => l,
                Some(VectorMatchCardinality::OneToMany(_)) => r,
                // `and`/`unless` keep the left side's series; `or` either side's.
                Some(VectorMatchCardinality::ManyToMany) if b.op.to_string() != "or" => l,
                _ => {
                    let both = l.and(r);
                    match matching {
                        Some(LabelModifier::Include(on)) if b.op.to_string() != "or" => both.only(&on.labels),
                        Some(LabelModifier::Exclude(ign)) if b.op.to_string() != "or" => both.without(&ign.labels),
                        _ => both,
                    }
                }
            }
        }
    }
}

/// A vector selector: the metric name (when given outside the braces) and the label matchers.
#[derive(Debug, Clone)]
pub(crate) struct Selector {
    pub name: Option<String>,
    pub matchers: Vec<promql_parser::label::Matcher>,
    /// The `by` labels of a `sum by (...)` (empty for a plain `sum`).
    pub by: Vec<String>,
}

type Memo = std::sync::RwLock<crate::FastMap<String, std::sync::Arc<Facts>>>;

fn memo() -> &'static Memo {
    static MEMO: OnceLock<Memo> = OnceLock::new();
    MEMO.get_or_init(Default::default)
}

/// Forgets every remembered query, so that the next `facts` parses again (for benchmarks that
/// run several builds in one process).
#[doc(hidden)]
pub fn clear_memo() {
    memo().write().unwrap_or_else(|e| e.into_inner()).clear();
    shapes().write().unwrap_or_else(|e| e.into_inner()).clear();
}

/// The facts of `query`: `rely check` needs them for every SLI query and the generated tests
/// for their selectors. Most queries take the fast path, parsed once per *shape* (see
/// `shaped`); the rest are parsed once per process and remembered. Compiled regular
/// expressions are shared between queries with the same pattern.
pub(crate) fn facts(query: &str) -> std::sync::Arc<Facts> {
    use std::sync::Arc;
    // Queries that only differ in their label values share one parse (see `shaped`):
    // nothing per query is remembered, so 200,000 queries cost little time and no memory.
    if let Some(f) = fast_facts(query) {
        return Arc::new(f);
    }
    let memo = memo();
    if let Some(f) = memo.read().unwrap_or_else(|e| e.into_inner()).get(query) {
        return f.clone();
    }
    let f = Arc::new(facts_of(parse(query), &[]));
    let mut w = memo.write().unwrap_or_else(|e| e.into_inner());
    // Bounded, for long-lived callers such as the fuzzer.
    if w.len() >= 100_000 {
        w.clear();
    }
    w.insert(query.to_string(), f.clone());
    f
}

/// Facts from a parse; `regexes` are the matchers that were rewritten from `=~`/`!~` into
/// `=`/`!=` (see `fast_facts`) and are turned back into regular-expression matchers.
fn facts_of(parsed: Result<promql_parser::parser::Expr, String>, regexes: &[RegexMatcher]) -> Facts {
    use promql_parser::parser::Expr;
    match parsed {
        Err(e) => Facts { vector: Err(e.clone()), selector: None, sum_rate: Err(e), kept: None },
        Ok(e) => Facts {
            vector: is_vector(&e),
            selector: match &e {
                Expr::VectorSelector(vs) => {
                    Some(Selector { name: vs.name.clone(), matchers: restore(vs.matchers.matchers.clone(), regexes), by: vec![] })
                }
                _ => None,
            },
            sum_rate: sum_rate_selector(&e).map(|s| Selector { matchers: restore(s.matchers, regexes), ..s }),
            kept: Some(kept(&e)),
        },
    }
}

/// Whether `query` parses to an instant vector, or why not: `facts(query).vector`, without
/// putting the label values back into a shared shape's selectors when only this is asked (what
/// `rely check` asks of every SLI query).
pub(crate) fn vector_of(query: &str) -> Result<(), String> {
    if fast_vector(query) {
        return Ok(());
    }
    facts(query).vector.clone()
}

/// Whether `fast_facts` would give `query` facts from a shape that parsed cleanly (and so an
/// instant vector): the same steps, counting the regex matchers `fast_facts` would restore
/// instead of restoring them.
fn fast_vector(query: &str) -> bool {
    use promql_parser::label::MatchOp;
    let Some((regexes, values, facts)) = shaped(query) else { return false };
    // As `filled` fills holes and `restore` turns rewritten matchers back into regexes:
    // `None` where a hole has no value (`fast_facts` gives up), else how many regexes result.
    let regexes_after = |s: &Selector| -> Option<usize> {
        let mut n = 0;
        for m in &s.matchers {
            let value = match m.value.strip_prefix(HOLE) {
                Some(i) => values.get(i.parse::<usize>().ok()?)?.as_str(),
                None => m.value.as_str(),
            };
            let negated = match &m.op {
                MatchOp::Equal => false,
                MatchOp::NotEqual => true,
                MatchOp::Re(_) | MatchOp::NotRe(_) => {
                    n += 1;
                    continue;
                }
            };
            if regexes.iter().any(|r| r.label == m.name && r.value == value && r.negated == negated) && shared_regex(value).is_some() {
                n += 1;
            }
        }
        Some(n)
    };
    let restored = |s: Option<&Selector>| s.is_none_or(|s| regexes_after(s) == Some(regexes.len()));
    restored(facts.selector.as_ref()) && restored(facts.sum_rate.as_ref().ok())
}

/// Whether `fast_facts` (when it applies) finds what a full parse finds: the fuzz target's
/// oracle, and the unit test's.
#[doc(hidden)]
pub fn fast_path_agrees(query: &str) -> bool {
    let fast_vector = fast_vector(query);
    let Some(fast) = fast_facts(query) else { return !fast_vector };
    let full = facts_of(parse(query), &[]);
    // `vector_of` takes the fast path exactly when `fast_facts` does.
    if !fast_vector {
        return false;
    }
    fast.vector == full.vector
        && format!("{:?}", fast.selector) == format!("{:?}", full.selector)
        && format!("{:?}", fast.sum_rate) == format!("{:?}", full.sum_rate)
        && fast.kept == full.kept
}

/// A `label=~"value"` (or `!~`) matcher found in a query's text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RegexMatcher {
    label: String,
    value: String,
    negated: bool,
}

/// promql-parser compiles every regular expression it meets, which is five sixths of the cost
/// of parsing a typical SLI query (`code=~"5.."`), and the same few patterns recur across
/// thousands of queries. So the query is parsed with its regex matchers rewritten to equality
/// matchers (`=~` → `= `, `!~` → `!=`: same length, so positions are unchanged), and each
/// distinct pattern is compiled once, as PromQL does (fully anchored). Whenever this could
/// differ from parsing the query as written — a parse error, a pattern that does not compile or
/// matches the empty string (which decides whether a selector is empty), a regex on
/// `__name__`, escapes, quoted label names, or an equality matcher the same as a regex one —
/// it returns `None` and the query is parsed as written.
fn fast_facts(query: &str) -> Option<Facts> {
    let (regexes, values, shaped) = shaped(query)?;
    let facts = filled(&shaped, &values, &regexes)?;
    // Every rewritten matcher must come back as exactly one regex matcher.
    let restored = |s: Option<&Selector>| {
        s.is_none_or(|s| {
            s.matchers
                .iter()
                .filter(|m| matches!(m.op, promql_parser::label::MatchOp::Re(_) | promql_parser::label::MatchOp::NotRe(_)))
                .count()
                == regexes.len()
        })
    };
    (restored(facts.selector.as_ref()) && restored(facts.sum_rate.as_ref().ok())).then_some(facts)
}

/// What the fast path works from: `query`'s `=~`/`!~` matchers (rewritten to `= `/`!=`, see
/// `fast_facts`), the label values taken out of its shape, and the shape's facts. The *shape* is
/// the query with the value of every `label="value"` / `label!="value"` matcher inside braces
/// replaced by a numbered hole. Queries differing only in label values (`job="api"`,
/// `job="web"`) have one shape, parsed once; the values are put back into the selectors after
/// (`filled`). A label value cannot change how PromQL parses, with two exceptions that are kept
/// in the shape as written: an empty value (a selector needs a non-empty matcher) and a
/// `__name__` value (the metric name). `None` when the shape does not parse cleanly (the caller
/// parses the query as written, for its own error message) or the text cannot be shaped safely.
fn shaped(query: &str) -> Option<(Vec<RegexMatcher>, Vec<String>, std::sync::Arc<Facts>)> {
    let (text, regexes) = rewrite_regex_matchers(query)?;
    if regexes.iter().any(|r| r.label == "__name__" || matches_empty(&r.value).is_none_or(|empty| empty)) {
        return None;
    }
    let (shape, values) = shape_of(&text)?;
    Some((regexes, values, shape_memo(&shape)?))
}

/// The query with `=~`/`!~` matchers rewritten to `= `/`!=`, and those matchers; `None` for
/// anything but plain label names and string values without escapes.
fn rewrite_regex_matchers(q: &str) -> Option<(String, Vec<RegexMatcher>)> {
    let b = q.as_bytes();
    let mut out = b.to_vec();
    let mut found = vec![];
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' | b'\'' | b'`' => i = literal_end(b, i)? + 1,
            b'#' => i += b[i..].iter().position(|&c| c == b'\n').unwrap_or(b.len() - i),
            c @ (b'=' | b'!') if b.get(i + 1) == Some(&b'~') => {
                let before = q[..i].trim_end();
                // Back over ASCII label characters only (so the slice starts on a char boundary).
                let lb = before.as_bytes();
                let mut label_start = lb.len();
                while label_start > 0 && (lb[label_start - 1].is_ascii_alphanumeric() || lb[label_start - 1] == b'_') {
                    label_start -= 1;
                }
                let label = &before[label_start..];
                if label.is_empty() || label.as_bytes()[0].is_ascii_digit() {
                    return None;
                }
                let rest = &q[i + 2..];
                let start = i + 2 + (rest.len() - rest.trim_start().len());
                if !matches!(b.get(start), Some(b'"' | b'\'' | b'`')) {
                    return None;
                }
                let end = literal_end(b, start)?;
                let value = &q[start + 1..end];
                let negated = c == b'!';
                if negated {
                    out[i + 1] = b'=';
                } else {
                    out[i + 1] = b' ';
                }
                found.push(RegexMatcher { label: label.to_string(), value: value.to_string(), negated });
                i = end + 1;
            }
            _ => i += 1,
        }
    }
    // Equality matchers identical to a rewritten one would be restored as regexes too.
    if !found.is_empty() {
        let compact = q.replace(' ', "");
        for r in &found {
            let eq = format!("{}{}\"{}\"", r.label, if r.negated { "!=" } else { "=" }, r.value);
            if compact.contains(&eq) {
                return None;
            }
        }
    }
    Some((String::from_utf8(out).ok()?, found))
}

/// Where the string literal opening at `start` closes; `None` when it does not, or when it has
/// escapes (whose value would take unquoting).
fn literal_end(b: &[u8], start: usize) -> Option<usize> {
    let end = start + 1 + b[start + 1..].iter().position(|&c| c == b[start])?;
    // Escapes and control characters (a line break ends a PromQL string: the query does not
    // parse) are left to the full parse, which knows what each means.
    (!b[start + 1..end].iter().any(|&c| c == b'\\' || c < 0x20 || c == 0x7f)).then_some(end)
}

/// Marks a label value taken out of a query's shape; a query holding it is never shaped.
const HOLE: char = '\u{1}';

/// The facts of a query from the facts of its shape (see `shaped`): its label `values` put back
/// into the holes of the shape's selectors, and its rewritten `regexes` restored; `None` when a
/// hole has no value.
fn filled(facts: &Facts, values: &[String], regexes: &[RegexMatcher]) -> Option<Facts> {
    let fill = |s: &Selector| -> Option<Selector> {
        let mut matchers = s.matchers.clone();
        for m in &mut matchers {
            if let Some(n) = m.value.strip_prefix(HOLE) {
                m.value = values.get(n.parse::<usize>().ok()?)?.clone();
            }
        }
        Some(Selector { name: s.name.clone(), matchers: restore(matchers, regexes), by: s.by.clone() })
    };
    Some(Facts {
        vector: Ok(()),
        selector: match &facts.selector {
            Some(s) => Some(fill(s)?),
            None => None,
        },
        sum_rate: match &facts.sum_rate {
            Ok(s) => Ok(fill(s)?),
            Err(e) => Err(e.clone()),
        },
        kept: facts.kept.clone(),
    })
}

/// `text` with matcher values inside braces replaced by holes, and the values in hole order.
fn shape_of(text: &str) -> Option<(String, Vec<String>)> {
    // `parse` refuses long digit runs anywhere in the text (label values included): such a
    // query is parsed as written, so that both paths agree.
    if text.contains(HOLE) || has_long_number(text) {
        return None;
    }
    let b = text.as_bytes();
    let mut shape = String::with_capacity(text.len());
    let mut values = vec![];
    let (mut depth, mut copied, mut i) = (0usize, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => depth = depth.checked_sub(1)?,
            b'#' => return None,
            q @ (b'"' | b'\'' | b'`') => {
                let end = literal_end(b, i)?;
                let before = text[..i].trim_end();
                let is_value = depth > 0 && q == b'"' && before.ends_with('=') && end > i + 1 && {
                    let op = before.trim_end_matches(['=', '!']).trim_end();
                    let label_start = op
                        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                        .map_or(0, |k| k + op[k..].chars().next().map_or(1, char::len_utf8));
                    let label = &op[label_start..];
                    !label.is_empty() && label != "__name__" && !label.as_bytes()[0].is_ascii_digit()
                };
                if is_value {
                    shape.push_str(&text[copied..=i]);
                    shape.push(HOLE);
                    shape.push_str(itoa::Buffer::new().format(values.len()));
                    values.push(text[i + 1..end].to_string());
                    copied = end;
                }
                i = end + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    shape.push_str(&text[copied..]);
    Some((shape, values))
}

/// The facts of a shape, parsed once per process; `None` when it is not a clean instant-vector
/// query (errors are reported from the query as written).
type Shapes = std::sync::RwLock<crate::FastMap<String, Option<std::sync::Arc<Facts>>>>;

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(Default::default)
}

fn shape_memo(shape: &str) -> Option<std::sync::Arc<Facts>> {
    use std::sync::Arc;
    let shapes = shapes();
    if let Some(f) = shapes.read().unwrap_or_else(|e| e.into_inner()).get(shape) {
        return f.clone();
    }
    let facts = facts_of(parse(shape), &[]);
    let f = facts.vector.is_ok().then(|| Arc::new(facts));
    let mut w = shapes.write().unwrap_or_else(|e| e.into_inner());
    // Bounded, for long-lived callers such as the fuzzer.
    if w.len() >= 10_000 {
        w.clear();
    }
    w.insert(shape.to_string(), f.clone());
    f
}

/// `^(?:pattern)$` compiled once per process (`None` when it does not compile).
fn shared_regex(pattern: &str) -> Option<Regex> {
    by_pattern(pattern).map(|c| c.re.clone())
}

/// Whether `^(?:pattern)$` matches the empty string (`None` when it does not compile): known
/// when the pattern is compiled, so that each query using it does not run it again.
fn matches_empty(pattern: &str) -> Option<bool> {
    by_pattern(pattern).map(|c| c.empty)
}

fn by_pattern(pattern: &str) -> Option<std::sync::Arc<Compiled>> {
    let anchored = format!("^(?:{pattern})$");
    compiled(&anchored, || Regex::new(&anchored).ok())
}

/// Whether matcher `m` accepts `s`, with regular expressions run on the process's one instance
/// of each (see `compiled`).
pub(crate) fn is_match(m: &promql_parser::label::Matcher, s: &str) -> bool {
    use promql_parser::label::MatchOp;
    let shared = |r: &Regex| compiled(r.as_str(), || Some(r.clone())).map_or_else(|| r.is_match(s), |c| c.re.is_match(s));
    match &m.op {
        MatchOp::Re(r) => shared(r),
        MatchOp::NotRe(r) => !shared(r),
        _ => m.is_match(s),
    }
}

/// A regular expression compiled once per process, and whether it matches the empty string.
struct Compiled {
    re: Regex,
    empty: bool,
}

/// The process's one compiled instance of the regular expression whose full (anchored) text is
/// `anchored`, made by `compile` the first time (`None` when it does not compile). Queries
/// share its program (clones of `re`), and matching runs on the instance itself: a clone starts
/// with an empty match cache, so matching on each matcher's own clone allocated one every time
/// (a tenth of `rely build` at 100,000 SLOs, where synthetic test series are picked by trying
/// values against the matchers).
fn compiled(anchored: &str, compile: impl FnOnce() -> Option<Regex>) -> Option<std::sync::Arc<Compiled>> {
    use std::sync::{Arc, RwLock};
    type Cache = crate::FastMap<String, Option<Arc<Compiled>>>;
    static REGEXES: OnceLock<RwLock<Cache>> = OnceLock::new();
    let cache = REGEXES.get_or_init(Default::default);
    if let Some(c) = cache.read().unwrap_or_else(|e| e.into_inner()).get(anchored) {
        return c.clone();
    }
    let c = compile().map(|re| Arc::new(Compiled { empty: re.is_match(""), re }));
    let mut w = cache.write().unwrap_or_else(|e| e.into_inner());
    // Bounded, for long-lived callers such as the fuzzer.
    if w.len() >= 10_000 {
        w.clear();
    }
    w.entry(anchored.to_string()).or_insert(c).clone()
}

/// The matchers with rewritten ones turned back into regex matchers, and every regular
/// expression shared with other queries using the same pattern.
fn restore(mut out: Vec<promql_parser::label::Matcher>, regexes: &[RegexMatcher]) -> Vec<promql_parser::label::Matcher> {
    use promql_parser::label::MatchOp;
    for m in &mut out {
        let negated = match &mut m.op {
            MatchOp::Equal => false,
            MatchOp::NotEqual => true,
            MatchOp::Re(r) | MatchOp::NotRe(r) => {
                // `^(?:v)$` as promql-parser builds it: share the compiled one when it is the same.
                if let Some(shared) = r.as_str().strip_prefix("^(?:").and_then(|p| p.strip_suffix(")$")).and_then(shared_regex)
                    && shared.as_str() == r.as_str()
                {
                    *r = shared;
                }
                continue;
            }
        };
        if regexes.iter().any(|r| r.label == m.name && r.value == m.value && r.negated == negated)
            && let Some(re) = shared_regex(&m.value)
        {
            m.op = if negated { MatchOp::NotRe(re) } else { MatchOp::Re(re) };
        }
    }
    out
}

/// `sum(rate(x{..}[w]))` (or `increase`) → its selector, or why the query is not that shape.
fn sum_rate_selector(e: &promql_parser::parser::Expr) -> Result<Selector, String> {
    sum_of(e, &["rate", "increase"])
}

fn strip(e: &promql_parser::parser::Expr) -> &promql_parser::parser::Expr {
    match e {
        promql_parser::parser::Expr::Paren(p) => strip(&p.expr),
        e => e,
    }
}

/// `sum(f(x{..}[w]))` or `sum by (...) (f(x{..}[w]))` for `f` one of `funcs` → its selector.
fn sum_of(e: &promql_parser::parser::Expr, funcs: &[&str]) -> Result<Selector, String> {
    use promql_parser::parser::Expr;
    let Expr::Aggregate(agg) = strip(e) else { return Err(format!("it is not `sum({}(...))`", funcs[0])) };
    let by = match &agg.modifier {
        None => vec![],
        Some(promql_parser::parser::LabelModifier::Include(l)) => l.labels.clone(),
        Some(promql_parser::parser::LabelModifier::Exclude(l)) if l.labels.is_empty() => vec![],
        Some(_) => return Err("it is `sum without (...)`, not `sum(...)` or `sum by (...)`".into()),
    };
    if agg.op.to_string() != "sum" {
        return Err("it is not `sum(...)`".into());
    }
    let Expr::Call(call) = strip(&agg.expr) else { return Err(format!("the sum is not over {}()", funcs.join("() or "))) };
    if !funcs.contains(&call.func.name) {
        return Err(format!("the sum is over {}(), not {}()", call.func.name, funcs.join("() or ")));
    }
    let Some(Expr::MatrixSelector(ms)) = call.args.args.first().map(|a| strip(a)) else {
        return Err(format!("{}() is not over a range selector", call.func.name));
    };
    // A small offset (an exporter's scrape lag, as Pyrra examples use) shifts constant-rate
    // series by less than the tests' margins; a longer one would not.
    let small_offset = match &ms.vs.offset {
        None => true,
        Some(promql_parser::parser::Offset::Pos(d)) => d.as_secs() <= 120,
        Some(promql_parser::parser::Offset::Neg(_)) => false,
    };
    if !small_offset || ms.vs.at.is_some() || !ms.vs.matchers.or_matchers.is_empty() {
        return Err("the selector uses an offset over 2m, @ or `or` matchers".into());
    }
    Ok(Selector { name: ms.vs.name.clone(), matchers: ms.vs.matchers.matchers.clone(), by })
}

/// Shapes of queries that generated tests can drive besides `sum(rate(...))`.
#[derive(Debug)]
pub(crate) enum Shape {
    /// `sum(rate(errors[w])) / sum(rate(total[w]))`: a raw error ratio of two counters.
    Ratio(Selector, Selector),
    /// `1 - (sum(sum_over_time(g[w])) / sum(count_over_time(g[w])))`: one minus a gauge's mean.
    OneMinusMean(Selector),
    /// `sum(rate(total[w])) - sum(rate(good[w]))`: errors as the total less the good events.
    Difference(Selector, Selector),
    /// `1 - (sum(sum_over_time((g op bool t)[w:s])) / sum(count_over_time(...)))`: one minus
    /// the share of a gauge's samples for which `g op t` holds (op as written, e.g. `<`).
    Threshold(Selector, String, f64),
}

/// `(selector op bool number)[w:s]` inside `f(...)`: the selector, the operator and the number.
fn threshold_subquery(e: &promql_parser::parser::Expr, func: &str) -> Option<(Selector, String, f64)> {
    use promql_parser::parser::Expr;
    let Expr::Aggregate(agg) = strip(e) else { return None };
    if agg.op.to_string() != "sum" || agg.modifier.as_ref().is_some_and(|m| matches!(m, promql_parser::parser::LabelModifier::Exclude(_))) {
        return None;
    }
    let by = agg.modifier.as_ref().map(|m| m.labels().labels.clone()).unwrap_or_default();
    let Expr::Call(call) = strip(&agg.expr) else { return None };
    if call.func.name != func {
        return None;
    }
    let Some(Expr::Subquery(sq)) = call.args.args.first().map(|a| strip(a)) else { return None };
    if sq.offset.is_some() || sq.at.is_some() {
        return None;
    }
    let Expr::Binary(b) = strip(&sq.expr) else { return None };
    if !b.modifier.as_ref().is_some_and(|m| m.return_bool && m.matching.is_none()) {
        return None;
    }
    let (Expr::VectorSelector(vs), Expr::NumberLiteral(n)) = (strip(&b.lhs), strip(&b.rhs)) else { return None };
    if vs.offset.is_some() || vs.at.is_some() || !vs.matchers.or_matchers.is_empty() {
        return None;
    }
    Some((Selector { name: vs.name.clone(), matchers: vs.matchers.matchers.clone(), by }, b.op.to_string(), n.val))
}

/// The shape of `query` (with `{{window}}` substituted), or why it has none of `Shape`'s.
pub(crate) fn shape(query: &str) -> Result<Shape, String> {
    use promql_parser::parser::Expr;
    let e = parse(query)?;
    let Expr::Binary(b) = strip(&e) else { return Err("it is not a ratio or a difference of sums".into()) };
    if b.modifier.as_ref().is_some_and(|m| m.matching.is_some() || m.return_bool) {
        return Err("it uses on/ignoring or bool".into());
    }
    match b.op.to_string().as_str() {
        "/" => Ok(Shape::Ratio(sum_of(&b.lhs, &["rate", "increase"])?, sum_of(&b.rhs, &["rate", "increase"])?)),
        "-" => {
            if let Expr::NumberLiteral(n) = strip(&b.lhs)
                && n.val == 1.0
                && let Expr::Binary(d) = strip(&b.rhs)
                && d.op.to_string() == "/"
                && d.modifier.as_ref().is_none_or(|m| m.matching.is_none() && !m.return_bool)
            {
                if let (Some(s), Some(c)) = (threshold_subquery(&d.lhs, "sum_over_time"), threshold_subquery(&d.rhs, "count_over_time")) {
                    if format!("{:?}", (&s.0.name, &s.0.matchers, &s.1, s.2)) != format!("{:?}", (&c.0.name, &c.0.matchers, &c.1, c.2)) {
                        return Err("the sum and the count compare different series".into());
                    }
                    return Ok(Shape::Threshold(s.0, s.1, s.2));
                }
                let (s, c) = (sum_of(&d.lhs, &["sum_over_time"])?, sum_of(&d.rhs, &["count_over_time"])?);
                if format!("{:?}", (&s.name, &s.matchers)) != format!("{:?}", (&c.name, &c.matchers)) {
                    return Err("the sum and the count read different series".into());
                }
                return Ok(Shape::OneMinusMean(s));
            }
            Ok(Shape::Difference(sum_of(&b.lhs, &["rate", "increase"])?, sum_of(&b.rhs, &["rate", "increase"])?))
        }
        op => Err(format!("it is a `{op}` of two expressions")),
    }
}

/// Normalises whitespace so that two spellings of one query compare equal.
pub(crate) fn normalise(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quotes a label value for a PromQL selector: `"a\"b"`.
pub(crate) fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    quote_into(value, &mut out);
    out
}

/// `quote`, appended to `out`.
pub(crate) fn quote_into(value: &str, out: &mut String) {
    out.push('"');
    if !value.bytes().any(|b| matches!(b, b'\\' | b'"' | b'\n')) {
        out.push_str(value);
        out.push('"');
        return;
    }
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `name` is a valid Prometheus metric name.
pub(crate) fn is_metric_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// Whether `name` is a valid Prometheus label name.
pub(crate) fn is_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_') && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path (regexes rewritten and compiled once) gives exactly the facts of parsing
    /// the query as written, or steps aside.
    #[test]
    fn fast_facts_agree_with_a_full_parse() {
        let queries = [
            r#"sum(rate(http_requests_total{job="api",code=~"5.."}[5m]))"#,
            r#"sum(rate(http_requests_total{job="api", code !~ "2..|3.."}[5m]))"#,
            r#"sum(rate(x{code=~'5..'}[5m]))"#,
            r#"sum(rate(x{code=~`5\d\d`}[5m]))"#,
            r#"sum(rate(x{code=~"5..", code="5.."}[5m]))"#,
            r#"sum(rate(x{code=~"5.."}[5m])) # a comment with =~ "x""#,
            r#"x_bucket{code=~"5..",le="0.3"}"#,
            r#"{code=~".*"}"#,
            r#"{code=~".+"}"#,
            r#"{__name__=~"http_.*"}"#,
            r#"sum(rate(x{code=~"(unclosed"}[5m]))"#,
            r#"sum(rate(x{code=~"a{b}c"}[5m]))"#,
            r#"sum(rate(x{"code"=~"5.."}[5m]))"#,
            r#"sum(rate(x{code=~"5\\.."}[5m]))"#,
            r#"sum(rate(x{code=~"5.."}[5m])) / sum(rate(x{code!~"4.."}[5m]))"#,
            r#"sum(rate(x{code=~"5.."[5m]))"#,
            r#"label_replace(x{a=~"b"}, "c", "$1", "d", "=~(.*)")"#,
            // Found by cargo-fuzz: a multi-byte character right before a label name.
            "sum(rate(http_requests_total{job=\"checkout\"\u{521}code=~\"5..\"}[5m]))",
            "sum(rate(x{j\u{e9}b=~\"5..\"}[5m]))",
            // Found by cargo-fuzz: a line break (and NULs) in a label value; the query does not
            // parse, but its shape did.
            "sum(rate(x{a=\"b\u{0}\u{0}\n\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}r\",}[5m]))",
            "sum(rate(x{a=\"b\u{0}c\"}[5m]))",
            "sum(rate(x{a=\"b\u{7f}c\"}[5m]))",
            // Shapes: label values taken out and put back.
            r#"sum(rate(x{job="api",route="/a"}[5m]))"#,
            r#"sum(rate(x{job="web",route="/b"}[5m]))"#,
            r#"sum(rate(x{job=""}[5m]))"#,
            r#"sum(rate(x{job="",code=~"5.."}[5m]))"#,
            r#"sum(rate({__name__="x",job="a"}[5m]))"#,
            r#"sum(rate(x{__name__="y"}[5m]))"#,
            r#"sum(rate(x{job="a" , env != "b"}[5m])) / sum(rate(x{job="a"}[5m]))"#,
            r#"x_bucket{job="a",le="0.3"}"#,
            r#"x_bucket{job="a",le="0.3"} offset 5m"#,
            r#"label_replace(sum(rate(x{job="a"}[5m])), "dst", "$1", "job", "(.*)")"#,
            r#"sum(rate(x{job="a"}[5m])) != "a""#,
            r#"sum(rate(x{job="a",job="a"}[5m]))"#,
            r#"sum(rate(x{job=="a"}[5m]))"#,
            r#"sum(rate(x{"job"="a"}[5m]))"#,
            "sum(rate(x{job=\"\u{1}0\"}[5m]))",
            r#"sum by (job) (rate(x{job="a"}[5m]))"#,
            r#"sum(rate(x{job="a"}[5m] @ 100))"#,
            r#"sum(increase(x{job="a"}[5m]))"#,
            r#"avg(rate(x{job="a"}[5m]))"#,
            r#"sum(rate(x{job="1234567890123456789"}[5m]))"#,
        ];
        for q in queries {
            assert!(fast_path_agrees(q), "{q}");
        }
        assert!(fast_facts(queries[0]).is_some(), "the common shape takes the fast path");
        let a = fast_facts(r#"sum(rate(x{job="api",route="/a"}[5m]))"#).expect("shaped");
        let m = &a.sum_rate.as_ref().expect("a sum of rates").matchers;
        assert_eq!(m.iter().map(|m| m.value.as_str()).collect::<Vec<_>>(), ["api", "/a"], "the values are put back");
        assert!(fast_facts(r#"{code=~".*"}"#).is_none(), "a pattern matching the empty string does not");
        assert!(fast_facts(r#"sum(rate(x{code=~"(unclosed"}[5m]))"#).is_none(), "nor one that does not compile");
    }

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

    proptest::proptest! {
        /// The written-out placeholder search replaces what the regular expression it replaced
        /// (`\{\{\s*window\s*\}\}`, leftmost first) replaces, in queries made of the pieces
        /// that matter: braces, the word, white space (Unicode's too) and other text.
        #[test]
        fn placeholder_search_agrees_with_the_regular_expression(
            parts in proptest::collection::vec(
                proptest::sample::select(vec!["{", "{{", "}", "}}", "window", "windo", " ", "\t", "\u{2003}", "\n", "x", "[", "]", "é", "w"]),
                0..24,
            )
        ) {
            let q: String = parts.concat();
            let re = Regex::new(r"\{\{\s*window\s*\}\}").unwrap();
            proptest::prop_assert_eq!(with_window(&q, "5m"), re.replace_all(&q, "5m").into_owned());
            proptest::prop_assert_eq!(has_window(&q), re.is_match(&q));
        }
    }

    #[test]
    fn kept_labels_follow_aggregations_and_matching() {
        let keeps = |q: &str, l: &str| facts(q).kept.clone().unwrap().has(l);
        assert!(keeps(r#"sum by (route) (rate(x{a="1"}[5m]))"#, "route"));
        assert!(!keeps("sum(rate(x[5m]))", "route"));
        assert!(keeps("rate(x[5m])", "route"));
        assert!(keeps("sum without (instance) (rate(x[5m]))", "route"));
        assert!(!keeps("sum without (route) (rate(x[5m]))", "route"));
        assert!(keeps("sum by (route) (rate(x[5m])) / sum by (route) (rate(y[5m]))", "route"));
        assert!(!keeps("sum by (route) (rate(x[5m])) / sum(rate(y[5m]))", "route"));
        assert!(!keeps("sum by (route, job) (rate(x[5m])) / on (job) sum by (route, job) (rate(y[5m]))", "route"));
        assert!(keeps("sum by (route, job) (rate(x[5m])) / on (job) group_left sum by (job) (rate(y[5m]))", "route"));
        assert!(keeps("(sum by (route) (rate(x[5m]))) - (sum by (route) (rate(y[5m])))", "route"));
        assert!(keeps("1 - sum by (route) (rate(x[5m]))", "route"));
        assert!(!keeps("vector(1)", "route"));
        assert!(!keeps("sum by (route) (rate(x[5m])) or vector(0)", "route"));
        assert!(keeps("topk(3, rate(x[5m]))", "route"));
        assert!(keeps("max_over_time(sum by (route) (rate(x[5m]))[1h:5m])", "route"));
        assert!(keeps(r#"label_replace(sum by (path) (rate(x[5m])), "route", "$1", "path", "(.*)")"#, "route"));
    }

    #[test]
    fn shapes_of_raw_ratios_gauges_and_differences() {
        let q = r#"sum(rate(e_total{job="a"}[5m])) / sum(rate(t_total{job="a"}[5m]))"#;
        assert!(matches!(shape(q), Ok(Shape::Ratio(..))));
        let q = "1 - (\n  sum(sum_over_time(sat_ratio[5m]))\n  /\n  sum(count_over_time(sat_ratio[5m]))\n)";
        assert!(matches!(shape(q), Ok(Shape::OneMinusMean(_))));
        assert!(shape("1 - (sum(sum_over_time(a[5m])) / sum(count_over_time(b[5m])))").is_err(), "two gauges");
        let q = r#"(sum(rate(d_count[5m]))) - (sum(rate(d_bucket{le="0.4"}[5m])))"#;
        assert!(matches!(shape(q), Ok(Shape::Difference(..))));
        assert!(shape("sum(rate(a[5m])) / on (x) sum(rate(b[5m]))").is_err());
        assert!(shape("avg(rate(a[5m]))").is_err());
        let q = r#"1 - (sum(sum_over_time((q{a="b"} < bool 30)[5m:1m])) / sum(count_over_time((q{a="b"} < bool 30)[5m:1m])))"#;
        assert!(matches!(shape(q), Ok(Shape::Threshold(_, ref op, t)) if op == "<" && t == 30.0), "{:?}", shape(q));
        let q = r#"1 - (sum(sum_over_time((q < bool 30)[5m:1m])) / sum(count_over_time((q < bool 40)[5m:1m])))"#;
        assert!(shape(q).is_err(), "two thresholds");
        // A scrape lag's offset is drivable; a day's is not.
        assert!(facts("sum(rate(a[5m] offset 1m))").sum_rate.is_ok());
        assert!(facts("sum(rate(a[5m] offset 1d))").sum_rate.is_err());
    }
}
