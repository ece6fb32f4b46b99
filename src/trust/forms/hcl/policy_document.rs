//! `data "aws_iam_policy_document"` built the way the AWS provider builds it: `statement`
//! blocks in order, `Effect` `Allow` by default, principals grouped by type, and `condition`
//! blocks with the same `test` and `variable` merged into one list of values, which IAM reads as
//! alternatives (an OR, not an AND). `dynamic` blocks are expanded when `for_each` resolves.
//! Pure.

use hcl_edit::Span;
use hcl_edit::structure::{Block, Body};

use super::eval::{Cx, Eval, text_of};
use super::parse::{attr, start};
use crate::trust::forms::{node, object, string};
use crate::trust::json::{Node, Value};

/// Builds a `data "aws_iam_policy_document"` as the JSON the AWS provider renders.
pub(super) fn policy_document(eval: &Eval<'_>, block: &Block, cx: &Cx) -> Node {
    let offset = cx.base + start(block.span());
    for merged in [
        "source_policy_documents",
        "override_policy_documents",
        "source_json",
        "override_json",
    ] {
        if let Some(e) = attr(&block.body, merged) {
            eval.assume(
                cx.base + start(e.span()),
                format!("`{merged}` is not merged: only this block's statements are read"),
            );
        }
    }
    let version = attr(&block.body, "version")
        .map_or_else(|| string("2012-10-17", offset), |e| eval.eval(e, cx));
    let statements = eval
        .instances(&block.body, "statement", cx)
        .into_iter()
        .map(|(body, cx, at)| statement(eval, body, &cx, at))
        .collect();
    object(
        vec![
            ("Version".into(), offset, version),
            (
                "Statement".into(),
                offset,
                node(Value::Array(statements), offset),
            ),
        ],
        offset,
    )
}

/// A condition variable and its values (from every block with its test and name).
type Variable = (String, usize, Vec<Node>);

fn statement(eval: &Eval<'_>, body: &Body, cx: &Cx, offset: usize) -> Node {
    let mut members = Vec::new();
    let mut put = |key: &str, at: usize, value: Node| members.push((key.to_string(), at, value));
    if let Some(e) = attr(body, "sid") {
        put("Sid", offset, eval.eval(e, cx));
    }
    let effect = attr(body, "effect").map_or_else(|| string("Allow", offset), |e| eval.eval(e, cx));
    put("Effect", effect.offset, effect);
    for (hcl, iam) in [
        ("principals", "Principal"),
        ("not_principals", "NotPrincipal"),
    ] {
        let blocks = eval.instances(body, hcl, cx);
        let Some((_, _, at)) = blocks.first() else {
            continue;
        };
        let mut by_type: Vec<(String, usize, Node)> = Vec::new();
        for (b, cx, at) in &blocks {
            let kind = attr(b, "type").map_or_else(String::new, |e| text_of(&eval.eval(e, cx)));
            let ids = attr(b, "identifiers")
                .map_or_else(|| node(Value::Array(vec![]), *at), |e| eval.eval(e, cx));
            let ids = ids.one_or_many().into_iter().cloned().collect::<Vec<_>>();
            match by_type.iter_mut().find(|(k, _, _)| *k == kind) {
                Some((
                    _,
                    _,
                    Node {
                        value: Value::Array(items),
                        ..
                    },
                )) => items.extend(ids),
                _ => by_type.push((kind, *at, node(Value::Array(ids), *at))),
            }
        }
        put(iam, *at, object(by_type, *at));
    }
    // Resources matter to permission policies (a role's power), not to trust policies.
    for (hcl, iam) in [
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ] {
        if let Some(e) = attr(body, hcl) {
            let v = eval.eval(e, cx);
            put(iam, v.offset, v);
        }
    }
    let conditions = eval.instances(body, "condition", cx);
    if let Some((_, _, at)) = conditions.first() {
        // test → variable → values; same test and variable: one list (the provider merges them).
        let mut tests: Vec<(String, usize, Vec<Variable>)> = Vec::new();
        for (b, cx, block_at) in &conditions {
            let test = attr(b, "test").map_or_else(String::new, |e| text_of(&eval.eval(e, cx)));
            let variable_expr = attr(b, "variable");
            let variable = variable_expr.map_or_else(String::new, |e| text_of(&eval.eval(e, cx)));
            // The key is where `variable = …` is written.
            let at = &variable_expr.map_or(*block_at, |e| cx.base + start(e.span()));
            let values = attr(b, "values")
                .map_or_else(|| node(Value::Array(vec![]), *at), |e| eval.eval(e, cx));
            let values: Vec<Node> = values.one_or_many().into_iter().cloned().collect();
            let t = match tests.iter().position(|(t, _, _)| *t == test) {
                Some(i) => i,
                None => {
                    tests.push((test, *at, Vec::new()));
                    tests.len() - 1
                }
            };
            match tests[t].2.iter_mut().find(|(v, _, _)| *v == variable) {
                Some((_, _, list)) => list.extend(values),
                None => tests[t].2.push((variable, *at, values)),
            }
        }
        let condition = tests
            .into_iter()
            .map(|(test, at, vars)| {
                let vars = vars
                    .into_iter()
                    .map(|(v, at, values)| {
                        let first = values.first().map_or(at, |n| n.offset);
                        (v, at, node(Value::Array(values), first))
                    })
                    .collect();
                (test, at, object(vars, at))
            })
            .collect();
        put("Condition", *at, object(condition, *at));
    }
    object(members, offset)
}
