//! OA106 `duplicate-key`: a JSON key written twice in one object. Pure.

use super::{Audited, Check};
use crate::trust::finding::{Finding, Meta, Severity};

check_meta! {
    DuplicateKeyCheck, "OA106", "duplicate-key", Severity::High,
    title: "a key appears twice in one JSON object; one of them is silently dropped",
    why: "JSON parsers keep one of two same-named members (most keep the last, some the first), so the conditions of the other never reach IAM; the other checks read the last, as most parsers do. A second `\"StringEquals\"` block dropped the `sub` condition of a real government trust policy (Datadog Security Labs, 2023)",
    fix: "merge the two members into one object",
}

impl Check for DuplicateKeyCheck {
    fn document(&self, audited: &Audited<'_>, out: &mut Vec<Finding>) {
        for d in &audited.doc.duplicates {
            let in_statement = d.loc.pointer.contains("/Statement");
            let mut message = format!(
                "`{}` appears twice in this object (first at line {}:{}): a parser keeps only one",
                d.key, d.first.line, d.first.column
            );
            if !d.dropped.is_empty() {
                message.push_str(&format!(
                    "; with last-wins parsing these keys of the first are dropped: `{}`",
                    d.dropped.join("`, `")
                ));
            }
            out.push(
                META.at(&d.loc, message)
                    .severity(if in_statement {
                        Severity::High
                    } else {
                        Severity::Medium
                    })
                    .fix(format!("merge both `{}` members into one", d.key)),
            );
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
            "OA106",
            &[
                (
                    "none",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}}"#,
                    ),
                    None,
                    &[],
                ),
                (
                    "operator twice",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}, "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "key twice",
                    github(
                        r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "a", "token.actions.githubusercontent.com:sub": "b"}}"#,
                    ),
                    None,
                    &[High],
                ),
                (
                    "top level",
                    r#"{"Version": "2012-10-17", "Version": "2008-10-17", "Statement": []}"#.into(),
                    None,
                    &[Medium],
                ),
            ],
        );
        let f = findings(
            "OA106",
            &github(
                r#"{"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main"}, "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#,
            ),
            None,
        );
        assert!(
            f[0].message
                .contains("dropped: `token.actions.githubusercontent.com:sub`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].loc.pointer, "/Statement/0/Condition/StringEquals");
    }
}
