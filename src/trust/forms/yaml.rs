//! YAML (CloudFormation templates) into the position-keeping [`Node`] tree, with
//! CloudFormation's short-form tags turned into their long forms (`!Ref X` → `{"Ref": "X"}`,
//! `!Sub …` → `{"Fn::Sub": …}`). Pure: no I/O.
//!
//! Built on `saphyr-parser`'s events, which carry each value's position and tag. Repeated keys
//! are kept (and reported like JSON's); aliases are expanded with a bound on the total size so
//! an alias bomb cannot grow memory; nesting is bounded.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use super::{node, string};
use crate::trust::json::{Member, Node, Parsed, Value};

/// The most nodes one file may expand to (aliases included).
const MAX_NODES: usize = 100_000;
/// The deepest nesting accepted.
const MAX_DEPTH: usize = 64;

/// Byte offsets of line starts, to turn the parser's (line, column in characters) into offsets.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl Lines<'_> {
    fn offset(&self, span: &Span) -> usize {
        let line = span.start.line().max(1);
        let Some(&start) = self.starts.get(line - 1) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        start
            + rest
                .char_indices()
                .nth(span.start.col())
                .map_or(rest.len(), |(i, _)| i)
    }
}

enum Frame {
    Seq(Vec<Node>, usize, Option<String>, usize),
    Map(
        Vec<Member>,
        usize,
        Option<String>,
        usize,
        Option<(String, usize)>,
    ),
}

/// Why a YAML text was not read: 1-based line and column, and the message.
pub type YamlError = (usize, usize, String);

/// Parses the first document of a YAML text; offsets are `base` plus byte offsets in `text`.
pub fn parse(text: &str, base: usize) -> Result<Parsed, YamlError> {
    let lines = Lines {
        text,
        starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
    };
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: std::collections::HashMap<usize, Node> = std::collections::HashMap::new();
    let mut count = 0usize;
    let mut root: Option<Node> = None;
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| {
            (
                e.marker().line(),
                e.marker().col() + 1,
                format!("not valid YAML: {}", e.info()),
            )
        })?;
        let at = |message: String| (span.start.line(), span.start.col() + 1, message);
        let offset = base + lines.offset(&span);
        let done = match event {
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let plain = style == ScalarStyle::Plain;
                let scalar = scalar(&value, plain, offset);
                Some((tagged(scalar, tag.as_deref(), offset), anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                stack.push(Frame::Seq(
                    Vec::new(),
                    offset,
                    tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    anchor,
                ));
                None
            }
            Event::MappingStart(anchor, tag) => {
                stack.push(Frame::Map(
                    Vec::new(),
                    offset,
                    tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    anchor,
                    None,
                ));
                None
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Frame::Seq(items, at, tag, anchor)) => Some((
                    tagged(node(Value::Array(items), at), tag.as_deref(), at),
                    anchor,
                )),
                Some(Frame::Map(members, at, tag, anchor, _)) => Some((
                    tagged(node(Value::Object(members), at), tag.as_deref(), at),
                    anchor,
                )),
                None => return Err(at("unbalanced YAML events".into())),
            },
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => {
                    count += size(n);
                    Some((n.clone(), 0))
                }
                None => {
                    return Err(at("an alias to an unknown anchor".into()));
                }
            },
            Event::DocumentEnd if root.is_some() => break,
            _ => None,
        };
        if stack.len() > MAX_DEPTH {
            return Err(at(format!(
                "YAML nested more than {MAX_DEPTH} deep: not read"
            )));
        }
        let Some((value, anchor)) = done else {
            continue;
        };
        count += 1;
        if count > MAX_NODES {
            return Err(at(format!(
                "more than {MAX_NODES} YAML values (aliases expanded): not read"
            )));
        }
        if anchor > 0 {
            anchors.insert(anchor, value.clone());
        }
        match stack.last_mut() {
            None => root = Some(value),
            Some(Frame::Seq(items, ..)) => items.push(value),
            Some(Frame::Map(members, _, _, _, key)) => match key.take() {
                None => *key = Some((key_text(&value), value.offset)),
                Some((k, key_offset)) => members.push(Member {
                    key: k,
                    key_offset,
                    value,
                }),
            },
        }
    }
    let root = root.unwrap_or_else(|| node(Value::Null, base));
    let mut root = root;
    super::repoint(&mut root, "");
    let mut duplicates = Vec::new();
    super::duplicates(&root, &mut duplicates);
    Ok(Parsed { root, duplicates })
}

