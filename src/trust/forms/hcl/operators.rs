//! `for` expressions, the operators, and the template directives `%{for}` and `%{if}`, as
//! Terraform evaluates them; called by the evaluator through its `Builtins`. Pure.
//!
//! What cannot be decided (a comparison with an unresolved value, a `for` over a value that is
//! not a collection) is noted and read as unresolved, never guessed: a condition read wrongly
//! would change which subjects a role admits.

use hcl_edit::Span;
use hcl_edit::expr::{BinaryOperator, Expression, UnaryOperator};
use hcl_edit::template::{Directive, Element};

use super::eval::{Cx, Eval, Piece, text_of};
use super::parse::start;
use crate::trust::forms::{node, object, string};
use crate::trust::json::{Node, Value};

/// Items a `for` walks at most (a longer collection is cut, and noted).
const MAX_ITEMS: usize = 1_000;

/// A `for` expression, a unary or a binary operation.
pub(super) fn operator(eval: &Eval<'_>, expr: &Expression, cx: &Cx) -> Node {
    let offset = cx.base + start(expr.span());
    match expr {
        Expression::ForExpr(f) => {
            let collection = eval.eval(&f.intro.collection_expr, cx);
            let Some(items) = items(&collection) else {
                return eval.unresolved(expr, cx, "a `for` over a value that is not resolved");
            };
            let key_var = f.intro.key_var.as_ref().map(|k| k.as_str().to_string());
            let value_var = f.intro.value_var.as_str().to_string();
            let mut list = Vec::new();
            let mut members: Vec<(String, usize, Node)> = Vec::new();
            for (key, value) in items {
                let mut inner = cx.clone();
                match &key_var {
                    Some(k) => {
                        inner.bindings.push((k.clone(), key));
                        inner.bindings.push((value_var.clone(), value));
                    }
                    None => inner.bindings.push((value_var.clone(), value)),
                }
                if let Some(cond) = &f.cond {
                    match truth(eval, &cond.expr, &inner) {
                        Some(true) => {}
                        Some(false) => continue,
                        None => {
                            return eval.unresolved(
                                expr,
                                cx,
                                "a `for` filter that is not resolved",
                            );
                        }
                    }
                }
                let value = eval.eval(&f.value_expr, &inner);
                match &f.key_expr {
                    None => list.push(value),
                    Some(k) => {
                        let key = eval.eval(k, &inner);
                        let name = text_of(&key);
                        match members.iter_mut().find(|(n, _, _)| *n == name) {
                            Some((
                                _,
                                _,
                                Node {
                                    value: Value::Array(group),
                                    ..
                                },
                            )) if f.grouping => group.push(value),
                            Some(slot) => slot.2 = value,
                            None if f.grouping => {
                                let at = value.offset;
                                members.push((
                                    name,
                                    key.offset,
                                    node(Value::Array(vec![value]), at),
                                ))
                            }
                            None => members.push((name, key.offset, value)),
                        }
                    }
                }
            }
            match &f.key_expr {
                None => node(Value::Array(list), offset),
                Some(_) => object(members, offset),
            }
        }
        Expression::UnaryOp(u) => {
            let value = eval.eval(&u.expr, cx);
            match (u.operator.value(), &value.value) {
                (UnaryOperator::Not, Value::Bool(b)) => node(Value::Bool(!b), offset),
                (UnaryOperator::Neg, Value::Number(n)) => match n.parse::<f64>() {
                    Ok(n) => number(-n, offset),
                    Err(_) => eval.unresolved(expr, cx, "an operand that is not a number"),
                },
                _ => eval.unresolved(expr, cx, "an operand that is not resolved"),
            }
        }
        Expression::BinaryOp(b) => {
            let lhs = eval.eval(&b.lhs_expr, cx);
            // `&&` and `||` do not need the right side when the left decides.
            match (b.operator.value(), &lhs.value) {
                (BinaryOperator::And, Value::Bool(false)) => {
                    return node(Value::Bool(false), offset);
                }
                (BinaryOperator::Or, Value::Bool(true)) => return node(Value::Bool(true), offset),
                _ => {}
            }
            let rhs = eval.eval(&b.rhs_expr, cx);
            binary(*b.operator.value(), &lhs, &rhs, offset)
                .unwrap_or_else(|| eval.unresolved(expr, cx, "an operand that is not resolved"))
        }
        _ => eval.unresolved(expr, cx, "not an operation"),
    }
}

