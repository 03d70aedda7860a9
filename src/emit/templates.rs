//! Templates for human-facing text (on-call exports, PagerDuty Terraform, chaos-day plans):
//! built in, each overridable by a file under `templates/` in the repository root, read safely
//! and rendered with user values escaped for the file being made.

use std::collections::BTreeMap;
use std::path::Path;

use super::escape;

/// Templates for human-facing text: the built-in ones, each overridable by a file of the same
/// name under `templates/` in the repository root.
#[derive(Debug, Clone, Default)]
pub struct Templates {
    /// name → (source text, the user's file when overridden)
    pub sources: BTreeMap<String, (String, Option<String>)>,
    /// name → why the user's override could not be read (it renders as that error).
    pub refused: BTreeMap<String, String>,
}

/// A template that failed to render: which, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub name: String,
    /// The user's override file, when it was one.
    pub path: Option<String>,
    pub line: Option<usize>,
    pub message: String,
}

/// Built-in templates, compiled into the binary.
pub(crate) const BUILTIN_TEMPLATES: &[(&str, &str)] = &[
    ("chaos/plan.md.j2", include_str!("../../templates/chaos/plan.md.j2")),
    ("oncall/pagerduty.tf.j2", include_str!("../../templates/oncall/pagerduty.tf.j2")),
];

/// Largest template override rely reads.
pub(crate) const MAX_TEMPLATE_BYTES: u64 = 256 * 1024;

/// The text of a template override at `root/templates/<name>`: `Ok(None)` when there is none,
/// an error (shown as GEN002) when it is not a regular file inside the repository (a symbolic
/// link anywhere on the way, a FIFO, a device), is larger than `MAX_TEMPLATE_BYTES` or is not
/// UTF-8. It is opened without following links and without blocking, then read with a bound.
pub(crate) fn read_override(root: &Path, name: &str) -> Result<Option<String>, String> {
    let mut p = root.to_path_buf();
    let parts: Vec<&str> = std::iter::once("templates").chain(name.split('/')).collect();
    for (i, part) in parts.iter().enumerate() {
        p.push(part);
        let m = match std::fs::symlink_metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", p.display())),
        };
        if m.file_type().is_symlink() {
            return Err(format!("{} is a symbolic link; template overrides must be regular files in the repository", p.display()));
        }
        let last = i + 1 == parts.len();
        if !last && !m.is_dir() {
            return Ok(None);
        }
        if last && !m.is_file() {
            return Err(format!("{} is not a regular file; template overrides must be regular files", p.display()));
        }
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = opts.open(&p).map_err(|e| format!("cannot open {}: {e}", p.display()))?;
    let meta = file.metadata().map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file; template overrides must be regular files", p.display()));
    }
    let mut bytes = vec![];
    use std::io::Read;
    file.take(MAX_TEMPLATE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
    if bytes.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(format!("{} is larger than {MAX_TEMPLATE_BYTES} bytes, the limit for a template", p.display()));
    }
    String::from_utf8(bytes).map(Some).map_err(|_| format!("{} is not valid UTF-8", p.display()))
}

/// How a template's output is escaped: values a template prints without a filter are escaped
/// for the kind of file it makes, so user text stays text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escaping {
    /// Markdown (`*.md.j2`): every value is escaped as Markdown text (`escape::markdown`);
    /// `code` and `codeblock(lang, indent)` print code exactly.
    Markdown,
    /// Everything else (Terraform): values cannot carry line breaks or controls (they would end
    /// a comment); quoted strings come from the `hcl` filter.
    Plain,
}

/// A string a filter made for the output as it is (not escaped again).
fn safe(s: String) -> minijinja::Value {
    minijinja::Value::from_safe_string(s)
}

impl Templates {
    /// The built-ins, with any override found under `root/templates/`. An override rely may not
    /// read is kept as an error, reported (GEN002) when the template is rendered.
    pub fn load(root: &Path) -> Templates {
        let mut sources = BTreeMap::new();
        let mut refused = BTreeMap::new();
        for (name, text) in BUILTIN_TEMPLATES {
            let user = root.join("templates").join(name);
            match read_override(root, name) {
                Ok(Some(t)) if t != *text => {
                    sources.insert(name.to_string(), (t, Some(crate::source::display_path(&user))));
                }
                Ok(_) => {
                    sources.insert(name.to_string(), (text.to_string(), None));
                }
                Err(e) => {
                    sources.insert(name.to_string(), (String::new(), Some(crate::source::display_path(&user))));
                    refused.insert(name.to_string(), e);
                }
            }
        }
        Templates { sources, refused }
    }

    pub fn builtin() -> Templates {
        Templates {
            sources: BUILTIN_TEMPLATES.iter().map(|(n, t)| (n.to_string(), (t.to_string(), None))).collect(),
            refused: BTreeMap::new(),
        }
    }

    /// Renders `name` strictly (undefined values are errors), escaping what it prints for the
    /// kind of file it makes (see `Escaping`).
    pub fn render(&self, name: &str, ctx: minijinja::Value) -> Result<String, TemplateError> {
        let (text, path) = self.sources.get(name).cloned().unwrap_or_default();
        if let Some(e) = self.refused.get(name) {
            return Err(TemplateError { name: name.to_string(), path, line: None, message: e.clone() });
        }
        let fail =
            |e: minijinja::Error| TemplateError { name: name.to_string(), path: path.clone(), line: e.line(), message: e.to_string() };
        let escaping = if name.ends_with(".md.j2") { Escaping::Markdown } else { Escaping::Plain };
        let mut env = minijinja::Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.set_formatter(move |out, state, value| {
            if value.is_safe() || value.is_undefined() {
                return minijinja::escape_formatter(out, state, value);
            }
            let text = value.to_string();
            let escaped = match escaping {
                Escaping::Markdown => escape::markdown(&text),
                Escaping::Plain => escape::comment(&text),
            };
            out.write_str(&escaped).map_err(|_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "cannot write"))
        });
        env.add_filter("hcl", |s: String| safe(escape::hcl_string(&s)));
        env.add_filter("md", |s: String| safe(escape::markdown(&s)));
        env.add_filter("code", |s: String| safe(escape::code_span(&s)));
        env.add_filter("codeblock", |s: String, lang: String, indent: usize| safe(escape::code_block(&s, &lang, indent)));
        env.add_template_owned(name.to_string(), text).map_err(fail)?;
        let t = env.get_template(name).map_err(fail)?;
        let mut out = t.render(ctx).map_err(fail)?;
        if !out.ends_with('\n') {
            out.push('\n');
        }
        Ok(out)
    }
}
