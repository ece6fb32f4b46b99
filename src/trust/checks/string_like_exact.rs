//! OA110 `string-like-without-wildcard`: `StringLike` with a value that has no wildcard. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Finding, Meta, Severity};
use crate::trust::iam::has_wildcard;

check_meta! {
    StringLikeExact, "OA110", "string-like-without-wildcard", Severity::Low,
    title: "`StringLike` with a value that has no wildcard",
    why: "the value matches exactly, so `StringEquals` says the same; a pattern operator invites the next edit to add a `*` that widens the role without anyone noticing the operator allowed it",
    fix: "move exact values to `StringEquals`",
}

impl Check for StringLikeExact {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.doc.statements.iter().filter(|s| s.is_github()) {
            for (c, claim) in st.github_conditions() {
                // OA103 speaks for `aud`.
                if !c.operator.is_like() || claim == "aud" {
                    continue;
                }
                // An unresolved value is read without wildcards: whether it has one is not known.
                for v in c
                    .values
                    .iter()
                    .filter(|v| !has_wildcard(&v.value) && !audited.doc.unresolved(v))
                {
                    out.push(META.at(
                        &v.loc,
                        format!("`{}` value `{}` has no wildcard", c.operator_name, v.value),
                    ));
                }
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
        table(
            "OA110",
            &[
                (
                    "wildcard",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/tags/v*"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "question mark",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/v?"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "exact",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": ["repo:o/r:ref:refs/heads/main", "repo:o/r:ref:refs/tags/*"]}}"#,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "escaped star",
                    github(
                        r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/a${*}"}}"#,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "equals",
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
