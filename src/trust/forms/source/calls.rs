//! The calls the evaluator knows, by the callee's last name: CDK's principals
//! (`WebIdentityPrincipal`, `OpenIdConnectPrincipal`, `FederatedPrincipal`, `.withConditions`,
//! `CompositePrincipal`, service and account principals) as trust statements, OIDC providers
//! as their ARN, `ManagedPolicy.fromAwsManagedPolicyName` and friends as ARNs,
//! `PolicyStatement`/`PolicyDocument`/`Policy` as policy JSON, Pulumi's `getPolicyDocument`
//! and `…Args`, and `JSON.stringify`/`json.dumps`/`pulumi.interpolate`. Pure: no I/O.
//!
//! Argument names are read either way (`assumeRoleAction`, `assume_role_action`), so one table
//! serves TypeScript and Python.

use super::ast::{Arg, Expr, Kind, camel, positional, prop};
use super::values::{ACCOUNT, Call, Eval, obj, text};
use crate::trust::forms::{node, string};
use crate::trust::json::{self, Member, Node, Value};

const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// The table [`Eval`] is built with.
pub fn known(eval: &Eval<'_>, call: &Call<'_>) -> Option<Node> {
    let at = eval.base + call.whole.start;
    let ev = |x: &Expr| eval.eval(x, call.locals, call.depth);
    let arg = |i: usize, name: &str| argument(call.args, i, name);
    let path = call.callee.path().unwrap_or_default();
    Some(match call.last.as_str() {
        "stringify" | "jsonStringify" | "dumps" | "jsonDumps" | "interpolate" | "output"
        | "fromInput" | "str" | "String" => ev(positional(call.args, 0)?),
        "parse" | "loads" if path.starts_with("JSON") || path.starts_with("json") => {
            let v = ev(positional(call.args, 0)?);
            let parsed = json::parse(&text(&v)?, "").ok()?.root;
            moved(parsed, v.offset)
        }
        "concat" | "Concat" if path.contains("pulumi") || path.contains("Output") => {
            let mut out = String::new();
            for a in call.args {
                out.push_str(&text(&ev(&a.value)).unwrap_or_default());
            }
            string(out, at)
        }
        "dict" => kwargs(eval, call),
        name if name.ends_with("Args") && name.len() > 4 => kwargs(eval, call),
        // Providers: their ARN.
        "OpenIdConnectProvider"
        | "OidcProviderNative"
        | "CfnOIDCProvider"
        | "CfnOidcProvider"
        | "getOpenIdConnectProvider"
        | "getOpenIdConnectProviderOutput" => match prop(call.args, "url") {
            Some(url) => provider_arn(&text(&ev(url))?, at),
            None => ev(prop(call.args, "arn")?),
        },
        "GithubActionsIdentityProvider" | "fromAccount"
            if path.contains("GithubActionsIdentityProvider") || call.last != "fromAccount" =>
        {
            provider_arn("token.actions.githubusercontent.com", at)
        }
        "fromOpenIdConnectProviderArn" | "fromOidcProviderArn" => ev(arg(2, "")?),
        // Managed policies: their ARN.
        "fromAwsManagedPolicyName" => {
            let name = text(&ev(arg(0, "managedPolicyName")?))?;
            string(format!("arn:aws:iam::aws:policy/{name}"), at)
        }
        "fromManagedPolicyArn" => ev(arg(2, "managedPolicyArn")?),
        "fromManagedPolicyName" => {
            let name = text(&ev(arg(2, "managedPolicyName")?))?;
            string(format!("arn:aws:iam::{ACCOUNT}:policy/{name}"), at)
        }
        _ => return principal(eval, call).or_else(|| policy(eval, call)),
    })
}

