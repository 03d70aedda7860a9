//! Writers cannot be escaped: arbitrary strings (all of Unicode, controls, separators, leading
//! and trailing spaces, `{{`, `---`, `#`, quotes) go through every writer and are read back by an
//! independent parser, which must see the same value and the same structure. YAML is read by
//! serde_yaml (libyaml) here and by Go's parsers through promtool and amtool over a generated
//! corpus; HCL by hcl-rs; Markdown by pulldown-cmark.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rely::emit::escape;
use rely::emit::yaml::{Shared, share};

/// Characters and fragments that have broken writers somewhere.
const NASTY: &[&str] = &[
    "\n",
    "\r",
    "\t",
    " ",
    "  ",
    "\u{2028}",
    "\u{2029}",
    "\u{85}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
    "\u{1fffe}",
    "\u{fdd0}",
    "\u{7f}",
    "\u{80}",
    "\u{9f}",
    "\u{0}",
    "\u{8}",
    "\u{c}",
    "\u{1b}",
    "{{",
    "}}",
    "{{ $value }}",
    "${x}",
    "%{y}",
    "$${",
    "---",
    "...",
    "#",
    " #",
    ": ",
    "- ",
    "\"",
    "'",
    "\\",
    "|",
    ">",
    "<!--",
    "-->",
    "&",
    "*",
    "_",
    "`",
    "```",
    "[x](y)",
    "~~",
    "1. ",
    "# ",
    "<b>",
    "\u{a0}",
    "é",
    "😀",
    "\u{e000}",
    "yes",
    "null",
    "0x1f",
    "1e3",
    "~",
    "@",
    "!tag",
    "&anchor",
    "*alias",
];

/// An arbitrary string, biased towards the fragments above.
pub(crate) fn nasty() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![3 => prop::sample::select(NASTY).prop_map(str::to_string), 2 => any::<char>().prop_map(String::from)],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Doc {
    groups: Vec<Group>,
    extra: BTreeMap<String, String>,
    list: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Group {
    name: String,
    rules: Vec<Rule>,
}

#[derive(serde::Serialize, serde::Deserialize, Debug, PartialEq)]
struct Rule {
    alert: String,
    expr: String,
    labels: BTreeMap<String, String>,
    annotations: BTreeMap<String, String>,
}

/// A document whose values may be written as YAML anchors and aliases (`yaml::Shared`), in
/// every position: sequence items and mapping values that are scalars, mappings or sequences
/// (empty ones too).
#[derive(serde::Serialize)]
struct SharedDoc {
    items: Vec<Shared<Item>>,
    names: Vec<Shared<String>>,
    nested: Vec<Shared<Vec<String>>>,
    maps: BTreeMap<String, Shared<BTreeMap<String, String>>>,
    texts: BTreeMap<String, Shared<String>>,
    lists: BTreeMap<String, Shared<Vec<String>>>,
}

/// The same document as a reader sees it, aliases expanded.
#[derive(serde::Deserialize, Debug, PartialEq)]
struct PlainDoc {
    items: Vec<Item>,
    names: Vec<String>,
    nested: Vec<Vec<String>>,
    maps: BTreeMap<String, BTreeMap<String, String>>,
    texts: BTreeMap<String, String>,
    lists: BTreeMap<String, Vec<String>>,
}

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq, Hash)]
struct Item {
    a: String,
    b: BTreeMap<String, String>,
}

/// Markdown `text` renders to nothing but text: no HTML, code, emphasis, links, headings,
/// lists or breaks. Returns the text of each paragraph, list item or table cell, and what else
/// was found.
fn markdown_text(md: &str) -> (Vec<String>, Vec<String>) {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let mut blocks = vec![];
    let mut unexpected = vec![];
    for e in Parser::new_ext(md, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH) {
        match e {
            Event::Text(t) => blocks.last_mut().get_or_insert(&mut String::new()).push_str(&t),
            Event::Start(Tag::Paragraph | Tag::TableCell | Tag::Item) => blocks.push(String::new()),
            Event::Start(Tag::Table(_) | Tag::TableHead | Tag::TableRow | Tag::List(None)) => {}
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Table
                | TagEnd::TableHead
                | TagEnd::TableRow
                | TagEnd::TableCell
                | TagEnd::Item
                | TagEnd::List(false),
            ) => {}
            other => unexpected.push(format!("{other:?}")),
        }
    }
    (blocks, unexpected)
}

