//! The Terraform functions the reader evaluates: the one table of them ([`FUNCTIONS`]), which
//! the evaluator calls by name and arity, whose absence is what every "the function … is not
//! evaluated" note means, and which docs/audit.md is checked against. Pure: `templatefile()`
//! and `file()` read through the evaluator's [`Files`](crate::trust::forms::Files).
//!
//! A new function is one row here, one test case below, and its name in docs/audit.md.

use super::eval::{Arity, Call, Eval, Function, Piece};
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
                r#"replace("a", "b", "c")"#,
                "the function `replace` is not evaluated",
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
