//! OA101 `no-identity-condition`: a statement trusting a GitHub issuer with no positive
//! condition on which repository is asking. Pure.

use super::{Audited, Check};
use crate::trust::document::{Statement, TrustDocument};
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::github::{GithubIssuer, IDENTITY_KEYS};
use crate::trust::iam::{Base, literal_prefix, unescape};

check_meta! {
    NoIdentity, "OA101", "no-identity-condition", Severity::Critical,
    title: "no `sub`/repository condition: any repository on GitHub can assume the role",
    why: "the issuer only proves that the token comes from *some* GitHub Actions job; `aud` is chosen by the workflow. Without a positive `StringEquals`/`StringLike` on `sub`, `repository`, `repository_id` or `job_workflow_ref`, every repository on GitHub (anyone can create one) can assume the role (Tinder, Rezonate, Datadog research, 2023). Negated, `IfExists` and `ForAllValues:` conditions do not count: they hold for tokens that lack the key or carry another value",
    fix: "add `\"StringEquals\": {\"<provider>:sub\": \"repo:OWNER/REPO:environment:NAME\"}` (or `:repository_id`) to this statement",
}

impl Check for NoIdentity {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.github_allows() {
            if IDENTITY_KEYS.iter().any(|k| st.positively_constrains(k)) {
                custom_subjects(audited.doc, st, out);
                continue;
            }
            let providers = st.github_providers();
            let public = providers
                .iter()
                .any(|(_, kind)| *kind == GithubIssuer::Public);
            let prefix = &providers[0].0;
            let who = if public {
                "any repository on github.com can assume this role".to_string()
            } else {
                format!(
                    "any repository that `{prefix}` issues tokens for (the whole enterprise or server) can assume this role"
                )
            };
            let weak: Vec<String> = st
                .github_conditions()
                .iter()
                .filter(|(c, claim)| {
                    IDENTITY_KEYS.contains(&claim.as_str()) && !c.operator.is_positive_string()
                })
                .map(|(c, _)| format!("`{}` on `{}`", c.operator_name, c.key))
                .collect();
            let mut message = format!(
                "statement {} trusts `{prefix}` with no positive condition on `sub`, `repository`, `repository_id` or `job_workflow_ref`: {who}",
                st.index
            );
            if !weak.is_empty() {
                message.push_str(&format!(
                    " ({} also holds for other repositories' tokens)",
                    weak.join(", ")
                ));
            }
            let severity = if public {
                Severity::Critical
            } else {
                Severity::High
            };
            out.push(
                META.at(st.github_loc(), message)
                    .severity(severity)
                    .fix(format!(
                        "add `\"StringEquals\": {{\"{prefix}:sub\": \"repo:OWNER/REPO:environment:NAME\", \"{prefix}:repository_id\": \"ID\"}}` to statement {}",
                        st.index
                    )),
            );
        }
    }
}

/// Who can produce a subject written with a custom template (GitHub's `include_claim_keys`).
#[derive(Debug, PartialEq)]
enum SubjectScope {
    /// It names the repository (`repo:`, `repository:`, `repository_id:`).
    Repository,
    /// Only the owner (`repository_owner:`, `repository_owner_id:`).
    Owner,
    /// Neither: any organisation's workflow can produce it.
    Nobody,
}

fn subject_scope(literal: &str) -> SubjectScope {
    let has = |key: &str| {
        literal.starts_with(&format!("{key}:")) || literal.contains(&format!(":{key}:"))
    };
    if has("repo") || has("repository") || has("repository_id") {
        SubjectScope::Repository
    } else if has("repository_owner") || has("repository_owner_id") {
        SubjectScope::Owner
    } else {
        SubjectScope::Nobody
    }
}

/// Subjects from a custom template that leave out the owner or the repository, when the
/// subject is the statement's only identity condition: any organisation (or any repository of
/// the owner) produces the same subject.
fn custom_subjects(doc: &TrustDocument, st: &Statement, out: &mut Vec<Finding>) {
    if ["repository", "repository_id", "job_workflow_ref"]
        .iter()
        .any(|k| st.positively_constrains(k))
    {
        return;
    }
    for (c, claim) in st.github_conditions() {
        if claim != "sub" || !c.operator.is_positive_string() {
            continue;
        }
        // A subject the reader could not resolve is a subject: who can produce it is not known,
        // and `unresolved-value` says so.
        for v in c.values.iter().filter(|v| !doc.unresolved(v)) {
            let literal = match c.operator.base {
                Base::StringLike => literal_prefix(&v.value),
                _ => unescape(&v.value),
            };
            // `*`, `repo:*` and `repo:…` subjects are OA102's. A value the reader could not
            // resolve (`${var.subject}`, written as in the source) is not a custom template:
            // OA112 states the assumption, and an unknown value alone never raises a finding
            // above what the resolved parts justify (issue #18: an exact subject passed to a
            // module was rated critical).
            if literal.is_empty()
                || unresolved(&literal)
                || "repo:".starts_with(literal.as_str())
                || literal.starts_with("repo:")
            {
                continue;
            }
            let (severity, who) = match subject_scope(&literal) {
                SubjectScope::Repository => continue,
                SubjectScope::Owner => (
                    Severity::High,
                    "names the owner but no repository: every repository of the owner, including new ones, produces it",
                ),
                SubjectScope::Nobody => (
                    Severity::Critical,
                    "names neither the owner nor the repository: a workflow in any organisation produces the same subject",
                ),
            };
            out.push(
                META.at(
                    &v.loc,
                    format!(
                        "the subject `{}` (a custom subject template) {who}",
                        v.value
                    ),
                )
                .severity(severity)
                .fix("include `repo` (or `repository_id`) in the subject template, or add `\"StringEquals\": {\"<provider>:repository_id\": \"ID\"}`"),
            );
        }
    }
}

