//! Expressions of a source file into values ([`Node`]s whose offsets point at where each part
//! was written): literals, names assigned once in the file, template literals and f-strings,
//! string concatenation, arrays and objects with spreads, member access into what is known,
//! lambdas applied to their receiver (Pulumi's `.apply`). Calls are handed to the construct
//! table above this file ([`Calls`]). Pure: no I/O.
//!
//! What does not resolve (an environment variable, CDK context, a function's result, a name
//! assigned twice) is the `${text}` it was written as, with the same assumption Terraform's and
//! CloudFormation's readers note ("read as one value without wildcards"), so `unresolved-value`
//! and calibration treat it alike. A spread whose members are not known is a gap: the readers
//! do not judge a trust policy with one (a missing member could be the `sub` condition).

use std::cell::{Cell, RefCell};

use super::ast::{Arg, Expr, Item, Kind, Piece, Program, Prop, pascal};
use crate::trust::forms::{node, object, string};
use crate::trust::json::{Member, Node, Value};

/// Evaluation steps per file before every further value is unresolved (a bound on hostile
/// input: names that refer to each other in long chains).
const MAX_STEPS: usize = 200_000;
/// References followed inside one value.
const MAX_DEPTH: usize = 48;

/// The account, partition and region CDK's stack properties stand for, as the CloudFormation
/// reader resolves `AWS::AccountId` and friends.
pub const ACCOUNT: &str = "123456789012";

/// Calls the construct table knows, given the evaluator, the call and its locals.
pub type Calls = fn(&Eval<'_>, &Call<'_>) -> Option<Node>;

/// A call being evaluated.
pub struct Call<'a> {
    pub whole: &'a Expr,
    pub callee: &'a Expr,
    pub args: &'a [Arg],
    /// `Role` in `iam.Role`, camelCase.
    pub last: String,
    pub locals: &'a [(String, Node)],
    pub depth: usize,
}

/// The evaluator of one file.
pub struct Eval<'p> {
    pub program: &'p Program,
    /// The file's text, to quote what is not resolved.
    pub text: &'p str,
    /// Where the file starts in the source map.
    pub base: usize,
    calls: Calls,
    assumptions: RefCell<Vec<(usize, String)>>,
    gaps: Cell<usize>,
    steps: Cell<usize>,
}

