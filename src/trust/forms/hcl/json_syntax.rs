//! Terraform's JSON syntax (`.tf.json`, `.tfvars.json`) written as the native syntax it stands
//! for, line by line, so the rest of the reader (and every finding's line) works unchanged.
//! Pure.
//!
//! Terraform reads a JSON file by the schema of each block: `resource`/`data` take two labels,
//! `module`/`variable`/`output` one, `locals` none; inside a block, a property is a nested
//! block when the schema says so (here: the blocks a trust policy or a role is written with,
//! `statement`, `principals`, `condition`, `dynamic`/`content`, `inline_policy`) and an
//! argument otherwise; a string argument is a template (`"${var.x}"`), except a variable's
//! `default` and a `.tfvars.json` value, which are literal. Each value is written on the line
//! it has in the JSON (newlines are added before it, where HCL allows them), so a finding
//! points at the right line; its column is the native text's.

use crate::trust::json::{self, Node, Value};

/// Properties that are nested blocks, not arguments.
const NESTED_BLOCKS: &[&str] = &[
    "statement",
    "principals",
    "not_principals",
    "condition",
    "content",
    "inline_policy",
];

/// Top-level blocks and how many labels they take; others (`terraform`, `provider`, …) hold
/// nothing a trust policy is written with and are left out.
const BLOCKS: &[(&str, usize)] = &[
    ("resource", 2),
    ("data", 2),
    ("module", 1),
    ("variable", 1),
    ("output", 1),
    ("locals", 0),
];

/// Whether a path is in Terraform's JSON syntax.
pub(super) fn is_json(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf.json") || lower.ends_with(".tfvars.json")
}

/// The native text a JSON file stands for, or (byte offset, why) when it is not JSON.
pub(super) fn to_native(path: &str, text: &str) -> Result<String, (usize, String)> {
    let parsed = json::parse(text, "").map_err(|e| (e.offset, e.message))?;
    let mut w = Writer {
        out: String::new(),
        line: 1,
        starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    let Value::Object(members) = &parsed.root.value else {
        return Err((0, "a Terraform JSON file is an object".into()));
    };
    let vars = path.to_ascii_lowercase().ends_with(".tfvars.json");
    for m in members {
        if vars {
            w.at(m.key_offset);
            w.out.push_str(&format!("{} = ", ident(&m.key)));
            w.value(&m.value, true);
            w.out.push('\n');
            w.line += 1;
        } else if let Some((_, labels)) = BLOCKS.iter().find(|(b, _)| *b == m.key) {
            w.top(&m.key, *labels, &m.value);
        }
    }
    Ok(w.out)
}

/// A key as an HCL identifier (quoted labels are written separately).
fn ident(key: &str) -> String {
    if !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit())
    {
        key.to_string()
    } else {
        quote(key, true)
    }
}

