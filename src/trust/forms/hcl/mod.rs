//! Terraform: the trust policies of a module's `aws_iam_role` resources (`assume_role_policy`
//! as `jsonencode(...)`, a heredoc, `templatefile()`, or a `data "aws_iam_policy_document"`),
//! one per instance `for_each` or `count` makes, of the modules it calls (followed to their
//! directory, or modelled), and policy documents that trust a web identity on their own. Pure:
//! templates and called modules come through [`Files`].
//!
//! The reader in layers, each file using only those before it: `parse` (text into bodies),
//! `eval` (expressions into values, calling what is above it through its `Builtins`),
//! `functions` (the one table of Terraform functions), `operators` (`for`, operators,
//! template directives), `policy_document` (`data "aws_iam_policy_document"`), `modules` and
//! `registry` (registry modules), `calls` (`module` blocks followed, `for_each` and `count`),
//! and this file, which finds the documents of a module and assembles what was found.

mod calls;
mod eval;
mod functions;
mod json_syntax;
mod modules;
mod operators;
mod parse;
mod policy_document;
mod power;
mod registry;

use hcl_edit::expr::Expression;

use self::eval::{Bodies, Builtins, Cx, Eval, Pending, Scope};
use self::parse::{attr, labels};
use super::{Files, Found, Read};
use crate::trust::document::{LoadError, SourceMap, TrustDocument};
use crate::trust::json::{self, Node, Value};

pub use self::calls::{calls_modules, local_sources};
pub(super) use self::eval::text_of;

/// What the evaluator calls that is built above it.
const BUILTINS: Builtins = Builtins {
    functions: functions::FUNCTIONS,
    policy_document: policy_document::policy_document,
    template_file: functions::template_file,
    operator: operators::operator,
    directive: operators::directive,
    module: calls::module,
};

/// Reads the trust policies of one module: all its `.tf` files (path, text), which share
/// locals, variables and data sources.
pub fn read_module(sources: &[(String, String)], files: &dyn Files) -> Result<Read, LoadError> {
    let mut map = SourceMap::default();
    let mut bodies = Vec::new();
    let mut renamed = std::collections::HashMap::new();
    for (path, text) in sources {
        let text = parse::native(path, text)?;
        let base = map.add(path, &text);
        let parsed = parse::file(path, &text)?;
        renamed.extend(parsed.renamed.into_iter().map(|(at, key)| (base + at, key)));
        bodies.push((path.clone(), base, parsed.body));
    }
    let mut scope = Scope::of(&bodies);
    scope.renamed = renamed;
    scope.place.root_file = sources.first().map(|(p, _)| p.clone()).unwrap_or_default();
    let pending = {
        let eval = Eval::new(&scope, &mut map, files, &BUILTINS);
        evaluate(&eval, &bodies)
    };
    let mut read = Read {
        found: Vec::new(),
        map,
    };
    for p in pending {
        read.found.push(found(p, &read.map));
    }
    Ok(read)
}

/// A document evaluated, read.
fn found(p: Pending, map: &SourceMap) -> Found {
    let mut doc = match p.root {
        Ok(root) => super::document(root, map, &p.assumptions),
        // An empty message: the whole value is unresolved, which the assumptions say.
        Err((offset, message)) => TrustDocument {
            loc: map.loc("", offset),
            problems: if message.is_empty() {
                Vec::new()
            } else {
                vec![(map.loc("", offset), message)]
            },
            assumptions: p
                .assumptions
                .iter()
                .map(|(o, m)| (map.loc("", *o), m.clone()))
                .collect(),
            ..TrustDocument::default()
        },
    };
    doc.role_name = p.role_name;
    let resource = if p.via.is_empty() {
        p.resource
    } else {
        format!("{} (called at {})", p.resource, p.via.join(" › "))
    };
    Found {
        doc,
        resource,
        form: p.form.into(),
        power: p.power,
    }
}