impl<'p> Eval<'p> {
    pub fn new(program: &'p Program, text: &'p str, base: usize, calls: Calls) -> Eval<'p> {
        Eval {
            program,
            text,
            base,
            calls,
            assumptions: RefCell::new(Vec::new()),
            gaps: Cell::new(0),
            steps: Cell::new(0),
        }
    }

    /// The assumptions noted so far, and how many gaps (unknown members) were met.
    pub fn mark(&self) -> (usize, usize) {
        (self.assumptions.borrow().len(), self.gaps.get())
    }

    /// Forgets what was noted since `mark` (what a role's power noted is not its trust
    /// policy's); returns whether gaps were met since.
    pub fn reset(&self, mark: (usize, usize)) -> bool {
        self.assumptions.borrow_mut().truncate(mark.0);
        let gapped = self.gaps.get() > mark.1;
        self.gaps.set(mark.1);
        gapped
    }

    /// The assumptions noted since `mark`.
    pub fn assumptions_since(&self, mark: (usize, usize)) -> Vec<(usize, String)> {
        self.assumptions.borrow()[mark.0..].to_vec()
    }

    /// Whether gaps were met since `mark`.
    pub fn gapped_since(&self, mark: (usize, usize)) -> bool {
        self.gaps.get() > mark.1
    }

    pub fn assume(&self, offset: usize, message: String) {
        let mut all = self.assumptions.borrow_mut();
        if !all.iter().any(|(o, m)| *o == offset && *m == message) {
            all.push((offset, message));
        }
    }

    /// Notes members that are not known (an unresolved spread).
    pub fn gap(&self, e: &Expr, what: &str) {
        self.gaps.set(self.gaps.get() + 1);
        self.assume(
            self.base + e.start,
            format!(
                "`{}` is not resolved: {what} are not known, so the trust policy is not judged on the rest",
                self.quote(e)
            ),
        );
    }

    /// The source of an expression on one line, cut at 80 characters.
    pub fn quote(&self, e: &Expr) -> String {
        // At most the first 240 bytes are looked at: a value quoted many times (past the step
        // budget) must not cost its whole length each time.
        let end = (e.start..=e.end.min(e.start + 240))
            .rev()
            .find(|&i| self.text.is_char_boundary(i))
            .unwrap_or(e.start);
        let written = self.text.get(e.start..end).unwrap_or("…");
        let one: String = written.split_whitespace().collect::<Vec<_>>().join(" ");
        if one.chars().count() > 80 {
            format!("{}…", one.chars().take(79).collect::<String>())
        } else {
            one
        }
    }

    /// The expression as the `${text}` it was written as, with the assumption that says why.
    pub fn unresolved(&self, e: &Expr, why: &str) -> Node {
        let text = self.quote(e);
        self.assume(
            self.base + e.start,
            format!("`{text}` is not resolved ({why}): read as one value without wildcards"),
        );
        string(format!("${{{text}}}"), self.base + e.start)
    }

    /// Evaluates a value something is taken from (an object, a receiver): `None`, with nothing
    /// noted, when it does not resolve, so only the outer expression is noted.
    pub fn inner(&self, e: &Expr, locals: &[(String, Node)], depth: usize) -> Option<Node> {
        let mark = self.mark();
        let v = self.eval(e, locals, depth);
        let unresolved = matches!(&v.value, Value::String(s) if s.starts_with("${") && s.ends_with('}'))
            && self.assumptions.borrow().len() > mark.0;
        if unresolved {
            self.assumptions.borrow_mut().truncate(mark.0);
            None
        } else {
            Some(v)
        }
    }

    /// Evaluates an expression.
    pub fn eval(&self, e: &Expr, locals: &[(String, Node)], depth: usize) -> Node {
        let at = self.base + e.start;
        if depth > MAX_DEPTH {
            return self.unresolved(e, "references nest too deep or refer to themselves");
        }
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > MAX_STEPS {
            return self.unresolved(e, "the file takes too many steps to evaluate");
        }
        match &e.kind {
            Kind::Str(s) => string(s.clone(), at),
            Kind::Num(n) => node(Value::Number(n.clone()), at),
            Kind::Bool(b) => node(Value::Bool(*b), at),
            Kind::Null => node(Value::Null, at),
            Kind::Template(pieces) => self.template(e, pieces, locals, depth),
            Kind::Add(l, r) => {
                let (l, r) = (self.eval(l, locals, depth), self.eval(r, locals, depth));
                match (text(&l), text(&r)) {
                    (Some(a), Some(b)) => string(a + &b, at),
                    _ => self.unresolved(e, "not a string"),
                }
            }
            Kind::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    match item {
                        Item::One(x) => out.push(self.eval(x, locals, depth)),
                        Item::Spread(x) => match self.eval(x, locals, depth) {
                            Node {
                                value: Value::Array(inner),
                                ..
                            } => out.extend(inner),
                            other => out.push(other),
                        },
                    }
                }
                node(Value::Array(out), at)
            }
            Kind::Object(props) => self.object(props, e, locals, depth),
            Kind::Name(name) => self.name(e, name, locals, depth),
            Kind::Member(object, name) => self.member(e, object, name, locals, depth),
            Kind::Index(object, index) => {
                let (Some(o), Some(i)) = (
                    self.inner(object, locals, depth),
                    self.inner(index, locals, depth),
                ) else {
                    return self.unresolved(e, "an element of a value not known");
                };
                let found = match (&o.value, &i.value) {
                    (Value::Array(items), Value::Number(n)) => {
                        n.parse::<usize>().ok().and_then(|n| items.get(n)).cloned()
                    }
                    (Value::Object(_), Value::String(k)) => o.get(k).cloned(),
                    _ => None,
                };
                found.unwrap_or_else(|| self.unresolved(e, "an element of a value not known"))
            }
            Kind::Call(callee, args) => {
                let call = Call {
                    whole: e,
                    callee,
                    args,
                    last: callee.last_name().unwrap_or_default(),
                    locals,
                    depth,
                };
                self.call(&call)
                    .unwrap_or_else(|| self.unresolved(e, "a call the audit does not evaluate"))
            }
            Kind::Lambda(..) => self.unresolved(e, "a function"),
            Kind::Other => self.unresolved(e, "an expression the audit does not evaluate"),
        }
    }

    fn template(
        &self,
        e: &Expr,
        pieces: &[Piece],
        locals: &[(String, Node)],
        depth: usize,
    ) -> Node {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Expr(x) => {
                    let v = self.eval(x, locals, depth);
                    match text(&v) {
                        Some(t) => out.push_str(&t),
                        None => {
                            let n = self.unresolved(x, "not a string");
                            out.push_str(&text(&n).unwrap_or_default());
                        }
                    }
                }
            }
        }
        string(out, self.base + e.start)
    }

    fn object(&self, props: &[Prop], e: &Expr, locals: &[(String, Node)], depth: usize) -> Node {
        let mut members: Vec<Member> = Vec::new();
        // Keys a spread added: a later key replaces them (a key written twice is kept, for
        // `duplicate-key` to report).
        let mut spread: Vec<String> = Vec::new();
        for p in props {
            match p {
                Prop::Pair { key, key_at, value } => {
                    if spread.contains(key) {
                        members.retain(|m| m.key != *key);
                        spread.retain(|k| k != key);
                    }
                    members.push(Member {
                        key: key.clone(),
                        key_offset: self.base + key_at,
                        value: self.eval(value, locals, depth),
                    })
                }
                Prop::Computed(k, value) => {
                    let key = self.eval(k, locals, depth);
                    match text(&key) {
                        Some(key) if !key.contains("${") => members.push(Member {
                            key,
                            key_offset: self.base + k.start,
                            value: self.eval(value, locals, depth),
                        }),
                        _ => {
                            self.gap(k, "the key it names and its value");
                        }
                    }
                }
                Prop::Spread(x) => match self.inner(x, locals, depth) {
                    Some(Node {
                        value: Value::Object(inner),
                        ..
                    }) => {
                        // A later key replaces an earlier one, as in the languages.
                        for m in inner {
                            members.retain(|k| k.key != m.key);
                            spread.push(m.key.clone());
                            members.push(m);
                        }
                    }
                    _ => self.gap(x, "the members it adds"),
                },
            }
        }
        node(Value::Object(members), self.base + e.start)
    }

    fn name(&self, e: &Expr, name: &str, locals: &[(String, Node)], depth: usize) -> Node {
        if let Some((_, v)) = locals.iter().rev().find(|(n, _)| n == name) {
            return v.clone();
        }
        match self.program.bindings.get(name).map(Vec::as_slice) {
            Some([one]) => {
                let mut v = self.eval(one, &[], depth + 1);
                // A string keeps the place it was written at; the use is one line away at most.
                if !matches!(v.value, Value::String(_)) {
                    v.offset = self.base + e.start;
                }
                v
            }
            Some(_) => self.unresolved(e, "assigned more than once in the file"),
            None => self.unresolved(e, "not assigned in this file"),
        }
    }

    fn member(
        &self,
        e: &Expr,
        object_expr: &Expr,
        name: &str,
        locals: &[(String, Node)],
        depth: usize,
    ) -> Node {
        let at = self.base + e.start;
        if let Some(v) = pseudo(object_expr, name) {
            return string(v, at);
        }
        let object_path = object_expr.path().unwrap_or_default();
        let holder = object_path.rsplit('.').next().unwrap_or("");
        // Pulumi's enum of AWS-managed policy ARNs (`aws.iam.ManagedPolicy.AdministratorAccess`,
        // Python `ADMINISTRATOR_ACCESS`).
        if matches!(holder, "ManagedPolicy" | "ManagedPolicies") && object_path.contains('.') {
            return string(format!("arn:aws:iam::aws:policy/{}", pascal(name)), at);
        }
        if holder == "Effect" {
            match name.to_ascii_uppercase().as_str() {
                "ALLOW" => return string("Allow", at),
                "DENY" => return string("Deny", at),
                _ => {}
            }
        }
        // `this.role`, `self.role`: a field assigned once in the file.
        if let Some(path) = e.path().filter(|p| p.starts_with("this."))
            && self.program.bindings.contains_key(&path)
        {
            return self.name(e, &path, locals, depth);
        }
        let Some(object) = self.inner(object_expr, locals, depth) else {
            return self.unresolved(e, "a member of a value not known");
        };
        match &object.value {
            Value::Object(_) => match object.get(name) {
                Some(v) => v.clone(),
                // `getPolicyDocument(…).json`: the document itself.
                None if name == "json" => object,
                None => self.unresolved(e, "a member of a value not known"),
            },
            // A provider's ARN (`provider.openIdConnectProviderArn`, Pulumi's `provider.arn`).
            Value::String(s)
                if s.contains(":oidc-provider/")
                    && ARN_MEMBERS.contains(&super::ast::camel(name).as_str()) =>
            {
                object
            }
            _ => self.unresolved(e, "a member of a value not known"),
        }
    }

    fn call(&self, call: &Call<'_>) -> Option<Node> {
        if let Some(v) = (self.calls)(self, call) {
            return Some(v);
        }
        let Kind::Member(receiver, _) = &call.callee.kind else {
            return None;
        };
        match call.last.as_str() {
            // `x.apply(v => …)`, `x.then(v => …)`: the lambda's body with `v` bound to `x`.
            "apply" | "then" => {
                let Some(Arg {
                    value:
                        Expr {
                            kind: Kind::Lambda(params, body),
                            ..
                        },
                    ..
                }) = call.args.first()
                else {
                    return None;
                };
                let value = self.eval(receiver, call.locals, call.depth);
                let mut locals = call.locals.to_vec();
                if let Some(p) = params.first().filter(|p| !p.is_empty()) {
                    locals.push((p.clone(), value));
                }
                Some(self.eval(body, &locals, call.depth + 1))
            }
            _ => None,
        }
    }
}

