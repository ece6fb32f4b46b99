//! Terraform: the trust policies of a module's `aws_iam_role` resources (`assume_role_policy`
//! as `jsonencode(...)`, a heredoc, `templatefile()`, or a `data "aws_iam_policy_document"`),
//! and policy documents that trust a web identity on their own. Pure: templates come through
//! [`Files`].
//!
//! A `data "aws_iam_policy_document"` is built the way the AWS provider builds it: `statement`
//! blocks in order, `Effect` `Allow` by default, principals grouped by type, and `condition`
//! blocks with the same `test` and `variable` merged into one list of values, which IAM reads as
//! alternatives (an OR, not an AND). `dynamic` blocks are expanded when `for_each` resolves.

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::{Block, Body};

use super::hcl_eval::{Cx, Eval, Scope, attr, text_of};
use super::{Files, Found, MAX_NESTING, Read, bracket_depth, node, object, string};
use crate::trust::document::{LoadError, SourceMap, TrustDocument};
use crate::trust::json::{self, Node, Value};

fn start(span: Option<std::ops::Range<usize>>) -> usize {
    span.map_or(0, |r| r.start)
}

fn labels(block: &Block) -> Vec<&str> {
    block.labels.iter().map(|l| l.as_str()).collect()
}

/// A document evaluated but not yet read (the source map is borrowed by the evaluator).
struct Pending {
    root: Result<Node, (usize, String)>,
    resource: String,
    form: &'static str,
    role_name: Option<String>,
    assumptions: Vec<(usize, String)>,
}

/// Reads the trust policies of one module: all its `.tf` files (path, text), which share
/// locals, variables and data sources.
pub fn read_module(sources: &[(String, String)], files: &dyn Files) -> Result<Read, LoadError> {
    let mut map = SourceMap::default();
    let mut bodies = Vec::new();
    let mut renamed = std::collections::HashMap::new();
    for (path, text) in sources {
        if bracket_depth(text) > MAX_NESTING {
            return Err(LoadError::Invalid {
                path: Some(path.clone()),
                line: 1,
                column: 1,
                message: format!("brackets nest more than {MAX_NESTING} deep: not read"),
            });
        }
        let base = map.add(path, text);
        let (body, keys) = parse_keeping_duplicates(text).map_err(|(line, column, message)| {
            LoadError::Invalid {
                path: Some(path.clone()),
                line,
                column,
                message: format!("not valid Terraform: {message}"),
            }
        })?;
        renamed.extend(keys.into_iter().map(|(at, key)| (base + at, key)));
        bodies.push((path.clone(), base, body));
    }
    let mut scope = scope(&bodies);
    scope.renamed = renamed;
    let pending = {
        let eval = Eval::new(&scope, &mut map, files);
        evaluate(&eval, &bodies)
    };
    let mut read = Read {
        found: Vec::new(),
        map,
    };
    for p in pending {
        let mut doc = match p.root {
            Ok(root) => super::document(root, &read.map, &p.assumptions),
            // An empty message: the whole value is unresolved, which the assumptions say.
            Err((offset, message)) => TrustDocument {
                loc: read.map.loc("", offset),
                problems: if message.is_empty() {
                    Vec::new()
                } else {
                    vec![(read.map.loc("", offset), message)]
                },
                assumptions: p
                    .assumptions
                    .iter()
                    .map(|(o, m)| (read.map.loc("", *o), m.clone()))
                    .collect(),
                ..TrustDocument::default()
            },
        };
        doc.role_name = p.role_name;
        read.found.push(Found {
            doc,
            resource: p.resource,
            form: p.form.into(),
            power: None,
        });
    }
    Ok(read)
}