/// CDK's principals: the trust statement each synthesises.
fn principal(eval: &Eval<'_>, call: &Call<'_>) -> Option<Node> {
    let at = eval.base + call.whole.start;
    let ev = |x: &Expr| eval.eval(x, call.locals, call.depth);
    let arg = |i: usize, name: &str| argument(call.args, i, name);
    Some(match call.last.as_str() {
        // Principals: the statement each synthesises.
        "WebIdentityPrincipal" | "OpenIdConnectPrincipal" => {
            let provider = ev(arg(0, "")?);
            let conditions = arg(1, "conditions");
            statement(
                eval,
                call,
                ("Federated", provider),
                WEB_IDENTITY,
                conditions,
            )
        }
        "FederatedPrincipal" => {
            let federated = ev(arg(0, "federated")?);
            let action = match arg(2, "assumeRoleAction") {
                Some(a) => text(&ev(a))?,
                // CDK's default: a role written this way trusts another action than the one
                // GitHub's tokens use (broken, not wider).
                None => "sts:AssumeRole".into(),
            };
            statement(
                eval,
                call,
                ("Federated", federated),
                &action,
                arg(1, "conditions"),
            )
        }
        "ServicePrincipal" => {
            let service = ev(arg(0, "service")?);
            statement(eval, call, ("Service", service), "sts:AssumeRole", None)
        }
        "ArnPrincipal" => statement(
            eval,
            call,
            ("AWS", ev(arg(0, "arn")?)),
            "sts:AssumeRole",
            None,
        ),
        "AccountPrincipal" => {
            let account = text(&ev(arg(0, "accountId")?))?;
            let root = string(format!("arn:aws:iam::{account}:root"), at);
            statement(eval, call, ("AWS", root), "sts:AssumeRole", None)
        }
        "AccountRootPrincipal" => {
            let root = string(format!("arn:aws:iam::{ACCOUNT}:root"), at);
            statement(eval, call, ("AWS", root), "sts:AssumeRole", None)
        }
        "CompositePrincipal" => {
            let mut items = Vec::new();
            for a in call.args {
                match ev(&a.value) {
                    Node {
                        value: Value::Array(inner),
                        ..
                    } => items.extend(inner),
                    one => items.push(one),
                }
            }
            node(Value::Array(items), at)
        }
        "withConditions" => {
            let Kind::Member(receiver, _) = &call.callee.kind else {
                return None;
            };
            let mut principal = ev(receiver);
            let extra = arg(0, "conditions")?;
            let Some(extra_value) = eval
                .inner(extra, call.locals, call.depth)
                .filter(|v| v.members().is_some())
            else {
                eval.gap(extra, "the conditions it adds");
                return Some(principal);
            };
            match &mut principal.value {
                Value::Array(items) => items.iter_mut().for_each(|s| merge(s, &extra_value)),
                _ => merge(&mut principal, &extra_value),
            }
            principal
        }
        _ => return None,
    })
}

/// Permission policies: CDK's statements, documents and policies, Pulumi's documents.
fn policy(eval: &Eval<'_>, call: &Call<'_>) -> Option<Node> {
    let at = eval.base + call.whole.start;
    let ev = |x: &Expr| eval.eval(x, call.locals, call.depth);
    let arg = |i: usize, name: &str| argument(call.args, i, name);
    Some(match call.last.as_str() {
        // Permission policies.
        "PolicyStatement" => policy_statement(eval, call)?,
        "PolicyDocument" => {
            let statements = prop(call.args, "statements")
                .map_or_else(|| node(Value::Array(Vec::new()), at), ev);
            document(statements, at)
        }
        "fromJson" => ev(arg(0, "obj")?),
        "Policy" | "ManagedPolicy" => {
            if let Some(policy) = prop(call.args, "policy") {
                let v = ev(policy);
                return Some(match &v.value {
                    Value::String(s) => json::parse(s, "")
                        .map(|p| moved(p.root, v.offset))
                        .unwrap_or(v),
                    _ => v,
                });
            }
            match prop(call.args, "document") {
                Some(d) => ev(d),
                None => document(
                    prop(call.args, "statements")
                        .map_or_else(|| node(Value::Array(Vec::new()), at), ev),
                    at,
                ),
            }
        }
        "getPolicyDocument" | "getPolicyDocumentOutput" => policy_document(eval, call)?,
        _ => return None,
    })
}