/// Whether `expr` is true, false, or not resolved.
fn truth(eval: &Eval<'_>, expr: &Expression, cx: &Cx) -> Option<bool> {
    match eval.eval(expr, cx).value {
        Value::Bool(b) => Some(b),
        _ => None,
    }
}

/// A value unresolved, written as `${…}`, compares with nothing.
fn known(node: &Node) -> bool {
    !matches!(&node.value, Value::String(s) if s.starts_with("${"))
}

fn binary(op: BinaryOperator, lhs: &Node, rhs: &Node, offset: usize) -> Option<Node> {
    use BinaryOperator as B;
    if !known(lhs) || !known(rhs) {
        return None;
    }
    let num = |n: &Node| match &n.value {
        Value::Number(s) => s.parse::<f64>().ok(),
        Value::String(s) => s.parse::<f64>().ok(),
        _ => None,
    };
    let bool_of = |n: &Node| match n.value {
        Value::Bool(b) => Some(b),
        _ => None,
    };
    let b = |v: bool| Some(node(Value::Bool(v), offset));
    match op {
        B::Eq => b(same(lhs, rhs)),
        B::NotEq => b(!same(lhs, rhs)),
        B::And => b(bool_of(lhs)? && bool_of(rhs)?),
        B::Or => b(bool_of(lhs)? || bool_of(rhs)?),
        B::Less => b(num(lhs)? < num(rhs)?),
        B::LessEq => b(num(lhs)? <= num(rhs)?),
        B::Greater => b(num(lhs)? > num(rhs)?),
        B::GreaterEq => b(num(lhs)? >= num(rhs)?),
        B::Plus => Some(number(num(lhs)? + num(rhs)?, offset)),
        B::Minus => Some(number(num(lhs)? - num(rhs)?, offset)),
        B::Mul => Some(number(num(lhs)? * num(rhs)?, offset)),
        B::Div if num(rhs)? != 0.0 => Some(number(num(lhs)? / num(rhs)?, offset)),
        B::Mod if num(rhs)? != 0.0 => Some(number(num(lhs)? % num(rhs)?, offset)),
        B::Div | B::Mod => None,
    }
}

/// Terraform's `==`: the same type and value (a number written `1` equals `1.0`).
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Number(x), Value::Number(y)) => x.parse::<f64>().ok() == y.parse::<f64>().ok(),
        _ => crate::trust::json::to_text(a) == crate::trust::json::to_text(b),
    }
}

fn number(n: f64, offset: usize) -> Node {
    let text = if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    };
    node(Value::Number(text), offset)
}

/// The (key, value) pairs a `for` or `for_each` walks: a list's index and item, an object's
/// key and value. `None` for anything else (unresolved).
pub(super) fn items(collection: &Node) -> Option<Vec<(Node, Node)>> {
    let out: Vec<(Node, Node)> = match &collection.value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (node(Value::Number(i.to_string()), v.offset), v.clone()))
            .collect(),
        Value::Object(members) => members
            .iter()
            .map(|m| (string(m.key.clone(), m.key_offset), m.value.clone()))
            .collect(),
        _ => return None,
    };
    Some(out.into_iter().take(MAX_ITEMS).collect())
}

