//! OA109 `name-only-identity`: the repository is identified by name only, not by id. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Confidence, Finding, Meta, Severity};

check_meta! {
    NameOnlyIdentity, "OA109", "name-only-identity", Severity::Low,
    title: "the repository is identified by name only",
    why: "names can be renamed, transferred and, once deleted, registered again by anyone: the new owner's tokens carry the same `sub` (Astrix \"Sub:jugation\"). `repository_id` never changes, and GitHub's immutable subjects (`repo:OWNER@ID/REPO@ID:…`) carry the ids",
    fix: "add `\"StringEquals\": {\"<provider>:repository_id\": \"ID\"}` (the id is in the repository's API response and in every token), or use immutable subjects",
}

impl Check for NameOnlyIdentity {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for st in audited.github_allows() {
            if st.positively_constrains("repository_id") {
                continue;
            }
            let conditions = st.github_conditions();
            let names: Vec<_> = conditions
                .iter()
                .filter(|(c, claim)| {
                    c.operator.is_positive_string()
                        && (claim == "repository"
                            || (claim == "sub"
                                && c.values.iter().any(|v| {
                                    v.value.starts_with("repo:")
                                        && !v
                                            .value
                                            .split(':')
                                            .nth(1)
                                            .is_some_and(|r| r.contains('@'))
                                })))
                })
                .collect();
            if let Some((c, _)) = names.first() {
                let prefix = &st.github_providers()[0].0;
                out.push(
                    META.at(&c.loc, format!("statement {} identifies the repository by name (`{}`) and not by `repository_id`", st.index, c.key))
                        .confidence(Confidence::Medium)
                        .fix(format!("add `\"{prefix}:repository_id\": \"ID\"` to the `StringEquals` block")),
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
        table(
            "OA109",
            &[
                (
                    "name",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "name and id",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main", "token.actions.githubusercontent.com:repository_id": "74"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "immutable sub",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o@65/r@74:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "repository key",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:repository": "o/r"}}"#,
                    ),
                    None,
                    &[Low],
                ),
                (
                    "custom template",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repository_owner_id:65:repository_id:74"}}"#,
                    ),
                    None,
                    &[],
                ),
            ],
        );
    }
}
