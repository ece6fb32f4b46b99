//! TypeScript source (CDK apps, Pulumi programs) lowered into [`Program`]: the names the file
//! assigns and the calls the construct readers look at. Parsed with
//! tree-sitter's TypeScript grammar, which recovers from errors (a file that does not compile
//! still yields its roles). Pure: no I/O.

use tree_sitter::Node;

use super::ast::{self, Arg, Expr, Item, Kind, Piece, Program, Prop, Site};
use super::syntax::{Tree, children, descend};

/// Lowers one parsed file.
pub fn program(tree: &Tree<'_>) -> Program {
    let mut out = Program::default();
    let mut bound = std::collections::HashMap::new();
    descend(tree.root(), &mut |n| match n.kind() {
        "variable_declarator" => {
            let (Some(name), Some(value)) = (
                n.child_by_field_name("name"),
                n.child_by_field_name("value"),
            ) else {
                return;
            };
            if name.kind() == "identifier" {
                bind(
                    tree,
                    &mut out,
                    &mut bound,
                    tree.text(name).to_string(),
                    value,
                );
            }
        }
        "assignment_expression" | "public_field_definition" => {
            let target = n
                .child_by_field_name("left")
                .or_else(|| n.child_by_field_name("name"));
            let (Some(target), Some(value)) = (
                target,
                n.child_by_field_name("right")
                    .or_else(|| n.child_by_field_name("value")),
            ) else {
                return;
            };
            let name = match target.kind() {
                "identifier" => tree.text(target).to_string(),
                // A class field is `this.name` to the methods that use it.
                "property_identifier" => format!("this.{}", tree.text(target)),
                "member_expression" => match lower(tree, target, 0).path() {
                    Some(p) if p.starts_with("this.") && p.matches('.').count() == 1 => p,
                    _ => return,
                },
                _ => return,
            };
            bind(tree, &mut out, &mut bound, name, value);
        }
        "call_expression" | "new_expression" => {
            let callee = n
                .child_by_field_name("function")
                .or_else(|| n.child_by_field_name("constructor"));
            let last = callee.and_then(|c| lower(tree, c, 0).last_name());
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

fn bind(
    tree: &Tree<'_>,
    out: &mut Program,
    bound: &mut std::collections::HashMap<usize, String>,
    name: String,
    value: Node<'_>,
) {
    bound.insert(unwrap(value).id(), name.clone());
    out.bindings
        .entry(name)
        .or_default()
        .push(lower(tree, value, 0));
}

/// The expression inside parentheses, `await`, `as T`, `x!` and `satisfies T`.
fn unwrap(n: Node<'_>) -> Node<'_> {
    match n.kind() {
        "parenthesized_expression"
        | "await_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion" => n.named_child(0).map_or(n, unwrap),
        _ => n,
    }
}

/// One expression.
pub fn lower(tree: &Tree<'_>, n: Node<'_>, depth: usize) -> Expr {
    let (start, end) = (n.start_byte(), n.end_byte());
    let at = |kind| Expr::new(kind, start, end);
    if depth > super::syntax::MAX_DEPTH {
        return at(Kind::Other);
    }
    let sub = |c: Node<'_>| lower(tree, c, depth + 1);
    let field = |name: &str| n.child_by_field_name(name).map(sub);
    match n.kind() {
        "string" => at(Kind::Str(string(tree, n))),
        "template_string" => at(Kind::Template(template(tree, n, depth))),
        "number" => at(Kind::Num(tree.text(n).to_string())),
        "true" => at(Kind::Bool(true)),
        "false" => at(Kind::Bool(false)),
        "null" | "undefined" => at(Kind::Null),
        "identifier" | "shorthand_property_identifier" | "this" | "property_identifier" => {
            at(Kind::Name(tree.text(n).to_string()))
        }
        "member_expression" => match (field("object"), n.child_by_field_name("property")) {
            (Some(object), Some(p)) => at(Kind::Member(Box::new(object), tree.text(p).into())),
            _ => at(Kind::Other),
        },
        "subscript_expression" => match (field("object"), field("index")) {
            (Some(object), Some(index)) => at(Kind::Index(Box::new(object), Box::new(index))),
            _ => at(Kind::Other),
        },
        "call_expression" | "new_expression" => {
            let callee = field("function").or_else(|| field("constructor"));
            let args = match n.child_by_field_name("arguments") {
                // A tagged template (`pulumi.interpolate\`…\``): its one argument.
                Some(t) if t.kind() == "template_string" => vec![Arg {
                    name: None,
                    value: sub(t),
                    spread: false,
                }],
                Some(a) => children(a)
                    .into_iter()
                    .map(|c| match c.kind() {
                        "spread_element" => Arg {
                            name: None,
                            value: c.named_child(0).map_or(at(Kind::Other), sub),
                            spread: true,
                        },
                        _ => Arg {
                            name: None,
                            value: sub(c),
                            spread: false,
                        },
                    })
                    .collect(),
                None => Vec::new(),
            };
            match callee {
                Some(callee) => at(Kind::Call(Box::new(callee), args)),
                None => at(Kind::Other),
            }
        }
        "array" => at(Kind::Array(
            children(n)
                .into_iter()
                .map(|c| match c.kind() {
                    "spread_element" => Item::Spread(c.named_child(0).map_or(at(Kind::Other), sub)),
                    _ => Item::One(sub(c)),
                })
                .collect(),
        )),
        "object" => at(Kind::Object(
            children(n)
                .into_iter()
                .filter_map(|c| prop(tree, c, depth))
                .collect(),
        )),
        "binary_expression" => {
            let op = n.child_by_field_name("operator").map(|o| tree.text(o));
            match (op, field("left"), field("right")) {
                (Some("+"), Some(l), Some(r)) => at(Kind::Add(Box::new(l), Box::new(r))),
                _ => at(Kind::Other),
            }
        }
        "parenthesized_expression"
        | "await_expression"
        | "as_expression"
        | "satisfies_expression"
        | "non_null_expression"
        | "type_assertion" => n.named_child(0).map_or(at(Kind::Other), sub),
        "arrow_function" => {
            let params = match (
                n.child_by_field_name("parameter"),
                n.child_by_field_name("parameters"),
            ) {
                (Some(p), _) => vec![tree.text(p).to_string()],
                (None, Some(ps)) => children(ps)
                    .into_iter()
                    .map(|p| {
                        p.child_by_field_name("pattern")
                            .filter(|x| x.kind() == "identifier")
                            .map_or_else(String::new, |x| tree.text(x).to_string())
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let body = match n.child_by_field_name("body") {
                Some(b) if b.kind() == "statement_block" => {
                    returned(b).map_or(at(Kind::Other), sub)
                }
                Some(b) => sub(b),
                None => at(Kind::Other),
            };
            at(Kind::Lambda(params, Box::new(body)))
        }
        _ => at(Kind::Other),
    }
}

/// The value of a block's first top-level `return`.
fn returned(block: Node<'_>) -> Option<Node<'_>> {
    children(block)
        .into_iter()
        .find(|c| c.kind() == "return_statement")
        .and_then(|r| r.named_child(0))
}

fn prop(tree: &Tree<'_>, c: Node<'_>, depth: usize) -> Option<Prop> {
    let sub = |x: Node<'_>| lower(tree, x, depth + 1);
    match c.kind() {
        "pair" => {
            let (key, value) = (
                c.child_by_field_name("key")?,
                c.child_by_field_name("value")?,
            );
            let name = match key.kind() {
                "property_identifier" | "number" => tree.text(key).to_string(),
                "string" => string(tree, key),
                _ => {
                    let inner = key.named_child(0).unwrap_or(key);
                    return Some(Prop::Computed(sub(inner), sub(value)));
                }
            };
            Some(Prop::Pair {
                key: name,
                key_at: key.start_byte(),
                value: sub(value),
            })
        }
        "shorthand_property_identifier" => Some(Prop::Pair {
            key: tree.text(c).to_string(),
            key_at: c.start_byte(),
            value: sub(c),
        }),
        "spread_element" => Some(Prop::Spread(sub(c.named_child(0)?))),
        _ => None,
    }
}

/// A string literal's value: its fragments and decoded escapes.
fn string(tree: &Tree<'_>, n: Node<'_>) -> String {
    let mut out = String::new();
    for c in children(n) {
        match c.kind() {
            "escape_sequence" => out.push_str(&ast::unescape(tree.text(c))),
            _ => out.push_str(tree.text(c)),
        }
    }
    out
}

/// A template literal's pieces: the text between substitutions (escapes decoded) and each
/// `${…}`.
fn template(tree: &Tree<'_>, n: Node<'_>, depth: usize) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    for c in children(n) {
        match c.kind() {
            "template_substitution" => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                let inner = c.named_child(0).unwrap_or(c);
                pieces.push(Piece::Expr(lower(tree, inner, depth + 1)));
            }
            "escape_sequence" => text.push_str(&ast::unescape(tree.text(c))),
            _ => text.push_str(tree.text(c)),
        }
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}
