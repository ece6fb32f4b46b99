//! Python source (CDK apps, Pulumi programs) lowered into [`Program`]: the names the file
//! assigns and the calls the construct readers look at. Parsed with
//! tree-sitter's Python grammar, which recovers from errors. Pure: no I/O.

use tree_sitter::Node;

use super::ast::{self, Arg, Expr, Item, Kind, Piece, Program, Prop, Site};
use super::syntax::{MAX_DEPTH, Tree, children, descend};

/// Lowers one parsed file.
pub fn program(tree: &Tree<'_>) -> Program {
    let mut out = Program::default();
    let mut bound = std::collections::HashMap::new();
    descend(tree.root(), &mut |n| match n.kind() {
        "assignment" => {
            let (Some(target), Some(value)) = (
                n.child_by_field_name("left"),
                n.child_by_field_name("right"),
            ) else {
                return;
            };
            let name = match target.kind() {
                "identifier" => tree.text(target).to_string(),
                "attribute" => match lower(tree, target, 0).path() {
                    Some(p) if p.starts_with("this.") && p.matches('.').count() == 1 => p,
                    _ => return,
                },
                _ => return,
            };
            bound.insert(unwrap(value).id(), name.clone());
            out.bindings
                .entry(name)
                .or_default()
                .push(lower(tree, value, 0));
        }
        // `x += …`: the name no longer has one value.
        "augmented_assignment" => {
            if let Some(t) = n.child_by_field_name("left") {
                let name = tree.text(t).replace("self.", "this.");
                out.bindings.entry(name).or_default().push(Expr::new(
                    Kind::Other,
                    n.start_byte(),
                    n.end_byte(),
                ));
            }
        }
        "call" => {
            let last = n
                .child_by_field_name("function")
                .and_then(|c| lower(tree, c, 0).last_name());
            if last.is_some_and(|l| ast::interesting(&l)) {
                out.sites.push(Site {
                    call: lower(tree, n, 0),
                    bound: bound.get(&n.id()).cloned(),
                });
            }
        }
        _ => {}
    });
    out
}

