//! Registry modules modelled in Rust, for a call whose module is not on disk:
//! `terraform-aws-modules/iam`'s `iam-github-oidc-role` (v5, the most used module for GitHub
//! roles), whose role is built here as its `main.tf` builds it. Pure.

use hcl_edit::Span;
use hcl_edit::structure::Block;

use super::eval::{Cx, Eval, Pending, text_of};
use super::parse::{attr, labels, start};
use crate::trust::forms::{node, object, string};
use crate::trust::json::{Node, Value};
use crate::trust::power::Power;

/// Whether the module at `source` is modelled here.
pub(super) fn modelled(source: &str) -> bool {
    source.contains("iam-github-oidc-role")
}

/// The documents of the roles a `module` block creates (none for a module not modelled), its
/// arguments evaluated in `cx` (an instance of `for_each` or `count`).
pub(super) fn documents(eval: &Eval<'_>, block: &Block, cx: &Cx, source: &str) -> Vec<Pending> {
    if !modelled(source) {
        return Vec::new();
    }
    github_oidc_module(eval, block, cx).into_iter().collect()
}

/// The role `terraform-aws-modules/iam`'s `iam-github-oidc-role` module creates (the most used
/// module for GitHub roles), built as its `main.tf` builds it: `StringLike` on `sub` with
/// `repo:` + each of `subjects`, `ForAllValues:StringEquals` on `aud` and on `iss`.
fn github_oidc_module(eval: &Eval<'_>, block: &Block, cx: &Cx) -> Option<Pending> {
    let [label] = labels(block)[..] else {
        return None;
    };
    let offset = cx.base + start(block.span());
    eval.assumptions.borrow_mut().clear();
    let or = |name: &str, default: &str| {
        attr(&block.body, name).map_or_else(|| string(default, offset), |e| eval.eval(e, cx))
    };
    let provider =
        text_of(&or("provider_url", "token.actions.githubusercontent.com")).replace("https://", "");
    let audience = or("audience", "sts.amazonaws.com");
    let subjects = attr(&block.body, "subjects")
        .map_or_else(|| node(Value::Array(vec![]), offset), |e| eval.eval(e, cx));
    let subjects: Vec<Node> = subjects
        .one_or_many()
        .into_iter()
        .map(|s| {
            let text = text_of(s);
            string(
                format!("repo:{}", text.strip_prefix("repo:").unwrap_or(&text)),
                s.offset,
            )
        })
        .collect();
    let key = |claim: &str| format!("{provider}:{claim}");
    let at = subjects.first().map_or(offset, |s| s.offset);
    let condition = object(
        vec![
            (
                "ForAllValues:StringEquals".into(),
                offset,
                object(
                    vec![
                        (
                            "token.actions.githubusercontent.com:iss".into(),
                            offset,
                            string("http://token.actions.githubusercontent.com", offset),
                        ),
                        (key("aud"), audience.offset, audience.clone()),
                    ],
                    offset,
                ),
            ),
            (
                "StringLike".into(),
                at,
                object(vec![(key("sub"), at, node(Value::Array(subjects), at))], at),
            ),
        ],
        offset,
    );
    let statement = object(
        vec![
            ("Sid".into(), offset, string("GithubOidcAuth", offset)),
            ("Effect".into(), offset, string("Allow", offset)),
            (
                "Action".into(),
                offset,
                node(
                    Value::Array(vec![
                        string("sts:TagSession", offset),
                        string("sts:AssumeRoleWithWebIdentity", offset),
                    ]),
                    offset,
                ),
            ),
            (
                "Principal".into(),
                offset,
                object(
                    vec![(
                        "Federated".into(),
                        offset,
                        string(
                            format!("arn:aws:iam::123456789012:oidc-provider/{provider}"),
                            offset,
                        ),
                    )],
                    offset,
                ),
            ),
            ("Condition".into(), offset, condition),
        ],
        offset,
    );
    let root = object(
        vec![
            ("Version".into(), offset, string("2012-10-17", offset)),
            (
                "Statement".into(),
                offset,
                node(Value::Array(vec![statement]), offset),
            ),
        ],
        offset,
    );
    Some(Pending {
        root: Ok(root),
        resource: format!("module.{label}"),
        form: "terraform module iam-github-oidc-role",
        role_name: Some(role_name(eval, block, cx, label)),
        // First: the `borrow` below lives to the end of the function.
        power: Some(module_power(eval, block, cx)),
        assumptions: eval.assumptions.borrow().clone(),
        via: Vec::new(),
    })
}

/// The role's name: the module's `name` or `name_prefix`, else the module's label.
fn role_name(eval: &Eval<'_>, block: &Block, cx: &Cx, label: &str) -> String {
    ["name", "name_prefix"]
        .iter()
        .find_map(|n| attr(&block.body, n))
        .map(|e| text_of(&eval.eval(e, cx)))
        .filter(|n| !n.starts_with("${"))
        .unwrap_or_else(|| label.to_string())
}

/// The module's `policies` input: a map of name to policy ARN, each attached to the role.
/// What it evaluates leaves the trust policy's assumptions as they were.
fn module_power(eval: &Eval<'_>, block: &Block, cx: &Cx) -> Power {
    let kept = eval.assumptions.borrow().len();
    let mut power = Power::default();
    if let Some(policies) = attr(&block.body, "policies") {
        let value = eval.eval(policies, cx);
        for m in value.members().unwrap_or(&[]) {
            power.attach(&text_of(&m.value));
        }
        if value.members().is_none() {
            power
                .unknown
                .push(format!("policies ({})", text_of(&value)));
        }
    }
    eval.assumptions.borrow_mut().truncate(kept);
    power
}