/// A positional argument, or the keyword argument `name` (Python).
fn argument<'a>(args: &'a [Arg], i: usize, name: &str) -> Option<&'a Expr> {
    positional(args, i).or_else(|| {
        (!name.is_empty())
            .then(|| {
                args.iter()
                    .find(|a| a.name.as_deref().is_some_and(|n| camel(n) == name))
            })
            .flatten()
            .map(|a| &a.value)
    })
}

/// Keyword arguments as an object, keys camelCase (`dict(a=1)`, Pulumi's `…Args(test=…)`).
fn kwargs(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let members = call
        .args
        .iter()
        .filter_map(|a| {
            let name = a.name.as_ref()?;
            Some(Member {
                key: camel(name),
                key_offset: eval.base + a.value.start,
                value: eval.eval(&a.value, call.locals, call.depth),
            })
        })
        .collect();
    node(Value::Object(members), eval.base + call.whole.start)
}

/// The ARN of the provider for `url` (`https://token.actions.githubusercontent.com`).
fn provider_arn(url: &str, at: usize) -> Node {
    let host = url.trim_start_matches("https://").trim_end_matches('/');
    string(format!("arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"), at)
}

/// The trust statement a principal synthesises.
fn statement(
    eval: &Eval<'_>,
    call: &Call<'_>,
    principal: (&str, Node),
    action: &str,
    conditions: Option<&Expr>,
) -> Node {
    let at = eval.base + call.whole.start;
    let mut members = vec![
        ("Effect", string("Allow", at)),
        ("Principal", obj(vec![principal], at)),
        ("Action", string(action, at)),
    ];
    if let Some(c) = conditions {
        match eval.inner(c, call.locals, call.depth) {
            Some(v) if v.members() == Some(&[]) => {}
            Some(v) if v.members().is_some() => members.push(("Condition", v)),
            _ => eval.gap(c, "the conditions"),
        }
    }
    obj(members, at)
}

/// Adds the operators of `extra` to a statement's `Condition` (CDK merges them key by key).
fn merge(statement: &mut Node, extra: &Node) {
    let Value::Object(members) = &mut statement.value else {
        return;
    };
    let at = extra.offset;
    if !members.iter().any(|m| m.key == "Condition") {
        members.push(Member {
            key: "Condition".into(),
            key_offset: at,
            value: node(Value::Object(Vec::new()), at),
        });
    }
    let Some(condition) = members.iter_mut().find(|m| m.key == "Condition") else {
        return;
    };
    let Value::Object(ops) = &mut condition.value.value else {
        return;
    };
    for op in extra.members().unwrap_or(&[]) {
        match ops.iter_mut().find(|o| o.key == op.key) {
            Some(existing) => {
                if let (Value::Object(keys), Some(more)) =
                    (&mut existing.value.value, op.value.members())
                {
                    for k in more {
                        keys.retain(|x| x.key != k.key);
                        keys.push(k.clone());
                    }
                }
            }
            None => ops.push(op.clone()),
        }
    }
}

/// A policy document around its statements.
fn document(statements: Node, at: usize) -> Node {
    obj(
        vec![
            ("Version", string("2012-10-17", at)),
            ("Statement", statements),
        ],
        at,
    )
}

/// `new iam.PolicyStatement({effect, actions, resources, …})` as IAM JSON.
fn policy_statement(eval: &Eval<'_>, call: &Call<'_>) -> Option<Node> {
    let at = eval.base + call.whole.start;
    let ev = |x: &Expr| eval.eval(x, call.locals, call.depth);
    let mut members = vec![(
        "Effect",
        prop(call.args, "effect").map_or_else(|| string("Allow", at), ev),
    )];
    for (from, to) in [
        ("actions", "Action"),
        ("notActions", "NotAction"),
        ("resources", "Resource"),
        ("notResources", "NotResource"),
        ("conditions", "Condition"),
    ] {
        if let Some(v) = prop(call.args, from) {
            members.push((to, ev(v)));
        }
    }
    Some(obj(members, at))
}

