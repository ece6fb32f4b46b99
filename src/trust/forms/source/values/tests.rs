//! Tests of the evaluator: each case is a file in both languages where that makes sense, and the
//! value of its `v` as compact JSON, with what was noted.

use super::super::syntax::Tree;
use super::super::{calls, python, typescript};
use super::Eval;
use crate::trust::json::to_text;

/// The value of `v` in a file, and the assumptions (their text) and whether a gap was met.
fn value(text: &str, ts: bool) -> (String, Vec<String>, bool) {
    let grammar: tree_sitter::Language = if ts {
        tree_sitter_typescript::LANGUAGE_TYPESCRIPT.into()
    } else {
        tree_sitter_python::LANGUAGE.into()
    };
    let tree = Tree::parse(text, &grammar).unwrap();
    let program = if ts {
        typescript::program(&tree)
    } else {
        python::program(&tree)
    };
    let eval = Eval::new(&program, text, 0, calls::known);
    let mark = eval.mark();
    let v = program.bindings.get("v").expect("a `v`")[0].clone();
    let out = eval.eval(&v, &[], 0);
    let notes = eval
        .assumptions_since(mark)
        .into_iter()
        .map(|(_, m)| m)
        .collect();
    (to_text(&out), notes, eval.gapped_since(mark))
}

#[test]
fn typescript_values() {
    let cases: &[(&str, &str, &str, usize, bool)] = &[
        (
            "literal",
            r#"const v = "repo:o/r:*";"#,
            r#""repo:o/r:*""#,
            0,
            false,
        ),
        (
            "escapes",
            r#"const v = 'a\'b\u0041';"#,
            r#""a'bA""#,
            0,
            false,
        ),
        (
            "template with constants",
            "const ORG = 'octo'; const REPO = `${ORG}/app`; const v = `repo:${REPO}:ref:refs/heads/main`;",
            r#""repo:octo/app:ref:refs/heads/main""#,
            0,
            false,
        ),
        (
            "concatenation",
            "const ORG = 'octo'; const v = 'repo:' + ORG + '/app:' + '*';",
            r#""repo:octo/app:*""#,
            0,
            false,
        ),
        (
            "array spread",
            "const base = ['a', 'b']; const v = [...base, 'c'];",
            r#"["a","b","c"]"#,
            0,
            false,
        ),
        (
            "object spread, later key wins",
            "const base = {a: '1', b: '2'}; const v = {...base, b: '3', 'c:d': base.a};",
            r#"{"a":"1","b":"3","c:d":"1"}"#,
            0,
            false,
        ),
        (
            "computed key",
            "const P = 'token.actions.githubusercontent.com'; const v = {[`${P}:sub`]: 'x'};",
            r#"{"token.actions.githubusercontent.com:sub":"x"}"#,
            0,
            false,
        ),
        (
            "environment variable",
            "const v = `repo:${process.env.REPO}:*`;",
            r#""repo:${process.env.REPO}:*""#,
            1,
            false,
        ),
        (
            "CDK context",
            "const v = this.node.tryGetContext('subject');",
            r#""${this.node.tryGetContext('subject')}""#,
            1,
            false,
        ),
        (
            "assigned twice",
            "let x = 'a'; x = 'b'; const v = x;",
            r#""${x}""#,
            1,
            false,
        ),
        (
            "unresolved spread is a gap",
            "const v = {...props.conditions, a: '1'};",
            r#"{"a":"1"}"#,
            1,
            true,
        ),
        (
            "stack account",
            "const v = `arn:aws:iam::${this.account}:oidc-provider/token.actions.githubusercontent.com`;",
            r#""arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com""#,
            0,
            false,
        ),
        (
            "provider construct",
            "const p = new iam.OpenIdConnectProvider(this, 'Gh', {url: 'https://token.actions.githubusercontent.com'}); const v = p.openIdConnectProviderArn;",
            r#""arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com""#,
            0,
            false,
        ),
        (
            "JSON.stringify inside apply",
            "const v = provider.arn.apply(arn => JSON.stringify({Principal: {Federated: arn}}));",
            r#"{"Principal":{"Federated":"${provider.arn}"}}"#,
            1,
            false,
        ),
        (
            "managed policy name",
            "const v = iam.ManagedPolicy.fromAwsManagedPolicyName('job-function/ViewOnlyAccess');",
            r#""arn:aws:iam::aws:policy/job-function/ViewOnlyAccess""#,
            0,
            false,
        ),
        (
            "pulumi enum",
            "const v = aws.iam.ManagedPolicy.AdministratorAccess;",
            r#""arn:aws:iam::aws:policy/AdministratorAccess""#,
            0,
            false,
        ),
        (
            "a self-reference ends",
            "const a = b; const b = a; const v = a;",
            r#""${b}""#,
            1,
            false,
        ),
    ];
    for (name, text, want, notes, gap) in cases {
        let (got, got_notes, got_gap) = value(text, true);
        assert_eq!(got, *want, "{name}");
        assert_eq!(got_notes.len(), *notes, "{name}: {got_notes:?}");
        assert_eq!(got_gap, *gap, "{name}");
    }
}

