//! CloudFormation (JSON or YAML, and CDK's synthesised templates): the trust policy of every
//! `AWS::IAM::Role`, with the intrinsics it is written with resolved. Pure: no I/O.
//!
//! Resolved: `Ref` to parameters (their `Default`), pseudo parameters, and OIDC providers of the
//! template (`AWS::IAM::OIDCProvider`, CDK's `Custom::AWSCDKOpenIdConnectProvider`: their ARN);
//! `Fn::GetAtt` of those providers; `Fn::Sub` (both forms, `${!Literal}` kept literal);
//! `Fn::Join`; `Fn::Select`; `Fn::If` (both branches as alternatives when they are strings,
//! else the first; noted). Anything else, and a parameter
//! without a default, is kept as the `${…}` text and noted as an assumption.

use std::collections::HashMap;

use super::{Found, node, string};
use crate::trust::document::SourceMap;
use crate::trust::json::{Member, Node, Parsed, Value};
use crate::trust::power::Power;

/// What the resolver knows about a template.
struct Template<'a> {
    parameters: HashMap<&'a str, Option<&'a Node>>,
    resources: HashMap<&'a str, &'a Node>,
    assumptions: Vec<(usize, String)>,
    depth: usize,
}

const PSEUDO: &[(&str, &str)] = &[
    ("AWS::AccountId", "123456789012"),
    ("AWS::Partition", "aws"),
    ("AWS::Region", "us-east-1"),
    ("AWS::URLSuffix", "amazonaws.com"),
    ("AWS::StackName", "stack"),
];

/// Reads every role's trust policy of a parsed template whose offsets point into `map`.
pub fn read(parsed: &Parsed, form: &str, map: &SourceMap) -> Vec<Found> {
    let root = &parsed.root;
    let mut t = Template {
        parameters: HashMap::new(),
        resources: HashMap::new(),
        assumptions: Vec::new(),
        depth: 0,
    };
    for m in root
        .get("Parameters")
        .and_then(Node::members)
        .unwrap_or(&[])
    {
        t.parameters.insert(&m.key, m.value.get("Default"));
    }
    let resources = root.get("Resources").and_then(Node::members).unwrap_or(&[]);
    for m in resources {
        t.resources.insert(&m.key, &m.value);
    }
    let mut found = Vec::new();
    for m in resources {
        let kind = m.value.get("Type").and_then(Node::as_str);
        if kind != Some("AWS::IAM::Role") {
            continue;
        }
        let props = m.value.get("Properties");
        let Some(doc) = props.and_then(|p| p.get("AssumeRolePolicyDocument")) else {
            continue;
        };
        t.assumptions.clear();
        let resolved = t.resolve(doc);
        let role_name = match props.and_then(|p| p.get("RoleName")).map(|n| t.resolve(n)) {
            Some(Node {
                value: Value::String(s),
                ..
            }) if !s.contains("${") => s,
            _ => m.key.clone(),
        };
        let resolved = match resolved.value {
            // A document written as a JSON string.
            Value::String(ref text) => match crate::trust::json::parse(text, "") {
                Ok(inner) => {
                    let mut inner = inner.root;
                    shift(&mut inner, resolved.offset);
                    inner
                }
                Err(_) => resolved,
            },
            _ => resolved,
        };
        let mut doc = super::document(resolved, map, &t.assumptions);
        doc.role_name = Some(role_name);
        let power = t.power(&m.key, props, resources);
        found.push(Found {
            doc,
            resource: m.key.clone(),
            form: form.into(),
            power: Some(power),
        });
    }
    found
}

fn shift(node: &mut Node, to: usize) {
    node.offset = to;
    match &mut node.value {
        Value::Array(items) => items.iter_mut().for_each(|i| shift(i, to)),
        Value::Object(members) => {
            for m in members {
                m.key_offset = to;
                shift(&mut m.value, to);
            }
        }
        _ => {}
    }
}

