//! OA104 `operator-true-when-missing`: `ForAllValues:`, `…IfExists` and negated operators on
//! GitHub keys in allow statements. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::github::{ALWAYS_SENT, IDENTITY_KEYS, is_iam_key};
use crate::trust::iam::SetQualifier;

check_meta! {
    UnsafeOperator, "OA104", "operator-true-when-missing", Severity::High,
    title: "an allow condition that holds when the key is missing or different",
    why: "GitHub's keys are single-valued. `ForAllValues:` is true when the key is absent (an empty set), `…IfExists` is true when it is absent, and `StringNot…` is true when it is absent *or* has any other value: a token without the claim (another issuer's, a misspelled key) or from another repository passes. GitHub removed `ForAllValues` from its AWS example for this reason (github/docs#17463)",
    fix: "use plain `StringEquals` (or `StringLike`) with the values to admit; express exclusions as a separate `Deny` statement",
}

impl Check for UnsafeOperator {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.github_allows() {
            // A condition beside a positive identity condition can only narrow what that admits.
            let identity = IDENTITY_KEYS.iter().any(|k| st.positively_constrains(k));
            for (c, claim) in st.github_conditions() {
                let op = &c.operator;
                let always = ALWAYS_SENT.contains(&claim.as_str());
                let missing = if op.qualifier == Some(SetQualifier::ForAllValues) {
                    Some("`ForAllValues:` is true when the token has no such key")
                } else if op.if_exists && !op.is_negated() {
                    Some("`…IfExists` is true when the token has no such key")
                } else {
                    None
                };
                let (severity, what) = if missing.is_some() && always {
                    (
                        Severity::Low,
                        "GitHub sends this key in every token, so the operator behaves like the plain one here; write it plainly, since on a key GitHub sends only sometimes it admits the jobs without it",
                    )
                } else if missing.is_some() && claim == "iss" {
                    (
                        Severity::Low,
                        "`iss` is not a condition key, so this always holds; the provider itself checks the issuer, so nothing is lost, but the condition restricts nothing",
                    )
                } else if let Some(what) = missing {
                    // A key IAM does not provide is never there: the condition always holds.
                    if identity && is_iam_key(&claim) {
                        (
                            Severity::Medium,
                            "GitHub sends this key only for some jobs (an `environment` only when the job names one), and the operator is true for the jobs without it: it does not require what it looks like it requires",
                        )
                    } else {
                        (Severity::High, what)
                    }
                } else if op.is_negated() {
                    if identity {
                        // Narrows an identity already pinned by a positive condition: no alarm.
                        continue;
                    }
                    (
                        Severity::High,
                        "a negated operator is true when the key is missing and for every value not listed",
                    )
                } else if op.qualifier == Some(SetQualifier::ForAnyValue) {
                    (
                        Severity::Low,
                        "`ForAnyValue:` is meant for multi-valued keys; on this single-valued key it behaves like the plain operator, which is clearer",
                    )
                } else {
                    continue;
                };
                out.push(
                    META.at(
                        &c.loc,
                        format!(
                            "`{}` on `{}` in an allow statement: {what}",
                            c.operator_name, c.key
                        ),
                    )
                    .severity(severity),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    #[test]
    fn cases() {
        let deny = r#"{"Statement": [{"Effect": "Deny", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringNotEquals": {"token.actions.githubusercontent.com:repository_id": "74"}}}]}"#;
        table(
            "OA104",
            &[
                (
                    "plain",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "ForAllValues on a key always sent",
                    github(
                        r#"{"ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}}"#,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "ForAllValues on a key sent only sometimes",
                    github(
                        r#"{"ForAllValues:StringLike": {"token.actions.githubusercontent.com:environment": "prod"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "IfExists environment beside an exact sub",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}, "StringEqualsIfExists": {"token.actions.githubusercontent.com:environment": "prod"}}"#,
                    ),
                    None,
                    &[Medium],
                ),
                (
                    "StringNotEquals on actor beside an exact sub narrows",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:environment:prod"}, "StringNotEquals": {"token.actions.githubusercontent.com:actor": "dependabot[bot]"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "ForAnyValue",
                    github(
                        r#"{"ForAnyValue:StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "IfExists",
                    github(
                        r#"{"StringEqualsIfExists": {"token.actions.githubusercontent.com:environment": "prod"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "StringNotLike",
                    github(
                        r#"{"StringNotLike": {"token.actions.githubusercontent.com:sub": "repo:evil/*"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "StringNotEquals, two keys",
                    github(
                        r#"{"StringNotEquals": {"token.actions.githubusercontent.com:ref": "refs/heads/x", "token.actions.githubusercontent.com:actor": "bot"}}"#,
                    ),
                    None,
                    &[High, High],
                ),
                (
                    "global key not judged",
                    github(r#"{"StringNotEquals": {"aws:SourceIp": "1.2.3.4"}}"#),
                    None,
                    &[],
                ),
                ("deny statement", deny.into(), None, &[]),
            ],
        );
    }
}
