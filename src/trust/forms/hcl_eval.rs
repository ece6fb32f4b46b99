//! Evaluates the Terraform expressions a trust policy is written with into [`Node`] trees whose
//! offsets point at the value in the source the user wrote. Pure: files named by
//! `templatefile()`/`file()` come through [`Files`].
//!
//! What is resolved: literals, lists, objects, string templates and heredocs, `local.*`,
//! `var.*` (their defaults), `data.aws_iam_policy_document.*.json`, the ARN of an
//! `aws_iam_openid_connect_provider` declared in the module, `dynamic` block iterators,
//! `jsonencode`, `templatefile`, `file`, `concat`, `tolist`, `toset`, `flatten`, `join`,
//! `format` (`%s`), `lower`, `upper`. Everything else (a variable without a default, a
//! resource attribute, `for` expressions, arithmetic) becomes the text `${…}` it was written as,
//! and an assumption naming it is recorded: never skipped silently.

use std::cell::RefCell;
use std::collections::HashMap;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Directive, Element, Template};

use super::{Files, node, object, string};
use crate::trust::document::SourceMap;
use crate::trust::json::{Node, Value};

/// Recursion bound: a local that refers to itself, or a deep chain of them.
const MAX_EVAL_DEPTH: usize = 32;

/// Expressions evaluated per module at most: locals that each refer twice to the next grow
/// exponentially (`a = [local.b, local.b]`, `b = [local.c, local.c]`, …) within the depth
/// bound; past this budget every further value is unresolved.
const MAX_EVAL_STEPS: usize = 200_000;

/// One piece of a string built from a template: where its text starts in the string and in the
/// sources, and whether it is literal text (offsets inside it map one to one).
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    pub at: usize,
    pub source: usize,
    pub literal: bool,
}