/// A whole value the Terraform or CloudFormation reader left as the `${…}` it is written as.
fn unresolved(literal: &str) -> bool {
    literal.starts_with("${") && literal.ends_with('}')
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    #[test]
    fn cases() {
        let enterprise = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com/acme"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com/acme:aud": "sts.amazonaws.com"}}}]}"#;
        let ghes_ok = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": ["arn:aws:iam::1:oidc-provider/ghe.example.com/_services/token"]}, "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"], "Condition": {"StringEquals": {"ghe.example.com/_services/token:sub": "repo:o/r:ref:refs/heads/main"}}}]}"#;
        let wrong_prefix = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com/acme"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:acme/r:ref:refs/heads/main"}}}]}"#;
        let no_condition = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
        let deny_only = r#"{"Statement": [{"Effect": "Deny", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
        let not_github = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/gitlab.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
        table(
            "OA101",
            &[
                (
                    "aud only",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#,
                    ),
                    None,
                    &[Critical],
                ),
                ("no condition", no_condition.into(), None, &[Critical]),
                (
                    "sub exact",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "sub like",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "repository_id (2026 key)",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:repository_id": "74"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "key name case-insensitive",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:SUB": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "only negated sub",
                    github(
                        r#"{"StringNotLike": {"token.actions.githubusercontent.com:sub": "repo:evil/*"}}"#,
                    ),
                    None,
                    &[Critical],
                ),
                (
                    // GitHub always sends `sub`: IfExists behaves like StringEquals (OA104: low).
                    "only IfExists sub",
                    github(
                        r#"{"StringEqualsIfExists": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "ForAllValues sub",
                    github(
                        r#"{"ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "IfExists on a key sent only sometimes",
                    github(
                        r#"{"StringEqualsIfExists": {"token.actions.githubusercontent.com:job_workflow_ref": "o/r/.github/workflows/d.yml@refs/heads/main"}}"#,
                    ),
                    None,
                    &[Critical],
                ),
                (
                    "custom template without owner",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "environment:production"}}"#,
                    ),
                    None,
                    &[Critical],
                ),
                (
                    "custom template with owner only",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repository_owner:octo-org:environment:*"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "a value the reader left unresolved is not a custom template",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "${var.subject}"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "custom template with repository",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repository:octo-org/app:environment:production"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "custom template beside repository_id",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "environment:production", "token.actions.githubusercontent.com:repository_id": "74"}}"#,
                    ),
                    None,
                    &[],
                ),
                ("enterprise issuer", enterprise.into(), None, &[High]),
                ("ghes with sub", ghes_ok.into(), None, &[]),
                ("key for another issuer", wrong_prefix.into(), None, &[High]),
                ("deny statement", deny_only.into(), None, &[]),
                ("not github", not_github.into(), None, &[]),
            ],
        );
    }

    #[test]
    fn message_names_the_weak_condition() {
        let f = findings(
            "OA101",
            &github(
                r#"{"StringNotEquals": {"token.actions.githubusercontent.com:sub": "repo:evil/x"}}"#,
            ),
            None,
        );
        assert!(
            f[0].message
                .contains("`StringNotEquals` on `token.actions.githubusercontent.com:sub`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].loc.pointer, "/Statement/0/Principal/Federated");
    }

    /// A subject a reader could not resolve (`var.subject`, CDK context) is not a custom
    /// template naming nobody: it is unknown, and only `unresolved-value` says so (issue #18).
    #[test]
    fn an_unresolved_subject_is_not_judged_as_a_template() {
        let text = github(
            r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "${var.subject}"}}"#,
        );
        let mut doc = crate::trust::document::load(&text).unwrap().remove(0);
        let written = |doc: &crate::trust::document::TrustDocument| {
            crate::trust::checks::audit_document(doc, None)
                .iter()
                .map(|f| f.meta.id)
                .collect::<Vec<_>>()
        };
        let loc = doc.statements[0].conditions[0].values[0].loc.clone();
        doc.assumptions
            .push((loc, "`var.subject` is not resolved".into()));
        let ids = written(&doc);
        assert!(
            !ids.contains(&"OA101") && !ids.contains(&"OA110"),
            "{ids:?}"
        );
        assert!(ids.contains(&"OA112"), "{ids:?}");
    }
}