impl Template<'_> {
    /// What the role `key` may do: its `ManagedPolicyArns` and `Policies`, and the policy
    /// resources of the template that name it (`AWS::IAM::Policy`, `RolePolicy`,
    /// `ManagedPolicy` with `Roles`/`RoleName`: how CDK writes a role's grants). Values that
    /// do not resolve leave the power incomplete; they are not the trust policy's assumptions.
    fn power(&mut self, key: &str, props: Option<&Node>, resources: &[Member]) -> Power {
        fn list(n: Option<&Node>) -> Vec<&Node> {
            n.map(Node::one_or_many).unwrap_or_default()
        }
        let kept = self.assumptions.len();
        let mut power = Power::default();
        for arn in list(props.and_then(|p| p.get("ManagedPolicyArns"))) {
            self.attach(&mut power, arn);
        }
        for policy in list(props.and_then(|p| p.get("Policies"))) {
            let name = policy.get("PolicyName").map(|n| text(&self.resolve(n)));
            let source = format!("inline policy {}", name.unwrap_or_default());
            self.add_document(&mut power, source.trim_end(), policy.get("PolicyDocument"));
        }
        for m in resources {
            let kind = m.value.get("Type").and_then(Node::as_str).unwrap_or("");
            let Some(props) = m.value.get("Properties") else {
                continue;
            };
            if !POLICY_TYPES.contains(&kind) || !names_role(props, key) {
                continue;
            }
            let source = format!("{kind} {}", m.key);
            self.add_document(&mut power, &source, props.get("PolicyDocument"));
        }
        self.assumptions.truncate(kept);
        power
    }

    fn attach(&mut self, power: &mut Power, arn: &Node) {
        // A customer-managed policy of the template: its document is here.
        let local = arn.get("Ref").and_then(Node::as_str).and_then(|r| {
            let res = self.resources.get(r)?;
            (res.get("Type")?.as_str()? == "AWS::IAM::ManagedPolicy").then_some((r, *res))
        });
        match local {
            Some((name, res)) => {
                let doc = res.get("Properties").and_then(|p| p.get("PolicyDocument"));
                self.add_document(power, &format!("AWS::IAM::ManagedPolicy {name}"), doc);
            }
            None => power.attach(&text(&self.resolve(arn))),
        }
    }

    fn add_document(&mut self, power: &mut Power, source: &str, doc: Option<&Node>) {
        match doc {
            Some(doc) => {
                let resolved = self.resolve(doc);
                power.add_document(source, &resolved);
            }
            None => power
                .unknown
                .push(format!("{source} (no `PolicyDocument`)")),
        }
    }

    fn assume(&mut self, offset: usize, message: String) {
        if !self
            .assumptions
            .iter()
            .any(|(o, m)| *o == offset && *m == message)
        {
            self.assumptions.push((offset, message));
        }
    }

    fn resolve(&mut self, n: &Node) -> Node {
        if self.depth > 32 {
            return string("${…}", n.offset);
        }
        self.depth += 1;
        let out = self.resolve_inner(n);
        self.depth -= 1;
        out
    }

    fn resolve_inner(&mut self, n: &Node) -> Node {
        match &n.value {
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    let resolved = self.resolve(item);
                    // An `Fn::If` read as both branches, inside a list: its values join it.
                    match (item.get("Fn::If"), resolved.value) {
                        (Some(_), Value::Array(values)) => out.extend(values),
                        (_, value) => out.push(Node { value, ..resolved }),
                    }
                }
                node(Value::Array(out), n.offset)
            }
            Value::Object(members) => {
                if let [m] = members.as_slice()
                    && (m.key == "Ref" || m.key.starts_with("Fn::"))
                {
                    return self.intrinsic(&m.key, &m.value, n.offset);
                }
                let mut out = n.clone();
                if let Value::Object(ms) = &mut out.value {
                    for m in ms {
                        m.value = self.resolve(&m.value);
                    }
                }
                out
            }
            _ => n.clone(),
        }
    }

    fn unresolved(&mut self, what: &str, why: &str, offset: usize) -> Node {
        self.assume(
            offset,
            format!("`{what}` is not resolved ({why}): read as one value without wildcards"),
        );
        string(format!("${{{what}}}"), offset)
    }

    /// The value of a name as `Ref` or `${Name}` use it.
    fn name(&mut self, name: &str, offset: usize) -> Node {
        if let Some((_, v)) = PSEUDO.iter().find(|(p, _)| *p == name) {
            return string(*v, offset);
        }
        if let Some(param) = self.parameters.get(name).copied() {
            return match param {
                Some(default) => self.resolve(default),
                None => self.unresolved(name, "the parameter has no default", offset),
            };
        }
        if let Some((resource, attr)) = name.split_once('.') {
            return self.attribute(resource, attr, offset);
        }
        match self.provider_arn(name) {
            Some(arn) => string(arn, offset),
            None => self.unresolved(name, "a resource or an unknown name", offset),
        }
    }

    fn provider_arn(&self, resource: &str) -> Option<String> {
        let r = self.resources.get(resource)?;
        let kind = r.get("Type")?.as_str()?;
        if kind != "AWS::IAM::OIDCProvider" && kind != "Custom::AWSCDKOpenIdConnectProvider" {
            return None;
        }
        let url = r.get("Properties")?.get("Url")?.as_str()?;
        let host = crate::github::provider_for_issuer(url);
        Some(format!("arn:aws:iam::123456789012:oidc-provider/{host}"))
    }

    fn attribute(&mut self, resource: &str, attr: &str, offset: usize) -> Node {
        match (self.provider_arn(resource), attr) {
            (Some(arn), "Arn") => string(arn, offset),
            _ => self.unresolved(
                &format!("{resource}.{attr}"),
                "a resource attribute",
                offset,
            ),
        }
    }

    fn intrinsic(&mut self, key: &str, arg: &Node, offset: usize) -> Node {
        let arg = match key {
            // Sub's and If's strings are templates or names, not values to resolve first.
            "Fn::Sub" | "Fn::If" | "Fn::GetAtt" => arg.clone(),
            _ => self.resolve(arg),
        };
        let items = arg.one_or_many();
        match (key, &arg.value) {
            ("Ref", Value::String(name)) => self.name(name, offset),
            ("Fn::GetAtt", _) => match (
                items.first().and_then(|n| n.as_str()),
                items.get(1).and_then(|n| n.as_str()),
            ) {
                (Some(r), Some(a)) => self.attribute(r, a, offset),
                _ => self.unresolved("Fn::GetAtt", "malformed", offset),
            },
            ("Fn::Sub", _) => self.sub(&arg, offset),
            ("Fn::Join", Value::Array(parts)) if parts.len() == 2 => {
                let sep = text(&parts[0]);
                let joined: Vec<String> = parts[1].one_or_many().into_iter().map(text).collect();
                string(joined.join(&sep), offset)
            }
            ("Fn::Select", Value::Array(parts)) if parts.len() == 2 => {
                let list = parts[1].one_or_many();
                match text(&parts[0])
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| list.get(i))
                {
                    Some(n) => (*n).clone(),
                    None => self.unresolved("Fn::Select", "index out of range", offset),
                }
            }
            ("Fn::If", Value::Array(parts)) if parts.len() == 3 => self.fn_if(parts, offset),
            _ => self.unresolved(key, "this intrinsic function is not evaluated", offset),
        }
    }

    /// `Fn::If`: when both branches are strings (a condition's values), both are read, as
    /// alternatives (a reviewer audits what either deployment admits); otherwise the first.
    fn fn_if(&mut self, parts: &[Node], offset: usize) -> Node {
        let condition = text(&parts[0]);
        let no_value = |n: &Node| n.get("Ref").and_then(Node::as_str) == Some("AWS::NoValue");
        let branches: Vec<Node> = parts[1..]
            .iter()
            .filter(|n| !no_value(n))
            .map(|n| self.resolve(n))
            .collect();
        let strings: Option<Vec<Node>> = branches
            .iter()
            .flat_map(|b| b.one_or_many())
            .map(|n| n.as_str().map(|_| n.clone()))
            .collect();
        match strings {
            Some(values) if !values.is_empty() => {
                self.assume(
                    offset,
                    format!("`Fn::If` on the condition `{condition}` is not evaluated: the values of both branches are read as alternatives"),
                );
                node(Value::Array(values), offset)
            }
            _ => {
                self.assume(
                    offset,
                    format!("`Fn::If` on the condition `{condition}` is not evaluated: read its first branch"),
                );
                branches
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| string("", offset))
            }
        }
    }

    fn sub(&mut self, arg: &Node, offset: usize) -> Node {
        let (template, vars) = match &arg.value {
            Value::String(s) => (s.clone(), None),
            Value::Array(parts) if !parts.is_empty() => (text(&parts[0]), parts.get(1)),
            _ => return self.unresolved("Fn::Sub", "malformed", offset),
        };
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let Some(end) = rest[at..].find('}') else {
                out.push_str(&rest[at..]);
                rest = "";
                break;
            };
            let name = &rest[at + 2..at + end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str(&format!("${{{literal}}}"));
            } else {
                let value = match vars.and_then(|v| v.get(name)) {
                    Some(v) => self.resolve(v),
                    None => self.name(name, offset),
                };
                out.push_str(&text(&value));
            }
            rest = &rest[at + end + 1..];
        }
        out.push_str(rest);
        string(out, offset)
    }
}

/// Resources that grant a role permissions by naming it.
const POLICY_TYPES: &[&str] = &[
    "AWS::IAM::Policy",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::ManagedPolicy",
];

/// Whether a policy resource's `Roles` (or `RoleName`) refers to the role `key`.
fn names_role(props: &Node, key: &str) -> bool {
    let refs = |n: &Node| n.get("Ref").and_then(Node::as_str) == Some(key);
    props
        .get("Roles")
        .map(|r| r.one_or_many().into_iter().any(refs))
        .unwrap_or(false)
        || props.get("RoleName").is_some_and(refs)
}

fn text(n: &Node) -> String {
    super::hcl::text_of(n)
}

#[cfg(test)]
mod tests;