/// What Markdown shows of `s` escaped by `escape::markdown`: line breaks as spaces, characters
/// that are never shown raw as U+FFFD.
fn shown(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' => ' ',
            '\t' => '\t',
            c if escape::is_unsafe_char(c) => '\u{fffd}',
            c => c,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    /// YAML: same values, same structure, read back by libyaml.
    #[test]
    fn yaml_round_trips(a in nasty(), b in nasty(), c in nasty(), d in nasty(), k in nasty(), v in nasty(), l in nasty()) {
        let doc = Doc {
            groups: vec![Group {
                name: a.clone(),
                rules: vec![
                    Rule { alert: "A".into(), expr: b.clone(), labels: [("note".into(), c.clone())].into(), annotations: [("description".into(), d.clone())].into() },
                    Rule { alert: "B".into(), expr: "vector(1)".into(), labels: BTreeMap::new(), annotations: [(k.clone(), v.clone())].into() },
                ],
            }],
            extra: [(k.clone(), v.clone()), ("z".into(), l.clone())].into(),
            list: vec![a, b, "---".into(), l],
        };
        let text = rely::emit::yaml::to_string(&doc);
        let back: Doc = serde_yaml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, doc, "{}", text);
        // A single document, whatever the strings held.
        prop_assert_eq!(serde_yaml::Deserializer::from_str(&text).count(), 1);
    }

    /// YAML with anchors and aliases: repeated values written once and aliased after read back
    /// by libyaml as the same values, whatever strings they hold.
    #[test]
    fn yaml_shared_values_round_trip(pool in prop::collection::vec(nasty(), 3), picks in prop::collection::vec(0usize..4, 24)) {
        // Values drawn from a small pool repeat; index 3 is the empty string (or an empty
        // collection).
        let text_of = |i: usize| pool.get(i).cloned().unwrap_or_default();
        let list_of = |i: usize| if i == 3 { vec![] } else { vec![text_of(i), text_of((i + 1) % 3)] };
        let map_of = |i: usize| -> BTreeMap<String, String> { if i == 3 { BTreeMap::new() } else { [(text_of(i), text_of((i + 2) % 3))].into() } };
        let p = |k: usize| picks[k % picks.len()];
        let plain = PlainDoc {
            items: (0..4).map(|k| Item { a: text_of(p(k)), b: map_of(p(k + 4)) }).collect(),
            names: (0..4).map(|k| text_of(p(k + 8))).collect(),
            nested: (0..4).map(|k| list_of(p(k + 12))).collect(),
            maps: (0..4).map(|k| (format!("m{k}"), map_of(p(k + 16)))).collect(),
            texts: (0..4).map(|k| (format!("t{k}"), text_of(p(k + 20)))).collect(),
            lists: (0..4).map(|k| (format!("l{k}"), list_of(p(k + 1)))).collect(),
        };
        let mut doc = SharedDoc {
            items: plain.items.iter().cloned().map(Shared::new).collect(),
            names: plain.names.iter().cloned().map(Shared::new).collect(),
            nested: plain.nested.iter().cloned().map(Shared::new).collect(),
            maps: plain.maps.iter().map(|(k, v)| (k.clone(), Shared::new(v.clone()))).collect(),
            texts: plain.texts.iter().map(|(k, v)| (k.clone(), Shared::new(v.clone()))).collect(),
            lists: plain.lists.iter().map(|(k, v)| (k.clone(), Shared::new(v.clone()))).collect(),
        };
        let mut next = 0;
        share(doc.items.iter_mut(), |_| true, &mut next);
        share(doc.names.iter_mut().chain(doc.texts.values_mut()), |_| true, &mut next);
        share(doc.nested.iter_mut().chain(doc.lists.values_mut()), |_| true, &mut next);
        share(doc.maps.values_mut(), |_| true, &mut next);
        let text = rely::emit::yaml::to_string(&doc);
        let back: PlainDoc = serde_yaml::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, plain, "{}", text);
        prop_assert_eq!(serde_yaml::Deserializer::from_str(&text).count(), 1);
        // Eight names and texts from four values: some repeat, so aliases are written.
        prop_assert!(text.contains(": *a") || text.contains("- *a"), "no alias written:\n{}", text);
    }

    /// JSON with short collections on one line (the dashboards): read back as the same value,
    /// whatever strings its keys and values hold, at any nesting and length.
    #[test]
    fn json_round_trips(a in nasty(), b in nasty(), c in nasty(), n in 0usize..40) {
        let long = a.repeat(n % 7);
        let v = serde_json::json!({
            a.clone(): {"short": [1, 2.5, null, true], b.clone(): c.clone(), "empty": {}, "none": []},
            "long": [long.clone(), {c.clone(): [a.clone(), b.clone(), long]}, -0.0, 1e300],
            "nested": [[[[a.clone()]]], {"x": {"y": {b.clone(): n}}}],
        });
        let text = rely::emit::json::pretty(&v);
        let back: serde_json::Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(back, v, "{}", text);
        prop_assert!(text.ends_with("}\n"), "{}", text);
    }

    /// The layout made from serde_json's compact text is the layout of the value tree (how
    /// `json::pretty` worked before; `tree_layout` below): the same bytes, with collections of
    /// every length about the line width, at every depth.
    #[test]
    fn json_layout_is_the_value_tree_layout(a in nasty(), b in nasty(), n in 0usize..60, k in 0usize..5) {
        let pad = "x".repeat(n);
        let item = serde_json::json!({"k": pad.clone(), a.clone(): [n, b.clone()]});
        let v = serde_json::json!({
            "gridPos": {"h": n, "w": k, "x": 0, "y": 1},
            "items": vec![item.clone(); k],
            a.clone(): {"deep": [[pad.clone(), [b.clone(), {}]], {"e": []}], "n": -1.5},
            "text": b.clone(),
        });
        let text = rely::emit::json::pretty(&v);
        prop_assert_eq!(&text, &tree_layout(&v), "{}", text);
    }

    /// HCL: hcl-rs reads the quoted string back as the same value, in one attribute.
    #[test]
    fn hcl_round_trips(s in nasty()) {
        let text = format!("resource \"x\" \"y\" {{\n  name = {}\n  other = 1\n}}\n", escape::hcl_string(&s));
        let body: hcl::Body = hcl::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let blocks: Vec<&hcl::Block> = body.blocks().collect();
        prop_assert_eq!(blocks.len(), 1);
        let attrs: Vec<&hcl::Attribute> = blocks[0].body().attributes().collect();
        prop_assert_eq!(attrs.len(), 2);
        let value = match attrs[0].expr() {
            hcl::Expression::String(v) => v.clone(),
            hcl::Expression::TemplateExpr(t) => {
                let tpl = hcl::Template::from_expr(t).map_err(|e| TestCaseError::fail(format!("{e}")))?;
                let mut out = String::new();
                for el in tpl.elements() {
                    match el {
                        hcl::template::Element::Literal(l) => out.push_str(l),
                        other => return Err(TestCaseError::fail(format!("not a literal: {other:?}\n{text}"))),
                    }
                }
                out
            }
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        };
        prop_assert_eq!(value, s, "{}", text);
    }

    /// Markdown: in a sentence, a table cell and a list item, escaped text is only text.
    #[test]
    fn markdown_stays_text(s in nasty()) {
        let md = escape::markdown(&s);
        let want = shown(&s);
        let want = want.trim_matches([' ', '\t']);
        let (blocks, bad) = markdown_text(&format!("Said: {md}"));
        prop_assert!(bad.is_empty(), "{:?} in {:?}", bad, md);
        prop_assert_eq!(blocks, vec![format!("Said: {want}").trim_end_matches([' ', '\t']).to_string()], "{:?}", md);
        let (blocks, bad) = markdown_text(&format!("| a | b |\n|---|---|\n| {md} | end |\n"));
        prop_assert!(bad.is_empty(), "{:?} in {:?}", bad, md);
        prop_assert_eq!(blocks, vec!["a".to_string(), "b".into(), want.to_string(), "end".into()], "{:?}", md);
        let (blocks, bad) = markdown_text(&format!("- {md}\n- next\n"));
        prop_assert!(bad.is_empty(), "{:?} in {:?}", bad, md);
        prop_assert_eq!(blocks.len(), 2, "{:?}", md);
    }

    /// Inline code spans show the text exactly (line breaks as spaces), and nothing else.
    #[test]
    fn code_spans_show_the_text(s in nasty()) {
        use pulldown_cmark::{Event, Parser};
        let span = escape::code_span(&s);
        let doc = format!("x {span} y");
        let events: Vec<Event<'_>> = Parser::new(&doc).collect();
        let codes: Vec<String> = events.iter().filter_map(|e| if let Event::Code(c) = e { Some(c.to_string()) } else { None }).collect();
        let flat: String = s.chars().map(|c| if matches!(c, '\n' | '\r') || escape::is_unsafe_char(c) { ' ' } else { c }).collect();
        if flat.trim().is_empty() {
            return Ok(());
        }
        prop_assert_eq!(codes.len(), 1, "{:?} from {:?}", events, span);
        prop_assert!(!events.iter().any(|e| matches!(e, Event::Html(_) | Event::InlineHtml(_))));
        // CommonMark strips one space on each side when both are there.
        let expect = if flat.starts_with(' ') && flat.ends_with(' ') && flat.len() > 1 { flat[1..flat.len() - 1].to_string() } else { flat.clone() };
        prop_assert!(codes[0] == flat || codes[0] == expect, "{:?} vs {:?}", codes[0], flat);
    }

    /// Comments never span two lines.
    #[test]
    fn comments_stay_on_one_line(s in nasty()) {
        let c = escape::comment(&s);
        prop_assert!(!c.chars().any(|ch| ch == '\n' || ch == '\r' || escape::is_unsafe_char(ch)), "{:?}", c);
        prop_assert!(!escape::html_comment(&s).contains("--"));
    }
}