/// Member names that give a provider's ARN.
const ARN_MEMBERS: &[&str] = &[
    "arn",
    "openIdConnectProviderArn",
    "oidcProviderArn",
    "providerArn",
];

/// CDK's stack properties and `Aws.*` tokens: the values the CloudFormation reader uses for the
/// pseudo parameters they synthesise to.
fn pseudo(object: &Expr, name: &str) -> Option<String> {
    let stack = matches!(&object.kind, Kind::Name(n) if n == "this")
        || matches!(object.as_call(), Some((callee, _)) if callee.path().is_some_and(|p| p.ends_with("Stack.of")));
    let aws = object
        .path()
        .is_some_and(|p| p == "Aws" || p.ends_with(".Aws"));
    let v = match (name, stack, aws) {
        ("account", true, _) | ("ACCOUNT_ID", _, true) => ACCOUNT,
        ("partition", true, _) | ("PARTITION", _, true) => "aws",
        ("region", true, _) | ("REGION", _, true) => "us-east-1",
        ("urlSuffix", true, _) | ("url_suffix", true, _) | ("URL_SUFFIX", _, true) => {
            "amazonaws.com"
        }
        _ => return None,
    };
    Some(v.to_string())
}

/// A scalar's text (strings, numbers, booleans).
pub fn text(n: &Node) -> Option<String> {
    n.as_scalar_text()
}

/// An object node from members written by a reader (keys at `offset`).
pub fn obj(members: Vec<(&str, Node)>, offset: usize) -> Node {
    object(
        members
            .into_iter()
            .map(|(k, v)| (k.to_string(), offset, v))
            .collect(),
        offset,
    )
}

#[cfg(test)]
mod tests;
