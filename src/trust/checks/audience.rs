//! OA103 `audience-not-pinned`: no `StringEquals` on the `aud` key. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Confidence, Finding, Meta, Severity};
use crate::trust::iam::{Base, has_wildcard};

check_meta! {
    Audience, "OA103", "audience-not-pinned", Severity::Medium,
    title: "`aud` is not checked with `StringEquals`",
    why: "a workflow chooses its token's audience (`core.getIDToken(audience)`), so a token minted for another relying party (Vault, Azure, a SaaS) can be replayed to AWS when `aud` is not pinned. The provider's client-id list also checks `aud`, but only the trust policy is per role; a pattern on `aud` invites widening",
    fix: "add `\"StringEquals\": {\"<provider>:aud\": \"sts.amazonaws.com\"}`",
}

impl Check for Audience {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.github_allows() {
            let conditions = st.github_conditions();
            let aud: Vec<_> = conditions
                .iter()
                .filter(|(_, claim)| claim == "aud")
                .collect();
            // GitHub always sends `aud`: `…IfExists` and `ForAllValues:` pin it as well as the
            // plain operator (OA104 says to write it plainly).
            let pinned = aud
                .iter()
                .any(|(c, _)| !c.operator.is_negated() && c.operator.base == Base::StringEquals);
            if pinned {
                continue;
            }
            let prefix = &st.github_providers()[0].0;
            let fix =
                format!("use `\"StringEquals\": {{\"{prefix}:aud\": \"sts.amazonaws.com\"}}`");
            let like = aud.iter().find(|(c, _)| c.operator.is_positive_string());
            let finding = match like {
                Some((c, _)) => {
                    let wild = c.values.iter().any(|v| has_wildcard(&v.value));
                    META.at(
                        &c.loc,
                        format!(
                            "`{}` is checked with `{}`{}: pin the exact audience",
                            c.key,
                            c.operator_name,
                            if wild { " and a wildcard" } else { "" }
                        ),
                    )
                    .severity(if wild {
                        Severity::Medium
                    } else {
                        Severity::Low
                    })
                }
                None => META
                    .at(
                        st.github_loc(),
                        format!(
                            "statement {} does not check `{prefix}:aud` with `StringEquals`",
                            st.index
                        ),
                    )
                    .confidence(Confidence::Medium),
            };
            out.push(finding.fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::trust::finding::Severity::*;

    #[test]
    fn cases() {
        let sub = r#""token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main""#;
        table(
            "OA103",
            &[
                (
                    "pinned",
                    github(&format!(
                        r#"{{"StringEquals": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com", {sub}}}}}"#
                    )),
                    None,
                    &[],
                ),
                (
                    "pinned as list",
                    github(&format!(
                        r#"{{"StringEquals": {{"token.actions.githubusercontent.com:aud": ["sts.amazonaws.com"], {sub}}}}}"#
                    )),
                    None,
                    &[],
                ),
                (
                    "missing",
                    github(&format!(r#"{{"StringEquals": {{{sub}}}}}"#)),
                    None,
                    &[Medium],
                ),
                (
                    "like with wildcard",
                    github(&format!(
                        r#"{{"StringEquals": {{{sub}}}, "StringLike": {{"token.actions.githubusercontent.com:aud": "sts.*"}}}}"#
                    )),
                    None,
                    &[Medium],
                ),
                (
                    "like without wildcard",
                    github(&format!(
                        r#"{{"StringEquals": {{{sub}}}, "StringLike": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}}"#
                    )),
                    None,
                    &[Low],
                ),
                (
                    // GitHub always sends `aud`: as pinned as StringEquals (OA104: low).
                    "IfExists",
                    github(&format!(
                        r#"{{"StringEquals": {{{sub}}}, "StringEqualsIfExists": {{"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}}"#
                    )),
                    None,
                    &[],
                ),
                (
                    "negated",
                    github(&format!(
                        r#"{{"StringEquals": {{{sub}}}, "StringNotEquals": {{"token.actions.githubusercontent.com:aud": "vault"}}}}"#
                    )),
                    None,
                    &[Medium],
                ),
            ],
        );
    }
}
