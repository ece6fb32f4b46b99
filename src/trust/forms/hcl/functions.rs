//! The Terraform functions the reader evaluates: the one table of them ([`FUNCTIONS`]), which
//! the evaluator calls by name and arity, whose absence is what every "the function … is not
//! evaluated" note means, and which docs/audit.md is checked against. Pure: `templatefile()`
//! and `file()` read through the evaluator's [`Files`](crate::trust::forms::Files).
//!
//! A new function is one row here, one test case below, and its name in docs/audit.md.

use super::eval::{Arity, Call, Cx, Eval, Function, Piece};
use super::parse;
use crate::trust::forms::{node, string};
use crate::trust::json::{Node, Value};

/// Every function evaluated. A call to any other name, or with another number of arguments, is
/// read as the `${…}` text it is written as and noted.
pub(super) const FUNCTIONS: &[Function] = &[
    // Conversions change nothing the checks see: the value as it is.
    function("jsonencode", Arity::Exactly(1), same),
    function("tolist", Arity::Exactly(1), same),
    function("toset", Arity::Exactly(1), same),
    function("tomap", Arity::Exactly(1), same),
    function("concat", Arity::AtLeast(0), concat),
    function("flatten", Arity::Exactly(1), flatten),
    function("join", Arity::Exactly(2), join),
    function("lower", Arity::Exactly(1), lower),
    function("upper", Arity::Exactly(1), upper),
    function("format", Arity::AtLeast(1), format),
    function("templatefile", Arity::Exactly(2), templatefile),
    function("file", Arity::Exactly(1), file),
    function("tostring", Arity::Exactly(1), same),
    function("merge", Arity::AtLeast(0), merge),
    function("distinct", Arity::Exactly(1), distinct),
    function("setunion", Arity::AtLeast(1), setunion),
    function("compact", Arity::Exactly(1), compact),
    function("coalesce", Arity::AtLeast(1), coalesce),
    function("coalescelist", Arity::AtLeast(1), coalescelist),
    function("try", Arity::AtLeast(1), try_),
    function("lookup", Arity::AtLeast(2), lookup),
    function("element", Arity::Exactly(2), element),
    function("one", Arity::Exactly(1), one),
    function("keys", Arity::Exactly(1), keys),
    function("values", Arity::Exactly(1), values_of),
    function("zipmap", Arity::Exactly(2), zipmap),
    function("length", Arity::Exactly(1), length),
    function("contains", Arity::Exactly(2), contains),
    function("split", Arity::Exactly(2), split),
    function("replace", Arity::Exactly(3), replace),
    function("trimprefix", Arity::Exactly(2), trimprefix),
    function("trimsuffix", Arity::Exactly(2), trimsuffix),
    function("trimspace", Arity::Exactly(1), trimspace),
    function("strcontains", Arity::Exactly(2), strcontains),
    function("startswith", Arity::Exactly(2), startswith),
    function("endswith", Arity::Exactly(2), endswith),
    function("regexall", Arity::Exactly(2), regexall),
    function("anytrue", Arity::Exactly(1), anytrue),
    function("alltrue", Arity::Exactly(1), alltrue),
];

const fn function(
    name: &'static str,
    arity: Arity,
    call: fn(&Eval<'_>, &Call<'_>) -> Node,
) -> Function {
    Function { name, arity, call }
}

/// Every argument, evaluated in order.
fn values(eval: &Eval<'_>, call: &Call<'_>) -> Vec<Node> {
    call.args.iter().map(|a| eval.eval(a, call.cx)).collect()
}

fn same(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    eval.eval(call.args[0], call.cx)
}

/// `concat(lists…)`: their items in one list.
fn concat(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let mut items = Vec::new();
    for v in values(eval, call) {
        match v.value {
            Value::Array(inner) => items.extend(inner),
            _ => items.push(v),
        }
    }
    node(Value::Array(items), call.offset)
}