/// Parses a file; an object key written twice, which Terraform accepts (the last one wins, and
/// the first one's conditions are silently dropped: Datadog's GOV.UK case) but the parser
/// refuses, is renamed in a copy of the text to a placeholder of the same length, so offsets
/// are kept and the reader can restore the name and report the duplicate. Returns the body and
/// the renamed keys (offset of the key, its name).
#[allow(clippy::type_complexity)]
fn parse_keeping_duplicates(
    text: &str,
) -> Result<(Body, Vec<(usize, String)>), (usize, usize, String)> {
    let mut copy = text.to_string();
    let mut renamed = Vec::new();
    loop {
        let e = match hcl_edit::parser::parse_body(&copy) {
            Ok(body) => return Ok((body, renamed)),
            Err(e) => e,
        };
        let (line, column) = (e.location().line(), e.location().column());
        let err = || (line, column, e.message().to_string());
        if !e.message().contains("redefined object key") || renamed.len() >= 32 {
            return Err(err());
        }
        let line_start = copy
            .split_inclusive('\n')
            .take(line.saturating_sub(1))
            .map(str::len)
            .sum::<usize>();
        let at = copy[line_start..]
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(copy.len(), |(i, _)| line_start + i);
        let (key_start, key_end) = if copy[at..].starts_with('"') {
            let end = copy[at + 1..].find('"').map_or(copy.len(), |e| at + 1 + e);
            (at + 1, end)
        } else {
            let end = copy[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
                .map_or(copy.len(), |e| at + e);
            (at, end)
        };
        if key_end <= key_start || !copy.is_char_boundary(key_end) {
            return Err(err());
        }
        renamed.push((
            if key_start > at { at } else { key_start },
            copy[key_start..key_end].to_string(),
        ));
        let n = renamed.len();
        let mut placeholder = format!("_dup{n}_");
        let len = key_end - key_start;
        if placeholder.len() > len {
            return Err(err());
        }
        placeholder.push_str(&"_".repeat(len - placeholder.len()));
        copy.replace_range(key_start..key_end, &placeholder);
    }
}

fn scope<'a>(bodies: &'a [(String, usize, Body)]) -> Scope<'a> {
    let mut scope = Scope::default();
    for (path, base, body) in bodies {
        scope.files.push((*base, path.clone()));
        for block in body.blocks() {
            match (block.ident.as_str(), labels(block).as_slice()) {
                ("locals", []) => {
                    for a in block.body.attributes() {
                        scope
                            .locals
                            .insert(a.key.as_str().to_string(), (&a.value, *base));
                    }
                }
                ("variable", [name]) => {
                    scope.variables.insert(
                        name.to_string(),
                        (attr(&block.body, "default"), *base + start(block.span())),
                    );
                }
                ("data", ["aws_iam_policy_document", name]) => {
                    scope
                        .policy_documents
                        .insert(name.to_string(), (block, *base, path.clone()));
                }
                ("resource" | "data", ["aws_iam_openid_connect_provider", name]) => {
                    let url = match attr(&block.body, "url") {
                        Some(Expression::String(s)) => s.as_str().to_string(),
                        _ if block.ident.as_str() == "data" => {
                            "token.actions.githubusercontent.com".into()
                        }
                        _ => continue,
                    };
                    let host = url.trim_start_matches("https://").trim_end_matches('/');
                    scope
                        .oidc_providers
                        .insert(name.to_string(), host.to_string());
                }
                _ => {}
            }
        }
    }
    scope
}

fn evaluate(eval: &Eval<'_>, bodies: &[(String, usize, Body)]) -> Vec<Pending> {
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
            let cx = Cx::new(*base);
            eval.assumptions.borrow_mut().clear();
            let value = eval.eval(expr, &cx);
            let form = form_of(expr, &mut referenced);
            let role_name = match attr(&block.body, "name").map(|e| eval.eval(e, &cx)) {
                Some(Node {
                    value: Value::String(s),
                    ..
                }) if !s.starts_with("${") => s,
                _ => name.to_string(),
            };
            out.push(Pending {
                root: as_document(eval, value),
                resource: format!("aws_iam_role.{name}"),
                form,
                role_name: Some(role_name),
                assumptions: eval.assumptions.borrow().clone(),
            });
        }
    }
    for (_, base, body) in bodies {
        for block in body.blocks() {
            if let Some(p) = github_oidc_module(eval, block, *base) {
                out.push(p);
            }
        }
    }
    // A policy document no role here uses, which trusts a web identity: a module that builds
    // trust policies for roles declared elsewhere.
    for (name, (block, base, _)) in sorted(&eval.scope.policy_documents) {
        if referenced.contains(&name) {
            continue;
        }
        eval.assumptions.borrow_mut().clear();
        let root = policy_document(eval, block, &Cx::new(*base));
        if !json::to_text(&root).contains("AssumeRoleWithWebIdentity") {
            continue;
        }
        out.push(Pending {
            root: Ok(root),
            resource: format!("data.aws_iam_policy_document.{name}"),
            form: "terraform aws_iam_policy_document",
            role_name: Some(name.clone()),
            assumptions: eval.assumptions.borrow().clone(),
        });
    }
    out
}

