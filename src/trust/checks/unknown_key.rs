//! OA105 `unknown-condition-key`: GitHub-provider keys IAM does not have, misspelled, written
//! for another issuer, or in unusual case. Pure.

use super::{Audited, Check};
use crate::claims::is_known_claim;
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::github::{is_iam_key, looks_like_github_prefix, suggest_key};

check_meta! {
    UnknownKey, "OA105", "unknown-condition-key", Severity::High,
    title: "a condition key IAM does not provide for this provider",
    why: "IAM treats an unknown key as missing: a positive condition on it never matches (the statement is dead, or a deny never applies) and a negated or `IfExists` one always holds. For GitHub providers STS provides `aud`, `sub` and, since 2026, `actor`, `actor_id`, `enterprise_id`, `environment`, `job_workflow_ref`, `ref`, `repository`, `repository_id`, `workflow`; other claims (`event_name`, `ref_protected`, `runner_environment`, `repository_owner_id`, …) are not keys. The key's prefix must be the provider's issuer (`token.actions.githubusercontent.com/ENTERPRISE` for an enterprise issuer, `HOST/_services/token` for GitHub Enterprise Server)",
    fix: "use a key IAM provides; to enforce another claim, add it to the `sub` template (GitHub's OIDC `include_claim_keys`) and match `sub`",
}

impl Check for UnknownKey {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.doc.statements.iter().filter(|s| s.is_github()) {
            let providers: Vec<String> =
                st.github_providers().into_iter().map(|(p, _)| p).collect();
            let lower: Vec<String> = providers.iter().map(|p| p.to_ascii_lowercase()).collect();
            for c in &st.conditions {
                let (prefix, claim) = c.key_parts();
                if !looks_like_github_prefix(prefix) {
                    continue;
                }
                // A dead condition in a deny statement silently switches the guard off.
                let severity = match (st.is_allow(), c.operator.true_when_missing()) {
                    (true, true) | (false, false) => Severity::High,
                    (true, false) | (false, true) => Severity::Medium,
                };
                let effect = if c.operator.true_when_missing() {
                    "the condition always holds"
                } else if st.is_allow() {
                    "the condition never matches, so this statement admits no one"
                } else {
                    "the condition never matches, so this deny never applies"
                };
                if !lower.contains(&prefix.to_ascii_lowercase()) {
                    out.push(
                        META.at(&c.loc, format!("`{}` is a key of issuer `{prefix}`, but this statement trusts `{}`: {effect}", c.key, providers.join("`, `")))
                            .severity(severity)
                            .fix(format!("write the key as `{}:{claim}`", providers[0])),
                    );
                    continue;
                }
                let claim_lower = claim.to_ascii_lowercase();
                if is_iam_key(&claim_lower) {
                    if claim != claim_lower {
                        out.push(
                            META.at(&c.loc, format!("`{}`: IAM matches key names case-insensitively, so this works, but tools that compare keys (Terraform plans, other linters, this audit's users) may not", c.key))
                                .severity(Severity::Low)
                                .fix(format!("write `{prefix}:{claim_lower}`")),
                        );
                    }
                    continue;
                }
                let message = if is_known_claim(&claim_lower) {
                    format!(
                        "GitHub sends `{claim_lower}`, but STS does not provide `{}` as a condition key: {effect}",
                        c.key
                    )
                } else {
                    match suggest_key(claim) {
                        Some(near) => format!(
                            "`{}` is not a condition key (did you mean `{prefix}:{near}`?): {effect}",
                            c.key
                        ),
                        None => format!("`{}` is not a condition key: {effect}", c.key),
                    }
                };
                let fix = match suggest_key(claim) {
                    Some(near) if !is_known_claim(&claim_lower) => {
                        format!("write `{prefix}:{near}`")
                    }
                    _ => format!(
                        "enforce `{claim_lower}` through a custom `sub` template (`include_claim_keys`) and a condition on `{prefix}:sub`, or drop it"
                    ),
                };
                // The issuer is what the provider itself checks: a condition on `iss` that always
                // holds (terraform-aws-modules' GitHub role writes one) restricts nothing that
                // was not already restricted.
                let severity = if claim_lower == "iss" && c.operator.true_when_missing() {
                    Severity::Low
                } else {
                    severity
                };
                out.push(META.at(&c.loc, message).severity(severity).fix(fix));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    fn cond(op: &str, key: &str) -> String {
        github(&format!(
            r#"{{"StringEquals": {{"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}, "{op}": {{"{key}": "x"}}}}"#
        ))
    }

    #[test]
    fn cases() {
        let deny = r#"{"Statement": [{"Effect": "Deny", "Principal": {"Federated": "arn:aws:iam::1:oidc-provider/token.actions.githubusercontent.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"token.actions.githubusercontent.com:runner_environment": "self-hosted"}}}]}"#;
        table(
            "OA105",
            &[
                (
                    "known keys",
                    cond(
                        "StringEquals",
                        "token.actions.githubusercontent.com:repository_id",
                    ),
                    None,
                    &[],
                ),
                (
                    "2026 keys",
                    cond(
                        "StringEquals",
                        "token.actions.githubusercontent.com:job_workflow_ref",
                    ),
                    None,
                    &[],
                ),
                (
                    "subject typo",
                    cond(
                        "StringEquals",
                        "token.actions.githubusercontent.com:subject",
                    ),
                    None,
                    &[Medium],
                ),
                (
                    "not exposed",
                    cond(
                        "StringEquals",
                        "token.actions.githubusercontent.com:event_name",
                    ),
                    None,
                    &[Medium],
                ),
                (
                    "not exposed under negation",
                    cond(
                        "StringNotEquals",
                        "token.actions.githubusercontent.com:event_name",
                    ),
                    None,
                    &[High],
                ),
                (
                    "owner id not a key",
                    cond(
                        "StringEquals",
                        "token.actions.githubusercontent.com:repository_owner_id",
                    ),
                    None,
                    &[Medium],
                ),
                (
                    "wrong case",
                    cond(
                        "StringEquals",
                        "token.actions.githubusercontent.com:Repository",
                    ),
                    None,
                    &[Low],
                ),
                (
                    "other issuer's prefix",
                    cond("StringEquals", "ghe.example.com/_services/token:ref"),
                    None,
                    &[Medium],
                ),
                (
                    "global key ignored",
                    cond("StringEquals", "aws:PrincipalTag/x"),
                    None,
                    &[],
                ),
                ("dead deny", deny.into(), None, &[High]),
            ],
        );
        let f = findings(
            "OA105",
            &cond(
                "StringEquals",
                "token.actions.githubusercontent.com:subject",
            ),
            None,
        );
        assert!(
            f[0].message
                .contains("did you mean `token.actions.githubusercontent.com:sub`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].fix, "write `token.actions.githubusercontent.com:sub`");
    }
}
