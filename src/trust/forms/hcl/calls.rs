//! `module` calls followed as Terraform follows them, and the instances `for_each` and `count`
//! make of a resource or a call. Pure: a module's files come through
//! [`Files::module`](crate::trust::forms::Files::module).
//!
//! A call is followed when its module can be read: a local `source` (`./…`, `../…`), a
//! directory `.terraform/modules/modules.json` records for it, or one of the registry modules
//! modelled in `registry.rs`. Its variables are bound to the call's arguments, evaluated in the
//! caller's scope (so a finding in a value points at the caller's line); its roles are reported
//! under the call's address (`module.ci["api"].aws_iam_role.this`) with the call's line; its
//! `output`s are what `module.NAME.OUTPUT` gives the caller. A module called twice gives two
//! roles. Depth, cycles and instances are bounded.

use hcl_edit::Span;
use hcl_edit::expr::Expression;
use hcl_edit::structure::Block;

use super::eval::{Cx, Eval, Output, Pending, Place, Scope, text_of};
use super::operators::items;
use super::parse::{self, attr, labels, start};
use super::{modules, registry};
use crate::trust::forms::{node, object};
use crate::trust::json::{Node, Value};

/// Calls followed inside one another at most.
pub(super) const MAX_DEPTH: usize = 8;

/// Instances one `for_each` or `count` makes at most.
const MAX_INSTANCES: usize = 64;

/// The arguments of a `module` block that are Terraform's, not the module's variables.
const META_ARGUMENTS: &[&str] = &[
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
];

/// The instances a resource or module block makes: one per key of `for_each` (with `each`
/// bound), one per index of `count` (with `count.index` bound), or one. Each with its address
/// suffix (`["api"]`, `[0]`, or empty).
pub(super) fn instances(eval: &Eval<'_>, block: &Block, cx: &Cx) -> Vec<(String, Cx)> {
    let offset = cx.base + start(block.span());
    if let Some(e) = attr(&block.body, "for_each") {
        let value = eval.eval(e, cx);
        let Some(pairs) = items(&value) else {
            eval.assume(
                offset,
                format!(
                    "the `for_each` of `{}` is not resolved: read as one instance, `each.key` and `each.value` unresolved",
                    labels(block).join(".")
                ),
            );
            return vec![(String::new(), cx.clone())];
        };
        let set = matches!(value.value, Value::Array(_));
        return pairs
            .into_iter()
            .take(MAX_INSTANCES)
            .map(|(key, value)| {
                // A set's keys are its values (`toset([...])`), a map's its keys.
                let key = if set { value.clone() } else { key };
                let at = value.offset;
                let mut inner = cx.clone();
                inner.bindings.push((
                    "each".into(),
                    object(
                        vec![("key".into(), at, key.clone()), ("value".into(), at, value)],
                        at,
                    ),
                ));
                (format!("[{}]", quoted(&key)), inner)
            })
            .collect();
    }
    if let Some(e) = attr(&block.body, "count") {
        let value = eval.eval(e, cx);
        let n = match &value.value {
            Value::Number(n) => n.parse::<usize>().ok(),
            Value::Bool(b) => Some(usize::from(*b)),
            _ => None,
        };
        let Some(n) = n else {
            eval.assume(
                offset,
                format!(
                    "the `count` of `{}` is not resolved: read as one instance",
                    labels(block).join(".")
                ),
            );
            return vec![(String::new(), cx.clone())];
        };
        return (0..n.min(MAX_INSTANCES))
            .map(|i| {
                let mut inner = cx.clone();
                let index = node(Value::Number(i.to_string()), value.offset);
                inner.bindings.push((
                    "count".into(),
                    object(vec![("index".into(), value.offset, index)], value.offset),
                ));
                (format!("[{i}]"), inner)
            })
            .collect();
    }
    vec![(String::new(), cx.clone())]
}

fn quoted(key: &Node) -> String {
    match &key.value {
        Value::String(s) => serde_json::Value::String(s.clone()).to_string(),
        _ => text_of(key),
    }
}

/// Where a module's files are: (the file its path is relative to, the directory), or a model.
enum Target {
    Dir {
        from: String,
        dir: String,
        key: String,
    },
    /// A registry module modelled in HCL (`registry.rs`): the path shown, its text, and what
    /// was assumed about its version.
    Builtin {
        path: String,
        text: &'static str,
        note: Option<String>,
    },
    /// The module modelled in Rust (`modules.rs`).
    Model,
}

