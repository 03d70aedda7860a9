//! The writers on arbitrary text: whatever a string holds, the YAML writer's output reads back
//! (serde_yaml, an independent parser) as the same value in the same structure, an HCL string
//! reads back (hcl-rs) as the same value, and a comment stays on one line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rely::emit::escape;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    let (a, b) = s.split_at(s.char_indices().nth(s.chars().count() / 2).map_or(s.len(), |(i, _)| i));
    let doc = serde_json::json!({
        "groups": [{ "name": a, "rules": [{ "alert": "A", "expr": b, "labels": { a: b }, "annotations": { "description": s } }] }],
        "list": [a, b, s],
    });
    let text = rely::emit::yaml::to_string(&doc);
    let back: serde_json::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, doc, "{text}");

    let hcl_text = format!("x = {}\ny = 1\n", escape::hcl_string(s));
    let body: hcl::Body = hcl::from_str(&hcl_text).unwrap_or_else(|e| panic!("{e}\n{hcl_text}"));
    let attrs: Vec<&hcl::Attribute> = body.attributes().collect();
    assert_eq!(attrs.len(), 2, "{hcl_text}");
    let value = match attrs[0].expr() {
        hcl::Expression::String(v) => v.clone(),
        hcl::Expression::TemplateExpr(t) => {
            let tpl = hcl::Template::from_expr(t).expect("template");
            tpl.elements()
                .iter()
                .map(|el| match el {
                    hcl::template::Element::Literal(l) => l.clone(),
                    other => panic!("not a literal: {other:?}\n{hcl_text}"),
                })
                .collect()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(value, s, "{hcl_text}");

    let c = escape::comment(s);
    assert!(!c.contains(['\n', '\r', '\u{2028}', '\u{2029}', '\u{85}']));
});