/// `%{for}` and `%{if}` in a template: the text they give, appended.
pub(super) fn directive(
    eval: &Eval<'_>,
    d: &Directive,
    cx: &Cx,
    out: &mut String,
    pieces: &mut Vec<Piece>,
) {
    let at = cx.base + start(d.span());
    match d {
        Directive::If(i) => {
            let branch = match truth(eval, &i.if_expr.cond_expr, cx) {
                Some(true) => Some(&i.if_expr.template),
                Some(false) => i.else_expr.as_ref().map(|e| &e.template),
                None => {
                    eval.assume(
                        at,
                        "the condition of a template `%{if}` is not resolved: its first branch is read".into(),
                    );
                    Some(&i.if_expr.template)
                }
            };
            if let Some(t) = branch {
                let elements: Vec<&Element> = t.iter().collect();
                eval.render(&elements, cx, out, pieces);
            }
        }
        Directive::For(f) => {
            let e = &f.for_expr;
            let collection = eval.eval(&e.collection_expr, cx);
            let Some(items) = items(&collection) else {
                eval.assume(
                    at,
                    "the collection of a template `%{for}` is not resolved: left out".into(),
                );
                return;
            };
            let elements: Vec<&Element> = e.template.iter().collect();
            for (key, value) in items {
                let mut inner = cx.clone();
                if let Some(k) = &e.key_var {
                    inner.bindings.push((k.as_str().to_string(), key));
                }
                inner
                    .bindings
                    .push((e.value_var.as_str().to_string(), value));
                eval.render(&elements, &inner, out, pieces);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hcl_edit::expr::Expression;

    use super::super::eval::{Builtins, Cx, Eval, Scope};
    use super::super::functions::FUNCTIONS;
    use crate::trust::document::SourceMap;
    use crate::trust::forms::NoFiles;
    use crate::trust::json;

    /// The value of one expression (as JSON), and how many assumptions were made.
    fn eval(text: &str) -> (String, usize) {
        let expr: Expression = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let scope = Scope::default();
        let mut map = SourceMap::default();
        map.add("main.tf", text);
        let builtins = Builtins {
            functions: FUNCTIONS,
            policy_document: |_, _, cx| crate::trust::forms::string("doc", cx.base),
            template_file: super::super::functions::template_file,
            operator: super::operator,
            directive: super::directive,
            module: |_, _| None,
        };
        let eval = Eval::new(&scope, &mut map, &NoFiles, &builtins);
        let value = eval.eval(&expr, &Cx::new(0));
        let notes = eval.assumptions.borrow().len();
        (json::to_text(&value), notes)
    }

    #[test]
    fn for_expressions_operators_and_directives() {
        let cases: &[(&str, &str, usize)] = &[
            (
                r#"[for r in ["a", "b"] : "repo:o/${r}:*"]"#,
                r#"["repo:o/a:*","repo:o/b:*"]"#,
                0,
            ),
            (
                r#"[for i, r in ["a", "b"] : "${i}-${r}"]"#,
                r#"["0-a","1-b"]"#,
                0,
            ),
            (
                r#"{ for k, v in { a = 1, b = 2 } : v => k }"#,
                r#"{"1":"a","2":"b"}"#,
                0,
            ),
            (
                r#"[for s in ["x:*", "y"] : s if strcontains(s, "*")]"#,
                r#"["x:*"]"#,
                0,
            ),
            (
                r#"{ for s in ["a", "b", "a"] : s => s... }"#,
                r#"{"a":["a","a"],"b":["b"]}"#,
                0,
            ),
            (r#"length(["a"]) > 0 && !false"#, "true", 0),
            (r#"1 + 2 * 3 == 7 || false"#, "true", 0),
            (r#""a" != "b" ? "yes" : "no""#, r#""yes""#, 0),
            (r#"-(3) < 0"#, "true", 0),
            (
                r#""%{ for r in ["a", "b"] }repo:o/${r} %{ endfor }""#,
                r#""repo:o/a repo:o/b ""#,
                0,
            ),
            (r#""%{ if true }on%{ else }off%{ endif }""#, r#""on""#, 0),
            // Unknown operands stay unknown, and are noted: never read as true or false.
            (r#"var.x == "a""#, r#""${var.x == \"a\"}""#, 2),
            (
                r#"[for r in var.repos : r]"#,
                r#""${[for r in var.repos : r]}""#,
                2,
            ),
            (r#""%{ if var.on }a%{ endif }""#, r#""a""#, 2),
        ];
        for (text, want, notes) in cases {
            assert_eq!(eval(text), (want.to_string(), *notes), "{text}");
        }
    }
}