fn size(node: &Node) -> usize {
    match &node.value {
        Value::Array(items) => 1 + items.iter().map(size).sum::<usize>(),
        Value::Object(members) => 1 + members.iter().map(|m| size(&m.value)).sum::<usize>(),
        _ => 1,
    }
}

fn key_text(node: &Node) -> String {
    match &node.value {
        Value::String(s) | Value::Number(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".into(),
        _ => crate::trust::json::to_text(node),
    }
}

/// A scalar: plain `true`/`false`/`null` and numbers are typed (YAML 1.2 core schema); quoted
/// scalars are strings.
fn scalar(value: &str, plain: bool, offset: usize) -> Node {
    if !plain {
        return string(value, offset);
    }
    match value {
        "true" | "True" | "TRUE" => node(Value::Bool(true), offset),
        "false" | "False" | "FALSE" => node(Value::Bool(false), offset),
        "null" | "Null" | "NULL" | "~" | "" => node(Value::Null, offset),
        _ if value.parse::<f64>().is_ok() && !value.starts_with('+') => {
            node(Value::Number(value.to_string()), offset)
        }
        _ => string(value, offset),
    }
}

/// Applies a CloudFormation short-form tag: `!Ref` → `Ref`, `!GetAtt a.b` → `Fn::GetAtt`
/// `[a, b]`, `!Condition` → `Condition`, any other `!X` → `Fn::X`. Standard tags (`!!str`)
/// are left alone.
fn tagged(value: Node, tag: Option<&str>, offset: usize) -> Node {
    let Some(tag) = tag.and_then(|t| t.strip_prefix('!')) else {
        return value;
    };
    if tag.starts_with('!') || tag.contains(':') {
        return value;
    }
    let key = match tag {
        "Ref" | "Condition" => tag.to_string(),
        _ => format!("Fn::{tag}"),
    };
    let value = match (tag, &value.value) {
        ("GetAtt", Value::String(s)) => match s.split_once('.') {
            Some((a, b)) => node(
                Value::Array(vec![string(a, offset), string(b, offset)]),
                offset,
            ),
            None => value,
        },
        _ => value,
    };
    node(
        Value::Object(vec![Member {
            key,
            key_offset: offset,
            value,
        }]),
        offset,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_positions_and_duplicates() {
        let text = "A: !Sub 'x-${B}'\nC:\n  - !GetAtt R.Arn\n  - 1\nA: true\nD: !Ref P\n";
        let parsed = parse(text, 0).unwrap();
        let root = &parsed.root;
        assert_eq!(root.members().unwrap().len(), 4);
        let sub = root.members().unwrap()[0].value.get("Fn::Sub").unwrap();
        assert_eq!(sub.as_str(), Some("x-${B}"));
        let get_att = &root.get("C").unwrap().one_or_many()[0];
        assert_eq!(
            crate::trust::json::to_text(get_att),
            r#"{"Fn::GetAtt":["R","Arn"]}"#
        );
        assert_eq!(parsed.duplicates.len(), 1);
        assert_eq!(&text[parsed.duplicates[0].offset..][..1], "A");
        assert_eq!(
            root.get("D").unwrap().get("Ref").unwrap().as_str(),
            Some("P")
        );
        let one = &root.get("C").unwrap().one_or_many()[1];
        assert_eq!(&text[one.offset..one.offset + 1], "1");
    }

    #[test]
    fn bounded() {
        let deep = "a: ".to_string() + &"[".repeat(200) + &"]".repeat(200);
        assert!(parse(&deep, 0).is_err());
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..12 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("b{}", i - 1)
            };
            bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        assert!(parse(&bomb, 0).unwrap_err().2.contains("more than"));
        assert!(parse("a: [", 0).is_err());
    }
}
