//! What each `aws_iam_role` of a module may do: its `managed_policy_arns` and `inline_policy`
//! blocks, and the resources that grant it permissions by naming it
//! (`aws_iam_role_policy_attachment`, `aws_iam_role_policy`, `aws_iam_policy_attachment`,
//! `aws_iam_role_policy_attachments_exclusive`), with `aws_iam_policy` resources of the module
//! read as their documents. Pure.

use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::eval::{Bodies, Cx, Eval};
use super::parse::{self, attr, labels};
use crate::trust::json::{self, Node, Value};
use crate::trust::power::Power;

/// The power of the role declared by `role` (`resource "aws_iam_role" "name"`). Values that do
/// not resolve leave the power incomplete; they are not the trust policy's assumptions.
pub(super) fn of_role(
    eval: &Eval<'_>,
    bodies: &Bodies,
    name: &str,
    role: &Block,
    cx: &Cx,
) -> Power {
    let kept = eval.assumptions.borrow().len();
    let mut power = Power::default();
    let cx = cx.clone();
    if let Some(arns) = attr(&role.body, "managed_policy_arns") {
        attach_list(eval, bodies, arns, &cx, &mut power);
    }
    for inline in role
        .body
        .blocks()
        .filter(|b| b.ident.as_str() == "inline_policy")
    {
        let label = attr(&inline.body, "name").map(|n| eval.eval(n, &cx));
        let source = format!(
            "inline policy {}",
            label.as_ref().map(text).unwrap_or_default()
        );
        add_document(
            eval,
            attr(&inline.body, "policy"),
            &cx,
            source.trim_end(),
            &mut power,
        );
    }
    for (_, base, body) in bodies {
        for block in resources(body) {
            // `for_each = toset(var.policy_arns)`: one attachment per instance.
            for (_, cx) in super::calls::instances(eval, block, &Cx::new(*base)) {
                grant(eval, bodies, block, name, &cx, &mut power);
            }
        }
    }
    eval.assumptions.borrow_mut().truncate(kept);
    power
}

fn resources(body: &Body) -> impl Iterator<Item = &Block> {
    body.blocks().filter(|b| b.ident.as_str() == "resource")
}

/// One resource that may grant the role `name` something.
fn grant(eval: &Eval<'_>, bodies: &Bodies, block: &Block, name: &str, cx: &Cx, power: &mut Power) {
    let [kind, label] = labels(block)[..] else {
        return;
    };
    let names = |key: &str| attr(&block.body, key).is_some_and(|e| names_role(e, name));
    let source = format!("{kind}.{label}");
    match kind {
        "aws_iam_role_policy_attachment" if names("role") => {
            if let Some(arn) = attr(&block.body, "policy_arn") {
                attach(eval, bodies, arn, cx, power);
            }
        }
        "aws_iam_policy_attachment" if names("roles") => {
            if let Some(arn) = attr(&block.body, "policy_arn") {
                attach(eval, bodies, arn, cx, power);
            }
        }
        "aws_iam_role_policy_attachments_exclusive" if names("role_name") => {
            if let Some(arns) = attr(&block.body, "policy_arns") {
                attach_list(eval, bodies, arns, cx, power);
            }
        }
        "aws_iam_role_policy" if names("role") => {
            add_document(eval, attr(&block.body, "policy"), cx, &source, power);
        }
        _ => {}
    }
}

/// Whether an expression refers to `aws_iam_role.NAME` (its `.name`, `.id`, or inside a list).
fn names_role(expr: &Expression, name: &str) -> bool {
    match parse::interpolated(expr) {
        Expression::Array(items) => items.iter().any(|e| names_role(e, name)),
        _ => reference(expr).is_some_and(|(kind, n)| kind == "aws_iam_role" && n == name),
    }
}

/// `KIND.NAME.…` as (KIND, NAME).
fn reference(expr: &Expression) -> Option<(String, String)> {
    match parse::reference(expr)?.as_slice() {
        [kind, name, ..] => Some((kind.to_string(), name.to_string())),
        _ => None,
    }
}

fn attach_list(eval: &Eval<'_>, bodies: &Bodies, arns: &Expression, cx: &Cx, power: &mut Power) {
    match arns {
        Expression::Array(items) => items
            .iter()
            .for_each(|a| attach(eval, bodies, a, cx, power)),
        other => {
            for item in eval.eval(other, cx).one_or_many() {
                power.attach(&text(item));
            }
        }
    }
}

/// A `policy_arn`: the document of an `aws_iam_policy` of the module, or an ARN.
fn attach(eval: &Eval<'_>, bodies: &Bodies, arn: &Expression, cx: &Cx, power: &mut Power) {
    if let Some(("aws_iam_policy", name)) = reference(arn)
        .as_ref()
        .map(|(k, n)| (k.as_str(), n.as_str()))
    {
        match policy_resource(bodies, name) {
            Some((block, base)) => {
                let source = format!("aws_iam_policy.{name}");
                add_document(
                    eval,
                    attr(&block.body, "policy"),
                    &Cx::new(base),
                    &source,
                    power,
                );
            }
            None => power
                .unknown
                .push(format!("aws_iam_policy.{name} (not in this module)")),
        }
        return;
    }
    // Anything that is not an AWS-managed ARN (unresolved, a list, a number) is unclassified.
    power.attach(&text(&eval.eval(arn, cx)));
}

fn policy_resource<'b>(bodies: &'b Bodies, name: &str) -> Option<(&'b Block, usize)> {
    bodies.iter().find_map(|(_, base, body)| {
        resources(body)
            .find(|b| labels(b).as_slice() == ["aws_iam_policy", name])
            .map(|b| (b, *base))
    })
}

/// A `policy` value: `jsonencode(…)`, a data source's `.json`, a heredoc or a string of JSON.
fn add_document(
    eval: &Eval<'_>,
    policy: Option<&Expression>,
    cx: &Cx,
    source: &str,
    power: &mut Power,
) {
    let Some(policy) = policy else {
        return power.unknown.push(format!("{source} (no `policy`)"));
    };
    let value = eval.eval(policy, cx);
    match &value.value {
        Value::Object(_) => power.add_document(source, &value),
        Value::String(text) => match json::parse(text, "") {
            Ok(parsed) => power.add_document(source, &parsed.root),
            Err(_) => power.unknown.push(format!("{source} (not resolved)")),
        },
        _ => power.unknown.push(format!("{source} (not a policy)")),
    }
}

fn text(node: &Node) -> String {
    super::text_of(node)
}