/// The outputs of `module.NAME`, the call followed: its roles are added to `eval.called`.
/// `None` when the module is not followed (nor modelled).
pub(super) fn module(eval: &Eval<'_>, name: &str) -> Option<Output> {
    let &(block, base) = eval.scope.calls.get(name)?;
    let cx = Cx::new(base);
    let source = attr(&block.body, "source").map(|e| text_of(&eval.eval(e, &cx)))?;
    let call_offset = base + start(block.span());
    let site = {
        let loc = eval.map.borrow().loc("", call_offset);
        format!("{}:{}", loc.file.unwrap_or_default(), loc.line)
    };
    let key = if eval.scope.place.key.is_empty() {
        name.to_string()
    } else {
        format!("{}.{name}", eval.scope.place.key)
    };
    let target = target(eval, block, &source, &key, base)?;
    let kept = eval.assumptions.borrow().len();
    let instances = instances(eval, block, &cx);
    // What `for_each`/`count` assumed belongs to every role of the call.
    let shared: Vec<(usize, String)> = eval.assumptions.borrow_mut().split_off(kept);
    let mut outputs = Vec::new();
    for (suffix, inner) in &instances {
        let roles = match &target {
            Target::Model => {
                let roles = modules::documents(eval, block, inner, &source);
                outputs.push(None);
                roles
            }
            Target::Dir { from, dir, key } => {
                let texts = match eval.files.module(from, dir) {
                    Ok(texts) if !texts.is_empty() => texts,
                    found => {
                        // Never skipped silently: the call is listed, and why it was not read.
                        let why = found
                            .err()
                            .unwrap_or_else(|| format!("`{dir}` holds no Terraform files"));
                        eval.called
                            .borrow_mut()
                            .push(unread(name, suffix, call_offset, &why));
                        outputs.push(None);
                        continue;
                    }
                };
                let (roles, out) = read_instance(eval, block, inner, texts, key, false);
                outputs.push(out);
                roles
            }
            Target::Builtin { path, text, note } => {
                let texts = vec![(path.clone(), text.to_string())];
                let (mut roles, _) = read_instance(eval, block, inner, texts, &key, true);
                for role in &mut roles {
                    if let Some(note) = note {
                        role.assumptions.push((call_offset, note.clone()));
                    }
                    role.form = "terraform registry module (modelled)";
                }
                // A model builds the role, not the module's outputs.
                outputs.push(None);
                roles
            }
        };
        for mut role in roles {
            // A modelled module's role is the call itself (`module.NAME`, at the call's line);
            // a followed one's is a resource inside it, reached through the call.
            if !matches!(target, Target::Model) {
                role.resource = format!("module.{name}{suffix}.{}", role.resource);
                // A model's role is reported at the call itself: no line to add.
                if matches!(target, Target::Dir { .. }) {
                    role.via.insert(0, site.clone());
                }
            } else {
                role.resource = format!("{}{suffix}", role.resource);
            }
            role.assumptions.extend(shared.iter().cloned());
            eval.called.borrow_mut().push(role);
        }
    }
    let has_for_each = attr(&block.body, "for_each").is_some();
    let has_count = attr(&block.body, "count").is_some();
    let outputs: Option<Vec<Output>> = outputs.into_iter().collect();
    let mut outputs = outputs?;
    match (has_for_each, has_count, instances.len()) {
        (false, false, _) | (_, _, 0) if outputs.len() == 1 => outputs.pop(),
        (true, _, _) => {
            let members = instances
                .iter()
                .zip(outputs.iter())
                .map(|((suffix, _), (value, _))| {
                    let key = serde_json::from_str::<String>(
                        suffix.trim_start_matches('[').trim_end_matches(']'),
                    )
                    .unwrap_or_default();
                    (key, value.offset, value.clone())
                })
                .collect();
            let assumed = outputs.iter().flat_map(|(_, a)| a.clone()).collect();
            Some((object(members, call_offset), assumed))
        }
        _ => {
            let assumed = outputs.iter().flat_map(|(_, a)| a.clone()).collect();
            let values = outputs.into_iter().map(|(v, _)| v).collect();
            Some((node(Value::Array(values), call_offset), assumed))
        }
    }
}

/// A call whose module could not be read: no document, and the assumption that says why.
fn unread(name: &str, suffix: &str, offset: usize, why: &str) -> Pending {
    Pending {
        root: Err((offset, String::new())),
        resource: format!("module.{name}{suffix}"),
        form: "terraform module (not read)",
        role_name: Some(name.to_string()),
        assumptions: vec![(
            offset,
            format!("{why}: the roles this module creates are not audited"),
        )],
        power: None,
        via: Vec::new(),
    }
}

/// Where the module of a call is read from.
fn target(eval: &Eval<'_>, block: &Block, source: &str, key: &str, base: usize) -> Option<Target> {
    let file = eval
        .scope
        .files
        .iter()
        .rev()
        .find(|(b, _)| *b <= base)
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    if source.starts_with("./") || source.starts_with("../") {
        return Some(Target::Dir {
            from: file,
            dir: source.to_string(),
            key: key.to_string(),
        });
    }
    if let Some(dir) = registry::recorded(eval, key) {
        return Some(Target::Dir {
            from: eval.scope.place.root_file.clone(),
            dir,
            key: key.to_string(),
        });
    }
    if modules::modelled(source) {
        return Some(Target::Model);
    }
    let version = attr(&block.body, "version").map(|e| text_of(&eval.eval(e, &Cx::new(base))));
    let (path, text, note) = registry::model(source, version.as_deref())?;
    Some(Target::Builtin { path, text, note })
}

