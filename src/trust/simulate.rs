//! IAM's evaluation of a trust policy's statements against a token's claims, explained. Pure:
//! no I/O.
//!
//! Semantics (IAM's, for single-valued keys): condition-key names match case-insensitively,
//! values case-sensitively (except `…IgnoreCase`); a list of values is any-of; every key of an
//! operator and every operator of a statement must hold; statements are alternatives and a
//! matching `Deny` wins. A missing key fails positive operators and satisfies negated ones,
//! `…IfExists` and `ForAllValues:`; `ForAnyValue:` fails on it; `Null` tests presence. Only
//! the keys STS provides for GitHub ([`super::github::IAM_KEYS`]) have values: other claims of
//! the token are invisible to IAM, exactly as in AWS.

use super::document::{Loc, Statement, TrustDocument};
use super::github::{is_iam_key, provider_path};
use super::iam::{Base, sample, unescape};
use crate::claims::Claims;

/// The outcome for a whole document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An `Allow` statement matched and no `Deny` did.
    Allowed { statement: usize },
    /// A `Deny` statement matched.
    ExplicitDeny { statement: usize },
    /// No statement allowed the token.
    ImplicitDeny,
}

/// The evaluation of one document.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub decision: Decision,
    /// Every statement, in order.
    pub statements: Vec<StatementResult>,
}

/// Whether a statement applies to a GitHub web-identity request at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Applies,
    /// Its principal is another provider.
    OtherPrincipal(Vec<String>),
    /// Its actions do not include `sts:AssumeRoleWithWebIdentity`.
    OtherAction,
}

/// One statement's evaluation.
#[derive(Debug, Clone)]
pub struct StatementResult {
    pub index: usize,
    pub sid: Option<String>,
    pub effect: String,
    pub loc: Loc,
    pub scope: Scope,
    pub conditions: Vec<ConditionResult>,
    /// In scope and every condition held.
    pub matched: bool,
}

/// One condition key's evaluation.
#[derive(Debug, Clone)]
pub struct ConditionResult {
    pub operator: String,
    pub key: String,
    pub loc: Loc,
    /// The value IAM sees for the key (`None`: missing).
    pub actual: Option<String>,
    /// Why the key has no value, when it has none.
    pub missing_because: Option<String>,
    pub values: Vec<String>,
    /// `None` when the operator is not simulated (e.g. `Bool`, `ArnLike`).
    pub held: Option<bool>,
    /// A value of the key that would make the condition hold, when one can be named.
    pub would_pass: Option<String>,
    /// More explanation (case-only differences, exclusions).
    pub note: Option<String>,
}

impl Verdict {
    /// Whether the document admits the token.
    pub fn allowed(&self) -> bool {
        matches!(self.decision, Decision::Allowed { .. })
    }
}

/// Evaluates `doc` for a token with `claims` issued by the provider whose condition-key prefix
/// is `issuer_key_prefix` (e.g. `token.actions.githubusercontent.com`; see
/// [`crate::github::provider_for_issuer`]).
pub fn evaluate(doc: &TrustDocument, claims: &Claims, issuer_key_prefix: &str) -> Verdict {
    let statements: Vec<StatementResult> = doc
        .statements
        .iter()
        .map(|st| evaluate_statement(st, claims, issuer_key_prefix))
        .collect();
    let decision = if let Some(s) = statements.iter().find(|s| s.matched && s.effect == "Deny") {
        Decision::ExplicitDeny { statement: s.index }
    } else if let Some(s) = statements.iter().find(|s| s.matched && s.effect == "Allow") {
        Decision::Allowed { statement: s.index }
    } else {
        Decision::ImplicitDeny
    };
    Verdict {
        decision,
        statements,
    }
}

fn scope(st: &Statement, prefix: &str) -> Scope {
    if !st.covers_web_identity() {
        return Scope::OtherAction;
    }
    let listed = st.principals.iter().any(|p| {
        (p.kind == "*" && p.value == "*")
            || (p.kind == "Federated" && provider_path(&p.value).eq_ignore_ascii_case(prefix))
    });
    if listed != st.not_principal {
        Scope::Applies
    } else {
        Scope::OtherPrincipal(st.principals.iter().map(|p| p.value.clone()).collect())
    }
}