/// `flatten(list)`: the items of nested lists, at any depth, in one list.
fn flatten(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    fn items(n: Node, out: &mut Vec<Node>) {
        match n.value {
            Value::Array(inner) => inner.into_iter().for_each(|i| items(i, out)),
            _ => out.push(n),
        }
    }
    let mut out = Vec::new();
    items(same(eval, call), &mut out);
    node(Value::Array(out), call.offset)
}

fn join(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = values(eval, call);
    let sep = text_of(&v[0]);
    let parts: Vec<String> = v[1].one_or_many().into_iter().map(text_of).collect();
    string(parts.join(&sep), call.offset)
}

fn lower(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    string(text_of(&same(eval, call)).to_lowercase(), call.offset)
}

fn upper(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    string(text_of(&same(eval, call)).to_uppercase(), call.offset)
}

/// `format(spec, values…)`: the verbs that print a value as it is (`%s`, `%v`, `%d`, `%t`),
/// `%q` (a JSON string) and `%%`. Any other verb, flag, width or explicit index (`%5s`,
/// `%[2]s`) is not evaluated and is noted: reading `format("repo:%v/*", x)` as literal text
/// would misread the condition silently.
fn format(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = values(eval, call);
    let mut rest = v[1..].iter();
    let fmt = text_of(&v[0]);
    let mut out = String::new();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'v' | 'd' | 't') => {
                out.push_str(&rest.next().map(text_of).unwrap_or_default())
            }
            Some('q') => {
                let value = rest.next().map(text_of).unwrap_or_default();
                out.push_str(&serde_json::Value::String(value).to_string());
            }
            other => {
                let verb = other.map_or_else(|| "%".to_string(), |o| format!("%{o}"));
                let why = format!("the `format` verb `{verb}` is not evaluated");
                return eval.unresolved(call.whole, call.cx, &why);
            }
        }
    }
    string(out, call.offset)
}

/// `templatefile(path, vars)`: the template is read, added to the source map, and rendered
/// with `vars` bound.
fn templatefile(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let cx = call.cx;
    let path = text_of(&eval.eval(call.args[0], cx));
    let (base, text) = match eval.read_file(&path, cx) {
        Ok(read) => read,
        Err(why) => return eval.unresolved(call.whole, cx, &why),
    };
    let template = match parse::template(&text) {
        Ok(t) => t,
        Err(why) => return eval.unresolved(call.whole, cx, &why),
    };
    let mut inner = cx.deeper(base);
    if let Some(vars) = call.args.get(1)
        && let Value::Object(members) = eval.eval(vars, cx).value
    {
        inner.bindings = members.into_iter().map(|m| (m.key, m.value)).collect();
    }
    eval.templates.borrow_mut().push(text);
    eval.template(&template, &inner, base)
}

/// `data "template_file"`'s `rendered`: its `template` (a string, usually `file(…)`) rendered
/// with its `vars`, as the deprecated `template` provider renders it.
pub(super) fn template_file(eval: &Eval<'_>, block: &hcl_edit::structure::Block, cx: &Cx) -> Node {
    let offset = cx.base + parse::start(hcl_edit::Span::span(block));
    let Some(template) = parse::attr(&block.body, "template") else {
        return string("", offset);
    };
    let value = eval.eval(template, cx);
    let text = text_of(&value);
    if text.starts_with("${") {
        return value;
    }
    let parsed = match parse::template(&text) {
        Ok(t) => t,
        Err(why) => return eval.unresolved(template, cx, &why),
    };
    let mut inner = cx.deeper(value.offset);
    if let Some(vars) = parse::attr(&block.body, "vars")
        && let Value::Object(members) = eval.eval(vars, cx).value
    {
        inner.bindings = members.into_iter().map(|m| (m.key, m.value)).collect();
    }
    eval.templates.borrow_mut().push(text);
    eval.template(&parsed, &inner, value.offset)
}