fn unwrap(n: Node<'_>) -> Node<'_> {
    match n.kind() {
        "parenthesized_expression" | "await" => n.named_child(0).map_or(n, unwrap),
        _ => n,
    }
}

/// One expression.
pub fn lower(tree: &Tree<'_>, n: Node<'_>, depth: usize) -> Expr {
    let (start, end) = (n.start_byte(), n.end_byte());
    let at = |kind| Expr::new(kind, start, end);
    if depth > MAX_DEPTH {
        return at(Kind::Other);
    }
    let sub = |c: Node<'_>| lower(tree, c, depth + 1);
    let field = |name: &str| n.child_by_field_name(name).map(sub);
    match n.kind() {
        "string" => match string(tree, n, depth) {
            Some(Pieces::Plain(s)) => at(Kind::Str(s)),
            Some(Pieces::Template(p)) => at(Kind::Template(p)),
            None => at(Kind::Other),
        },
        "concatenated_string" => {
            let mut pieces = Vec::new();
            for s in children(n) {
                match string(tree, s, depth) {
                    Some(Pieces::Plain(t)) => pieces.push(Piece::Text(t)),
                    Some(Pieces::Template(p)) => pieces.extend(p),
                    None => return at(Kind::Other),
                }
            }
            at(Kind::Template(pieces))
        }
        "integer" | "float" => at(Kind::Num(tree.text(n).to_string())),
        "true" => at(Kind::Bool(true)),
        "false" => at(Kind::Bool(false)),
        "none" => at(Kind::Null),
        "identifier" => match tree.text(n) {
            "self" => at(Kind::Name("this".into())),
            name => at(Kind::Name(name.to_string())),
        },
        "attribute" => match (field("object"), n.child_by_field_name("attribute")) {
            (Some(object), Some(a)) => at(Kind::Member(Box::new(object), tree.text(a).into())),
            _ => at(Kind::Other),
        },
        "subscript" => match (field("value"), field("subscript")) {
            (Some(object), Some(index)) => at(Kind::Index(Box::new(object), Box::new(index))),
            _ => at(Kind::Other),
        },
        "call" => {
            let args = n
                .child_by_field_name("arguments")
                .filter(|a| a.kind() == "argument_list")
                .map(|a| {
                    children(a)
                        .into_iter()
                        .map(|c| arg(tree, c, depth))
                        .collect()
                })
                .unwrap_or_default();
            match field("function") {
                Some(callee) => at(Kind::Call(Box::new(callee), args)),
                None => at(Kind::Other),
            }
        }
        "list" | "tuple" => at(Kind::Array(
            children(n)
                .into_iter()
                .map(|c| match c.kind() {
                    "list_splat" => Item::Spread(c.named_child(0).map_or(at(Kind::Other), sub)),
                    _ => Item::One(sub(c)),
                })
                .collect(),
        )),
        "dictionary" => at(Kind::Object(
            children(n)
                .into_iter()
                .filter_map(|c| match c.kind() {
                    "pair" => {
                        let (k, v) = (
                            c.child_by_field_name("key")?,
                            c.child_by_field_name("value")?,
                        );
                        Some(match sub(k) {
                            Expr {
                                kind: Kind::Str(key),
                                ..
                            } => Prop::Pair {
                                key,
                                key_at: k.start_byte(),
                                value: sub(v),
                            },
                            key => Prop::Computed(key, sub(v)),
                        })
                    }
                    "dictionary_splat" => Some(Prop::Spread(sub(c.named_child(0)?))),
                    _ => None,
                })
                .collect(),
        )),
        "binary_operator" => {
            let op = n.child_by_field_name("operator").map(|o| tree.text(o));
            match (op, field("left"), field("right")) {
                (Some("+"), Some(l), Some(r)) => at(Kind::Add(Box::new(l), Box::new(r))),
                _ => at(Kind::Other),
            }
        }
        "parenthesized_expression" | "await" => n.named_child(0).map_or(at(Kind::Other), sub),
        "lambda" => {
            let params = n
                .child_by_field_name("parameters")
                .map(|ps| {
                    children(ps)
                        .into_iter()
                        .map(|p| match p.kind() {
                            "identifier" => tree.text(p).to_string(),
                            _ => String::new(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = field("body").unwrap_or(at(Kind::Other));
            at(Kind::Lambda(params, Box::new(body)))
        }
        _ => at(Kind::Other),
    }
}

fn arg(tree: &Tree<'_>, c: Node<'_>, depth: usize) -> Arg {
    let sub = |x: Node<'_>| lower(tree, x, depth + 1);
    let other = || Expr::new(Kind::Other, c.start_byte(), c.end_byte());
    match c.kind() {
        "keyword_argument" => Arg {
            name: c
                .child_by_field_name("name")
                .map(|x| tree.text(x).to_string()),
            value: c.child_by_field_name("value").map_or_else(other, sub),
            spread: false,
        },
        "list_splat" | "dictionary_splat" => Arg {
            name: None,
            value: c.named_child(0).map_or_else(other, sub),
            spread: true,
        },
        _ => Arg {
            name: None,
            value: sub(c),
            spread: false,
        },
    }
}

enum Pieces {
    Plain(String),
    Template(Vec<Piece>),
}

/// A string literal: plain, or an f-string's pieces. `None` for bytes.
fn string(tree: &Tree<'_>, n: Node<'_>, depth: usize) -> Option<Pieces> {
    let parts = children(n);
    let prefix = parts
        .iter()
        .find(|c| c.kind() == "string_start")
        .map(|c| tree.text(*c).to_ascii_lowercase())
        .unwrap_or_default();
    if prefix.contains('b') {
        return None;
    }
    let raw = prefix.contains('r');
    let mut pieces = Vec::new();
    let mut text = String::new();
    for c in parts {
        match c.kind() {
            "string_content" => {
                // Escapes are child nodes of the content: decode them in place.
                let mut at = c.start_byte();
                for e in children(c) {
                    text.push_str(tree.text.get(at..e.start_byte()).unwrap_or(""));
                    let written = tree.text(e);
                    match e.kind() {
                        "escape_interpolation" => text.push_str(&written[..1]),
                        _ if raw => text.push_str(written),
                        _ => text.push_str(&ast::unescape(written)),
                    }
                    at = e.end_byte();
                }
                text.push_str(tree.text.get(at..c.end_byte()).unwrap_or(""));
            }
            "interpolation" => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                let e = c.child_by_field_name("expression")?;
                // A format spec or conversion (`{x!r}`, `{x:>10}`) changes the text: unresolved.
                let formatted = c.child_by_field_name("format_specifier").is_some()
                    || c.child_by_field_name("type_conversion").is_some();
                pieces.push(Piece::Expr(if formatted {
                    Expr::new(Kind::Other, c.start_byte(), c.end_byte())
                } else {
                    lower(tree, e, depth + 1)
                }));
            }
            _ => {}
        }
    }
    if prefix.contains('f') {
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Some(Pieces::Template(pieces))
    } else {
        Some(Pieces::Plain(text))
    }
}