/// Pulumi's `aws.iam.getPolicyDocument({statements: [...]})` as IAM JSON: conditions with the
/// same test and variable merged into one list, as the provider does.
fn policy_document(eval: &Eval<'_>, call: &Call<'_>) -> Option<Node> {
    let at = eval.base + call.whole.start;
    let statements = eval.eval(prop(call.args, "statements")?, call.locals, call.depth);
    let mut out = Vec::new();
    for st in statements.one_or_many() {
        let field = |name: &str| {
            st.members()?
                .iter()
                .rev()
                .find(|m| camel(&m.key) == name)
                .map(|m| &m.value)
        };
        let mut members = vec![(
            "Effect",
            field("effect")
                .cloned()
                .unwrap_or_else(|| string("Allow", st.offset)),
        )];
        for (from, to) in [
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ] {
            if let Some(v) = field(from) {
                members.push((to, v.clone()));
            }
        }
        if let Some(ps) = field("principals") {
            members.push(("Principal", principals(ps)));
        }
        if let Some(cs) = field("conditions") {
            members.push(("Condition", conditions(cs)));
        }
        out.push(obj(members, st.offset));
    }
    Some(document(node(Value::Array(out), at), at))
}

fn principals(ps: &Node) -> Node {
    let mut kinds: Vec<Member> = Vec::new();
    for p in ps.one_or_many() {
        let kind = p
            .get("type")
            .and_then(Node::as_str)
            .unwrap_or("AWS")
            .to_string();
        let ids = p
            .get("identifiers")
            .cloned()
            .unwrap_or_else(|| node(Value::Array(Vec::new()), p.offset));
        match kinds.iter_mut().find(|k| k.key == kind) {
            Some(existing) => append(&mut existing.value, ids),
            None => kinds.push(Member {
                key: kind,
                key_offset: p.offset,
                value: ids,
            }),
        }
    }
    node(Value::Object(kinds), ps.offset)
}

fn conditions(cs: &Node) -> Node {
    let mut tests: Vec<Member> = Vec::new();
    for c in cs.one_or_many() {
        let test = c.get("test").and_then(text).unwrap_or_default();
        let variable = c.get("variable").and_then(text).unwrap_or_default();
        let values = c
            .get("values")
            .cloned()
            .unwrap_or_else(|| node(Value::Array(Vec::new()), c.offset));
        let at = c.get("variable").map_or(c.offset, |v| v.offset);
        let t = match tests.iter().position(|t| t.key == test) {
            Some(t) => t,
            None => {
                tests.push(Member {
                    key: test,
                    key_offset: c.offset,
                    value: node(Value::Object(Vec::new()), c.offset),
                });
                tests.len() - 1
            }
        };
        let Value::Object(vars) = &mut tests[t].value.value else {
            continue;
        };
        match vars.iter_mut().find(|v| v.key == variable) {
            Some(existing) => append(&mut existing.value, values),
            None => vars.push(Member {
                key: variable,
                key_offset: at,
                value: values,
            }),
        }
    }
    node(Value::Object(tests), cs.offset)
}

/// Appends `more`'s items (or itself) to a list node.
fn append(list: &mut Node, more: Node) {
    if !matches!(list.value, Value::Array(_)) {
        let one = list.clone();
        list.value = Value::Array(vec![one]);
    }
    if let Value::Array(items) = &mut list.value {
        match more.value {
            Value::Array(inner) => items.extend(inner),
            _ => items.push(more),
        }
    }
}

/// A tree parsed from a string value, every offset at the string's (its text is not the file's).
pub fn moved(mut n: Node, to: usize) -> Node {
    n.offset = to;
    match &mut n.value {
        Value::Array(items) => {
            for i in std::mem::take(items) {
                items.push(moved(i, to));
            }
        }
        Value::Object(members) => {
            for m in members.iter_mut() {
                m.key_offset = to;
                let v = std::mem::replace(&mut m.value, node(Value::Null, to));
                m.value = moved(v, to);
            }
        }
        _ => {}
    }
    n
}