/// `file(path)`: the text, added to the source map so offsets inside it point into the file.
fn file(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let path = text_of(&eval.eval(call.args[0], call.cx));
    let (base, text) = match eval.read_file(&path, call.cx) {
        Ok(read) => read,
        Err(why) => return eval.unresolved(call.whole, call.cx, &why),
    };
    eval.pieces.borrow_mut().insert(
        base,
        vec![Piece {
            at: 0,
            source: base,
            literal: true,
        }],
    );
    string(text, base)
}

fn text_of(node: &Node) -> String {
    super::eval::text_of(node)
}

/// A value the evaluator left unresolved (written `${…}`): a function whose result depends on
/// it is unresolved too, never computed from the placeholder's text.
fn unknown(node: &Node) -> bool {
    match &node.value {
        Value::String(s) => s.starts_with("${"),
        Value::Array(items) => items.iter().any(unknown),
        _ => false,
    }
}

/// Every argument, or the call unresolved when one is not known.
fn known(eval: &Eval<'_>, call: &Call<'_>) -> Result<Vec<Node>, Node> {
    let v = values(eval, call);
    if v.iter().any(unknown) {
        return Err(eval.unresolved(call.whole, call.cx, "an argument is not resolved"));
    }
    Ok(v)
}

fn boolean(b: bool, offset: usize) -> Node {
    node(Value::Bool(b), offset)
}

/// `merge(maps…)`: their members, a later key replacing an earlier one.
fn merge(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let mut members: Vec<(String, usize, Node)> = Vec::new();
    for v in values(eval, call) {
        let Value::Object(ms) = v.value else {
            return eval.unresolved(call.whole, call.cx, "an argument is not a map");
        };
        for m in ms {
            members.retain(|(k, _, _)| *k != m.key);
            members.push((m.key, m.key_offset, m.value));
        }
    }
    crate::trust::forms::object(members, call.offset)
}

fn dedup(items: Vec<Node>) -> Vec<Node> {
    let mut out: Vec<Node> = Vec::new();
    for i in items {
        let text = crate::trust::json::to_text(&i);
        if !out.iter().any(|o| crate::trust::json::to_text(o) == text) {
            out.push(i);
        }
    }
    out
}

fn list(n: Node) -> Vec<Node> {
    match n.value {
        Value::Array(items) => items,
        _ => vec![n],
    }
}

fn distinct(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    node(Value::Array(dedup(list(same(eval, call)))), call.offset)
}

fn setunion(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let items = values(eval, call).into_iter().flat_map(list).collect();
    node(Value::Array(dedup(items)), call.offset)
}

/// `compact(list)`: without empty strings and nulls.
fn compact(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let items = list(same(eval, call))
        .into_iter()
        .filter(|i| {
            !matches!(&i.value, Value::Null)
                && !matches!(&i.value, Value::String(s) if s.is_empty())
        })
        .collect();
    node(Value::Array(items), call.offset)
}

/// `coalesce(values…)`: the first that is neither null nor an empty string.
fn coalesce(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    for a in call.args {
        let v = eval.eval(a, call.cx);
        if unknown(&v) {
            return v;
        }
        if !matches!(&v.value, Value::Null) && !matches!(&v.value, Value::String(s) if s.is_empty())
        {
            return v;
        }
    }
    node(Value::Null, call.offset)
}

/// `coalescelist(lists…)`: the first that is not empty.
fn coalescelist(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    for a in call.args {
        let v = eval.eval(a, call.cx);
        if unknown(&v) || !matches!(&v.value, Value::Array(items) if items.is_empty()) {
            return v;
        }
    }
    node(Value::Array(Vec::new()), call.offset)
}

/// `try(values…)`: the first that resolves (what the others assumed is dropped); the last
/// one as it is when none does.
fn try_(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let (last, rest) = call.args.split_last().expect("arity: at least one");
    for a in rest {
        let kept = eval.assumptions.borrow().len();
        let v = eval.eval(a, call.cx);
        if eval.assumptions.borrow().len() == kept && !unknown(&v) {
            return v;
        }
        eval.assumptions.borrow_mut().truncate(kept);
    }
    eval.eval(last, call.cx)
}

