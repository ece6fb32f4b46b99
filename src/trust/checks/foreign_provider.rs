//! OA111 `mixed-web-identity-providers`: another web-identity provider trusted in the same
//! document as GitHub. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Finding, Meta, Severity};

check_meta! {
    ForeignProvider, "OA111", "mixed-web-identity-providers", Severity::Low,
    title: "the role also trusts a web-identity provider that is not GitHub",
    why: "statements are alternatives: a second provider's statement (EKS, GitLab, Google, Cognito) is another way in, judged by its own conditions, which this audit does not know how to check. One role per workload keeps each boundary reviewable",
    fix: "move the other provider to its own role, or review its conditions as carefully as GitHub's",
}

impl Check for ForeignProvider {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        if !audited.doc.statements.iter().any(|s| s.is_github()) {
            return;
        }
        for st in audited
            .doc
            .statements
            .iter()
            .filter(|s| s.is_allow() && s.covers_web_identity() && !s.not_principal)
        {
            for p in st.other_federated() {
                out.push(META.at(
                    &p.loc,
                    format!(
                        "statement {} also allows `sts:AssumeRoleWithWebIdentity` for `{}`",
                        st.index, p.value
                    ),
                ));
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
        let mixed = r#"{"Statement": [
  {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}},
  {"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
        let only_other = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/gitlab.com"}, "Action": "sts:AssumeRoleWithWebIdentity"}]}"#;
        let same_statement = r#"{"Statement": [{"Effect": "Allow", "Principal": {"Federated": ["arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com", "accounts.google.com"]}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}}]}"#;
        table(
            "OA111",
            &[
                ("mixed", mixed.into(), None, &[Low]),
                ("same statement", same_statement.into(), None, &[Low]),
                ("only another provider", only_other.into(), None, &[]),
                (
                    "github only",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
            ],
        );
    }
}
