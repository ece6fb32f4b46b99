//! OA100 `malformed-document`: parts of a trust policy IAM would refuse or this audit cannot
//! read. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Finding, Meta, Severity};

check_meta! {
    Malformed, "OA100", "malformed-document", Severity::Medium,
    title: "part of the document is not a valid policy element",
    why: "IAM refuses such a document, or reads it differently from what it looks like; the other checks skip the part they cannot read, so a problem there may be hidden",
    fix: "write each statement as an object with `Effect`, `Principal`, `Action` and an optional `Condition` object of `operator: {key: value or [values]}`",
}

impl Check for Malformed {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for (loc, problem) in &audited.doc.problems {
            out.push(META.at(loc, problem.clone()));
        }
        for st in &audited.doc.statements {
            if st.effect != "Allow" && st.effect != "Deny" {
                out.push(META.at(
                    &st.loc,
                    format!(
                        "`Effect` is `{}`; IAM accepts only `Allow` or `Deny`",
                        st.effect
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
        table(
            "OA100",
            &[
                (
                    "well formed",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "condition is a list",
                    github(r#"[{"StringEquals": {}}]"#),
                    None,
                    &[Medium],
                ),
                (
                    "operator maps to a string",
                    github(r#"{"StringEquals": "x"}"#),
                    None,
                    &[Medium],
                ),
                (
                    "value is an object",
                    github(r#"{"StringEquals": {"k": {"a": 1}}}"#),
                    None,
                    &[Medium],
                ),
                (
                    "effect typo",
                    r#"{"Statement": [{"Effect": "allow", "Action": "sts:*"}]}"#.into(),
                    None,
                    &[Medium],
                ),
                (
                    "no statement",
                    r#"{"Statement": "x"}"#.into(),
                    None,
                    &[Medium],
                ),
            ],
        );
    }
}