/// `lookup(map, key, default)`.
fn lookup(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let map = eval.eval(call.args[0], call.cx);
    let key = eval.eval(call.args[1], call.cx);
    if unknown(&key) || map.members().is_none() {
        return eval.unresolved(call.whole, call.cx, "an argument is not resolved");
    }
    match map.get(&text_of(&key)) {
        Some(v) => v.clone(),
        None => match call.args.get(2) {
            Some(d) => eval.eval(d, call.cx),
            None => eval.unresolved(call.whole, call.cx, "the map has no such key"),
        },
    }
}

/// `element(list, index)`: the index wraps around, as in Terraform.
fn element(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = match known(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    let index = text_of(&v[1]).parse::<usize>().ok();
    match (&v[0].value, index) {
        (Value::Array(items), Some(i)) if !items.is_empty() => items[i % items.len()].clone(),
        _ => eval.unresolved(call.whole, call.cx, "not a list and an index"),
    }
}

/// `one(list)`: its only item, or null for an empty list.
fn one(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = same(eval, call);
    match &v.value {
        Value::Array(items) if items.is_empty() => node(Value::Null, call.offset),
        Value::Array(items) if items.len() == 1 => items[0].clone(),
        _ => eval.unresolved(call.whole, call.cx, "not a list of at most one item"),
    }
}

fn keys(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = same(eval, call);
    match v.members() {
        Some(ms) => {
            let mut keys: Vec<Node> = ms
                .iter()
                .map(|m| string(m.key.clone(), m.key_offset))
                .collect();
            keys.sort_by_key(text_of);
            node(Value::Array(keys), call.offset)
        }
        None => eval.unresolved(call.whole, call.cx, "not a map"),
    }
}

/// `values(map)`: in the order of the sorted keys, as Terraform gives them.
fn values_of(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = same(eval, call);
    match v.members() {
        Some(ms) => {
            let mut ms = ms.to_vec();
            ms.sort_by(|a, b| a.key.cmp(&b.key));
            node(
                Value::Array(ms.into_iter().map(|m| m.value).collect()),
                call.offset,
            )
        }
        None => eval.unresolved(call.whole, call.cx, "not a map"),
    }
}

fn zipmap(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = match known(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    match (&v[0].value, &v[1].value) {
        (Value::Array(k), Value::Array(vs)) if k.len() == vs.len() => crate::trust::forms::object(
            k.iter()
                .zip(vs)
                .map(|(k, v)| (text_of(k), k.offset, v.clone()))
                .collect(),
            call.offset,
        ),
        _ => eval.unresolved(call.whole, call.cx, "not two lists of the same length"),
    }
}

fn length(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = match known(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    let n = match &v[0].value {
        Value::Array(items) => items.len(),
        Value::Object(ms) => ms.len(),
        Value::String(s) => s.chars().count(),
        _ => return eval.unresolved(call.whole, call.cx, "not a collection or a string"),
    };
    node(Value::Number(n.to_string()), call.offset)
}

fn contains(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = match known(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    let want = crate::trust::json::to_text(&v[1]);
    let found = v[0]
        .one_or_many()
        .iter()
        .any(|i| crate::trust::json::to_text(i) == want);
    boolean(found, call.offset)
}

/// `split(separator, string)`: the pieces, each pointing at the string.
fn split(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = match known(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    let (sep, text) = (text_of(&v[0]), text_of(&v[1]));
    let parts = if sep.is_empty() {
        vec![string(text, v[1].offset)]
    } else {
        text.split(sep.as_str())
            .map(|p| string(p, v[1].offset))
            .collect()
    };
    node(Value::Array(parts), call.offset)
}

/// `replace(string, substring, replacement)`; a `/regex/` substring is not evaluated.
fn replace(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = match known(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    let from = text_of(&v[1]);
    if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
        return eval.unresolved(
            call.whole,
            call.cx,
            "a regular expression in `replace` is not evaluated",
        );
    }
    let out = if from.is_empty() {
        text_of(&v[0])
    } else {
        text_of(&v[0]).replace(&from, &text_of(&v[2]))
    };
    string(out, call.offset)
}

/// Two strings (unresolved when either is not known).
fn two(eval: &Eval<'_>, call: &Call<'_>) -> Result<(String, String), Node> {
    let v = known(eval, call)?;
    Ok((text_of(&v[0]), text_of(&v[1])))
}

fn trimprefix(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = values(eval, call);
    let (text, prefix) = (text_of(&v[0]), text_of(&v[1]));
    if unknown(&v[1]) || (unknown(&v[0]) && !text.starts_with(&prefix)) {
        return eval.unresolved(call.whole, call.cx, "an argument is not resolved");
    }
    let mut out = v[0].clone();
    out.value = Value::String(
        text.strip_prefix(prefix.as_str())
            .unwrap_or(&text)
            .to_string(),
    );
    out
}

fn trimsuffix(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    match two(eval, call) {
        Ok((text, suffix)) => string(
            text.strip_suffix(suffix.as_str()).unwrap_or(&text),
            call.offset,
        ),
        Err(n) => n,
    }
}

fn trimspace(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let v = same(eval, call);
    let text = text_of(&v);
    let mut out = v;
    out.value = Value::String(text.trim().to_string());
    out
}

fn strcontains(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    match two(eval, call) {
        Ok((a, b)) => boolean(a.contains(&b), call.offset),
        Err(n) => n,
    }
}

fn startswith(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    match two(eval, call) {
        Ok((a, b)) => boolean(a.starts_with(&b), call.offset),
        Err(n) => n,
    }
}

/// `regexall(pattern, string)`: the matches of a pattern without capture groups (Terraform's
/// RE2 syntax, which the `regex` crate shares), as real modules test `length(regexall(":+",
/// s)) > 0`. A pattern with groups, or one too large, is not evaluated.
fn regexall(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    let (pattern, text) = match two(eval, call) {
        Ok(v) => v,
        Err(n) => return n,
    };
    let compiled = regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 16)
        .build()
        .ok()
        .filter(|r| r.captures_len() == 1);
    let Some(re) = compiled else {
        return eval.unresolved(
            call.whole,
            call.cx,
            "a `regexall` pattern with groups, or one that does not compile",
        );
    };
    let matches = re
        .find_iter(&text)
        .map(|m| string(m.as_str(), call.offset))
        .collect();
    node(Value::Array(matches), call.offset)
}

/// `anytrue(list)` / `alltrue(list)`: unresolved when an item is not a known boolean.
fn bools(eval: &Eval<'_>, call: &Call<'_>) -> Result<Vec<bool>, Node> {
    let v = same(eval, call);
    v.one_or_many()
        .iter()
        .map(|i| match i.value {
            Value::Bool(b) => Ok(b),
            _ => Err(()),
        })
        .collect::<Result<Vec<bool>, ()>>()
        .map_err(|_| eval.unresolved(call.whole, call.cx, "an item is not a known boolean"))
}

fn anytrue(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    match bools(eval, call) {
        Ok(b) => boolean(b.iter().any(|x| *x), call.offset),
        Err(n) => n,
    }
}

fn alltrue(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    match bools(eval, call) {
        Ok(b) => boolean(b.iter().all(|x| *x), call.offset),
        Err(n) => n,
    }
}

fn endswith(eval: &Eval<'_>, call: &Call<'_>) -> Node {
    match two(eval, call) {
        Ok((a, b)) => boolean(a.ends_with(&b), call.offset),
        Err(n) => n,
    }
}

#[cfg(test)]
mod tests {
    use hcl_edit::expr::Expression;

    use super::super::eval::{Builtins, Cx, Eval, Scope};
    use super::FUNCTIONS;
    use crate::trust::document::SourceMap;
    use crate::trust::forms::Files;
    use crate::trust::json;

    struct OneFile;

    impl Files for OneFile {
        fn read(&self, _from: &str, name: &str) -> Result<(String, String), String> {
            match name {
                "t.tftpl" => Ok((name.into(), "repo:${org}/*".into())),
                "f.txt" => Ok((name.into(), "text".into())),
                _ => Err(format!("no `{name}`")),
            }
        }
    }

    /// The value of one expression (as JSON), and the assumptions made.
    fn eval(text: &str) -> (String, Vec<String>) {
        let expr: Expression = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
        let scope = Scope::default();
        let mut map = SourceMap::default();
        map.add("main.tf", text);
        let builtins = Builtins {
            functions: FUNCTIONS,
            policy_document: |_, _, cx| crate::trust::forms::string("doc", cx.base),
            template_file: super::template_file,
            operator: super::super::operators::operator,
            directive: super::super::operators::directive,
            module: |_, _| None,
        };
        let eval = Eval::new(&scope, &mut map, &OneFile, &builtins);
        let value = eval.eval(&expr, &Cx::new(0));
        let notes = eval
            .assumptions
            .borrow()
            .iter()
            .map(|(_, m)| m.clone())
            .collect();
        (json::to_text(&value), notes)
    }

    #[test]
    fn each_function() {
        let cases: &[(&str, &str, &str)] = &[
            ("jsonencode", r#"jsonencode({ a = "b" })"#, r#"{"a":"b"}"#),
            ("tolist", r#"tolist(["a"])"#, r#"["a"]"#),
            ("toset", r#"toset(["a"])"#, r#"["a"]"#),
            ("tomap", r#"tomap({ a = 1 })"#, r#"{"a":1}"#),
            (
                "concat",
                r#"concat(["a"], ["b", "c"], "d")"#,
                r#"["a","b","c","d"]"#,
            ),
            (
                "flatten",
                r#"flatten([["a"], ["b", ["c"]], "d"])"#,
                r#"["a","b","c","d"]"#,
            ),
            ("join", r#"join(":", ["repo", "o/r"])"#, r#""repo:o/r""#),
            ("lower", r#"lower("Octo-Org")"#, r#""octo-org""#),
            ("upper", r#"upper("ab")"#, r#""AB""#),
            (
                "format",
                r#"format("repo:%s/%v:ref:%q %d%%", "o", "r", "main", 5)"#,
                r#""repo:o/r:ref:\"main\" 5%""#,
            ),
            (
                "templatefile",
                r#"templatefile("${path.module}/t.tftpl", { org = "o" })"#,
                r#""repo:o/*""#,
            ),
            ("file", r#"file("./f.txt")"#, r#""text""#),
            ("tostring", r#"tostring("a")"#, r#""a""#),
            (
                "merge",
                r#"merge({ a = 1, b = 2 }, { b = 3 })"#,
                r#"{"a":1,"b":3}"#,
            ),
            ("distinct", r#"distinct(["a", "b", "a"])"#, r#"["a","b"]"#),
            ("setunion", r#"setunion(["a"], ["b", "a"])"#, r#"["a","b"]"#),
            ("compact", r#"compact(["a", "", null])"#, r#"["a"]"#),
            ("coalesce", r#"coalesce("", null, "b")"#, r#""b""#),
            (
                "coalescelist",
                r#"coalescelist([], ["sts.amazonaws.com"])"#,
                r#"["sts.amazonaws.com"]"#,
            ),
            ("try", r#"try(var.missing, "fallback")"#, r#""fallback""#),
            ("lookup", r#"lookup({ a = "x" }, "b", "d")"#, r#""d""#),
            ("element", r#"element(["a", "b"], 3)"#, r#""b""#),
            ("one", r#"one(["a"])"#, r#""a""#),
            ("keys", r#"keys({ b = 1, a = 2 })"#, r#"["a","b"]"#),
            ("values", r#"values({ b = 1, a = 2 })"#, r#"[2,1]"#),
            ("zipmap", r#"zipmap(["a"], ["x"])"#, r#"{"a":"x"}"#),
            ("length", r#"length(["a", "b"])"#, "2"),
            ("contains", r#"contains(["a", "b"], "b")"#, "true"),
            ("split", r#"split(",", "a,b")"#, r#"["a","b"]"#),
            (
                "replace",
                r#"replace("repo:o/r", "o/", "p/")"#,
                r#""repo:p/r""#,
            ),
            (
                "trimprefix",
                r#"trimprefix("repo:o/r", "repo:")"#,
                r#""o/r""#,
            ),
            ("trimsuffix", r#"trimsuffix("o/r:*", ":*")"#, r#""o/r""#),
            ("trimspace", r#"trimspace(" a ")"#, r#""a""#),
            ("strcontains", r#"strcontains("o/r:*", "*")"#, "true"),
            ("startswith", r#"startswith("repo:o", "repo:")"#, "true"),
            ("endswith", r#"endswith("o/r:*", ":*")"#, "true"),
            (
                "regexall",
                r#"regexall(":+", "o/r:main::x")"#,
                r#"[":","::"]"#,
            ),
            ("anytrue", r#"anytrue([false, 1 > 0])"#, "true"),
            ("alltrue", r#"alltrue([true, false])"#, "false"),
        ];
        for (name, text, want) in cases {
            let (got, notes) = eval(text);
            assert_eq!((got.as_str(), notes), (*want, Vec::new()), "{text}");
            assert!(FUNCTIONS.iter().any(|f| f.name == *name), "{name}");
        }
        for f in FUNCTIONS {
            assert!(
                cases.iter().any(|(name, _, _)| *name == f.name),
                "`{}` has no case",
                f.name
            );
        }
    }

    #[test]
    fn other_functions_and_arities_are_noted() {
        let cases: &[(&str, &str)] = &[
            (
                r#"regex(":+", "a")"#,
                "the function `regex` is not evaluated",
            ),
            (
                r#"regexall("(a)", "a")"#,
                "a `regexall` pattern with groups, or one that does not compile",
            ),
            (
                r#"replace("a", "/b+/", "c")"#,
                "a regular expression in `replace` is not evaluated",
            ),
            (r#"join(",")"#, "the function `join` is not evaluated"),
            (
                r#"lower("a", "b")"#,
                "the function `lower` is not evaluated",
            ),
            (r#"file("missing")"#, "no `missing`"),
            // Terraform refuses these: so does the reader, with a note.
            (
                r#"templatefile("t.tftpl")"#,
                "the function `templatefile` is not evaluated",
            ),
            (r#"file("a", "b")"#, "the function `file` is not evaluated"),
            (
                r#"format("repo:%5s/*", "o")"#,
                "the `format` verb `%5` is not evaluated",
            ),
        ];
        for (text, why) in cases {
            let (got, notes) = eval(text);
            let written = serde_json::Value::String(format!("${{{text}}}")).to_string();
            assert_eq!(got, written, "{text}");
            assert_eq!(
                notes,
                [format!(
                    "`{text}` is not resolved ({why}): read as one value without wildcards"
                )],
                "{text}"
            );
        }
    }

    /// docs/audit.md names exactly the functions of the table, in its "Terraform functions"
    /// item: a function added here and not there (or the reverse) fails.
    #[test]
    fn docs_list_exactly_these_functions() {
        let docs = include_str!("../../../../docs/audit.md");
        let item = docs
            .split("\n- ")
            .find(|item| item.starts_with("**Terraform functions**"))
            .expect("docs/audit.md has a `**Terraform functions**` item");
        let mut documented: Vec<&str> = item
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|word| word.chars().all(|c| c.is_ascii_lowercase()))
            .collect();
        documented.sort_unstable();
        let mut implemented: Vec<&str> = FUNCTIONS.iter().map(|f| f.name).collect();
        implemented.sort_unstable();
        assert_eq!(documented, implemented);
    }
}
