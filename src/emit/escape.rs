//! User text becomes data, never structure: one escaper per kind of place a generated file puts
//! it (a YAML comment, a Go template, an HCL string, Markdown). The YAML writer escapes its own
//! strings (`yaml.rs`); JSON goes through serde_json. Each escaper is proven by round-trip
//! property tests that read the result back with an independent parser (`tests/it/writers.rs`).

use std::fmt::Write;

/// Characters no generated text carries raw: C0 and C1 controls (tab and line feed aside, where
/// a format allows them), DEL, the line and paragraph separators and NEL (line breaks to some
/// YAML readers), the byte-order mark and Unicode non-characters.
pub fn is_unsafe_char(c: char) -> bool {
    let u = c as u32;
    u < 0x20 || (0x7f..=0x9f).contains(&u) || u == 0x2028 || u == 0x2029 || u == 0xfeff || is_noncharacter(u)
}

/// U+FDD0..U+FDEF and the last two code points of every plane.
pub fn is_noncharacter(u: u32) -> bool {
    (0xfdd0..=0xfdef).contains(&u) || (u & 0xfffe) == 0xfffe
}

/// `\uXXXX` (or `\UXXXXXXXX` past the basic plane), as YAML, HCL and Go all read it.
pub fn push_unicode_escape(out: &mut String, c: char) {
    let u = c as u32;
    if u <= 0xffff {
        let _ = write!(out, "\\u{u:04X}");
    } else {
        let _ = write!(out, "\\U{u:08X}");
    }
}

/// Text for a one-line comment (a generated file's header): unsafe characters, including line
/// breaks, are written as visible escapes, so a file name cannot end the comment.
pub fn comment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unsafe_char(c) || c == '\t' {
            push_unicode_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

/// Text inside an HTML comment (a Markdown file's header): a one-line comment in which `--`
/// never occurs, so the comment cannot be closed early.
pub fn html_comment(s: &str) -> String {
    comment(s).replace("--", "-&#45;")
}

/// Text that a Go template (Prometheus annotations, Alertmanager's templated fields) prints as
/// it is: every `{{` becomes an action that prints `{{`. rely's annotations are literal text.
pub fn go_template_literal(s: &str) -> String {
    if !s.contains("{{") {
        return s.to_string();
    }
    s.replace("{{", "{{ \"{{\" }}")
}

/// A quoted HCL string: `"`, `\` and every unsafe character escaped with the escapes HCL knows
/// (`\n`, `\r`, `\t`, `\uXXXX`, `\UXXXXXXXX`), and `${` / `%{`, which start HCL templates, doubled.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if is_unsafe_char(c) => push_unicode_escape(&mut out, c),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// White space and line breaks, trimmed from the ends of Markdown text.
pub const LINE_SPACE: [char; 7] = [' ', '\t', '\n', '\r', '\u{2028}', '\u{2029}', '\u{85}'];

/// Text that Markdown shows as it is, inline (a table cell, a list item, a sentence): HTML,
/// comments, emphasis, links, code and table pipes are escaped, and line breaks become spaces so
/// the text cannot start a block of its own.
pub fn markdown(s: &str) -> String {
    // Leading white space could indent the text into a code block; Markdown drops both ends anyway.
    let s = s.trim_matches(LINE_SPACE);
    let mut out = String::with_capacity(s.len() + 8);
    let mut at_start = true;
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '#' | '+' | '-' | '=' if at_start => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}' | ' ' | '\t' => {
                out.push(if c == '\t' { '\t' } else { ' ' });
                continue;
            }
            c if is_unsafe_char(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
        at_start = false;
    }
    // A trailing `1.` or `1)` cannot start a list here (the text never starts a line on its own
    // once the template puts it after other text), but a leading one can: escape its dot.
    let lead = out.len() - out.trim_start_matches([' ', '\t']).len();
    if let Some(i) = out[lead..].find(|c: char| !c.is_ascii_digit()).map(|i| i + lead)
        && i > lead
        && out[i..].starts_with(['.', ')'])
        && out[i + 1..].chars().next().is_none_or(|c| c == ' ' || c == '\t')
    {
        out.insert(i, '\\');
    }
    out
}

/// An inline code span showing `s` exactly: fenced with more backticks than any run inside it,
/// padded when it starts or ends with a backtick; line breaks become spaces.
pub fn code_span(s: &str) -> String {
    let s: String = s.chars().map(|c| if matches!(c, '\n' | '\r') || is_unsafe_char(c) { ' ' } else { c }).collect();
    let fence = "`".repeat(longest_run(&s, '`') + 1);
    let pad =
        if s.starts_with('`') || s.ends_with('`') || s.starts_with(' ') && s.ends_with(' ') && !s.trim().is_empty() { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// A fenced code block of `lang` showing `s` exactly, every line indented by `indent` spaces
/// (inside a list item); the fence is longer than any backtick run in the text.
pub fn code_block(s: &str, lang: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let fence = "`".repeat((longest_run(s, '`') + 1).max(3));
    let mut out = format!("{fence}{lang}\n");
    for line in s.trim_end_matches('\n').split('\n') {
        let line: String = line.chars().map(|c| if c != '\t' && is_unsafe_char(c) { '\u{fffd}' } else { c }).collect();
        out += &pad;
        out += &line;
        out.push('\n');
    }
    out += &pad;
    out += &fence;
    out
}

fn longest_run(s: &str, ch: char) -> usize {
    let (mut best, mut cur) = (0, 0);
    for c in s.chars() {
        cur = if c == ch { cur + 1 } else { 0 };
        best = best.max(cur);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples() {
        assert_eq!(comment("a\nb\u{2028}"), "a\\u000Ab\\u2028");
        assert_eq!(go_template_literal("{{ $value }}"), "{{ \"{{\" }} $value }}");
        assert_eq!(hcl_string("a \"b\" ${x} %{y}\n\u{8}"), r#""a \"b\" $${x} %%{y}\n\u0008""#);
        assert_eq!(markdown("<!-- x --> | *a*"), "&lt;!-- x --&gt; \\| \\*a\\*");
        assert_eq!(markdown("# title\nline"), "\\# title line");
        assert_eq!(markdown("1. item"), "1\\. item");
        assert_eq!(markdown("0.5"), "0.5");
        assert_eq!(code_span("a `b` c"), "``a `b` c``");
        assert_eq!(code_block("echo ```\nok", "sh", 2), "````sh\n  echo ```\n  ok\n  ````");
    }
}
