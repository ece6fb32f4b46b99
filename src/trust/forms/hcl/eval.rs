//! Evaluates the Terraform expressions a trust policy is written with into [`Node`] trees whose
//! offsets point at the value in the source the user wrote. Pure: files named by
//! `templatefile()`/`file()` come through [`Files`].
//!
//! What is resolved: literals, lists, objects, string templates and heredocs, `local.*`,
//! `var.*` (a caller's argument, a value from the variable files, or the default),
//! `module.NAME.OUTPUT` of a module followed, `each.*` and `count.index`,
//! `data.aws_iam_policy_document.*.json`, the ARN of an `aws_iam_openid_connect_provider`
//! declared in the module, `dynamic` block iterators, and, through [`Builtins`], `for`
//! expressions, operators, template directives and the functions of the one table in
//! `functions.rs`. Everything else (a variable without a default, a resource attribute, any
//! other function) becomes the text `${…}` it was written as, and an assumption naming it is
//! recorded: never skipped silently.
//!
//! The evaluator calls what is built above it (the functions, the operators, the policy
//! documents, the modules called) through [`Builtins`], which `mod.rs` hands in, so this file
//! depends on none of them.

use std::cell::RefCell;
use std::collections::HashMap;

use hcl_edit::Span;
use hcl_edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{Block, Body};
use hcl_edit::template::{Directive, Element, Template};

use super::parse::{attr, labels, start};
use crate::trust::document::SourceMap;
use crate::trust::forms::{Files, node, object, string};
use crate::trust::json::{Node, Value};

/// Recursion bound: a local that refers to itself, or a deep chain of them.
const MAX_EVAL_DEPTH: usize = 32;

/// Expressions evaluated per module at most: locals that each refer twice to the next grow
/// exponentially (`a = [local.b, local.b]`, `b = [local.c, local.c]`, …) within the depth
/// bound; past this budget every further value is unresolved.
const MAX_EVAL_STEPS: usize = 200_000;

/// The note for values past [`MAX_EVAL_STEPS`].
const OVER_BUDGET: &str = "the module's expressions refer to each other more than 200,000 times (an exponential chain of locals?): this and every later value is read as `${…}`, one value without wildcards";

/// One piece of a string built from a template: where its text starts in the string and in the
/// sources, and whether it is literal text (offsets inside it map one to one).
#[derive(Debug, Clone, Copy)]
pub(super) struct Piece {
    pub at: usize,
    pub source: usize,
    pub literal: bool,
}

/// A module's files as parsed: path, base offset in the source map, body.
pub(super) type Bodies = [(String, usize, Body)];