#[test]
fn python_values() {
    let cases: &[(&str, &str, &str, usize, bool)] = &[
        (
            "f-string with constants",
            "ORG = \"octo\"\nREPO = f\"{ORG}/app\"\nv = f\"repo:{REPO}:environment:prod\"\n",
            r#""repo:octo/app:environment:prod""#,
            0,
            false,
        ),
        (
            "implicit concatenation",
            "ORG = 'octo'\nv = ('repo:' f'{ORG}/app' ':*')\n",
            r#""repo:octo/app:*""#,
            0,
            false,
        ),
        (
            "format spec is unresolved",
            "n = 3\nv = f\"x{n:>4}\"\n",
            r#""x${{n:>4}}""#,
            1,
            false,
        ),
        (
            "dict spread",
            "base = {\"a\": \"1\"}\nv = {**base, \"b\": \"2\"}\n",
            r#"{"a":"1","b":"2"}"#,
            0,
            false,
        ),
        (
            "self field and stack account",
            "class S:\n    def __init__(self):\n        self.org = 'octo'\n        v = f\"arn:aws:iam::{self.account}:role/{self.org}\"\n",
            r#""arn:aws:iam::123456789012:role/octo""#,
            0,
            false,
        ),
        (
            "environment",
            "import os\nv = os.environ[\"REPO\"]\n",
            r#""${os.environ[\"REPO\"]}""#,
            1,
            false,
        ),
        (
            "json.dumps of a lambda's receiver",
            "v = provider.arn.apply(lambda arn: json.dumps({\"Federated\": arn}))\n",
            r#"{"Federated":"${provider.arn}"}"#,
            1,
            false,
        ),
        (
            "pulumi enum, upper snake",
            "v = aws.iam.ManagedPolicy.ADMINISTRATOR_ACCESS\n",
            r#""arn:aws:iam::aws:policy/AdministratorAccess""#,
            0,
            false,
        ),
        (
            "get_policy_document args",
            "v = aws.iam.get_policy_document(statements=[aws.iam.GetPolicyDocumentStatementArgs(actions=[\"sts:AssumeRoleWithWebIdentity\"], conditions=[aws.iam.GetPolicyDocumentStatementConditionArgs(test=\"StringLike\", variable=\"k\", values=[\"a\"]), {\"test\": \"StringLike\", \"variable\": \"k\", \"values\": [\"b\"]}])]).json\n",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRoleWithWebIdentity"],"Condition":{"StringLike":{"k":["a","b"]}}}]}"#,
            0,
            false,
        ),
    ];
    for (name, text, want, notes, gap) in cases {
        let (got, got_notes, got_gap) = value(text, false);
        assert_eq!(got, *want, "{name}");
        assert_eq!(got_notes.len(), *notes, "{name}: {got_notes:?}");
        assert_eq!(got_gap, *gap, "{name}");
    }
}