/// The documents of a module, in order: each `aws_iam_role`'s `assume_role_policy` (one per
/// instance `for_each` or `count` makes), the roles of the `module` blocks followed or
/// modelled, then the policy documents no role here uses that trust a web identity.
fn evaluate(eval: &Eval<'_>, bodies: &Bodies) -> Vec<Pending> {
    let mut out = Vec::new();
    let mut referenced = Vec::new();
    for (_, base, body) in bodies {
        for block in body.blocks() {
            let [kind, name] = labels(block)[..] else {
                continue;
            };
            if block.ident.as_str() != "resource" || kind != "aws_iam_role" {
                continue;
            }
            let Some(expr) = attr(&block.body, "assume_role_policy") else {
                continue;
            };
            eval.assumptions.borrow_mut().clear();
            for (suffix, cx) in calls::instances(eval, block, &Cx::new(*base)) {
                let shared = eval.assumptions.borrow().clone();
                out.push(role(
                    eval,
                    bodies,
                    block,
                    (name, &suffix),
                    &cx,
                    expr,
                    &mut referenced,
                ));
                *eval.assumptions.borrow_mut() = shared;
            }
        }
    }
    // The calls, in order; a call already read for a value above is not read again.
    for (_, _, body) in bodies {
        for block in body.blocks().filter(|b| b.ident.as_str() == "module") {
            if let [name] = labels(block)[..] {
                eval.assumptions.borrow_mut().clear();
                eval.module_outputs(name, &[]);
            }
        }
    }
    out.append(&mut eval.called.borrow_mut());
    // A policy document no role here uses, which trusts a web identity: a module that builds
    // trust policies for roles declared elsewhere.
    for (name, (block, base)) in sorted(&eval.scope.policy_documents) {
        if referenced.contains(&name) {
            continue;
        }
        eval.assumptions.borrow_mut().clear();
        let root = policy_document::policy_document(eval, block, &Cx::new(*base));
        if !json::to_text(&root).contains("AssumeRoleWithWebIdentity") {
            continue;
        }
        out.push(Pending {
            root: Ok(root),
            resource: format!("data.aws_iam_policy_document.{name}"),
            form: "terraform aws_iam_policy_document",
            role_name: Some(name.clone()),
            assumptions: eval.assumptions.borrow().clone(),
            power: None,
            via: Vec::new(),
        });
    }
    out
}

/// One instance of an `aws_iam_role`.
fn role(
    eval: &Eval<'_>,
    bodies: &Bodies,
    block: &hcl_edit::structure::Block,
    (name, suffix): (&str, &str),
    cx: &Cx,
    expr: &Expression,
    referenced: &mut Vec<String>,
) -> Pending {
    let value = eval.eval(expr, cx);
    let form = form_of(expr, referenced);
    let role_name = match attr(&block.body, "name").map(|e| eval.eval(e, cx)) {
        Some(Node {
            value: Value::String(s),
            ..
        }) if !s.starts_with("${") => s,
        _ => format!("{name}{suffix}"),
    };
    let assumptions = eval.assumptions.borrow().clone();
    Pending {
        root: as_document(eval, value),
        resource: format!("aws_iam_role.{name}{suffix}"),
        form,
        role_name: Some(role_name),
        assumptions,
        power: Some(power::of_role(eval, bodies, name, block, cx)),
        via: Vec::new(),
    }
}

fn sorted<V>(map: &std::collections::HashMap<String, V>) -> Vec<(String, &V)> {
    let mut v: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The form of an `assume_role_policy` value, noting a policy document it names.
fn form_of(expr: &Expression, referenced: &mut Vec<String>) -> &'static str {
    // `"${data.aws_iam_policy_document.x.json}"`, as the JSON syntax writes every expression:
    // the expression interpolated.
    match parse::interpolated(expr) {
        Expression::FuncCall(call) => match call.name.name.as_str() {
            "jsonencode" => "terraform jsonencode",
            "templatefile" => "terraform templatefile",
            _ => "terraform",
        },
        Expression::HeredocTemplate(_) => "terraform heredoc",
        Expression::Traversal(_) => match parse::reference(expr).as_deref() {
            Some(["data", "template_file", ..]) => "terraform template_file",
            Some(["data", "aws_iam_policy_document", name, ..]) => {
                referenced.push(name.to_string());
                "terraform aws_iam_policy_document"
            }
            _ => "terraform",
        },
        _ => "terraform",
    }
}

/// The document from an evaluated `assume_role_policy`: an object as is; a string parsed as
/// JSON, with its offsets mapped back to where each part was written.
fn as_document(eval: &Eval<'_>, value: Node) -> Result<Node, (usize, String)> {
    match value.value {
        Value::Object(_) => Ok(value),
        Value::String(ref text)
            if text.starts_with("${")
                && text.ends_with('}')
                && !eval.assumptions.borrow().is_empty() =>
        {
            Err((value.offset, String::new()))
        }
        Value::String(ref text) => {
            let mut parsed = json::parse(text, "").map_err(|e| {
                (
                    eval.source_of(value.offset, e.offset),
                    format!("the policy text is not valid JSON: {}", e.message),
                )
            })?;
            remap(&mut parsed.root, &|o, string| {
                // A string's offset is its opening quote: when its text comes from an
                // interpolation, point at the value interpolated.
                match (string, eval.interpolated(value.offset, o + 1)) {
                    (true, Some(source)) => source,
                    _ => eval.source_of(value.offset, o),
                }
            });
            Ok(parsed.root)
        }
        _ => Err((
            value.offset,
            format!(
                "`assume_role_policy` is {}, not a policy",
                value.type_name()
            ),
        )),
    }
}

fn remap(node: &mut Node, f: &dyn Fn(usize, bool) -> usize) {
    node.offset = f(node.offset, matches!(node.value, Value::String(_)));
    match &mut node.value {
        Value::Array(items) => items.iter_mut().for_each(|i| remap(i, f)),
        Value::Object(members) => {
            for m in members {
                m.key_offset = f(m.key_offset, true);
                remap(&mut m.value, f);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
