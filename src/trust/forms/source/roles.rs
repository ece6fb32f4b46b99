//! The roles a CDK app or a Pulumi program builds, each with its trust policy and what it may
//! do: CDK's `iam.Role` (`assumedBy`) and `iam.CfnRole`, the GitHub OIDC construct libraries
//! (`aws-cdk-github-oidc`, `@blimmer/cdk-github-oidc`, `cdk-pipelines-github`), and Pulumi's
//! `aws.iam.Role` (`assumeRolePolicy`). Pure: no I/O.

use super::ast::{Expr, Kind, Prop, Site, positional, prop};
use super::calls::moved;
use super::values::{Eval, obj, text};
use crate::trust::document::{SourceMap, TrustDocument};
use crate::trust::forms::{Found, node, string};
use crate::trust::json::{self, Node, Value};
use crate::trust::power::Power;

const ISSUER: &str = "token.actions.githubusercontent.com";

/// Which tool a file is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Cdk,
    Pulumi,
}

/// A role construct found, before its power is read.
struct Role<'s> {
    site: &'s Site,
    tool: Tool,
    /// The construct id (CDK) or resource name (Pulumi).
    id: String,
    root: Option<Node>,
    assumptions: Vec<(usize, String)>,
    gapped: bool,
    name: Option<String>,
}

/// Every role of a file; `language` names the form (`typescript`, `python`).
pub fn read(eval: &Eval<'_>, language: &str, map: &SourceMap) -> Vec<Found> {
    let mut found = Vec::new();
    for site in &eval.program.sites {
        let Some(role) = role(eval, site) else {
            continue;
        };
        let power = power(eval, &role);
        let tool = match role.tool {
            Tool::Cdk => "cdk",
            Tool::Pulumi => "pulumi",
        };
        let at = eval.base + site.call.start;
        let mut doc = match (&role.root, role.gapped) {
            (Some(root), false) => {
                crate::trust::forms::document(root.clone(), map, &role.assumptions)
            }
            // Not judged: what is unknown could be the condition that matters.
            _ => TrustDocument {
                loc: map.loc("", at),
                assumptions: role
                    .assumptions
                    .iter()
                    .map(|(o, m)| (map.loc("", *o), m.clone()))
                    .collect(),
                ..TrustDocument::default()
            },
        };
        doc.loc = map.loc("", at);
        doc.role_name = Some(role.name.clone().unwrap_or_else(|| role.id.clone()));
        found.push(Found {
            doc,
            resource: role.id.clone(),
            form: format!("{tool} {language}"),
            power: Some(power),
        });
    }
    found
}

/// The trust policy of a role construct, with what was assumed on the way.
fn role<'s>(eval: &Eval<'_>, site: &'s Site) -> Option<Role<'s>> {
    let (callee, args) = site.call.as_call()?;
    let last = callee.last_name()?;
    let ev = |x: &Expr| eval.eval(x, &[], 0);
    let at = eval.base + site.call.start;
    let mark = eval.mark();
    let (tool, root) = match last.as_str() {
        "Role" if prop(args, "assumedBy").is_some() => {
            let principal = ev(prop(args, "assumedBy")?);
            (Tool::Cdk, Some(trust(principal, at)))
        }
        "Role" if prop(args, "assumeRolePolicy").is_some() => {
            let policy = prop(args, "assumeRolePolicy")?;
            (Tool::Pulumi, as_document(eval, policy))
        }
        "CfnRole" => (
            Tool::Cdk,
            as_document(eval, prop(args, "assumeRolePolicyDocument")?),
        ),
        "GithubActionsRole" if prop(args, "subjectFilters").is_some() => {
            (Tool::Cdk, Some(filters_role(eval, args, at)))
        }
        "GithubActionsRole" => (Tool::Cdk, Some(aripalo_role(eval, args, at))),
        "GitHubActionRole" => (Tool::Cdk, Some(pipelines_role(eval, args, at))),
        _ => return None,
    };
    let assumptions = eval.assumptions_since(mark);
    let gapped = eval.gapped_since(mark);
    eval.reset(mark);
    let id_index = if tool == Tool::Cdk { 1 } else { 0 };
    let id = positional(args, id_index)
        .and_then(|x| text(&eval.eval(x, &[], 0)))
        .filter(|s| !s.contains("${"))
        .unwrap_or_else(|| last.clone());
    let name_prop = if tool == Tool::Cdk {
        "roleName"
    } else {
        "name"
    };
    let name = prop(args, name_prop)
        .and_then(|x| text(&eval.eval(x, &[], 0)))
        .filter(|s| !s.contains("${"));
    eval.reset(mark);
    Some(Role {
        site,
        tool,
        id,
        root,
        assumptions,
        gapped,
        name,
    })
}