/// The declarations of one module that expressions can refer to.
#[derive(Default)]
pub struct Scope<'a> {
    /// `locals { name = … }`: expression and the base offset of its file.
    pub locals: HashMap<String, (&'a Expression, usize)>,
    /// `variable "name" { default = … }`: the default if any, and the block's offset.
    pub variables: HashMap<String, (Option<&'a Expression>, usize)>,
    /// `data "aws_iam_policy_document" "name"`.
    pub policy_documents: HashMap<String, (&'a Block, usize, String)>,
    /// `aws_iam_openid_connect_provider` resources and data sources: name → issuer host.
    pub oidc_providers: HashMap<String, String>,
    /// The file each base offset belongs to (for relative `templatefile()` paths).
    pub files: Vec<(usize, String)>,
    /// Object keys written twice, renamed for the parser: offset → the name written.
    pub renamed: HashMap<usize, String>,
}

/// The evaluator: a scope, the files, and what it had to assume.
pub struct Eval<'a> {
    pub scope: &'a Scope<'a>,
    pub map: RefCell<&'a mut SourceMap>,
    pub files: &'a dyn Files,
    /// (offset, what was assumed).
    pub assumptions: RefCell<Vec<(usize, String)>>,
    /// How strings built from templates map back to the sources, by the string node's offset.
    pub pieces: RefCell<HashMap<usize, Vec<Piece>>>,
    /// Policy documents being built (a document cannot include itself).
    pub building: RefCell<Vec<String>>,
    /// Texts of templates read, kept alive for parsing.
    pub templates: RefCell<Vec<String>>,
    /// Expressions evaluated so far (see `MAX_EVAL_STEPS`).
    pub steps: std::cell::Cell<usize>,
}

/// Where an expression is evaluated: its file's base offset and the names bound there
/// (`dynamic` iterators, template variables).
#[derive(Clone)]
pub struct Cx {
    pub base: usize,
    pub bindings: Vec<(String, Node)>,
    pub depth: usize,
}

impl Cx {
    pub fn new(base: usize) -> Cx {
        Cx {
            base,
            bindings: Vec::new(),
            depth: 0,
        }
    }

    fn deeper(&self, base: usize) -> Cx {
        Cx {
            base,
            bindings: self.bindings.clone(),
            depth: self.depth + 1,
        }
    }
}

fn start(span: Option<std::ops::Range<usize>>) -> usize {
    span.map_or(0, |r| r.start)
}

impl<'a> Eval<'a> {
    pub fn new(scope: &'a Scope<'a>, map: &'a mut SourceMap, files: &'a dyn Files) -> Self {
        Eval {
            scope,
            map: RefCell::new(map),
            files,
            assumptions: RefCell::new(Vec::new()),
            pieces: RefCell::new(HashMap::new()),
            building: RefCell::new(Vec::new()),
            templates: RefCell::new(Vec::new()),
            steps: std::cell::Cell::new(0),
        }
    }

    /// Records an assumption at `offset`.
    pub fn assume(&self, offset: usize, message: String) {
        let mut list = self.assumptions.borrow_mut();
        if !list.iter().any(|(o, m)| *o == offset && *m == message) {
            list.push((offset, message));
        }
    }

    /// The source text of the expression at `offset` (for messages), from the source map.
    fn source_text(&self, expr: &Expression, cx: &Cx) -> String {
        let Some(span) = expr.span() else {
            return "…".into();
        };
        let map = self.map.borrow();
        map.file_at(cx.base + span.start)
            .and_then(|(_, text, at)| text.get(at..at + span.len()))
            .map_or_else(
                || "…".into(),
                |t| t.split_whitespace().collect::<Vec<_>>().join(" "),
            )
    }

    fn unresolved(&self, expr: &Expression, cx: &Cx, why: &str) -> Node {
        let offset = cx.base + start(expr.span());
        let text = self.source_text(expr, cx);
        self.assume(
            offset,
            format!("`{text}` is not resolved ({why}): read as one value without wildcards"),
        );
        string(format!("${{{text}}}"), offset)
    }

    /// Evaluates an expression.
    pub fn eval(&self, expr: &Expression, cx: &Cx) -> Node {
        let offset = cx.base + start(expr.span());
        if cx.depth > MAX_EVAL_DEPTH {
            return self.unresolved(expr, cx, "references nest too deep or refer to themselves");
        }
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > MAX_EVAL_STEPS {
            return string("${…}", offset);
        }
        match expr {
            Expression::Null(_) => node(Value::Null, offset),
            Expression::Bool(b) => node(Value::Bool(**b), offset),
            Expression::Number(n) => node(Value::Number(n.to_string()), offset),
            Expression::String(s) => string(s.as_str(), offset),
            Expression::Array(items) => node(
                Value::Array(items.iter().map(|e| self.eval(e, cx)).collect()),
                offset,
            ),
            Expression::Object(obj) => {
                let members = obj
                    .iter()
                    .map(|(key, value)| {
                        let key_offset = cx.base + start(key.span());
                        let name = match (self.scope.renamed.get(&key_offset), key) {
                            (Some(name), _) => name.clone(),
                            (None, ObjectKey::Ident(id)) => id.as_str().to_string(),
                            (None, ObjectKey::Expression(e)) => text_of(&self.eval(e, cx)),
                        };
                        (name, key_offset, self.eval(value.expr(), cx))
                    })
                    .collect();
                object(members, offset)
            }
            Expression::StringTemplate(t) => self.template(t, cx, offset),
            Expression::HeredocTemplate(h) => {
                let at = cx.base + start(h.template.span()).max(start(h.span()));
                self.template(&h.template, cx, at)
            }
            Expression::Parenthesis(p) => self.eval(p.inner(), cx),
            Expression::Variable(v) => {
                match cx.bindings.iter().rev().find(|(n, _)| n == v.as_str()) {
                    Some((_, value)) => value.clone(),
                    None => self.unresolved(expr, cx, "an unknown name"),
                }
            }
            Expression::Traversal(t) => self.traversal(expr, &t.expr, &t.operators, cx),
            Expression::FuncCall(call) => {
                let args: Vec<&Expression> = call.args.iter().collect();
                self.call(expr, call.name.name.as_str(), &args, cx)
            }
            Expression::Conditional(c) => {
                let cond = self.eval(&c.cond_expr, &cx.deeper(cx.base));
                match cond.value {
                    Value::Bool(b) => self.eval(if b { &c.true_expr } else { &c.false_expr }, cx),
                    _ => {
                        self.assume(
                            offset,
                            format!(
                                "`{}` is not resolved: read its first branch",
                                self.source_text(&c.cond_expr, cx)
                            ),
                        );
                        self.eval(&c.true_expr, cx)
                    }
                }
            }
            Expression::ForExpr(_) | Expression::UnaryOp(_) | Expression::BinaryOp(_) => self
                .unresolved(
                    expr,
                    cx,
                    "`for` expressions and operators are not evaluated",
                ),
        }
    }

    /// A template as a string; a template that is one interpolation is that value.
    fn template(&self, t: &Template, cx: &Cx, offset: usize) -> Node {
        let elements: Vec<&Element> = t.iter().collect();
        if let [Element::Interpolation(i)] = elements.as_slice() {
            return self.eval(&i.expr, cx);
        }
        let mut out = String::new();
        let mut pieces = Vec::new();
        self.render(&elements, cx, &mut out, &mut pieces);
        self.pieces.borrow_mut().insert(offset, pieces);
        string(out, offset)
    }

    fn render(&self, elements: &[&Element], cx: &Cx, out: &mut String, pieces: &mut Vec<Piece>) {
        for element in elements {
            match element {
                Element::Literal(lit) => {
                    let from = cx.base + start(lit.span());
                    let len = lit.span().map_or(0, |r| r.len());
                    self.literal_pieces(from, len, lit.as_str(), out.len(), pieces);
                    out.push_str(lit.as_str());
                }
                Element::Interpolation(i) => {
                    let value = self.eval(&i.expr, cx);
                    pieces.push(Piece {
                        at: out.len(),
                        source: value.offset,
                        literal: false,
                    });
                    match &value.value {
                        // `jsonencode(…)` interpolated: each value of the JSON text maps back
                        // to where it is written.
                        Value::Array(_) | Value::Object(_) => json_pieces(&value, out, pieces),
                        _ => out.push_str(&text_of(&value)),
                    }
                }
                Element::Directive(d) => {
                    let at = cx.base + start(d.span());
                    let what = match &**d {
                        Directive::If(_) => "`%{if}`",
                        Directive::For(_) => "`%{for}`",
                    };
                    self.assume(
                        at,
                        format!("the template directive {what} is not evaluated: left out"),
                    );
                }
            }
        }
    }

    /// Pieces for literal text, one per line: a `<<-` heredoc strips each line's indentation,
    /// so the text and its source drift apart line by line; matching lines keeps each line's
    /// offsets right.
    fn literal_pieces(
        &self,
        from: usize,
        len: usize,
        text: &str,
        at: usize,
        pieces: &mut Vec<Piece>,
    ) {
        let map = self.map.borrow();
        let source = map
            .file_at(from)
            .and_then(|(_, t, o)| t.get(o..o + len))
            .filter(|s| s.matches('\n').count() == text.matches('\n').count());
        let Some(source) = source else {
            pieces.push(Piece {
                at,
                source: from,
                literal: true,
            });
            return;
        };
        let (mut s_off, mut o_off) = (0, 0);
        for (sl, ol) in source.split_inclusive('\n').zip(text.split_inclusive('\n')) {
            let indent = sl.len() - sl.trim_start_matches([' ', '\t']).len();
            let strip = sl.len().saturating_sub(ol.len()).min(indent);
            pieces.push(Piece {
                at: at + o_off,
                source: from + s_off + strip,
                literal: true,
            });
            s_off += sl.len();
            o_off += ol.len();
        }
    }

    fn traversal(
        &self,
        whole: &Expression,
        root: &Expression,
        ops: &[hcl_edit::Decorated<TraversalOperator>],
        cx: &Cx,
    ) -> Node {
        let attrs: Vec<Option<&str>> = ops
            .iter()
            .map(|op| match &**op {
                TraversalOperator::GetAttr(id) => Some(id.as_str()),
                _ => None,
            })
            .collect();
        let name = match root {
            Expression::Variable(v) => v.as_str(),
            _ => return self.unresolved(whole, cx, "not a reference"),
        };
        let (value, used) = match (name, attrs.first().copied().flatten()) {
            ("var", Some(var)) => match self.scope.variables.get(var) {
                Some((Some(default), base)) => (self.eval(default, &cx.deeper(*base)), 1),
                Some((None, _)) => {
                    return self.unresolved(whole, cx, "the variable has no default");
                }
                None => return self.unresolved(whole, cx, "no such variable in the module"),
            },
            // Paths relative to the module: `templatefile()` resolves them from the file's
            // directory.
            ("path", Some("module" | "root" | "cwd")) => {
                return string(".", cx.base + start(whole.span()));
            }
            ("local", Some(local)) => match self.scope.locals.get(local) {
                Some((e, base)) => (self.eval(e, &cx.deeper(*base)), 1),
                None => return self.unresolved(whole, cx, "no such local in the module"),
            },
            ("data", Some("aws_iam_policy_document")) => {
                let Some(doc) = attrs.get(1).copied().flatten() else {
                    return self.unresolved(whole, cx, "not a document");
                };
                match self.scope.policy_documents.get(doc) {
                    Some((block, base, _))
                        if !self.building.borrow().contains(&doc.to_string()) =>
                    {
                        self.building.borrow_mut().push(doc.to_string());
                        let built = super::hcl::policy_document(self, block, &cx.deeper(*base));
                        self.building.borrow_mut().pop();
                        return built;
                    }
                    _ => {
                        return self.unresolved(
                            whole,
                            cx,
                            "no such `aws_iam_policy_document` in the module",
                        );
                    }
                }
            }
            ("data" | "aws_iam_openid_connect_provider", _) => {
                let (kind, label) = if name == "data" {
                    (
                        attrs.first().copied().flatten(),
                        attrs.get(1).copied().flatten(),
                    )
                } else {
                    (Some(name), attrs.first().copied().flatten())
                };
                let last = attrs.last().copied().flatten();
                let offset = cx.base + start(whole.span());
                match (kind, label, last) {
                    (Some("aws_iam_openid_connect_provider"), Some(label), Some("arn")) => {
                        if let Some(host) = self.scope.oidc_providers.get(label) {
                            return string(
                                format!("arn:aws:iam::123456789012:oidc-provider/{host}"),
                                offset,
                            );
                        }
                        return self.unresolved(whole, cx, "no such OIDC provider in the module");
                    }
                    (Some("aws_caller_identity"), _, Some("account_id")) => {
                        return string("123456789012", offset);
                    }
                    (Some("aws_partition"), _, Some("partition")) => return string("aws", offset),
                    _ => return self.unresolved(whole, cx, "a resource or data source attribute"),
                }
            }
            _ => match cx.bindings.iter().rev().find(|(n, _)| n == name) {
                Some((_, v)) => (v.clone(), 0),
                None => {
                    return self.unresolved(whole, cx, "a resource attribute or an unknown name");
                }
            },
        };
        let mut value = value;
        for op in &ops[used..] {
            let next = match &**op {
                TraversalOperator::GetAttr(id) => value.get(id.as_str()).cloned(),
                TraversalOperator::Index(e) => {
                    let index = self.eval(e, cx);
                    match (&value.value, &index.value) {
                        (Value::Array(items), Value::Number(n)) => {
                            n.parse::<usize>().ok().and_then(|i| items.get(i).cloned())
                        }
                        (Value::Object(_), Value::String(k)) => value.get(k).cloned(),
                        _ => None,
                    }
                }
                TraversalOperator::LegacyIndex(i) => match &value.value {
                    Value::Array(items) => items.get(**i as usize).cloned(),
                    _ => None,
                },
                _ => None,
            };
            match next {
                Some(n) => value = n,
                None => return self.unresolved(whole, cx, "the value has no such element"),
            }
        }
        value
    }

    fn call(&self, whole: &Expression, name: &str, args: &[&Expression], cx: &Cx) -> Node {
        let offset = cx.base + start(whole.span());
        let vals = || args.iter().map(|a| self.eval(a, cx)).collect::<Vec<_>>();
        match (name, args.len()) {
            ("jsonencode" | "tolist" | "toset" | "tomap", 1) => self.eval(args[0], cx),
            ("concat", _) | ("flatten", 1) => {
                let mut items = Vec::new();
                for v in vals() {
                    match v.value {
                        Value::Array(inner) => items.extend(inner),
                        _ => items.push(v),
                    }
                }
                node(Value::Array(items), offset)
            }
            ("join", 2) => {
                let v = vals();
                let sep = text_of(&v[0]);
                let parts: Vec<String> = v[1].one_or_many().into_iter().map(text_of).collect();
                string(parts.join(&sep), offset)
            }
            ("lower", 1) => string(text_of(&self.eval(args[0], cx)).to_lowercase(), offset),
            ("upper", 1) => string(text_of(&self.eval(args[0], cx)).to_uppercase(), offset),
            ("format", n) if n >= 1 => {
                let v = vals();
                let mut rest = v[1..].iter();
                let fmt = text_of(&v[0]);
                let mut out = String::new();
                let mut parts = fmt.split("%s");
                out.push_str(parts.next().unwrap_or(""));
                for part in parts {
                    out.push_str(&rest.next().map(text_of).unwrap_or_default());
                    out.push_str(part);
                }
                string(out, offset)
            }
            ("templatefile" | "file", _) if !args.is_empty() => self.file(whole, name, args, cx),
            _ => self.unresolved(
                whole,
                cx,
                &format!("the function `{name}` is not evaluated"),
            ),
        }
    }

    /// `templatefile(path, vars)` and `file(path)`: the template is read, added to the source
    /// map, and rendered with `vars` bound.
    fn file(&self, whole: &Expression, name: &str, args: &[&Expression], cx: &Cx) -> Node {
        let path = text_of(&self.eval(args[0], cx));
        let path = path
            .replace("${path.module}/", "")
            .replace("${path.root}/", "")
            .trim_start_matches("./")
            .to_string();
        let from = self
            .scope
            .files
            .iter()
            .rev()
            .find(|(base, _)| *base <= cx.base)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let (shown, text) = match self.files.read(&from, &path) {
            Ok(found) => found,
            Err(why) => return self.unresolved(whole, cx, &why),
        };
        let base = self.map.borrow_mut().add(&shown, &text);
        if name == "file" {
            self.pieces.borrow_mut().insert(
                base,
                vec![Piece {
                    at: 0,
                    source: base,
                    literal: true,
                }],
            );
            return string(text, base);
        }
        if super::bracket_depth(&text) > super::MAX_NESTING {
            return self.unresolved(whole, cx, "the template nests too deep");
        }
        let template = match hcl_edit::parser::parse_template(&text) {
            Ok(t) => t,
            Err(e) => {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or("");
                return self.unresolved(
                    whole,
                    cx,
                    &format!("the template does not parse: {first}"),
                );
            }
        };
        let mut inner = cx.deeper(base);
        if let Some(vars) = args.get(1)
            && let Value::Object(members) = self.eval(vars, cx).value
        {
            inner.bindings = members.into_iter().map(|m| (m.key, m.value)).collect();
        }
        self.templates.borrow_mut().push(text);
        self.template(&template, &inner, base)
    }

    /// Where the interpolated value is, when `at` in the string at `string_offset` is text an
    /// interpolation produced.
    pub fn interpolated(&self, string_offset: usize, at: usize) -> Option<usize> {
        let pieces = self.pieces.borrow();
        let p = pieces
            .get(&string_offset)?
            .iter()
            .rev()
            .find(|p| p.at <= at)?;
        (!p.literal).then_some(p.source)
    }

    /// Maps an offset inside a string built from a template back to the sources.
    pub fn source_of(&self, string_offset: usize, at: usize) -> usize {
        let pieces = self.pieces.borrow();
        let Some(pieces) = pieces.get(&string_offset) else {
            return string_offset;
        };
        match pieces.iter().rev().find(|p| p.at <= at) {
            Some(p) if p.literal => p.source + (at - p.at),
            Some(p) => p.source,
            None => string_offset,
        }
    }
}

/// Writes a node as JSON text, with a piece for every value and key.
fn json_pieces(node: &Node, out: &mut String, pieces: &mut Vec<Piece>) {
    let piece = |out: &String, source: usize| Piece {
        at: out.len(),
        source,
        literal: false,
    };
    pieces.push(piece(out, node.offset));
    match &node.value {
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_pieces(item, out, pieces);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, m) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                pieces.push(piece(out, m.key_offset));
                out.push_str(&serde_json::Value::String(m.key.clone()).to_string());
                out.push(':');
                json_pieces(&m.value, out, pieces);
            }
            out.push('}');
        }
        _ => out.push_str(&crate::trust::json::to_text(node)),
    }
}

/// A scalar as text (lists and objects as JSON).
pub fn text_of(node: &Node) -> String {
    match &node.value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        _ => crate::trust::json::to_text(node),
    }
}

/// Attribute `name` of a body.
pub fn attr<'b>(body: &'b Body, name: &str) -> Option<&'b Expression> {
    body.attributes()
        .find(|a| a.key.as_str() == name)
        .map(|a| &a.value)
}