/// A JSON string as an HCL quoted string: a template (`${…}` kept, and the quotes inside an
/// interpolation left as they are), or literal (`${` and `%{` escaped).
fn quote(s: &str, literal: bool) -> String {
    let mut out = String::from("\"");
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if (c == '$' || c == '%') && next == Some('{') {
            if literal {
                out.push(c);
                out.push(c);
                i += 1;
                continue;
            }
            if i > 0 && chars[i - 1] == c {
                // `$${` is an escape: copied as is.
                out.push(c);
                i += 1;
                continue;
            }
            // An interpolation: copied to its closing brace, unescaped.
            let mut depth = 0usize;
            while i < chars.len() {
                let ch = chars[i];
                match ch {
                    '{' => depth += 1,
                    '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
                out.push(if ch == '\n' { ' ' } else { ch });
                i += 1;
                if ch == '}' && depth == 0 {
                    break;
                }
            }
            continue;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
        i += 1;
    }
    out.push('"');
    out
}

struct Writer {
    out: String,
    /// The line the output is on (1-based).
    line: usize,
    /// Where each line of the JSON starts.
    starts: Vec<usize>,
}

impl Writer {
    /// Adds newlines until the output is on the line of `offset` in the JSON.
    fn at(&mut self, offset: usize) {
        let target = self.starts.partition_point(|s| *s <= offset);
        while self.line < target {
            self.out.push('\n');
            self.line += 1;
        }
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.line += 1;
    }

    /// A top-level property: `resource` → `{TYPE: {NAME: BODY}}`, `module` → `{NAME: BODY}`,
    /// `locals` → BODY; any level may be a list of objects.
    fn top(&mut self, kind: &str, labels: usize, value: &Node) {
        for v in value.one_or_many() {
            self.labelled(kind, labels, &mut Vec::new(), v);
        }
    }

    fn labelled(&mut self, kind: &str, left: usize, labels: &mut Vec<String>, value: &Node) {
        if left == 0 {
            return self.block(kind, labels, value, kind == "variable");
        }
        for m in value.members().unwrap_or(&[]) {
            labels.push(m.key.clone());
            for v in m.value.one_or_many() {
                self.labelled(kind, left - 1, labels, v);
            }
            labels.pop();
        }
    }

    /// `kind "label"… { body }`, each property on its line.
    fn block(&mut self, kind: &str, labels: &[String], body: &Node, variable: bool) {
        self.at(body.offset);
        self.out.push_str(kind);
        for l in labels {
            self.out.push(' ');
            self.out.push_str(&quote(l, true));
        }
        self.out.push_str(" {");
        self.newline();
        for m in body.members().unwrap_or(&[]) {
            if m.key == "//" || (variable && m.key != "default") {
                continue;
            }
            if m.key == "dynamic" {
                for d in m.value.one_or_many() {
                    for label in d.members().unwrap_or(&[]) {
                        for v in label.value.one_or_many() {
                            self.block("dynamic", std::slice::from_ref(&label.key), v, false);
                        }
                    }
                }
            } else if NESTED_BLOCKS.contains(&m.key.as_str()) {
                for v in m.value.one_or_many() {
                    self.block(&m.key, &[], v, false);
                }
            } else {
                self.at(m.key_offset);
                self.out.push_str(&format!("{} = ", ident(&m.key)));
                self.value(&m.value, variable);
                self.newline();
            }
        }
        self.at(body.offset);
        self.out.push('}');
        self.newline();
    }

    /// A value; `literal`: strings are not templates.
    fn value(&mut self, node: &Node, literal: bool) {
        match &node.value {
            Value::String(s) => self.out.push_str(&quote(s, literal)),
            Value::Number(n) => self.out.push_str(n),
            Value::Bool(b) => self.out.push_str(&b.to_string()),
            Value::Null => self.out.push_str("null"),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.at(item.offset);
                    self.value(item, literal);
                }
                self.out.push(']');
            }
            Value::Object(members) => {
                self.out.push('{');
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.at(m.key_offset);
                    self.out.push_str(&quote(&m.key, literal));
                    self.out.push_str(" = ");
                    self.value(&m.value, literal);
                }
                self.out.push('}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn json_syntax_as_native_text() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "main.tf.json",
                r#"{"resource": {"aws_iam_role": {"ci": {"name": "ci", "assume_role_policy": "${data.aws_iam_policy_document.t.json}"}}}}"#,
                "resource \"aws_iam_role\" \"ci\" {\nname = \"ci\"\nassume_role_policy = \"${data.aws_iam_policy_document.t.json}\"\n}\n",
            ),
            (
                "main.tf.json",
                "{\n\"locals\": {\"org\": \"octo\"},\n\"variable\": {\"s\": {\"type\": \"string\", \"default\": \"repo:${x}\"}}}",
                "\nlocals {\norg = \"octo\"\n}\nvariable \"s\" {\ndefault = \"repo:$${x}\"\n}\n",
            ),
            (
                "terraform.tfvars.json",
                "{\"subjects\": [\"repo:o/r:*\", \"a\\\"b\"]}",
                "subjects = [\"repo:o/r:*\",\"a\\\"b\"]\n",
            ),
            (
                "main.tf.json",
                r#"{"output": {"x": {"value": "${jsonencode({\"a\" = \"b\"})}"}}}"#,
                "output \"x\" {\nvalue = \"${jsonencode({\"a\" = \"b\"})}\"\n}\n",
            ),
        ];
        for (path, json, want) in cases {
            assert_eq!(super::to_native(path, json).as_deref(), Ok(*want), "{json}");
        }
        assert!(super::to_native("a.tf.json", "[1]").is_err());
        assert!(super::to_native("a.tf.json", "{").is_err());
    }
}