/// The declarations of one module that expressions can refer to.
#[derive(Default)]
pub(super) struct Scope<'a> {
    /// `locals { name = … }`: expression and the base offset of its file.
    pub locals: HashMap<String, (&'a Expression, usize)>,
    /// `variable "name" { default = … }`: the default if any, and the base offset of its file.
    pub variables: HashMap<String, (Option<&'a Expression>, usize)>,
    /// `data "aws_iam_policy_document" "name"`: the block and the base offset of its file.
    pub policy_documents: HashMap<String, (&'a Block, usize)>,
    /// `data "template_file" "name"`: the block and the base offset of its file.
    pub template_files: HashMap<String, (&'a Block, usize)>,
    /// `aws_iam_openid_connect_provider` resources and data sources: name → issuer host.
    pub oidc_providers: HashMap<String, String>,
    /// The file each base offset belongs to (for relative `templatefile()` paths).
    pub files: Vec<(usize, String)>,
    /// Object keys written twice, renamed for the parser: offset → the name written.
    pub renamed: HashMap<usize, String>,
    /// `module "name" { … }` calls: the block and the base offset of its file.
    pub calls: HashMap<String, (&'a Block, usize)>,
    /// The values a caller gave this module's variables, evaluated in the caller's scope, with
    /// what the caller had to assume for each (empty for a root module).
    pub inputs: HashMap<String, (Node, Vec<(usize, String)>)>,
    /// Where this module stands: its key in `.terraform/modules/modules.json` (`ci.role`,
    /// empty for a root), the file the root's paths are relative to, and the directories being
    /// read through calls (cycles).
    pub place: Place,
}

/// Where a module instance stands in the tree of calls.
#[derive(Default, Clone)]
pub(super) struct Place {
    pub key: String,
    pub root_file: String,
    pub chain: Vec<String>,
}

impl<'a> Scope<'a> {
    /// The declarations of a module's files.
    pub(super) fn of(bodies: &'a Bodies) -> Scope<'a> {
        let mut scope = Scope::declared(bodies);
        // Then the values Terraform loads by itself, in its order (later wins): they replace
        // the defaults of declared variables; a value for an undeclared one is ignored, as
        // Terraform ignores it.
        let mut loaded: Vec<&(String, usize, Body)> = bodies
            .iter()
            .filter(|(path, _, _)| auto_loaded(path).is_some())
            .collect();
        loaded.sort_by_key(|(path, _, _)| auto_loaded(path));
        for (_, base, body) in loaded {
            for a in body.attributes() {
                if let Some(entry) = scope.variables.get_mut(a.key.as_str()) {
                    *entry = (Some(&a.value), *base);
                }
            }
        }
        scope
    }

    /// The declarations of a module's files, without the variable files: a module read through
    /// a call takes its values from the caller, and Terraform loads `terraform.tfvars` for the
    /// root module only.
    pub(super) fn declared(bodies: &'a Bodies) -> Scope<'a> {
        let mut scope = Scope::default();
        for (path, base, body) in bodies {
            scope.files.push((*base, path.clone()));
            for block in body.blocks() {
                scope.declare(block, *base);
            }
        }
        scope
    }

    /// Records one top-level block, if expressions can refer to it.
    fn declare(&mut self, block: &'a Block, base: usize) {
        match (block.ident.as_str(), labels(block).as_slice()) {
            ("locals", []) => {
                for a in block.body.attributes() {
                    self.locals
                        .insert(a.key.as_str().to_string(), (&a.value, base));
                }
            }
            ("module", [name]) => {
                self.calls.insert(name.to_string(), (block, base));
            }
            ("variable", [name]) => {
                // The file's base: spans are offsets in the file (the block's own offset
                // added here once put findings in a variable default lines below it).
                self.variables
                    .insert(name.to_string(), (attr(&block.body, "default"), base));
            }
            ("data", ["template_file", name]) => {
                self.template_files.insert(name.to_string(), (block, base));
            }
            ("data", ["aws_iam_policy_document", name]) => {
                self.policy_documents
                    .insert(name.to_string(), (block, base));
            }
            ("resource" | "data", ["aws_iam_openid_connect_provider", name]) => {
                let url = match attr(&block.body, "url") {
                    Some(Expression::String(s)) => s.as_str().to_string(),
                    _ if block.ident.as_str() == "data" => {
                        "token.actions.githubusercontent.com".into()
                    }
                    _ => return,
                };
                let host = crate::github::provider_for_issuer(&url);
                self.oidc_providers
                    .insert(name.to_string(), host.to_string());
            }
            _ => {}
        }
    }
}

/// Where a variable file stands in the order Terraform loads it without `-var-file`:
/// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)` by name. `None` for a file it does not load
/// by itself (`prod.tfvars` is for `-var-file`) and for `.tf` files.
pub(super) fn auto_loaded(path: &str) -> Option<(u8, String)> {
    let name = std::path::Path::new(path)
        .file_name()?
        .to_str()?
        .to_string();
    if name == "terraform.tfvars" {
        Some((0, name))
    } else if name == "terraform.tfvars.json" {
        Some((1, name))
    } else if name.ends_with(".auto.tfvars") || name.ends_with(".auto.tfvars.json") {
        Some((2, name))
    } else {
        None
    }
}

/// A Terraform function the evaluator calls: its name, the arguments it takes, and what it
/// does. The one table of them is in `functions.rs`.
pub(super) struct Function {
    pub name: &'static str,
    pub arity: Arity,
    pub call: fn(&Eval<'_>, &Call<'_>) -> Node,
}

/// How many arguments a function takes; a call with another number is not evaluated.
#[derive(Debug, Clone, Copy)]
pub(super) enum Arity {
    Exactly(usize),
    AtLeast(usize),
}

impl Arity {
    pub(super) fn admits(self, n: usize) -> bool {
        match self {
            Arity::Exactly(k) => n == k,
            Arity::AtLeast(k) => n >= k,
        }
    }
}

/// One function call being evaluated: its arguments as written (a function evaluates those it
/// needs, in its order), where it is, and the whole call (for notes).
pub(super) struct Call<'e> {
    pub whole: &'e Expression,
    pub args: &'e [&'e Expression],
    pub cx: &'e Cx,
    /// Where the call is written: the offset of the value it gives.
    pub offset: usize,
}

/// What the evaluator calls that is built above it, handed in by `mod.rs` so the files depend
/// one way: the functions (`functions.rs`) and the documents that
/// `data.aws_iam_policy_document.NAME.json` names (`policy_document.rs`).
pub(super) struct Builtins {
    pub functions: &'static [Function],
    pub policy_document: fn(&Eval<'_>, &Block, &Cx) -> Node,
    /// `data "template_file"`'s `rendered` (`functions.rs`).
    pub template_file: fn(&Eval<'_>, &Block, &Cx) -> Node,
    /// `for` expressions and operators (`operators.rs`).
    pub operator: fn(&Eval<'_>, &Expression, &Cx) -> Node,
    /// `%{for}` and `%{if}` in a template (`operators.rs`): appends the text they give.
    pub directive: fn(&Eval<'_>, &Directive, &Cx, &mut String, &mut Vec<Piece>),
    /// The outputs of `module.NAME`, followed (`calls.rs`), with what was assumed for them;
    /// `None` for a module that is not followed.
    pub module: fn(&Eval<'_>, &str) -> Option<Output>,
}

/// The outputs of a called module, with what each assumed: (output name, offset, note).
pub(super) type Output = (Node, Vec<(String, usize, String)>);

/// A document evaluated but not yet read (the source map is borrowed by the evaluator).
pub(super) struct Pending {
    pub root: Result<Node, (usize, String)>,
    pub resource: String,
    pub form: &'static str,
    pub role_name: Option<String>,
    pub assumptions: Vec<(usize, String)>,
    /// What the role may do, where the module says (`None` for a bare document).
    pub power: Option<crate::trust::power::Power>,
    /// The `module` calls the role was read through, outermost first (`main.tf:12`).
    pub via: Vec<String>,
}

/// The evaluator: a scope, the files, and what it had to assume.
pub(super) struct Eval<'a> {
    pub scope: &'a Scope<'a>,
    pub map: RefCell<&'a mut SourceMap>,
    pub files: &'a dyn Files,
    pub builtins: &'a Builtins,
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
    /// The modules called so far: name → their outputs (`None` while being read: a cycle).
    pub outputs: RefCell<HashMap<String, Option<Output>>>,
    /// The roles of the modules called so far, in the order they were read.
    pub called: RefCell<Vec<Pending>>,
}

/// Where an expression is evaluated: its file's base offset and the names bound there
/// (`dynamic` iterators, template variables).
#[derive(Clone)]
pub(super) struct Cx {
    pub base: usize,
    pub bindings: Vec<(String, Node)>,
    pub depth: usize,
}

impl Cx {
    pub(super) fn new(base: usize) -> Cx {
        Cx {
            base,
            bindings: Vec::new(),
            depth: 0,
        }
    }

    /// One reference deeper, in the file at `base` (a local, a variable, a template).
    pub(super) fn deeper(&self, base: usize) -> Cx {
        Cx {
            base,
            bindings: self.bindings.clone(),
            depth: self.depth + 1,
        }
    }
}

impl<'a> Eval<'a> {
    pub(super) fn new(
        scope: &'a Scope<'a>,
        map: &'a mut SourceMap,
        files: &'a dyn Files,
        builtins: &'a Builtins,
    ) -> Self {
        Eval {
            scope,
            map: RefCell::new(map),
            files,
            builtins,
            assumptions: RefCell::new(Vec::new()),
            pieces: RefCell::new(HashMap::new()),
            building: RefCell::new(Vec::new()),
            templates: RefCell::new(Vec::new()),
            steps: std::cell::Cell::new(0),
            outputs: RefCell::new(HashMap::new()),
            called: RefCell::new(Vec::new()),
        }
    }

    /// Records an assumption at `offset`.
    pub(super) fn assume(&self, offset: usize, message: String) {
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

    /// The expression as the text `${…}` it was written as, with the assumption that says why.
    pub(super) fn unresolved(&self, expr: &Expression, cx: &Cx, why: &str) -> Node {
        let offset = cx.base + start(expr.span());
        let text = self.source_text(expr, cx);
        self.assume(
            offset,
            format!("`{text}` is not resolved ({why}): read as one value without wildcards"),
        );
        string(format!("${{{text}}}"), offset)
    }

    /// Evaluates an expression.
    pub(super) fn eval(&self, expr: &Expression, cx: &Cx) -> Node {
        let offset = cx.base + start(expr.span());
        if cx.depth > MAX_EVAL_DEPTH {
            return self.unresolved(expr, cx, "references nest too deep or refer to themselves");
        }
        self.steps.set(self.steps.get() + 1);
        if self.steps.get() > MAX_EVAL_STEPS {
            // Said once per document: every value past the budget is unresolved.
            let said = self
                .assumptions
                .borrow()
                .iter()
                .any(|(_, m)| m == OVER_BUDGET);
            if !said {
                self.assume(offset, OVER_BUDGET.to_string());
            }
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
            Expression::ForExpr(_) | Expression::UnaryOp(_) | Expression::BinaryOp(_) => {
                (self.builtins.operator)(self, expr, cx)
            }
        }
    }

    /// A template as a string; a template that is one interpolation is that value.
    pub(super) fn template(&self, t: &Template, cx: &Cx, offset: usize) -> Node {
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

    pub(super) fn render(
        &self,
        elements: &[&Element],
        cx: &Cx,
        out: &mut String,
        pieces: &mut Vec<Piece>,
    ) {
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
                Element::Directive(d) => (self.builtins.directive)(self, d, cx, out, pieces),
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
            ("var", Some(var)) if self.scope.inputs.contains_key(var) => {
                let (value, assumed) = &self.scope.inputs[var];
                for (o, m) in assumed {
                    self.assume(*o, m.clone());
                }
                (value.clone(), 1)
            }
            ("module", Some(module)) => match self.module_outputs(module, &attrs[1..]) {
                Some(value) => (value, 1),
                None => return self.unresolved(whole, cx, "a module that is not followed"),
            },
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
            ("data", Some("template_file")) => {
                let file = attrs.get(1).copied().flatten();
                return match file.and_then(|f| self.scope.template_files.get(f)) {
                    Some((block, base)) if attrs.last() == Some(&Some("rendered")) => {
                        (self.builtins.template_file)(self, block, &cx.deeper(*base))
                    }
                    _ => self.unresolved(whole, cx, "no such `template_file` in the module"),
                };
            }
            ("data", Some("aws_iam_policy_document")) => {
                let Some(doc) = attrs.get(1).copied().flatten() else {
                    return self.unresolved(whole, cx, "not a document");
                };
                match self.scope.policy_documents.get(doc) {
                    Some((block, base)) if !self.building.borrow().contains(&doc.to_string()) => {
                        self.building.borrow_mut().push(doc.to_string());
                        let build = self.builtins.policy_document;
                        let built = build(self, block, &cx.deeper(*base));
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
                return self.data_attribute(whole, name, &attrs, cx);
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

    /// A data source's or provider's attribute: the ARN of an OIDC provider of the module, the
    /// account id and partition; anything else unresolved.
    fn data_attribute(
        &self,
        whole: &Expression,
        name: &str,
        attrs: &[Option<&str>],
        cx: &Cx,
    ) -> Node {
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
                match self.scope.oidc_providers.get(label) {
                    Some(host) => string(
                        format!("arn:aws:iam::123456789012:oidc-provider/{host}"),
                        offset,
                    ),
                    None => self.unresolved(whole, cx, "no such OIDC provider in the module"),
                }
            }
            (Some("aws_caller_identity"), _, Some("account_id")) => string("123456789012", offset),
            (Some("aws_partition"), _, Some("partition")) => string("aws", offset),
            (Some("aws_partition"), _, Some("dns_suffix")) => string("amazonaws.com", offset),
            _ => self.unresolved(whole, cx, "a resource or data source attribute"),
        }
    }

    /// The outputs of `module.NAME` (read once, then remembered), with their assumptions noted.
    /// `names`: what the reference reads after `module.NAME` (the output's name among them):
    /// only what that output assumed is noted; everything when it names none.
    pub(super) fn module_outputs(&self, name: &str, names: &[Option<&str>]) -> Option<Node> {
        let known = self.outputs.borrow().get(name).cloned();
        let (value, assumed) = match known {
            Some(known) => known?,
            None => {
                self.outputs.borrow_mut().insert(name.to_string(), None);
                let read = (self.builtins.module)(self, name);
                self.outputs
                    .borrow_mut()
                    .insert(name.to_string(), read.clone());
                read?
            }
        };
        let named = |output: &str| names.contains(&Some(output));
        let any = names.iter().all(Option::is_none);
        for (output, o, m) in assumed {
            if any || named(&output) {
                self.assume(o, m);
            }
        }
        Some(value)
    }

    /// A function call: by the table of functions, when it has the name and takes as many
    /// arguments; anything else is unresolved.
    fn call(&self, whole: &Expression, name: &str, args: &[&Expression], cx: &Cx) -> Node {
        let function = self
            .builtins
            .functions
            .iter()
            .find(|f| f.name == name && f.arity.admits(args.len()));
        match function {
            Some(f) => (f.call)(
                self,
                &Call {
                    whole,
                    args,
                    cx,
                    offset: cx.base + start(whole.span()),
                },
            ),
            None => self.unresolved(
                whole,
                cx,
                &format!("the function `{name}` is not evaluated"),
            ),
        }
    }

    /// Reads a file a function names (`${path.module}/` and `./` dropped), relative to the file
    /// the call is in, and adds it to the source map: its base offset and text, or why not.
    pub(super) fn read_file(&self, path: &str, cx: &Cx) -> Result<(usize, String), String> {
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
        let (shown, text) = self.files.read(&from, &path)?;
        let base = self.map.borrow_mut().add(&shown, &text);
        Ok((base, text))
    }

    /// Where the interpolated value is, when `at` in the string at `string_offset` is text an
    /// interpolation produced.
    pub(super) fn interpolated(&self, string_offset: usize, at: usize) -> Option<usize> {
        let pieces = self.pieces.borrow();
        let p = pieces
            .get(&string_offset)?
            .iter()
            .rev()
            .find(|p| p.at <= at)?;
        (!p.literal).then_some(p.source)
    }

    /// Maps an offset inside a string built from a template back to the sources.
    pub(super) fn source_of(&self, string_offset: usize, at: usize) -> usize {
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

impl Eval<'_> {
    /// The instances of blocks `name` in `body`: the static ones, and those a `dynamic "name"`
    /// block makes (with its iterator bound), each with the offset where it was written.
    pub(super) fn instances<'b>(
        &self,
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
                let Some(content) = block.body.blocks().find(|b| b.ident.as_str() == "content")
                else {
                    continue;
                };
                let each = attr(&block.body, "for_each").map(|e| self.eval(e, cx));
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
                        self.assume(
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
pub(crate) fn text_of(node: &Node) -> String {
    match &node.value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        _ => crate::trust::json::to_text(node),
    }
}