fn evaluate_statement(st: &Statement, claims: &Claims, prefix: &str) -> StatementResult {
    let scope = scope(st, prefix);
    let conditions: Vec<ConditionResult> = st
        .conditions
        .iter()
        .map(|c| {
            let (key_prefix, claim) = c.key_parts();
            let claim = claim.to_ascii_lowercase();
            let (actual, missing_because) = if !key_prefix.eq_ignore_ascii_case(prefix) {
                (
                    None,
                    Some(if key_prefix.contains('.') || key_prefix.contains('/') {
                        format!("`{}` is a key of issuer `{key_prefix}`, not of this token's issuer `{prefix}`", c.key)
                    } else {
                        format!("`{}` is a request-context key this simulation does not know; treated as missing", c.key)
                    }),
                )
            } else if !is_iam_key(&claim) {
                (None, Some(format!("STS provides no `{claim}` key for GitHub tokens, so IAM sees it as missing")))
            } else {
                match claims.get(&claim) {
                    Some(v) => (Some(v.to_string()), None),
                    None => (None, Some(format!("the token has no `{claim}` claim"))),
                }
            };
            let values = c.value_strings();
            let held = c.operator.evaluate(actual.as_deref(), &values);
            let (would_pass, mut note) = advice(&c.operator, actual.as_deref(), &values, held);
            if held == Some(false) && claim == "sub" && note.is_none() {
                note = actual.as_deref().and_then(|a| sub_form_note(a, &values));
            }
            ConditionResult {
                operator: c.operator_name.clone(),
                key: c.key.clone(),
                loc: c.loc.clone(),
                actual,
                missing_because,
                values,
                held,
                would_pass,
                note,
            }
        })
        .collect();
    let matched = scope == Scope::Applies && conditions.iter().all(|c| c.held == Some(true));
    StatementResult {
        index: st.index,
        sid: st.sid.clone(),
        effect: st.effect.clone(),
        loc: st.loc.clone(),
        scope,
        conditions,
        matched,
    }
}

fn advice(
    op: &super::iam::Operator,
    actual: Option<&str>,
    values: &[String],
    held: Option<bool>,
) -> (Option<String>, Option<String>) {
    match held {
        None => (
            None,
            Some("operator not simulated; treated as failing".to_string()),
        ),
        Some(true) => (None, None),
        Some(false) => {
            if op.base == Base::Null {
                return (
                    None,
                    Some(
                        "`Null` tests whether the key is present (`false`) or absent (`true`)"
                            .into(),
                    ),
                );
            }
            if op.is_negated() {
                return (None, Some("the value is one the condition excludes".into()));
            }
            let first = values.first().map(|v| match op.base {
                Base::StringLike => sample(v),
                _ => unescape(v),
            });
            let note = actual.and_then(|a| {
                values
                    .iter()
                    .any(|v| unescape(v).eq_ignore_ascii_case(a) || (op.is_like() && super::iam::like(&v.to_lowercase(), &a.to_lowercase())))
                    .then(|| "differs only in case: IAM compares values case-sensitively (GitHub sends names in their canonical case)".to_string())
            });
            (first, note)
        }
    }
}

/// Explains a `sub` of another form than the policy expects (GitHub's subject names the
/// environment when the job has one, else `pull_request` for pull requests, else the ref).
fn sub_form_note(actual: &str, values: &[String]) -> Option<String> {
    let form = |sub: &str| {
        let context = sub.strip_prefix("repo:")?.split_once(':')?.1;
        Some(context.split(':').next()?.to_string())
    };
    let got = form(actual)?;
    let mut wanted: Vec<String> = values.iter().filter_map(|v| form(v)).collect();
    wanted.dedup();
    if wanted.is_empty() || wanted.contains(&got) {
        return None;
    }
    let why = match got.as_str() {
        "environment" => {
            "the job has an `environment:`, so its `sub` names the environment instead of the ref"
        }
        "pull_request" => {
            "pull_request jobs get `repo:OWNER/REPO:pull_request`, whatever the branch"
        }
        "ref" => "the job has no `environment:`, so its `sub` names the ref",
        _ => "the token's `sub` has another form (a custom subject template?)",
    };
    Some(format!(
        "`sub` is of the `{got}` form but the policy expects `{}`: {why}",
        wanted.join("`/`")
    ))
}