/// A deterministic corpus of nasty strings (xorshift over the fragments and random code points).
pub(crate) fn corpus(n: usize) -> Vec<String> {
    let mut x: u64 = 0x9e3779b97f4a7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let parts = (next() % 10) as usize + 1;
            let mut s = String::from("v");
            for _ in 0..parts {
                if next() % 3 == 0 {
                    let c = char::from_u32((next() % 0x11_0000) as u32).unwrap_or('\u{fffd}');
                    s.push(c);
                } else {
                    s.push_str(NASTY[(next() as usize) % NASTY.len()]);
                }
            }
            s
        })
        .collect()
}

/// Go's YAML parser (promtool) reads back every string of the corpus as written: a rule file of
/// one alert per string (the string in a label, the description and the expression's comment)
/// has exactly as many rules as strings, and `promtool test rules` sees each alert fire with
/// exactly that label and description (annotations and labels are Go templates: rely escapes them).
#[test]
fn promtool_reads_back_every_string() {
    if !crate::require_tool("promtool") {
        return;
    }
    let strings = corpus(300);
    let rules: Vec<BTreeMap<String, serde_json::Value>> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let lit = escape::go_template_literal(s);
            [
                ("alert".to_string(), serde_json::json!(format!("A{i}"))),
                ("expr".to_string(), serde_json::json!(format!("vector(1) # {}", escape::comment(s)))),
                ("labels".to_string(), serde_json::json!({ "note": lit })),
                ("annotations".to_string(), serde_json::json!({ "description": lit, "summary": "{{ \"{{\" }} literal" })),
            ]
            .into()
        })
        .collect();
    let file = serde_json::json!({ "groups": [{ "name": "corpus", "rules": rules }] });
    let tests: Vec<serde_json::Value> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({
                "alertname": format!("A{i}"),
                "eval_time": "1m",
                "exp_alerts": [{ "exp_labels": { "note": s }, "exp_annotations": { "description": s, "summary": "{{ literal" } }],
            })
        })
        .collect();
    let test = serde_json::json!({
        "rule_files": ["corpus.rules.yml"],
        "evaluation_interval": "1m",
        "tests": [{ "interval": "1m", "input_series": [], "alert_rule_test": tests }],
    });
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("corpus.rules.yml"), rely::emit::yaml::to_string(&file)).unwrap();
    std::fs::write(tmp.path().join("corpus.test.yml"), rely::emit::yaml::to_string(&test)).unwrap();
    let (ok, out) = crate::promtool::promtool(&["check", "rules", "corpus.rules.yml"], tmp.path());
    assert!(ok, "{out}");
    assert!(out.contains(&format!("SUCCESS: {} rules found", strings.len())), "{out}");
    let (ok, out) = crate::promtool::promtool(&["test", "rules", "corpus.test.yml"], tmp.path());
    assert!(ok, "{}", out.chars().take(4000).collect::<String>());
}