/// Reads one instance of a called module from its files: its roles, and its outputs (`None`
/// when it is not read). A model's offsets are moved to the call: what it builds is reported
/// where the call is written.
fn read_instance(
    parent: &Eval<'_>,
    block: &Block,
    cx: &Cx,
    texts: Vec<(String, String)>,
    key: &str,
    model: bool,
) -> (Vec<Pending>, Option<Output>) {
    let offset = cx.base + start(block.span());
    let place = &parent.scope.place;
    if place.chain.len() >= MAX_DEPTH {
        let why = format!("modules are called more than {MAX_DEPTH} deep: `{key}` is not followed");
        let name = labels(block).first().copied().unwrap_or_default();
        parent
            .called
            .borrow_mut()
            .push(unread(name, "", offset, &why));
        return (Vec::new(), None);
    }
    let dir_id = std::path::Path::new(&texts[0].0)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    if place.chain.contains(&dir_id) {
        return (Vec::new(), None);
    }
    // The caller's arguments, each with what it assumed.
    let mut inputs = std::collections::HashMap::new();
    for a in block.body.attributes() {
        let name = a.key.as_str();
        if META_ARGUMENTS.contains(&name) {
            continue;
        }
        let kept = parent.assumptions.borrow().len();
        let value = parent.eval(&a.value, cx);
        let assumed = parent.assumptions.borrow_mut().split_off(kept);
        inputs.insert(name.to_string(), (value, assumed));
    }
    let mut chain = place.chain.clone();
    chain.push(dir_id);
    let place = Place {
        key: key.to_string(),
        root_file: place.root_file.clone(),
        chain,
    };
    let mut guard = parent.map.borrow_mut();
    let map: &mut crate::trust::document::SourceMap = &mut guard;
    let model_from = model.then(|| map.add("", ""));
    let mut bodies = Vec::new();
    let mut renamed = std::collections::HashMap::new();
    for (path, text) in &texts {
        let Ok(text) = parse::native(path, text) else {
            continue;
        };
        let base = map.add(path, &text);
        let Ok(parsed) = parse::file(path, &text) else {
            continue;
        };
        renamed.extend(parsed.renamed.into_iter().map(|(at, key)| (base + at, key)));
        bodies.push((path.clone(), base, parsed.body));
    }
    let mut scope = Scope::declared(&bodies);
    scope.renamed = renamed;
    scope.inputs = inputs;
    scope.place = place;
    let child = Eval::new(&scope, map, parent.files, parent.builtins);
    child.steps.set(parent.steps.get());
    let mut roles = super::evaluate(&child, &bodies);
    let outputs = outputs(&child, &bodies);
    parent.steps.set(child.steps.get());
    if let Some(from) = model_from {
        let to = |o: usize| if o >= from { offset } else { o };
        for role in &mut roles {
            match &mut role.root {
                Ok(root) => move_offsets(root, &to),
                Err((o, _)) => *o = to(*o),
            }
            role.assumptions.iter_mut().for_each(|(o, _)| *o = to(*o));
        }
    }
    (roles, Some(outputs))
}

fn move_offsets(node: &mut Node, to: &dyn Fn(usize) -> usize) {
    node.offset = to(node.offset);
    match &mut node.value {
        Value::Array(items) => items.iter_mut().for_each(|i| move_offsets(i, to)),
        Value::Object(members) => {
            for m in members {
                m.key_offset = to(m.key_offset);
                move_offsets(&mut m.value, to);
            }
        }
        _ => {}
    }
}

/// A module's `output` blocks, evaluated: an object of name → value, and what each assumed.
fn outputs(eval: &Eval<'_>, bodies: &super::eval::Bodies) -> Output {
    let mut members = Vec::new();
    let mut assumed = Vec::new();
    for (_, base, body) in bodies {
        for block in body.blocks().filter(|b| b.ident.as_str() == "output") {
            let (&[name], Some(value)) = (labels(block).as_slice(), attr(&block.body, "value"))
            else {
                continue;
            };
            eval.assumptions.borrow_mut().clear();
            let v = eval.eval(value, &Cx::new(*base));
            let noted = eval.assumptions.borrow();
            assumed.extend(noted.iter().map(|(o, m)| (name.to_string(), *o, m.clone())));
            members.push((name.to_string(), v.offset, v));
        }
    }
    (object(members, 0), assumed)
}

/// Whether a text may call a module (a cheap look before parsing).
pub fn calls_modules(text: &str) -> bool {
    text.contains("module") && text.contains("source")
}

/// The `source` of every call in a module's files that is a local directory (`./…`, `../…`):
/// the walker reads such a directory only through its callers.
pub fn local_sources(texts: &[(String, String)]) -> Vec<String> {
    let mut out = Vec::new();
    for (path, text) in texts {
        if !calls_modules(text) {
            continue;
        }
        let Ok(parsed) = parse::native(path, text).and_then(|t| parse::file(path, &t)) else {
            continue;
        };
        for block in parsed
            .body
            .blocks()
            .filter(|b| b.ident.as_str() == "module")
        {
            if let Some(Expression::String(s)) = attr(&block.body, "source") {
                let s = s.as_str();
                if s.starts_with("./") || s.starts_with("../") {
                    out.push(s.to_string());
                }
            }
        }
    }
    out
}