/// The role `terraform-aws-modules/iam`'s `iam-github-oidc-role` module creates (the most used
/// module for GitHub roles), built as its `main.tf` builds it: `StringLike` on `sub` with
/// `repo:` + each of `subjects`, `ForAllValues:StringEquals` on `aud` and on `iss`.
fn github_oidc_module(eval: &Eval<'_>, block: &Block, base: usize) -> Option<Pending> {
    let [label] = labels(block)[..] else {
        return None;
    };
    let source = match attr(&block.body, "source")? {
        Expression::String(s) => s.as_str().to_string(),
        _ => return None,
    };
    if block.ident.as_str() != "module" || !source.contains("iam-github-oidc-role") {
        return None;
    }
    let cx = Cx::new(base);
    let offset = base + start(block.span());
    eval.assumptions.borrow_mut().clear();
    let or = |name: &str, default: &str| {
        attr(&block.body, name).map_or_else(|| string(default, offset), |e| eval.eval(e, &cx))
    };
    let provider =
        text_of(&or("provider_url", "token.actions.githubusercontent.com")).replace("https://", "");
    let audience = or("audience", "sts.amazonaws.com");
    let subjects = attr(&block.body, "subjects")
        .map_or_else(|| node(Value::Array(vec![]), offset), |e| eval.eval(e, &cx));
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
    let role_name = ["name", "name_prefix"]
        .iter()
        .find_map(|n| attr(&block.body, n))
        .map(|e| text_of(&eval.eval(e, &cx)))
        .filter(|n| !n.starts_with("${"))
        .unwrap_or_else(|| label.to_string());
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
        role_name: Some(role_name),
        assumptions: eval.assumptions.borrow().clone(),
    })
}

fn sorted<V>(map: &std::collections::HashMap<String, V>) -> Vec<(String, &V)> {
    let mut v: Vec<_> = map.iter().map(|(k, v)| (k.clone(), v)).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The form of an `assume_role_policy` value, noting a policy document it names.
fn form_of(expr: &Expression, referenced: &mut Vec<String>) -> &'static str {
    match expr {
        Expression::FuncCall(call) => match call.name.name.as_str() {
            "jsonencode" => "terraform jsonencode",
            "templatefile" => "terraform templatefile",
            _ => "terraform",
        },
        Expression::HeredocTemplate(_) => "terraform heredoc",
        Expression::Traversal(t) => {
            let names: Vec<String> = t
                .operators
                .iter()
                .filter_map(|op| match &**op {
                    hcl_edit::expr::TraversalOperator::GetAttr(id) => Some(id.as_str().to_string()),
                    _ => None,
                })
                .collect();
            if matches!(&t.expr, Expression::Variable(v) if v.as_str() == "data")
                && names
                    .first()
                    .is_some_and(|n| n == "aws_iam_policy_document")
            {
                if let Some(n) = names.get(1) {
                    referenced.push(n.clone());
                }
                "terraform aws_iam_policy_document"
            } else {
                "terraform"
            }
        }
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

/// The instances of blocks `name` in `body`: the static ones, and those a `dynamic "name"`
/// block makes (with its iterator bound), each with the offset where it was written.
fn instances<'b>(
    eval: &Eval<'_>,
    body: &'b Body,
    name: &str,
    cx: &Cx,
) -> Vec<(&'b Body, Cx, usize)> {
    let mut out = Vec::new();
    for block in body.blocks() {
        let offset = cx.base + start(block.span());
        if block.ident.as_str() == name && block.labels.is_empty() {
            out.push((&block.body, cx.clone(), offset));
        } else if block.ident.as_str() == "dynamic" && labels(block) == [name] {
            let iterator = match attr(&block.body, "iterator") {
                Some(Expression::Variable(v)) => v.as_str().to_string(),
                _ => name.to_string(),
            };
            let Some(content) = block.body.blocks().find(|b| b.ident.as_str() == "content") else {
                continue;
            };
            let each = attr(&block.body, "for_each").map(|e| eval.eval(e, cx));
            let items: Vec<(Node, Node)> = match each.map(|e| e.value) {
                Some(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (node(Value::Number(i.to_string()), v.offset), v))
                    .collect(),
                Some(Value::Object(members)) => members
                    .into_iter()
                    .map(|m| (string(m.key, m.key_offset), m.value))
                    .collect(),
                _ => {
                    eval.assume(
                        offset,
                        format!("the `for_each` of `dynamic \"{name}\"` is not resolved: its blocks are left out"),
                    );
                    continue;
                }
            };
            for (key, value) in items {
                let mut inner = cx.clone();
                let at = value.offset;
                inner.bindings.push((
                    iterator.clone(),
                    object(
                        vec![("key".into(), at, key), ("value".into(), at, value)],
                        at,
                    ),
                ));
                out.push((&content.body, inner, offset));
            }
        }
    }
    out
}

/// Builds a `data "aws_iam_policy_document"` as the JSON the AWS provider renders.
pub fn policy_document(eval: &Eval<'_>, block: &Block, cx: &Cx) -> Node {
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
    let statements = instances(eval, &block.body, "statement", cx)
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
        let blocks = instances(eval, body, hcl, cx);
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
    for (hcl, iam) in [("actions", "Action"), ("not_actions", "NotAction")] {
        if let Some(e) = attr(body, hcl) {
            let v = eval.eval(e, cx);
            put(iam, v.offset, v);
        }
    }
    let conditions = instances(eval, body, "condition", cx);
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

#[cfg(test)]
mod tests;