/// Go's YAML parser (amtool) reads an Alertmanager configuration with one receiver per string
/// (the string as a file path and a templated email address) as exactly that many receivers.
#[test]
fn amtool_reads_back_every_string() {
    if !crate::require_tool("amtool") {
        return;
    }
    let strings = corpus(200);
    let receivers: Vec<serde_json::Value> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| {
            serde_json::json!({
                "name": format!("r{i}"),
                "pagerduty_configs": [{ "routing_key_file": format!("/keys/{s}") }],
                "email_configs": [{ "to": escape::go_template_literal(&format!("team{i}@example.com {s}")) }],
            })
        })
        .collect();
    let config = serde_json::json!({
        "global": { "smtp_smarthost": "localhost:25", "smtp_from": "rely@example.com" },
        "route": { "receiver": "r0" },
        "receivers": receivers,
    });
    let text = rely::emit::yaml::to_string(&config);
    let back: serde_json::Value = serde_yaml::from_str(&text).unwrap();
    assert_eq!(back, config);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("alertmanager.yml"), &text).unwrap();
    let (ok, out) = crate::ops::amtool(&["check-config", "alertmanager.yml"], tmp.path());
    assert!(ok, "{}", out.chars().take(4000).collect::<String>());
    assert!(out.contains(&format!(" - {} receivers", strings.len())), "{out}");
}

/// `json::pretty` as it was written over a `serde_json::Value` tree: the reference for the
/// layout it now makes from compact text.
fn tree_layout(v: &serde_json::Value) -> String {
    use serde_json::Value;
    const WIDTH: usize = 100;
    fn scalar<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
        serde_json::to_writer(out, v).unwrap();
    }
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
    fn write(v: &Value, ind: usize, used: usize, out: &mut Vec<u8>) {
        let empty = match v {
            Value::Array(a) => a.is_empty(),
            Value::Object(o) => o.is_empty(),
            _ => true,
        };
        let limit = if empty { usize::MAX } else { WIDTH.saturating_sub(used) };
        let mut line = vec![];
        if one_line(v, &mut line, limit) {
            out.extend_from_slice(&line);
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
            write(item, inner, used, out);
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
    let mut out = vec![];
    write(v, 0, 0, &mut out);
    out.push(b'\n');
    String::from_utf8(out).unwrap()
}