/// A document around the statements a principal synthesised.
fn trust(principal: Node, at: usize) -> Node {
    let statements = match principal.value {
        Value::Array(_) => principal,
        _ => node(Value::Array(vec![principal]), at),
    };
    obj(
        vec![
            ("Version", string("2012-10-17", at)),
            ("Statement", statements),
        ],
        at,
    )
}

/// A policy written as an object, JSON text, or a value of `JSON.stringify`/`json.dumps`;
/// `None` when it is not known (a gap noted).
fn as_document(eval: &Eval<'_>, policy: &Expr) -> Option<Node> {
    let Some(v) = eval.inner(policy, &[], 0) else {
        eval.gap(policy, "the whole policy");
        return None;
    };
    match &v.value {
        Value::Object(_) => Some(v),
        Value::String(s) => match json::parse(s, "") {
            Ok(parsed) => Some(placed(parsed.root, &v, eval)),
            Err(e) => {
                eval.gap(policy, &format!("the policy (not JSON: {})", e.message));
                None
            }
        },
        _ => {
            eval.gap(policy, "the policy");
            None
        }
    }
}

/// A tree parsed from a string: at the place each part was written when the string is a
/// literal of the file without escapes, else at the string.
fn placed(root: Node, v: &Node, eval: &Eval<'_>) -> Node {
    let Some(s) = v.as_str() else {
        return root;
    };
    let local = v.offset.saturating_sub(eval.base) + 1;
    if eval.text.get(local..local + s.len()) == Some(s) {
        shift(root, v.offset + 1)
    } else {
        moved(root, v.offset)
    }
}

fn shift(mut n: Node, by: usize) -> Node {
    n.offset += by;
    match &mut n.value {
        Value::Array(items) => {
            for i in std::mem::take(items) {
                items.push(shift(i, by));
            }
        }
        Value::Object(members) => {
            for m in members.iter_mut() {
                m.key_offset += by;
                let v = std::mem::replace(&mut m.value, node(Value::Null, 0));
                m.value = shift(v, by);
            }
        }
        _ => {}
    }
    n
}

/// A GitHub trust statement: the provider, `sub` under `operator`, and `aud` unless `aud` is
/// `None`.
fn github_statement(provider: Node, operator: &str, sub: Node, aud: bool, at: usize) -> Node {
    let mut condition = vec![(operator, obj(vec![(&*format!("{ISSUER}:sub"), sub)], at))];
    if aud {
        let pin = obj(
            vec![(&*format!("{ISSUER}:aud"), string("sts.amazonaws.com", at))],
            at,
        );
        match condition.iter_mut().find(|(op, _)| *op == "StringEquals") {
            Some((_, existing)) => {
                if let (Value::Object(a), Value::Object(b)) = (&mut existing.value, pin.value) {
                    a.extend(b);
                }
            }
            None => condition.push(("StringEquals", pin)),
        }
    }
    let statement = obj(
        vec![
            ("Effect", string("Allow", at)),
            ("Principal", obj(vec![("Federated", provider)], at)),
            ("Action", string("sts:AssumeRoleWithWebIdentity", at)),
            ("Condition", obj(condition, at)),
        ],
        at,
    );
    trust(statement, at)
}

/// The provider a construct library's role names, or the GitHub provider by default.
fn provider(eval: &Eval<'_>, args: &[super::ast::Arg], at: usize) -> Node {
    match prop(args, "provider") {
        Some(p) => eval.eval(p, &[], 0),
        None => string(
            format!(
                "arn:aws:iam::{}:oidc-provider/{ISSUER}",
                super::values::ACCOUNT
            ),
            at,
        ),
    }
}

/// `aws-cdk-github-oidc`'s `GithubActionsRole({provider, owner, repo, filter})`:
/// `repo:OWNER/REPO:FILTER` under `StringLike`, `filter` `*` by default, `aud` pinned.
fn aripalo_role(eval: &Eval<'_>, args: &[super::ast::Arg], at: usize) -> Node {
    let part = |name: &str, default: &str| match prop(args, name) {
        Some(x) => {
            let v = eval.eval(x, &[], 0);
            (text(&v).unwrap_or_default(), v.offset)
        }
        None => (default.to_string(), at),
    };
    let (owner, _) = part("owner", "${owner}");
    let (repo, repo_at) = part("repo", "${repo}");
    let (filter, filter_at) = part("filter", "*");
    let sub_at = if prop(args, "filter").is_some() {
        filter_at
    } else {
        repo_at
    };
    let sub = string(format!("repo:{owner}/{repo}:{filter}"), sub_at);
    github_statement(provider(eval, args, at), "StringLike", sub, true, at)
}