/// Renders the explanation as text (deterministic; one line per fact).
pub fn render(verdict: &Verdict, path: &str) -> String {
    let mut out = String::new();
    match &verdict.decision {
        Decision::Allowed { statement } => {
            out.push_str(&format!("decision: allowed by statement {statement}\n"))
        }
        Decision::ExplicitDeny { statement } => out.push_str(&format!(
            "decision: denied explicitly by statement {statement} (a matching Deny wins)\n"
        )),
        Decision::ImplicitDeny => {
            out.push_str("decision: denied: no Allow statement matches the token\n")
        }
    }
    for st in &verdict.statements {
        let sid = st
            .sid
            .as_ref()
            .map(|s| format!(" `{s}`"))
            .unwrap_or_default();
        let state = match (&st.scope, st.matched) {
            (Scope::OtherAction, _) => {
                "does not apply (no sts:AssumeRoleWithWebIdentity)".to_string()
            }
            (Scope::OtherPrincipal(p), _) => format!(
                "does not apply (principal `{}` is not this token's issuer)",
                p.join("`, `")
            ),
            (Scope::Applies, true) => "matches".to_string(),
            (Scope::Applies, false) => "does not match".to_string(),
        };
        out.push_str(&format!(
            "\nstatement {}{sid} ({}, {path}:{}:{}): {state}\n",
            st.index, st.effect, st.loc.line, st.loc.column
        ));
        if st.scope != Scope::Applies {
            continue;
        }
        for c in &st.conditions {
            let mark = match c.held {
                Some(true) => "ok  ",
                Some(false) => "FAIL",
                None => "??  ",
            };
            out.push_str(&format!(
                "  {mark} {} `{}` ({path}:{}:{} {})\n",
                c.operator, c.key, c.loc.line, c.loc.column, c.loc.pointer
            ));
            if c.held == Some(true) {
                continue;
            }
            match (&c.actual, &c.missing_because) {
                (Some(a), _) => out.push_str(&format!("       actual:     `{a}`\n")),
                (None, Some(why)) => {
                    out.push_str(&format!("       actual:     <missing>: {why}\n"))
                }
                (None, None) => out.push_str("       actual:     <missing>\n"),
            }
            let expected: Vec<String> = c.values.iter().map(|v| format!("`{v}`")).collect();
            out.push_str(&format!("       expected:   {}\n", expected.join(" or ")));
            if let Some(w) = &c.would_pass {
                out.push_str(&format!("       would pass: `{w}`\n"));
            }
            if let Some(n) = &c.note {
                out.push_str(&format!("       note:       {n}\n"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trust::document::load;

    const PROD: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GitHubDeploy",
      "Effect": "Allow",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {
        "StringEquals": {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          "token.actions.githubusercontent.com:repository_id": "892734561"
        },
        "StringLike": {
          "token.actions.githubusercontent.com:sub": ["repo:octo-org/octo-repo:environment:prod*", "repo:octo-org/octo-repo:ref:refs/tags/v?"]
        }
      }
    },
    {
      "Sid": "NoBots",
      "Effect": "Deny",
      "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
      "Action": "sts:AssumeRoleWithWebIdentity",
      "Condition": {"StringEqualsIgnoreCase": {"token.actions.githubusercontent.com:actor": "dependabot[bot]"}}
    }
  ]
}"#;

    fn claims(pairs: &[(&str, &str)]) -> Claims {
        let mut c = Claims::from_pairs([
            ("aud", "sts.amazonaws.com"),
            ("repository_id", "892734561"),
            ("sub", "repo:octo-org/octo-repo:environment:production"),
            ("actor", "octocat"),
            ("event_name", "push"),
        ]);
        for (k, v) in pairs {
            if v.is_empty() {
                c.remove(k);
            } else {
                c.set(*k, *v);
            }
        }
        c
    }

    #[test]
    fn decisions() {
        let doc = &load(PROD).unwrap()[0];
        let p = "token.actions.githubusercontent.com";
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Decision);
        let cases: &[Case] = &[
            ("environment glob", &[], Decision::Allowed { statement: 0 }),
            (
                "tag with ?",
                &[("sub", "repo:octo-org/octo-repo:ref:refs/tags/v1")],
                Decision::Allowed { statement: 0 },
            ),
            (
                "? is one character",
                &[("sub", "repo:octo-org/octo-repo:ref:refs/tags/v10")],
                Decision::ImplicitDeny,
            ),
            (
                "branch",
                &[("sub", "repo:octo-org/octo-repo:ref:refs/heads/main")],
                Decision::ImplicitDeny,
            ),
            (
                "other repository id",
                &[("repository_id", "1")],
                Decision::ImplicitDeny,
            ),
            ("missing aud", &[("aud", "")], Decision::ImplicitDeny),
            (
                "deny wins, ignoring case",
                &[("actor", "Dependabot[bot]")],
                Decision::ExplicitDeny { statement: 1 },
            ),
            (
                "deny needs the key",
                &[("actor", "")],
                Decision::Allowed { statement: 0 },
            ),
        ];
        for (name, changes, want) in cases {
            let verdict = evaluate(doc, &claims(changes), p);
            assert_eq!(
                &verdict.decision,
                want,
                "{name}\n{}",
                render(&verdict, "t.json")
            );
        }
        // Another issuer's token is not in scope of any statement.
        let verdict = evaluate(doc, &claims(&[]), "ghe.example.com/_services/token");
        assert_eq!(verdict.decision, Decision::ImplicitDeny);
        assert!(matches!(
            verdict.statements[0].scope,
            Scope::OtherPrincipal(_)
        ));
    }

    #[test]
    fn explains_the_failing_condition() {
        let doc = &load(PROD).unwrap()[0];
        let verdict = evaluate(
            doc,
            &claims(&[("sub", "repo:Octo-Org/octo-repo:environment:prod")]),
            "token.actions.githubusercontent.com",
        );
        let failed: Vec<_> = verdict.statements[0]
            .conditions
            .iter()
            .filter(|c| c.held == Some(false))
            .collect();
        assert_eq!(failed.len(), 1);
        let c = failed[0];
        assert_eq!(c.key, "token.actions.githubusercontent.com:sub");
        assert_eq!(
            c.actual.as_deref(),
            Some("repo:Octo-Org/octo-repo:environment:prod")
        );
        assert_eq!(
            c.would_pass.as_deref(),
            Some("repo:octo-org/octo-repo:environment:prod")
        );
        assert!(c.note.as_deref().unwrap().contains("case"));
        let text = render(&verdict, "t.json");
        assert!(
            text.contains(
                "FAIL StringLike `token.actions.githubusercontent.com:sub` (t.json:15:11"
            ),
            "{text}"
        );
        let verdict = evaluate(
            doc,
            &claims(&[("sub", "repo:octo-org/octo-repo:pull_request")]),
            "token.actions.githubusercontent.com",
        );
        let text = render(&verdict, "t.json");
        assert!(
            text.contains(
                "`sub` is of the `pull_request` form but the policy expects `environment`/`ref`"
            ),
            "{text}"
        );
    }

    #[test]
    fn operators_on_missing_and_unprovided_keys() {
        let doc = |cond: &str| {
            load(&format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {cond}}}]}}"#
            ))
            .unwrap()
            .remove(0)
        };
        let p = "token.actions.githubusercontent.com";
        let c = claims(&[]);
        let cases: &[(&str, bool)] = &[
            // event_name is a claim of the token but not a key IAM provides: missing.
            (
                r#"{"StringEquals": {"token.actions.githubusercontent.com:event_name": "push"}}"#,
                false,
            ),
            (
                r#"{"StringNotEquals": {"token.actions.githubusercontent.com:event_name": "push"}}"#,
                true,
            ),
            (
                r#"{"ForAllValues:StringEquals": {"token.actions.githubusercontent.com:environment": "nope"}}"#,
                true,
            ),
            (
                r#"{"ForAnyValue:StringEquals": {"token.actions.githubusercontent.com:environment": "nope"}}"#,
                false,
            ),
            (
                r#"{"StringEqualsIfExists": {"token.actions.githubusercontent.com:environment": "nope"}}"#,
                true,
            ),
            (
                r#"{"Null": {"token.actions.githubusercontent.com:environment": "true"}}"#,
                true,
            ),
            (
                r#"{"StringEquals": {"TOKEN.actions.githubusercontent.com:SUB": "repo:octo-org/octo-repo:environment:production"}}"#,
                true,
            ),
            (
                r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": ["a", "repo:octo-org/octo-repo:environment:production"]}, "StringLike": {"token.actions.githubusercontent.com:aud": "sts.*"}}"#,
                true,
            ),
            (r#"{"Bool": {"aws:SecureTransport": "true"}}"#, false),
        ];
        for (cond, want) in cases {
            let verdict = evaluate(&doc(cond), &c, p);
            assert_eq!(
                verdict.allowed(),
                *want,
                "{cond}\n{}",
                render(&verdict, "x")
            );
        }
    }
}