/// `@blimmer/cdk-github-oidc`'s `GithubActionsRole({provider, subjectFilters})`: one subject
/// per filter, `StringEquals` unless one holds `*`, `aud` pinned.
fn filters_role(eval: &Eval<'_>, args: &[super::ast::Arg], at: usize) -> Node {
    let mut subjects = Vec::new();
    let filters = prop(args, "subjectFilters");
    let items: Vec<&Expr> = match filters.map(|f| &f.kind) {
        Some(Kind::Array(items)) => items
            .iter()
            .filter_map(|i| match i {
                super::ast::Item::One(x) => Some(x),
                super::ast::Item::Spread(_) => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    for f in items {
        let Some((callee, fargs)) = f.as_call() else {
            subjects.push(eval.unresolved(f, "a subject filter the audit does not model"));
            continue;
        };
        let field = |name: &str| {
            prop(fargs, name)
                .map(|x| text(&eval.eval(x, &[], 0)).unwrap_or_default())
                .unwrap_or_default()
        };
        let (mut owner, mut repo) = (field("owner"), field("repository"));
        if !field("ownerId").is_empty() {
            owner = format!("{owner}@{}", field("ownerId"));
        }
        if !field("repositoryId").is_empty() {
            repo = format!("{repo}@{}", field("repositoryId"));
        }
        let tail = match callee.last_name().as_deref() {
            Some("AllowAllFilter") => "*".to_string(),
            Some("BranchFilter") => format!("ref:refs/heads/{}", field("branch")),
            Some("TagFilter") => format!("ref:refs/tags/{}", field("tag")),
            Some("EnvironmentFilter") => format!("environment:{}", field("environment")),
            Some("PullRequestFilter") => "pull_request".to_string(),
            Some("CustomFilter") => field("filter"),
            _ => {
                subjects.push(eval.unresolved(f, "a subject filter the audit does not model"));
                continue;
            }
        };
        subjects.push(string(
            format!("repo:{owner}/{repo}:{tail}"),
            eval.base + f.start,
        ));
    }
    if filters.is_some()
        && subjects.is_empty()
        && let Some(f) = filters
    {
        eval.gap(f, "the subject filters");
    }
    let wild = subjects
        .iter()
        .any(|s| s.as_str().is_some_and(|s| s.contains('*')));
    let op = if wild { "StringLike" } else { "StringEquals" };
    let sub = node(Value::Array(subjects), at);
    github_statement(provider(eval, args, at), op, sub, true, at)
}

/// `cdk-pipelines-github`'s `GitHubActionRole({repos, subjectClaims})`: `repo:R:*` for each
/// repository plus the claims as written, under `StringLike`, and no `aud` condition.
fn pipelines_role(eval: &Eval<'_>, args: &[super::ast::Arg], at: usize) -> Node {
    let mut subjects = Vec::new();
    if let Some(repos) = prop(args, "repos") {
        for r in eval.eval(repos, &[], 0).one_or_many() {
            let name = text(r).unwrap_or_default();
            subjects.push(string(format!("repo:{name}:*"), r.offset));
        }
    }
    if let Some(claims) = prop(args, "subjectClaims") {
        subjects.extend(eval.eval(claims, &[], 0).one_or_many().into_iter().cloned());
    }
    let sub = node(Value::Array(subjects), at);
    github_statement(provider(eval, args, at), "StringLike", sub, false, at)
}

/// What a role may do: written in its props, by methods called on it, and by the policies and
/// attachments of the file that name it.
fn power(eval: &Eval<'_>, role: &Role<'_>) -> Power {
    let mark = eval.mark();
    let mut power = Power::default();
    let Some((callee, args)) = role.site.call.as_call() else {
        return power;
    };
    let ev = |x: &Expr| eval.eval(x, &[], 0);
    // The props as written, then those spread into them (`{...common, assumedBy}`,
    // `**common`): a spread that does not resolve may hold policies, so it is listed.
    let mut props: Vec<(String, Node)> = Vec::new();
    for name in ["managedPolicies", "managedPolicyArns", "inlinePolicies"] {
        if let Some(x) = prop(args, name) {
            props.push((name.to_string(), ev(x)));
        }
    }
    for spread in spreads(args) {
        match eval.inner(spread, &[], 0) {
            Some(v) if v.members().is_some() => {
                for m in v.members().unwrap_or(&[]) {
                    let key = super::ast::camel(&m.key);
                    if !props.iter().any(|(k, _)| *k == key) {
                        props.push((key, m.value.clone()));
                    }
                }
            }
            _ => power.unknown.push(format!(
                "props spread from `{}` (not resolved)",
                eval.quote(spread)
            )),
        }
    }
    for (name, v) in &props {
        match name.as_str() {
            "managedPolicies" | "managedPolicyArns" => {
                for policy in v.one_or_many() {
                    attach(&mut power, policy);
                }
            }
            "inlinePolicies" => inline(&mut power, v),
            _ => {}
        }
    }
    if callee.last_name().as_deref() == Some("GitHubActionRole") {
        // Its built-in policy: it assumes the CDK bootstrap roles, whose deploy role hands
        // templates to the CloudFormation execution role (AdministratorAccess by default).
        let at = eval.base + role.site.call.start;
        let doc = obj(
            vec![(
                "Statement",
                node(
                    Value::Array(vec![obj(
                        vec![
                            ("Effect", string("Allow", at)),
                            ("Action", string("sts:AssumeRole", at)),
                            ("Resource", string("arn:aws:iam::*:role/cdk-*", at)),
                        ],
                        at,
                    )]),
                    at,
                ),
            )],
            at,
        );
        power.add_document("policy AssumeBootstrapRoles", &doc);
        power.unknown.push("the CDK bootstrap roles it assumes (the CloudFormation execution role holds AdministratorAccess unless bootstrapped otherwise)".into());
    }
    for site in &eval.program.sites {
        if std::ptr::eq(site, role.site) {
            continue;
        }
        others(eval, role, site, &mut power);
    }
    eval.reset(mark);
    power
}

/// A role's `inlinePolicies`: CDK's `{Name: document}`, Pulumi's `[{name, policy}]`.
fn inline(power: &mut Power, v: &Node) {
    match &v.value {
        Value::Object(members) => {
            for m in members {
                add(power, &format!("inline policy {}", m.key), &m.value);
            }
        }
        Value::Array(items) => {
            for i in items {
                let name = i.get("name").and_then(text).unwrap_or_default();
                match i.get("policy") {
                    Some(p) => add(power, &format!("inline policy {name}"), p),
                    None => power.unknown.push(format!("inline policy {name}")),
                }
            }
        }
        _ => power.unknown.push("inline policies (not resolved)".into()),
    }
}

/// The expressions spread into a construct's props: `...x` in its object argument, `**x` and
/// `*x` in a Python call.
fn spreads(args: &[super::ast::Arg]) -> Vec<&Expr> {
    let mut out: Vec<&Expr> = args.iter().filter(|a| a.spread).map(|a| &a.value).collect();
    if let Some(Kind::Object(ps)) = args
        .iter()
        .rev()
        .find(|a| a.name.is_none() && !a.spread && matches!(a.value.kind, Kind::Object(_)))
        .map(|a| &a.value.kind)
    {
        out.extend(ps.iter().filter_map(|p| match p {
            Prop::Spread(x) => Some(x),
            _ => None,
        }));
    }
    out
}

/// What one other call of the file gives the role.
fn others(eval: &Eval<'_>, role: &Role<'_>, site: &Site, power: &mut Power) {
    let Some((callee, args)) = site.call.as_call() else {
        return;
    };
    let Some(last) = callee.last_name() else {
        return;
    };
    let ev = |x: &Expr| eval.eval(x, &[], 0);
    let on_role = matches!(&callee.kind, Kind::Member(r, _) if names(r, role));
    match last.as_str() {
        "addManagedPolicy" if on_role => {
            if let Some(p) = positional(args, 0).or_else(|| prop(args, "policy")) {
                attach(power, &ev(p));
            }
        }
        "addToPolicy" | "addToPrincipalPolicy" if on_role => {
            if let Some(st) = positional(args, 0).or_else(|| prop(args, "statement")) {
                let statement = ev(st);
                let at = statement.offset;
                let doc = obj(
                    vec![("Statement", node(Value::Array(vec![statement]), at))],
                    at,
                );
                add(power, &last, &doc);
            }
        }
        "attachInlinePolicy" if on_role => {
            if let Some(p) = positional(args, 0).or_else(|| prop(args, "policy")) {
                add(power, "attached policy", &ev(p));
            }
        }
        "Policy" | "ManagedPolicy" if lists_role(prop(args, "roles"), role) => {
            let source = format!("policy {}", id_of(eval, args).unwrap_or_default());
            add(power, source.trim_end(), &ev(&site.call));
        }
        "RolePolicyAttachment" if prop(args, "role").is_some_and(|r| names(r, role)) => {
            if let Some(arn) = prop(args, "policyArn") {
                attach(power, &policy_arn(eval, arn));
            }
        }
        "PolicyAttachment" if lists_role(prop(args, "roles"), role) => {
            if let Some(arn) = prop(args, "policyArn") {
                attach(power, &policy_arn(eval, arn));
            }
        }
        "RolePolicy" if prop(args, "role").is_some_and(|r| names(r, role)) => {
            let source = format!("inline policy {}", id_of(eval, args).unwrap_or_default());
            match prop(args, "policy") {
                Some(p) => add(power, source.trim_end(), &ev(p)),
                None => power.unknown.push(source),
            }
        }
        // `bucket.grantReadWrite(role)`: what the grant gives is in the construct's code.
        name if name.starts_with("grant")
            && !on_role
            && args.iter().any(|a| names(&a.value, role)) =>
        {
            power
                .unknown
                .push(format!("`{}` (a grant)", eval.quote(&site.call)));
        }
        _ => {}
    }
}

/// The first string argument: a CDK construct's id after its scope, or a Pulumi name.
fn id_of(eval: &Eval<'_>, args: &[super::ast::Arg]) -> Option<String> {
    (0..2)
        .filter_map(|i| positional(args, i))
        .find_map(|x| match &x.kind {
            Kind::Str(_) | Kind::Template(_) => text(&eval.eval(x, &[], 0)),
            _ => None,
        })
}

/// Whether an expression names the role: its variable (`role`, `this.role`), an attribute of it
/// (`role.name`, `role.roleName`, `role.id`), or its name as a string.
fn names(e: &Expr, role: &Role<'_>) -> bool {
    if let Kind::Str(s) = &e.kind {
        return Some(s) == role.name.as_ref() || *s == role.id;
    }
    let (Some(bound), Some(path)) = (role.site.bound.as_deref(), e.path()) else {
        return false;
    };
    path == bound
        || path
            .strip_prefix(bound)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|attr| {
                matches!(
                    super::ast::camel(attr).as_str(),
                    "name" | "id" | "arn" | "roleName" | "roleArn"
                )
            })
}

fn lists_role(list: Option<&Expr>, role: &Role<'_>) -> bool {
    match list.map(|l| &l.kind) {
        Some(Kind::Array(items)) => items.iter().any(|i| match i {
            super::ast::Item::One(x) => names(x, role),
            super::ast::Item::Spread(_) => false,
        }),
        Some(Kind::Object(props)) => props
            .iter()
            .any(|p| matches!(p, Prop::Pair { value, .. } if names(value, role))),
        _ => false,
    }
}

/// An attached policy: an ARN, or the document of a customer-managed policy of the file
/// (`new iam.ManagedPolicy(this, id, {statements})`).
fn attach(power: &mut Power, policy: &Node) {
    match &policy.value {
        Value::Object(_) => power.add_document("customer-managed policy", policy),
        _ => power.attach(&text(policy).unwrap_or_else(|| "${…}".into())),
    }
}

/// A `policyArn`: `policy.arn` of an `aws.iam.Policy` of the file is its document, anything
/// else the ARN it evaluates to.
fn policy_arn(eval: &Eval<'_>, arn: &Expr) -> Node {
    if let Kind::Member(policy, attr) = &arn.kind
        && attr == "arn"
        && let Some(document) = eval.inner(policy, &[], 0)
        && document.members().is_some()
    {
        return document;
    }
    eval.eval(arn, &[], 0)
}

/// Adds a permission policy value: an object, or JSON text.
fn add(power: &mut Power, source: &str, v: &Node) {
    match &v.value {
        Value::Object(_) => power.add_document(source, v),
        Value::String(s) if !s.starts_with("${") => match json::parse(s, "") {
            Ok(parsed) => power.add_document(source, &parsed.root),
            Err(_) => power.unknown.push(format!("{source} (not JSON)")),
        },
        _ => power.unknown.push(format!("{source} (not resolved)")),
    }
}
